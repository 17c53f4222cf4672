"""Loaded by every Python program the tests start (tests/private_files.py puts this folder first on
PYTHONPATH): watch the files gp_guard writes there too, then run the sitecustomize this one hides."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("_gp_guard_private_files",
                                               os.path.join(os.path.dirname(_here), "private_files.py"))
if _spec is not None and _spec.loader is not None:
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    _module.install_in_child()

_other = importlib.machinery.PathFinder.find_spec(
    "sitecustomize", [p for p in sys.path if os.path.abspath(p or ".") != _here])
if _other is not None and _other.loader is not None:
    _other.loader.exec_module(importlib.util.module_from_spec(_other))
