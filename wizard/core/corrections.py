"""Values the operator corrected for one record, in the wizard: kept in the profile (so in
the migration project and, with the profile, in the run's audit trail), applied to the
legacy value as the record is read, never written back to the legacy file.

A correction names the file, the line the record starts on and the column, with the value
it corrects: if the file no longer holds that value there (it was exported again), the
correction is not applied and a note says so.
"""
from __future__ import annotations

import getpass
import os
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from .errors import ProfileError

_KEYS = ("file", "line", "column", "before", "after", "table", "legacy_id", "who", "when")


@dataclass(frozen=True)
class Correction:
    file: str            # the legacy table (its name in the export)
    line: int            # the line (or sheet row) the record starts on
    column: str          # the legacy column
    before: str          # the value in the file
    after: str           # the value imported instead
    table: str = ""      # the HMSync table and legacy id: for the report's reader
    legacy_id: str = ""
    who: str = ""
    when: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d, where: str) -> "Correction":
        if not isinstance(d, dict) or not d.get("file") or not d.get("column") or \
                not isinstance(d.get("line"), int) or "after" not in d:
            raise ProfileError(f"{where}: each correction needs a file, a line (a number), a "
                               f"column and the value after it")
        unknown = sorted(set(d) - set(_KEYS))
        if unknown:
            raise ProfileError(f"{where}: unknown key(s) {', '.join(unknown)}")
        return cls(str(d["file"]), int(d["line"]), str(d["column"]),
                   "" if d.get("before") is None else str(d["before"]),
                   "" if d["after"] is None else str(d["after"]),
                   str(d.get("table") or ""), str(d.get("legacy_id") or ""),
                   str(d.get("who") or ""), str(d.get("when") or ""))


def operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name where the platform has none
        return os.environ.get("USERNAME", "unknown")


def made_now(file: str, line: int, column: str, before: str, after: str, table: str = "",
             legacy_id: str = "") -> Correction:
    """A correction made now by the person running the wizard."""
    return Correction(file, int(line), column, before, after, table, legacy_id, operator(),
                      datetime.now().astimezone().isoformat(timespec="seconds"))


def replace(corrections: list[Correction], new: Correction) -> list[Correction]:
    """The list with ``new`` in place of an earlier correction of the same cell (or without
    it, where ``new`` gives the file's own value back)."""
    kept = [c for c in corrections
            if (c.file, c.line, c.column) != (new.file, new.line, new.column)]
    return kept if new.after == new.before else kept + [new]


def by_file(corrections: list[Correction]) -> dict[str, list[Correction]]:
    out: dict[str, list[Correction]] = {}
    for c in corrections:
        out.setdefault(c.file, []).append(c)
    return out


def apply(chunk: pd.DataFrame, fixes: list[Correction], line_col: str) -> list[str]:
    """Put the corrected values into a chunk of a legacy table (in place); returns notes
    for corrections that no longer fit the file (no values in them)."""
    notes = []
    if not fixes or not len(chunk):
        return notes
    lines = chunk[line_col].to_numpy()
    lo, hi = int(lines.min()), int(lines.max())
    for c in fixes:
        if not lo <= c.line <= hi:
            continue
        hit = np.flatnonzero(lines == c.line)
        if not len(hit):
            continue
        where = f"{c.file} line {c.line:,}"
        if c.column not in chunk.columns:
            notes.append(f"{where}: the correction of {c.column} was not applied: the file "
                         "has no such column now")
            continue
        j = chunk.columns.get_loc(c.column)
        cur = chunk.iat[hit[0], j]
        cur = "" if cur is None or (isinstance(cur, float) and np.isnan(cur)) else str(cur)
        if cur != c.before:
            notes.append(f"{where}: the correction of {c.column} was not applied: the file's "
                         "value is no longer the one corrected")
            continue
        if chunk[c.column].dtype != object:
            chunk[c.column] = chunk[c.column].astype(object)
        chunk.iat[hit[0], j] = c.after
    return notes
