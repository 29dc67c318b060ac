"""The app's routes, one module per concern; each exposes a ``router``."""
