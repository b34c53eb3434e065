"""A target's legacy-id map put back as earlier versions kept it (one table repeating its
texts on every row, with its own unique index), for tests of targets those versions made."""
from __future__ import annotations

import sqlite3
from pathlib import Path

#: the table and index as versions up to session 15 created them
OLD_DDL = (
    "CREATE TABLE migration_legacy_ids (\n"
    '\t"sourceSystem" TEXT NOT NULL, \n'
    '\t"tableName" TEXT NOT NULL, \n'
    '\t"legacyId" TEXT NOT NULL, \n'
    '\t"hmsyncId" TEXT NOT NULL, \n'
    '\t"runId" INTEGER NOT NULL, \n'
    '\t"sourceFile" TEXT, \n'
    '\t"sourceLine" INTEGER, \n'
    '\tfingerprint INTEGER, \n'
    '\t"legacyIdColumns" TEXT, \n'
    '\t"fieldSet" INTEGER, \n'
    '\tFOREIGN KEY("runId") REFERENCES migration_runs (id)\n'
    ")",
    'CREATE UNIQUE INDEX uq_legacy_ids ON migration_legacy_ids '
    '("sourceSystem", "tableName", "legacyId")',
)
COLUMNS = ('"sourceSystem", "tableName", "legacyId", "hmsyncId", "runId", "sourceFile", '
           '"sourceLine", fingerprint, "legacyIdColumns", "fieldSet"')


def make_old(db: str | Path, without: tuple[str, ...] = ()) -> int:
    """Turn ``db``'s map into the old single table, every row kept in order, less the
    columns ``without`` (the oldest versions had no fingerprint ...); returns its rows."""
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN")
        rows = con.execute(
            'SELECT s."sourceSystem", s."tableName", m."legacyId", m."hmsyncId", m."runId", '
            'f."sourceFile", m."sourceLine", m.fingerprint, f."legacyIdColumns", m."fieldSet" '
            "FROM migration_legacy_map m JOIN migration_legacy_scopes s ON s.id = m.scope "
            "LEFT JOIN migration_legacy_files f ON f.id = m.file ORDER BY m.rowid").fetchall()
        con.execute("DROP VIEW migration_legacy_ids")
        for t in ("migration_legacy_map", "migration_legacy_files", "migration_legacy_scopes"):
            con.execute(f"DROP TABLE {t}")
        for sql in OLD_DDL:
            con.execute(sql)
        con.executemany(f"INSERT INTO migration_legacy_ids ({COLUMNS}) VALUES "
                        f"({', '.join('?' * 10)})", rows)
        for col in without:
            con.execute(f'ALTER TABLE migration_legacy_ids DROP COLUMN "{col}"')
        con.execute("COMMIT")
        return len(rows)
    finally:
        con.close()
