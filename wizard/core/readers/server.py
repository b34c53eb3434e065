"""A legacy database on a server, named by a SQLAlchemy URL (``postgresql+psycopg://``,
``mysql+pymysql://``, ...): each table and view of its default schema a legacy table, read
as an SQLite file's are (see ``database``), through SQLAlchemy.

The password is never part of what the wizard keeps: a URL's password is held in this
process's memory only, and the URL the session, project file, report and log see has none.
Without one, ``HMSYNC_SOURCE_PASSWORD`` or the system keyring gives it (``credentials``),
else the operator types it.

Reads run in one snapshot transaction per database, read-only where the server has such
transactions (see ``ISOLATION``), with server-side cursors fetching a chunk at a time.
PostgreSQL and MariaDB are tested against real servers; Oracle and SQL Server are not
(no server to test against here): their URLs are taken and their statements written to
their manuals.
"""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
from pathlib import Path

from .base import _CHUNK_READERS, SourceError, SourceTable, _clean_header
from .credentials import look_up
from .database import (SERVER_DIALECTS, DatabaseSummary, DatabaseTable, Snapshots, TableSummary,
                       _read, _short, is_server_url, snapshot, source_path)
from .database import check_connection as _check_file

_CURSORS = itertools.count(1)
#: passwords named in URLs, typed or read from the keyring, by the URL without its
#: password: in memory only
_PASSWORDS: dict[str, str] = {}
#: where each of those came from (url, typed, keyring)
_FROM: dict[str, str] = {}
#: the drivers each kind of server is read with, and the package that brings each
DRIVERS = {"postgresql": "psycopg (pip install 'psycopg[binary]')",
           "mysql": "PyMySQL (pip install PyMySQL)", "mariadb": "PyMySQL (pip install PyMySQL)",
           "oracle": "python-oracledb (pip install oracledb)",
           "mssql": "pyodbc (pip install pyodbc; optional, not bundled) and Microsoft's ODBC "
                    "Driver 18 for SQL Server (msodbcsql18, with unixODBC on Linux)"}
#: the URL scheme of the driver bundled for each kind of server
BUNDLED = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql",
           "mariadb": "mariadb+pymysql", "oracle": "oracle+oracledb"}
#: the isolation level each kind of server reads in (None: the server's default, its
#: read-only transaction being the snapshot)
ISOLATION = {
    # a snapshot taken at the first read, held for the transaction
    "postgresql": "REPEATABLE READ", "mysql": "REPEATABLE READ", "mariadb": "REPEATABLE READ",
    # SET TRANSACTION READ ONLY gives Oracle's transaction-level read consistency;
    # Oracle has no REPEATABLE READ level to set
    "oracle": None,
    # row versions, no locks on the live system's tables (REPEATABLE READ would lock
    # them); the database must have ALLOW_SNAPSHOT_ISOLATION ON
    "mssql": "SNAPSHOT",
}
#: the first read, which starts the snapshot
_PROBE = {"oracle": "SELECT 1 FROM DUAL"}


for _kind in SERVER_DIALECTS:  # a server's tables are read as an SQLite file's are
    _CHUNK_READERS[_kind] = _read


def source_location(source) -> Path | str:
    """Where a source named as text is read from: a path (a ``sqlite:///`` URL is its
    file), or a server's URL as the wizard keeps it, without its password."""
    if is_server_url(source):
        return keep_url(str(source))
    return source_path(source)


def needs_password(bare: str) -> bool:
    """Whether a kept URL has no password to connect with yet (in memory, the environment
    or the system keyring), and a user to give one for."""
    from sqlalchemy.engine import make_url
    return bool(make_url(bare).username) and _password(bare) is None


def remember_password(bare: str, password: str) -> None:
    """A password the operator typed, for this process's reads of ``bare``."""
    _PASSWORDS[bare] = password
    _FROM[bare] = "typed"


def password_source(bare: str) -> str:
    """Where the password for ``bare`` comes from: url, typed, environment, keyring, or ''
    (none)."""
    if _password(bare) is None:
        return ""
    return _FROM.get(bare, "typed") if bare in _PASSWORDS else "environment"


def _password(bare: str) -> str | None:
    if bare in _PASSWORDS:
        return _PASSWORDS[bare]
    found = look_up(bare)
    if found.source == "keyring":  # asked once per process; the environment every time
        _PASSWORDS[bare], _FROM[bare] = found.password, "keyring"
    return found.password


def keep_url(url: str) -> str:
    """The URL as the wizard keeps and shows it: without its password (held in memory for
    this process's reads)."""
    from sqlalchemy.engine import make_url
    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 (SQLAlchemy's ArgumentError, ValueError, ...)
        raise SourceError(Path("database URL"), "this is not a database URL (expected "
                          "dialect+driver://user@host:port/database)") from None
    bare = u._replace(password=None).render_as_string(hide_password=False)
    if u.password:
        _PASSWORDS[bare], _FROM[bare] = str(u.password), "url"
    return bare


def _full_url(bare: str):
    from sqlalchemy.engine import make_url
    u = make_url(bare)
    password = _password(bare)
    return u.set(password=password) if password else u


class ServerDatabase(Snapshots):
    """One server database, read-only; like ``database.Database`` (the interface its
    tables read through), with a SQLAlchemy engine made per process."""

    label = "database"

    def __init__(self, url: str):
        self.url = url                       # without its password
        self.path = Path(self.display)
        self._engine = None
        self._snap = None                    # (pid, connection, depth)

    def __getstate__(self):
        return {"url": self.url, "path": self.path, "_engine": None, "_snap": None,
                "_password": _PASSWORDS.get(self.url)}

    def __setstate__(self, d):
        pw = d.pop("_password", None)
        if pw is not None:  # a spawned helper process: the password only in its memory
            _PASSWORDS.setdefault(d["url"], pw)
        self.__dict__.update(d)

    @property
    def display(self) -> str:
        from sqlalchemy.engine import make_url
        u = make_url(self.url)
        return f"{u.get_backend_name()}://{u.host or 'localhost'}" + \
            (f":{u.port}" if u.port else "") + f"/{u.database or ''}"

    @property
    def errors(self):
        from sqlalchemy.exc import SQLAlchemyError
        dbapi = getattr(self.engine().dialect, "loaded_dbapi", None)
        # the driver's own errors too: psycopg's cursor is used without SQLAlchemy
        return (SQLAlchemyError,) + ((dbapi.Error,) if dbapi is not None else ())

    def engine(self):
        if self._engine is None or self._engine[0] != os.getpid():
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool
            kind = self.url.split(":", 1)[0].split("+", 1)[0]
            level = ISOLATION.get(kind, "REPEATABLE READ")
            try:
                eng = create_engine(_full_url(self.url), poolclass=NullPool,
                                    **({"isolation_level": level} if level else {}))
            except ModuleNotFoundError as e:
                scheme = self.url.split(":", 1)[0].lower()
                do = f"install {DRIVERS.get(kind, e.name)}"
                if kind in BUNDLED and scheme != BUNDLED[kind]:
                    do = f"the wizard brings another: name it in the URL ({BUNDLED[kind]}://…)"
                raise SourceError(self.path, f"the driver for {kind} is not installed "
                                  f"({e.name}): {do}") from None
            except ImportError as e:  # a driver whose system library is missing (libodbc)
                raise SourceError(self.path, f"the driver for {kind} cannot be loaded "
                                  f"({_short(e)}): install {DRIVERS.get(kind, 'it')}") from None
            except Exception as e:  # noqa: BLE001 (an unknown dialect: said in its words)
                raise SourceError(self.path, f"cannot connect ({_short(e)})") from None
            self._engine = (os.getpid(), eng)
        return self._engine[1]

    def quote(self, name: str) -> str:
        return self.engine().dialect.identifier_preparer.quote(name)

    @staticmethod
    def execute(con, sql: str, chunk_rows: int = 1):
        if con.dialect.driver == "psycopg":
            # psycopg's own server-side cursor: plain tuples a chunk at a time, without
            # SQLAlchemy building a row object for each record (a third of the read)
            raw = con.connection.driver_connection
            cur = raw.cursor(name=f"hmsync_read_{next(_CURSORS)}")
            cur.itersize = max(chunk_rows, 1)
            try:
                cur.execute(sql)
            except raw.Error as e:
                from sqlalchemy.exc import DBAPIError
                raise DBAPIError(sql, None, e) from None
            return cur
        if con.dialect.driver == "pymysql":
            # PyMySQL's own unbuffered cursor, for the same reason: tuples, no row objects
            import pymysql
            from pymysql.cursors import SSCursor
            cur = con.connection.driver_connection.cursor(SSCursor)
            try:
                cur.execute(sql)
            except pymysql.Error as e:
                from sqlalchemy.exc import DBAPIError
                raise DBAPIError(sql, None, e) from None
            return cur
        return con.exec_driver_sql(sql, execution_options={
            "stream_results": True, "max_row_buffer": max(chunk_rows, 1)})

    def fingerprint(self, table: str) -> str:
        """A server's data has no file to hash: its place and table's name stand in."""
        return hashlib.sha256(f"{self.display}#{table}".encode()).hexdigest()

    def connect(self):
        eng = self.engine()
        try:
            con = eng.connect()
            kind = eng.dialect.name
            if kind in ("mysql", "mariadb"):
                con.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
                con.commit()
                con.exec_driver_sql("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            elif kind == "oracle":
                con.rollback()  # SET TRANSACTION must be a transaction's first statement
                con.exec_driver_sql("SET TRANSACTION READ ONLY")
            elif kind == "postgresql":
                con.exec_driver_sql("SET TRANSACTION READ ONLY")
            # (SQL Server has no read-only transaction: the login's rights keep it read-only)
            con.exec_driver_sql(_PROBE.get(kind, "SELECT 1")).fetchall()  # snapshot starts
            return con
        except self.errors as e:
            raise SourceError(self.path, f"cannot connect ({_short(e)}){_advice(e)}") \
                from None

    def _close(self, con) -> None:
        with contextlib.suppress(Exception):
            con.rollback()  # nothing was written: there is nothing to keep
        con.close()


def _advice(e: BaseException) -> str:
    """What to do about a driver's error that says something is not installed."""
    orig = getattr(e, "orig", e)
    state = str(orig.args[0]) if getattr(orig, "args", None) else ""
    if type(orig).__module__.startswith("pyodbc") and state in ("01000", "IM002"):
        # unixODBC's "Can't open lib" / "Data source name not found"
        return ("; the ODBC driver the URL names is not installed: install Microsoft's ODBC "
                "Driver 18 for SQL Server (msodbcsql18) and name it in the URL "
                "(?driver=ODBC+Driver+18+for+SQL+Server)")
    return ""


def open_server(url: str) -> list[SourceTable]:
    """Every table and view of a server database's default schema as legacy tables named
    ``database#table``, each located by its integer primary key where it has one."""
    from sqlalchemy import inspect
    db = ServerDatabase(keep_url(url))
    prefix = db.display.rsplit("/", 1)[-1] or "database"
    tables: list[SourceTable] = []
    with db.reading() as con:
        try:
            insp = inspect(con)
            found = [(n, "table") for n in insp.get_table_names()] + \
                [(n, "view") for n in insp.get_view_names()]
            for name, kind in sorted(found):
                t = DatabaseTable(db.path, f"{prefix}#{name}", db.engine().dialect.name,
                                  sheet=name, database=db, kind=kind)
                cols = insp.get_columns(name)
                t.columns = _clean_header([c["name"] for c in cols], t)
                pk = insp.get_pk_constraint(name).get("constrained_columns") or [] \
                    if kind == "table" else []
                types = {c["name"]: c["type"] for c in cols}
                if len(pk) == 1 and _is_integer(types.get(pk[0])):
                    t.key_sql, t.key_label = db.quote(pk[0]), pk[0]
                elif pk:
                    t.order_sql = ", ".join(db.quote(c) for c in pk)
                else:  # records in the order of all their columns (column 1 is the number)
                    t.order_sql = ", ".join(str(i + 2) for i in range(len(cols))) or None
                tables.append(t)
        except db.errors as e:
            raise SourceError(db.path, f"cannot be read ({_short(e)})") from None
    if not tables:
        raise SourceError(db.path, "the database has no tables or views")
    return tables


def _is_integer(t) -> bool:
    try:
        return t is not None and t.python_type is int
    except NotImplementedError:
        return False


def check_connection(source: str, password: str | None = None, cancel=None
                     ) -> DatabaseSummary:
    """Connect to a database named by a path or URL, read-only, and count each table's
    records in one snapshot (the wizard's "Connect to a database…"); ``password`` for a
    server's URL that has none (kept in memory only). ``summary.source`` is what to add
    to the session: the file, or the URL without its password."""
    source = source.strip()
    if not is_server_url(source):
        return _check_file(source, cancel)
    bare = keep_url(source)
    if password:
        remember_password(bare, password)
    tables = open_server(bare)
    db = tables[0].database
    out = DatabaseSummary(f"{db.display} as {_user(bare)}", db.path, tables, source=bare,
                          password_from=password_source(bare))
    with snapshot(tables):
        for t in tables:
            if cancel is not None:
                cancel.check()
            out.summaries.append(TableSummary(t.name, t.kind, t.estimate_rows(),
                                              len(t.columns), t.key_label))
    return out


def _user(bare: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(bare).username or "(no user)"
