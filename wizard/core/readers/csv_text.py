"""Delimited text exports (CSV, TSV, pipe, semicolon): the header, then chunks of records
read with the csv module, each record's first physical line kept, and the records a
reader would take wrongly (ragged rows, quotes left open, NUL characters, undecodable or
mixed-encoding text) marked damaged."""
from __future__ import annotations

import codecs
import csv
import gc
import re
from collections import deque
from itertools import chain, islice
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from .base import (_CHUNK_READERS, _ESCAPED, _SURROGATE, CORRUPT, LINE, SourceError,
                   SourceTable, _bom_in_value, _clean_header, _open_text)
from .detect import _SEP_LINE, _first_line, detect_delimiter


def _open_csv(path: Path, text: str, encoding: str, layout=None) -> list[SourceTable]:
    """The table of a delimited text file, from the text of its first bytes; ``layout``:
    the delimiter and header line a person chose (layout.Layout), else detected."""
    text = text.lstrip("\ufeff")
    said = _SEP_LINE.match(_first_line(text))  # Excel's "sep=;" line names the delimiter
    first = 2 if said else 1
    if layout is not None and layout.header_row == 0 and said:
        raise SourceError(path, "the first line is Excel's 'sep=' line, which a file with "
                          "no column names cannot have: choose the line after it as the "
                          "column names' line, or remove the 'sep=' line", line=1)
    if layout is not None and layout.header_row is not None:
        first = max(layout.header_row, 1)  # (no column names: the records start at once)
        said = None
    for _ in range(first - 1):  # the lines above the column names (a title, a date)
        text = text[len(_first_line(text)):].lstrip("\r").removeprefix("\n")
    delim = detect_delimiter(path, text)
    if said and (said.group(1) in _first_line(text) or delim not in _first_line(text)):
        delim = said.group(1)  # (unless the column names hold another delimiter and not it)
    if layout is not None and layout.delimiter is not None:
        delim = layout.delimiter
    header_line = _first_line(text)
    skip = (delim + " ") in header_line
    headerless = layout is not None and layout.header_row == 0
    t = SourceTable(path, path.name, "csv", encoding=encoding, delimiter=delim,
                    skip_initial_space=skip, header_line=0 if headerless else first)
    t.layout = layout
    t.columns = _csv_header(t)
    return [t]


#: records looked at for a file with no column names to count its columns (the widest)
NO_HEADER_LOOK = 100


def _csv_header(t: SourceTable) -> list[str]:
    with _open_text(t) as f:
        if t.header_line > 1:
            deque(islice(f, t.header_line - 1), maxlen=0)  # a "sep=" line, a title
        r = csv.reader(f, delimiter=t.delimiter, skipinitialspace=t.skip_initial_space)
        try:
            header = next(r)
        except StopIteration:
            raise SourceError(t.path, "the file has no header line" if t.header_line else
                              "the file is empty")
        except csv.Error as e:
            raise SourceError(t.path, f"the header cannot be read ({e})",
                              line=max(t.header_line, 1))
        widest = len(header)
        if t.header_line == 0:  # no column names: the widest first record says how many
            try:
                for row in islice(r, NO_HEADER_LOOK - 1):
                    widest = max(widest, len(row))
            except csv.Error:
                pass  # (the records' reading names the damaged one)
    if t.header_line == 0:
        if not widest:
            raise SourceError(t.path, "the first lines are empty: a file with no column "
                              "names starts with a record", line=1)
        return [f"column_{i}" for i in range(1, widest + 1)]
    if not any(h.strip() for h in header):
        raise SourceError(t.path, "the first line is empty; expected the column names" if
                          t.header_line == 1 else f"line {t.header_line} is empty; expected "
                          "the column names" if t.layout else "the line after 'sep=' is "
                          "empty; expected the column names", line=t.header_line)
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


def _may_hold_bom(t: SourceTable, chunk_rows: int) -> bool:
    """Whether the file's text may hold a byte-order mark (U+FEFF) after its start: a byte
    search of the file answers it (see SourceTable.has_inner_bom), except for a sample,
    which is searched as it is read (as for a NUL)."""
    return chunk_rows < _NUL_SCAN_MIN_ROWS or t.has_inner_bom()


def _line_boms_off(f, marked: list[int]):
    """The file's physical lines, each without the byte-order marks it begins with, the
    numbers of those lines added to ``marked``. A mark where a line begins is the start of
    a second export joined on to the first (cat a.csv b.csv): the first field of the
    record there would keep it, an id no other record refers to."""
    for no, line in enumerate(f, start=1):
        if line.startswith("\ufeff"):
            marked.append(no)
            line = line.lstrip("\ufeff")
        yield line


class _RawLines:
    """The file's physical lines once more, in order: the text of a record over several
    lines, for a second look at its quotes (opened at the first such record)."""

    def __init__(self, t: SourceTable, boms: bool = False):
        self.t, self.f, self.read = t, None, 0
        self.boms = boms  # the lines are read as the records were: their marks taken off
        self.file = None

    def lines(self, first: int, last: int) -> list[str]:
        if self.f is None:
            self.f = self.file = _open_text(self.t)
            if self.boms:
                self.f = _line_boms_off(self.file, [])
        if first - 1 > self.read:  # skip to the record (C speed)
            deque(islice(self.f, first - 1 - self.read), maxlen=0)
        out = list(islice(self.f, last - first + 1))
        self.read = last
        return out

    def close(self):
        if self.file is not None:
            self.file.close()


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
    bom = _may_hold_bom(t, chunk_rows)
    raw = _RawLines(t, boms=bom)
    try:
        yield from _csv_chunks_of(t, chunk_rows, raw, bom)
    finally:
        raw.close()


def _csv_chunks_of(t: SourceTable, chunk_rows: int, raw: _RawLines, bom: bool = True
                   ) -> Iterator[pd.DataFrame]:
    escaped_before = _ESCAPED[0]
    nul = _may_hold_nul(t, chunk_rows)
    marked: list[int] = []  # the lines read so far that began with a byte-order mark
    with _open_text(t) as f:
        if bom:  # (else the csv reader reads the file itself, at C speed)
            f = _line_boms_off(f, marked)
        if t.header_line > 1:
            deque(islice(f, t.header_line - 1), maxlen=0)  # a "sep=" line, a title
        r = csv.reader(f, delimiter=t.delimiter, skipinitialspace=t.skip_initial_space)
        if t.header_line:  # (no column names: the first line is a record)
            try:
                next(r)
            except StopIteration:
                return
        # the physical line the next record starts on (the reader counts from the header)
        r_base = max(t.header_line - 1, 0)
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
            boms = [no for no in marked if no >= starts[0]] if bom else None
            marked.clear()
            frame = _csv_frame(t, rows, starts, clean_text=_ESCAPED[0] == escaped_before,
                               multi=multi, misquoted=misquoted,
                               nul=nul, boms=boms)
            last = len(rows) < chunk_rows
            # the row lists go before the frame is handed on: kept alive across the yield,
            # every cycle collection of the reader's caller would walk 50,000 of them
            del rows, ends, add_row, add_end
            if len(frame):
                yield frame
            del frame
            if last:
                return


def _mark_boms(t: SourceTable, arr: np.ndarray, corrupt: np.ndarray, starts: np.ndarray,
               boms: list[int]) -> None:
    """Records with a byte-order mark (U+FEFF) that is not where a line, and its record,
    begins (those were taken off): an invisible character inside a value, where it would
    stay unseen (an id that matches no other, a name no search finds)."""
    for no in boms:  # a line inside a record over several lines began with one
        i = int(np.searchsorted(starts, no, side="right")) - 1
        if 0 <= i < len(starts) and starts[i] != no and not corrupt[i]:
            corrupt[i] = (f"line {no}, inside a value over several lines, begins with a "
                          "byte-order mark (U+FEFF), an invisible character that belongs "
                          "only at the start of a file: was another export joined on there, "
                          f"under a quote left open on line {starts[i]}? Remove the mark "
                          "and read the file again")
    for j in range(arr.shape[1]):
        col = arr[:, j].tolist()
        if "\ufeff" not in "\x00".join(col):
            continue
        for i, v in enumerate(col):
            if "\ufeff" in v and not corrupt[i]:
                corrupt[i] = _bom_in_value(t.columns[j])


def _single_byte(encoding: str | None) -> bool:
    """An 8-bit encoding (cp1252, latin-1, ...): every byte reads as some character, so
    UTF-8 bytes in such a file read as two or three characters each, without an error."""
    if not encoding:
        return False
    name = codecs.lookup(encoding).name
    return name.startswith(("cp12", "iso8859", "latin", "mac-", "cp437", "cp85", "koi8"))


def _mark_utf8_read_as_single_byte(arr: np.ndarray, corrupt: np.ndarray, encoding: str,
                                   chosen: bool = False) -> None:
    """Records whose text is UTF-8 read as an 8-bit encoding ('JosÃ©' for 'José'): a file
    that mixes encodings (one part saved by one program, the rest by another), or one whose
    encoding was chosen wrong (``chosen``: by the profile or the operator, perhaps for an
    earlier copy of the file). Only non-ASCII text is looked at; genuine 8-bit text almost
    never forms UTF-8's multi-byte sequences."""
    msg = (f"the record's text is UTF-8 but the file was read as {encoding}, the encoding "
           "chosen for it: if the whole file is UTF-8, choose utf-8 instead (the profile's "
           "encoding:, or --encoding); if only some records are, the file mixes encodings: "
           "save it in one (UTF-8) and read it again") if chosen else \
        (f"the record's text is UTF-8 but the file was read as {encoding}: the file mixes "
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
               multi: np.ndarray | None = None, misquoted=(),
               boms: list[int] | None = ()) -> pd.DataFrame:
    """A chunk of records as a frame of text columns, with each record's first line.
    ``clean_text``: nothing undecodable was met in the file so far (no search needed);
    ``nul``: the file may hold a NUL character (else no search for one is needed);
    ``multi``: which records run over several lines (None: any may); ``misquoted``: the
    positions of records over several lines whose quotes do not pair up; ``boms``: the
    lines whose byte-order marks were taken off where they began (None: the file holds
    none after its start, and the values need no search for one)."""
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
                    if t.nul_empty and t.columns[j] in t.nul_empty and not \
                            v.replace("\x00", "").strip():
                        arr[i, j] = ""  # the profile says: an empty value, as written
                        continue
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
    if boms is not None:
        _mark_boms(t, arr, corrupt, starts, boms)
    if _single_byte(t.encoding):
        _mark_utf8_read_as_single_byte(arr, corrupt, t.encoding,
                                       chosen=t.encoding_source == "chosen")
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


_CHUNK_READERS["csv"] = _csv_chunks
