"""The cell accounting reads a run's records back by rowid (rowspans.py): the same lines and
filled fields as the join by HMSync id, and the join by id wherever the pairing fails."""
import sqlite3

import numpy as np

from wizard.core import cells
from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.rowspans import LEGACY_MAP, RowSpan, RowSpans
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile


def _run(folder, target, chunk_rows):
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.confirm_all()
    return Migration(tables, profile, target, chunk_rows=chunk_rows,
                     parallel=False).run(no_backup=True)


def test_paired_by_rowid_reads_what_the_join_by_id_reads(mini_export, empty_target,
                                                         monkeypatch):
    original = cells._ImportedRows._packed
    seen = {}

    def both(con, run_id, source, target, fields, span=None):
        by_id = original(con, run_id, source, target, fields, None)
        assert span is not None, source  # every file of a plain run has its span
        paired = original(con, run_id, source, target, fields, span)
        np.testing.assert_array_equal(np.sort(paired), np.sort(by_id))
        # a span that pairs wrongly (off by one row) is noticed: the join by id decides
        off = RowSpan(span.first, span.last, span.offset + 1, span.rows)
        np.testing.assert_array_equal(np.sort(original(con, run_id, source, target,
                                                       fields, off)), np.sort(by_id))
        seen[source] = (span.rows, len(by_id))
        return paired

    monkeypatch.setattr(cells._ImportedRows, "_packed", staticmethod(both))
    res = _run(mini_export, empty_target, chunk_rows=4)  # several chunks per file
    assert res.committed and res.passed
    assert seen and all(rows == n > 0 for rows, n in seen.values()), seen
    con = sqlite3.connect(empty_target)
    for source, (rows, _) in seen.items():
        assert con.execute('SELECT count(*) FROM migration_legacy_ids WHERE '
                           '"sourceFile"=?', (source,)).fetchone()[0] == rows


def _db():
    con = sqlite3.connect(":memory:", isolation_level=None)
    con.execute(f'CREATE TABLE {LEGACY_MAP} (x)')
    con.execute('CREATE TABLE a (id TEXT PRIMARY KEY)')
    con.execute('CREATE TABLE b (id TEXT PRIMARY KEY) WITHOUT ROWID')
    return con


def _insert(con, table, n, start):
    con.executemany(f"INSERT INTO {table} VALUES (?)", [(f"{start + i}",) for i in range(n)])


def test_chunks_in_a_row_make_one_span():
    con, spans = _db(), RowSpans()
    _insert(con, LEGACY_MAP, 3, 0)  # an earlier run's rows
    for start in (0, 5):
        _insert(con, "a", 5, start)
        _insert(con, LEGACY_MAP, 5, 100 + start)
        spans.note(con, "a.csv", "a", 5)
    assert spans.get("a.csv", "a") == RowSpan(4, 13, 3, 10)


def test_a_row_between_chunks_or_no_rowid_means_no_span():
    con, spans = _db(), RowSpans()
    _insert(con, "a", 2, 0)
    _insert(con, LEGACY_MAP, 2, 0)
    spans.note(con, "a.csv", "a", 2)
    _insert(con, "a", 1, 50)  # a record with no row in the map: the distance changes
    _insert(con, "a", 2, 2)
    _insert(con, LEGACY_MAP, 2, 2)
    spans.note(con, "a.csv", "a", 2)
    assert spans.get("a.csv", "a") is None
    _insert(con, "b", 2, 0)
    _insert(con, LEGACY_MAP, 2, 0)
    spans.note(con, "b.csv", "b", 2)
    assert spans.get("b.csv", "b") is None
