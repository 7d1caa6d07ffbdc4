"""Pure functions and tasks on tiny models: no server, no browser (most of the fast tier, `pytest -m fast`)."""
