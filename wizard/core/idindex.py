"""Compact, vectorised sets and maps of legacy ids, for relationships at hospital scale.

A legacy id is kept as a 128-bit key made of two independent 64-bit hashes (pandas'
SipHash of the string under two fixed keys, so every process computes the same key for the
same id, unlike Python's per-process ``hash``): 16 bytes instead of a Python
string in a dict (~150 bytes). Lookups are binary searches over arrays sorted by the
first half, a whole chunk at a time, and both halves must match. With 128 bits the chance
that two of ten million ids collide is below 10^-24; a collision of the first half alone
is handled exactly.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

_K1 = "hmsync-legacy-01"
_K2 = "hmsync-legacy-02"


def hash_ids(ids) -> np.ndarray:
    """(n, 2) uint64 keys for legacy ids (strings)."""
    vals = ids if isinstance(ids, list) else list(ids)
    n = len(vals)
    h = np.empty((n, 2), dtype=np.uint64)
    if not n:
        return h
    arr = np.asarray(vals, dtype=object)
    h[:, 0] = pd.util.hash_array(arr, hash_key=_K1, categorize=False)
    h[:, 1] = pd.util.hash_array(arr, hash_key=_K2, categorize=False)
    return h


def duplicated(keys: np.ndarray, return_first: bool = False):
    """True for every key that appeared earlier in the array (the first is kept). With
    ``return_first``, also the position of each key's first appearance."""
    if not len(keys):
        empty = np.zeros(0, dtype=bool)
        return (empty, np.zeros(0, dtype=np.int64)) if return_first else empty
    order = np.lexsort((keys[:, 1], keys[:, 0]))
    k = keys[order]
    same = np.zeros(len(k), dtype=bool)
    same[1:] = (k[1:, 0] == k[:-1, 0]) & (k[1:, 1] == k[:-1, 1])
    # within a run of equal keys, lexsort is stable: the first in the run came first
    out = np.zeros(len(keys), dtype=bool)
    out[order] = same
    if not return_first:
        return out
    start = np.maximum.accumulate(np.where(same, 0, np.arange(len(k))))
    first = np.empty(len(keys), dtype=np.int64)
    first[order] = order[start]
    return out, first


class IdIndex:
    """Keys with an optional payload per key (a 16-byte HMSync id, a line, an object).

    Kept as a few sorted runs of keys whose sizes grow geometrically (each run at least
    twice the next newer one): adding a chunk sorts only that chunk and now and then merges
    runs of like size, so a table costs O(n log n) overall however small its chunks, and a
    lookup is one search per run (a handful), within its bucket of the run's directory. A
    bitmap of the keys' leading bits answers "certainly not here" for most new keys without
    searching at all. The first payload added for a key wins.
    """

    def __init__(self, payload=None):
        self.payload = payload  # None, or a NumPy dtype ("S16", "i8", a record, object)
        # each run: [keys (n, 2) sorted by their first half, payloads or None, its
        # directory (made when first searched)]
        self._runs: list[list] = []
        self._pk: list[np.ndarray] = []
        self._pv: list[np.ndarray] = []
        self._pending = 0
        self._pending_new = True  # every pending key is known to be new (see add)
        self._size = 0
        # from BITMAP_MIN_KEYS keys on: one bit per value of the first halves' top bits,
        # set where a key has it. A key whose bit is clear is in no run, and is not searched
        # for (most keys asked about while a table loads are new ones)
        self._bits: np.ndarray | None = None
        self._bits_shift = np.uint64(0)

    def __len__(self) -> int:
        return self._size + self._pending

    def add(self, keys: np.ndarray, vals=None, new: bool = False) -> None:
        """Add keys (and their payloads). ``new``: the caller knows that none of them is in
        the index or pending, and that they are all different (then no search for them)."""
        if not len(keys):
            return
        self._pk.append(np.asarray(keys, dtype=np.uint64).reshape(-1, 2))
        if self.payload is not None:
            self._pv.append(np.asarray(vals, dtype=self.payload))
        self._pending += len(keys)
        self._pending_new &= new

    def _merge(self) -> None:
        if not self._pk:
            return
        pk = np.concatenate(self._pk)
        pv = np.concatenate(self._pv) if self.payload is not None else None
        new = self._pending_new
        self._pk, self._pv, self._pending, self._pending_new = [], [], 0, True
        if new:  # sorted by the first half (runs need no more: see _find_sorted)
            order = np.argsort(pk[:, 0], kind="stable")
            pk = pk[order]
            if pv is not None:
                pv = pv[order]
        else:  # sorted, first occurrence kept, and only those not already indexed
            order = np.lexsort((np.arange(len(pk)), pk[:, 1], pk[:, 0]))
            pk = pk[order]
            keep = np.ones(len(pk), dtype=bool)
            keep[1:] = (pk[1:, 0] != pk[:-1, 0]) | (pk[1:, 1] != pk[:-1, 1])
            if self._runs:
                keep &= ~self._find_runs(pk)[0]
            pk = np.ascontiguousarray(pk[keep])
            if pv is not None:
                pv = pv[order][keep]
        if not len(pk):
            return
        self._runs.append([pk, pv, None])
        self._size += len(pk)
        self._mark(pk[:, 0])
        # merge runs of like size, newest first: sizes stay geometric, runs stay few
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            self._runs[-2:] = [_merge_sorted(self._runs[-2], self._runs[-1])]

    def compact(self) -> None:
        """Merge every run into one (O(n)): for an index that no longer grows, so that each
        lookup is one binary search."""
        self._merge()
        while len(self._runs) > 1:
            self._runs[-2:] = [_merge_sorted(self._runs[-2], self._runs[-1])]

    def narrow(self, fields: tuple[str, ...]) -> None:
        """Keep only these fields of the payload (a record dtype), in every run and from
        now on: what a complete table's children still ask about, not what only its own
        records needed."""
        self._merge()
        payload = np.dtype([(f, self.payload.fields[f][0]) for f in fields])
        for run in self._runs:
            vals = np.empty(len(run[1]), dtype=payload)
            for f in fields:
                vals[f] = run[1][f]
            run[1] = vals
        self.payload = payload

    def _mark(self, h0: np.ndarray) -> None:
        """Set the bits of newly indexed first halves; a new, larger bitmap as the index
        grows (about 8 bits per key, so that about one in eight bits is set)."""
        if self._size < BITMAP_MIN_KEYS:
            return
        bits = min(BITMAP_MAX_BITS, max(16, self._size.bit_length() + 3))
        if self._bits is None or len(self._bits) != 1 << (bits - 3):
            self._bits = np.zeros(1 << (bits - 3), dtype=np.uint8)
            self._bits_shift = np.uint64(64 - bits)
            for run in self._runs:  # (h0 is among them)
                self._set_bits(run[0][:, 0])
        else:
            self._set_bits(h0)

    def _set_bits(self, h0: np.ndarray) -> None:
        for at in range(0, len(h0), BLOCK):  # (in blocks: a run's temporaries stay small)
            slot = (h0[at:at + BLOCK] >> self._bits_shift).astype(np.intp)
            np.bitwise_or.at(self._bits, slot >> 3,
                             np.left_shift(1, slot & 7).astype(np.uint8))

    def _maybe(self, h0: np.ndarray) -> np.ndarray:
        """False where a first half is certainly in no run."""
        slot = (h0 >> self._bits_shift).astype(np.intp)
        return (self._bits[slot >> 3] >> (slot & 7).astype(np.uint8)) & 1 == 1

    def _find_runs(self, keys: np.ndarray):
        """(found, run number, position) for each key, over the sorted runs."""
        keys = np.asarray(keys, dtype=np.uint64).reshape(-1, 2)
        m = len(keys)
        found = np.zeros(m, dtype=bool)
        run = np.zeros(m, dtype=np.int64)
        pos = np.zeros(m, dtype=np.int64)
        if not m or not self._runs:
            return found, run, pos
        # the keys are sorted once: each run is then searched in ascending order, which
        # touches its memory in order (twice as fast on a run larger than the CPU cache)
        order = np.argsort(keys[:, 0], kind="stable") if m > 1 else np.zeros(1, np.int64)
        todo = order if self._bits is None else order[self._maybe(keys[order, 0])]
        for r, this in enumerate(self._runs):
            f, p = _find_sorted(this[0], keys[todo], _directory_of(this))
            hit = todo[f]
            found[hit], run[hit], pos[hit] = True, r, p[f]
            todo = todo[~f]
            if not len(todo):
                break
        return found, run, pos

    def contains(self, keys: np.ndarray) -> np.ndarray:
        self._merge()
        return self._find_runs(keys)[0]

    def get(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found mask, payload per key; meaningless where not found)."""
        self._merge()
        found, run, pos = self._find_runs(keys)
        out = np.zeros(len(found), dtype=self.payload)
        for r, (_, rv, _) in enumerate(self._runs):
            sel = found & (run == r)
            if sel.any():
                out[sel] = rv[pos[sel]]
        return found, out


#: the bitmap of first halves (see IdIndex) from this many keys on, up to 2^N bits (32 MB)
BITMAP_MIN_KEYS = 50_000
BITMAP_MAX_BITS = 28
#: keys handled at once where a whole run is gone through (bounds the temporary arrays)
BLOCK = 1 << 18


def _merge_sorted(a, b) -> list:
    """Two runs with no key in common, merged into one sorted run: each key of b goes after
    the keys of a that are not greater (O(n), no sort). The two runs are used up: their
    keys go before the merged payloads are made, so that at most one of the three pairs
    of arrays exists twice (merging the 2M visits' runs: 82 MB at once instead of 100)."""
    (ka, va, _), (kb, vb, _) = a, b
    n = len(ka) + len(kb)
    at_b = _search(ka[:, 0], kb[:, 0], _directory_of(a), right=True) + np.arange(len(kb))
    from_a = np.ones(n, dtype=bool)
    from_a[at_b] = False
    keys = np.empty((n, 2), dtype=ka.dtype)
    keys[at_b] = kb
    keys[from_a] = ka
    a[:], b[:] = [None] * len(a), [None] * len(b)  # the caller's runs no longer hold them
    del ka, kb
    if va is None:
        return [keys, None, None]
    vals = np.empty(n, dtype=va.dtype)
    vals[at_b] = vb
    vals[from_a] = va
    return [keys, vals, None]


def _directory_of(run: list):
    """A run's directory: where each bucket of first halves (their top bits) starts, so
    a search only bisects its bucket, about 16 keys, instead of the whole run (a binary
    search of a run larger than the CPU cache misses it at nearly every step)."""
    if run[2] is None:
        h0 = run[0][:, 0]
        bits = max(1, min(24, len(h0).bit_length() - 4))
        counts = np.zeros(1 << bits, dtype=np.int64)
        for at in range(0, len(h0), BLOCK):  # (in blocks: a run's temporaries stay small)
            counts += np.bincount((h0[at:at + BLOCK] >> np.uint64(64 - bits)).astype(np.intp),
                                  minlength=1 << bits)
        starts = np.zeros((1 << bits) + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        run[2] = (np.uint64(64 - bits), starts)
    return run[2]


def _search(h0: np.ndarray, q: np.ndarray, directory, right: bool = False) -> np.ndarray:
    """``np.searchsorted(h0, q, side="right" if right else "left")`` for the sorted first
    halves ``h0`` of a run with its directory: every query bisects its own bucket, all of
    them at once."""
    shift, starts = directory
    bucket = (q >> shift).astype(np.intp)
    lo, hi = starts[bucket], starts[bucket + 1]
    last = max(len(h0) - 1, 0)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) >> 1
        v = h0[np.minimum(mid, last)]
        go_right = active & ((v <= q) if right else (v < q))
        lo = np.where(go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)


def _find_sorted(sorted_keys: np.ndarray, keys: np.ndarray, directory
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(found, position) of each key in keys sorted by their first half, with the run's
    directory (best in ascending order of their first halves)."""
    m = len(keys)
    if not len(sorted_keys) or not m:
        return np.zeros(m, dtype=bool), np.zeros(m, dtype=np.int64)
    h0 = sorted_keys[:, 0]
    pos = _search(h0, keys[:, 0], directory)
    pos_c = np.minimum(pos, len(h0) - 1)
    first_match = h0[pos_c] == keys[:, 0]
    found = first_match & (sorted_keys[pos_c, 1] == keys[:, 1])
    # the first halves of two different keys are equal (about never): walk that run
    for i in np.flatnonzero(first_match & ~found):
        j = pos_c[i] + 1
        while j < len(h0) and h0[j] == keys[i, 0]:
            if sorted_keys[j, 1] == keys[i, 1]:
                found[i], pos_c[i] = True, j
                break
            j += 1
    return found, pos_c


class TextHeap:
    """Texts kept as UTF-8 in a few buffers: about their length in bytes each, instead of
    the 50-80 bytes of a Python string and its pointer. Each text is known by its number."""

    def __init__(self):
        self._blobs: list[bytes] = []
        self._ends: list[np.ndarray] = []   # end offset of each text in its blob
        self._firsts: list[int] = []        # number of each blob's first text
        self.count = 0

    def add(self, texts) -> np.ndarray:
        """Keep ``texts``; returns their numbers (uint32)."""
        enc = [str(t).encode("utf-8", "surrogatepass") for t in texts]
        numbers = np.arange(self.count, self.count + len(enc), dtype=np.uint32)
        if enc:
            self._blobs.append(b"".join(enc))
            self._ends.append(np.cumsum([len(e) for e in enc], dtype=np.int64))
            self._firsts.append(self.count)
            self.count += len(enc)
        return numbers

    def get(self, numbers) -> list[str]:
        out = []
        numbers = np.asarray(numbers, dtype=np.int64)
        blobs = np.searchsorted(np.asarray(self._firsts, dtype=np.int64), numbers,
                                side="right") - 1
        for k, b in zip(numbers.tolist(), blobs.tolist()):
            i = k - self._firsts[b]
            ends = self._ends[b]
            start = int(ends[i - 1]) if i else 0
            out.append(self._blobs[b][start:int(ends[i])].decode("utf-8", "surrogatepass"))
        return out
