"""Generation on an OpenAI-compatible inference engine such as vLLM: the configured engines and their models
(registry.py), HTTP and its faults (client.py), token texts (tokens.py), the backend (backend.py), branches
(branch.py) and Stop on a silent engine (stop_watch.py)."""
