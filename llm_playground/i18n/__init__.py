"""Every English and Japanese string of the app: UI labels (labels.py), the learner guides (guide.py), the words
of results and charts (words*.py, labels_branch.py) and the messages to users by key (messages.py, with their
templates in errors.en.yaml and errors.ja.yaml)."""
