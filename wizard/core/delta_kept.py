"""Delta sync of the columns a profile keeps beside its records (``keep:``, extras.py).

HMSync has no field for a kept column, so no one edits its value in HMSync: the export is
the only side that changes it, and a re-run brings every change in, never as a conflict.
The fingerprint covers HMSync's fields only (a kept column is no field, and records
imported before keep: was used were fingerprinted without it); a kept value is compared
with what ``migration_extras`` holds for the record instead. A record whose fields are
unchanged and whose kept values changed is an update of those values alone (its fields
as HMSync has them); a record updated for its fields gets its kept values rewritten too;
a conflict left as HMSync has it keeps its kept values as they were. A column kept only
since the last run comes in as such an update. Emptied in the export, a kept value is
removed. In a change, a kept column's name is prefixed by ``KEPT`` (apart from fields).
No Qt here.
"""
from __future__ import annotations

import sqlite3

from .extras import EXTRAS_SQL

#: a kept column's name in a change's fields (``keep:insuranceNo``)
KEPT = "keep:"
_BATCH = 500   # ids per IN (...) query


def is_kept(name: str) -> bool:
    return name.startswith(KEPT)


def stored(con: sqlite3.Connection, table: str, hids: list[str], columns: list[str]
           ) -> dict[str, dict[str, str]]:
    """HMSync id -> {kept column: value} of ``table``'s records ``hids``."""
    out: dict[str, dict[str, str]] = {}
    if not hids or not columns or not con.execute(
            "SELECT 1 FROM sqlite_master WHERE name='migration_extras'").fetchone():
        return out
    cols = ",".join("?" * len(columns))
    for at in range(0, len(hids), _BATCH):
        part = hids[at:at + _BATCH]
        for h, c, v in con.execute(
                'SELECT "hmsyncId", "column", value FROM migration_extras WHERE '
                f'"tableName"=? AND "column" IN ({cols}) AND "hmsyncId" IN '
                f'({",".join("?" * len(part))})', [table, *columns, *part]):
            out.setdefault(h, {})[c] = v
    return out


def diffs(con: sqlite3.Connection, table: str, hids: list[str | None],
          kept: dict[str, list] | None) -> list[dict[str, tuple]]:
    """Per record: {KEPT + column: (stored value, export's value)} of the kept columns
    whose value differs ({} for none, and for a record not in HMSync)."""
    out: list[dict[str, tuple]] = [{} for _ in hids]
    if not kept:
        return out
    have = stored(con, table, [h for h in hids if h], list(kept))
    for i, h in enumerate(hids):
        if not h:
            continue
        was = have.get(h, {})
        for c, values in kept.items():
            now = values[i]
            now = None if now is None or now != now else str(now)   # (NaN: no value)
            if was.get(c) != now:
                out[i][KEPT + c] = (was.get(c), now)
    return out


def apply(con: sqlite3.Connection, table: str, rows: list[tuple[str, dict]]) -> None:
    """Write ``rows`` ((HMSync id, diffs) as ``diffs`` gives them) into migration_extras,
    in the import's transaction."""
    if not any(d for _, d in rows):
        return
    con.execute(EXTRAS_SQL)
    put, drop = [], []
    for hid, d in rows:
        for name, (_, after) in d.items():
            c = name[len(KEPT):]
            (drop.append((table, hid, c)) if after is None
             else put.append((table, hid, c, after)))
    con.executemany('DELETE FROM migration_extras WHERE "tableName"=? AND "hmsyncId"=? '
                    'AND "column"=?', drop)
    con.executemany('INSERT OR REPLACE INTO migration_extras ("tableName", "hmsyncId", '
                    '"column", value) VALUES (?, ?, ?, ?)', put)
