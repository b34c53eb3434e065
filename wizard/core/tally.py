"""The cells of the legacy files, tallied as the import reads them (no second read).

Cell accounting (cells.py) needs, for every record of a mapped file: its line, which of
its columns hold something, whether the table's filter kept it, and its money values.
Reading the files a second time to learn that took most of a big run's verification, so
the reader pass notes it chunk by chunk, here, in whichever process reads:

- which cells are non-empty, per legacy column, from the chunk *as read* (after the
  operator's corrections, before any field mapping): a column no field reads is counted
  all the same, so a wrong mapping still shows as cells not accounted for;
- whether the mapping kept each record (a filter's), and each money field's number;
- a few records drawn at random (the smallest random keys of the table), kept as read, so
  that the spot check can map them afresh at the end and compare them with HMSync.

What became of each record (imported, rejected, ...) is still told at the end from the
legacy-id map and the problem list, never from these notes.
"""
from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import amounts
from . import transforms as tf
from .nested_cells import NestedRead, leaves
from .readers import LINE
from .readers.base import CORRUPT

#: records of each table kept as read for the spot check to draw from (it compares up to
#: cells.SPOT_SAMPLE of those HMSync holds; a table with fewer among them is read again)
CANDIDATES = 400


def non_empty(s: pd.Series) -> np.ndarray:
    """Cells holding something: what the mapping itself reads as a value (spaces alone
    are empty)."""
    return ~tf.is_blank(tf.text(s))


@dataclass
class Squeezed:
    """An array kept compressed (zlib's fastest level): a tally's bits and line steps are
    nearly all alike, and money in cents repeats; the engine keeps every chunk's until
    the run's end, beside the id registry (4.55M records: about 27 MB plain)."""
    data: bytes
    dtype: str
    shape: tuple

    @classmethod
    def of(cls, arr: np.ndarray) -> "Squeezed":
        arr = np.ascontiguousarray(arr)
        return cls(zlib.compress(arr.tobytes(), 1), arr.dtype.str, arr.shape)

    def array(self) -> np.ndarray:
        return np.frombuffer(zlib.decompress(self.data), dtype=self.dtype).reshape(self.shape)


@dataclass
class ChunkTally:
    """One chunk's cells, as read. Small: a bit per cell, a byte or so per line, squeezed."""
    columns: tuple[str, ...]
    first: int                       # the first line
    steps: Squeezed | None           # line differences (uint8/uint32), or None: consecutive
    rows: int
    filled: Squeezed                 # (rows, ceil(columns / 8)) uint8: bit set = non-empty
    kept: np.ndarray | None = None   # rows the mapping kept (None: all of them)
    #: money field -> its number per row: whole cents (int32, NO_CENTS where none) when
    #: every number is, else float64 (NaN where none)
    money: dict[str, Squeezed] = field(default_factory=dict)
    #: money field -> values that are no number (not empty, not readable)
    unreadable: dict[str, int] = field(default_factory=dict)
    #: money field -> values read as 10**k times their cell's plain reading (amounts.py)
    misread: dict[str, int] = field(default_factory=dict)
    keys: np.ndarray | None = None   # the random keys of the rows kept as read
    sample: pd.DataFrame | None = None   # those rows, as read
    state: object = None             # the run state after this chunk (date orders)
    #: a column read by path (nested_cells.py) -> (its cells holding an object, as bits;
    #: the leaf paths found; (rows, ceil(leaves / 8)) uint8: bit set = the leaf non-empty)
    nested: dict[str, tuple[Squeezed, tuple, Squeezed]] = field(default_factory=dict)

    @property
    def lines(self) -> np.ndarray:
        if self.steps is None:
            return np.arange(self.first, self.first + self.rows, dtype=np.int64)
        out = np.empty(self.rows, dtype=np.int64)
        out[0] = self.first
        out[1:] = self.first + np.cumsum(self.steps.array(), dtype=np.int64)
        return out

    def numbers(self, fname: str) -> np.ndarray | None:
        """A money field's numbers, float64 (NaN: none)."""
        arr = self.money.get(fname)
        if arr is None:
            return None
        arr = arr.array()
        if arr.dtype.kind == "f":
            return arr
        return np.where(arr == NO_CENTS, np.nan, arr / 100.0)

    def non_empty(self, column: str, filled: np.ndarray | None = None) -> np.ndarray:
        """Which rows hold something in ``column`` (none, for a column the chunk lacks);
        ``filled``: ``self.filled.array()``, when the caller asks for every column."""
        try:
            j = self.columns.index(column)
        except ValueError:
            return np.zeros(self.rows, dtype=bool)
        if filled is None:
            filled = self.filled.array()
        return (filled[:, j >> 3] & (0x80 >> (j & 7))) != 0

    def nested_cells(self, column: str) -> tuple[np.ndarray, dict] | None:
        """As nested_cells.leaves gives them, for a column read by path (None: not
        tallied so)."""
        got = self.nested.get(column)
        if got is None:
            return None
        objects, keys, bits = got
        objects = np.unpackbits(objects.array(), count=self.rows).astype(bool)
        bits = bits.array()
        return objects, {k: (bits[:, j >> 3] & (0x80 >> (j & 7))) != 0
                         for j, k in enumerate(keys)}


def _steps(lines: np.ndarray) -> tuple[int, np.ndarray | None]:
    if not len(lines):
        return 0, None
    d = np.diff(lines)
    if not len(d) or (d == 1).all():
        return int(lines[0]), None
    if d.min() >= 0 and d.max() < 256:
        return int(lines[0]), d.astype(np.uint8)
    if d.min() >= 0 and d.max() < 1 << 32:
        return int(lines[0]), d.astype(np.uint32)
    return int(lines[0]), d.astype(np.int64)


class Tallier:
    """Tallies the chunks of each legacy table, in reading order. One per reading process;
    the random keys are seeded by the table's name, so a run draws the same records
    whichever process reads."""

    def __init__(self):
        self._rng: dict[tuple[str, str], np.random.Generator] = {}
        self._cut: dict[tuple[str, str], list[float]] = {}   # the smallest keys so far

    def raw(self, source: tuple[str, str], chunk: pd.DataFrame,
            nested: dict[str, NestedRead] | None = None) -> ChunkTally:
        """The chunk's cells as read (before mapping). ``source``: (legacy file, HMSync
        table); ``nested``: the columns read by path, whose objects' leaves are tallied
        too (nested_cells.nested_reads)."""
        columns = tuple(c for c in chunk.columns if c not in (LINE, CORRUPT))
        lines = chunk[LINE].to_numpy(dtype=np.int64)
        n = len(chunk)
        bits = np.zeros((n, max(1, len(columns))), dtype=bool)
        for j, c in enumerate(columns):
            bits[:, j] = non_empty(chunk[c])
        first, steps = _steps(lines)
        t = ChunkTally(columns, first, None if steps is None else Squeezed.of(steps), n,
                       Squeezed.of(np.packbits(bits, axis=1)))
        for c in nested or ():
            if c in chunk.columns:
                objects, found = leaves(chunk[c])
                keys = tuple(found)
                leaf_bits = np.zeros((n, max(1, len(keys))), dtype=bool)
                for j, k in enumerate(keys):
                    leaf_bits[:, j] = found[k]
                t.nested[c] = (Squeezed.of(np.packbits(objects)), keys,
                               Squeezed.of(np.packbits(leaf_bits, axis=1)))
        rng = self._rng.get(source)
        if rng is None:
            rng = self._rng[source] = np.random.default_rng(
                zlib.crc32("\x00".join(source).encode("utf-8", "surrogatepass")))
        keys = rng.random(n)
        best = self._cut.setdefault(source, [])
        cut = best[-1] if len(best) >= CANDIDATES else 1.0
        at = np.flatnonzero(keys <= cut)
        if len(at) > CANDIDATES:
            at = at[np.argsort(keys[at], kind="stable")[:CANDIDATES]]
        if len(at):
            merged = np.sort(np.concatenate([np.asarray(best), keys[at]]))[:CANDIDATES]
            self._cut[source] = merged.tolist()
            at = np.sort(at)
            t.keys = keys[at]
            t.sample = chunk.iloc[at].copy()
        return t

    @staticmethod
    def mapped(t: ChunkTally, mc, target, ctx, left_out=None) -> None:
        """What the mapping made of the chunk: the records it kept, the money fields'
        numbers, and the run state the sample is to be mapped afresh in. ``left_out``:
        field -> the numbers of the records the filter left out (filtered_totals.py)."""
        lines = t.lines
        at = pd.Index(mc.lines).get_indexer(lines)
        have = at >= 0
        if not have.all():
            t.kept = have
        for f in mc.values:
            tfield = target.fields.get(f)
            if tfield is None or not tfield.total:
                continue
            arr = np.full(t.rows, np.nan)
            arr[have] = numbers(mc, f)[at[have]]
            if left_out and f in left_out:  # (a total over every row counts them too)
                arr[~have] = left_out[f][~have]
            null = np.ones(t.rows, dtype=bool)
            null[have] = np.asarray(mc.null[f], dtype=bool)[at[have]]
            bad = np.zeros(t.rows, dtype=bool)  # (a value no number reads is null too)
            bad[have] = np.asarray(mc.bad[f], dtype=bool)[at[have]]
            t.unreadable[f] = int((np.isnan(arr) & (~null | bad)).sum())
            raw = mc.raw.get(f)
            if raw is not None:
                t.misread[f] = int(amounts.scaled(raw, numbers(mc, f)).sum())
            t.money[f] = Squeezed.of(_compact(arr))
        if t.sample is not None:
            t.state = copy.deepcopy(ctx.state)


#: whole cents held as int32 (a money column of a million records: 4 MB, not 8)
NO_CENTS = np.iinfo(np.int32).min
_CENTS_MAX = (np.iinfo(np.int32).max - 1) / 100


def _compact(arr: np.ndarray) -> np.ndarray:
    """``arr`` as whole cents if that holds every number exactly, else as it is."""
    ok = ~np.isnan(arr)
    if ok.any() and np.abs(arr[ok]).max() >= _CENTS_MAX:
        return arr
    cents = np.round(np.where(ok, arr, 0.0) * 100)
    if not (cents[ok] / 100.0 == arr[ok]).all():
        return arr
    return np.where(ok, cents, NO_CENTS).astype(np.int32)


def numbers(mc, fname: str) -> np.ndarray:
    """A mapped money field as float64 (NaN: not a number)."""
    arr = mc.arrays.get(fname)
    if arr is not None and arr.dtype.kind == "f":
        return arr
    return pd.to_numeric(mc.values[fname], errors="coerce").to_numpy(dtype="float64",
                                                                      na_value=np.nan)


class Tally:
    """The chunks of each legacy file (by file and HMSync table), as the engine received
    them, in reading order."""

    def __init__(self):
        self.files: dict[tuple[str, str], list[ChunkTally]] = {}

    def add(self, source: tuple[str, str], t: ChunkTally) -> None:
        self.files.setdefault(source, []).append(t)

    def get(self, source: tuple[str, str]) -> list[ChunkTally] | None:
        return self.files.get(source)
