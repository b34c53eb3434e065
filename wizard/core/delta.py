"""Delta sync: what a re-run does with records an earlier run imported.

Every imported record's mapped values are kept as a fingerprint in the legacy-id map
(``migration_legacy_ids.fingerprint``). A later run of the same source system sorts each
record already in HMSync by comparing three things: the fingerprint stored, the
fingerprint of the export's values now, and that of HMSync's values now:

- export = stored: **unchanged**, skipped (HMSync's own later edits stand);
- export changed, HMSync = stored: **updated** in the import's transaction, before and
  after kept in ``migration_changes``;
- export changed and HMSync changed too: a **conflict**, listed, and overwritten only as
  the operator says (:class:`OnConflict`);
- no fingerprint stored (imported by a version that kept none): equal values are
  unchanged; different ones cannot be told apart (an edit in the export, or in HMSync?)
  and are conflicts; every such record is fingerprinted now.

A fingerprint covers the fields mapped when it was made (``fieldSet``, an entry of
``migration_field_sets``). When the mapping maps other fields now, both sides are compared
over the fields the stored fingerprint covers, and a field mapped only now is an update,
never a conflict: HMSync has no baseline for it to have been edited from. (A field mapped
then and no longer is judged by HMSync's value: an edit made to it in HMSync alone makes
the record look changed in HMSync.)

The columns a profile keeps beside its records (``keep:``) are synced apart from the
fingerprint: see delta_kept.py.

Records an earlier run imported that the export no longer holds are listed, never deleted.
No Qt here.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from enum import Enum

import numpy as np
import pandas as pd

from . import delta_kept
from .errors import MigrationError
from .idindex import hash_ids
from .legacy_map import LegacyMap
from .schema import TargetTable, quote_ident


class OnConflict(str, Enum):
    """What a re-run does with a record changed both in the export and in HMSync."""
    LEGACY_WINS = "legacy-wins"   # the export's values overwrite HMSync's
    HMSYNC_WINS = "hmsync-wins"   # HMSync's stay; the export's change is taken as seen
    SKIP = "skip"                 # HMSync's stay; listed again by the next run

    @classmethod
    def parse(cls, value: "str | OnConflict | None") -> "OnConflict | None":
        if value is None or isinstance(value, cls):
            return value
        try:
            return cls(str(value))
        except ValueError:
            raise MigrationError(f"on-conflict: '{value}' is none of "
                                 f"{', '.join(c.value for c in cls)}") from None


#: the resolution of a conflict no choice was made for: HMSync's values stay, listed
LISTED = "listed"
#: changes and conflicts a report lists one by one (the audit table keeps them all)
REPORT_CHANGES = 200
#: legacy ids of records gone from the export a report lists per table
REPORT_GONE = 100
_BATCH = 500   # ids per IN (...) query


def mask(value) -> str | None:
    """A value as a report may show it: its first character and its length, no more
    (a report travels; HMSync and the audit table keep the values themselves)."""
    if value is None:
        return None
    s = str(value)
    return s[:1] + "*" * min(max(len(s) - 1, 0), 19) if s else ""


def _kind_of(target: TargetTable, name: str) -> str:
    f = target.fields.get(name)
    return "number" if f is not None and f.kind in ("int", "float") else "text"


def fingerprints(target: TargetTable, columns: dict[str, list]) -> list[int]:
    """A stable 64-bit hash per record of its HMSync field values (as written, parents as
    HMSync ids), over the fields given, in name order (a signed 64-bit integer each, as
    SQLite keeps it: a text of 16 hex digits took twice as long to make as the hash). Numbers are
    hashed as numbers (40 and 40.0 are one value, as SQLite gives them back), everything
    else as text."""
    names = sorted(columns)
    n = len(columns[names[0]]) if names else 0
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for name in names:
            vals = columns[name]
            if _kind_of(target, name) == "number":
                try:
                    arr = np.array(vals, dtype=float)   # (None is NaN)
                except (TypeError, ValueError):
                    arr = pd.to_numeric(pd.Series(vals, dtype=object), errors="coerce"
                                        ).to_numpy(dtype=float)
                h = pd.util.hash_array(arr, categorize=False)
            else:
                arr = np.empty(len(vals), dtype=object)
                arr[:] = vals
                null = pd.isna(arr)
                if null.any():  # None, NaN and pd.NA are one "no value"
                    arr[null] = None
                # (texts as they are; a date or any other object as its str(), which is
                # also what SQLite keeps of it)
                h = pd.util.hash_array(arr, categorize=False)
            salt = pd.util.hash_array(np.array([name], dtype=object))[0]
            acc = (acc * np.uint64(0x100000001B3)) ^ (h + salt)
    return acc.view(np.int64).tolist()  # (SQLite's integers are signed)


@dataclass
class Change:
    """A record a re-run updated, or found changed on both sides."""
    table: str
    legacy_id: str
    hmsync_id: str | None
    kind: str                      # updated | conflict
    resolution: str | None         # for a conflict: OnConflict's value or "listed"
    fields: dict[str, tuple] = field(default_factory=dict)   # field -> (before, after)
    reason: str = ""
    #: an update of fields mapped since the last run only, or of kept columns only
    #: (delta_kept.py): HMSync's edits to the fields both runs mapped stand (so HMSync
    #: does not hold all of the export's values)
    partial: bool = False

    def to_dict(self) -> dict:
        """For the report: field names and masked values."""
        return {"table": self.table, "legacy_id": self.legacy_id, "kind": self.kind,
                "resolution": self.resolution, "reason": self.reason,
                "partial": self.partial,
                "fields": {f: {"before": mask(b), "after": mask(a)}
                           for f, (b, a) in self.fields.items()}}


@dataclass
class DeltaCounts:
    """A table's records already in HMSync, by what the re-run did with them."""
    updated: int = 0        # HMSync's values replaced by the export's
    unchanged: int = 0      # equal to what was last synced: skipped
    conflicts: int = 0      # changed on both sides (whatever became of them)
    kept: int = 0           # conflicts whose HMSync values stay (not overwritten)
    fingerprinted: int = 0  # imported without a fingerprint: given one now
    untracked: int = 0      # without one, and different: cannot tell who changed them


@dataclass
class DeltaResult:
    counts: dict[str, DeltaCounts] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    gone: dict[str, list[str]] = field(default_factory=dict)   # table -> legacy ids
    notes: list[str] = field(default_factory=list)
    #: mapped files without a legacy id feeding a table an earlier run filled
    untracked: list[str] = field(default_factory=list)

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.kind == "conflict"]

    @property
    def unresolved(self) -> int:
        """Conflicts no choice was made for."""
        return sum(1 for c in self.changes if c.resolution == LISTED)

    def to_dict(self) -> dict:
        updates = [c for c in self.changes if c.kind == "updated"]
        return {
            "updates": [c.to_dict() for c in updates[:REPORT_CHANGES]],
            "updates_total": len(updates),
            "conflicts": [c.to_dict() for c in self.conflicts[:REPORT_CHANGES]],
            "conflicts_total": len(self.conflicts),
            "gone": {t: {"count": len(ids), "legacy_ids": ids[:REPORT_GONE]}
                     for t, ids in self.gone.items()},
        }


@dataclass(frozen=True)
class DeltaOptions:
    """How a re-run treats records already in HMSync (the session and both front ends
    carry it as it is)."""
    on_conflict: OnConflict | None = None   # None: conflicts listed, HMSync's values stay
    #: run even where a file without a legacy id feeds a table an earlier run filled
    #: (its changed records then come in as new ones, and the notes say so)
    allow_untracked: bool = False


def legacy_map_columns(con: sqlite3.Connection) -> set[str]:
    return {r[1] for r in con.execute("PRAGMA table_info(migration_legacy_ids)")}


class FieldSets:
    """The sets of fields fingerprints cover (``migration_field_sets``), by id: a few rows,
    read once; a set not seen before is added when it is first written."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con
        self._names: dict[int, tuple[str, ...]] = {}
        self._ids: dict[tuple[str, tuple[str, ...]], int] = {}
        self._read = False

    def _load(self) -> None:
        if self._read:
            return
        self._read = True
        if self.con.execute("SELECT 1 FROM sqlite_master WHERE name='migration_field_sets'"
                            ).fetchone():
            for i, table, fields in self.con.execute(
                    'SELECT id, "tableName", fields FROM migration_field_sets'):
                names = tuple(json.loads(fields))
                self._names[i] = names
                self._ids[(table, names)] = i

    def names(self, set_id: int | None) -> tuple[str, ...] | None:
        if set_id is None:
            return None
        self._load()
        return self._names.get(set_id)

    def id_for(self, table: str, names, create: bool = True) -> int | None:
        """The id of ``table``'s set of ``names``, added when ``create`` (inside the
        import's transaction: a rollback takes it back with the records)."""
        self._load()
        key = (table, tuple(sorted(names)))
        if key not in self._ids and create:
            i = self.con.execute('INSERT INTO migration_field_sets ("tableName", fields) '
                                 'VALUES (?, ?)', (table, json.dumps(list(key[1])))).lastrowid
            self._ids[key], self._names[i] = i, key[1]
        return self._ids.get(key)


class DeltaSync:
    """Sorts a chunk's records already in HMSync and, when ``write``, applies what it
    decides inside the import's transaction. ``on_conflict`` None: conflicts are listed
    and HMSync's values stay."""

    def __init__(self, con: sqlite3.Connection, system: str, run_id: int | None,
                 on_conflict: OnConflict | None, write: bool):
        self.con, self.system, self.run_id = con, system, run_id
        self.on_conflict, self.write = on_conflict, write
        self.result = DeltaResult()
        cols = legacy_map_columns(con)
        self._has_fp = "fingerprint" in cols
        self._has_set = "fieldSet" in cols
        self.sets = FieldSets(con)

    def counts(self, table: str) -> DeltaCounts:
        return self.result.counts.setdefault(table, DeltaCounts())

    def __call__(self, table: str, target: TargetTable, values: dict[str, list],
                 ids: list[str], kept: dict[str, list] | None = None) -> np.ndarray:
        """``values``: the records' HMSync field values as they would be written (field ->
        list), ``ids`` their legacy ids, ``kept`` the values of the columns the profile
        keeps beside them (column -> list; delta_kept.py). Returns where HMSync is known
        to hold the export's values once the run is done (updated, or read and found
        equal), for the verification's totals. Those unchanged since the last sync are
        not read: HMSync may have edited them since (its edits stand), so they are not
        compared."""
        n = len(ids)
        same = np.zeros(n, dtype=bool)
        if not n:
            return same
        c = self.counts(table)
        new_fp = fingerprints(target, values)
        names = sorted(values)
        now = tuple(names)
        stored = self._stored(table, ids)
        hids = [stored.get(x, (None, None, None))[0] for x in ids]
        old_fp = [stored.get(x, (None, None, None))[1] for x in ids]
        # the fields each stored fingerprint covers (unknown: those mapped now, as before
        # field sets were kept)
        old_names = [self.sets.names(stored.get(x, (None, None, None))[2]) or now
                     for x in ids]
        todo = [i for i in range(n) if old_fp[i] != new_fp[i] or old_names[i] != now]
        kd = delta_kept.diffs(self.con, table, hids, kept)
        kept_rows: list[tuple[str, dict]] = []   # (HMSync id, kept columns' diffs)
        log: list[Change] = []

        def kept_only(i: int) -> bool:
            """A record whose fields stay as HMSync has them: an update of its kept
            columns, if any changed."""
            if not kd[i]:
                return False
            c.updated += 1
            kept_rows.append((hids[i], kd[i]))
            log.append(Change(table, ids[i], hids[i], "updated", None, dict(kd[i]),
                              "kept columns changed only", partial=True))
            return True

        busy = set(todo)
        c.unchanged += sum(not kept_only(i) for i in range(n) if i not in busy)
        if not todo:
            self.result.changes.extend(log)
            if self.write:
                self._apply(table, [], [], log, None, kept_rows)
            return same
        # fields the stored fingerprints cover that are not mapped now: read from HMSync
        gone_fields = sorted({f for i in todo for f in old_names[i]
                              if f not in values and f in target.fields})
        current = self._current(table, names + gone_fields,
                                [hids[i] for i in todo if hids[i]])
        set_now = self.sets.id_for(table, names, create=self.write) if self._has_set \
            else None
        fp_updates, row_updates = [], []

        def update(i: int, diff: dict, **how) -> None:
            """Record ``i``'s fields ``diff`` written, and its kept columns."""
            c.updated += 1
            row_updates.append((hids[i], diff))
            kept_rows.append((hids[i], kd[i]))
            log.append(Change(table, ids[i], hids[i], "updated", None,
                              {**diff, **kd[i]}, **how))

        for i in todo:
            hid, legacy = hids[i], ids[i]
            row = current.get(hid)
            after = {f: values[f][i] for f in names}
            if row is None:  # deleted in HMSync since: never brought back unasked
                c.conflicts += 1
                c.kept += 1
                log.append(Change(table, legacy, hid, "conflict", LISTED, {},
                                  "deleted in HMSync since it was imported"))
                continue
            cur_fp = fingerprints(target, {f: [row[f]] for f in names})[0]
            diff = {f: (row[f], after[f]) for f in names
                    if fingerprints(target, {f: [row[f]]}) !=
                    fingerprints(target, {f: [after[f]]})}
            if cur_fp == new_fp[i]:  # HMSync holds the export's values already
                same[i] = True
                c.unchanged += not kept_only(i)
                fp_updates.append((new_fp[i], legacy))
                c.fingerprinted += old_fp[i] is None
                continue
            was = old_names[i]
            if old_fp[i] is not None:
                if was == now:
                    hmsync_same, export_same = cur_fp == old_fp[i], False
                else:  # compared over the fields the stored fingerprint covers
                    hmsync_same = fingerprints(
                        target, {f: [row.get(f)] for f in was})[0] == old_fp[i]
                    export_same = fingerprints(
                        target, {f: [after[f] if f in after else row.get(f)]
                                 for f in was})[0] == old_fp[i]
                # only fields mapped since differ: nothing HMSync could have edited
                if hmsync_same or not any(f in was for f in diff):
                    same[i] = True
                    update(i, diff)
                    fp_updates.append((new_fp[i], legacy))
                    continue
                if export_same:  # HMSync's edits stand; the fields mapped since come in
                    added = {f: d for f, d in diff.items() if f not in was}
                    fp_updates.append((new_fp[i], legacy))
                    if added:
                        update(i, added, reason="fields mapped since the last run; "
                               "HMSync's edits to the others stand", partial=True)
                    else:
                        c.unchanged += not kept_only(i)
                    continue
            c.conflicts += 1
            if old_fp[i] is None:
                c.untracked += 1
                c.fingerprinted += 1
                reason = ("imported by an earlier version without a fingerprint: an edit "
                          "in the export cannot be told from one in HMSync")
            else:
                reason = "changed in the export and in HMSync since the last run"
            how = self.on_conflict
            if how is OnConflict.LEGACY_WINS:
                same[i] = True
                c.updated += 1
                row_updates.append((hid, diff))
                kept_rows.append((hid, kd[i]))
                diff = {**diff, **kd[i]}
                fp_updates.append((new_fp[i], legacy))
            else:
                c.kept += 1
                if how is OnConflict.HMSYNC_WINS or old_fp[i] is None:
                    # seen and decided (or, untracked, the baseline from now on)
                    fp_updates.append((new_fp[i], legacy))
            log.append(Change(table, legacy, hid, "conflict",
                              how.value if how else LISTED, diff, reason))
        self.result.changes.extend(log)
        if self.write:
            self._apply(table, row_updates, fp_updates, log, set_now, kept_rows)
        return same

    def _stored(self, table: str, ids: list[str]) -> dict[str, tuple]:
        """legacy id -> (HMSync id, fingerprint, field set)"""
        fp = "fingerprint" if self._has_fp else "NULL"
        fs = '"fieldSet"' if self._has_set else "NULL"
        out = {}
        for at in range(0, len(ids), _BATCH):
            part = ids[at:at + _BATCH]
            out.update((r[0], (r[1], r[2], r[3])) for r in self.con.execute(
                f'SELECT "legacyId", "hmsyncId", {fp}, {fs} FROM migration_legacy_ids WHERE '
                f'"sourceSystem"=? AND "tableName"=? AND "legacyId" IN '
                f'({",".join("?" * len(part))})', [self.system, table, *part]))
        return out

    def _current(self, table: str, names: list[str], hids: list[str]) -> dict[str, dict]:
        cols = ", ".join(quote_ident(f) for f in names)
        out = {}
        for at in range(0, len(hids), _BATCH):
            part = hids[at:at + _BATCH]
            for r in self.con.execute(f"SELECT id, {cols} FROM {quote_ident(table)} WHERE id IN "
                                      f"({','.join('?' * len(part))})", part):
                out[r[0]] = dict(zip(names, r[1:]))
        return out

    def _apply(self, table: str, rows: list, fps: list, log: list[Change],
               field_set: int | None, kept_rows: list = ()) -> None:
        delta_kept.apply(self.con, table, list(kept_rows))
        for hid, diff in rows:
            if diff:
                sets = ", ".join(f"{quote_ident(f)}=?" for f in diff)
                self.con.execute(f"UPDATE {quote_ident(table)} SET {sets} WHERE id=?",
                                 [a for _, a in diff.values()] + [hid])
        if fps and self._has_fp:
            LegacyMap(self.con).set_fingerprints(self.system, table, fps, field_set,
                                                 self._has_set)
        self.con.executemany(
            'INSERT INTO migration_changes ("runId", "sourceSystem", "tableName", '
            '"legacyId", "hmsyncId", kind, resolution, changes) VALUES (?,?,?,?,?,?,?,?)',
            ((self.run_id, self.system, ch.table, ch.legacy_id, ch.hmsync_id, ch.kind,
              ch.resolution, json.dumps({f: [b, a] for f, (b, a) in ch.fields.items()},
                                        ensure_ascii=False, default=str))
             for ch in log))

    def gone(self, table: str, seen) -> None:
        """List the records of ``table`` earlier runs imported that this export does not
        hold (``seen(keys)``: which hashed legacy ids this run read)."""
        lm = LegacyMap(self.con)
        mine, args = lm.of_scope(self.system, table)
        rows = [r[0] for r in self.con.execute(
            f'SELECT l."legacyId" FROM {lm.rows} l WHERE {mine} ORDER BY l.rowid', args)]
        if not rows:
            return
        missing = ~seen(hash_ids(rows))
        if missing.any():
            self.result.gone[table] = [x for x, m in zip(rows, missing.tolist()) if m]


def untracked_tables(con: sqlite3.Connection, system: str, plan) -> list[str]:
    """The mapped files without a legacy id whose HMSync table already holds records of
    this source system from a migration: a re-run cannot tell their changed records
    from new ones."""
    has = con.execute("SELECT 1 FROM sqlite_master WHERE name='migration_legacy_ids'"
                      ).fetchone()
    if not has:
        return []
    out = []
    for st, tm in plan:
        if tm.id_columns:
            continue
        if con.execute('SELECT 1 FROM migration_legacy_ids WHERE "sourceSystem"=? AND '
                       '"tableName"=? LIMIT 1', (system, tm.target)).fetchone():
            out.append(f"{st.name} ({tm.target})")
    return out
