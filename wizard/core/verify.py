"""Verification of an import: reconciliation, relationships, totals, spot check, integrity.

Runs inside the import's transaction (so a failure rolls everything back) and, for the
integrity checks, again after the commit. Every check is ``{name, passed, detail}``.
"""
from __future__ import annotations

import math
import os
import random
import sqlite3
import threading
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import nested_cells
from .errors import CannotVerify  # noqa: F401 (imported from here too)
from .schema import DATA_TABLES, TargetTable, quote_ident
from .rowspans import RowSpans
from .words import counted

if TYPE_CHECKING:
    from .cells import CellAccounting

SPOT_PER_TABLE = 25
PER_CHUNK = 5
TOLERANCE = 0.005


#: a grouped totals check holds its per-value totals under this prefix and the group's
#: label: ``per_doctor`` = {legacy id: {source, hmsync}}
GROUP_KEY_PREFIX = "per_"


def _plural(noun: str) -> str:
    """English plural of a field's label (consultation fee -> consultation fees)."""
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u", ""):
        return noun[:-1] + "ies"
    return noun + "s"


class CheckKind(str, Enum):
    """What a check compares: the wizard lays each kind out its own way, the report names
    it (``kind`` in the JSON)."""
    RECONCILIATION = "reconciliation"   # a table's records: source = imported + ...
    RELATIONSHIPS = "relationships"     # references that point at existing records
    TOTALS = "totals"                   # a money field's total, source against HMSync
    SPOT = "spot_check"                 # sampled records read back
    INTEGRITY = "integrity"             # SQLite's own check of the file
    CELLS = "cells"                     # a legacy table's non-empty cells, accounted for


@dataclass
class Check:
    """One check of a verification; ``to_dict`` is its form in the run report."""
    name: str
    passed: bool
    kind: CheckKind
    detail: str = ""
    table: str | None = None        # the HMSync table a reconciliation is about
    source: float | None = None     # a total as the legacy export holds it
    hmsync: float | None = None     # the same total in HMSync
    extra: dict = field(default_factory=dict)   # e.g. per_doctor: totals per doctor

    def to_dict(self) -> dict:
        d = {"name": self.name, "passed": bool(self.passed), "detail": self.detail,
             "kind": self.kind.value}
        for k in ("table", "source", "hmsync"):
            if getattr(self, k) is not None:
                d[k] = getattr(self, k)
        d.update(self.extra)
        return d


@dataclass
class Verification:
    """What the verification of an import found: per-table counts (the report's
    ``tables``) and every check."""
    tables: dict[str, dict]
    checks: list[Check]
    cells: "CellAccounting | None" = None   # every cell of the export, accounted for

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]


@dataclass
class TargetVerification:
    """What ``verify`` finds in a database without its export: checks, the audit trail's
    runs and the row counts."""
    checks: list[Check]
    runs: list[dict]
    counts: dict[str, int]
    #: each committed run's cell accounting, as it counted it (cell_audit.RunCells)
    cells: list = field(default_factory=list)
    cells_note: str = ""   # why the cells shown are the runs' (or why there are none)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_dict(self) -> dict:
        return {"checks": [c.to_dict() for c in self.checks], "runs": self.runs,
                "counts": self.counts, "passed": self.passed,
                "cells": {"note": self.cells_note,
                          "runs": [r.to_dict() for r in self.cells]}}


def _check(name: str, passed: bool, kind: CheckKind, detail: str = "", **extra) -> Check:
    known = {k: extra.pop(k) for k in ("table", "source", "hmsync") if k in extra}
    return Check(name, bool(passed), kind, detail, extra=extra, **known)


class Verifier:
    def __init__(self, con: sqlite3.Connection, source_system: str, run_id: int | None,
                 targets: dict[str, TargetTable], fresh: set[str] | frozenset = frozenset(),
                 first_of_system: bool = False):
        self.con, self.system, self.run_id, self.targets = con, source_system, run_id, targets
        # tables that held no rows before this run: every row in them is this export's
        self.fresh = set(fresh)
        # the legacy-id map held no row of this source system before this run
        self.first_of_system = first_of_system
        self._counts: dict[str, int] | None = None
        self.source_totals: dict[str, dict[str, float]] = {}
        #: (table, field) -> the source's totals of a field declared total_by, per value
        self.group_totals: dict[tuple[str, str], dict[str, float]] = {}
        self.samples: dict[str, list[tuple[str, dict]]] = {}
        self._rng = random.Random(20261125)
        #: where the import put each file's rows, for the cell accounting (rowspans.py)
        self.row_spans = RowSpans()

    # --- during the import -------------------------------------------------------------
    def observe(self, table: str, mc, keep: np.ndarray, imported: list[tuple[int, str]]):
        """Record the source side of a chunk: totals over accepted (and already present)
        records, and a sample of imported records for the spot check."""
        target = self.targets[table]
        tot = self.source_totals.setdefault(table, {})
        for fname, values in mc.values.items():
            f = target.fields[fname]
            if not f.total:
                continue
            arr = _numbers(mc, fname)[keep]
            tot[fname] = tot.get(fname, 0.0) + float(np.nansum(arr))
            if f.total_by is not None and f.total_by in mc.values:
                amounts = pd.Series(np.nan_to_num(arr, nan=0.0))
                by = mc.values[f.total_by][keep].reset_index(drop=True)
                acc = self.group_totals.setdefault((table, fname), {})
                for k, s in amounts.groupby(by.astype(str)).sum().items():
                    acc[k] = acc.get(k, 0.0) + float(s)
        # a sample of imported records: a few random ones from every chunk, thinned at
        # the end to SPOT_PER_TABLE spread over the whole table
        if imported:
            picks = self._rng.sample(range(len(imported)), min(PER_CHUNK, len(imported)))
            self.samples.setdefault(table, []).extend(
                (imported[j][1], self._row(mc, imported[j][0])) for j in picks)

    @staticmethod
    def _row(mc, i) -> dict:
        return {f: v.iat[i] for f, v in mc.values.items()}

    # --- checks ----------------------------------------------------------------------------
    def verify(self, stats) -> Verification:
        checks = []
        tables = {}
        for t, s in stats.items():
            imported = self._imported_count(t)
            # a re-run: the records already in HMSync, by what became of them (delta.py)
            kept = getattr(s, "conflicts_kept", 0)
            delta = (getattr(s, "updated", 0), getattr(s, "unchanged", 0), kept)
            filtered = getattr(s, "filtered", 0)
            ok = (s.source_rows == imported + s.duplicates + s.rejected + s.deferred +
                  filtered) and \
                imported == s.valid and (not any(delta) or sum(delta) == s.duplicates)
            tables[t] = s.to_dict()
            tables[t]["imported"] = imported
            tables[t]["inserted"] = imported
            split = (f" (updated {delta[0]} + unchanged {delta[1]} + conflicts kept as "
                     f"HMSync has them {delta[2]})") if any(delta) else ""
            checks.append(_check(
                f"reconciliation: {t}", ok, CheckKind.RECONCILIATION,
                f"source {s.source_rows} = imported {imported} + duplicates {s.duplicates}"
                f"{split} + rejected {s.rejected}" +
                (f" + deferred {s.deferred} (outside the pilot)" if s.deferred else "")
                + (f" + filtered {filtered} (" + "; ".join(
                    f"{src}: where {w}" for src, w in s.where.items()) + ")"
                   if filtered else "")
                + ("" if ok else f" (expected to import {s.valid})"),
                table=t))
        checks.extend(self.relationship_checks())
        totals = self.totals_checks(stats)
        checks.extend(totals)
        checks.append(self.spot_check())
        return Verification(tables, checks)

    def account_cells(self, verification: Verification, plan, profile, problems,
                      deferred, chunk_rows: int, cancel=None, filtered=None,
                      delta=None, tally=None) -> None:
        """Read the legacy files again, on their own, and add to ``verification``: every
        column's cells accounted for, each money total over every row, and the spot check
        of records mapped afresh (in place of the one over the import's own values).
        ``filtered``: file -> lines a profile's filter left out (counted apart); ``tally``:
        the cells as the import read them (tally.py), which spares the second read."""
        from .cells import account
        acc = account(self.con, plan, self.targets, profile, problems, deferred,
                      self.run_id, chunk_rows, cancel, filtered, delta, tally,
                      self.row_spans)
        verification.cells = acc
        checks = verification.checks
        for tc in acc.tables:
            lost = [c for c in tc.columns.values() if c.not_accounted]
            upd = (f" ({tc.total('updated'):,} of them updated)"
                   if tc.total("updated") else "")
            inside = [c for c in tc.columns.values() if nested_cells.left_inside([c])]
            n_inside = sum(c.left_behind for c in inside)
            detail = (f"{tc.total('non_empty'):,} non-empty cells = imported "
                      f"{tc.total('imported'):,}{upd} + rejected {tc.total('rejected'):,} + "
                      f"duplicates {tc.total('duplicates'):,} + left behind on purpose "
                      f"{tc.total('left_behind') - n_inside:,}")
            if inside:  # (keys of objects read by path that no field reads: named)
                detail += (f" + left behind inside objects (no field reads them) "
                           f"{n_inside:,}: {', '.join(c.column for c in inside)}")
            for what, label in (("filtered", "filtered out"), ("deferred", "outside the pilot"),
                                ("blanked", "blanked by a warning")):
                if tc.total(what):
                    detail += f" + {label} {tc.total(what):,}"
            if lost:
                detail += (f"; NOT accounted for: {tc.not_accounted:,} in column(s) no field "
                           f"reads and not left behind on purpose: "
                           f"{', '.join(c.column for c in lost)}")
            checks.append(_check(f"cells: {tc.source}", not lost and all(
                c.balances for c in tc.columns.values()), CheckKind.CELLS, detail,
                table=tc.target, source_table=tc.source))
        held = {}
        for c in checks:
            if c.kind == CheckKind.TOTALS and c.hmsync is not None:
                held[c.name] = c.hmsync
        # a table with a filter shows what it left out even when that is nothing
        has_filter = {tm.target for _, tm in plan if getattr(tm, "where", None)}
        for mt in acc.totals:
            mt.hmsync = held.get(f"totals: {mt.table}.{mt.field}")
            parts = (f"imported {mt.imported:,.2f} + rejected {mt.rejected:,.2f} + "
                     f"duplicates {mt.duplicates:,.2f}")
            if mt.deferred:
                parts += f" + outside the pilot {mt.deferred:,.2f}"
            if mt.filtered or mt.table in has_filter:
                parts += f" + filtered out {mt.filtered:,.2f}"
            checks.append(_check(
                f"totals over every row: {mt.table}.{mt.field}", mt.passed, CheckKind.TOTALS,
                f"legacy files {mt.source:,.2f} = {parts}"
                + (f"; HMSync {mt.hmsync:,.2f}" if mt.hmsync is not None else "")
                + (f"; {counted(mt.unreadable, 'value')} not a number"
                   if mt.unreadable else "")
                + (f"; {counted(mt.misread, 'value')} read at 10, 100, ... times (or a "
                   "tenth, ...) what the cell shows: see the amount_scale warnings"
                   if mt.misread else ""),
                all_rows=mt.to_dict()))
        spot = acc.spot
        detail = (f"{counted(spot.compared, 'record', thousands=False)} compared, mapped "
                  "afresh from the legacy files")
        if not spot.compared and not spot.eligible:
            detail += " (no record of this export is in HMSync: nothing to compare)"
        elif not spot.compared:
            detail += " (nothing to compare is no proof)"
        if spot.missing:
            detail += f"; {spot.missing} sampled record(s) not found in HMSync"
        if spot.differ:
            detail += f"; differ: {spot.differ[:5]}"
        if spot.edited:
            detail += (f"; {spot.edited} differ as HMSync was edited since the last run "
                       "(its own edits stand)")
        new = _check("spot check: sampled records read back equal the source", spot.passed,
                     CheckKind.SPOT, detail)
        at = next((i for i, c in enumerate(checks) if c.kind == CheckKind.SPOT), None)
        if at is None:
            checks.append(new)
        else:
            checks[at] = new

    def _imported_count(self, t: str) -> int:
        if self.run_id is None:
            return 0
        if self._counts is None:  # one pass over the legacy-id map for every table
            if self.first_of_system:  # all the system's rows are this run's: the map's
                # unique index (system, table, legacy id) counts them, a third of the reading
                sql, args = ('SELECT "tableName", count(*) FROM migration_legacy_ids WHERE '
                             '"sourceSystem"=? GROUP BY "tableName"', (self.system,))
            else:
                sql, args = ('SELECT "tableName", count(*) FROM migration_legacy_ids WHERE '
                             '"runId"=? GROUP BY "tableName"', (self.run_id,))
            self._counts = dict(self.con.execute(sql, args).fetchall())
        return self._counts.get(t, 0)

    def relationship_checks(self) -> list[Check]:
        broken = 0
        for t in DATA_TABLES:
            if t in self.targets:
                broken += foreign_key_check(self.con, t)
        return [_check("relationships: foreign_key_check", not broken, CheckKind.RELATIONSHIPS,
                       "no broken references" if not broken else
                       f"{broken} references point at missing records")]

    def _ours(self, alias: str, table: str) -> str:
        """SQL condition: the row of ``alias`` is a record of this export (imported by this
        run, or already in HMSync from an earlier one)."""
        if table in self.fresh:
            return "1"  # the table was empty before this run
        return (f"{alias}.id IN (SELECT l.\"hmsyncId\" FROM migration_legacy_ids l WHERE "
                f"l.\"tableName\"='{table}' AND l.\"sourceSystem\"=:system AND "
                f"(l.\"runId\"=:run OR l.\"legacyId\" IN (SELECT p.\"legacyId\" FROM "
                f"temp.run_present p WHERE p.\"tableName\"='{table}')))")

    def _db_sums(self, t: str, fields: list[str], group: str | None = None
                 ) -> dict[str | None, list[float]]:
        """Sums of ``fields`` over this export's rows of ``t`` in one pass, per ``group``
        value (or under the key None)."""
        # a fresh table is read straight through (an index would only add random reads)
        source = f"{quote_ident(t)} c" + (" NOT INDEXED" if t in self.fresh else "")
        where = self._ours("c", t)
        args = {"system": self.system, "run": self.run_id}
        if group is None:
            cols = ", ".join(f"total(c.{quote_ident(f)})" for f in fields)
            row = self.con.execute(f"SELECT {cols} FROM {source} WHERE {where}", args
                                   ).fetchone()
            return {None: [float(x or 0.0) for x in row]}
        # per group: the rows are summed here as they are read. SQLite's GROUP BY would sort
        # every row by its key first (a million visits: three times the reading itself);
        # a few hundred groups fit in a dict
        cols = ", ".join(f"CAST(c.{quote_ident(f)} AS REAL)" for f in fields)  # as total()
        cur = self.con.execute(f"SELECT c.{quote_ident(group)}, {cols} FROM {source} "
                               f"WHERE {where}", args)
        if len(fields) == 1:  # (the usual case: HMSync's fees per doctor) a float per group
            one: dict[str | None, float] = {}
            get = one.get
            while rows := cur.fetchmany(SUM_BATCH):
                for key, v in rows:
                    one[key] = get(key, 0.0) + (v or 0.0)
            return {k: [v] for k, v in one.items()}
        sums: dict[str | None, list[float]] = {}
        while rows := cur.fetchmany(SUM_BATCH):
            for key, *values in rows:
                acc = sums.get(key)
                if acc is None:
                    acc = sums[key] = [0.0] * len(fields)
                for i, v in enumerate(values):
                    if v is not None:
                        acc[i] += v
        return sums

    def totals_checks(self, stats) -> list[Check]:
        """The total of every field declared ``total`` (as summed from the source) against
        this export's rows in HMSync; then, for a field declared ``total_by``, its totals
        per value of that field (per legacy id, for a reference)."""
        out = []
        grouped = []
        for t, fields in self.source_totals.items():
            names = list(fields)
            if not names:
                continue
            target = self.targets[t]
            by = {f: target.fields[f].total_by for f in names
                  if target.fields[f].total_by in target.fields}
            group = next(iter(by.values()), None)  # the table's one pass sums per this
            sums = self._db_sums(t, names, group)
            for i, fname in enumerate(names):
                src = fields[fname]
                db = math.fsum(v[i] for v in sums.values())
                ok = math.isclose(src, db, abs_tol=TOLERANCE)
                out.append(_check(f"totals: {t}.{fname}", ok, CheckKind.TOTALS,
                                  f"source {src:,.2f}, HMSync {db:,.2f}", source=round(src, 2),
                                  hmsync=round(db, 2)))
            for fname, g in by.items():
                if g == group:
                    grouped.append((t, fname, g, sums, names.index(fname)))
                else:  # grouped otherwise than the table's pass: a pass of its own
                    grouped.append((t, fname, g, self._db_sums(t, [fname], g), 0))
        for t, fname, g, sums, i in grouped:
            out.append(self._group_check(t, fname, g, sums, i))
        return out

    def _group_check(self, t: str, fname: str, by: str, sums: dict, i: int) -> Check:
        """Totals of ``t.fname`` per value of ``by``: HMSync's (``sums``, column ``i``)
        against the source's; a reference's values are compared as legacy ids."""
        target = self.targets[t]
        parent = target.fields[by].references
        legacy = None
        if parent:
            legacy = dict(self.con.execute(
                'SELECT "hmsyncId", "legacyId" FROM migration_legacy_ids WHERE '
                '"tableName"=? AND "sourceSystem"=?', (parent, self.system)).fetchall())
        db: dict[str, float] = {}
        for hid, v in sums.items():
            k = str(legacy.get(hid)) if legacy is not None else str(hid)
            db[k] = db.get(k, 0.0) + v[i]
        src = self.group_totals.get((t, fname), {})
        keys = set(db) | set(src)
        off = sorted(k for k in keys if not math.isclose(db.get(k, 0.0), src.get(k, 0.0),
                                                         abs_tol=TOLERANCE))
        what = target.fields[by].label or by
        per = {k: {"source": round(src.get(k, 0.0), 2), "hmsync": round(db.get(k, 0.0), 2)}
               for k in sorted(keys)}
        # e.g. "totals: consultation fees per doctor", "12 doctors compared", per_doctor
        return _check(f"totals: {_plural(target.fields[fname].label or fname)} per {what}",
                      not off, CheckKind.TOTALS,
                      f"{len(keys)} {what if len(keys) == 1 else _plural(what)} compared"
                      + (f"; differ: {off[:10]}" if off else ""),
                      **{GROUP_KEY_PREFIX + what.replace(" ", "_"): per})

    def spot_check(self) -> Check:
        checked, wrong = 0, []
        for t, rows in self.samples.items():
            if len(rows) > SPOT_PER_TABLE:
                rows = self._rng.sample(rows, SPOT_PER_TABLE)
            target = self.targets[t]
            for hid, expected in rows:
                cols = [f for f in expected if not target.fields[f].references]
                if not cols:
                    continue
                got = self.con.execute(
                    f"SELECT {', '.join(quote_ident(c) for c in cols)} FROM {quote_ident(t)} "
                    f"WHERE id=?", (hid,)).fetchone()
                checked += 1
                if got is None:
                    wrong.append(f"{t}: a sampled record is missing")
                    continue
                for c, g in zip(cols, got):
                    e = expected[c]
                    if e is None and target.fields[c].default is not None:
                        e = target.fields[c].default
                    if not _same(e, g):
                        wrong.append(f"{t}.{c} differs")
                        break
        return _check("spot check: sampled records read back equal the source", not wrong,
                      CheckKind.SPOT, f"{checked} record{'' if checked == 1 else 's'} compared" + (f"; {wrong[:5]}" if wrong else ""))

    def post_commit(self, full: bool = False) -> list[Check]:
        """SQLite's own check of the file after the commit. By default ``quick_check``:
        every page and b-tree of the file well formed, each page used once, every record
        readable, NOT NULL and CHECK constraints held. It does not compare each index
        entry with its row nor re-check UNIQUE constraints: the indexes a bulk load
        dropped were just rebuilt from the rows (a unique one does not build over a
        duplicate), the primary keys' kept through the load; what an import must prove
        besides (every reference resolves, the counts reconcile, sampled records equal
        the files) the checks before the commit proved.
        ``full``: the whole ``integrity_check`` (indexes against rows too), as the backup
        and ``hmsync-migrate verify`` always run."""
        if full:
            res = integrity_check(self.con)
            return [_check("integrity_check", res == ["ok"], CheckKind.INTEGRITY,
                           "; ".join(res)[:300])]
        res = quick_check(self.con)
        return [_check("quick_check", res == ["ok"], CheckKind.INTEGRITY,
                       "; ".join(res)[:300])]


def foreign_key_check(con: sqlite3.Connection, table: str) -> int:
    """How many references of ``table`` point at no record: what ``PRAGMA
    foreign_key_check(table)`` counts.

    A single-column reference to a parent's ``id`` is checked value by value instead of row
    by row: each distinct value once, read in order from the column's index (a million
    visits of 200,000 patients: 200,000 look-ups, not a million). Anything else is left to
    the PRAGMA itself."""
    fks: dict[int, list] = {}
    for row in con.execute(f"PRAGMA foreign_key_list({quote_ident(table)})"):
        fks.setdefault(row[0], []).append(row)
    simple = []
    for rows in fks.values():
        if len(rows) != 1 or rows[0][4] not in (None, "id"):
            return len(con.execute(f"PRAGMA foreign_key_check({quote_ident(table)})").fetchall())
        parent, column = rows[0][2], rows[0][3]
        if not con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                           (parent,)).fetchone():
            return len(con.execute(f"PRAGMA foreign_key_check({quote_ident(table)})").fetchall())
        simple.append((parent, column))
    broken = 0
    for parent, column in simple:
        c, p = quote_ident(column), quote_ident(parent)
        missing = con.execute(
            f"SELECT count(*) FROM (SELECT DISTINCT {c} AS k FROM {quote_ident(table)} "
            f"WHERE {c} IS NOT NULL) v WHERE NOT EXISTS (SELECT 1 FROM {p} WHERE {p}.id = v.k)"
        ).fetchone()[0]
        if missing:  # count the records, as the PRAGMA does
            broken += con.execute(
                f"SELECT count(*) FROM {quote_ident(table)} t WHERE t.{c} IS NOT NULL AND "
                f"NOT EXISTS (SELECT 1 FROM {p} WHERE {p}.id = t.{c})").fetchone()[0]
    return broken


#: rows fetched at a time while summing per group
SUM_BATCH = 20_000

INTEGRITY_CACHE = -32768  # KiB, for each of the two connections


def quick_check(con: sqlite3.Connection) -> list[str]:
    """``PRAGMA quick_check``: ["ok"] or the problems found (a file too damaged to be
    checked says so, as a problem found)."""
    try:
        con.execute(f"PRAGMA cache_size = {INTEGRITY_CACHE}")
        return [r[0] for r in con.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as e:
        return [f"the file could not be checked: {e}"]


def integrity_check(con: sqlite3.Connection) -> list[str]:
    """``PRAGMA integrity_check`` of a file database, spread over two connections.

    The file's structure (every b-tree, the free list) is checked once by ``quick_check``;
    each table's indexes are checked against its rows by ``integrity_check(table)``. Together
    that is what a whole ``integrity_check`` checks, and the two halves run side by side
    (SQLite works without Python's lock). Returns ["ok"] or the problems found.
    """
    # as bytes: a file name need not be UTF-8 (Linux), and SQLite hands it back as it is
    raw = con.execute("SELECT CAST(file AS BLOB) FROM pragma_database_list WHERE "
                      "name = 'main'").fetchone()[0]
    path = os.fsdecode(raw) if raw else ""
    if not path or con.in_transaction:
        return [r[0] for r in con.execute("PRAGMA integrity_check")]
    work = _longest_first(con)
    lock = threading.Lock()
    found: list[str] = []

    def worker(c: sqlite3.Connection):
        while True:
            with lock:
                if not work:
                    return
                item = work.pop(0)
            sql = "PRAGMA quick_check" if item is None else \
                f"PRAGMA integrity_check({quote_ident(item)})"
            rows = [r[0] for r in c.execute(sql)]
            if rows != ["ok"]:
                with lock:
                    found.extend(rows)

    # checking an index against its table reads pages again and again: with SQLite's
    # default 2 MB cache that costs twice the time; 32 MB per connection does as well as 64
    cache = INTEGRITY_CACHE
    con.execute(f"PRAGMA cache_size = {cache}")
    errors: list[BaseException] = []

    def run_other():
        from .backup import connect
        try:
            other = connect(Path(path), readonly=True)
            try:
                other.execute(f"PRAGMA cache_size = {cache}")
                worker(other)
            finally:
                other.close()
        except BaseException as e:  # reported by the calling thread
            errors.append(e)

    th = threading.Thread(target=run_other, name="integrity-check", daemon=True)
    th.start()
    try:
        worker(con)
    finally:
        th.join()
    if errors:
        raise errors[0]
    return found or ["ok"]


#: what the quick_check of one page costs, in index entries checked (measured: 2.4 s for a
#: 880 MB file, 3.6 s for a table of 2.3M rows with one index)
QUICK_CHECK_ENTRIES_PER_PAGE = 14


def _longest_first(con: sqlite3.Connection) -> list[str | None]:
    """The integrity check's items, the longest first (each goes to whichever connection is
    free, so the two finish close together; a fixed order left one with the quick_check
    and the largest table). A table stands for ``integrity_check(table)``, None for the
    ``quick_check``."""
    tables = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
    cost: dict[str | None, int] = {t: _entries(con, t) for t in tables}
    cost[None] = QUICK_CHECK_ENTRIES_PER_PAGE * con.execute("PRAGMA page_count").fetchone()[0]
    return sorted(cost, key=lambda t: -cost[t])


def _entries(con: sqlite3.Connection, table: str) -> int:
    """What checking a table costs, roughly: its rows (its highest rowid; 0 for WITHOUT
    ROWID tables) times the entries each has in the table and its indexes."""
    try:
        rows = con.execute(f"SELECT max(rowid) FROM {quote_ident(table)}").fetchone()[0] or 0
    except sqlite3.OperationalError:
        return 0
    indexes = con.execute("SELECT count(*) FROM sqlite_master WHERE type='index' AND "
                          "tbl_name=?", (table,)).fetchone()[0]
    return rows * (1 + indexes)


def _numbers(mc, fname: str) -> np.ndarray:
    """A mapped field's values as float64 (NaN for none): the array the conversion made,
    or the values read again."""
    arr = getattr(mc, "arrays", {}).get(fname)
    if arr is not None and arr.dtype.kind == "f":
        return arr
    return pd.to_numeric(mc.values[fname], errors="coerce").to_numpy(dtype="float64",
                                                                      na_value=np.nan)


def _same(e, g) -> bool:
    if e is None or g is None:
        return e is None and g is None
    if isinstance(e, (int, float)) or isinstance(g, (int, float)):
        try:
            return math.isclose(float(e), float(g), abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return str(e) == str(g)


def verify_target(path, source_system: str | None = None) -> TargetVerification:
    """Checks that need no source: integrity, relationships, and what the audit trail says.
    Raises CannotVerify for a missing file, a folder, a file that is not SQLite, a database
    without HMSync's tables or one locked by another program."""
    from .backup import connect_to_read
    p = Path(path)
    if p.is_dir():
        raise CannotVerify(f"{p} is a folder, not an HMSync database file")
    if not p.is_file():
        raise CannotVerify(f"{p} does not exist")
    con = None
    try:
        con = connect_to_read(p)  # a hot journal (a killed restore) is rolled back first
        con.execute("PRAGMA cache_size = -65536")
        have = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as e:
        if con is not None:
            con.close()
        if "locked" in str(e) or "busy" in str(e):
            raise CannotVerify(f"{p.name} is locked by another program (is HMSync still "
                               "running?); close it and try again") from None
        raise CannotVerify(f"{p.name} is not a readable SQLite database ({e})") from None
    missing = [t for t in DATA_TABLES if t not in have]
    if missing:
        con.close()
        raise CannotVerify(f"{p.name} is not an HMSync database (no table "
                           f"{', '.join(missing)})")
    try:
        checks = []
        res = integrity_check(con)
        checks.append(_check("integrity_check", res == ["ok"], CheckKind.INTEGRITY,
                             "; ".join(res)[:300]))
        fk = sum(foreign_key_check(con, t) for t in DATA_TABLES if con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (t,)).fetchone())
        checks.append(_check("relationships: foreign_key_check", not fk,
                             CheckKind.RELATIONSHIPS, "no broken references" if not fk else
                             f"{fk} references point at missing records"))
        runs = []
        if con.execute("SELECT 1 FROM sqlite_master WHERE name='migration_runs'").fetchone():
            runs = [dict(zip(["id", "startedAt", "finishedAt", "status", "sourceSystem"], r))
                    for r in con.execute('SELECT id, "startedAt", "finishedAt", status, '
                                         '"sourceSystem" FROM migration_runs ORDER BY id')]
        counts = {t: con.execute(f"SELECT count(*) FROM {quote_ident(t)}").fetchone()[0]
                  for t in DATA_TABLES if con.execute(
                      "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (t,)
                  ).fetchone()}
        from . import cell_audit
        cells = cell_audit.read(con)
        for rc in cells:
            bad = rc.unbalanced()
            checks.append(_check(f"cells: run {rc.run_id}", rc.balances, CheckKind.CELLS,
                                 rc.words() + (f"; cells lost in {', '.join(bad[:20])}"
                                               if bad else "")))
            for m in rc.totals():  # (as the run counted them: verify reads no legacy file)
                checks.append(_check(
                    f"totals over every row: run {rc.run_id}: {m['table']}.{m['field']}",
                    m["balances"], CheckKind.TOTALS, rc.totals_words(m), all_rows=m))
        return TargetVerification(checks, runs, counts, cells, cell_audit.FROM_THE_RUNS
                                  if cells else cell_audit.NONE_KEPT)
    finally:
        con.close()
