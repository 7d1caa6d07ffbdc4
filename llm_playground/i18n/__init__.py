"""Every English and Japanese string of the app: UI labels (labels.py), the learner guides (guide.py), the words
of results and charts (words*.py, labels_branch.py) and the Japanese for error messages (messages_ja.py)."""
