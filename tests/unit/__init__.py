"""Pure functions and tasks on tiny models, the architecture map and the docs build: most of the fast tier
(`pytest -m fast`). A test here that uses a server or the browser is marked so (conftest.py) and left out of it."""
