"""Readers for legacy exports: CSV/TSV/pipe/semicolon, JSON, NDJSON and Excel.

Every reader yields chunks of records as a :class:`pandas.DataFrame` of strings (the
legacy columns, header names trimmed) plus provenance: the physical line (or sheet row)
each record starts on, and a note for records the reader found corrupted (ragged rows,
undecodable bytes). Memory stays bounded by the chunk size for CSV and NDJSON.

A file that cannot be read at all raises :class:`SourceError`, whose message names the
file, the line where there is one, and the problem in plain words.
"""
from __future__ import annotations

from .errors import SourceProblem

import codecs
import csv
import gc
import hashlib
import json
import os
import re
from collections import deque
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

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


class SourceError(SourceProblem):
    """A legacy file that cannot be read; the message is for the operator."""

    def __init__(self, path, problem: str, line: int | None = None):
        self.path, self.problem, self.line = Path(path), problem, line
        where = f"{self.path.name}" + (f", line {line}" if line else "")
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

    @property
    def stem(self) -> str:
        base = self.sheet if self.sheet else self.path.stem
        return base

    def iter_chunks(self, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        if self.format == "csv":
            yield from _csv_chunks(self, chunk_rows)
        elif self.format in ("json", "ndjson"):
            yield from _json_chunks(self, chunk_rows)
        else:
            yield from _excel_chunks(self, chunk_rows)

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
            nul = False
            with open(self.path, "rb") as f:
                while block := f.read(1 << 20):
                    h.update(block)
                    n += block.count(b"\n")
                    nul = nul or b"\x00" in block
            known = self._scanned = (key, h.hexdigest(), n)
            self._nul_bytes = (key, nul)  # for has_nul_bytes, from the same read
        return known[1], known[2]

    def formula_gaps(self) -> dict[int, list[tuple[str, str]]]:
        """An Excel sheet's cells whose formula left nothing its reader sees (no saved
        value, or an error result), by row (see formula_gaps), kept while the file stays
        the same."""
        if self.format != "xlsx" or self.sheet is None:
            return {}
        key = self._file_key()
        known = getattr(self, "_formula_gaps", None)
        if known is None or known[0] != key:
            known = self._formula_gaps = (key, formula_gaps(self.path, self.sheet))
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


# --- detection ---------------------------------------------------------------------------
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f]")


def detect_encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    # UTF-16 without BOM: every other byte NUL in ASCII-heavy text
    if len(head) >= 4 and head[1:200:2].count(0) > 0.4 * len(head[1:200:2]) and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0:200:2].count(0) > 0.4 * len(head[0:200:2]) and head[1] != 0:
        return "utf-16-be"
    nul = head.count(0)
    # binary: NULs, with other control bytes or many of them; a stray NUL in a text export
    # is its record's problem (the reader marks that record damaged)
    if nul and (nul * 10 > len(head) or _CONTROL_BYTES.search(head)):
        raise SourceError(path, "this is not a text export (it contains binary data)")
    text = head.decode("utf-8", errors="replace")
    if len(head) >= SNIFF_BYTES:  # the sample may end inside a multi-byte character
        text = text[:-4]
    invalid = text.count("\ufffd")
    if not invalid:
        return "utf-8"
    valid_multibyte = sum(1 for ch in text if ord(ch) > 127) - invalid
    if valid_multibyte > invalid:
        return "utf-8"  # UTF-8 with a few damaged records: those are flagged one by one
    from charset_normalizer import from_bytes
    best = from_bytes(head, cp_isolation=["cp1252", "latin_1", "cp1250", "iso8859_15"]).best()
    enc = (best.encoding if best else "cp1252").replace("_", "-")
    try:
        head.decode("cp1252")
        if enc in ("cp1250", "latin-1", "iso8859-1", "iso8859-15", "cp1252"):
            return "cp1252"  # the Western default where several single-byte codes fit
    except UnicodeDecodeError:
        pass
    return "cp1252" if enc in ("latin-1", "iso8859-1") else enc


#: the first line Excel writes and reads to name a CSV file's delimiter ("sep=;"), as
#: written, or quoted and padded by a later save ("sep=;";;;)
_SEP_LINE = re.compile(r'^"?sep=([^\w\s"]|\t)"?(?:\1)*\s*$', re.IGNORECASE)


def _first_line(text: str) -> str:
    end = len(text)
    for sep in ("\n", "\r"):
        i = text.find(sep)
        if i != -1:
            end = min(end, i)
    return text[:end]


def detect_delimiter(path: Path, sample_text: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    header = _first_line(sample_text)
    # delimiters inside quoted names ("a;b") are part of a name, not separators
    unquoted = re.sub(r'"(?:[^"]|"")*"', "", header)
    counts = {d: unquoted.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        try:
            return csv.Sniffer().sniff(sample_text[:20000], delimiters=",\t;|").delimiter
        except csv.Error:
            return ","
    return best


def open_source(path: str | Path) -> list[SourceTable]:
    """Detect a file's format and return its tables (one, or one per Excel sheet)."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "the file does not exist")
    if path.is_dir():
        raise SourceError(path, "this is a folder, not a file")
    ext = path.suffix.lower()
    if ext not in SUPPORTED:
        raise SourceError(path, f"unknown format '{ext or 'no extension'}': the wizard reads "
                          "CSV/TSV, JSON, NDJSON and Excel (.xlsx) exports")
    if path.stat().st_size == 0:
        raise SourceError(path, "the file is empty")
    if ext in EXCEL_EXTS:
        return _open_excel(path)
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    encoding = detect_encoding(path, head)
    text = _decode_sample(head, encoding)
    if ext in JSON_EXTS or ext in NDJSON_EXTS:
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
                raise SourceError(path, "one JSON object, not a table of records (expected an "
                                  "array of records or one record per line)", line=1)
        t = SourceTable(path, path.name, fmt, encoding=encoding)
        t.columns = _json_columns(t)
        return [t]
    text = text.lstrip("\ufeff")
    said = _SEP_LINE.match(_first_line(text))  # Excel's "sep=;" line names the delimiter
    if said:
        text = text[len(_first_line(text)):].lstrip("\r").removeprefix("\n")
    delim = detect_delimiter(path, text)
    if said and (said.group(1) in _first_line(text) or delim not in _first_line(text)):
        delim = said.group(1)  # (unless the column names hold another delimiter and not it)
    header_line = _first_line(text)
    skip = (delim + " ") in header_line
    t = SourceTable(path, path.name, "csv", encoding=encoding, delimiter=delim,
                    skip_initial_space=skip, header_line=2 if said else 1)
    t.columns = _csv_header(t)
    return [t]


def _decode_sample(head: bytes, encoding: str) -> str:
    dec = codecs.getincrementaldecoder(encoding)(errors="replace")
    return dec.decode(head, final=False)


def open_sources(paths) -> tuple[list[SourceTable], list[SourceError]]:
    """Open files and folders (a folder contributes its supported files, sorted)."""
    tables, errors = [], []
    for p in paths:
        p = Path(p)
        files = sorted(x for x in p.iterdir() if x.is_file() and x.suffix.lower() in SUPPORTED
                       ) if p.is_dir() else [p]
        for f in files:
            try:
                tables.extend(open_source(f))
            except SourceError as e:
                errors.append(e)
    return tables, errors


# --- CSV ---------------------------------------------------------------------------------
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
        if n in seen:
            seen[n] += 1
            n = f"{n}.{seen[n]}"
        else:
            seen[n] = 0
        out.append(n)
    if len(out) > MAX_COLUMNS:
        raise SourceError(t.path, f"the header has {len(out)} columns; more than "
                          f"{MAX_COLUMNS} is not a table export", line=1)
    return out


def _csv_header(t: SourceTable) -> list[str]:
    with _open_text(t) as f:
        if t.header_line > 1:
            deque(islice(f, t.header_line - 1), maxlen=0)  # the "sep=" line
        r = csv.reader(f, delimiter=t.delimiter, skipinitialspace=t.skip_initial_space)
        try:
            header = next(r)
        except StopIteration:
            raise SourceError(t.path, "the file has no header line")
        except csv.Error as e:
            raise SourceError(t.path, f"the header cannot be read ({e})", line=t.header_line)
    if not any(h.strip() for h in header):
        raise SourceError(t.path, "the first line is empty; expected the column names" if
                          t.header_line == 1 else "the line after 'sep=' is empty; expected "
                          "the column names", line=t.header_line)
    if any("\x00" in h for h in header):
        raise SourceError(t.path, "the header line has a NUL character (binary data); "
                          "expected the column names", line=t.header_line)
    return _clean_header(header, t)


#: chunks of fewer records (a sample of a file) are searched for a NUL as they are read,
#: without reading the whole file first
_NUL_SCAN_MIN_ROWS = 5_000


def _may_hold_nul(t: SourceTable, chunk_rows: int) -> bool:
    """Whether the file's text may hold a NUL character. In every encoding but UTF-16 and
    UTF-32 a NUL character is the byte 0 and the byte 0 is nothing else, so a byte search
    of the file answers it, and the reader then need not search each chunk's text."""
    if chunk_rows < _NUL_SCAN_MIN_ROWS:
        return True
    try:
        name = codecs.lookup(t.encoding or "utf-8").name
    except LookupError:
        return True
    if name.startswith(("utf-16", "utf-32")):
        return True
    return t.has_nul_bytes()


class _RawLines:
    """The file's physical lines once more, in order: the text of a record over several
    lines, for a second look at its quotes (opened at the first such record)."""

    def __init__(self, t: SourceTable):
        self.t, self.f, self.read = t, None, 0

    def lines(self, first: int, last: int) -> list[str]:
        if self.f is None:
            self.f = _open_text(self.t)
        if first - 1 > self.read:  # skip to the record (C speed)
            deque(islice(self.f, first - 1 - self.read), maxlen=0)
        out = list(islice(self.f, last - first + 1))
        self.read = last
        return out

    def close(self):
        if self.f is not None:
            self.f.close()


def _quotes_pair_up(lines: list[str], t: SourceTable) -> bool:
    """Whether a record's lines read as one record with every quote where CSV allows it. A
    quote left open earlier ends at the first quote of a later record, and text follows
    it (V3,P2,"Cold" read as the end of the open field): a strict reader refuses that,
    where the forgiving one takes the later record's fields into the open one."""
    try:
        for _ in csv.reader(lines, delimiter=t.delimiter, skipinitialspace=t.skip_initial_space,
                            strict=True):
            pass
    except csv.Error:
        return False
    return True


def _misquoted(raw: _RawLines, starts: np.ndarray, ends: list[int], multi: np.ndarray,
               t: SourceTable) -> list[int]:
    """The positions of a chunk's records over several lines whose quotes do not pair up:
    all of them read at once, one by one only if that fails."""
    idx = np.flatnonzero(multi).tolist()
    if not idx:
        return []
    first = int(starts[idx[0]])
    block = raw.lines(first, ends[idx[-1]])
    pieces = [block[int(starts[i]) - first:ends[i] - first + 1] for i in idx]
    try:
        n = sum(1 for _ in csv.reader(chain.from_iterable(pieces), delimiter=t.delimiter,
                                      skipinitialspace=t.skip_initial_space, strict=True))
        if n == len(idx):
            return []
    except csv.Error:
        pass
    return [i for i, lines in zip(idx, pieces) if not _quotes_pair_up(lines, t)]


def _csv_chunks(t: SourceTable, chunk_rows: int) -> Iterator[pd.DataFrame]:
    raw = _RawLines(t)
    try:
        yield from _csv_chunks_of(t, chunk_rows, raw)
    finally:
        raw.close()


def _csv_chunks_of(t: SourceTable, chunk_rows: int, raw: _RawLines
                   ) -> Iterator[pd.DataFrame]:
    escaped_before = _ESCAPED[0]
    nul = _may_hold_nul(t, chunk_rows)
    with _open_text(t) as f:
        if t.header_line > 1:
            deque(islice(f, t.header_line - 1), maxlen=0)  # the "sep=" line
        r = csv.reader(f, delimiter=t.delimiter, skipinitialspace=t.skip_initial_space)
        try:
            next(r)
        except StopIteration:
            return
        # the physical line the next record starts on (the reader counts from the header)
        r_base = t.header_line - 1
        next_line = r_base + r.line_num + 1
        while True:
            gc_was = gc.isenabled()
            gc.disable()  # 50,000 new lists at once: the collector would scan them for nothing
            rows: list[list[str]] = []
            ends: list[int] = []  # the physical line each record ends on, as the reader counts
            add_row, add_end = rows.append, ends.append
            try:
                for row in islice(r, chunk_rows):
                    add_row(row)
                    add_end(r.line_num)
            except csv.Error as e:
                # name the line the unreadable record starts on (an unclosed quote, say),
                # not only the line where the reader gave up, which can be far below it
                start = ends[-1] + r_base + 1 if ends else next_line
                stop = r.line_num + r_base
                where = f"; reading stopped at line {stop}" if stop > start else ""
                raise SourceError(t.path, f"the file is damaged: the record that starts on "
                                  f"this line cannot be read ({e}){where}; is a quote left "
                                  "open?"
                                  if "field larger" in str(e) else
                                  f"the file is damaged near here ({e}){where}",
                                  line=start) from None
            finally:
                if gc_was:
                    gc.enable()
            if not rows:
                return
            if r_base:
                ends = [e + r_base for e in ends]
            starts = np.empty(len(ends), dtype=np.int64)
            starts[0] = next_line
            starts[1:] = np.asarray(ends[:-1], dtype=np.int64) + 1
            next_line = ends[-1] + 1
            multi = np.asarray(ends, dtype=np.int64) > starts  # records over several lines
            misquoted = _misquoted(raw, starts, ends, multi, t)
            frame = _csv_frame(t, rows, starts, clean_text=_ESCAPED[0] == escaped_before,
                               multi=multi, misquoted=misquoted,
                               nul=nul)
            last = len(rows) < chunk_rows
            # the row lists go before the frame is handed on: kept alive across the yield,
            # every cycle collection of the reader's caller would walk 50,000 of them
            del rows, ends, add_row, add_end
            if len(frame):
                yield frame
            del frame
            if last:
                return


def _single_byte(encoding: str | None) -> bool:
    """An 8-bit encoding (cp1252, latin-1, ...): every byte reads as some character, so
    UTF-8 bytes in such a file read as two or three characters each, without an error."""
    if not encoding:
        return False
    name = codecs.lookup(encoding).name
    return name.startswith(("cp12", "iso8859", "latin", "mac-", "cp437", "cp85", "koi8"))


def _mark_utf8_read_as_single_byte(arr: np.ndarray, corrupt: np.ndarray, encoding: str
                                   ) -> None:
    """Records whose text is UTF-8 read as an 8-bit encoding ('JosÃ©' for 'José'): a file
    that mixes encodings (one part saved by one program, the rest by another). Only
    non-ASCII text is looked at; genuine 8-bit text almost never forms UTF-8's multi-byte
    sequences."""
    msg = (f"the record's text is UTF-8 but the file was read as {encoding}: the file mixes "
           "encodings; save it in one (UTF-8) and read it again")
    for j in range(arr.shape[1]):
        col = arr[:, j].tolist()
        if "\x00".join(col).isascii():
            continue
        for i, v in enumerate(col):
            if corrupt[i] or v.isascii():
                continue
            try:
                again = v.encode(encoding).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if again != v:
                corrupt[i] = msg


def _has_surrogates(text: str) -> bool:
    """Undecodable bytes (kept as lone surrogates) anywhere in the text: a C-speed check."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


#: files of fewer columns are not searched for swallowed records: a line of a note with a
#: comma or two would look like a record of two or three fields
_SWALLOW_MIN_COLUMNS = 4
_DIGIT_RUNS = re.compile(r"[0-9]+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _swallowed_line(value: str, first: str, ncol: int, delimiter: str) -> int | None:
    """In a field that runs over several lines, the first line after its first that reads
    as a whole record (as many fields as the header, its first field shaped like this
    record's own: V6 beside V5), counted from the record's first line; None if there is
    none. A quote left open in a record makes the reader take the records after it, up to
    the next quote, into one field: those records would vanish without a trace."""
    shape = _DIGIT_RUNS.sub("0", first.strip())
    lines = _LINE_BREAK.split(value)  # the csv reader's line ends (splitlines has more)
    for k, line in enumerate(lines[1:], start=1):
        if line.count(delimiter) < ncol - 1:
            continue
        try:
            fields = next(csv.reader([line], delimiter=delimiter))
        except (csv.Error, StopIteration):
            continue
        if len(fields) >= ncol - 1 and fields[0].strip() and \
                _DIGIT_RUNS.sub("0", fields[0].strip()) == shape:
            return k
    return None


def _csv_frame(t: SourceTable, rows: list[list[str]], starts: np.ndarray,
               clean_text: bool = False, nul: bool = True,
               multi: np.ndarray | None = None, misquoted=()) -> pd.DataFrame:
    """A chunk of records as a frame of text columns, with each record's first line.
    ``clean_text``: nothing undecodable was met in the file so far (no search needed);
    ``nul``: the file may hold a NUL character (else no search for one is needed);
    ``multi``: which records run over several lines (None: any may); ``misquoted``: the
    positions of records over several lines whose quotes do not pair up."""
    ncol = len(t.columns)
    n = len(rows)
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=n)
    blank = lengths == 0
    if ncol > 1:
        one = np.flatnonzero(lengths == 1)
        if len(one):
            blank[one[[not rows[i][0].strip() for i in one]]] = True
    ragged = (lengths != ncol) & ~blank
    corrupt = np.full(n, "", dtype=object)
    for i in np.flatnonzero(ragged):
        corrupt[i] = f"the record has {lengths[i]} fields where the header has {ncol}"
        rows[i] = (rows[i] + [""] * ncol)[:ncol]
    for i in np.flatnonzero(blank):
        rows[i] = [""] * ncol
    # every row has ncol cells now: one flat pass fills the array (numpy's own conversion
    # of a list of lists inspects every cell for nesting first)
    arr = np.fromiter(chain.from_iterable(rows), dtype=object, count=n * ncol
                      ).reshape(n, ncol)
    if ncol > 1 and n:  # rows of delimiters alone (",,,,", as spreadsheets leave them at
        # the end) hold no data: skipped as blank lines are (a record has an id first)
        for i in np.flatnonzero((arr[:, 0] == "") & ~blank & (lengths <= ncol)).tolist():
            if not "".join(arr[i]).strip():
                blank[i], corrupt[i] = True, ""
    if nul and "\x00" in "\x01".join(chain.from_iterable(rows)):  # one C-speed search
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if "\x00" in v:
                    corrupt[i] = corrupt[i] or "the record has a NUL character (binary data)"
                    arr[i, j] = v.replace("\x00", "\ufffd")
    for j in range(0 if clean_text else ncol):
        col = arr[:, j].tolist()
        if _has_surrogates("\x00".join(col)):  # bytes not valid in the file's encoding
            msg = f"the record has bytes that are not valid {t.encoding} text"
            for i, v in enumerate(col):
                if _SURROGATE.search(v):
                    corrupt[i] = corrupt[i] or msg
                    arr[i, j] = _SURROGATE.sub("\ufffd", v)
    if _single_byte(t.encoding):
        _mark_utf8_read_as_single_byte(arr, corrupt, t.encoding)
    if ncol >= _SWALLOW_MIN_COLUMNS:
        for i in (range(n) if multi is None else np.flatnonzero(multi).tolist()):
            if corrupt[i]:
                continue
            row = rows[i]
            before = 0  # the lines of the fields before this one
            for v in row:
                if "\n" not in v and "\r" not in v:
                    continue
                at = _swallowed_line(v, row[0], ncol, t.delimiter)
                if at is not None:
                    corrupt[i] = (f"a line inside it (line {starts[i] + before + at}) reads "
                                  "as a record of its own: is a quote left open on line "
                                  f"{starts[i]}? The records it holds are not imported "
                                  "until the file is fixed")
                    break
                before += v.count("\n")
    for i in misquoted:  # (a swallowed line, when one was found, says more)
        if not corrupt[i]:
            corrupt[i] = (f"its quotes do not pair up: a quoted field that starts on line "
                          f"{starts[i]} or later ends with text after its closing quote; is "
                          f"a quote left open on line {starts[i]}? Records it may hold are not "
                          "imported until the file is fixed")
        elif ragged[i]:  # too few or too many fields: the quotes are why
            corrupt[i] += (f", and its quotes do not pair up: is a quote left open on line "
                           f"{starts[i]}? Records it may hold are not imported until the file "
                           "is fixed")
    keep = ~blank
    if not keep.all():
        arr, starts, corrupt = arr[keep], starts[keep], corrupt[keep]
    df = pd.DataFrame(arr, columns=t.columns, dtype=object)
    df[LINE] = starts
    df[CORRUPT] = pd.Series(corrupt, dtype=object, index=df.index)
    return df


# --- JSON / NDJSON -----------------------------------------------------------------------
def _parse_int(digits: str):
    """JSON integers as int; one too long for Python's int() (4,300 digits) stays text."""
    return int(digits) if len(digits) < 4000 else digits


_json_loads = json.JSONDecoder(parse_int=_parse_int).decode


class _TooDeep(Exception):
    """A JSON value nested too deeply to be written back as text."""


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        try:
            return json.dumps(v, ensure_ascii=False)
        except RecursionError:
            raise _TooDeep() from None
    return str(v)


def _records_frame(t: SourceTable, recs: list[dict], lines: list[int], corrupt: list[str]):
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


def _iter_ndjson(t: SourceTable):
    with _open_text(t) as f:
        for no, line in enumerate(f, start=1):
            s = line.strip().lstrip("\ufeff")
            if not s:
                continue
            try:
                rec = _json_loads(s)
            except (ValueError, RecursionError):
                yield no, None, "the line is not a valid JSON record"
                continue
            if not isinstance(rec, dict):
                yield no, None, "the line is JSON but not a record (an object with fields)"
                continue
            note = "the record has bytes that are not valid text" if _SURROGATE.search(s) else ""
            if not note and _SURROGATE_ESCAPE.search(s):
                rec, note = _lone_surrogates_out(rec)
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
        self.dec = json.JSONDecoder(parse_int=_parse_int)
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
            if _SURROGATE_ESCAPE.search(self.buf, self.pos, self.i):
                v, note = _lone_surrogates_out(v)
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


def _iter_json_array(t: SourceTable):
    """The records of a JSON array (or of one array in an object, ``t.sheet`` its name),
    one by one, with the line each starts on. The file is read a block at a time."""
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
        for line, rec, note in js.elements():
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


RARE_KEY_SHARE = 0.10  # a key in fewer sampled records than this is not a column


def _json_columns(t: SourceTable) -> list[str]:
    """Columns of a JSON table: the first record's keys, and keys most records share.

    A key only a few records carry (a stray extra field) is not a column: those records
    are flagged as damaged rather than widening the table.
    """
    counts: dict[str, int] = {}
    first: list[str] = []
    it = _iter_ndjson(t) if t.format == "ndjson" else _iter_json_array(t)
    seen = 0
    for _, rec, _ in it:
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
        raise SourceError(t.path, "no records found (expected objects with named fields)")
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


# --- Excel -------------------------------------------------------------------------------
MAX_SHEET_CELLS = 50_000_000
# A workbook is a zip archive, and the Excel reader unpacks a whole sheet into memory.
# Real sheets pack 5-20 times; a part packed far tighter than that, or huge once unpacked,
# is a zip bomb (or not an export), refused before anything is unpacked.
MAX_PART_BYTES = 2 << 30
MAX_PACK_RATIO = 100
RATIO_FROM_BYTES = 32 << 20


def _calamine_failure(e: BaseException, broad: bool = True) -> bool:
    """An error of the Excel reader on a damaged workbook: a Rust panic (which pyo3 raises
    as a BaseException), its own error types and OSError, or (``broad``) any Exception."""
    if type(e).__name__ == "PanicException":
        return True
    if broad:
        return isinstance(e, Exception)
    import python_calamine as pc
    own = tuple(getattr(pc, n) for n in ("CalamineError", "PasswordError", "XmlError",
                                         "ZipError") if isinstance(getattr(pc, n, None), type))
    return isinstance(e, own + (OSError,))


def _check_workbook_archive(path: Path) -> None:
    import zipfile
    try:
        if not zipfile.is_zipfile(path):
            return  # .xls (not a zip) or garbage: the Excel reader says what it is
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except Exception:  # a damaged archive: the Excel reader says what is wrong with it
        return
    for zi in parts:
        big = zi.file_size > MAX_PART_BYTES
        bomb = zi.file_size > RATIO_FROM_BYTES and \
            zi.file_size > MAX_PACK_RATIO * max(zi.compress_size, 1)
        if big or bomb:
            raise SourceError(path, f"part '{zi.filename}' unpacks to "
                              f"{zi.file_size / 2**20:,.0f} MB from "
                              f"{zi.compress_size / 2**10:,.0f} KB: "
                              + ("packed like a zip bomb" if bomb else "too large")
                              + ", not a spreadsheet export")


def _open_excel(path: Path) -> list[SourceTable]:
    from python_calamine import CalamineWorkbook
    _check_workbook_archive(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except BaseException as e:  # calamine raises its own error types for damaged files
        if not _calamine_failure(e):
            raise
        raise SourceError(path, f"this is not a readable Excel workbook ({type(e).__name__})")
    tables = []
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            if sheet.total_height * max(sheet.total_width, 1) > MAX_SHEET_CELLS:
                raise SourceError(path, f"sheet '{name}' is too large "
                                  f"({sheet.total_height} rows x {sheet.total_width} columns)")
            header = None
            for header_row, row in enumerate(sheet.iter_rows(), start=1):
                if any(_cell(v).strip() for v in row):
                    header = row
                    break
        except SourceError:
            raise
        except BaseException as e:
            if not _calamine_failure(e):
                raise
            raise SourceError(path, f"sheet '{name}' cannot be read ({type(e).__name__})")
        t = SourceTable(path, f"{path.name}#{name}", "xlsx", sheet=name)
        gaps = t.formula_gaps()
        above = [r for r in gaps if header is None or r <= header_row]
        if above:  # the column names come from formulas that left no value to read
            r = min(above)
            raise SourceError(path, f"sheet '{name}': row {r}, above the records, has "
                              f"formula cells with nothing to read in them "
                              f"({_formula_note(gaps[r])})", line=r)
        if header is None:
            continue  # an empty sheet is not a table
        t.columns = _clean_header([_cell(v) for v in header], t)
        while t.columns and t.columns[-1].startswith("column") and \
                not _cell(header[len(t.columns) - 1]).strip():
            t.columns.pop()
        tables.append(t)
    if not tables:
        raise SourceError(path, "the workbook has no sheet with data")
    return tables


def _excel_value(v) -> str:
    if hasattr(v, "isoformat"):
        s = v.isoformat()
        return s[:10] if s.endswith("T00:00:00") else s.replace("T", " ")
    return _cell(v)


#: the opening tag of a formula in a sheet's XML, with or without a namespace prefix
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]|\st=[\"']e[\"']")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _column_name(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _sheet_part(z, sheet: str) -> str | None:
    """The archive's part that holds a sheet's cells (workbook.xml names it, its
    relationships say where it is)."""
    import xml.etree.ElementTree as ET
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = ET.fromstring(z.read("xl/workbook.xml"))
    rid = next((s.get(f"{rel_ns}id") for s in book.iter(f"{main}sheet")
                if s.get("name") == sheet), None)
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    for r in rels:
        if r.get("Id") == rid:
            target = r.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def formula_gaps(path: Path, sheet: str) -> dict[int, list[tuple[str, str]]]:
    """The cells of a sheet whose formula left no value its reader sees, by row number, as
    (cell, error value or "" for none): a workbook written by a program that does not
    calculate (a script's, say) saves no values, and an error result (#DIV/0!) reads as an
    empty cell. Excel and LibreOffice save every value. A sheet without formulas costs one
    byte search of its part."""
    import zipfile
    try:
        with zipfile.ZipFile(path) as z:
            part = _sheet_part(z, sheet)
            if part is None or part not in z.namelist():
                return {}
            with z.open(part) as f:  # a byte search first: most exports have no formula
                tail, found = b"", False
                while block := f.read(1 << 20):
                    if _FORMULA_TAG.search(tail + block):
                        found = True
                        break
                    tail = block[-64:]
            if not found:
                return {}
            import xml.etree.ElementTree as ET
            gaps: dict[int, list[tuple[str, str]]] = {}
            row = col = 0  # where the cells are (r="C5" may be left out: the next one)
            rows_of = None  # sheetData: the rows read are let go as they end
            with z.open(part) as f:
                for event, el in ET.iterparse(f, events=("start", "end")):
                    tag = el.tag.rsplit("}", 1)[-1]
                    if event == "start":
                        if tag == "sheetData":
                            rows_of = el
                        elif tag == "row":
                            row = int(el.get("r") or row + 1)
                            col = 0
                        elif tag == "c":
                            m = _CELL_REF.match(el.get("r", ""))
                            col = _column_number(m.group(1)) if m else col + 1
                        continue
                    if tag != "c":
                        if tag == "row" and rows_of is not None:
                            rows_of.clear()
                        continue
                    kids = {k.tag.rsplit("}", 1)[-1]: k for k in el}
                    v = kids.get("v")
                    text = (v.text or "").strip() if v is not None else None
                    kind = el.get("t", "n")
                    problem = None
                    if kind == "e":  # an error result (#DIV/0!, #REF!): read as empty
                        problem = text or "#N/A"
                    elif "f" in kids and not text and "is" not in kids and \
                            not (kind == "str" and v is not None):
                        problem = ""  # no saved value (an empty text result has <v/>)
                    if problem is not None:
                        gaps.setdefault(row, []).append((f"{_column_name(col)}{row}", problem))
            return gaps
    except (zipfile.BadZipFile, KeyError, OSError, SyntaxError, ValueError):
        return {}  # (ElementTree's ParseError is a SyntaxError) the cells' reader says


def _excel_chunks(t: SourceTable, chunk_rows: int):
    """Chunks of a sheet; a workbook that stops being readable (replaced or damaged since
    it was opened) is a SourceError, not the Excel reader's own exception."""
    it = _excel_chunks_raw(t, chunk_rows)
    while True:
        try:
            chunk = next(it)
        except StopIteration:
            return
        except SourceError:
            raise
        except BaseException as e:
            if not _calamine_failure(e, broad=False):
                raise
            raise SourceError(t.path, f"sheet '{t.sheet}' cannot be read "
                              f"({type(e).__name__})") from None
        yield chunk


def _excel_chunks_raw(t: SourceTable, chunk_rows: int):
    from python_calamine import CalamineWorkbook
    _check_workbook_archive(t.path)
    wb = CalamineWorkbook.from_path(str(t.path))
    sheet = wb.get_sheet_by_name(t.sheet)
    ncol = len(t.columns)
    rows, lines, corrupt = [], [], []
    header_seen = False
    gaps = t.formula_gaps()
    # the reader's rows start at the sheet's row 1, whatever row its first value is in: a
    # record's line is its row number in Excel
    n = 0
    for n, row in enumerate(sheet.iter_rows(), start=1):
        vals = [_excel_value(v) for v in row]
        if not header_seen:
            if any(v.strip() for v in vals):
                header_seen = True
            continue
        gap = gaps.get(n) if gaps else None
        if not gap and not any(v.strip() for v in vals):
            continue
        note = ""
        if len(vals) > ncol and any(v.strip() for v in vals[ncol:]):
            note = "the row has values beyond the last named column"
        if gap:
            note = (f"{note}; " if note else "") + _formula_note(gap)
        rows.append((vals + [""] * ncol)[:ncol])
        lines.append(n)
        corrupt.append(note)
        if len(rows) >= chunk_rows:  # (the rows go before the frame is handed on)
            frame = _frame([list(c) for c in zip(*rows)], t.columns, lines, corrupt)
            rows, lines, corrupt = [], [], []
            yield frame
            del frame
    # rows below the last one with a value whose formulas have no saved value: the sheet's
    # reader ends before them
    for r in sorted(k for k in gaps if k > n) if gaps and header_seen else []:
        rows.append([""] * ncol)
        lines.append(r)
        corrupt.append(_formula_note(gaps[r]))
    if rows:
        yield _frame([list(c) for c in zip(*rows)], t.columns, lines, corrupt)


def _formula_note(cells: list[tuple[str, str]]) -> str:
    """What is wrong with a row's formula cells: (cell, its error value or "" for none)."""
    parts = []
    empty = [c for c, err in cells if not err]
    if empty:
        more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
        parts.append(f"{'cell' if len(empty) == 1 else 'cells'} {', '.join(empty[:5])}{more} "
                     f"{'holds a formula' if len(empty) == 1 else 'hold formulas'} with no "
                     "saved value (the workbook was written by a program that does not "
                     "calculate): open it in Excel or LibreOffice, save it, and import it again")
    errors = [(c, err) for c, err in cells if err]
    if errors:
        more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
        parts.append(f"{'cell' if len(errors) == 1 else 'cells'} "
                     + ", ".join(f"{c} ({err})" for c, err in errors[:5]) + more
                     + f" {'holds an error' if len(errors) == 1 else 'hold errors'} instead of "
                     "a value: correct the formula in the workbook")
    return "; ".join(parts)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


__all__ = ["SourceTable", "SourceError", "open_source", "open_sources", "LINE", "CORRUPT",
           "file_sha256"]
