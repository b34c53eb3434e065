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

# each byte as its two hex digits (in memory order, as one uint16)
_HEX2 = np.array([ord("0123456789abcdef"[i >> 4]) | ord("0123456789abcdef"[i & 15]) << 8
                  for i in range(256)], dtype="<u2")
# the digits of the 8-4-4-4-12 groups
_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
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
    low = rnd[:4 * n].copy().view(">u4")
    return _v7_layout(ms, seq, low)


def _v7_layout(ms: int, seq: np.ndarray, low: np.ndarray) -> np.ndarray:
    """(n, 16) uint8 version-7 UUIDs: a millisecond, a 42-bit counter, 32 more bits."""
    n = len(seq)
    seq = seq.astype(np.uint64)
    b = np.empty((n, 16), dtype=np.uint8)
    for i in range(6):
        b[:, i] = (ms >> (8 * (5 - i))) & 0xFF
    b[:, 6] = (0x70 | ((seq >> np.uint64(38)) & np.uint64(0x0F))).astype(np.uint8)
    b[:, 7] = ((seq >> np.uint64(30)) & np.uint64(0xFF)).astype(np.uint8)
    b[:, 8] = (0x80 | ((seq >> np.uint64(24)) & np.uint64(0x3F))).astype(np.uint8)
    b[:, 9] = ((seq >> np.uint64(16)) & np.uint64(0xFF)).astype(np.uint8)
    b[:, 10] = ((seq >> np.uint64(8)) & np.uint64(0xFF)).astype(np.uint8)
    b[:, 11] = (seq & np.uint64(0xFF)).astype(np.uint8)
    b[:, 12:16] = np.ascontiguousarray(low.astype(">u4")).view(np.uint8).reshape(n, 4)
    return b


class RunIds:
    """The new HMSync ids of one import, each known by its number in the run.

    Version-7 UUIDs that all carry the millisecond the run began (the run owns that
    millisecond: ids made afterwards in this process start at the next one) and count up
    from a random start, so they increase as the version-7 ids of ``uuid7_bytes`` do. Their
    last 32 bits are the number mixed with a key drawn for the run (splitmix64) instead of
    fresh random bits, so an id can be written again from its number: what relationships
    need is kept as 4 bytes per record instead of 16.
    """

    def __init__(self):
        rnd = os.urandom(12)
        with _lock:
            ms = max(time.time_ns() // 1_000_000, _state["ms"] + 1)
            _state["ms"], _state["seq"] = ms, (1 << _SEQ_BITS) - 1
        self.ms = ms
        self.start = int.from_bytes(rnd[:4], "big") >> 12  # a random start, < 2^20
        self.key = np.uint64(int.from_bytes(rnd[4:], "big"))
        self.count = 0

    def take(self, n: int) -> np.ndarray:
        """Numbers for ``n`` new ids (uint32)."""
        if self.count + n >= 1 << 32:
            raise OverflowError("more than 4 billion records in one run")
        out = np.arange(self.count, self.count + n, dtype=np.uint32)
        self.count += n
        return out

    def bytes(self, numbers: np.ndarray) -> np.ndarray:
        numbers = np.asarray(numbers, dtype=np.uint64)
        if not len(numbers):
            return np.empty((0, 16), dtype=np.uint8)
        with np.errstate(over="ignore"):  # the mix works modulo 2^64
            z = self.key + numbers * np.uint64(0x9E3779B97F4A7C15)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
        return _v7_layout(self.ms, numbers + np.uint64(self.start),
                          (z >> np.uint64(32)).astype(np.uint32))

    def text(self, numbers: np.ndarray) -> list[str]:
        return to_text(self.bytes(numbers))


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
    d = _HEX2[np.ascontiguousarray(b)].view(np.uint8)  # (n, 32): two digits per byte
    out = np.empty((n, 37), dtype=np.uint8)
    for (a, z), at in zip(_GROUPS, (0, 9, 14, 19, 24)):
        out[:, at:at + z - a] = d[:, a:z]
        out[:, at + z - a] = ord("-")
    out[:, 36] = ord(" ")  # one text, split at the spaces: no Python loop
    return out.tobytes()[:-1].decode("ascii").split(" ")


def as_key(b: np.ndarray) -> np.ndarray:
    """(n, 16) uint8 UUIDs as an S16 array (one item per UUID)."""
    return np.ascontiguousarray(b).view("S16").ravel()


def uuid4_bulk(n: int) -> list[str]:
    return to_text(uuid4_bytes(n)) if n > 0 else []


def uuid7_bulk(n: int) -> list[str]:
    return to_text(uuid7_bytes(n)) if n > 0 else []
