"""Know the target before writing to it: compare its real schema with HMSync's, and bring it
up to date.

The comparison is Alembic's autogenerate (``compare_metadata``), not a hand-written differ.
Upgrades run HMSync's versioned Alembic migrations (``wizard/migrations``) from the file's
version to the newest, then add what is still missing (tables, nullable or defaulted
columns, indexes) — all in one transaction, after a verified backup. Columns and tables the
wizard does not know are kept. Destructive changes (narrowing a column's type, making a
column NOT NULL) are refused unless forced, and what they would affect is listed first.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from . import schema as _schema
from .errors import SchemaError  # noqa: F401 (imported from here too)
from .schema import (DATA_TABLES, DDL, SCHEMA_VERSION, WIZARD_NAMES, quote_ident,
                     sqlite_url)
from .words import counted, plural

# SQLAlchemy and Alembic load only when a comparison or an upgrade really needs them: a
# target declared as a new HMSync database is recognised from its SQL alone (a migration
# run's common case, which then never loads them).

HEAD = "0002"
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@dataclass
class Difference:
    kind: str          # missing_table, extra_table, missing_column, extra_column, type,
    #                    nullable, default, missing_index, extra_index, foreign_key
    table: str
    column: str | None
    words: str         # the difference in plain words
    action: str        # add | keep | destructive | none
    detail: dict = field(default_factory=dict)


def _engine(path: Path, write: bool = True):
    import sqlalchemy as sa
    from sqlalchemy import event
    from . import backup  # its lock wait, read now (tests shorten it)
    eng = sa.create_engine(sqlite_url(path), connect_args={
        "isolation_level": None, "timeout": backup.LOCK_TIMEOUT_S})

    @event.listens_for(eng, "begin")
    def _begin(conn):  # transactional DDL: SQLite's own BEGIN, not the driver's guess
        if write:
            backup.begin_writing(conn.connection.dbapi_connection, Path(path),
                                 "the upgrade", SchemaError)
        else:
            conn.exec_driver_sql("BEGIN")
    return eng


def _locked(e) -> bool:
    return "locked" in str(e) or "busy" in str(e)


def _include(obj, name, type_, reflected, compare_to):
    table = getattr(obj, "table", None)
    tname = name if type_ == "table" else (table.name if table is not None else None)
    return tname not in WIZARD_NAMES and tname != "alembic_version"


def _describe(diff) -> Difference | None:
    kind = diff[0] if isinstance(diff, tuple) else diff[0][0]
    if isinstance(diff, list):  # modify_* come as a list of one tuple
        diff = diff[0]
        kind = diff[0]
    if kind == "add_table":
        t = diff[1].name
        return Difference("missing_table", t, None, f"table {t} is missing", "add")
    if kind == "remove_table":
        t = diff[1].name
        return Difference("extra_table", t, None, f"table {t} is not in HMSync's schema "
                          "(kept as it is)", "keep")
    if kind == "add_column":
        t, c = diff[2], diff[3]
        ok = c.nullable or c.server_default is not None
        dflt = f" (default {c.server_default.arg.text})" if c.server_default is not None else ""
        return Difference("missing_column", t, c.name, f"{t}.{c.name} is missing{dflt}",
                          "add" if ok else "destructive",
                          {"nullable": c.nullable, "default": dflt.strip(" ()") or None})
    if kind == "remove_column":
        t, c = diff[2], diff[3]
        return Difference("extra_column", t, c.name, f"{t}.{c.name} ({c.type}) is not in "
                          "HMSync's schema: kept, and offered as a mapping target", "keep")
    if kind == "add_index":
        ix = diff[1]
        return Difference("missing_index", ix.table.name, ", ".join(c.name for c in ix.columns),
                          f"index {ix.name} on {ix.table.name}"
                          f"({', '.join(c.name for c in ix.columns)}) is missing", "add",
                          {"name": ix.name})
    if kind == "remove_index":
        ix = diff[1]
        return Difference("extra_index", ix.table.name, None, f"index {ix.name} on "
                          f"{ix.table.name} is not in HMSync's schema (kept)", "keep")
    if kind == "modify_type":
        _, _, t, c, info, old, new = diff
        return Difference("type", t, c, f"{t}.{c} is {old} where HMSync has {new}",
                          "destructive", {"from": str(old), "to": str(new)})
    if kind == "modify_nullable":
        _, _, t, c, info, old, new = diff
        known = _schema.metadata.tables.get(t)
        if known is not None and c in known.c and known.c[c].primary_key:
            return None  # "id TEXT PRIMARY KEY" as HMSync writes it: the key is never empty
        if new is False:
            return Difference("nullable", t, c, f"{t}.{c} allows empty values where HMSync "
                              "requires one", "destructive", {"to_not_null": True})
        return Difference("nullable", t, c, f"{t}.{c} requires a value where HMSync allows "
                          "none (kept: stricter is safe)", "keep")
    if kind == "modify_default":
        _, _, t, c, info, old, new = diff
        return Difference("default", t, c, f"{t}.{c} has default {_d(old)} where HMSync has "
                          f"{_d(new)}", "add", {"new": new})
    if kind in ("add_fk", "remove_fk"):
        fk = diff[1]
        t = fk.parent.name
        return Difference("foreign_key", t, ", ".join(c.name for c in fk.columns),
                          f"{t}: foreign key {'missing' if kind == 'add_fk' else 'not in HMSync'}"
                          f" ({', '.join(c.name for c in fk.columns)})", "keep")
    return Difference("other", "", None, f"{kind}", "keep")


def _d(v):
    if v is None:
        return "none"
    return getattr(getattr(v, "arg", v), "text", str(v))


def _declarations(con) -> list[tuple]:
    """How a database declares its tables and indexes (HMSync's, not the wizard's own)."""
    skip = WIZARD_NAMES | {"alembic_version"}
    rows = con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master "
                       "WHERE tbl_name NOT LIKE 'sqlite%'").fetchall()
    return sorted((tuple(r) for r in rows if r[2] not in skip), key=repr)


_HMSYNC_DECLARATIONS: list[tuple] = []


def _declared_as_hmsync(path: Path) -> bool:
    """The file declares HMSync's tables word for word as a new HMSync database does:
    then there is nothing to compare (the common case, and a quick one)."""
    if not _HMSYNC_DECLARATIONS:
        _HMSYNC_DECLARATIONS.extend(hmsync_declarations())
    from .backup import connect_to_read
    con = connect_to_read(path)
    try:
        return _declarations(con) == _HMSYNC_DECLARATIONS
    finally:
        con.close()


def hmsync_declarations() -> list[tuple]:
    """How a new HMSync database declares HMSync's tables and indexes (from the schema's
    SQL, :data:`wizard.core.schema.DDL`, which equals what its metadata creates)."""
    con = sqlite3.connect(":memory:")
    try:
        for name in DATA_TABLES:
            for sql in DDL[name]:
                con.execute(sql)
        return _declarations(con)
    finally:
        con.close()


def compare(path: str | Path) -> list[Difference]:
    """Differences between the target file and HMSync's schema, in plain words."""
    path = Path(path)
    if not path.is_file():
        raise SchemaError(f"{path} does not exist")
    try:
        if _declared_as_hmsync(path):
            return []
    except sqlite3.Error:
        pass  # the full comparison below says what is wrong, in plain words
    import sqlalchemy as sa
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    eng = _engine(path, write=False)
    try:
        with eng.connect() as conn:
            mc = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": True,
                "include_object": _include})
            diffs = compare_metadata(mc, _schema.metadata)
    except sa.exc.DatabaseError as e:
        if _locked(e.orig):
            raise SchemaError(f"{path.name} is locked by another program (is HMSync still "
                              "running?); close it and try again") from None
        raise SchemaError(f"{path.name} is not a readable SQLite database ({e.orig})") from None
    finally:
        eng.dispose()
    out = [d for d in (_describe(x) for x in diffs) if d is not None]
    order = {t: i for i, t in enumerate(DATA_TABLES)}
    return sorted(out, key=lambda d: (order.get(d.table, 99), d.kind, d.column or ""))


def version_of(conn) -> str | None:
    """The HMSync schema version of a file: Alembic's record, else recognised from its
    shape (files HMSync wrote before the wizard versioned them)."""
    names = {r[0] for r in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table'")}
    if "alembic_version" in names:
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchone()
        if row:
            return row[0]
    if not set(DATA_TABLES) & names:
        return None  # no HMSync table at all: the migrations create them
    # some HMSync tables (one dropped, or never made): recognised by those there, so that
    # the migrations do not create the tables again and the repairs add the missing ones
    if "doctors" not in names:
        return HEAD  # (only 0002 changes doctors; the repair adds it in HEAD's shape)
    cols = {r[1] for r in conn.exec_driver_sql("PRAGMA table_info(doctors)")}
    return "0002" if "department" in cols else "0001"


@dataclass
class UpgradeResult:
    from_version: str | None
    to_version: str
    applied: list[str]
    kept: list[str]
    backup: object | None
    counts_before: dict
    counts_after: dict
    notes: list[str] = field(default_factory=list)  # what was not done after the upgrade


def at_risk(path: Path, diffs: list[Difference]) -> list[str]:
    """What destructive differences would affect, row by row counts."""
    from .backup import connect_to_read
    con = connect_to_read(path)
    try:
        out = []
        for d in diffs:
            if d.action != "destructive":
                continue
            t, c = quote_ident(d.table), quote_ident(d.column) if d.column else None
            if d.kind == "nullable":
                n = con.execute(f"SELECT count(*) FROM {t} WHERE {c} IS NULL").fetchone()[0]
                out.append(f"{d.words}: {counted(n, 'row', thousands=False)} "
                           f"{plural(n, 'has', 'have')} no value there")
            elif d.kind == "type":
                aff = _affinity(d.detail["to"])
                n = con.execute(f"SELECT count(*) FROM {t} WHERE {c} IS NOT NULL AND "
                                f"typeof({c}) NOT IN ({aff})").fetchone()[0]
                out.append(f"{d.words}: {counted(n, 'value', thousands=False)} "
                           f"{plural(n, 'is', 'are')} not of the new type and would be "
                           f"converted or lost")
            elif d.kind == "missing_column":
                n = con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                out.append(f"{d.words}: a required column without a default cannot be added "
                           f"to a table with {counted(n, 'row', thousands=False)}")
            else:
                out.append(d.words)
        return out
    finally:
        con.close()


def _affinity(type_name: str) -> str:
    t = type_name.upper()
    if "INT" in t:
        return "'integer'"
    if any(k in t for k in ("REAL", "FLOA", "DOUB", "NUMERIC")):
        return "'real','integer'"
    return "'text'"


def upgrade(path: str | Path, force: bool = False, backup_folder=None, vacuum: bool = False,
            no_backup: bool = False) -> UpgradeResult:
    """Bring the file up to HMSync's schema: versioned migrations, then additive repairs."""
    import sqlalchemy as sa
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from .backup import data_counts, make_backup
    path = Path(path).resolve()
    diffs = compare(path)
    destructive = [d for d in diffs if d.action == "destructive"]
    if destructive and not force:
        raise SchemaError("refusing destructive changes without --force:\n  " +
                          "\n  ".join(at_risk(path, destructive)))
    before = data_counts(path)
    backup = None if no_backup else make_backup(path, backup_folder)
    cfg = Config()
    # a configparser value: a % in the install folder must be doubled
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    eng = _engine(path)
    applied: list[str] = []
    try:
        with eng.begin() as conn:
            start = version_of(conn)
            cfg.attributes["connection"] = conn
            if start is not None:
                command.stamp(cfg, start)
            command.upgrade(cfg, "head")
            if start != HEAD:
                applied.append(f"migrations {start or 'none'} -> {HEAD}")
            mc = MigrationContext.configure(conn, opts={
                "compare_type": True, "compare_server_default": True,
                "include_object": _include})
            ops = Operations(mc)
            for raw in compare_metadata(mc, _schema.metadata):
                d = _describe(raw)
                if d is None or d.action == "keep":
                    continue
                if isinstance(raw, list):
                    raw = raw[0]
                kind = raw[0]
                if kind == "add_table":
                    raw[1].create(conn)
                elif kind == "add_column":
                    col = raw[3]
                    if d.action == "destructive":
                        raise SchemaError(f"{d.words}: it has no default, so existing rows "
                                          "cannot get a value; nothing was changed")
                    ops.add_column(raw[2], col._copy())
                elif kind == "add_index":
                    ix = raw[1]
                    ops.create_index(ix.name, ix.table.name, [c.name for c in ix.columns],
                                     unique=ix.unique)
                elif kind in ("modify_type", "modify_nullable", "modify_default"):
                    _, _, t, c, info, old, new = raw
                    kw = {"modify_type": {"type_": new}, "modify_nullable": {"nullable": new},
                          "modify_default": {"server_default": new}}[kind]
                    with ops.batch_alter_table(t) as batch:
                        batch.alter_column(c, **kw)
                applied.append(f"fixed: {d.words}")
            conn.exec_driver_sql(
                "CREATE TABLE IF NOT EXISTS hmsync_schema_info (key TEXT PRIMARY KEY, value TEXT)")
            conn.exec_driver_sql("INSERT OR REPLACE INTO hmsync_schema_info VALUES "
                                 "('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
            conn.exec_driver_sql("ANALYZE")
    except sa.exc.OperationalError as e:
        raise SchemaError(f"the upgrade stopped ({e.orig}); everything was rolled back and "
                          f"{path.name} is unchanged") from None
    finally:
        eng.dispose()
    notes = []
    if vacuum:  # after the commit: a VACUUM refused (another program reading) undoes nothing
        try:
            optimise(path, vacuum=True)
        except SchemaError as e:
            notes.append(f"the upgrade was committed, but {e}")
    after = data_counts(path)
    lost = {t: (before[t], after.get(t)) for t in before
            if t in DATA_TABLES and after.get(t) != before[t]}
    if lost:
        raise SchemaError(f"row counts changed during the upgrade: {lost}; restore "
                          f"{backup.path if backup else 'your backup'}")
    kept = [d.words for d in compare(path) if d.action == "keep"]
    return UpgradeResult(start, HEAD, applied, kept, backup, before, after, notes)


def optimise(path: str | Path, vacuum: bool = False) -> None:
    """ANALYZE (and VACUUM on request): the remedy for a slow database after a migration."""
    from .backup import connect
    path = Path(path)
    try:
        con = connect(path)
        try:
            con.execute("PRAGMA analysis_limit = 1000")
            con.execute("ANALYZE")
            if vacuum:
                con.execute("VACUUM")
        finally:
            con.close()
    except sqlite3.OperationalError as e:
        why = ("another program has it open" if _locked(e) else str(e))
        raise SchemaError(f"{path.name}: {'VACUUM' if vacuum else 'ANALYZE'} was not done "
                          f"({why}); it changes no data and can be run again later") from None
