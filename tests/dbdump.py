"""Every row of a database's tables, for tests that compare databases: two dumps are equal
when the tables hold the same rows (in any order)."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def table_names(con: sqlite3.Connection) -> list[str]:
    """Every table of the file, SQLite's own (sqlite_sequence ...) left out, by name."""
    return sorted(r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"))


def dump(db: str | Path, tables=None) -> dict[str, list[tuple]]:
    """Every row of ``tables`` (by default every table of the file: HMSync's and the
    wizard's audit trail), sorted; the rows' order on disk is not compared."""
    con = sqlite3.connect(db)
    try:
        names = table_names(con) if tables is None else list(tables)
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in names}
    finally:
        con.close()
