"""Readers for legacy exports: CSV/TSV/pipe/semicolon, JSON, NDJSON and Excel.

Every reader yields chunks of records as a :class:`pandas.DataFrame` of strings (the
legacy columns, header names trimmed) plus provenance: the physical line (or sheet row)
each record starts on, and a note for records the reader found corrupted (ragged rows,
undecodable bytes). Memory stays bounded by the chunk size for CSV and NDJSON.

A file that cannot be read at all raises :class:`SourceError`, whose message names the
file, the line where there is one, and the problem in plain words.

One module a format: ``base`` (the table, the error, what the readers share), ``detect``
(encoding and delimiter), ``csv_text``, ``json_records``, ``excel``, and ``sources``
(a file's format detected, its tables opened). The names below are the package's API;
a module's own limits and helpers are read (and patched, in tests) where they live.
"""
from .base import (CHUNK_ROWS, CORRUPT, EXCEL_EXTS, JSON_EXTS, LINE, MAX_COLUMNS, MAX_FIELD,
                   NDJSON_EXTS, SNIFF_BYTES, SUPPORTED, TEXT_EXTS, SourceError, SourceTable,
                   file_sha256)
from .detect import detect_delimiter, detect_encoding
from .excel import formula_gaps
from .sources import open_source, open_sources

__all__ = ["SourceTable", "SourceError", "open_source", "open_sources", "LINE", "CORRUPT",
           "file_sha256", "detect_encoding", "detect_delimiter", "formula_gaps", "SUPPORTED",
           "TEXT_EXTS", "JSON_EXTS", "NDJSON_EXTS", "EXCEL_EXTS", "CHUNK_ROWS", "MAX_FIELD",
           "MAX_COLUMNS", "SNIFF_BYTES"]
