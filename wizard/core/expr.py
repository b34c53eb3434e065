"""Expressions in a profile: row filters (``where:``) and computed fields (``expr:``).

A profile travels by e-mail, so it must never be able to run code. Its expressions are
SQLite expressions, evaluated over each chunk of legacy records in a private in-memory
database that holds nothing but that chunk (a table of texts, one column per legacy
column read). An authorizer lets an expression do three things only: read the chunk's
columns, call the functions listed in :data:`FUNCTIONS`, and be the one SELECT the wizard
writes around it. Sub-queries, other tables (``sqlite_master``), ATTACH, PRAGMA,
``load_extension`` and every other function are refused while the profile loads; a
statement's virtual-machine steps are capped (:data:`STEPS_PER_ROW`) and so is the length
of any value (:data:`MAX_VALUE_CHARS`), so no expression runs for ever or fills memory.
Regular expressions are checked for the nested repeats that make Python's matcher take
exponential time.

Why SQLite rather than a parser of our own: it is in Python's standard library, its
expression language is documented and widely known, and it evaluates a chunk of 25,000
records in one call (``tests/benchmarks/bench_expr.py`` prints the figures beside a
tree-walking evaluator's). A value a function cannot read (a date that is no date) fails
that record alone: the chunk is evaluated again record by record, so the problem names its
file, line and field.

Empty cells are NULL, so ``coalesce(a, b)`` takes the first non-empty one. Cells are
texts: compared with a number (``AGE < 18``, ``visits > 0``), a cell is read as
``number()`` reads it, and one that is no number fails its record (expr_compare.py); two
texts compare as texts (``'9' > '100'``): ``number(A) > number(B)`` compares numbers.

Nested JSON: a JSON export's nested object or list is its column's JSON text (FHIR's
``subject`` is ``{"reference": "Patient/12"}``), read with SQLite's own JSON functions, or
with a path written after the column, ``subject.reference`` or ``name[0].family``, which
the profile loads as ``json_extract(subject, '$.reference')``. A cell that is not JSON fails
its record alone, as a date that is no date does.
"""
from __future__ import annotations

import difflib
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

try:  # Python 3.11+: the parser's own module
    import re._parser as _sre_parse  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover
    import sre_parse as _sre_parse  # type: ignore[no-redef]

from . import expr_compare
from .errors import ProfileError
from .words import counted

#: virtual-machine steps (in thousands) one record's expression may take, on top of a
#: fixed allowance per statement: a plain expression takes a few dozen
STEPS_PER_ROW = 200
STEPS_BASE = 10_000
#: the longest text or blob an expression may make (a cell is far shorter)
MAX_VALUE_CHARS = 1_000_000
#: the longest regular expression pattern
MAX_PATTERN_CHARS = 500

_TABLE = "t"
#: the record's place in its chunk (a name no export uses for a column)
_ROWID = "hmsync wizard row #"


# --- functions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Function:
    name: str
    args: str
    does: str
    example: str


def _regex(pattern) -> re.Pattern:
    if pattern is None:
        raise ValueError("the pattern is empty")
    return _compiled(str(pattern))


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern:
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"a pattern of {len(pattern)} characters is too long "
                         f"(at most {MAX_PATTERN_CHARS})")
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error as e:
        raise ValueError(f"the pattern '{pattern}' is not a regular expression ({e})") from None
    _check_pattern(parsed, pattern, 0)
    return re.compile(pattern)


def _check_pattern(parsed, pattern: str, repeats: int) -> None:
    """Refuse what makes a backtracking matcher slow beyond measure: a repeat inside a
    repeat (``(a+)+``) and back-references."""
    for op, av in parsed:
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            if repeats and hi != 0:
                raise ValueError(f"the pattern '{pattern}' repeats a repeat (like (a+)+), "
                                 "which can take for ever to match: simplify it")
            _check_pattern(sub, pattern, repeats + (1 if hi is _sre_parse.MAXREPEAT or hi > 1
                                                    else 0))
        elif name in ("GROUPREF", "GROUPREF_EXISTS"):
            raise ValueError(f"the pattern '{pattern}' refers back to a group (\\1): "
                             "not allowed in a profile")
        elif name == "SUBPATTERN":
            _check_pattern(av[-1], pattern, repeats)
        elif name in ("ATOMIC_GROUP",):
            _check_pattern(av, pattern, repeats)
        elif name == "BRANCH":
            for sub in av[1]:
                _check_pattern(sub, pattern, repeats)
        elif name in ("ASSERT", "ASSERT_NOT"):
            _check_pattern(av[1], pattern, repeats)


def _regexp_replace(value, pattern, replacement):
    rx = _regex(pattern)
    if value is None:
        return None
    return rx.sub(_replacement(replacement), str(value))


@lru_cache(maxsize=256)
def _replacement(r) -> str:
    # $1 or \1 name a group in the replacement; nothing else in it is special
    if r is None:
        return ""
    return re.sub(r"\$(\d)", r"\\\1", str(r))


def _regexp(pattern, value):
    rx = _regex(pattern)
    if value is None:
        return None
    return 1 if rx.search(str(value)) else 0


def _regexp_extract(value, pattern, group=0):
    rx = _regex(pattern)
    if value is None:
        return None
    m = rx.search(str(value))
    if m is None:
        return None
    return m.group(int(group or 0))


def _split_part(value, sep, n):
    if value is None:
        return None
    n = int(n)
    parts = str(value).split(str(sep)) if sep else [str(value)]
    if n < 0:
        n = len(parts) + n + 1
    return parts[n - 1] if 1 <= n <= len(parts) else None


def _title(value):
    return None if value is None else str(value).title()


def _first_non_empty(*values):
    for v in values:
        if v is not None and str(v).strip() != "":
            return v
    return None


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _number(value):
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    t = str(value).strip().replace(" ", "")
    if t == "":
        return None
    t = t.replace(",", "") if "." in t or t.count(",") != 1 else t.replace(",", ".")
    if not _NUMBER.fullmatch(t):
        raise ValueError("not a number")
    f = float(t)
    return int(f) if f.is_integer() and "." not in t and "e" not in t.lower() else f


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _compare(a, op, b):
    return expr_compare.compare(a, str(op), b, _number)


def _as_date(value) -> date | None:
    if value is None:
        return None
    return _date_of(str(value))


@lru_cache(maxsize=65536)  # (an export repeats its dates: a patient's on every row)
def _date_of(value: str) -> date | None:
    t = value.strip()
    if t == "":
        return None
    if len(t) >= 10 and t[4] == "-" and t[7] == "-":  # ISO, with a time or not
        try:
            return date(int(t[:4]), int(t[5:7]), int(t[8:10]))
        except ValueError:
            raise ValueError("not a date") from None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(t, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date (write it as YYYY-MM-DD or DD/MM/YYYY)")


def _to_date(value):
    d = _as_date(value)
    return None if d is None else d.isoformat()


def _age_at(birth, at=None):
    b = _as_date(birth)
    if b is None:
        return None
    a = _as_date(at) if at is not None else None
    if a is None:
        a = date.today()
    return a.year - b.year - ((a.month, a.day) < (b.month, b.day))


def _days_between(a, b):
    x, y = _as_date(a), _as_date(b)
    if x is None or y is None:
        return None
    return (y - x).days


#: the wizard's own functions: name -> (implementation, number of arguments (-1: any))
_OWN = {
    "regexp_replace": (_regexp_replace, 3), "regexp": (_regexp, 2),
    "regexp_extract": (_regexp_extract, -1), "split_part": (_split_part, 3),
    "title": (_title, 1), "first_non_empty": (_first_non_empty, -1),
    "number": (_number, 1), "to_date": (_to_date, 1), "age_at": (_age_at, -1),
    "days_between": (_days_between, 2),
    # a comparison with a number (expr_compare.py): written in by the wizard, not a profile
    expr_compare.FUNCTION: (_compare, 3),
}

#: every function an expression may call, with an example each (the profile reference is
#: made from this list)
FUNCTIONS: tuple[Function, ...] = (
    Function("regexp_replace", "(text, pattern, replacement)",
             "replaces every match of a regular expression ($1 names a group)",
             "regexp_replace(FIRST, '[0-9]+$', '')"),
    Function("regexp_extract", "(text, pattern[, group])",
             "the first match of a regular expression (or its group), else empty",
             "regexp_extract(CODE, '^([A-Z]+)-', 1)"),
    Function("REGEXP", "text REGEXP pattern", "1 when the text matches a regular expression",
             "CODE REGEXP '^[0-9]+-[0-9]$'"),
    Function("split_part", "(text, separator, n)",
             "the n-th piece of the text (1 is the first, -1 the last)",
             "split_part(NAME, ' ', 1)"),
    Function("upper", "(text)", "in capitals", "upper(GENDER)"),
    Function("lower", "(text)", "in small letters", "lower(EMAIL)"),
    Function("title", "(text)", "each word with a capital", "title(lower(NAME))"),
    Function("trim", "(text[, characters])", "without spaces (or the characters) at either end",
             "trim(PHONE, '+ ')"),
    Function("ltrim", "(text[, characters])", "without them at the start", "ltrim(MRN, '0')"),
    Function("rtrim", "(text[, characters])", "without them at the end", "rtrim(NOTE, '.')"),
    Function("replace", "(text, old, new)", "every `old` replaced (plain text)",
             "replace(PHONE, '-', '')"),
    Function("substr", "(text, start[, length])", "part of the text (1 is the first character)",
             "substr(ZIP, 1, 3)"),
    Function("instr", "(text, part)", "where the part starts (0: absent)",
             "instr(EMAIL, '@')"),
    Function("length", "(text)", "the number of characters", "length(PHONE) = 10"),
    Function("number", "(text)",
             "the text as a number (1,234.50 or 12,5); fails the record when it is none",
             "number(AMOUNT) > 0"),
    Function("abs", "(number)", "without its sign", "abs(number(BALANCE))"),
    Function("round", "(number[, digits])", "rounded", "round(number(TOTAL), 2)"),
    Function("min", "(a, b, ...)", "the smallest of its arguments", "min(number(A), number(B))"),
    Function("max", "(a, b, ...)", "the largest of its arguments", "max(number(A), 0)"),
    Function("to_date", "(text)",
             "the date as YYYY-MM-DD (from ISO dates and times, DD/MM/YYYY, DD-MM-YYYY, "
             "DD.MM.YYYY, YYYYMMDD); fails the record when it is none", "to_date(DOB)"),
    Function("age_at", "(birth[, at])",
             "full years from a birth date to a date (today when it is empty)",
             "age_at(BIRTHDATE, DEATHDATE)"),
    Function("days_between", "(from, to)", "days from one date to another",
             "days_between(START, STOP)"),
    Function("date", "(text[, modifier...])", "SQLite's date function (ISO dates)",
             "date(START, '+1 day')"),
    Function("julianday", "(text)", "SQLite's day number of an ISO date", "julianday(STOP)"),
    Function("strftime", "(format, text)", "an ISO date written another way",
             "strftime('%Y', DATE)"),
    Function("coalesce", "(a, b, ...)", "the first argument that is not empty",
             "coalesce(MOBILE, HOME_PHONE)"),
    Function("first_non_empty", "(a, b, ...)",
             "the first argument with more than spaces in it", "first_non_empty(NICK, FIRST)"),
    Function("ifnull", "(a, b)", "a, or b when a is empty", "ifnull(SUFFIX, '')"),
    Function("nullif", "(a, b)", "empty when a equals b, else a", "nullif(PHONE, '0000')"),
    Function("iif", "(condition, then, else)", "one value or the other",
             "iif(DEATHDATE IS NULL, 'alive', 'deceased')"),
    Function("CASE", "CASE WHEN c THEN v ... ELSE v END", "the value of the first condition "
             "that holds", "CASE WHEN number(AGE) < 18 THEN 'child' ELSE 'adult' END"),
    Function("LIKE", "text LIKE pattern", "a match with % (any text) and _ (one character), "
             "capitals ignored", "DESCRIPTION LIKE '%glucose%'"),
    Function("IN", "value IN (a, b, ...)", "one of the listed values",
             "CATEGORY IN ('laboratory', 'lab')"),
    Function("||", "a || b", "the texts joined", "FIRST || ' ' || LAST"),
    Function("< <= > >= = <>", "a < b",
             "a comparison: with a number on one side (written, or from number(), "
             "length(), age_at(), ...), the other side is read as number() reads it, and "
             "a text that is no number fails the record with <, <=, > and >= (it is "
             "unequal with = and <>); two texts compare as texts ('9' > '100')",
             "visits > 0"),
    Function("printf", "(format, ...)", "values written by a format", "printf('%05d', number(ID))"),
    Function("cast", "CAST(x AS INTEGER|REAL|TEXT)", "a value as another type",
             "CAST(QTY AS INTEGER)"),
)

#: reading nested JSON: SQLite's JSON functions that give one value from one cell (not
#: json_each or json_tree, which are tables, nor the aggregates, which join records)
JSON_FUNCTIONS: tuple[Function, ...] = (
    Function("json_extract", "(json, path)",
             "the value at a path in a cell holding JSON ($ is the cell, .key a member, "
             "[0] an element); an object or list as its JSON text; fails the record when "
             "the cell is not JSON", "json_extract(subject, '$.reference')"),
    Function("column.path", "column.key[n]...",
             "short for json_extract: a column holding JSON followed by a path (a key with "
             "spaces in double quotes)", "split_part(subject.reference, '/', 2)"),
    Function("->>", "json ->> path", "json_extract as an operator", "period ->> '$.start'"),
    Function("->", "json -> path", "the part at a path, as JSON text", "code -> '$.coding'"),
    Function("json_array_length", "(json[, path])", "the number of elements of a list",
             "json_array_length(identifier)"),
    Function("json_type", "(json[, path])",
             "what is at a path: object, array, text, integer, real, true, false or null",
             "json_type(deceasedDateTime) IS NOT NULL"),
    Function("json_valid", "(text)", "1 when the text is well-formed JSON",
             "json_valid(EXTRA)"),
)
FUNCTIONS += JSON_FUNCTIONS

#: SQLite's own functions an expression may call (the operators above need none)
_BUILTIN = ("upper", "lower", "trim", "ltrim", "rtrim", "replace", "substr", "instr",
            "length", "abs", "round", "min", "max", "date", "julianday", "strftime",
            "coalesce", "ifnull", "nullif", "iif", "printf", "like",
            "json_extract", "->", "->>", "json_array_length", "json_type", "json_valid")
ALLOWED = (frozenset(_BUILTIN) | frozenset(_OWN)) - {expr_compare.FUNCTION}


# --- compiling and evaluating ------------------------------------------------------------
def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


_DQ = re.compile(r"'(?:[^']|'')*'|\"((?:[^\"]|\"\")*)\"")

# --- column.path: nested JSON written after the column ----------------------------------
#: the pieces of an expression a path is looked for among: texts, quoted names, numbers
#: (1.5 is no path), names, and everything else one character at a time
_TOKEN = re.compile(r"""(?P<text>'(?:[^']|'')*')|(?P<quoted>"(?:[^"]|"")*")"""
                    r"""|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"""
                    r"""|(?P<name>[^\W\d]\w*)|(?P<other>.)""", re.S)
_SEGMENT = re.compile(r"""\.(?:(?P<key>[^\W\d]\w*)|"(?P<qkey>(?:[^"]|"")*)")|\[(?P<n>#?-?\d+)\]""")
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_paths(text: str) -> str:
    """The expression with each ``column.key[n]`` written as SQLite's json_extract.
    Only a name followed at once (no space) by ``.name``, ``."name"`` or ``[n]`` is a path:
    texts in single quotes and numbers are left as they are."""
    out: list[str] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        kind = m.lastgroup
        if kind not in ("name", "quoted"):
            out.append(m.group())
            i = m.end()
            continue
        path, j = "$", m.end()
        while (seg := _SEGMENT.match(text, j)) is not None:
            if seg.group("n") is not None:
                path += f"[{seg.group('n')}]"
            else:
                key = seg.group("key") if seg.group("key") is not None else \
                    seg.group("qkey").replace('""', '"')
                if '"' in key:
                    raise ValueError(f"a key with a double quote in it ({key}) cannot be "
                                     "a path: use json_extract")
                path += f".{key}" if _PLAIN_KEY.fullmatch(key) else f'."{key}"'
            j = seg.end()
        if path == "$" or text[j:j + 1] == "(":  # a name alone, or a function's name
            out.append(m.group())
            i = m.end()
            continue
        column = m.group() if kind == "quoted" else _quote(m.group())
        out.append(f"json_extract({column}, '" + path.replace("'", "''") + "')")
        i = j
    return "".join(out)


def path_refs(text: str) -> list[tuple[str, tuple[str, ...] | None]]:
    """Each name the expression holds outside its texts, with the keys of the path written
    after it (``personalDetails.firstName``: ``("firstName",)``; an element ``[n]`` ends
    the keys, since what follows it is inside a list), or None where no path follows (a
    column read whole, a function's or a keyword's name: the caller tells them apart by
    the expression's columns)."""
    out: list[tuple[str, tuple[str, ...] | None]] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        kind = m.lastgroup
        i = m.end()
        if kind not in ("name", "quoted"):
            continue
        name = m.group() if kind == "name" else m.group()[1:-1].replace('""', '"')
        keys: list[str] = []
        inside = True
        j = i
        while (seg := _SEGMENT.match(text, j)) is not None:
            if seg.group("n") is not None:
                inside = False
            elif inside:
                keys.append(seg.group("key") if seg.group("key") is not None else
                            seg.group("qkey").replace('""', '"'))
            j = seg.end()
        if j > i and text[j:j + 1] != "(":
            out.append((name, tuple(keys)))
            i = j
        else:
            out.append((name, None))
    return out


#: SQLite's words for a cell that is not JSON: that record fails, not the expression
_NOT_JSON = ("malformed JSON", "JSON cannot hold BLOB values", "bad JSON path")


def _json_failure(e: sqlite3.Error) -> str | None:
    text = str(e)
    if text.startswith("bad JSON path"):
        return None  # the profile's mistake, not the record's
    if any(text.startswith(w) for w in _NOT_JSON):
        return "json: the value is not JSON (a path or json_extract reads JSON only)"
    return None
_NO_COLUMN = re.compile(r"no such column: (.+)$")


class _Sandbox:
    """One private in-memory database whose authorizer lets only the wizard's own
    statements and the expression's permitted reads and calls through."""

    def __init__(self):
        self.con = sqlite3.connect(":memory:", check_same_thread=False)
        self.trusted = False
        self.selects = 0
        self.steps = 0
        self.budget = STEPS_BASE
        self.denied: str | None = None
        self.failure: str | None = None
        con = self.con
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_CHARS)
        con.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        con.setlimit(sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 200)
        for name, (fn, nargs) in _OWN.items():
            con.create_function(name, nargs, self._guarded(fn), deterministic=True)
        con.set_authorizer(self._authorize)
        con.set_progress_handler(self._progress, 1000)

    def _guarded(self, fn):
        def call(*args):
            try:
                return fn(*args)
            except (ValueError, TypeError, OverflowError, IndexError, re.error) as e:
                self.failure = f"{fn.__name__.lstrip('_')}: {e}"
                raise
        return call

    def _authorize(self, action, arg1, arg2, dbname, source):
        if self.trusted:
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_SELECT:
            self.selects += 1
            if self.selects == 1:
                return sqlite3.SQLITE_OK
            self.denied = "a sub-query (SELECT inside the expression) is not allowed"
        elif action == sqlite3.SQLITE_READ:
            if arg1 == _TABLE and dbname in ("main", None):
                return sqlite3.SQLITE_OK
            self.denied = f"reading the table '{arg1}' is not allowed: name a column"
        elif action == sqlite3.SQLITE_FUNCTION:
            if str(arg2).lower() in ALLOWED or arg2 == expr_compare.FUNCTION:
                return sqlite3.SQLITE_OK
            close = difflib.get_close_matches(str(arg2).lower(), sorted(ALLOWED), n=1)
            self.denied = f"the function '{arg2}' is not allowed" + (
                f" (did you mean '{close[0]}'?)" if close else "")
        elif action == sqlite3.SQLITE_RECURSIVE:
            self.denied = "a recursive query is not allowed"
        else:
            self.denied = "only column names, values, operators and functions are allowed"
        return sqlite3.SQLITE_DENY

    def _progress(self):
        if self.trusted:  # the wizard's own statements (filling the chunk in)
            return 0
        self.steps += 1
        return 1 if self.steps > self.budget else 0

    def run(self, sql: str, params=(), budget: int = STEPS_BASE):
        self.selects, self.steps, self.budget = 0, 0, budget
        self.denied = self.failure = None
        return self.con.execute(sql, params)

    def own(self, sql: str, params=None, many=False):
        self.trusted = True
        try:
            if many:
                return self.con.executemany(sql, params)
            return self.con.execute(sql, params or ())
        finally:
            self.trusted = False


class Expression:
    """An expression of a profile, checked when the profile loads: its syntax, the columns
    it reads and the functions it calls. ``evaluate`` gives its value for each record of a
    chunk."""

    def __init__(self, text, where: str):
        if isinstance(text, bool) or not isinstance(text, (str, int, float)):
            raise ProfileError(f"{where}: an expression is a text, not a "
                               f"{type(text).__name__}")
        self.text = str(text).strip()
        self.where = where
        if not self.text:
            raise ProfileError(f"{where}: the expression is empty")
        self._check_outside_texts()
        try:
            #: what SQLite evaluates: the text with its column.paths written out, and its
            #: comparisons of a text with a number made numbers (expr_compare.py)
            self.sql = expr_compare.rewrite(json_paths(self.text))
        except ValueError as e:
            raise ProfileError(f"{where}: '{self.text}': {e}") from None
        self.columns = self._columns()
        self._box = None

    def _check_outside_texts(self):
        """A statement after the expression, or a comment that hides the rest of the
        wizard's query (its order), is refused; inside quotes they are just characters."""
        bare = _DQ.sub("", self.text)
        for mark, what in ((";", "one expression only (no ';')"),
                           ("--", "no comments (--) in an expression"),
                           ("/*", "no comments (/*) in an expression")):
            if mark in bare:
                raise ProfileError(f"{self.where}: '{self.text}': {what}")

    @property
    def _select(self) -> str:
        return f"SELECT ({self.sql}) FROM {_TABLE}"

    def _columns(self) -> tuple[str, ...]:
        """The columns the expression reads, found by preparing it over a table that has
        none and adding each column SQLite asks for. Checks it all on the way."""
        cols: list[str] = []
        # a name in double quotes is a column: SQLite would read a missing one as a text
        for m in _DQ.finditer(self.sql):
            if m.group(1) is not None:
                name = m.group(1).replace('""', '"')
                if name.lower() not in (c.lower() for c in cols):
                    cols.append(name)
        box = _Sandbox()
        try:
            for _ in range(200):
                box.own(f"DROP TABLE IF EXISTS {_TABLE}")
                box.own(f"CREATE TABLE {_TABLE} (" + ", ".join(
                    [_quote(_ROWID)] + [_quote(c) for c in cols]) + ")")
                # two records: an expression that joined or dropped records shows here
                box.own(f"INSERT INTO {_TABLE} VALUES ({', '.join('?' * (len(cols) + 1))})",
                        [[i] + [None] * len(cols) for i in range(2)], many=True)
                try:
                    cur = box.run(self._select)
                    if cur.description is None or len(cur.description) != 1:
                        raise ProfileError(f"{self.where}: '{self.text}': one value only")
                    rows = cur.fetchall()
                    if len(rows) != 2:
                        raise ProfileError(f"{self.where}: '{self.text}': an expression gives "
                                           "one value per record (no FROM, WHERE or LIMIT)")
                    self._check_json_paths(box, cols)
                    return tuple(cols)
                except sqlite3.Error as e:
                    m = _NO_COLUMN.search(str(e))
                    if m and box.denied is None:
                        name = m.group(1).strip()
                        if "." in name or name.lower() in (c.lower() for c in cols):
                            # (a.b is a path now: only a name SQLite reads another way)
                            raise ProfileError(f"{self.where}: '{self.text}': no column "
                                               f"'{name}' (write a column's name alone, in "
                                               "double quotes if it has spaces)") from None
                        cols.append(name)
                        continue
                    raise ProfileError(f"{self.where}: '{self.text}': " +
                                       _plain_error(e, box)) from None
            raise ProfileError(f"{self.where}: '{self.text}': reads too many columns")
        finally:
            box.con.close()

    def _check_json_paths(self, box: _Sandbox, cols: list[str]) -> None:
        """A JSON path SQLite cannot read shows only on a cell that is JSON (it skips empty
        ones): tried once on cells holding {}, so that the profile is refused as it loads,
        not at the first record."""
        if "json" not in self.sql.lower() and "->" not in self.sql:
            return
        box.own(f"UPDATE {_TABLE} SET " + ", ".join(f"{_quote(c)} = '{{}}'" for c in cols)
                if cols else "SELECT 1")
        try:
            box.run(self._select).fetchall()
        except sqlite3.Error as e:
            if str(e).startswith(("JSON path error", "bad JSON path")):
                raise ProfileError(f"{self.where}: '{self.text}': " +
                                   _plain_error(e, box)) from None

    def evaluate(self, columns: dict[str, list], n: int) -> tuple[list, list[str | None]]:
        """The expression's value for each of ``n`` records, and for each record the
        problem that stopped it (None: none). ``columns``: the values of the columns it
        reads (None for an empty cell), ``n`` each."""
        box = self._sandbox()
        names = list(self.columns)
        rows = list(zip(range(n), *(columns[c] for c in names))) if names else \
            [(i,) for i in range(n)]
        box.own(f"DELETE FROM {_TABLE}")
        box.own(f"INSERT INTO {_TABLE} VALUES ({', '.join('?' * (len(names) + 1))})", rows,
                many=True)
        budget = STEPS_BASE + STEPS_PER_ROW * max(n, 1)
        try:
            values = [r[0] for r in box.run(self._select + f" ORDER BY {_quote(_ROWID)}",
                                            budget=budget)]
            if len(values) != n:  # cannot happen: checked when the profile loaded
                raise ProfileError(f"{self.where}: '{self.text}': gave "
                                   f"{counted(len(values), 'value')} "
                                   f"for {counted(n, 'record', thousands=False)}")
            return values, [None] * n
        except sqlite3.Error as e:
            if box.steps > box.budget:
                raise ProfileError(f"{self.where}: '{self.text}': takes too long (more than "
                                   f"{STEPS_PER_ROW}k steps a record): simplify it") from None
            box.failure = box.failure or _json_failure(e)
            if box.failure is None:
                raise ProfileError(f"{self.where}: '{self.text}': " +
                                   _plain_error(e, box)) from None
        # a function failed on some record: find which, one by one
        values: list = []
        problems: list[str | None] = []
        select = self._select + f" WHERE {_quote(_ROWID)} = ?"
        for i in range(n):
            try:
                values.append(box.run(select, (i,), budget=STEPS_BASE).fetchone()[0])
                problems.append(None)
            except sqlite3.Error as e:
                box.failure = box.failure or _json_failure(e)
                if box.failure is None:
                    raise ProfileError(f"{self.where}: '{self.text}': " +
                                       _plain_error(e, box)) from None
                values.append(None)
                problems.append(box.failure)
        return values, problems

    def _sandbox(self) -> _Sandbox:
        if self._box is None:
            box = _Sandbox()
            box.own(f"CREATE TABLE {_TABLE} (" + ", ".join(
                [_quote(_ROWID)] + [_quote(c) for c in self.columns]) + ")")
            self._box = box
        return self._box

    # an Expression goes to the helper process with the profile: its database does not
    def __getstate__(self):
        d = dict(self.__dict__)
        d["_box"] = None
        return d

    def __eq__(self, other):
        return isinstance(other, Expression) and other.text == self.text

    def __hash__(self):
        return hash(self.text)

    def __repr__(self):
        return f"Expression({self.text!r})"


def _plain_error(e: sqlite3.Error, box: _Sandbox) -> str:
    if box.denied:
        return box.denied
    if box.failure:
        return box.failure
    text = str(e)
    if "not authorized" in text:
        return "not allowed in a profile's expression"
    m = re.match(r"no such function: (\w+)", text)
    if m:
        close = difflib.get_close_matches(m.group(1).lower(), sorted(ALLOWED), n=1)
        return f"no function '{m.group(1)}'" + (f" (did you mean '{close[0]}'?)" if close
                                                 else " (see hmsync-migrate profile-help "
                                                 "functions)")
    m = re.match(r"(?:JSON path error|bad JSON path)[: ]*(?:near )?(.*)", text)
    if m:
        return (f"the JSON path {m.group(1)} cannot be read (a path starts with $: "
                "'$.key', '$[0]', '$.key[0].other')")
    if "wrong number of arguments" in text:
        return text.replace("wrong number of arguments to function", "wrong number of values "
                            "given to")
    return text.replace("near ", "the expression cannot be read near ")


def truthy(values: list) -> list[bool]:
    """Which values keep a record in a ``where:`` filter: SQLite's truth (non-zero, and
    NULL is false)."""
    out = []
    for v in values:
        if v is None:
            out.append(False)
        elif isinstance(v, (int, float)):
            out.append(v != 0)
        else:
            try:
                out.append(float(str(v).strip() or 0) != 0)
            except ValueError:
                out.append(False)
    return out
