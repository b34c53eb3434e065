"""Legacy columns HMSync has no field for, kept beside their records.

A profile's ``keep: [columns]`` stores each non-empty cell of those columns, of every
record imported, in ``migration_extras``: one row per (HMSync table, HMSync id, legacy
column) with the value as text, in the import's transaction. Plain SQL reads them:

    SELECT p."fullName", x.value FROM patients p JOIN migration_extras x
      ON x."tableName" = 'patients' AND x."hmsyncId" = p.id AND x."column" = 'insuranceNo'
"""
from __future__ import annotations

import sqlite3

import numpy as np

EXTRAS_SQL = ('CREATE TABLE IF NOT EXISTS migration_extras ("tableName" TEXT NOT NULL, '
              '"hmsyncId" TEXT NOT NULL, "column" TEXT NOT NULL, value TEXT, '
              'PRIMARY KEY ("tableName", "hmsyncId", "column"))')


def insert_extras(con: sqlite3.Connection, table: str, extras: dict, idx: np.ndarray,
                  hids: list[str]) -> int:
    """Store the kept columns' non-empty values of the records at positions ``idx`` of a
    chunk (their new HMSync ids: ``hids``); returns the cells stored."""
    con.execute(EXTRAS_SQL)
    rows = []
    for column, values in extras.items():
        vals = values.iloc[idx].tolist() if len(idx) != len(values) else values.tolist()
        rows.extend((table, h, column, v) for h, v in zip(hids, vals) if v is not None)
    con.executemany('INSERT INTO migration_extras ("tableName", "hmsyncId", "column", '
                    'value) VALUES (?, ?, ?, ?)', rows)
    return len(rows)


def kept_counts(con: sqlite3.Connection, table: str, run_id: int | None,
                rewritten=()) -> dict[str, int]:
    """The cells kept per column of this run's records of ``table``, and of the records
    ``rewritten`` (HMSync ids of records an earlier run imported whose kept columns this
    run wrote: a delta sync's updates)."""
    if run_id is None or not con.execute(
            "SELECT 1 FROM sqlite_master WHERE name='migration_extras'").fetchone():
        return {}
    out = dict(con.execute(
        'SELECT x."column", count(*) FROM migration_extras x JOIN migration_legacy_ids l '
        'ON l."hmsyncId" = x."hmsyncId" AND l."tableName" = x."tableName" '
        'WHERE l."runId" = ? AND x."tableName" = ? GROUP BY x."column"',
        (run_id, table)).fetchall())
    hids = sorted({h for h in rewritten if h})
    for at in range(0, len(hids), 500):
        part = hids[at:at + 500]
        for c, k in con.execute(
                'SELECT "column", count(*) FROM migration_extras WHERE "tableName" = ? '
                f'AND "hmsyncId" IN ({",".join("?" * len(part))}) GROUP BY "column"',
                [table, *part]):
            out[c] = out.get(c, 0) + k
    return out
