"""HMSync ids in bulk: one os.urandom call and NumPy formatting per chunk, not a Python call
per record.

New ids are UUID version 7 (RFC 9562): a millisecond timestamp, a monotonic counter and
random bits. They are as unique as version 4, and because they increase, inserting them
appends to SQLite's primary-key index instead of splitting pages all over it.
"""
from __future__ import annotations

import os
import threading
import time

import numpy as np

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# positions of the 32 hex digits inside the 36-character text form
_POS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])
_lock = threading.Lock()
_state = {"ms": 0, "seq": 0}
_SEQ_BITS = 42


def uuid7_bytes(n: int) -> np.ndarray:
    """``n`` increasing version-7 UUIDs as a (n, 16) uint8 array."""
    if n <= 0:
        return np.empty((0, 16), dtype=np.uint8)
    rnd = np.frombuffer(os.urandom(4 * n + 4), dtype=np.uint8)
    with _lock:
        ms = max(time.time_ns() // 1_000_000, _state["ms"])
        if ms == _state["ms"]:
            start = _state["seq"] + 1
        else:
            start = int.from_bytes(rnd[-4:].tobytes(), "big") >> 12  # a random start, < 2^20
        if start + n >= (1 << _SEQ_BITS):
            ms, start = ms + 1, 0
        _state["ms"], _state["seq"] = ms, start + n - 1
    seq = np.arange(start, start + n, dtype=np.uint64)
    b = np.empty((n, 16), dtype=np.uint8)
    for i in range(6):
        b[:, i] = (ms >> (8 * (5 - i))) & 0xFF
    b[:, 6] = (0x70 | ((seq >> np.uint64(38)) & np.uint64(0x0F))).astype(np.uint8)
    b[:, 7] = ((seq >> np.uint64(30)) & np.uint64(0xFF)).astype(np.uint8)
    b[:, 8] = (0x80 | ((seq >> np.uint64(24)) & np.uint64(0x3F))).astype(np.uint8)
    b[:, 9] = ((seq >> np.uint64(16)) & np.uint64(0xFF)).astype(np.uint8)
    b[:, 10] = ((seq >> np.uint64(8)) & np.uint64(0xFF)).astype(np.uint8)
    b[:, 11] = (seq & np.uint64(0xFF)).astype(np.uint8)
    b[:, 12:16] = rnd[:4 * n].reshape(n, 4)
    return b


def uuid4_bytes(n: int) -> np.ndarray:
    """``n`` random version-4 UUIDs as a (n, 16) uint8 array."""
    b = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    return b


def to_text(b: np.ndarray) -> list[str]:
    """(n, 16) uint8 (or S16) UUIDs as lowercase 8-4-4-4-12 text."""
    if b.dtype != np.uint8:
        b = np.frombuffer(np.ascontiguousarray(b).tobytes(), dtype=np.uint8).reshape(-1, 16)
    n = len(b)
    if not n:
        return []
    digits = np.empty((n, 32), dtype=np.uint8)
    digits[:, 0::2] = _HEX[b >> 4]
    digits[:, 1::2] = _HEX[b & 0x0F]
    out = np.full((n, 36), ord("-"), dtype=np.uint8)
    out[:, _POS] = digits
    text = out.tobytes().decode("ascii")
    return [text[i:i + 36] for i in range(0, 36 * n, 36)]


def as_key(b: np.ndarray) -> np.ndarray:
    """(n, 16) uint8 UUIDs as an S16 array (one item per UUID)."""
    return np.ascontiguousarray(b).view("S16").ravel()


def uuid4_bulk(n: int) -> list[str]:
    return to_text(uuid4_bytes(n)) if n > 0 else []


def uuid7_bulk(n: int) -> list[str]:
    return to_text(uuid7_bytes(n)) if n > 0 else []
