"""The PySide6 face of gp_guard: widgets and dialogs over the Qt-free core, no business logic."""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance


def _fix_emit_refcount() -> bool:
    """Work around a PySide6 bug where ``SignalInstance.emit()`` returns a borrowed bool.

    Each emit then drops one reference to ``True``; after a few hundred emits CPython
    deallocates ``True`` and aborts ("bool_dealloc"). Seen with PySide6 6.12.0 on Python 3.11.
    The fix is applied only when the bug is measured, so a fixed PySide6 is left alone.
    """

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    before = sys.getrefcount(True) + sys.getrefcount(False)
    result = probe.ping.emit()  # type: ignore[func-returns-value]
    lost = before - (sys.getrefcount(True) + sys.getrefcount(False)) + 1  # +1: held by result
    if lost <= 0:
        return False
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))  # give back what the probe took
    original = SignalInstance.emit

    def emit(self: SignalInstance, *args: object) -> object:
        result = original(self, *args)
        if result is True or result is False:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign,assignment]
    return True


EMIT_REFCOUNT_FIXED = _fix_emit_refcount()
