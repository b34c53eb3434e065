"""The migration engine: validate legacy tables against HMSync's rules, and import them.

Both stream every mapped legacy table, parents before children, chunk by chunk:
map -> check -> (import). Only what relationships need is kept between chunks: the legacy
ids seen, accepted and rejected per HMSync table (and, when importing, their HMSync ids).

No Qt here: progress goes through a callback, cancel through a token checked between
chunks.
"""
from __future__ import annotations

import gc
import getpass
import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from .. import __version__
from . import corrections, logs, memory
from . import rules as R
from .backup import BackupResult, begin_writing, connect, data_counts
from .lookups import LookupIndexes, read_by_lookups
from .quarantine import ADDED_COLUMNS
from .pilot import Pilot
from .tally import Tally
from .mapping import MappedChunk, Profile, ProfileError, TableMap, check_profile
from .readers import SourceError, SourceTable
from .schema import DATA_TABLES, TargetTable, ensure_wizard_tables, known_tables, quote_ident, \
    reflect_targets
from . import uuids
from .errors import Cancelled, MigrationError  # noqa: F401 (imported from here too)
from .prepare import PROBLEM_COLUMNS  # noqa: F401 (re-exported)
from .prepare import Checked, ChunkStream, FieldChecks, Problems, Report, want_parallel
from .idindex import IdIndex, TextHeap, duplicated, hash_ids
from . import cell_audit, legacy_map
from .legacy_map import LegacyMap
from .delta import (DeltaOptions, DeltaResult, DeltaSync, FieldSets, fingerprints,
                    untracked_tables)

if TYPE_CHECKING:  # (verify is loaded when an import runs)
    from .verify import Verification


class CancelToken:
    def __init__(self):
        self._event = threading.Event()

    def cancel(self):
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self):
        if self._event.is_set():
            raise Cancelled("cancelled by the operator")


@dataclass
class Progress:
    stage: str          # validate | import | verify
    table: str          # HMSync table
    source: str         # legacy table name
    done: int
    total: int


ProgressFn = Callable[[Progress], None]

@dataclass
class TableStats:
    table: str
    sources: list[str] = field(default_factory=list)
    source_rows: int = 0
    valid: int = 0           # would be (or were) imported
    duplicates: int = 0      # already in HMSync from an earlier run
    rejected: int = 0
    warnings: int = 0        # accepted records that carry a warning
    deferred: int = 0        # outside a pilot: left for the full run
    # the duplicates (records already in HMSync), by what a re-run did with them (delta)
    updated: int = 0         # HMSync's values replaced by the export's changed ones
    unchanged: int = 0       # as last synced: skipped
    conflicts: int = 0       # changed in the export and in HMSync since
    conflicts_kept: int = 0  # of those, left as HMSync has them
    filtered: int = 0        # left out by a table's where: (counted in source_rows)
    where: dict[str, str] = field(default_factory=dict)   # legacy table -> its filter

    def to_dict(self) -> dict:
        return {"source_rows": self.source_rows, "imported": self.valid,
                "duplicates": self.duplicates, "rejected": self.rejected,
                "warnings": self.warnings, "deferred": self.deferred,
                "inserted": self.valid, "updated": self.updated,
                "unchanged": self.unchanged, "conflicts": self.conflicts,
                "conflicts_kept": self.conflicts_kept,
                "sources": self.sources, "filtered": self.filtered, "where": dict(self.where)}


@dataclass
class ValidationResult:
    problems: pd.DataFrame
    stats: dict[str, TableStats]
    notes: list[str] = field(default_factory=list)
    unmapped_sources: list[str] = field(default_factory=list)
    #: a re-run's preview (or result): updates, conflicts, records gone; None: first run
    delta: DeltaResult | None = None

    @property
    def errors(self) -> int:
        return int((self.problems["severity"] == R.ERROR).sum()) if len(self.problems) else 0

    @property
    def warnings(self) -> int:
        return int((self.problems["severity"] == R.WARNING).sum()) if len(self.problems) else 0

    def summary(self) -> pd.DataFrame:
        """Problems counted per table, rule and severity."""
        if not len(self.problems):
            return pd.DataFrame(columns=["table", "rule", "severity", "count"])
        g = self.problems.groupby(["table", "rule", "severity"], sort=True).size()
        return g.reset_index(name="count")


# SQLite's page cache (negative: KiB). The load appends to every b-tree (secondary indexes
# are dropped, HMSync ids increase), so a small cache serves it as well as a large one.
LOAD_CACHE = -16384
# The index builds after the load: SQLite's sorter sorts runs of the cache's size, then
# merges them. With a second thread (PRAGMA threads), many small runs are sorted while
# the table is still being read, and each fits a CPU cache: 2 MiB runs built the 2.28M
# records' indexes in 5.4 s, 32 MiB runs in 6.4 s, 64 MiB in 8.4 s (measured side by side).
INDEX_CACHE = -2048
# The verification's queries read indexes and tables in order: a larger cache saves a
# little there (3.0 against 3.3 s at 2.28M records).
VERIFY_CACHE = -32768
#: records per chunk: 25,000 costs no more time than 50,000 (measured at 2.3M records) and
#: holds half as many cells in each process and in the queue between them
CHUNK_ROWS = 25_000


# what the registry keeps per legacy id: the line it was first seen on, whether that record
# was accepted, and the number of its new HMSync id in the run (uuids.RunIds), which
# records that point at it need (any table may be pointed at: a deployment's own columns)
_ENTRY = np.dtype([("line", "<i4"), ("ok", "u1"), ("hid", "<u4")])


class _Registry:
    """Legacy ids per HMSync table, as compact hashed indexes: every id seen (-> first line,
    accepted or not, new HMSync id: 25 bytes with its key), the rejected ones, and
    those already in HMSync (-> their HMSync id)."""

    def __init__(self, run_ids: uuids.RunIds | None = None):
        self.run_ids = run_ids  # the import's new HMSync ids (None: validation only)
        self.ids = {t: IdIndex(_ENTRY) for t in DATA_TABLES}
        self.rejected = {t: IdIndex() for t in DATA_TABLES}
        self.existing = {t: IdIndex(object) for t in DATA_TABLES}
        # per table declaring a person_key: the key's values (say name + phone) -> the
        # first such record's legacy id, kept in person_ids by number
        self.persons: dict[str, IdIndex] = {}
        self.person_ids: dict[str, TextHeap] = {}

    def person_index(self, table: str) -> tuple[IdIndex, TextHeap]:
        if table not in self.persons:
            self.persons[table], self.person_ids[table] = IdIndex("u4"), TextHeap()
        return self.persons[table], self.person_ids[table]

    def forget_persons(self, table: str) -> None:
        """The table's records are all read: their person keys are asked about no more (at
        400,000 patients, about 14 MB the rest of the load can use)."""
        self.persons.pop(table, None)
        self.person_ids.pop(table, None)

    def forget(self, table: str) -> None:
        """The table's records are all read and no record still to come refers to it: its
        ids are asked about no more (at 4.55M records, the bills' and payments' 1.8M ids,
        about 45 MB, are gone before the pathology tests are read)."""
        self.ids[table] = IdIndex(_ENTRY)
        self.rejected[table] = IdIndex()
        self.existing[table] = IdIndex(object)

    def complete(self, table: str) -> None:
        """The table's records are all read and tables to come refer to it: its ids become
        one run (each lookup one search), and the first line of each, asked only while
        its own records came, goes (at 4.55M records the parents' 3.4M ids, 14 MB, while
        the payments load, the run's busiest moment)."""
        self.ids[table].narrow(("ok", "hid"))  # (first: the merge then copies less)
        self.ids[table].compact()

    def accepted(self, table: str, keys: np.ndarray) -> np.ndarray:
        """Which keys belong to records accepted in this run."""
        found, entry = self.ids[table].get(keys)
        return found & (entry["ok"] == 1)

    def add(self, table: str, keys: np.ndarray, lines: np.ndarray, ok: np.ndarray,
            hids: np.ndarray) -> None:
        """Register a chunk's first appearances: ``hids``, the numbers of their new HMSync
        ids, for the ``ok`` ones."""
        entry = np.zeros(len(keys), dtype=self.ids[table].payload)
        entry["line"] = lines
        entry["ok"] = ok
        if len(hids):
            entry["hid"][ok] = hids
        self.ids[table].add(keys, entry, new=True)  # first appearances, all different

    def lookup(self, table: str, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(accepted in this run, the numbers of their new HMSync ids) for parent keys."""
        found, entry = self.ids[table].get(keys)
        return found & (entry["ok"] == 1), entry["hid"]

    def resolve(self, table: str, keys: np.ndarray, looked_up=None) -> list[str | None]:
        """HMSync ids for parent keys: accepted in this run, else already in HMSync.
        ``looked_up``: what ``lookup`` gave for these keys, if it was asked already."""
        found, vals = looked_up if looked_up is not None else self.lookup(table, keys)
        if found.all():  # the usual case: every parent came with this export
            return self.run_ids.text(vals)
        out = np.full(len(keys), None, dtype=object)
        if found.any():
            out[found] = self.run_ids.text(vals[found])
        out = out.tolist()
        rest = ~found
        if rest.any() and len(self.existing[table]):
            f2, v2 = self.existing[table].get(keys[rest])
            for i, ok, v in zip(np.flatnonzero(rest).tolist(), f2.tolist(), v2.tolist()):
                if ok:
                    out[i] = v
        return out


@dataclass
class _ChunkOutcome:
    errors: np.ndarray        # record has an error-severity problem
    warned: np.ndarray
    present: np.ndarray       # already imported by an earlier run
    keys: np.ndarray          # hashed legacy ids
    has_id: np.ndarray
    fresh: np.ndarray         # the first appearance of its legacy id
    ref_keys: dict = field(default_factory=dict)   # field -> hashed parent ids
    parents: dict = field(default_factory=dict)    # field -> Registry.lookup of them


def plan_tables(sources: list[SourceTable], profile: Profile
                ) -> tuple[list[tuple[SourceTable, TableMap]], list[str]]:
    """The legacy tables the profile maps, in the order they are read (parents before
    children, as HMSync's tables are listed), and the names of those it does not map."""
    plan, unmapped = [], []
    names = [st.name for st in sources]
    for st in sources:
        tm = profile.table_for(st.name, st.stem, names)
        if tm is None:
            unmapped.append(st.name)
        else:
            plan.append((st, tm))
        # (how the reader takes a NUL character in a column: the profile's to say)
        st.nul_empty = frozenset(getattr(tm, "nul_empty", ()) or ())
    order = {t: i for i, t in enumerate(DATA_TABLES)}
    plan.sort(key=lambda p: order.get(p[1].target, len(order)))
    return plan, unmapped


class Migration:
    """One migration: legacy tables + a profile -> an HMSync target (or none, to validate)."""

    def __init__(self, sources: list[SourceTable], profile: Profile,
                 target: str | Path | None = None, chunk_rows: int = CHUNK_ROWS,
                 today: date | None = None, parallel: bool | None = None,
                 notes: list[str] | None = None, delta: DeltaOptions | None = None):
        self.sources = sources
        self.delta = delta or DeltaOptions()
        self.delta_result: DeltaResult | None = None  # the last run's (or validation's)
        self.profile = profile
        self.target = Path(target).resolve() if target else None
        self.chunk_rows = chunk_rows
        self.parallel = parallel  # prepare chunks in a helper process (None: when it pays)
        self.waited_for_helper: float | None = None
        self.today = today or date.today()
        self.targets: dict[str, TargetTable] = known_tables()
        if self.target is not None:
            if not self.target.is_file():
                raise MigrationError(
                    f"{self.target} is a folder: give the HMSync database file" if
                    self.target.is_dir() else
                    f"{self.target} does not exist (create it with init-db)")
            try:
                # read-write, though nothing is written: a hot journal left by a crashed
                # HMSync is rolled back first, so the wizard sees the last committed state
                con = connect(self.target)
                try:
                    self.targets = reflect_targets(con)
                finally:
                    con.close()
            except sqlite3.Error as e:
                if "locked" in str(e) or "busy" in str(e):
                    raise MigrationError(f"{self.target.name} is locked by another program "
                                         "(is HMSync still running?); close it and try "
                                         "again") from None
                raise MigrationError(f"{self.target.name} cannot be opened as an SQLite "
                                     f"database ({e})") from None
            if not self.targets:
                raise MigrationError(f"{self.target.name} has no HMSync tables "
                                     "(create an empty HMSync database with init-db)")
        self.plan, self.unmapped = plan_tables(sources, profile)
        used = {id(tm) for _, tm in self.plan}
        #: what the profile maps that the export does not hold (a delta may leave files out;
        #: a cutover missing its patients should hear of it)
        self.absent = list(notes or []) + [
            f"the profile maps {tm.source} to {tm.target}, but the export has no such file: "
            f"nothing was read for {tm.target} from it"
            for tm in profile.tables if id(tm) not in used]
        looked_up = {s: f for s, f in read_by_lookups(self.plan, sources).items()
                     if s in self.unmapped}
        self.unmapped = [s for s in self.unmapped if s not in looked_up]
        self.absent += [f"{s}: not imported itself, read by the lookup of {', '.join(f)}"
                        for s, f in looked_up.items()]
        # columns of a mapped file that no field reads: their values are not carried over
        # (often on purpose, but never unsaid: "zero data loss" is the operator's call)
        for st, tm in self.plan:
            read = tm.read_columns() | set(ADDED_COLUMNS)  # (a quarantine file's own)
            left = [c for c in st.columns if c not in read]
            chosen = [c for c in left if c in tm.leave_behind]
            kept = [c for c in left if c in tm.keep]
            undecided = [c for c in left if c not in tm.leave_behind and c not in tm.keep]
            if kept:
                self.absent.append(
                    f"{st.name}: {len(kept)} column(s) HMSync has no field for, kept beside "
                    f"the records in migration_extras (the profile's keep): {_names(kept)}")
            if undecided:
                self.absent.append(
                    f"{st.name}: {len(undecided)} column(s) not mapped to any HMSync field, "
                    f"so their values are not imported: {_names(undecided)}")
            if chosen:
                self.absent.append(
                    f"{st.name}: {len(chosen)} column(s) left behind on purpose (the "
                    f"profile's leave_behind): {_names(chosen)}")
        problems = check_profile(profile, [s for s, _ in self.plan], self.targets)
        if problems:
            raise ProfileError("the mapping does not fit the data:\n  " + "\n  ".join(problems))
        if not self.plan:
            raise MigrationError("no legacy table is mapped to an HMSync table by this profile")
        self.backup: BackupResult | None = None
        self._backup_counts: dict[str, int] | None = None
        self._excluded = {(e.table, e.legacy_id) for e in profile.exclude} | {
            (d.table, x) for d in profile.person_decisions for x in d.left_out}
        self.pilot = Pilot(profile.pilot)
        self._deferred: dict[str, list[np.ndarray]] = {}
        self._field_checks = FieldChecks(profile.rules, self._excluded, self.today)
        self._field_checks.corrections = corrections.by_file(profile.corrections)
        for d in profile.person_decisions:
            self._field_checks.aliases.setdefault(d.table, {}).update(d.aliases)

    # --- validation ----------------------------------------------------------------------
    def validate(self, progress: ProgressFn | None = None, cancel: CancelToken | None = None
                 ) -> ValidationResult:
        """Check every record; writes nothing. Reads the target for already-imported ids."""
        reg = _Registry()
        probs = Problems()
        stream = self._open_stream(probs, cancel)
        con = None
        try:
            self._delta_run = None
            if self.target is not None:
                con = connect(self.target)
                self._load_existing(con, reg)
                self._delta_run = self._start_delta(con, None, write=False)
            stats, notes = self._stream(reg, probs, progress, cancel, None, stream)
            self._end_delta(stats, notes)
        finally:
            stream.close()
            if con is not None:
                con.close()
        return ValidationResult(self._problems(probs), stats, notes, list(self.unmapped),
                                self.delta_result)

    def _problems(self, probs: Problems) -> pd.DataFrame:
        """The problems found, but those of records a pilot leaves for the full run: they
        are neither imported nor rejected now (their parents are outside the pilot, so
        "missing parent" would be false), and the full run checks them."""
        frame = probs.frame()
        if not self._deferred or not len(frame):
            return frame
        keep = np.ones(len(frame), dtype=bool)
        for file, parts in self._deferred.items():
            lines = np.concatenate(parts)
            mine = (frame["file"] == file).to_numpy()
            keep[mine] = ~np.isin(frame["line"].to_numpy()[mine], lines)
        return frame[keep].reset_index(drop=True)

    def _load_existing(self, con: sqlite3.Connection, reg: _Registry):
        has = con.execute("SELECT 1 FROM sqlite_master WHERE name='migration_legacy_ids'"
                          ).fetchone()
        if has:
            for t in DATA_TABLES:
                rows = con.execute('SELECT "legacyId", "hmsyncId" FROM migration_legacy_ids '
                                   'WHERE "sourceSystem" = ? AND "tableName" = ?',
                                   (self.profile.source_system, t)).fetchall()
                if rows:
                    legacy, hids = zip(*rows)
                    reg.existing[t].add(hash_ids(legacy), np.array(hids, dtype=object))
        for t, target in self.targets.items():
            key = _person_key(target)
            if not key:
                continue
            rows = con.execute(f"SELECT {', '.join(quote_ident(f) for f in key)} "
                               f"FROM {quote_ident(t)}").fetchall()
            if rows:
                persons, person_ids = reg.person_index(t)
                keys = hash_ids(_person_keys(target, key, zip(*rows), absent=""))
                persons.add(keys, np.full(len(keys), person_ids.add(["(in HMSync)"])[0],
                                          dtype=np.uint32))

    # --- delta sync (see delta.py) --------------------------------------------------------
    _delta_run: DeltaSync | None = None

    def _start_delta(self, con: sqlite3.Connection, run_id: int | None, write: bool
                     ) -> DeltaSync | None:
        """The delta sync of a target that holds records of this source system already
        (None: a first run). A run refuses a file without a legacy id feeding a table an
        earlier run filled, unless allowed (its changed records would come in as new)."""
        system = self.profile.source_system
        if con.execute("SELECT 1 FROM sqlite_master WHERE name='migration_legacy_ids'"
                       ).fetchone() is None or con.execute(
                'SELECT 1 FROM migration_legacy_ids WHERE "sourceSystem"=? LIMIT 1',
                (system,)).fetchone() is None:
            return None
        delta = DeltaSync(con, system, run_id, self.delta.on_conflict, write)
        untracked = delta.result.untracked = untracked_tables(con, system, self.plan)
        if untracked:
            words = (f"{', '.join(untracked)}: no legacy id column, so changes to records "
                     "an earlier run imported cannot be tracked (a changed record comes "
                     "in as a new one)")
            if write and not self.delta.allow_untracked:
                raise MigrationError(f"{words}; choose a legacy id column, or allow it "
                                     "(--allow-untracked)")
            delta.result.notes.append(words + (" — allowed (--allow-untracked)"
                                               if self.delta.allow_untracked else ""))
        if con.execute('SELECT 1 FROM migration_legacy_ids WHERE "sourceSystem"=? AND '
                       + ('fingerprint IS NULL' if delta._has_fp else '1') + ' LIMIT 1',
                       (system,)).fetchone():
            delta.result.notes.append(
                "the earlier runs kept no fingerprints of the records they imported: a "
                "record changed since cannot be told apart (in the export or in HMSync?) "
                "and is listed as a conflict; every record is fingerprinted by this run")
        return delta

    def _classify(self, tm: TableMap, target: TargetTable, mc: MappedChunk,
                  present: np.ndarray, reg: _Registry, ref_keys: dict) -> np.ndarray:
        """Sort a chunk's records already in HMSync (unchanged, updated, conflict); True
        where HMSync holds the export's values once the run is done."""
        idx = np.flatnonzero(present)
        values = {}
        for fname, v in mc.values.items():
            f = target.fields[fname]
            v = v.iloc[idx]
            if f.references:
                notnull = v.notna().tolist()
                keys = ref_keys[fname][idx]
                if reg.run_ids is not None:
                    got = reg.resolve(f.references, keys)
                else:  # a validation: parents new in this run have no HMSync id yet
                    found, hid = reg.existing[f.references].get(keys) if \
                        len(reg.existing[f.references]) else (np.zeros(len(idx), bool), None)
                    got = [h if ok else "(new in this run)" for ok, h in
                           zip(found.tolist(), hid.tolist() if hid is not None else
                               [None] * len(idx))]
                values[fname] = [g if ok else None for g, ok in zip(got, notnull)]
            else:
                if f.default is not None:
                    v = v.where(v.notna(), f.default)
                values[fname] = v.tolist()
        kept = {c: v.iloc[idx].tolist() for c, v in mc.extras.items()}
        same = self._delta_run(tm.target, target, values, mc.legacy_id.iloc[idx].tolist(),
                               kept)
        out = np.zeros(len(present), dtype=bool)
        out[idx] = same
        return out

    def _end_delta(self, stats: dict, notes: list[str]) -> None:
        """The delta's counts into the tables' stats, its notes into the run's."""
        d = self._delta_run
        self.delta_result = d.result if d is not None else None
        if d is None:
            return
        for t, c in d.result.counts.items():
            if t in stats:
                s = stats[t]
                s.updated, s.unchanged = c.updated, c.unchanged
                s.conflicts, s.conflicts_kept = c.conflicts, c.kept
        notes.extend(n for n in d.result.notes if n not in notes)
        for t, ids in d.result.gone.items():
            notes.append(f"{t}: {len(ids)} record(s) an earlier run imported are not in "
                         "this export; they stay in HMSync (listed in the report, never "
                         "deleted)")
        if d.result.conflicts:
            n, left = len(d.result.conflicts), d.result.unresolved
            notes.append(f"{n} record(s) changed both in the export and in HMSync since the "
                         "last run" + (f": {left} left as HMSync has them, listed in the "
                                      "report (choose: --on-conflict legacy-wins, "
                                      "hmsync-wins or skip)" if left else ""))

    def _open_stream(self, probs: Problems, cancel, tally: bool = False) -> ChunkStream:
        """The prepared chunks of the plan. Opened first thing, so that a helper process
        starts reading while the target is being made ready (close() it in any case)."""
        memory.return_large_blocks()
        if not hasattr(self, "_lookups"):
            self._lookups = LookupIndexes()
        self._lookups.prepare(self.plan, self.sources, self.chunk_rows)
        return ChunkStream(self.plan, self.targets, self.profile.ctx, self._field_checks,
                           self.chunk_rows, probs, want_parallel(self.plan, self.parallel),
                           cancel, tally)

    def _stream(self, reg: _Registry, probs: Problems, progress, cancel, sink,
                stream: ChunkStream):
        # Python's cycle collector would scan the millions of cells of every chunk, again
        # and again; it runs once per chunk instead, on what that chunk created
        was = gc.isenabled()
        gc.disable()
        try:
            return self._stream_chunks(reg, probs, progress, cancel, sink, stream)
        finally:
            if was:
                gc.enable()

    def _stream_chunks(self, reg: _Registry, probs: Problems, progress, cancel, sink,
                       stream: ChunkStream):
        self.pilot = Pilot(self.profile.pilot)
        self.pilot.prepare(self.plan, self.targets, self.profile.ctx)
        self._deferred: dict[str, list[np.ndarray]] = {}  # file -> lines left for later
        self._tally = Tally()  # the cells as read, for the cell accounting (a run's)
        stats: dict[str, TableStats] = {}
        notes: list[str] = list(self.absent)
        helper = stream.parallel
        try:
            self._consume(stream, stats, notes, reg, probs, progress, cancel, sink)
        finally:
            stream.close()
        self.waited_for_helper = round(stream.waited, 3) if helper else None
        return stats, notes

    def _consume(self, stream: ChunkStream, stats, notes, reg, probs, progress, cancel, sink):
        for i, (st, tm) in enumerate(self.plan):
            target = self.targets[tm.target]
            ts = stats.setdefault(tm.target, TableStats(tm.target))
            ts.sources.append(st.name)
            if tm.where is not None:
                ts.where[st.name] = tm.where
            total = st.estimate_rows()
            done = 0
            if progress:
                progress(Progress("validate" if sink is None else "import", tm.target, st.name,
                                  0, total))
            for mc, checked in stream.table(i):
                if cancel:
                    cancel.check()
                if checked.cells is not None:
                    self._tally.add((st.name, tm.target), checked.cells)
                for n in mc.notes:
                    n = f"{st.name}: {n}"
                    if n not in notes:
                        notes.append(n)
                out = self._link_checks(st.name, tm, target, mc, checked, reg, probs)
                n = len(mc)
                ts.source_rows += n + mc.filtered
                ts.filtered += mc.filtered
                inside = self.pilot.mask(tm.target, mc)
                ts.deferred += int((~inside).sum())
                if not inside.all():  # left for the full run: no problems of theirs now
                    self._deferred.setdefault(st.name, []).append(mc.lines[~inside])
                out.errors &= inside
                out.present &= inside
                out.warned &= inside
                ts.rejected += int(out.errors.sum())
                ts.duplicates += int((out.present & ~out.errors).sum())
                accept = ~out.errors & ~out.present & inside
                ts.valid += int(accept.sum())
                ts.warnings += int((out.warned & accept).sum())
                keys = out.keys
                present = out.present & ~out.errors
                if self._delta_run is not None and present.any():
                    present &= self._classify(tm, target, mc, present, reg, out.ref_keys)
                if sink is not None:
                    hids = sink(st, tm, target, mc, accept, present, reg,
                                out.ref_keys, out.parents)
                else:
                    hids = np.zeros(int(accept.sum()), dtype=np.uint32)
                if (accept & ~out.fresh).any():  # cannot happen: a repeat is an error
                    raise RuntimeError("an accepted record repeats a legacy id")
                fresh = out.fresh
                reg.add(tm.target, keys[fresh], mc.lines[fresh], accept[fresh], hids)
                rej = out.errors & out.has_id
                if rej.any():
                    rk = keys[rej]
                    reg.rejected[tm.target].add(rk[~reg.accepted(tm.target, rk)])
                done += n
                del mc, checked, out
                gc.collect(1)
                if progress:
                    progress(Progress("validate" if sink is None else "import", tm.target,
                                      st.name, done, max(total, done)))
            if tm.target in reg.persons and \
                    not any(later.target == tm.target for _, later in self.plan[i + 1:]):
                reg.forget_persons(tm.target)
            later = {lt.target for _, lt in self.plan[i + 1:]}
            if self._delta_run is not None and tm.target not in later:  # read whole
                self._delta_run.gone(tm.target, reg.ids[tm.target].contains)
            parents = {p for t in later for p in self.targets[t].references.values()}
            for t in DATA_TABLES:  # read, and no table to come refers to it
                if t not in later | parents and len(reg.ids[t]) + len(reg.existing[t]):
                    reg.forget(t)
            if tm.target not in later and tm.target in parents:
                reg.complete(tm.target)
            if progress:
                progress(Progress("validate" if sink is None else "import", tm.target, st.name,
                                  done, done))

    def _link_checks(self, file: str, tm: TableMap, target: TargetTable, mc: MappedChunk,
                     checked: "Checked", reg: _Registry, probs: Problems) -> _ChunkOutcome:
        """The checks that need other records: duplicates, records already in HMSync,
        relationships, the same person twice. They run in the importing process, chunk
        after chunk, against the registry of what came before."""
        n = len(mc)
        t = tm.target
        checked.hash_ids(mc, target)  # done already unless a helper process prepared mc
        report = Report(t, file, mc, self.profile.rules, probs, checked.errors, checked.warned)
        errors = report.errors
        ids = mc.legacy_id
        id_col = tm.id_label or "(row)"
        no_id = checked.no_id
        # duplicate legacy ids: the first occurrence is kept
        keys = checked.keys
        seen_before, entry = reg.ids[t].get(keys)
        dup_in_chunk, first = duplicated(keys, return_first=True)
        dup = (dup_in_chunk | seen_before) & ~no_id
        fresh = ~dup & ~no_id  # registered once the chunk is decided (see _consume)
        # already imported by an earlier run: recognised by legacy id
        present = reg.existing[t].contains(keys) if len(reg.existing[t]) else \
            np.zeros(n, dtype=bool)
        # a record a quarantine file holds because its legacy id was another record's is
        # that other record again unless the operator gave it an id of its own: still a
        # duplicate, never taken for the imported record (nor, re-run, for a change to it)
        if mc.was_duplicate is not None and mc.was_duplicate.any():
            again = mc.was_duplicate & present & ~no_id
            if again.any():
                report(again, "duplicate", values=ids, source_field=id_col, message=[
                    "rejected before as a second record with this legacy id, which another "
                    "record holds in HMSync; give it an id of its own to import it"] * n)
                present = present & ~again
        # relationships
        parents = {}
        for fname, parent in target.references.items():
            if fname not in mc.values or parent not in reg.ids:
                continue
            has = ~mc.null[fname]
            if not has.any():
                continue
            pk = checked.ref_keys[fname]
            parents[fname] = reg.lookup(parent, pk)
            ok = parents[fname][0].copy()
            if len(reg.existing[parent]):
                ok |= reg.existing[parent].contains(pk)
            rejected = ~ok & reg.rejected[parent].contains(pk)
            label = target.fields[fname].label or parent
            report(has & rejected, "parent_rejected", fname, mc.raw[fname], {"parent": label})
            report(has & ~ok & ~rejected, "parent_missing", fname, mc.raw[fname],
                   {"parent": label})
        if dup.any():  # (after the other checks: whether the first is rejected is known)
            first_line = np.where(seen_before, entry["line"], mc.lines[first])
            msgs = R.duplicate_messages(first_line, dup, np.where(
                seen_before, reg.rejected[t].contains(keys) if len(reg.rejected[t]) else
                False, errors[first]))
            report(dup, "duplicate", values=ids, source_field=id_col, message=msgs)
        # the same person under two ids (a warning to review)
        key = _person_key(target)
        if key and all(f in mc.values for f in key):
            ok = ~errors & ~present
            for f in key:
                ok &= mc.values[f].notna().to_numpy()
            if ok.any():
                idx = np.flatnonzero(ok)
                persons, person_ids = reg.person_index(t)
                pk = hash_ids(_person_keys(target, key,
                                           [mc.values[f].iloc[idx].tolist() for f in key]))
                found, other = persons.get(pk)
                within = duplicated(pk)
                first = ~found & ~within
                mine = ids.iloc[idx].tolist()
                persons.add(pk[first], person_ids.add(
                    [x for x, f in zip(mine, first.tolist()) if f]), new=True)
                if within.any():
                    found, other = persons.get(pk)
                hit = np.flatnonzero(found | within)
                others = dict(zip(hit.tolist(), person_ids.get(other[hit])))
                mask = np.zeros(n, dtype=bool)
                msgs = [""] * n
                for j in hit.tolist():
                    o, me = others[j], mine[j]
                    if o != me:
                        mask[idx[j]] = True
                        msgs[idx[j]] = R.RULES["possible_duplicate"].message.format(other=o)
                report(mask, "possible_duplicate", key[0], mc.values[key[0]], message=msgs,
                       source_field=mc.source.get(key[0]))
        return _ChunkOutcome(report.errors, report.warned, present, keys, ~no_id, fresh,
                             checked.ref_keys, parents)

    # --- backup and import ---------------------------------------------------------------
    def make_backup(self, folder: str | Path | None = None) -> BackupResult:
        from .backup import make_backup
        if self.target is None:
            raise MigrationError("no target database to back up")
        self.backup = make_backup(self.target, folder)
        self._backup_counts = dict(self.backup.counts)
        return self.backup

    def use_backup(self, backup: BackupResult) -> None:
        """Adopt a backup made earlier (another page of the wizard, another Migration of the
        same target). Refused unless it is verified, of this target, and the target has not
        changed since it was made."""
        if not backup.verified or Path(backup.target).resolve() != self.target:
            raise MigrationError("that backup is not a verified backup of this database")
        if data_counts(self.target) != backup.counts:
            raise MigrationError("the target changed since the backup was made; make a new "
                                 "backup")
        self.backup, self._backup_counts = backup, dict(backup.counts)

    def run(self, progress: ProgressFn | None = None, cancel: CancelToken | None = None,
            dry_run: bool = False, no_backup: bool = False, operator: str | None = None,
            full_integrity_check: bool = False) -> "RunResult":
        """Validate and import in one transaction, verify, then commit (or roll back).

        Refuses to start without a verified backup made by this migration, unless
        ``no_backup`` (throwaway databases) is given. After the commit SQLite checks the
        file: ``quick_check``, or the whole ``integrity_check`` if ``full_integrity_check``
        (see Verifier.post_commit).
        """
        if self.target is None:
            raise MigrationError("no target database")
        if not no_backup:
            self._require_current_backup()
        started = datetime.now().isoformat(timespec="seconds")
        operator = operator or _operator()
        laps = _Laps()
        probs = Problems()
        stream = self._open_stream(probs, cancel, tally=True)
        try:
            con = connect(self.target)
        except BaseException:
            stream.close()
            raise
        con.execute(f"PRAGMA cache_size = {LOAD_CACHE}")
        committed = False
        try:
            run_id = self._begin_run(con, started, operator)
            self._delta_run = self._start_delta(con, run_id, write=True)
            reg, dropped, verifier, sink = self._ready_for_load(con, run_id, cancel)
            sink.id_columns = {tm.target: tm.legacy_key for _, tm in self.plan}
            laps("prepare")
            stats, notes = self._stream(reg, probs, progress, cancel, sink, stream)
            self._end_delta(stats, notes)
            # the id registry is done with: its arrays go before the index builds (no cycle
            # collection here: a full one holds Python's lock long enough to stall a window)
            del reg
            laps("read, validate and insert")
            if self.waited_for_helper is not None:  # included in the line above
                laps.timings["of which waiting for the reading process"] = \
                    self.waited_for_helper
            if cancel:
                cancel.check()
            self._build_indexes(con, dropped, progress)
            laps("build indexes")
            _start_flush()  # beside the verification
            validation = ValidationResult(self._problems(probs), stats, notes,
                                          list(self.unmapped), self.delta_result)
            if progress:
                progress(Progress("verify", "", "", 0, 1))
            verification = verifier.verify(stats)
            cells_from = time.perf_counter()
            verifier.account_cells(verification, self.plan, self.profile,
                                   validation.problems, self._deferred, self.chunk_rows,
                                   cancel, delta=self.delta_result, tally=self._tally)
            del self._tally
            cell_audit.record(con, run_id, getattr(verification, "cells", None))
            laps("verify")
            laps.timings["of which cell accounting"] = round(time.perf_counter() -
                                                             cells_from, 3)
            if cancel:
                cancel.check()
            status, committed = self._finish(con, run_id, stats, dry_run,
                                             verification.passed, laps)
            if committed:
                verification.checks.extend(verifier.post_commit(full_integrity_check))
                laps("integrity check")
                if progress:
                    progress(Progress("verify", "", "", 1, 1))
            return RunResult(status, committed, run_id if committed else None, validation,
                             verification, self.backup, started,
                             datetime.now().isoformat(timespec="seconds"), laps.timings,
                             operator, self.delta_result)
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as e:
            if committed:  # the check after the commit stopped: the import itself stands
                logs.log_line(f"import into {self.target.name} committed (run {run_id}); the "
                              f"check after it stopped ({type(e).__name__})")
                raise MigrationError(
                    f"the import was committed (run {run_id}), but the integrity check after "
                    f"it could not finish: {_plain_db_error(e)}; run `hmsync-migrate verify "
                    f"{self.target.name}`, and restore the backup if it finds damage"
                ) from None
            if con.in_transaction:
                con.execute("ROLLBACK")
            logs.log_line(f"import into {self.target.name} stopped ({type(e).__name__}); "
                          "rolled back, target unchanged")
            if isinstance(e, SourceError):
                raise
            raise MigrationError(f"the import stopped: {_plain_db_error(e)}; everything was "
                                 f"rolled back and {self.target.name} is unchanged") from None
        except BaseException as e:
            if con.in_transaction:
                con.execute("ROLLBACK")
            how = 'cancelled' if isinstance(e, (Cancelled, KeyboardInterrupt)) else 'stopped'
            logs.log_line(f"import into {self.target.name} committed (run {run_id}); the check "
                          f"after it {how} ({type(e).__name__})" if committed else
                          f"import into {self.target.name} {how} ({type(e).__name__}); rolled "
                          "back, target unchanged")
            raise
        finally:
            stream.close()
            con.close()

    def _require_current_backup(self) -> None:
        """Refuse an import without a verified backup of the target as it is now."""
        if self.backup is None or not self.backup.verified or \
                self.backup.target != self.target:
            raise MigrationError("no verified backup of this target was made in this run; "
                                 "back up first (or pass --no-backup for a throwaway "
                                 "database)")
        if data_counts(self.target) != self._backup_counts:
            raise MigrationError("the target changed since the backup was made; make a new "
                                 "backup")

    def _begin_run(self, con: sqlite3.Connection, started: str, operator: str) -> int:
        """Take the target for writing and open the run in the audit trail (inside the
        transaction: a run rolled back leaves no trace there); returns the run's id."""
        begin_writing(con, self.target, "the import", MigrationError)
        ensure_wizard_tables(con)
        profile_text = self.profile.to_text()
        run_id = con.execute(
            'INSERT INTO migration_runs ("startedAt", status, operator, "toolVersion", '
            '"sourceSystem", sources, profile, "profileSha256", "backupPath", '
            '"backupSha256") VALUES (?,?,?,?,?,?,?,?,?,?)',
            (started, "running", operator, __version__,
             self.profile.source_system, json.dumps(self._source_list()),
             profile_text, self.profile.sha256(profile_text),
             str(self.backup.path) if self.backup else None,
             self.backup.sha256 if self.backup else None)).lastrowid
        con.execute("CREATE TEMP TABLE IF NOT EXISTS run_present "
                    '("tableName" TEXT, "legacyId" TEXT, PRIMARY KEY ("tableName", '
                    '"legacyId")) WITHOUT ROWID')
        con.execute("DELETE FROM temp.run_present")
        return run_id

    def _ready_for_load(self, con: sqlite3.Connection, run_id: int, cancel):
        """What the load needs: the registry of ids already in HMSync, the secondary
        indexes dropped for a bulk load (their SQL, to rebuild), the verifier and the
        importer."""
        from .verify import Verifier
        reg = _Registry(uuids.RunIds())
        self._load_existing(con, reg)
        # no earlier run of this source system: the map's rows of the system are this
        # run's (the verification counts them from the map's index alone; asked while
        # that index is there)
        first_of_system = not any(len(reg.existing[t]) for t in DATA_TABLES) and \
            con.execute('SELECT 1 FROM migration_legacy_ids WHERE "sourceSystem"=? '
                        'LIMIT 1', (self.profile.source_system,)).fetchone() is None
        dropped = self._drop_indexes_for_bulk_load(con)
        fresh = {t for t in DATA_TABLES if t in self.targets and con.execute(
            f"SELECT 1 FROM {quote_ident(t)} LIMIT 1").fetchone() is None}
        verifier = Verifier(con, self.profile.source_system, run_id, self.targets, fresh,
                            first_of_system)
        sink = _Importer(con, self.profile.source_system, run_id, verifier, cancel)
        return reg, dropped, verifier, sink

    def _build_indexes(self, con: sqlite3.Connection, dropped: list[str], progress) -> None:
        """Rebuild the secondary indexes dropped for the load, sorted once, and refresh the
        statistics HMSync's queries plan with."""
        if progress and dropped:
            progress(Progress("index", "", "", 0, len(dropped)))
        memory.release_freed_memory()  # the registry's and the chunks' heap, to the OS
        con.execute(f"PRAGMA cache_size = {INDEX_CACHE}")
        con.execute("PRAGMA threads = 2")  # the index sorter may use the second core
        for sql in dropped:
            con.execute(sql)
        con.execute("PRAGMA analysis_limit = 1000")
        for t in DATA_TABLES:  # (the wizard's own legacy-id map needs no statistics)
            if t in self.targets:
                con.execute(f"ANALYZE {quote_ident(t)}")
        con.execute(f"PRAGMA cache_size = {VERIFY_CACHE}")

    def _finish(self, con: sqlite3.Connection, run_id: int, stats: dict, dry_run: bool,
                passed: bool, laps: "_Laps") -> tuple[str, bool]:
        """Commit a verified import (closing its run in the audit trail) or roll it back;
        returns (status, committed)."""
        if dry_run or not passed:
            con.execute("ROLLBACK")
            logs.log_line(f"import into {self.target.name}: "
                          f"{'dry run' if dry_run else 'verification failed'}; rolled back")
            return ("dry-run (rolled back)" if dry_run else
                    "verification failed (rolled back)"), False
        counts = {t: s.to_dict() for t, s in stats.items()}
        con.execute('UPDATE migration_runs SET "finishedAt"=?, status=?, counts=? '
                    'WHERE id=?', (datetime.now().isoformat(timespec="seconds"),
                                   "committed", json.dumps(counts), run_id))
        con.execute("COMMIT")
        laps("commit")
        return "committed", True

    def _drop_indexes_for_bulk_load(self, con: sqlite3.Connection) -> list[str]:
        """Drop the secondary indexes of tables about to receive more rows than they hold
        (inside the import's transaction); returns the SQL that recreates them."""
        incoming: dict[str, int] = {}
        for st, tm in self.plan:
            incoming[tm.target] = incoming.get(tm.target, 0) + st.estimate_rows()
        if self._delta_run is None:  # (a delta looks records up by legacy id as it goes)
            incoming[legacy_map.ROWS] = sum(incoming.values())
        recreate = []
        for table, n in incoming.items():
            have = con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()[0]
            if n <= have:
                continue  # a delta: maintaining the indexes costs less than rebuilding them
            for name, sql in con.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name=? "
                    "AND sql IS NOT NULL", (table,)).fetchall():
                con.execute(f"DROP INDEX {quote_ident(name)}")
                recreate.append(sql)
        return recreate

    def _source_list(self) -> list[dict]:
        return [{"file": str(st.path), "table": st.name, "sha256": st.sha256()}
                for st, _ in self.plan]


class _Laps:
    """Seconds spent in each phase of an import (the report's ``timings_s``): each call
    closes the phase named, timed from the previous call."""

    def __init__(self):
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self._last, 3)
        self._last = now


#: column names a note lists before "and N more"
NAMES_NOTED = 20


def _names(columns: list[str]) -> str:
    more = f" and {len(columns) - NAMES_NOTED} more" if len(columns) > NAMES_NOTED else ""
    return ", ".join(columns[:NAMES_NOTED]) + more

#: rows per INSERT statement, and the parameters one may bind (SQLite's limit before 3.32;
#: the limit is higher since)
ROWS_PER_INSERT = 50
_MAX_PARAMS = 999


def _person_key(target: TargetTable) -> tuple[str, ...]:
    """The table's person_key, when the table has every field of it (else none)."""
    key = target.person_key
    return tuple(key) if key and all(f in target.fields for f in key) else ()


def _person_keys(target: TargetTable, key: tuple[str, ...], columns, absent=None) -> list[str]:
    """The person key of each record, as one text: ``columns`` holds the values of each of
    the key's fields (``absent`` stands for an empty value); a text field is compared
    without case or outer spaces, a phone or a date as converted."""
    parts = []
    for f, col in zip(key, columns):
        if absent is not None:
            col = [v or absent for v in col]
        if target.fields[f].kind == "text":
            parts.append([str(v).strip().lower() for v in col])
        else:
            parts.append([str(v) for v in col])
    return ["\x1f".join(p) for p in zip(*parts)]


def _start_flush() -> threading.Thread | None:
    """Start writing to disk what the import has written so far, in a thread, while the
    verification reads: the commit's own flush is then short. At 2.28M records the index
    builds leave hundreds of MB the OS has not written yet (it waits up to 30 s), and the
    commit waited 0.1-2.5 s for them; with this, 0.01 s (interleaved runs).

    ``sync()``, the whole system's flush: it needs no descriptor of the target. Opening and
    closing one in this process would drop SQLite's locks on the file (POSIX locks belong to
    the process, and any close releases them all), and another program could then roll our
    journal back under us. Safe at any moment: SQLite syncs the rollback journal before it
    writes a page into the file, so this only does early what the OS may do at any time.
    Not waited for: the commit's own flush finishes what is still under way."""
    if not hasattr(os, "sync"):  # POSIX; elsewhere the commit does all of it
        return None
    th = threading.Thread(target=os.sync, name="early-flush", daemon=True)
    th.start()
    return th


def _plain_db_error(e: BaseException) -> str:
    msg = str(e)
    if isinstance(e, OSError) and e.errno == 28 or "full" in msg:
        return "the disk is full"
    if "locked" in msg or "busy" in msg:
        return "the database is locked by another program (is HMSync still running?)"
    if isinstance(e, OSError):
        return e.strerror or type(e).__name__
    return msg


def _operator() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return os.environ.get("USERNAME", "unknown")


@dataclass
class RunResult:
    status: str
    committed: bool
    run_id: int | None
    validation: ValidationResult
    verification: "Verification"
    backup: BackupResult | None
    started: str
    finished: str
    timings: dict = field(default_factory=dict)
    operator: str = ""           # who ran it, as the audit trail has it
    delta: DeltaResult | None = None   # updates, conflicts and records gone (a re-run)

    @property
    def passed(self) -> bool:
        return self.verification.passed


class _Importer:
    """Inserts accepted records of a chunk, in the open transaction, with batched executemany."""

    def __init__(self, con: sqlite3.Connection, source_system: str, run_id: int, verifier,
                 cancel: CancelToken | None):
        self.con, self.system, self.run_id = con, source_system, run_id
        self.verifier, self.cancel = verifier, cancel
        self._sql: dict[tuple, str] = {}
        #: HMSync table -> the columns of its composite legacy id ([]: one column)
        self.id_columns: dict[str, list[str]] = {}
        self.field_sets = FieldSets(con)   # the fields each fingerprint covers
        self.legacy_map = LegacyMap(con)

    def __call__(self, st: SourceTable, tm: TableMap, target: TargetTable, mc: MappedChunk,
                 accept: np.ndarray, present: np.ndarray, reg: _Registry,
                 ref_keys: dict[str, np.ndarray], parents: dict) -> np.ndarray:
        """Insert the accepted records; returns the numbers of their new HMSync ids."""
        t = tm.target
        ids = mc.legacy_id
        idx = np.flatnonzero(accept)
        keep = accept | present
        if present.any():  # already in HMSync: counted in the totals, not inserted again
            self.con.executemany('INSERT OR IGNORE INTO temp.run_present VALUES (?, ?)',
                                 ((t, x) for x in ids[present].tolist()))
        k = len(idx)
        if not k:
            self.verifier.observe(t, mc, keep, [])
            return np.zeros(0, dtype=np.uint32)
        numbers = reg.run_ids.take(k)
        hids = reg.run_ids.text(numbers)
        cols = ["id"]
        data = [hids]
        everything = k == len(accept)  # the usual chunk: every record goes in
        for fname, values in mc.values.items():
            f = target.fields[fname]
            v = values if everything else values.iloc[idx]
            if f.references:
                notnull = v.notna().to_numpy()
                known = parents.get(fname)
                resolved = reg.resolve(f.references, ref_keys[fname][idx], known and (
                    known[0][idx], known[1][idx]))
                v = resolved if notnull.all() else \
                    [r if ok else None for r, ok in zip(resolved, notnull.tolist())]
            else:
                if f.default is not None:
                    v = v.where(v.notna(), f.default)
                v = v.tolist()
            cols.append(fname)
            data.append(v)
        head = f"INSERT INTO {quote_ident(t)} ({', '.join(quote_ident(c) for c in cols)}) VALUES"
        try:
            self._insert(head, "(" + ", ".join("?" * len(cols)) + ")", data)
        except sqlite3.IntegrityError as e:
            raise MigrationError(f"{st.name}: HMSync refused a record ({e}); nothing was "
                                 f"imported") from None
        lines = mc.lines[idx].tolist()
        ids_acc = ids.tolist() if k == len(ids) else ids.iloc[idx].tolist()
        # the values as written: a re-run tells changed records by this (delta.py)
        fps = fingerprints(target, dict(zip(cols[1:], data[1:])))
        key = self.id_columns.get(t)
        key = json.dumps(key, ensure_ascii=False) if key else None
        fset = int(self.field_sets.id_for(t, cols[1:]))
        scope = self.legacy_map.scope(self.system, t, create=True)
        file = self.legacy_map.file(st.name, key, create=True)
        # what is the same for every row is written into the statement
        self._insert(self.legacy_map.insert_head(),
                     f"({scope}, ?, ?, {int(self.run_id)}, {file}, ?, ?, {fset})",
                     [ids_acc, hids, lines, fps])
        self.verifier.row_spans.note(self.con, st.name, t, k)
        if mc.extras:
            from .extras import insert_extras
            insert_extras(self.con, t, mc.extras, idx, hids)
        self.verifier.observe(t, mc, keep, list(zip(idx.tolist(), hids)))
        return numbers

    def _insert(self, head: str, row: str, columns: list[list]) -> None:
        """Insert rows given as columns of values (equal lengths): ``head`` is the INSERT up
        to VALUES, ``row`` one row's parenthesised values with a ``?`` per column. Many
        rows go into each statement: SQLite then runs one statement per group instead of
        one per row, and binding is the same (a quarter faster, measured)."""
        n = len(columns[0]) if columns else 0
        if not n:
            return
        width = len(columns)
        per = max(1, min(ROWS_PER_INSERT, _MAX_PARAMS // width))
        # one list of every value, row after row, filled a column at a time (slice
        # assignment: no tuple per row, as zip would make)
        flat = [None] * (n * width)
        for j, col in enumerate(columns):
            flat[j::width] = col
        groups, rest = divmod(n, per)
        step = per * width
        if groups:
            sql = self._sql.get((head, row, per))
            if sql is None:
                sql = self._sql[(head, row, per)] = f"{head} {', '.join([row] * per)}"
            self.con.executemany(sql, (flat[i:i + step] for i in range(0, groups * step, step)))
        if rest:
            self.con.execute(f"{head} {', '.join([row] * rest)}", flat[groups * step:])
