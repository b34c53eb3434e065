"""The engine against the generator's ground truth: every defect found at its file, line and
field; no clean record rejected; exactly the clean records imported; totals reproduced."""
import sqlite3

import pytest

from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.schema import init_db, known_tables
from wizard.core.suggest import suggest_profile
from wizard.testing.legacy_export import generate

TABLES = ["patients", "doctors", "visits", "bills", "payments", "pathology_tests"]


def check_validation(res, manifest):
    p = res.problems
    errs = p[p.severity == "error"]
    found = {}
    for r in errs.itertuples():
        found.setdefault((r.file, int(r.line)), set()).update(r.field.split("+"))
    want = {(d["file"], int(d["line"])): d for d in manifest["defects"]}
    missed = [d for k, d in want.items() if k not in found]
    assert not missed, f"{len(missed)} defects not reported, e.g. {missed[:3]}"
    wrong_field = [d for k, d in want.items() if d["field"] not in found[k]]
    assert not wrong_field, f"reported on another field: {wrong_field[:3]}"
    extra = sorted(set(found) - set(want))
    assert not extra, f"errors on clean records: {extra[:5]}"
    assert {t: res.stats[t].valid for t in TABLES} == manifest["clean_rows"]


@pytest.mark.parametrize("fmt,encoding", [("csv", "utf-8"), ("tsv", "cp1252"),
                                          ("csv", "utf-16"), ("json", "utf-8"),
                                          ("ndjson", "utf-8"), ("xlsx", "utf-8")])
def test_validation_matches_ground_truth(tmp_path, fmt, encoding):
    m = generate(tmp_path / "export", patients=300, visits=1200, seed=11, dirty=0.08,
                 fmt=fmt, encoding=encoding, extra_defects=True)
    (tmp_path / "export" / "manifest.json").unlink()
    tables, errors = open_sources([tmp_path / "export"])
    assert not errors
    prof = suggest_profile(tables, known_tables(), source_system="hcp")
    assert len(prof.tables) == 6
    res = Migration(tables, prof).validate()
    check_validation(res, m)


@pytest.mark.parametrize("seed,dirty", [(1, 0.02), (2, 0.2)])
def test_run_imports_clean_rows_reproduces_fees_and_is_idempotent(tmp_path, seed, dirty):
    m = generate(tmp_path / "export", patients=500, visits=2000, seed=seed, dirty=dirty,
                 extra_defects=True)
    (tmp_path / "export" / "manifest.json").unlink()
    db = tmp_path / "t.db"
    init_db(db)
    tables, _ = open_sources([tmp_path / "export"])
    prof = suggest_profile(tables, known_tables(), source_system="hcp")
    mig = Migration(tables, prof, db)
    mig.make_backup()
    res = mig.run()
    assert res.committed and res.passed
    check_validation(res.validation, m)
    con = sqlite3.connect(db)
    got = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
    assert got == m["clean_rows"]
    fees = {lic: v for lic, v in con.execute(
        'SELECT d."licenseNumber", SUM(v."consultationFee") FROM visits v JOIN doctors d '
        'ON v."doctorId" = d.id GROUP BY 1')}
    want = {f"LIC{12344 + int(d[1:])}": float(v)
            for d, v in m["clean_fee_total_by_doctor"].items()}
    assert fees == want
    con.close()
    again = Migration(tables, prof, db)
    again.make_backup()
    res2 = again.run()
    assert res2.passed
    assert all(s["imported"] == 0 for s in res2.verification.tables.values())
    con = sqlite3.connect(db)
    assert {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES} == got
    con.close()
