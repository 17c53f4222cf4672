"""Single source of the application version."""

__version__ = "0.2.0"
