"""Quarantine files: the rejected records of a run, one CSV per legacy table, in their
original columns plus the line they came from and why they were rejected, so that an
operator can fix them and import them again with the same profile (``run rejected/``).

``patients.csv`` -> ``patients.rejected.csv``; a workbook's sheet ``legacy.xlsx#Visits``
-> ``legacy-Visits.rejected.csv`` (see :func:`quarantine_names`). Read back, a
quarantine file is mapped by the table map of the legacy table it was written from, and
the two added columns are recognised and not imported.
"""
from __future__ import annotations

import os
from pathlib import Path

#: the columns a quarantine file adds after the legacy ones
LINE_COLUMN = "hmsync_rejected_line"
REASON_COLUMN = "hmsync_rejected_reason"
ADDED_COLUMNS = (LINE_COLUMN, REASON_COLUMN)
SUFFIX = ".rejected.csv"


def quarantine_names(tables: list[str]) -> dict[str, str]:
    """The quarantine file of each legacy table, one of its own: ``patients.csv`` ->
    ``patients.rejected.csv``; a workbook's sheet ``legacy.xlsx#Visits`` ->
    ``legacy-Visits.rejected.csv``; where two tables would share a name (patients.csv
    and patients.json), the later ones keep their extension (patients.json.rejected.csv),
    then a number."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in tables:
        file, _, part = name.partition("#")
        file = file.replace(os.sep, "_").replace("/", "_")
        part = part.replace(os.sep, "_").replace("/", "_")
        stem = Path(file).stem + (f"-{part}" if part else "")
        candidates = [stem, file + (f"-{part}" if part else "")]
        candidates += [f"{stem}-{i}" for i in range(2, len(tables) + 2)]
        chosen = next(c for c in candidates if c.lower() not in used)
        used.add(chosen.lower())  # one file per name on case-blind file systems too
        out[name] = chosen + SUFFIX
    return out


def quarantined_map(profile, source_name: str):
    """The table map of the legacy table a quarantine file was written from (None: the
    name is no quarantine file's, or no table map wrote it)."""
    if not source_name.lower().endswith(SUFFIX):
        return None
    back = {q.lower(): src for src, q in
            quarantine_names([tm.source for tm in profile.tables]).items()}
    src = back.get(source_name.lower())
    if src is not None:
        return next(tm for tm in profile.tables if tm.source == src)
    stem = source_name[:-len(SUFFIX)]  # a profile naming files by pattern or stem
    for candidate in (stem, stem + ".csv"):
        tm = profile.table_for(candidate, Path(candidate).stem)
        if tm is not None:
            return tm
    return None
