"""What every reader shares: the table of a legacy file, the error for a file that cannot be
read, the provenance columns, and the decoding that keeps undecodable bytes (as lone
surrogates, flagged record by record) rather than failing on them."""
from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from ..errors import SourceProblem
from ..numbercell import NumberCell


LINE = "__line__"        # provenance column: physical line / sheet row the record starts on
CORRUPT = "__corrupt__"  # provenance column: why the reader considers the record corrupted

CHUNK_ROWS = 50_000
MAX_FIELD = 16 * 1024 * 1024       # a single field larger than this is refused
MAX_COLUMNS = 2_000
SNIFF_BYTES = 256 * 1024
TEXT_EXTS = {".csv", ".tsv", ".tab", ".txt", ".psv", ".dat"}
JSON_EXTS = {".json"}
NDJSON_EXTS = {".ndjson", ".jsonl"}
EXCEL_EXTS = {".xlsx", ".xlsm", ".xls", ".ods"}
SUPPORTED = TEXT_EXTS | JSON_EXTS | NDJSON_EXTS | EXCEL_EXTS

csv.field_size_limit(MAX_FIELD)
_SURROGATE = re.compile("[\udc80-\udcff]")
_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89a-fA-F][0-9a-fA-F]{2}")  # in JSON's text
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # in a decoded value: half a pair
_UTF8_BOM = codecs.BOM_UTF8


def _escape_undecodable(e: UnicodeError):
    """Like errors="surrogateescape", for every decoding error: an undecodable byte becomes
    a lone surrogate in U+DC80..U+DCFF (flagged, record by record, as not valid text).
    surrogateescape itself refuses bytes below 0x80, which a multi-byte codec can leave
    undecodable (a UTF-16 file with an odd number of bytes) and would raise."""
    if not isinstance(e, UnicodeDecodeError):
        raise e
    _ESCAPED[0] += 1
    return "".join(chr(0xDC80 | b) for b in e.object[e.start:e.end]), e.end


#: how many undecodable stretches were escaped so far, in any file: while it stays the
#: same, the text read holds no lone surrogates and need not be searched for them
_ESCAPED = [0]


codecs.register_error("hmsync-escape", _escape_undecodable)
_ERRORS = "hmsync-escape"


#: how a table of each format is read, (table, chunk_rows) -> chunks, and how a sheet of
#: a workbook is searched for formulas that left no value, (path, sheet) -> gaps: each
#: format's module enters its own (the package imports them all), so this module, which
#: they import, imports none of them
_CHUNK_READERS: dict[str, Callable[[SourceTable, int], Iterator[pd.DataFrame]]] = {}
_FORMULA_SCANS: dict[str, Callable[[Path, str], dict[int, list[tuple[str, str]]]]] = {}


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def printable(name: str) -> str:
    """A file or sheet name as it may be shown on one line: its control characters (a line
    break in a file name) written as escapes, so that no name can forge a line of output
    ("a\nerror: ..."), a report's or a problem list's."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), name)


class SourceError(SourceProblem):
    """A legacy file that cannot be read; the message is for the operator."""

    def __init__(self, path, problem: str, line: int | None = None):
        self.path, self.problem, self.line = Path(path), problem, line
        where = printable(self.path.name) + (f", line {line}" if line else "")
        super().__init__(f"{where}: {problem}")


@dataclass
class SourceTable:
    """One table of a legacy export: a delimited file, a JSON file or an Excel sheet."""
    path: Path
    name: str                      # what the mapping calls it: file name, or "book.xlsx#Sheet"
    format: str                    # csv, json, ndjson, xlsx
    columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    skip_initial_space: bool = False
    header_line: int = 1           # the CSV line of the column names (2 after "sep=;")
    #: how the encoding was settled: "detected" (Unicode, or the one code page that reads
    #: the file as text), "unsure" (an 8-bit guess among candidates: see encoding_doubt)
    #: or "chosen" (by the operator)
    encoding_source: str = "detected"
    encoding_doubt: object = None  # encodings.EncodingDoubt: the candidates, while unsure
    #: a person's delimiter and header row (layout.Layout), None: as detected; a sheet's
    #: records start below header_line when one is chosen
    layout: object = None
    #: columns of a delimited file where a NUL character alone is an empty value (MySQL
    #: writes an empty CHAR(1) as '\0'), not damage: the profile's ``nul_empty``
    nul_empty: frozenset = frozenset()

    def __post_init__(self):
        self.name = printable(self.name)  # shown everywhere: never a forged line

    @property
    def legacy_code_page(self) -> bool:
        """Read with an 8-bit code page (not Unicode): a choice the run's notes name."""
        return bool(self.encoding) and not self.encoding.lower().replace("_", "-").startswith(
            ("utf-", "utf8", "ascii"))

    @property
    def stem(self) -> str:
        base = self.sheet if self.sheet else self.path.stem
        return base

    #: what a record's provenance number (see LINE) is: a file's line here, a key of a
    #: database's table for a table read from one
    location_name = "line"
    #: whether a column of the table holds that number itself (a key column)
    location_is_column = False

    def location(self, line: int) -> str:
        """Where a record is, in words, from its provenance number."""
        return f"{self.location_name} {line}"

    def iter_chunks(self, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        yield from _CHUNK_READERS[self.format](self, chunk_rows)

    def sha256(self) -> str:
        """The SHA-256 of the file (for the audit trail)."""
        return self._scan()[0]

    def _file_key(self) -> tuple:
        st = os.stat(self.path)
        return (str(self.path), st.st_ino, st.st_size, st.st_mtime_ns)

    def _scan(self) -> tuple[str, int]:
        """(SHA-256, line ends) of the file, from one read of it, kept while the file's
        size and modification time stay the same: a run asks for both several times."""
        key = self._file_key()
        known = getattr(self, "_scanned", None)
        if known is None or known[0] != key:
            h = hashlib.sha256()
            n = 0
            nul = bom = False
            tail = None  # the end of the block before (None: at the file's start)
            with open(self.path, "rb") as f:
                while block := f.read(1 << 20):
                    h.update(block)
                    n += block.count(b"\n")
                    nul = nul or b"\x00" in block
                    if not bom:
                        bom = block.find(_UTF8_BOM, 1 if tail is None else 0) != -1 or \
                            (tail is not None and _UTF8_BOM in tail + block[:2])
                        tail = block[-2:]
            known = self._scanned = (key, h.hexdigest(), n)
            self._nul_bytes = (key, nul)  # for has_nul_bytes, from the same read
            self._utf8_bom = (key, bom)  # for has_inner_bom, likewise
        return known[1], known[2]

    def formula_gaps(self) -> dict[int, list[tuple[str, str]]]:
        """An Excel sheet's cells whose formula left nothing its reader sees (no saved
        value, or an error result), by row (see formula_gaps), kept while the file stays
        the same."""
        scan = _FORMULA_SCANS.get(self.format)
        if scan is None or self.sheet is None:
            return {}
        key = self._file_key()
        known = getattr(self, "_formula_gaps", None)
        if known is None or known[0] != key:
            known = self._formula_gaps = (key, scan(self.path, self.sheet))
        return known[1]

    def has_nul_bytes(self) -> bool:
        """Whether the file has a byte 0 anywhere: a byte search (at the speed of memory),
        kept like the scan above, or taken from it."""
        key = self._file_key()
        known = getattr(self, "_nul_bytes", None)
        if known is None or known[0] != key:
            nul = False
            with open(self.path, "rb") as f:
                while block := f.read(1 << 20):
                    if b"\x00" in block:
                        nul = True
                        break
            known = self._nul_bytes = (key, nul)
        return known[1]

    def has_inner_bom(self) -> bool:
        """Whether the file may hold a byte-order mark (U+FEFF) after its start, where two
        exports joined together hold the second one's: a byte search for the mark as the
        file's encoding writes it, kept like the scan above, or taken from it (UTF-8).
        UTF-16 and UTF-32 text may always hold one (its bytes may straddle characters)."""
        try:
            name = codecs.lookup(self.encoding or "utf-8").name
        except LookupError:
            return True
        if name.startswith(("utf-16", "utf-32")):
            return True
        try:
            mark = "\ufeff".encode("utf-8" if name == "utf-8-sig" else name)
        except UnicodeError:
            return False  # the encoding has no such character (cp1252, latin-1, ...)
        key = self._file_key()
        if mark == _UTF8_BOM:
            known = getattr(self, "_utf8_bom", None)
            if known is None or known[0] != key:
                self._scan()
                known = self._utf8_bom
            return known[1]
        known = getattr(self, "_inner_bom", None)
        if known is None or known[0] != key:
            found = False
            with open(self.path, "rb") as f:
                tail = f.read(len(mark))
                if tail == mark:
                    tail = b""  # the file's own mark, at its start
                while block := f.read(1 << 20):
                    if mark in tail + block:
                        found = True
                        break
                    tail = block[len(block) - len(mark) + 1:]
            known = self._inner_bom = (key, found)
        return known[1]

    def sample(self, n: int = 20) -> pd.DataFrame:
        for chunk in self.iter_chunks(chunk_rows=n):
            return chunk.head(n)
        return _frame([], self.columns, [], [])

    def estimate_rows(self) -> int:
        """A fast upper bound of the record count (physical lines), for progress bars."""
        if self.format in ("csv", "ndjson"):
            n = self._scan()[1]
            if self.encoding and self.encoding.startswith("utf-16"):
                n = max(n, 1)
            return max(n - (self.header_line if self.format == "csv" else 0), 0)
        return sum(len(c) for c in self.iter_chunks())


def _frame(rows_cols, columns: list[str], lines, corrupt) -> pd.DataFrame:
    # object dtype on purpose: pandas 3 would infer its slower "str" dtype from plain arrays
    data = {c: pd.Series(np.asarray(v, dtype=object), dtype=object, copy=False)
            for c, v in zip(columns, rows_cols)}
    n = len(lines)
    data[LINE] = pd.Series(np.asarray(lines, dtype=np.int64), dtype="int64")
    data[CORRUPT] = pd.Series(np.asarray(corrupt, dtype=object), dtype=object)
    df = pd.DataFrame(data, columns=list(columns) + [LINE, CORRUPT])
    assert len(df) == n
    return df




def _open_text(t: SourceTable):
    return open(t.path, "r", encoding=t.encoding, errors=_ERRORS, newline="")


def _clean_header(names: list[str], t: SourceTable) -> list[str]:
    out, seen = [], {}
    for i, n in enumerate(names):
        n = (n or "").strip().lstrip("\ufeff").strip()
        if _SURROGATE.search(n):
            raise SourceError(t.path, f"the header has bytes that are not valid "
                              f"{t.encoding}: wrong encoding?", line=1)
        if not n:
            n = f"column{i + 1}"
        if n in seen:  # a second "id" is id.1; a name already taken gets a number too
            base = n
            while n in seen:
                seen[base] += 1
                n = f"{base}.{seen[base]}"
        seen[n] = 0
        out.append(n)
    if len(out) > MAX_COLUMNS:
        raise SourceError(t.path, f"the header has {len(out)} columns; more than "
                          f"{MAX_COLUMNS} is not a table export", line=1)
    return out


def _bom_in_value(field: str) -> str:
    """The note for a record with a byte-order mark (U+FEFF) inside a field: kept, it
    would stay unseen in the value (an id that matches no other, a name no search finds)."""
    return (f"field '{field}' holds a byte-order mark (U+FEFF), an invisible character "
            "that belongs only at the start of a file: remove it and read the file again")


class _TooDeep(Exception):
    """A JSON value nested too deeply to be written back as text."""


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):  # (the cell was a number: the text rules do not read it again)
        return NumberCell(str(int(v)) if v.is_integer() else str(v))
    if isinstance(v, int):
        return NumberCell(str(v))
    if isinstance(v, (dict, list)):
        try:
            plain = _extended_json(v)
            if isinstance(plain, str):
                return plain
            if plain is None or isinstance(plain, bool):
                return _cell(plain)  # (DynamoDB's {"NULL": true}, {"BOOL": false})
            return json.dumps(plain, ensure_ascii=False)
        except RecursionError:
            raise _TooDeep() from None
    return str(v)


#: MongoDB Extended JSON's wrappers of one value (mongoexport writes every id, date and
#: 64-bit number so): the value is what the field holds
_EXTENDED_SCALARS = ("$oid", "$numberLong", "$numberInt", "$numberDouble", "$numberDecimal",
                     "$uuid", "$symbol")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


_NOT_TYPED = object()


def _dynamodb(k: str, x):
    """The value of an AWS DynamoDB attribute written with its type ({"S": "Alice"},
    {"N": "42"}, {"BOOL": true}, {"NULL": true}, {"L": [...]}, {"M": {...}}, {"SS": [...]},
    {"NS": [...]}), as DynamoDB's JSON exports and seed files write every value;
    _NOT_TYPED where the object is no such attribute (its one key's value is not of the
    type the key names)."""
    if k == "S" and isinstance(x, str):
        return x
    if k == "N" and isinstance(x, str) and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", x):
        return x
    if k == "BOOL" and isinstance(x, bool):
        return x
    if k == "NULL" and x is True:
        return None
    if k == "L" and isinstance(x, list):
        items = [_typed(i) for i in x]
        return _NOT_TYPED if any(i is _NOT_TYPED for i in items) else items
    if k == "M" and isinstance(x, dict):
        items = {a: _typed(b) for a, b in x.items()}
        return _NOT_TYPED if any(i is _NOT_TYPED for i in items.values()) else items
    if k in ("SS", "NS") and isinstance(x, list) and all(isinstance(i, str) for i in x):
        return x
    return _NOT_TYPED


def _typed(v):
    """A DynamoDB attribute's value, or _NOT_TYPED where ``v`` is none."""
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        return _dynamodb(k, x)
    return _NOT_TYPED


def dynamodb_item(record):
    """The record with its DynamoDB types taken off, where it is a DynamoDB item: every
    attribute written with its type ({"id": {"S": "101"}, "age": {"N": "41"}}), as
    DynamoDB's exports and seed files write them; None otherwise. Decided for the whole
    record: one object with a key L in an ordinary export ({"L": ["36 caries"]}, a dental
    chart's left side) keeps its meaning."""
    if not isinstance(record, dict) or not record:
        return None
    out = {}
    for k, v in record.items():
        value = _typed(v)
        if value is _NOT_TYPED:
            return None
        out[k] = value
    return out


def _extended_json(v):
    """``v`` with MongoDB Extended JSON's wrappers taken off ({"$oid": "5f.."} is "5f..";
    {"$date": {"$numberLong": "-8042400000"}} is 1969-09-29T22:00:00.000Z, as the relaxed
    form writes dates), inside lists and objects too; anything else as it is."""
    if isinstance(v, list):
        return [_extended_json(x) for x in v]
    if not isinstance(v, dict):
        return v
    if len(v) == 1:
        (k, x), = v.items()
        if k in _EXTENDED_SCALARS and isinstance(x, (str, int, float)) and \
                not isinstance(x, bool):
            return str(x)
        if k == "$date":
            if isinstance(x, dict) and len(x) == 1 and "$numberLong" in x:
                x = x["$numberLong"]
            if isinstance(x, bool) or isinstance(x, str) and not re.fullmatch(r"-?\d+", x):
                return x if isinstance(x, str) else v
            try:
                when = _EPOCH + datetime.timedelta(milliseconds=int(x))
            except (TypeError, ValueError, OverflowError):
                return v
            return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return {k: _extended_json(x) for k, x in v.items()}



def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()
