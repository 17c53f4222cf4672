"""One module per area; each declares its checks with ``@check`` (see registry.py)."""
