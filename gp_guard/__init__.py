"""gp_guard: a security assistant for general practitioners."""

from gp_guard.version import __version__

__all__ = ["__version__"]
