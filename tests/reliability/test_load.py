"""The same guarantees at scale: a 20,000-patient / 100,000-visit dirty export, SIGKILLed
halfway through the visits, leaves the target as before and intact; imported again it
reconciles exactly with the generator's ground truth; a second run adds nothing."""
from __future__ import annotations

import sqlite3

import pytest

from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.schema import DATA_TABLES, init_db, known_tables
from wizard.core.suggest import suggest_profile
from wizard.testing.legacy_export import generate

from .helpers import Child, add_native_rows, assert_intact, snapshot
from .test_kill_matrix import CHILD


def _counts(db):
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in DATA_TABLES + ["migration_legacy_ids", "migration_runs"]}
    finally:
        con.close()


@pytest.mark.slow
def test_kill_at_scale_then_reimport_reconciles_exactly(tmp_path):
    export = tmp_path / "export"
    manifest = generate(export, patients=20_000, visits=100_000, seed=8, dirty=0.02,
                        extra_defects=True)
    (export / "manifest.json").unlink()
    clean = manifest["clean_rows"]
    db = tmp_path / "target.db"
    init_db(db)
    add_native_rows(db)
    before = snapshot(db)
    tables, errors = open_sources([export])
    assert not errors
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.save(tmp_path / "profile.yaml")

    # killed with half the visits inserted (and everything before them)
    child = Child(CHILD, export, db, tmp_path / "profile.yaml", "import:visits:50000",
                  env={"CHUNK_ROWS": "10000"})
    try:
        child.wait_for(lambda line: line.startswith("PAUSED"), timeout=180)
    finally:
        child.kill()
    assert_intact(db)
    assert snapshot(db) == before

    # imported again: exactly the clean records, reconciled table by table
    m = Migration(tables, profile, db)
    m.make_backup(tmp_path / "backups")
    res = m.run()
    assert res.committed and res.passed, [c for c in (x.to_dict() for x in res.verification.checks)
                                          if not c["passed"]]
    got = _counts(db)
    want = dict(clean, doctors=clean["doctors"] + 1)  # + the native doctor
    assert {t: got[t] for t in DATA_TABLES} == want
    assert got["migration_legacy_ids"] == sum(clean.values()) and got["migration_runs"] == 1
    for t, s in res.verification.tables.items():
        assert s["imported"] == clean[t], t
        assert s["source_rows"] == manifest["rows"][t]
        assert s["source_rows"] == s["imported"] + s["duplicates"] + s["rejected"], t
    assert_intact(db)

    # a second run adds nothing and recognises every record
    again = Migration(open_sources([export])[0], profile, db)
    again.make_backup(tmp_path / "backups")
    res2 = again.run()
    assert res2.committed and res2.passed
    for t, s in res2.verification.tables.items():
        assert s["imported"] == 0 and s["duplicates"] == clean[t], (t, s)
    after = _counts(db)
    assert {t: after[t] for t in DATA_TABLES} == want
    assert after["migration_legacy_ids"] == got["migration_legacy_ids"]
    assert_intact(db)
