"""How a file's records are laid out, where a person says so instead of the detection: the
delimiter of a text file, and the line (or a sheet's row) holding the column names, for
exports with a title, a date or a blank line above their header.

A choice is kept per legacy table (its file's name, or ``book.xlsx#Sheet``): in the
profile's table (``delimiter:``, ``header_row:``) and, for a file no HMSync table reads
yet, in the project."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Callable

#: the delimiters by the names a profile or a command line may give them
DELIMITERS = {",": ",", ";": ";", "|": "|", "\t": "\t", "tab": "\t", "\\t": "\t",
              "comma": ",", "semicolon": ";", "pipe": "|", "colon": ":", ":": ":",
              "space": " ", " ": " ", "caret": "^", "^": "^", "tilde": "~", "~": "~"}
#: how each is said back (a tab is invisible)
DELIMITER_WORDS = {",": "comma", ";": "semicolon", "|": "pipe", "\t": "tab", ":": "colon",
                   " ": "space", "^": "caret", "~": "tilde"}
#: the furthest down a header may be looked for (a title block, not a whole report)
MAX_HEADER_ROW = 1000


class LayoutError(ValueError):
    """A delimiter or header row that cannot be: the message says which and why."""


def delimiter_from(value, where: str) -> str:
    """A delimiter named in a profile or on a command line, as the character itself."""
    if not isinstance(value, str) or value.lower() not in DELIMITERS and value not in \
            DELIMITERS:
        raise LayoutError(f"{where}: delimiter {value!r} is not one the wizard reads; use one "
                          f"of: comma, semicolon, tab, pipe, colon, space, caret, tilde (or "
                          f"the character itself)")
    return DELIMITERS.get(value, DELIMITERS.get(value.lower()))


def header_row_from(value, where: str) -> int:
    """A header row named in a profile or on a command line (1: the first line; 0: the
    file has no line of column names, see NO_HEADER)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise LayoutError(f"{where}: header_row must be a line number (1 is the first line, "
                          f"0 for none), not {value!r}")
    try:
        n = int(value)
    except ValueError:
        raise LayoutError(f"{where}: header_row must be a line number (1 is the first "
                          f"line, 0 for none), not {value!r}") from None
    if not 0 <= n <= MAX_HEADER_ROW:
        raise LayoutError(f"{where}: header_row {n} is out of range (0 for none, 1 to "
                          f"{MAX_HEADER_ROW})")
    return n


#: ``header_row: 0``: a text file with no line of column names (a legacy system's dump):
#: its first line is a record, its columns are named column_1, column_2, ...
NO_HEADER = 0


@dataclass(frozen=True)
class Layout:
    """A person's choice of how to read one legacy table; None: as detected."""
    delimiter: str | None = None
    header_row: int | None = None

    def __bool__(self) -> bool:
        return self.delimiter is not None or self.header_row is not None

    def describe(self) -> str:
        parts = []
        if self.delimiter is not None:
            parts.append(f"delimiter {DELIMITER_WORDS.get(self.delimiter, self.delimiter)}")
        if self.header_row == NO_HEADER:
            parts.append("no column names (the first line is a record; columns column_1, "
                         "column_2, ...)")
        elif self.header_row is not None:
            parts.append(f"column names on line {self.header_row}")
        return ", ".join(parts) or "as detected"

    def to_dict(self) -> dict:
        d = {}
        if self.delimiter is not None:
            d["delimiter"] = DELIMITER_WORDS.get(self.delimiter, self.delimiter)
        if self.header_row is not None:
            d["header_row"] = self.header_row
        return d

    @classmethod
    def from_dict(cls, d, where: str) -> "Layout":
        if not isinstance(d, dict) or set(d) - {"delimiter", "header_row"}:
            raise LayoutError(f"{where}: a layout is a delimiter and/or a header_row")
        return cls(delimiter_from(d["delimiter"], where) if d.get("delimiter") is not None
                   else None,
                   header_row_from(d["header_row"], where) if d.get("header_row") is not None
                   else None)


#: what a reader is given for a file: its sheet's name (None for a text file) -> the layout
LayoutOf = Callable[[str | None], Layout | None]


@dataclass
class LayoutChoices:
    """The layouts the operator chose, per legacy table name (``file.csv``,
    ``book.xlsx#Sheet``)."""
    per_table: dict[str, Layout] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.per_table)

    def of(self, path, sheet: str | None = None) -> Layout | None:
        name = Path(path).name
        return self.per_table.get(f"{name}#{sheet}" if sheet else name)


#: lines looked at for a title block above the column names
HINT_LINES = 60
#: lines below a candidate header that must agree with it
HINT_AGREEING = 3


def title_block_hint(table) -> Layout | None:
    """Where a text file read as one column looks like a title block above a delimited
    table (the first lines hold a title and a date, a later line and those below it split
    alike into several fields): the layout that reads it so, offered and never applied
    (a person looks at the preview). None: nothing of the kind."""
    if table.format != "csv" or len(table.columns) > 1 or table.layout:
        return None
    from .base import _open_text
    try:
        with _open_text(table) as f:
            lines = [ln.rstrip("\r\n") for ln in islice(f, HINT_LINES)]
    except (OSError, UnicodeError):
        return None
    for d in (",", ";", "\t", "|"):
        counts = [len(next(csv.reader([ln], delimiter=d), [])) if ln.strip() else 0
                  for ln in lines]
        for k, n in enumerate(counts):
            below = [c for c in counts[k + 1:] if c][:HINT_AGREEING]
            if n >= 2 and k > 0 and below and \
                    all(c == n for c in below) and all(c < n for c in counts[:k]):
                return Layout(d, k + 1)
    return None


#: a cell that is a value, not a name: a number, a date, an e-mail address
_VALUE = re.compile(r"[+-]?\d+(?:[.,]\d+)?|\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}.*|[^@\s]+@[^@\s]+")


#: a year is a column name as often as a value (a pivot's 2023, 2024)
_YEAR = re.compile(r"(?:19|20)\d\d")


def headerless_hint(table) -> Layout | None:
    """Where a text file's "column names" hold values (a number, a date, an e-mail
    address) in a column whose next lines hold values of the same look, the file may have
    no line of column names: the layout that reads its first line as a record, offered
    and never applied. None: nothing of the kind."""
    if table.format != "csv" or len(table.columns) < 2 or table.layout or \
            table.header_line != 1:
        return None
    from .base import _open_text
    try:
        with _open_text(table) as f:
            rows = list(islice(csv.reader(f, delimiter=table.delimiter), HINT_AGREEING + 1))
    except (OSError, UnicodeError, csv.Error):
        return None
    if len(rows) < 2:
        return None
    head, below = rows[0], rows[1:]
    for i, cell in enumerate(head):
        cell = cell.strip()
        if _VALUE.fullmatch(cell) and not _YEAR.fullmatch(cell) and all(
                i < len(r) and _VALUE.fullmatch(r[i].strip()) for r in below):
            return Layout(None, NO_HEADER)
    return None


def layout_hint(table) -> Layout | None:
    """A layout a table may need, pointed out (a title block, or no column names)."""
    return title_block_hint(table) or headerless_hint(table)
