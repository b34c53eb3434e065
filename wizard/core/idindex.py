"""Compact, vectorised sets and maps of legacy ids, for relationships at hospital scale.

A legacy id is kept as a 128-bit hash (two independent 64-bit SipHash values from
pandas' C hasher): 16 bytes instead of a Python string in a dict (~150 bytes). Lookups
are binary searches over sorted NumPy arrays, a whole chunk at a time. With 128 bits the
chance that two of ten million ids collide is below 10^-24.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

KEY = "S16"
_K1, _K2 = "hmsync-legacy-01", "hmsync-legacy-02"


def hash_ids(ids) -> np.ndarray:
    """128-bit keys (dtype S16) for legacy ids (strings)."""
    arr = np.asarray(ids, dtype=object)
    if not len(arr):
        return np.empty(0, dtype=KEY)
    h = np.empty((len(arr), 2), dtype="<u8")
    h[:, 0] = pd.util.hash_array(arr, hash_key=_K1, categorize=False)
    h[:, 1] = pd.util.hash_array(arr, hash_key=_K2, categorize=False)
    return h.view(KEY).ravel()


class IdIndex:
    """Keys (S16) with an optional payload per key (16-byte HMSync id or an int line).

    Adds go to a pending list merged into the sorted arrays when a lookup needs them
    (and the pending part has grown), so a table's chunks cost O(n log n) overall.
    """

    def __init__(self, payload: str | None = None):
        self.payload = payload  # None, "S16" or "i8"
        self.keys = np.empty(0, dtype=KEY)
        self.vals = np.empty(0, dtype=payload) if payload else None
        self._pk: list[np.ndarray] = []
        self._pv: list[np.ndarray] = []
        self._pending = 0

    def __len__(self) -> int:
        return len(self.keys) + self._pending

    def add(self, keys: np.ndarray, vals: np.ndarray | None = None) -> None:
        if not len(keys):
            return
        self._pk.append(np.asarray(keys, dtype=KEY))
        if self.payload:
            self._pv.append(np.asarray(vals, dtype=self.payload))
        self._pending += len(keys)

    def _merge(self) -> None:
        if not self._pk:
            return
        keys = np.concatenate([self.keys] + self._pk)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        if self.payload:
            vals = np.concatenate([self.vals] + self._pv)[order]
        # first occurrence wins for a key added twice
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        self.keys = keys[first]
        if self.payload:
            self.vals = vals[first]
        self._pk, self._pv, self._pending = [], [], 0

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, position in the sorted arrays) for each key."""
        self._merge()
        keys = np.asarray(keys, dtype=KEY)
        if not len(self.keys) or not len(keys):
            return np.zeros(len(keys), dtype=bool), np.zeros(len(keys), dtype=np.int64)
        pos = np.searchsorted(self.keys, keys)
        pos_c = np.minimum(pos, len(self.keys) - 1)
        found = self.keys[pos_c] == keys
        return found, pos_c

    def contains(self, keys: np.ndarray) -> np.ndarray:
        return self.find(keys)[0]

    def get(self, keys: np.ndarray, default=None) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, payload per key; meaningless where not found)."""
        found, pos = self.find(keys)
        if not len(self.keys):
            return found, np.zeros(len(keys), dtype=self.payload)
        return found, self.vals[pos]
