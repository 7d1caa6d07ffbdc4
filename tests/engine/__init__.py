"""Inference engines: a real vLLM (started by the engine fixtures), recorded answers and misbehaving servers."""
