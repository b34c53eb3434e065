"""A legacy database read directly: an SQLite file (``legacy.db``, or the SQLAlchemy URL
``sqlite:///legacy.db``), each table and view a legacy table, as a workbook's sheets are.

Reading straight from the database skips the export-and-reread round trip, where text
encodings, delimiters and dates reformatted by a spreadsheet lose data. The values come
typed from the driver: a number is written out exactly (no thousands separators, no
rounding), a date or time in ISO form, so nothing is guessed back from formatted text.

A record's location is its key where a file has a line: the table's integer primary key,
else its rowid, else (a view, a table without rowid) its position in the table's order.
``SourceTable.location`` words it ("patient_id 42"), and the ``line`` of a problem holds
the number.

The database is opened read-only (SQLite's ``mode=ro``): the wizard never writes to it.
Each read runs in one transaction, so a live system cannot shift under it; a run reads
every table of one database in a single transaction (:func:`snapshot`), so counts and
records come from one consistent state. Records are fetched a chunk at a time.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import os
import re
import sqlite3
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import SourceProblem
from ..numbercell import NumberCell
from .base import (_CHUNK_READERS, _SURROGATE, SourceError, SourceTable, _cell, _clean_header,
                   _frame)

#: a file named with one of these is read as an SQLite database when named on its own (a
#: folder's scan leaves them alone: an HMSync database may sit beside an export)
DB_EXTS = {".db", ".sqlite", ".sqlite3", ".db3"}
FORMAT = "sqlite"
_HEADER = b"SQLite format 3\x00"
_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9_+.-]*)://(?P<rest>.*)$", re.S)
#: the SQLAlchemy dialects of the databases a legacy system may run on
SERVER_DIALECTS = ("mysql", "mariadb", "postgresql", "postgres", "mssql", "oracle")


def is_url(text) -> bool:
    """Whether a source named on the command line or in the wizard is a database URL."""
    return isinstance(text, str) and _URL.match(text) is not None


def mask_url(url: str) -> str:
    """The URL as it may be shown or logged: any password replaced by ***."""
    m = _URL.match(url)
    if not m:
        return url
    rest = m.group("rest")
    at = rest.rfind("@", 0, rest.find("/") if "/" in rest else len(rest))
    if at == -1:
        return url
    cred = rest[:at]
    user = cred.split(":", 1)[0]
    return f"{m.group('scheme')}://{user}{':***' if ':' in cred else ''}@{rest[at + 1:]}"


def source_path(source) -> Path:
    """Where a source named as text is read from: a ``sqlite:///`` URL is its file;
    anything else that is not a URL is a path. A server's URL is refused, with why."""
    if not is_url(str(source)):
        return Path(source)
    m = _URL.match(str(source))
    scheme = m.group("scheme").lower()
    dialect = scheme.split("+", 1)[0]
    if dialect == "sqlite":
        rest = m.group("rest")
        if not rest.startswith("/") or rest in ("/", "/:memory:"):
            raise SourceError(Path(mask_url(str(source))), "an SQLite URL names a file: "
                              "sqlite:///relative/legacy.db or sqlite:////absolute/legacy.db")
        path = urllib.parse.unquote(rest[1:].split("?", 1)[0])
        return Path(path)
    if dialect in SERVER_DIALECTS:
        raise SourceError(Path(mask_url(str(source))), f"a {dialect} server's URL names no "
                          "file (see readers.server)")
    raise SourceError(Path(mask_url(str(source))), f"'{scheme}' is not a database this wizard "
                      "reads (sqlite:///legacy.db is)")


def is_server_url(text) -> bool:
    """A URL of a database on a server (not an SQLite file)."""
    if not is_url(str(text)):
        return False
    return _URL.match(str(text)).group("scheme").lower().split("+", 1)[0] in SERVER_DIALECTS


def is_database_file(path: Path) -> bool:
    """An SQLite database by its name or by its first bytes."""
    if path.suffix.lower() in DB_EXTS:
        return True
    try:
        with open(path, "rb") as f:
            return f.read(len(_HEADER)) == _HEADER
    except OSError:
        return False


def _short(e: BaseException) -> str:
    """A driver's error in one line (a server's may add its SQL and a link)."""
    text = str(getattr(e, "orig", None) or e)
    return text.strip().splitlines()[0] if text.strip() else type(e).__name__


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Snapshots:
    """One read transaction for a whole run, per process: :meth:`snapshot` holds one open
    (nested calls share it), :meth:`reading` gives its connection, or one of its own in a
    transaction of its own. A database says how it connects, starts reading and lets go."""
    _snap: tuple | None = None      # (pid, connection, depth)

    def connect(self):
        raise NotImplementedError

    def _start(self, con) -> None:
        """Begin the read transaction (nothing where connecting began it)."""

    def _close(self, con) -> None:
        con.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator:
        """A connection inside a read transaction: the snapshot's, or one of its own."""
        snap = self._snap
        if snap is not None and snap[0] == os.getpid():
            yield snap[1]
            return
        con = self.connect()
        try:
            self._start(con)
            yield con
        finally:
            self._close(con)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read of this database in this process, until the end of the block, from
        one transaction: one state of the database, however long the reading takes."""
        snap = self._snap
        if snap is not None and snap[0] == os.getpid():
            self._snap = (snap[0], snap[1], snap[2] + 1)
            try:
                yield
            finally:
                pid, con, depth = self._snap
                self._snap = (pid, con, depth - 1)
            return
        con = self.connect()
        try:
            self._start(con)
            self._snap = (os.getpid(), con, 1)
            yield
        finally:
            self._snap = None
            self._close(con)


class Database(Snapshots):
    """One SQLite file opened read-only; the connection of a snapshot in progress, if any,
    kept per process (a helper process opens its own)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._snap: tuple[int, sqlite3.Connection, int] | None = None  # (pid, con, depth)

    errors = (sqlite3.Error,)
    label = "SQLite database"

    def __getstate__(self):
        return {"path": self.path, "_snap": None}  # a connection never crosses processes

    @staticmethod
    def quote(name: str) -> str:
        return _quote(name)

    @staticmethod
    def execute(con, sql: str, chunk_rows: int = 1):
        return con.execute(sql)

    def fingerprint(self, table: str) -> str | None:
        """What stands for the read's SHA-256 in the audit trail (None: the file's)."""
        return None

    def connect(self) -> sqlite3.Connection:
        uri = "file:" + urllib.parse.quote(str(self.path.resolve())) + "?mode=ro"
        try:
            con = sqlite3.connect(uri, uri=True, isolation_level=None,
                                  check_same_thread=False)
            # text that is not valid UTF-8 is kept (undecodable bytes as lone surrogates)
            # and the record flagged, as the file readers do
            con.text_factory = lambda b: b.decode("utf-8", "hmsync-escape")
            con.execute("PRAGMA query_only = ON")
            return con
        except sqlite3.Error as e:
            raise SourceError(self.path, f"cannot be opened as an SQLite database ({e})") \
                from None

    def _start(self, con: sqlite3.Connection) -> None:
        _begin(con, self.path)


def _begin(con: sqlite3.Connection, path: Path) -> None:
    try:
        con.execute("BEGIN")
        # the snapshot starts with the first read, not with BEGIN: read at once
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as e:
        raise SourceError(path, f"cannot be read as an SQLite database ({e})") from None


@dataclass
class DatabaseTable(SourceTable):
    """A table or view of a legacy database (``sheet`` is its name)."""
    database: Database | None = None
    kind: str = "table"          # table, view or query
    query: str | None = None     # a profile's own query (kind "query")
    key_sql: str | None = None   # the SQL of a record's number (None: its position)
    key_label: str = "row"       # what the number is: a key column's name, rowid or row
    order_sql: str | None = None  # the order of the records (None: the key's)

    @property
    def location_name(self) -> str:
        return self.key_label

    @property
    def location_is_column(self) -> bool:
        return self.key_sql is not None and self.key_label in self.columns

    def sha256(self) -> str:
        # the database file's (what was read); a server's stands in with its own
        return self.database.fingerprint(self.sheet) or super().sha256()

    def has_nul_bytes(self) -> bool:
        return False

    def has_inner_bom(self) -> bool:
        return False

    def estimate_rows(self) -> int:
        db = self.database
        with db.reading() as con:
            try:
                cur = db.execute(con, f"SELECT count(*) FROM ({self._select()}) q")
                n = int(cur.fetchone()[0])
                cur.close()  # an unbuffered server cursor is done only when closed
                return n
            except db.errors as e:
                raise SourceError(self.path, f"{self.kind} '{self.sheet}' cannot be read "
                                  f"({e})") from None

    def _select(self) -> str:
        if self.query is not None:
            return self.query
        return f"SELECT * FROM {self.database.quote(self.sheet)}"

    def _sql(self) -> str:
        key = self.key_sql or "NULL"
        order = self.order_sql or self.key_sql
        # "FROM x q", not "AS q": Oracle takes no AS before a table's alias
        sql = f"SELECT {key}, q.* FROM {self.database.quote(self.sheet)} q" \
            if self.query is None else f"SELECT NULL, q.* FROM ({self.query}) q"
        return sql + (f" ORDER BY {order}" if order else "")


def _value(v) -> tuple[str, str]:
    """(text, what is wrong with it) for a value as the driver gives it."""
    if v is None:
        return "", ""
    if isinstance(v, str):
        return v, ""
    if isinstance(v, memoryview):
        v = v.tobytes()
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8"), ""
        except UnicodeDecodeError:
            return "", f"holds {len(v):,} bytes of binary data, not text"
    if isinstance(v, float):
        return NumberCell(repr(v)) if not v.is_integer() else _cell(v), ""
    if isinstance(v, decimal.Decimal):
        return NumberCell(format(v, "f")), ""
    if isinstance(v, dt.datetime):
        s = v.isoformat(sep=" ")
        return (s[:10] if s.endswith(" 00:00:00") and v.tzinfo is None else s), ""
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat(), ""
    return _cell(v), ""


def _read(t: DatabaseTable, chunk_rows: int) -> Iterator:
    db = t.database
    with db.reading() as con:
        try:
            cur = db.execute(con, t._sql(), chunk_rows)
        except db.errors as e:
            raise SourceError(t.path, f"{t.kind} '{t.sheet}' cannot be read ({_short(e)})") \
                from None
        try:
            yield from _chunks(t, cur, chunk_rows)
        finally:
            with contextlib.suppress(*db.errors):
                cur.close()  # a server-side cursor left half read (a sample) ends here


def _chunks(t: DatabaseTable, cur, chunk_rows: int) -> Iterator:
    db = t.database
    n = len(t.columns)
    position = 0
    while True:
        try:
            rows = cur.fetchmany(chunk_rows)
        except db.errors as e:
            raise SourceError(t.path, f"{t.kind} '{t.sheet}': reading stopped ({_short(e)})") \
                from None
        if not rows:
            return
        notes: dict[int, list[str]] = {}
        cols = []
        for i in range(n):
            col = [r[i + 1] for r in rows]
            kinds = set(map(type, col))
            if not kinds <= {str}:  # the common case, text alone, needs no conversion
                if kinds <= {str, type(None)}:
                    col = ["" if v is None else v for v in col]
                elif kinds <= {int, type(None)}:  # whole numbers: their digits
                    col = ["" if v is None else str(v) for v in col]
                else:
                    done = [_value(v) for v in col]
                    col = [text for text, _ in done]
                    for j, (_, wrong) in enumerate(done):
                        if wrong:
                            notes.setdefault(j, []).append(
                                f"field '{t.columns[i]}' {wrong}")
            if _SURROGATE.search("\x00".join(col)):  # one search a column, at C speed
                for j, v in enumerate(col):
                    if _SURROGATE.search(v):
                        notes.setdefault(j, []).append(
                            f"field '{t.columns[i]}' holds bytes that are not valid "
                            "UTF-8 text")
            cols.append(col)
        lines = [r[0] if isinstance(r[0], int) else position + j + 1
                 for j, r in enumerate(rows)]
        position += len(rows)
        corrupt = [("; ".join(notes[j]) if j in notes else "") for j in range(len(rows))]
        yield _frame(cols, t.columns, lines, corrupt)


_CHUNK_READERS[FORMAT] = _read


def _key(con: sqlite3.Connection, name: str, kind: str) -> tuple[str | None, str, str | None]:
    """(the SQL of a record's number, what it is called, the order) of a table or view."""
    info = con.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
    pk = sorted((r for r in info if r[5]), key=lambda r: r[5])
    if kind == "table":
        try:
            con.execute(f"SELECT rowid FROM {_quote(name)} LIMIT 0")
            has_rowid = True
        except sqlite3.Error:
            has_rowid = False  # WITHOUT ROWID, or a virtual table
        if has_rowid:
            alias = len(pk) == 1 and (pk[0][2] or "").upper() == "INTEGER"
            return "rowid", (pk[0][1] if alias else "rowid"), None
        if pk:
            return None, "row", ", ".join(_quote(r[1]) for r in pk)
    # a view has no key of its own: its records in the order of all their columns, so the
    # same state of the database numbers them the same way every time (column 1 of the
    # read is the record's number: theirs start at 2)
    return None, "row", ", ".join(str(i + 2) for i in range(len(info))) or None


def open_database(path: Path) -> list[SourceTable]:
    """Every table and view of an SQLite file as legacy tables named ``file#table``."""
    path = Path(path)
    with open(path, "rb") as f:
        if f.read(len(_HEADER)) != _HEADER:
            raise SourceError(path, "this is not an SQLite database (its first bytes are not "
                              "SQLite's)")
    db = Database(path)
    tables: list[SourceTable] = []
    with db.reading() as con:
        try:
            found = con.execute("SELECT name, type FROM sqlite_master WHERE type IN "
                                "('table', 'view') AND name NOT LIKE 'sqlite!_%' ESCAPE '!' "
                                "ORDER BY name").fetchall()
        except sqlite3.Error as e:
            raise SourceError(path, f"cannot be read as an SQLite database ({e})") from None
        for name, kind in found:
            t = DatabaseTable(path, f"{path.name}#{name}", FORMAT, sheet=name, database=db,
                              kind=kind)
            try:
                info = con.execute(f"PRAGMA table_info({_quote(name)})").fetchall()
                t.columns = _clean_header([r[1] for r in info], t)
                t.key_sql, t.key_label, t.order_sql = _key(con, name, kind)
            except sqlite3.Error as e:
                raise SourceError(path, f"{kind} '{name}' cannot be read ({e})") from None
            tables.append(t)
    if not tables:
        raise SourceError(path, "the database has no tables or views")
    return tables


@contextlib.contextmanager
def snapshot(tables) -> Iterator[None]:
    """Every database among ``tables`` read, until the end of the block, each from one
    transaction (see Database.snapshot); files need nothing."""
    dbs = {}
    for t in tables:
        db = getattr(t, "database", None)
        if db is not None:
            dbs.setdefault(id(db), db)
    with contextlib.ExitStack() as stack:
        for db in dbs.values():
            stack.enter_context(db.snapshot())
        yield


@dataclass(frozen=True)
class TableSummary:
    """A table or view of a legacy database, as a connection test lists it."""
    name: str          # the legacy table's name (file#table)
    kind: str          # table, view
    rows: int
    columns: int
    key: str           # what locates a record: a key column's name, rowid or row


@dataclass
class DatabaseSummary:
    """What a connection test found: where (shown with any password masked), and each
    table and view with its row count, all counted in one snapshot."""
    shown: str
    path: Path
    tables: list[SourceTable] = field(default_factory=list)
    summaries: list[TableSummary] = field(default_factory=list)
    source: Path | str | None = None   # what the session adds: the file, or a server's URL
    password_from: str = ""   # a server's: url, typed, environment, keyring ('' none)

    def __post_init__(self):
        if self.source is None:
            self.source = self.path


def check_connection(source: str, cancel=None) -> DatabaseSummary:
    """Open a database named by a path or URL read-only, and count each table's records
    (the wizard's "Connect to a database…"). Raises SourceError, in the operator's words."""
    path = source_path(source.strip())
    if not path.is_file():
        raise SourceError(path, "the file does not exist" if not path.exists() else
                          "this is not a file")
    if path.stat().st_size == 0:
        raise SourceError(path, "the file is empty")
    tables = open_database(path)
    out = DatabaseSummary(mask_url(source.strip()) if is_url(source.strip()) else str(path),
                          path, tables)
    with snapshot(tables):
        for t in tables:
            if cancel is not None:
                cancel.check()
            out.summaries.append(TableSummary(t.name, t.kind, t.estimate_rows(),
                                              len(t.columns), t.key_label))
    return out


class QueryWithoutDatabase(SourceProblem):
    """A profile's query with no legacy database among the sources to run it on."""


def query_tables(tables, table_maps) -> list[SourceTable]:
    """The legacy tables a profile defines with a ``query`` that ``tables`` lack yet, each
    run on the database its source names (``legacy.db#name``), else on the one database
    among ``tables``."""
    dbs: dict[str, Database] = {}
    for t in tables:
        if isinstance(t, DatabaseTable):
            dbs.setdefault(t.path.name, t.database)
    have = {t.name for t in tables}
    out = []
    for tm in table_maps:
        if not tm.query:
            continue
        file, _, name = tm.source.rpartition("#")
        if file:
            path = dbs.get(file)
        elif len(dbs) == 1:
            path = next(iter(dbs.values()))
        else:
            path = None
        if path is None:
            raise QueryWithoutDatabase(f"table '{tm.source}' has a query, but " + (
                "no legacy database is among the sources" if not dbs else
                f"'{file}' is not among them" if file else
                "several databases are: name one (legacy.db#" + name + ")"))
        if f"{path.path.name}#{name}" in have:
            continue
        out.append(_query_table(path, name, tm.query))
    return out


def _query_table(db: Database, name: str, sql: str) -> DatabaseTable:
    """A profile's query as a legacy table of ``db`` (read in the same snapshot as its
    tables)."""
    path = db.path
    t = DatabaseTable(path, f"{path.name}#{name}", FORMAT, sheet=name, database=db,
                      kind="query", query=sql.strip().rstrip(";"))
    with db.reading() as con:
        try:
            # its columns without its records (LIMIT is not SQL Server's or Oracle's)
            cur = db.execute(con, f"SELECT * FROM ({t.query}) q WHERE 1 = 0")
            names = list(cur.keys()) if hasattr(cur, "keys") else \
                [d[0] for d in cur.description]
            cur.close()
        except db.errors as e:
            raise SourceError(path, f"query '{name}' cannot be run ({_short(e)})") from None
        t.columns = _clean_header(names, t)
    return t
