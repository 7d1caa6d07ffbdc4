"""The service: the only thing UI handlers and APIs call (playground.py: PlaygroundService, one per app). By
concern: what models are offered (directory.py), which backend runs a generation (generations.py), Compare
(compare.py), fine-tuning runs (finetune.py, finetune_jobs.py), the rate limit (ratelimit.py), exported files
(exports.py), Copy as Python (reproduce.py); what its methods return (outcome.py)."""
