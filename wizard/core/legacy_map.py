"""The legacy-id map's storage: where each legacy record went in HMSync, and the one place
that knows how it is kept.

A row per imported record. Earlier versions kept it as one table, ``migration_legacy_ids``,
that repeated the source system, the HMSync table, the legacy file and a composite id's
columns as texts on every row, with a separate unique index over the first two of them and
the legacy id: at 2.28M records 209 MB of rows and 66 MB of index, a third of what a run
writes. Now (the lean shape):

- ``migration_legacy_scopes``: one row per (source system, HMSync table);
- ``migration_legacy_files``: one row per (legacy file, composite id's columns);
- ``migration_legacy_map``: a row per record, pointing at both by number, with the legacy
  id, the HMSync id, the run, the line, the fingerprint and its field set; unique on
  (scope, legacy id);
- ``migration_legacy_ids``: a view with the old table's name and columns, for every reader
  that asks by text (the wizard's own lookups and consultants' queries alike).

A target an earlier version made keeps its table until a run writes to it: the run turns
it into the lean shape first, inside its own transaction (:func:`upgrade`), so a kill leaves
it as it was. Until then every reader of the view's columns reads the old table as well;
what needs rowids or the rows' own numbers asks :class:`LegacyMap`.
No Qt here.
"""
from __future__ import annotations

import sqlite3

#: the name every reader asks by: the old table, or the view over the lean tables
VIEW = "migration_legacy_ids"
ROWS = "migration_legacy_map"
SCOPES = "migration_legacy_scopes"
FILES = "migration_legacy_files"
#: the lean shape's tables, in the order they are made
TABLES = (SCOPES, FILES, ROWS)

#: the SQL the SQLAlchemy metadata compiles for each (schema.py's; tests/test_schema_plain.py
#: holds them equal)
DDL: dict[str, tuple[str, ...]] = {
    SCOPES: (
        "\n"
        f"CREATE TABLE {SCOPES} (\n"
        "\tid INTEGER NOT NULL, \n"
        '\t"sourceSystem" TEXT NOT NULL, \n'
        '\t"tableName" TEXT NOT NULL, \n'
        "\tPRIMARY KEY (id), \n"
        '\tUNIQUE ("sourceSystem", "tableName")\n'
        ")\n"
        "\n",
    ),
    FILES: (
        "\n"
        f"CREATE TABLE {FILES} (\n"
        "\tid INTEGER NOT NULL, \n"
        '\t"sourceFile" TEXT, \n'
        '\t"legacyIdColumns" TEXT, \n'
        "\tPRIMARY KEY (id)\n"
        ")\n"
        "\n",
    ),
    ROWS: (
        "\n"
        f"CREATE TABLE {ROWS} (\n"
        "\tscope INTEGER NOT NULL, \n"
        '\t"legacyId" TEXT NOT NULL, \n'
        '\t"hmsyncId" TEXT NOT NULL, \n'
        '\t"runId" INTEGER NOT NULL, \n'
        "\tfile INTEGER, \n"
        '\t"sourceLine" INTEGER, \n'
        "\tfingerprint INTEGER, \n"
        '\t"fieldSet" INTEGER, \n'
        f"\tFOREIGN KEY(scope) REFERENCES {SCOPES} (id), \n"
        '\tFOREIGN KEY("runId") REFERENCES migration_runs (id), \n'
        f"\tFOREIGN KEY(file) REFERENCES {FILES} (id)\n"
        ")\n"
        "\n",
        f'CREATE UNIQUE INDEX uq_legacy_map ON {ROWS} (scope, "legacyId")',
    ),
}

#: the old table's columns, in its order, as the view gives them (a file's texts by a
#: subquery, evaluated only where asked for: a join would read every row's file number
#: even to count rows, and the map's index alone could not answer)
VIEW_SQL = (
    f"CREATE VIEW {VIEW} AS SELECT s.\"sourceSystem\" AS \"sourceSystem\", "
    "s.\"tableName\" AS \"tableName\", m.\"legacyId\" AS \"legacyId\", "
    "m.\"hmsyncId\" AS \"hmsyncId\", m.\"runId\" AS \"runId\", "
    f"(SELECT f.\"sourceFile\" FROM {FILES} f WHERE f.id = m.file) AS \"sourceFile\", "
    "m.\"sourceLine\" AS \"sourceLine\", m.fingerprint AS fingerprint, "
    f"(SELECT f.\"legacyIdColumns\" FROM {FILES} f WHERE f.id = m.file) "
    "AS \"legacyIdColumns\", m.\"fieldSet\" AS \"fieldSet\" "
    f"FROM {ROWS} m JOIN {SCOPES} s ON s.id = m.scope"
)

def shape(con: sqlite3.Connection) -> str | None:
    """"lean", "old" (one table, made by an earlier version) or None (no map yet)."""
    got = con.execute("SELECT type FROM sqlite_master WHERE name=?", (VIEW,)).fetchone()
    if got is None:
        return None
    return "lean" if got[0] == "view" else "old"


def create(con: sqlite3.Connection) -> None:
    """Make the lean shape in a target without any map."""
    for name in TABLES:
        for sql in DDL[name]:
            con.execute(sql)
    con.execute(VIEW_SQL)


def ensure(con: sqlite3.Connection) -> None:
    """The lean shape, whatever the target held: made if absent, an earlier version's table
    turned into it (in the caller's transaction)."""
    have = shape(con)
    if have is None:
        create(con)
    elif have == "old":
        upgrade(con)


def upgrade(con: sqlite3.Connection) -> None:
    """Turn an earlier version's ``migration_legacy_ids`` table into the lean shape, every
    row kept, in rowid order (a file's rows stay one run). Runs inside the caller's
    transaction: a stop rolls it back with the run."""
    cols = {r[1] for r in con.execute(f"PRAGMA table_info({VIEW})")}

    def col(name: str) -> str:
        return f'o."{name}"' if name in cols else "NULL"

    old = VIEW
    for name in TABLES:
        for sql in DDL[name]:
            con.execute(sql)
    con.execute(f'INSERT INTO {SCOPES} ("sourceSystem", "tableName") '
                f'SELECT DISTINCT "sourceSystem", "tableName" FROM {old}')
    con.execute(f'INSERT INTO {FILES} ("sourceFile", "legacyIdColumns") '
                f'SELECT DISTINCT o."sourceFile", {col("legacyIdColumns")} FROM {old} o')
    con.execute(
        f'INSERT INTO {ROWS} (scope, "legacyId", "hmsyncId", "runId", file, "sourceLine", '
        f'fingerprint, "fieldSet") SELECT s.id, o."legacyId", o."hmsyncId", o."runId", '
        f'f.id, o."sourceLine", {col("fingerprint")}, {col("fieldSet")} FROM {old} o '
        f'JOIN {SCOPES} s ON s."sourceSystem" = o."sourceSystem" AND '
        f's."tableName" = o."tableName" JOIN {FILES} f ON f."sourceFile" IS o."sourceFile" '
        f'AND f."legacyIdColumns" IS {col("legacyIdColumns")} ORDER BY o.rowid')
    # (its unique index, and an index by HMSync id some versions made, go with it)
    con.execute(f"DROP TABLE {old}")
    con.execute(VIEW_SQL)


class LegacyMap:
    """The map as this connection's target keeps it: its rows' table (the one with rowids)
    and the numbers of its scopes and files, each asked once. Made where it is used (a run
    changes the shape at its start); a scope or file not there yet is added when written
    (``create=True``)."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con
        self._shape: str | None = None   # (asked when first needed)
        self._scopes: dict[tuple[str, str], int] = {}
        self._files: dict[tuple[str | None, str | None], int] = {}

    @property
    def lean(self) -> bool:
        if self._shape is None:
            self._shape = shape(self.con) or "none"
        return self._shape == "lean"

    @property
    def rows(self) -> str:
        """The table holding a row per record (rowids in insertion order)."""
        return ROWS if self.lean else VIEW

    def scope(self, system: str, table: str, create: bool = False) -> int | None:
        return self._id_of(self._scopes, SCOPES, ("sourceSystem", "tableName"),
                           (system, table), create)

    def file(self, source: str | None, id_columns: str | None, create: bool = False
             ) -> int | None:
        return self._id_of(self._files, FILES, ("sourceFile", "legacyIdColumns"),
                           (source, id_columns), create)

    def _id_of(self, cache: dict, table: str, columns: tuple[str, str], key: tuple,
               create: bool) -> int | None:
        """The id of the row of ``table`` holding ``key`` in ``columns`` (remembered;
        added when ``create``), or None: the texts every map row would repeat, kept once."""
        got = cache.get(key)
        if got is None:
            a, b = columns
            row = self.con.execute(f'SELECT id FROM {table} WHERE "{a}" IS ? AND "{b}" IS ?',
                                   key).fetchone()
            if row is None and create:
                row = (self.con.execute(f'INSERT INTO {table} ("{a}", "{b}") VALUES (?, ?)',
                                        key).lastrowid,)
            if row is None:
                return None
            got = cache[key] = int(row[0])
        return got

    def of_file(self, table: str, source: str, alias: str = "l") -> tuple[str, list]:
        """SQL condition and its arguments: ``alias``'s row (of :attr:`rows`) is a record of
        ``table`` from the legacy file ``source`` (any source system, any composite id's
        columns: the caller names the run)."""
        if not self.lean:
            return f'{alias}."tableName"=? AND {alias}."sourceFile"=?', [table, source]
        scopes = [r[0] for r in self.con.execute(
            f'SELECT id FROM {SCOPES} WHERE "tableName"=?', (table,))]
        files = [r[0] for r in self.con.execute(
            f'SELECT id FROM {FILES} WHERE "sourceFile"=?', (source,))]
        if not scopes or not files:
            return "0", []
        return (f"{alias}.scope IN ({', '.join('?' * len(scopes))}) AND "
                f"{alias}.file IN ({', '.join('?' * len(files))})", [*scopes, *files])

    def of_scope(self, system: str, table: str, alias: str = "l") -> tuple[str, list]:
        """SQL condition and its arguments: ``alias``'s row (of :attr:`rows`) is a record of
        ``table`` from ``system``."""
        if not self.lean:
            return f'{alias}."sourceSystem"=? AND {alias}."tableName"=?', [system, table]
        scope = self.scope(system, table)
        return (f"{alias}.scope=?", [scope]) if scope is not None else ("0", [])

    def insert_head(self) -> str:
        """The INSERT of map rows up to VALUES: (scope, legacy id, HMSync id, run, file,
        line, fingerprint, field set)."""
        return (f'INSERT INTO {ROWS} (scope, "legacyId", "hmsyncId", "runId", file, '
                '"sourceLine", fingerprint, "fieldSet") VALUES')

    def set_fingerprints(self, system: str, table: str, rows, field_set: int | None,
                         with_set: bool) -> None:
        """Store each (fingerprint, legacy id)'s fingerprint (and the field set it covers,
        ``with_set``)."""
        fs = ', "fieldSet"=?' if with_set else ""
        extra = [field_set] if with_set else []
        if self.lean:
            scope = self.scope(system, table)
            if scope is None:
                return
            self.con.executemany(
                f'UPDATE {ROWS} SET fingerprint=?{fs} WHERE scope=? AND "legacyId"=?',
                ((f, *extra, scope, x) for f, x in rows))
        else:
            self.con.executemany(
                f'UPDATE {VIEW} SET fingerprint=?{fs} WHERE "sourceSystem"=? '
                'AND "tableName"=? AND "legacyId"=?',
                ((f, *extra, system, table, x) for f, x in rows))
