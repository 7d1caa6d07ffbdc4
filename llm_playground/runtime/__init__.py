"""What runs the work: long-lived model threads (workers.py), how many cores each uses (cores.py), the garbage
collector once the app serves (heap.py), and shutting down on SIGTERM (lifecycle.py). Process-level, no models."""
