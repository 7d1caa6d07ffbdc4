"""Models: which exist (catalog.py), loading them (loading.py: the only from_pretrained), keeping them (manager.py:
lazy, single-flight, one copy per checkpoint, a memory budget; loaded.py), devices and dtypes (devices.py), int8
weights (quantize.py), their sizes (sizes.py), the local Hub cache (hub_cache.py), and the built-in stories260K
and story-bert (the folders beside these modules; story-bert is made by scripts/build_story_bert.py)."""
