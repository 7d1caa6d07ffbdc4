"""Ways of running a generation model: in this process (local.py) or on an inference engine."""
