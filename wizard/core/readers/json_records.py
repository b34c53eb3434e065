"""JSON exports: an array of records, one record per line (NDJSON), or an object of arrays
of records (a table per array, as a workbook has sheets). An array is read a block at a
time with a small tokenizer around the json module's decoder, never whole."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .base import (_CHUNK_READERS, _ERRORS, _ESCAPED, _LONE_SURROGATE, _SURROGATE,
                   _SURROGATE_ESCAPE, JSON_EXTS, MAX_COLUMNS, SNIFF_BYTES, SourceError,
                   SourceTable, _bom_in_value, _cell, _frame, _open_text, _TooDeep,
                   dynamodb_item)


def _parse_int(digits: str):
    """JSON integers as int; one too long for Python's int() (4,300 digits) stays text."""
    return int(digits) if len(digits) < 4000 else digits


_json_loads = json.JSONDecoder(parse_int=_parse_int).decode


def _decoder(twice: list) -> json.JSONDecoder:
    """A JSON decoder that adds to ``twice`` (name, object) for each name an object has
    more than once: the json module keeps the last value and says nothing. (A Python call
    per object; one such list a file, so files read at once do not mix theirs.)"""
    def pairs(items):
        obj = dict(items)
        if len(obj) < len(items):
            seen = set()
            twice.extend((k, obj) for k, _ in items if k in seen or seen.add(k))
        return obj
    return json.JSONDecoder(parse_int=_parse_int, object_pairs_hook=pairs)


def _twice_note(rec: dict, twice: list) -> str:
    """The note for a record with a name twice in it (see _decoder), naming the field, or
    the field whose value holds the object with the name twice (a name inside a value
    may be data: it is not shown)."""
    top = [k for k, obj in twice if obj is rec]
    if top:
        return (f"the record has field '{str(top[0]).strip()}' twice: which of its values "
                "is right cannot be told (only the last would be kept); correct the file")
    inner = {id(obj) for _, obj in twice}
    for k, v in rec.items():
        stack = [v]
        while stack:
            x = stack.pop()
            if isinstance(x, dict):
                if id(x) in inner:
                    return (f"field '{str(k).strip()}' holds an object with a name twice: "
                            "which of its values is right cannot be told (only the last "
                            "would be kept); correct the file")
                stack.extend(x.values())
            elif isinstance(x, list):
                stack.extend(x)
    return ""


def _open_json(path: Path, head: bytes, text: str, encoding: str) -> list[SourceTable]:
    """The tables of a .json/.ndjson/.jsonl file, from the first bytes read of it
    (``head``) and their text."""
    ext = path.suffix.lower()
    stripped = text.lstrip("\ufeff \t\r\n")
    fmt = "json" if (ext in JSON_EXTS and stripped.startswith("[")) else "ndjson"
    if ext in JSON_EXTS and not stripped.startswith(("[", "{")):
        raise SourceError(path, "not JSON: a JSON export must be an array of records "
                          "or one record per line", line=1)
    names = _json_tables(path, encoding) if fmt == "ndjson" and ext in JSON_EXTS and \
        stripped.startswith("{") else None
    if names:  # {"patients": [...], "visits": [...]}: a table per array, as sheets are
        tables = []
        for name in names:
            t = SourceTable(path, f"{path.name}#{name}", "json", encoding=encoding,
                            sheet=name)
            t.columns = _json_columns(t)
            tables.append(t)
        return tables
    if fmt == "ndjson" and ext in JSON_EXTS and len(head) < SNIFF_BYTES:
        try:
            whole = _json_loads(text.lstrip("\ufeff"))
        except (ValueError, RecursionError):
            whole = None
        if isinstance(whole, dict) and "\n" in text.strip():
            deeper = deeper_records(whole)
            raise SourceError(path, refusal_of_deeper(deeper) if deeper else
                              "one JSON object, not a table of records (expected an "
                              "array of records or one record per line)", line=1)
    t = SourceTable(path, path.name, fmt, encoding=encoding)
    t.columns = _json_columns(t)
    return [t]


def _records_frame(t: SourceTable, recs: list[dict], lines: list[int], corrupt: list[str]):
    recs = [dynamodb_item(r) or r for r in recs]
    try:
        cols = [[_cell(r.get(c)) if isinstance(r, dict) else "" for r in recs]
                for c in t.columns]
    except _TooDeep:  # rare: redo cell by cell, flagging the records that cannot be text
        cols = [[] for _ in t.columns]
        for i, r in enumerate(recs):
            for j, c in enumerate(t.columns):
                try:
                    v = _cell(r.get(c)) if isinstance(r, dict) else ""
                except _TooDeep:
                    v = ""
                    corrupt[i] = corrupt[i] or "a field is nested too deeply to be a table value"
                cols[j].append(v)
    return _frame(cols, t.columns, lines, corrupt)


def _lone_surrogates_out(value):
    """(value, note): a decoded JSON value with each escaped half of a character pair
    that has no other half (\ud800) made U+FFFD, and a note if there was one (such text
    cannot be stored, written or shown: the record is damaged, its text kept safe)."""
    found = [False]

    def clean(v):
        if isinstance(v, str):
            if _LONE_SURROGATE.search(v):
                found[0] = True
                return _LONE_SURROGATE.sub("\ufffd", v)
            return v
        if isinstance(v, dict):
            return {clean(k): clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v

    value = clean(value)
    return value, ("the record has an escaped character that is not valid text (half of a "
                   "\\u pair)" if found[0] else "")


#: a byte-order mark written as an escape in JSON's text
_BOM_ESCAPE = re.compile(r"\\u[fF][eE][fF][fF]")


def _may_hold_bom(text: str, start: int = 0, end: int | None = None) -> bool:
    """Whether a record's JSON text may hold a byte-order mark (U+FEFF), as it is or
    escaped: C-speed searches, the escape looked for only where there is one."""
    end = len(text) if end is None else end
    return text.find("\ufeff", start, end) != -1 or \
        (text.find("\\u", start, end) != -1 and
         _BOM_ESCAPE.search(text, start, end) is not None)


def _bom_note(rec: dict) -> str:
    """The note for a record with a byte-order mark (U+FEFF) in a field's value or name,
    naming the field; "" if there is none. (One where a line begins is taken off before:
    the start of a second export joined on to the first.)"""
    for k, v in rec.items():
        stack = [k, v]  # (no recursion: a record may be nested as deep as JSON lets it)
        while stack:
            x = stack.pop()
            if isinstance(x, str):
                if "\ufeff" in x:
                    return _bom_in_value(str(k).replace("\ufeff", "").strip())
            elif isinstance(x, dict):
                stack.extend(x)
                stack.extend(x.values())
            elif isinstance(x, list):
                stack.extend(x)
    return ""


def _undecodable(t: SourceTable) -> str:
    return f"the record has bytes that are not valid {t.encoding} text"


def _iter_ndjson(t: SourceTable):
    twice: list = []
    loads = _decoder(twice).decode
    with _open_text(t) as f:
        for no, line in enumerate(f, start=1):
            s = line.strip().lstrip("\ufeff")
            if not s:
                continue
            twice.clear()
            try:
                rec = loads(s)
            except (ValueError, RecursionError):
                yield no, None, "the line is not a valid JSON record"
                continue
            if not isinstance(rec, dict):
                yield no, None, "the line is JSON but not a record (an object with fields)"
                continue
            twice_note = _twice_note(rec, twice) if twice else ""  # (before rec is copied)
            note = ""
            if _SURROGATE.search(s):  # undecodable bytes, each made U+FFFD as CSV's are
                rec, note = _lone_surrogates_out(rec)[0], _undecodable(t)
            elif _SURROGATE_ESCAPE.search(s):
                rec, note = _lone_surrogates_out(rec)
            note = note or twice_note
            if not note and _may_hold_bom(s):
                note = _bom_note(rec)
            yield no, rec, note


#: a JSON array is read this many characters at a time (the file is never read whole);
#: one record may be up to MAX_JSON_RECORD characters
JSON_BLOCK = 1 << 20
MAX_JSON_RECORD = 64 << 20
_JSON_SPACE = " \t\r\n"
_JSON_TAIL = 16  # a value read this near a block's end is read again with the next block


class _JsonText:
    """A JSON file read a block at a time: values decoded one by one where the reading
    stands, with the line each starts on. Only the block and the value being read are
    held; what is read goes when the next block comes."""

    def __init__(self, t: SourceTable, f):
        self.t, self.f = t, f
        self.twice: list = []  # the names the value read last has twice (see _decoder)
        self.dec = _decoder(self.twice)
        # while the count stays the same, no undecodable byte was met: no value need be
        # searched for one
        self.escaped = _ESCAPED[0]
        self.buf, self.eof = f.read(JSON_BLOCK), False
        self.i = self.pos = 0   # where the reading stands; where self.line is counted to
        self.line = 1
        self.opened = ""

    def fill(self) -> bool:
        """Drop what is read (before pos), add the next block; False at the end."""
        more = self.f.read(JSON_BLOCK)
        if not more:
            self.eof = True
            return False
        self.buf, self.i, self.pos = self.buf[self.pos:] + more, self.i - self.pos, 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end of the file); the
        reading moves to it and its line is counted."""
        while True:
            buf, i = self.buf, self.i
            while i < len(buf) and buf[i] in _JSON_SPACE:
                i += 1
            self.i = i
            if i < len(buf) or not self.fill():
                break
        self.line += self.buf.count("\n", self.pos, self.i)
        self.pos = self.i
        return self.buf[self.i] if self.i < len(self.buf) else ""

    def take(self, char: str) -> None:
        self.i += len(char)

    def value(self):
        """The JSON value where the reading stands (after peek())."""
        while True:
            self.twice.clear()  # (of this reading only: a value cut by a block is read again)
            try:
                v, end = self.dec.raw_decode(self.buf, self.i)
                # a value that ends near the block's end may go on in the next one: 123
                # of 123.45 (the decoder stops before a "." or "e" it cannot finish)
                if self.eof or len(self.buf) - end >= _JSON_TAIL:
                    self.i = end
                    return v
            except RecursionError:
                raise SourceError(self.t.path, "a record is nested too deeply to be a table "
                                  "row", line=self.line) from None
            except ValueError as e:
                if self.eof or len(self.buf) - self.i > MAX_JSON_RECORD:
                    at = getattr(e, "pos", self.i)  # a JSONDecodeError knows where
                    line = self.line + self.buf.count("\n", self.pos, at)
                    if self.eof and not self.buf[at:].strip():
                        raise SourceError(self.t.path, "the JSON is cut off before its end",
                                          line=line) from None
                    raise SourceError(self.t.path, f"the JSON is damaged "
                                      f"({getattr(e, 'msg', e)})" + (
                                          "" if self.eof else ", or a record is longer than "
                                          f"{MAX_JSON_RECORD >> 20} MB"), line=line) from None
            self.fill()

    def damaged(self, what: str):
        return SourceError(self.t.path, f"the JSON is damaged ({what})", line=self.line)

    def elements(self):
        """The elements of the array whose '[' the reading stands on, as (line, value,
        what is wrong with it or "")."""
        self.take("[")
        self.opened = self.peek()  # how the first element begins ("{": a record; "]": none)
        if self.opened == "]":
            self.take("]")
            return
        while True:
            c = self.peek()
            if not c:
                raise SourceError(self.t.path, "the JSON array is cut off (no closing ']')",
                                  line=self.line)
            if c == "]":  # (a comma before the end is let pass)
                self.take("]")
                return
            line = self.line
            v = self.value()
            # (the value's text is buf[pos:i]) an escaped half of a character pair that
            # has no other half (\ud800) is no text SQLite can store
            note = ""
            twice_note = _twice_note(v, self.twice) if self.twice and isinstance(v, dict) \
                else ""  # (before v is copied)
            if self.escaped != _ESCAPED[0] and _SURROGATE.search(self.buf, self.pos, self.i):
                # undecodable bytes, each made U+FFFD as CSV's are: as lone surrogates the
                # text could be neither stored nor written
                v, note = _lone_surrogates_out(v)[0], _undecodable(self.t)
            elif _SURROGATE_ESCAPE.search(self.buf, self.pos, self.i):
                v, note = _lone_surrogates_out(v)
            note = note or twice_note
            if not note and isinstance(v, dict) and _may_hold_bom(self.buf, self.pos, self.i):
                note = _bom_note(v)
            yield line, v, note
            c = self.peek()
            if c == ",":
                self.take(",")
            elif c == "]":
                self.take("]")
                return
            elif not c:
                raise SourceError(self.t.path, "the JSON array is cut off (no closing ']')",
                                  line=self.line)
            else:
                raise self.damaged("expected ',' or ']'")

    def members(self):
        """The names of the object whose '{' the reading stands on, one by one; after each,
        the reading stands on its value, which the caller reads (value(), elements())."""
        self.take("{")
        while True:
            c = self.peek()
            if c == "}":
                self.take("}")
                return
            if c != '"':
                raise self.damaged("expected a name in quotes" if c else "cut off")
            name = self.value()
            if self.peek() != ":":
                raise self.damaged("expected ':' after a name")
            self.take(":")
            self.peek()
            yield name
            c = self.peek()
            if c == ",":
                self.take(",")
            elif c != "}":
                raise self.damaged("expected ',' or '}'" if c else "cut off")

    def skip(self) -> None:
        """Read past the value where the reading stands (an array element by element)."""
        if self.peek() == "[":
            for _ in self.elements():
                pass
        else:
            self.value()


def _record(line: int, rec, note: str):
    if isinstance(rec, dict):
        return line, rec, note
    return line, None, "the array element is not a record (an object with fields)"


def _iter_json_array(t: SourceTable, physical: bool = False):
    """The records of a JSON array (or of one array in an object, ``t.sheet`` its name),
    one by one, with the line each starts on (``physical``), or their provenance number:
    that line, or the record's place in the array where records share lines (minified
    JSON, see :func:`_json_columns`). The file is read a block at a time."""
    with open(t.path, "r", encoding=t.encoding, errors=_ERRORS) as f:
        js = _JsonText(t, f)
        if js.peek() == "\ufeff":
            js.take("\ufeff")
        if t.sheet is not None:
            if js.peek() != "{":
                raise js.damaged("expected an object")
            for name in js.members():
                if _lone_surrogates_out(name)[0] == t.sheet and js.peek() == "[":
                    break
                js.skip()
            else:
                raise SourceError(t.path, f"the JSON has no array named '{t.sheet}'")
        by_record = t.location_name == "record" and not physical
        before = None
        for n, (line, rec, note) in enumerate(js.elements(), 1):
            if by_record:
                yield _record(n, rec, note)
                continue
            if line == before and not physical:
                raise SourceError(t.path, f"record {n} starts on line {line}, as the record "
                                  "before it does, further on than the records read to "
                                  "tell the file's layout: records are numbered by line "
                                  "here (write the JSON one record per line, or minified "
                                  "throughout)", line=line)
            before = line
            yield _record(line, rec, note)


def _json_tables(path: Path, encoding: str) -> list[str] | None:
    """The names of a JSON object's arrays of records ({"patients": [...], "visits": [...]},
    an API's {"data": [...]}), in order; None if the file is not one such object (a record
    per line, say). Reads the whole file once, an element at a time."""
    probe = SourceTable(path, path.name, "json", encoding=encoding)
    names = []
    with open(path, "r", encoding=encoding, errors=_ERRORS) as f:
        js = _JsonText(probe, f)
        if js.peek() == "\ufeff":
            js.take("\ufeff")
        if js.peek() != "{":
            return None
        tables = False  # an array of records began: the file is an object of tables
        members, empty = 0, []  # how many members; the names of its empty arrays
        try:
            for name in js.members():
                members += 1
                name = _lone_surrogates_out(name)[0]  # (a name is shown and stored)
                if js.peek() == "[":
                    line, first, js.opened = js.line, None, ""
                    for _, v, _ in js.elements():
                        if first is None:
                            first = v
                            tables = tables or isinstance(v, dict)
                    tables = tables or js.opened == "{"
                    if js.opened == "]":
                        empty.append(str(name))
                    if isinstance(first, dict):
                        if str(name) in names:  # one of them would be lost
                            raise SourceError(path, f"two arrays of records are named "
                                              f"'{name}': give each its own name", line=line)
                        names.append(str(name))
                else:
                    js.skip()
        except SourceError:
            if tables or js.opened == "{":
                raise  # an object of tables, damaged: say where
            return None  # not one object: a record per line, as NDJSON reads it
        closed_on = js.line  # the line of the object's closing brace
        if js.peek():
            if names and closed_on > 1:  # an object over several lines is no NDJSON record
                raise SourceError(path, "the JSON goes on after its object of tables ends",
                                  line=js.line)
            return None  # more after the object: a record per line
    if not names and members and len(empty) == members:  # {"data": []}
        raise SourceError(path, f"no records: the JSON object's arrays ({', '.join(empty[:5])})"
                          " are empty")
    return names or None


#: how far into a refused file's objects and arrays records are looked for, to name them
DEEPER_LEVELS = 4
#: paths named in a refusal
DEEPER_NAMED = 5


def _path(at: str, step) -> str:
    if isinstance(step, int):
        return f"{at}[{step}]"
    key = str(step)
    key = key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else json.dumps(key)
    return f"{at}.{key}" if at else key


def deeper_records(value, at: str = "", level: int = 0) -> list[str]:
    """Where a JSON value that is no table holds arrays of records (objects) the readers
    do not reach: an array inside an object inside the file's object (``data.records``),
    an array of arrays (``[0]``, ``records[0]``). The first few, in the file's order."""
    out: list[str] = []
    if level > DEEPER_LEVELS:
        return out
    if isinstance(value, list):
        if level and value and any(isinstance(v, dict) for v in value[:20]):
            return [at or "the file's array"]
        for i, v in enumerate(value[:3]):
            if isinstance(v, list):
                out += deeper_records(v, _path(at, i), level + 1)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                out += deeper_records(v, _path(at, k), level + 1)
            if len(out) >= DEEPER_NAMED:
                break
    return out[:DEEPER_NAMED]


def refusal_of_deeper(paths: list[str]) -> str:
    """Why a file whose records sit deeper than the readers go is refused, where they are,
    and what the operator can do."""
    named = [("the file's array" + p) if p.startswith("[") else p for p in paths]
    return (f"the records are deeper in the JSON than the wizard reads (arrays of records "
            f"at {', '.join(named)}): it reads a file that is an array of records, one "
            "record per line, or an object whose own arrays hold the records "
            '({"patients": [...], "visits": [...]}). Save each such array as a file of its '
            "own (or as an array of the file's top-level object), then select those files")


def _deeper_in_array(t: SourceTable) -> list[str]:
    """deeper_records of a JSON array file whose elements are no records (read whole only
    when it is small: a big one is refused as it was)."""
    if t.format != "json" or t.sheet is not None or t.path.stat().st_size > SNIFF_BYTES:
        return []
    try:
        with open(t.path, "r", encoding=t.encoding, errors=_ERRORS) as f:
            return deeper_records(_json_loads(f.read().lstrip("\ufeff")))
    except (ValueError, RecursionError, OSError):
        return []


RARE_KEY_SHARE = 0.10  # a key in fewer sampled records than this is not a column


def _json_columns(t: SourceTable) -> list[str]:
    """Columns of a JSON table: the first record's keys, and keys most records share.

    A key only a few records carry (a stray extra field) is not a column: those records
    are flagged as damaged rather than widening the table.
    """
    counts: dict[str, int] = {}
    first: list[str] = []
    it = _iter_ndjson(t) if t.format == "ndjson" else _iter_json_array(t, physical=True)
    seen = 0
    lines: list[int] = []
    for line, rec, _ in it:
        lines.append(line)
        if not rec:
            continue
        keys = [str(k).strip() for k in rec]
        if not first:
            first = keys
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        seen += 1
        if seen >= 2000:
            break
    if not counts:
        deeper = _deeper_in_array(t)
        raise SourceError(t.path, refusal_of_deeper(deeper) if deeper else
                          "no records found (expected objects with named fields)")
    if t.format == "json" and len(set(lines)) < len(lines):
        # minified JSON (the whole array on one line): a record is known by its place in
        # the array, "record 2", since a line would name several
        t.location_name = "record"
    cols = list(dict.fromkeys(first + [k for k, n in counts.items()
                                       if n >= RARE_KEY_SHARE * seen]))
    if len(cols) > MAX_COLUMNS:
        raise SourceError(t.path, f"records have {len(cols)} fields; more than {MAX_COLUMNS} "
                          "is not a table export")
    return cols


def _json_chunks(t: SourceTable, chunk_rows: int):
    it = _iter_ndjson(t) if t.format == "ndjson" else _iter_json_array(t)
    recs, lines, corrupt = [], [], []
    for line, rec, note in it:
        if rec is not None:
            rec = {str(k).strip(): v for k, v in rec.items()}
            extra = [k for k in rec if k not in t.columns]
            if extra and not note:
                note = (f"the record has {len(extra)} field(s) the other records do not have "
                        f"({', '.join(extra[:3])})")
        recs.append(rec or {})
        lines.append(line)
        corrupt.append(note)
        if len(recs) >= chunk_rows:  # (the records go before the frame is handed on)
            frame = _records_frame(t, recs, lines, corrupt)
            recs, lines, corrupt = [], [], []
            yield frame
            del frame
    if recs:
        yield _records_frame(t, recs, lines, corrupt)


_CHUNK_READERS["json"] = _CHUNK_READERS["ndjson"] = _json_chunks
