"""Big exports are read, mapped and checked in a helper process while the engine's process
validates relationships and writes SQLite. The result must not depend on which path ran."""
import multiprocessing
import os
import signal
import sqlite3

import pandas as pd
import pytest

from wizard.core.engine import CancelToken, Cancelled, Migration, MigrationError
from wizard.core.readers import SourceError, open_sources
from wizard.core.schema import DATA_TABLES, init_db
from wizard.core.suggest import suggest_profile
from wizard.core.schema import known_tables
from wizard.testing.legacy_export import generate


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    generate(out, patients=300, visits=1200, doctors=12, seed=7, dirty=0.08)
    (out / "manifest.json").unlink()
    return out


def migration(folder, target=None, **kw):
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    return Migration(tables, profile, target, **kw)


def helpers():
    return [p for p in multiprocessing.active_children() if p.name == "hmsync-prepare"]


def table_rows(db):
    con = sqlite3.connect(db)
    try:
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
                for t in DATA_TABLES}
    finally:
        con.close()


def test_validation_finds_the_same_problems_in_a_helper_process(export):
    inline = migration(export, parallel=False, chunk_rows=250).validate()
    helped = migration(export, parallel=True, chunk_rows=250).validate()
    assert len(inline.problems) > 50
    pd.testing.assert_frame_equal(inline.problems, helped.problems)
    assert {t: s.to_dict() for t, s in inline.stats.items()} == \
        {t: s.to_dict() for t, s in helped.stats.items()}
    assert not helpers()


def test_import_through_a_helper_process_writes_the_same_records(export, tmp_path):
    results = {}
    for parallel in (False, True):
        db = tmp_path / f"{parallel}.db"
        init_db(db)
        res = migration(export, db, parallel=parallel, chunk_rows=250).run(no_backup=True)
        assert res.committed and res.passed
        assert ("of which waiting for the reading process" in res.timings) == parallel
        results[parallel] = (res.verification["tables"], table_rows(db))
    (tables_a, rows_a), (tables_b, rows_b) = results[False], results[True]
    assert tables_a == tables_b
    # the same records apart from their new HMSync ids
    for t in ("patients", "doctors"):
        assert [r[1:] for r in sorted(rows_a[t], key=lambda r: r[1:])] == \
            [r[1:] for r in sorted(rows_b[t], key=lambda r: r[1:])]
    assert {t: len(r) for t, r in rows_a.items()} == {t: len(r) for t, r in rows_b.items()}


def test_a_damaged_file_read_by_the_helper_names_file_and_line(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    rows = ["patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate"]
    rows += [f"P{i},Asha,Rao,98100{i:05d},30,F,Pune,01/02/2020" for i in range(360_000)]
    # a quote opened on line 10001 and never closed, past what format detection samples:
    # the rest of the file (17 MB) becomes one field, too long for a record: reading stops
    rows.insert(10000, 'P99,"Bad,Rao,9810000000,30,F,Pune,01/02/2020')
    (folder / "patients.csv").write_text("\n".join(rows) + "\n")
    found = []
    for parallel in (False, True):
        with pytest.raises(SourceError) as e:
            migration(folder, parallel=parallel, chunk_rows=700).validate()
        assert e.value.path.name == "patients.csv" and e.value.line > 10000
        found.append((str(e.value), e.value.line))
    assert found[0] == found[1]
    assert not helpers()


def test_cancel_stops_the_helper_and_leaves_the_target_untouched(export, tmp_path):
    db = tmp_path / "t.db"
    init_db(db)
    before = table_rows(db)
    token = CancelToken()

    def progress(p):
        if p.done:
            token.cancel()

    with pytest.raises(Cancelled):
        migration(export, db, parallel=True, chunk_rows=50).run(progress, token,
                                                                 no_backup=True)
    assert not helpers()
    assert table_rows(db) == before


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_helper_that_dies_stops_the_import_with_a_message(export, tmp_path):
    db = tmp_path / "t.db"
    init_db(db)
    before = table_rows(db)

    def progress(p):
        if p.done:
            for h in helpers():
                os.kill(h.pid, signal.SIGKILL)

    with pytest.raises(MigrationError, match="stopped unexpectedly"):
        migration(export, db, parallel=True, chunk_rows=20).run(progress, no_backup=True)
    assert not helpers()
    assert table_rows(db) == before
