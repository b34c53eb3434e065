"""Opening legacy files and folders: each file's format detected, its tables returned."""
from __future__ import annotations

import codecs
import os
from pathlib import Path

from .base import (EXCEL_EXTS, JSON_EXTS, NDJSON_EXTS, SNIFF_BYTES, SUPPORTED, SourceError,
                   SourceTable)
from .csv_text import _open_csv
from .detect import _decode_sample, detect_encoding_doubt
from .database import is_database_file, is_server_url, open_database
from .excel import _open_excel
from .json_records import _open_json


def open_source(path: str | Path, encoding: str | None = None,
                legacy_encoding: str | None = None, layout=None) -> list[SourceTable]:
    """Detect a file's format and return its tables (one, or one per Excel sheet).
    ``encoding``: the operator's choice for a text file, instead of the detected one;
    ``legacy_encoding``: the choice for a file of an 8-bit code page (not for Unicode);
    ``layout(sheet or None)``: the operator's delimiter and header row (layout.Layout)."""
    path = Path(path)
    if not path.exists():
        raise SourceError(path, "this is a link to a file that does not exist "
                          f"({os.readlink(path)})" if path.is_symlink() else
                          "the file does not exist")
    if path.is_dir():
        raise SourceError(path, "this is a folder, not a file")
    if not path.is_file():  # (never opened: reading a named pipe waits for a writer)
        raise SourceError(path, "this is not a regular file (a named pipe, a device or a "
                          "socket): the wizard reads exports saved as files")
    ext = path.suffix.lower()
    if ext not in SUPPORTED and is_database_file(path):
        if path.stat().st_size == 0:
            raise SourceError(path, "the file is empty")
        return open_database(path)
    if ext not in SUPPORTED:
        raise SourceError(path, f"unknown format '{ext or 'no extension'}': the wizard reads "
                          "CSV/TSV, JSON, NDJSON and Excel (.xlsx) exports, and SQLite "
                          "databases (.db)")
    if path.stat().st_size == 0:
        raise SourceError(path, "the file is empty")
    if ext in EXCEL_EXTS:
        return _open_excel(path, layout)
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise SourceError(path, f"'{encoding}' is not an encoding Python knows (cp1250, "
                              "cp1252, iso8859-2, utf-8, ... )") from None
        doubt, how = None, "chosen"
    else:
        encoding, doubt = detect_encoding_doubt(path, head)
        how = "unsure" if doubt else "detected"
        if legacy_encoding and SourceTable(path, "", "", encoding=encoding).legacy_code_page:
            return open_source(path, legacy_encoding, layout=layout)
    text = _decode_sample(head, encoding)
    if ext in JSON_EXTS or ext in NDJSON_EXTS:
        tables = _open_json(path, head, text, encoding)
    else:
        tables = _open_csv(path, text, encoding, layout(None) if layout else None)
    for t in tables:
        t.encoding_source, t.encoding_doubt = how, doubt
    return tables


def _outside_link(f: Path, folder: Path) -> None:
    """Refuses a file of an export folder that is a link to a file outside the folder:
    read as one of the export's files, it may be another export's, an older one's, and
    the audit trail would name the link. Named on its own, the operator chose it."""
    if not f.is_symlink() or not f.exists():
        return  # (a link to nothing, or a loop of links: open_source says so)
    target = f.resolve()
    if not target.is_relative_to(folder.resolve()):
        raise SourceError(f, f"this is a link to a file outside the folder ({target}): name "
                          "that file on its own to read it, or copy it into the folder")


def open_sources(paths, encodings=None, legacy_encoding: str | None = None, layouts=None
                 ) -> tuple[list[SourceTable], list[SourceError]]:
    """Open files and folders (a folder contributes its supported files, sorted; anything
    else there with such a name, a named pipe say, is an error, not left out unsaid).
    A link in a folder to a file outside it is an error too: see _outside_link.
    ``encodings(path)``: the encoding the operator chose for a file, or None;
    ``layouts(path)``: what open_source takes as its layout, or None."""
    tables, errors = [], []
    for p in paths:
        if isinstance(p, str) and is_server_url(p):  # a server's URL, kept without password
            from .server import open_server
            try:
                tables.extend(open_server(p))
            except SourceError as e:
                errors.append(e)
            continue
        p = Path(p)
        files = sorted(x for x in p.iterdir() if not x.is_dir() and
                       x.suffix.lower() in SUPPORTED) if p.is_dir() else [p]
        for f in files:
            try:
                if f is not p:
                    _outside_link(f, p)
                tables.extend(open_source(f, encodings(f) if encodings else None,
                                          legacy_encoding, layouts(f) if layouts else None))
            except SourceError as e:
                errors.append(e)
    return tables, errors

