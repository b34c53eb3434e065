"""A cell the source held as a number, kept distinct from one that holds text.

The readers hand every cell over as text. An Excel numeric cell (180.5), a JSON number or a
database's numeric column is written out plainly ("180.5"): a "." decimal point, no
thousands separator, whatever the export's text numbers look like. The text rules of a
profile (``decimal: ','``, ``thousands: '.'``) must not read that text again, or 180.5
becomes 1805. A NumberCell is such a text that says where it came from; the number parser
reads it plainly.
"""
from __future__ import annotations


class NumberCell(str):
    """The plain text of a number the source held as a number ("180.5", "1250", "-3e-05")."""
    __slots__ = ()

    def strip(self, chars=None):  # (a plain number has no edge space: stripping keeps it)
        s = str.strip(self, chars)
        return self if len(s) == len(self) else s


#: types of cells that are numbers already (bool is no number here: "true"/"false")
HELD_NUMBER_TYPES = frozenset({NumberCell, int, float})
