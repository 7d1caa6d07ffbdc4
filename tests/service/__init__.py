"""The service and the model manager, called directly: no server, no browser."""
