"""Where a run's records lie by rowid: the legacy-id map's rows of one legacy file and the
HMSync table's rows they stand for.

The import inserts a chunk's records into the HMSync table and then their rows into the
legacy-id map, in the same order, and SQLite numbers each new row one past the table's
largest rowid. So, for one legacy file, the map's rows form one run of rowids, and each
lies a fixed distance from its record's rowid. The cell accounting reads the two side by
side by that distance (one rowid lookup per record) instead of looking every HMSync id up
in the primary key's index and then the table (two), and only over the file's run of the
map instead of scanning the whole map once per file.

Nothing here is taken on trust: the accounting's join still requires each pair's HMSync
ids to be equal, and it uses the spans only where the join matched every row of the span
(``RowSpan.rows``); otherwise it joins by HMSync id as before.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .legacy_map import ROWS as LEGACY_MAP
from .schema import quote_ident


@dataclass
class RowSpan:
    first: int          # the legacy-id map's first rowid of this file's records
    last: int           # and its last
    offset: int | None  # the map's rowid minus the record's (None: not one distance)
    rows: int           # rows this run put into the map for the file

    @property
    def usable(self) -> bool:
        return self.offset is not None and self.last - self.first + 1 == self.rows


class RowSpans:
    """(legacy file, HMSync table) -> RowSpan, noted chunk by chunk as the import inserts."""

    def __init__(self):
        self.spans: dict[tuple[str, str], RowSpan] = {}
        self._without: set[tuple[str, str]] = set()   # no rowids to go by

    def note(self, con: sqlite3.Connection, source: str, table: str, rows: int) -> None:
        """Note a chunk's ``rows`` records just inserted into ``table`` and then into the
        legacy-id map (each read at the end of its b-tree: two page lookups)."""
        if rows <= 0:
            return
        if (source, table) in self._without:
            return
        try:
            last = con.execute(f"SELECT max(rowid) FROM {LEGACY_MAP}").fetchone()[0]
            mine = con.execute(f"SELECT max(rowid) FROM {quote_ident(table)}").fetchone()[0]
        except sqlite3.OperationalError:  # a table WITHOUT ROWID (a deployment's own)
            mine = None
        if last is None or mine is None:
            self._without.add((source, table))
            self.spans.pop((source, table), None)
            return
        offset = last - mine
        span = self.spans.get((source, table))
        if span is None:
            self.spans[(source, table)] = RowSpan(last - rows + 1, last, offset, rows)
            return
        if span.offset != offset or last - rows != span.last:
            span.offset = None  # (the accounting joins by HMSync id instead)
        span.last = last
        span.rows += rows

    def get(self, source: str, table: str) -> RowSpan | None:
        span = self.spans.get((source, table))
        return span if span is not None and span.usable else None
