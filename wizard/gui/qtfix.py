"""A workaround for a reference-count bug in PySide6 6.12 (seen with 6.12.0 on CPython 3.11).

``SignalInstance.emit()`` and ``SignalInstance.disconnect()`` return ``True`` without a new
reference. Every call then costs ``True`` one reference; after a few thousand signals
emitted from Python the interpreter aborts ("bool_dealloc: deallocating True or False"),
usually at exit. (On CPython 3.12+ ``True`` is immortal and nothing happens.)

:func:`install` measures whether this PySide6 has the bug and, only then, wraps the two
methods so each returned ``True`` gets back the reference it should have had. With a
PySide6 that is fixed the probe sees no loss and nothing is patched.
"""
from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

_installed = False


class _Probe(QObject):
    sig = Signal()


def _noop():
    pass


def _loses_true(fn, n: int = 16) -> bool:
    before = sys.getrefcount(True)
    for _ in range(n):
        fn()
    return before - sys.getrefcount(True) >= n


def _compensating(method):
    def wrapper(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        if result is True:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
        return result
    wrapper.__name__ = getattr(method, "__name__", "wrapper")
    wrapper.__doc__ = getattr(method, "__doc__", None)
    wrapper._hmsync_refcount_fix = True
    return wrapper


def install() -> list[str]:
    """Patch what leaks; returns the names patched (empty when PySide6 is fine)."""
    global _installed
    if _installed:
        return []
    _installed = True
    patched = []
    probe = _Probe()
    if _loses_true(probe.sig.emit):
        SignalInstance.emit = _compensating(SignalInstance.emit)
        patched.append("emit")

    def connect_disconnect():
        c = probe.sig.connect(_noop)
        probe.sig.disconnect(c)

    before = sys.getrefcount(True)
    connect_disconnect()
    if before - sys.getrefcount(True) >= 1 and _loses_true(connect_disconnect):
        SignalInstance.disconnect = _compensating(SignalInstance.disconnect)
        patched.append("disconnect")
    return patched
