"""Legacy records made ready for the engine: read, mapped to HMSync fields, and checked
one by one, chunk after chunk.

The checks that need other records (duplicates, relationships) belong to the engine, which
keeps the registry of what came before. Everything here needs only the chunk at hand, so
for a big export it runs in a helper process: the second core reads, converts and checks
while the engine's process validates relationships and writes SQLite.
"""
from __future__ import annotations

import contextlib
import copy
import gc
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from . import amounts, corrections, memory
from .errors import MigrationError
from .filtered_totals import left_out_numbers
from . import rules as R
from . import transforms as tf
from .idindex import hash_ids
from .mapping import MappedChunk, ProfileError, RunContext, TableMap, _has_step, map_chunk
from .readers import LINE, SourceError, SourceTable
from .readers.database import snapshot
from .targets import TargetTable
from .nested_cells import nested_reads
from .tally import ChunkTally, Tallier
from .transforms import TransformError, future_mask, is_blank


PROBLEM_COLUMNS = ["file", "line", "table", "legacy_id", "field", "target_field", "value",
                   "rule", "severity", "message"]


class Problems:
    """Problems found in records, column by column (cheap to add to and to send)."""

    def __init__(self):
        self.cols = {c: [] for c in PROBLEM_COLUMNS}

    def add(self, mask, *, file, lines, table, ids, field, target_field, values, rule, sev,
            message):
        idx = np.flatnonzero(mask)
        if not len(idx):
            return
        self.cols["file"].extend([file] * len(idx))
        self.cols["line"].extend(lines[idx].tolist())
        self.cols["table"].extend([table] * len(idx))
        self.cols["legacy_id"].extend(ids.iloc[idx].tolist())
        self.cols["field"].extend([field] * len(idx))
        self.cols["target_field"].extend([target_field] * len(idx))
        if values is None:
            vals = [""] * len(idx)
        else:
            v = values.iloc[idx]
            vals = v.astype(object).where(v.notna(), "").astype(str).tolist()
        self.cols["value"].extend(vals)
        self.cols["rule"].extend([rule] * len(idx))
        self.cols["severity"].extend([sev] * len(idx))
        if isinstance(message, list):
            self.cols["message"].extend([message[i] for i in idx])
        else:
            self.cols["message"].extend([message] * len(idx))

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.cols, columns=PROBLEM_COLUMNS)
        df["line"] = df["line"].astype("int64")
        return df


_WHAT = {"date": "date", "int": "whole number", "float": "number", "phone": "phone number",
         "enum": "code", "ref": "reference", "text": "value"}


class Report:
    """Adds a check's failures to the problem list and to the chunk's error/warning masks,
    at the severity the rules (and the profile's overrides) give."""

    def __init__(self, table: str, file: str, mc: MappedChunk, overrides: dict,
                 probs: Problems, errors: np.ndarray | None = None,
                 warned: np.ndarray | None = None):
        n = len(mc)
        self.table, self.file, self.mc, self.overrides, self.probs = \
            table, file, mc, overrides, probs
        self.errors = errors if errors is not None else np.zeros(n, dtype=bool)
        self.warned = warned if warned is not None else np.zeros(n, dtype=bool)

    def __call__(self, mask, check, fname=None, values=None, fmt=None, nullable=True,
                 message=None, source_field=None):
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        mc = self.mc
        code = R.rule_code(self.table, fname, check)
        sev = R.severity(code, check, self.overrides, R.is_locked(check, nullable))
        if sev == R.OFF:
            return
        if message is None:
            message = R.RULES[check].message.format(**(fmt or {}))
        self.probs.add(mask, file=self.file, lines=mc.lines, table=self.table,
                       ids=mc.legacy_id,
                       field=source_field or (mc.source.get(fname, "") if fname else ""),
                       target_field=fname or "", values=values, rule=code, sev=sev,
                       message=message)
        if sev == R.ERROR:
            self.errors |= mask
        else:
            self.warned |= mask


@dataclass
class Checked:
    """What the checks of single records found in a chunk, and its hashed ids."""
    errors: np.ndarray
    warned: np.ndarray
    no_id: np.ndarray
    keys: np.ndarray | None                # hashed legacy ids (None: not yet hashed)
    ref_keys: dict[str, np.ndarray] | None  # field -> hashed parent ids ("" where none)
    cells: ChunkTally | None = None  # the chunk's cells as read, for the cell accounting

    def hash_ids(self, mc: MappedChunk, target: TargetTable) -> "Checked":
        """Hash the chunk's legacy ids and parent ids, where that was left to the caller."""
        if self.keys is None:
            self.keys = hash_ids(mc.legacy_id.tolist())
        if self.ref_keys is None:
            self.ref_keys = {}
            for fname in target.references:
                if fname in mc.values:
                    vals = mc.values[fname]
                    has = ~mc.null[fname]
                    self.ref_keys[fname] = hash_ids(vals.tolist() if has.all()
                                                    else vals.where(has, "").tolist())
        return self


def _serial_hints(bad: np.ndarray, raw: pd.Series, label: str, what: str = "date",
                  step: str = "date", unix_on: bool = False) -> list[str] | None:
    """The messages of a chunk's unreadable dates, where one of them is an Excel day
    number (a date column saved without a date format) or a Unix time: what it stands for,
    and the step option that reads it. ``unix_on``: the step reads Unix times already (so
    one left unread lacks the clinic's time zone). None: the rule's own message for all."""
    if not bad.any():
        return None
    texts = raw.to_numpy(dtype=object)
    rows = np.flatnonzero(bad).tolist()
    serial = [i for i in rows if tf.excel_serial_date(texts[i])]
    unix = [i for i in rows if tf.unix_time_ms(texts[i]) is not None]
    if not serial and not unix:
        return None
    plain = R.RULES["format"].message.format(label=label, what=what)
    out = [plain] * len(texts)
    for i in serial:  # (the value itself is in the problem's value column, not here)
        out[i] = (f"{plain}: the value looks like an Excel date number (days since "
                  f"1899-12-30): tick “Excel day numbers” for the field on the mapping "
                  f"page (in a profile: the {step} step's excel_serial: true)")
    for i in unix:
        out[i] = (f"{plain}: the value is a Unix time (seconds or milliseconds since "
                  "1970-01-01 UTC), whose day depends on the clinic's time zone, and none is "
                  "given: choose the “Time zone” for the field on the mapping page (in a "
                  "profile: timezone)") if unix_on else \
            (f"{plain}: the value looks like a Unix time (seconds or milliseconds since "
             "1970-01-01 UTC): tick “Unix time” for the field on the mapping page and "
             f"choose the clinic's time zone (in a profile: the {step} step's unix_time: "
             "true, and timezone)")
    return out


class FieldChecks:
    """The checks a record passes or fails on its own: damaged records, missing ids,
    formats, required fields, ranges, codes, future dates, records the operator excluded.
    Needs nothing from other chunks, so it can run in a helper process."""

    def __init__(self, overrides: dict, excluded: set, today: date, hashes: bool = True):
        self.overrides, self.excluded, self.today = overrides, excluded, today
        self.corrections: dict[str, list] = {}   # legacy table -> the operator's corrections
        #: HMSync table -> {legacy id merged away: the id kept} (same-person merges)
        self.aliases: dict[str, dict[str, str]] = {}
        self.hashes = hashes  # hash the ids here (False: the engine's process does)

    def __call__(self, file: str, tm: TableMap, target: TargetTable, mc: MappedChunk,
                 probs: Problems) -> Checked:
        n = len(mc)
        t = tm.target
        report = Report(t, file, mc, self.overrides, probs)
        ids = mc.legacy_id
        # records the reader found damaged
        corrupt = mc.corrupt != ""
        if corrupt.any():
            report(corrupt, "corrupt", message=[f"the record is damaged: {x}" for x in mc.corrupt],
                   source_field="(record)")
        # legacy id
        id_col = tm.id_label or "(row)"
        no_id = is_blank(ids)
        report(no_id, "id_missing", values=ids, source_field=id_col)
        # fields (those computed from a birth date get the dates' hint too)
        aged = {n for n, fm in tm.fields.items() if _has_step(fm, tf.AgeFromDateStep)}
        unix_read = {n for n, fm in tm.fields.items() if any(
            getattr(s, "unix_time", False) is True for s in fm.typed_steps)}
        for fname, values in mc.values.items():
            f = target.fields[fname]
            raw = mc.raw[fname]
            label = f.label or fname
            bad = mc.bad[fname]
            unix_on = fname in unix_read
            # an age computed from a birth date fails on the date it is computed from
            what = "birth date (the age is computed from it)" if fname in aged else \
                _WHAT.get(f.kind, "value")
            report(bad, "format", fname, raw, {"label": label, "what": what},
                   nullable=f.nullable, message=_serial_hints(bad, raw, label, unix_on=unix_on)
                   if f.kind == "date" else
                   _serial_hints(bad, raw, label, what, "age_from_date",
                                 unix_on) if fname in aged else None)
            isnull = mc.null[fname] & ~bad
            if f.required:
                report(isnull, "required", fname, raw, {"label": label}, nullable=f.nullable)
            if f.kind in ("int", "float") and (f.min is not None or f.max is not None):
                num = mc.arrays.get(fname)
                if num is None:
                    num = pd.to_numeric(values, errors="coerce").to_numpy(
                        dtype="float64", na_value=np.nan)
                out = np.zeros(n, dtype=bool)
                with np.errstate(invalid="ignore"):  # NaN (no value) is in no range
                    if f.min is not None:
                        out |= num < f.min
                    if f.max is not None:
                        out |= num > f.max
                rng = f"{f.min if f.min is not None else ''}–{f.max if f.max is not None else ''}"
                rng = f"(at least {f.min})" if f.max is None else f"({rng})"
                report(out, "range", fname, raw, {"label": label, "range": rng})
            if f.kind == "enum" and f.enum:
                notin = (values.notna() & ~values.isin(f.enum)).to_numpy()
                report(notin, "enum", fname, raw, {"label": label, "allowed": "/".join(f.enum)})
            if f.kind == "date":
                days = mc.arrays.get(fname)
                future = (days.astype("datetime64[D]") > np.datetime64(self.today, "D")
                          if days is not None and days.dtype.kind == "M"
                          else future_mask(values, self.today))
                report(future, "future", fname, raw, {"label": label})
        # required fields the export lacks, filled with the profile's fixed value: every
        # record that got one is counted (a warning), never stored unsaid (an optional
        # field's fixed value, a deployment's reference, say, is a choice, not a stand-in)
        for fname, fm in tm.fields.items():
            f = target.fields.get(fname)
            if fm.value is not None and not fm.columns and fm.expr is None and f is not None \
                    and f.required:
                report(np.ones(n, dtype=bool), "placeholder", fname, mc.raw.get(fname),
                       {"label": f.label or fname, "value": fm.value},
                       source_field="(fixed value)")
            elif fname in mc.placeholders and f is not None and f.required:  # the empty ones
                report(mc.placeholders[fname], "placeholder", fname, mc.raw.get(fname),
                       {"label": f.label or fname, "value": fm.value})
        id_list = ids.tolist()
        # excluded by the operator
        if self.excluded:
            ex = np.array([(t, x) in self.excluded for x in id_list], dtype=bool)
            merged = self.aliases.get(t, {})
            report(ex, "excluded", values=ids, source_field=id_col, message=[
                f"merged into legacy record {merged[x]} (the same person), by the operator"
                if x in merged else R.RULES["excluded"].message for x in id_list]
                if merged else None)
        checked = Checked(report.errors, report.warned, no_id, None, None)
        return checked.hash_ids(mc, target) if self.hashes else checked


def guarded(st: SourceTable, chunks):
    """Chunks of a legacy table; a read that fails midway becomes a SourceError."""
    it = iter(chunks)
    while True:
        try:
            chunk = next(it)
        except StopIteration:
            return
        except (UnicodeDecodeError, OSError) as e:
            raise SourceError(st.path, f"reading stopped: {e}") from None
        yield chunk


# --- the stream of prepared chunks -------------------------------------------------------
#: exports at least this big (all mapped files together) are prepared in a helper process
PARALLEL_MIN_BYTES = 8 << 20
PARALLEL_MIN_BYTES_FORK = 1 << 20
#: chunks the helper may prepare ahead of the engine (bounds the memory of both processes)
QUEUE_CHUNKS = 2
_POLL_S = 0.5


def prepare(st: SourceTable, tm: TableMap, target: TargetTable, chunk: pd.DataFrame,
            ctx: RunContext, checks: FieldChecks, probs: Problems,
            tallier: Tallier | None = None) -> tuple[MappedChunk, Checked]:
    fixes = checks.corrections.get(st.name)
    notes = corrections.apply(chunk, fixes, LINE) if fixes else []
    cells = tallier.raw((st.name, tm.target), chunk, nested_reads(tm, target)) \
        if tallier is not None else None
    mc = map_chunk(chunk, tm, target, ctx)
    if cells is not None:
        tallier.mapped(cells, mc, target, ctx, left_out_numbers(chunk, mc, tm, target, ctx))
    mc.notes.extend(n for n in notes if n not in mc.notes)
    for fname, parent in target.references.items():
        merged = checks.aliases.get(parent)
        if merged and fname in mc.values:   # what referred to a merged record: the one kept
            v = mc.values[fname]
            hit = v.isin(list(merged))
            if hit.any():
                mc.values[fname] = v.where(~hit, v.map(merged))
    checked = checks(st.name, tm, target, mc, probs)
    amounts.check(Report(tm.target, st.name, mc, checks.overrides, probs, checked.errors,
                         checked.warned), tm, target, mc, ctx.defaults)
    checked.cells = cells
    return mc, checked


def want_parallel(plan, setting: bool | None = None) -> bool:
    """A helper process pays off for big exports on a machine with a second core.
    ``HMSYNC_WIZARD_PARALLEL=0|1`` overrides the choice (rehearsals, tests)."""
    env = os.environ.get("HMSYNC_WIZARD_PARALLEL", "").strip()
    if setting is None and env in ("0", "1"):
        setting = env == "1"
    if setting is not None:
        return setting
    if (os.cpu_count() or 1) < 2:
        return False
    size = 0
    for st, _ in plan:
        try:
            size += st.path.stat().st_size
        except OSError:
            pass
    # a forked helper costs next to nothing to start: it pays off for smaller exports too
    return size >= (PARALLEL_MIN_BYTES_FORK if _start_method() == "fork" else PARALLEL_MIN_BYTES)


_FORK = [False]


def allow_fork() -> None:
    """Let the helper process be forked (the command line calls this: a plain process that
    runs one migration). A GUI never does: its toolkit's threads must not be forked."""
    _FORK[0] = True


def _start_method() -> str:
    """How to start the helper process. "fork" starts it at once, with every module already
    loaded (spawning one loads Python, pandas and the wizard again: most of a second); it
    is used only where that is safe: on Linux, when allowed (``allow_fork``), from a process
    with no other Python thread (a numerical library's own worker threads, such as
    OpenBLAS's, prepare themselves for a fork). Everywhere else, "spawn"."""
    if _FORK[0] and sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "spawn"


class ChunkStream:
    """The plan's legacy tables, prepared chunk by chunk, in plan order.

    ``table(i)`` yields ``(mapped chunk, checked)`` for the i-th table of the plan; the
    problems found go into ``probs``. With ``parallel`` the work happens in a helper
    process that runs ahead by a few chunks; ``close()`` stops it.
    """

    def __init__(self, plan, targets: dict[str, TargetTable], ctx: RunContext,
                 checks: FieldChecks, chunk_rows: int, probs: Problems, parallel: bool = False,
                 cancel=None, tally: bool = False):
        self.plan, self.targets, self.ctx, self.checks = plan, targets, ctx, checks
        self.chunk_rows, self.probs = chunk_rows, probs
        self.cancel = cancel  # a CancelToken: checked while waiting for the helper too
        self._proc = self._queue = self._credits = None
        self.waited = 0.0   # seconds the engine waited for the helper (a run's timings)
        # (tally: each chunk's cells noted as read, for the cell accounting of a run)
        self.tallier = Tallier() if tally and not parallel else None
        # a database's tables read from one state of it, counts and records alike (the
        # helper process holds its own)
        self._snapshot = contextlib.ExitStack()
        if not parallel:
            self._snapshot.enter_context(snapshot(st for st, _ in plan))
        if parallel:
            # the helper has the heavier half of the work: hashing ids is left to the engine,
            # unless the engine falls behind (see _helper_main)
            checks = copy.copy(checks)
            checks.hashes = False
            ctx_mp = mp.get_context(_start_method())
            # the queue itself is not bounded: the helper runs ahead by QUEUE_CHUNKS chunks,
            # but a table's end goes over at once (counted as a chunk, it kept the helper
            # from starting the next table while the engine was busy with the last one)
            self._queue = ctx_mp.Queue()
            self._credits = ctx_mp.Semaphore(QUEUE_CHUNKS)
            self._proc = ctx_mp.Process(
                target=_helper_main, name="hmsync-prepare", daemon=True,
                args=(plan, targets, ctx, checks, chunk_rows, self._queue, os.getpid(),
                      self._credits, tally))
            self._proc.start()

    @property
    def parallel(self) -> bool:
        return self._proc is not None

    def table(self, i: int):
        st, tm = self.plan[i]
        target = self.targets[tm.target]
        if self._proc is None:
            for chunk in guarded(st, st.iter_chunks(self.chunk_rows)):
                yield prepare(st, tm, target, chunk, self.ctx, self.checks, self.probs,
                              self.tallier)
            return
        while True:
            kind, j, payload = self._get()
            if kind == "chunk":
                self._credits.release()  # the helper may prepare one more
            if kind == "end":
                return
            if kind == "error":
                raise _rebuild(payload)
            if j != i:  # cannot happen: the helper follows the same plan
                raise RuntimeError(f"prepared chunk of table {j} while reading table {i}")
            mc, checked, cols = payload
            _unpack_chunk(mc)
            for c, vals in cols.items():
                self.probs.cols[c].extend(vals)
            yield mc, checked

    def _get(self):
        t0 = time.perf_counter()
        try:
            return self._get_waiting()
        finally:
            self.waited += time.perf_counter() - t0

    def _get_waiting(self):
        while True:
            try:
                return self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                if self.cancel is not None:
                    self.cancel.check()
                if not self._proc.is_alive():
                    try:  # its last message may have arrived just now
                        return self._queue.get(timeout=_POLL_S)
                    except queue.Empty:
                        pass
                    raise MigrationError(
                        "the helper process that reads the legacy files stopped unexpectedly "
                        f"(exit code {self._proc.exitcode}); nothing was imported") from None

    def close(self):
        self._snapshot.close()
        if self._proc is None:
            return
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=5)
        self._queue.cancel_join_thread()
        self._queue.close()
        self._proc = None


# --- sending chunks between the processes ------------------------------------------------
# pickle memoises every object it writes: for a column of 50,000 texts that is 50,000
# dictionary entries, and at millions of cells most of the helper's time went into sending.
# A column of texts (or None) travels as one string instead, its cells joined by a
# character none of them contains, and is split again on arrival.
_SEP = "\x00"


@dataclass
class _PackedTexts:
    text: str                   # the non-empty cells, joined by _SEP
    count: int                  # how many cells text holds
    null: np.ndarray | None     # where the column has None (None: nowhere)
    name: object


def _pack_texts(s):
    """A Series of texts (None where empty) as _PackedTexts; anything else as it is."""
    if not isinstance(s, pd.Series) or s.dtype != object or not len(s):
        return s
    vals = s.tolist()
    null = None
    try:
        text = _SEP.join(vals)
    except TypeError:  # empty cells (None), or a cell that is not a text
        arr = s.to_numpy()
        null = np.equal(arr, None)  # (a NaN is not None: it stays, and the join fails)
        vals = arr[~null].tolist()
        try:
            text = _SEP.join(vals)
        except TypeError:  # NaN, a number, ...: the column is sent as it is
            return s
    if text.count(_SEP) != len(vals) - 1:  # a cell contains the separator
        return s
    return _PackedTexts(text, len(vals), null, s.name)


def _unpack_texts(p, index: pd.Index):
    if not isinstance(p, _PackedTexts):
        return p
    parts = p.text.split(_SEP) if p.count else []
    # (fromiter: numpy's conversion of a list would first look into every text for nesting)
    if p.null is None:
        arr = np.fromiter(parts, dtype=object, count=len(parts))
    else:
        arr = np.empty(len(p.null), dtype=object)  # None everywhere
        if parts:
            arr[~p.null] = np.fromiter(parts, dtype=object, count=len(parts))
    return pd.Series(arr, index=index, name=p.name, dtype=object, copy=False)


def _pack_chunk(mc: MappedChunk) -> None:
    mc.legacy_id = _pack_texts(mc.legacy_id)
    mc.values = {k: _pack_texts(v) for k, v in mc.values.items()}
    mc.raw = {k: _pack_texts(v) for k, v in mc.raw.items()}
    mc.extras = {k: _pack_texts(v) for k, v in mc.extras.items()}
    corrupt = mc.corrupt
    if corrupt.dtype == object:  # nearly always "": only the damaged records' notes go
        where = np.flatnonzero(corrupt != "")
        mc.corrupt = ("sparse", len(corrupt), where, corrupt[where].tolist())


def _unpack_chunk(mc: MappedChunk) -> None:
    ix = mc.index
    mc.legacy_id = _unpack_texts(mc.legacy_id, ix)
    mc.values = {k: _unpack_texts(v, ix) for k, v in mc.values.items()}
    mc.raw = {k: _unpack_texts(v, ix) for k, v in mc.raw.items()}
    mc.extras = {k: _unpack_texts(v, ix) for k, v in mc.extras.items()}
    if isinstance(mc.corrupt, tuple):
        _, n, where, notes = mc.corrupt
        corrupt = np.full(n, "", dtype=object)
        if len(where):
            corrupt[where] = np.array(notes, dtype=object)
        mc.corrupt = corrupt


def _rebuild(payload) -> BaseException:
    """The helper's exception, as the engine's process raises it."""
    kind, args = payload
    if kind == "SourceError":
        return SourceError(*args)
    known = {"ProfileError": ProfileError, "TransformError": TransformError,
             "MigrationError": MigrationError}
    if kind in known:
        return known[kind](args[0])
    return HelperError(kind, args[0])


class HelperError(RuntimeError):
    """An unexpected error in the helper process. Its text may quote a record, so only its
    kind and where it happened come across (for the log), never its message."""

    def __init__(self, kind: str, where: str):
        super().__init__(f"{kind} in the helper process")
        self.kind, self.where = kind, where
        self.log_detail = f"{kind} in the helper process at {where}"


def _engine_behind(q) -> bool:
    """The queue to the engine is full: the engine, not the helper, is the slower one."""
    try:
        return q.full()
    except (NotImplementedError, AttributeError, OSError):
        return False


def _helper_main(plan, targets, ctx, checks, chunk_rows, q, parent_pid, credits=None,
                 tally=False):
    """The helper process: read, map and check every table of the plan, in order.
    ``credits``: a semaphore the helper takes for each chunk it sends and the engine gives
    back for each chunk it takes (None: the queue's own bound holds the helper back)."""
    memory.return_large_blocks()

    def gone() -> None:
        if os.getppid() != parent_pid:  # the engine's process is gone
            os._exit(0)

    def put(item):
        while True:
            try:
                q.put(item, timeout=_POLL_S)
                return
            except queue.Full:
                gone()

    def take_credit(wait: bool) -> bool:
        """A chunk may go (waiting for the engine if ``wait``); False: the engine is
        behind."""
        if credits is None:
            return wait or not _engine_behind(q)
        if credits.acquire(False):
            return True
        while wait:
            if credits.acquire(timeout=_POLL_S):
                return True
            gone()
        return False

    # as in the engine: the cycle collector would scan each chunk's many new lists again
    # and again; it runs once per chunk instead, on what that chunk left
    gc.disable()
    tallier = Tallier() if tally else None
    try:
        with snapshot(st for st, _ in plan):
            for i, (st, tm) in enumerate(plan):
                target = targets[tm.target]
                refs = set(target.references)
                for chunk in guarded(st, st.iter_chunks(chunk_rows)):
                    probs = Problems()
                    mc, checked = prepare(st, tm, target, chunk, ctx, checks, probs,
                                          tallier)
                    del chunk
                    # what the engine still reads: values, ids, lines, emptiness, raw
                    # references
                    mc.raw = {k: v for k, v in mc.raw.items() if k in refs}
                    mc.bad = {}
                    mc.arrays = {k: v for k, v in mc.arrays.items() if v.dtype.kind == "f"}
                    ready = take_credit(wait=False)
                    if not ready:  # it would wait for the engine anyway: hash the ids here,
                        checked.hash_ids(mc, target)  # one job less for the engine
                    _pack_chunk(mc)
                    if not ready:
                        take_credit(wait=True)
                    put(("chunk", i, (mc, checked, probs.cols)))
                    del mc, checked, probs
                    gc.collect(1)
                put(("end", i, None))
    except SourceError as e:
        put(("error", None, ("SourceError", (e.path, e.problem, e.line))))
    except (ProfileError, TransformError) as e:  # written for the operator
        put(("error", None, (type(e).__name__, (str(e),))))
    except BaseException as e:  # sent to the engine, which stops and rolls back
        frames = traceback.extract_tb(e.__traceback__)
        where = " <- ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}"
                            for f in reversed(frames))
        put(("error", None, (type(e).__name__, (where,))))
    if credits is not None:
        # every credit back: the engine has taken every chunk, so what is left to flush is
        # small. Waiting on the flush alone could last for ever if the engine died with
        # chunks unread (the pipe never drains); this wait notices that it is gone
        for _ in range(QUEUE_CHUNKS):
            take_credit(wait=True)
    if hasattr(q, "join_thread"):  # a multiprocessing queue: flush it before exiting
        q.close()
        q.join_thread()
