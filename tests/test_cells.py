"""Cell-level accounting, totals over every row and the independent spot check: read from
the legacy files on their own, so that a wrong mapping or a rejected record shows."""
import sqlite3

import pytest

from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile
from wizard.core.verify import CheckKind


def _run(folder, target, edit=None, dry_run=False):
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.confirm_all()
    if edit:
        edit(profile)
    m = Migration(tables, profile, target)
    return m.run(no_backup=True, dry_run=dry_run)


def _check(res, name):
    return next(c for c in res.verification.checks if c.name == name)


def _table(res, source):
    return next(t for t in res.verification.cells.tables if t.source == source)


def test_every_cell_is_accounted_for(mini_export, empty_target):
    res = _run(mini_export, empty_target)
    assert res.committed and res.passed
    pats = _table(res, "patients.csv")
    for c in pats.columns.values():
        assert c.balances, c
    last = pats.columns["lastName"]
    # 12 records, 11 with a surname: 3 went in (the "same person" warning at line 11
    # too), the other 8 are in rejected records
    assert last.non_empty == 11
    assert last.imported == 3 and last.rejected == 8 and last.not_accounted == 0
    check = _check(res, "cells: patients.csv")
    assert check.kind == CheckKind.CELLS and check.passed
    assert "not accounted" not in check.detail.lower()


def test_a_name_column_nobody_maps_fails_the_verification(mini_export, empty_target):
    def first_name_only(profile):
        tm = profile.table_for("patients.csv")
        tm.fields["fullName"].columns = ["firstName"]
        tm.fields["fullName"].steps = []
        tm.fields.pop("lastName", None)

    res = _run(mini_export, empty_target, first_name_only)
    assert not res.passed and not res.committed
    last = _table(res, "patients.csv").columns["lastName"]
    assert last.role == "unmapped" and last.not_accounted == 3 and not last.balances
    check = _check(res, "cells: patients.csv")
    assert not check.passed and "lastName" in check.detail
    con = sqlite3.connect(empty_target)
    assert con.execute("SELECT count(*) FROM patients").fetchone()[0] == 0  # rolled back


def test_a_column_left_behind_on_purpose_is_accounted_for(mini_export, empty_target):
    def leave_address(profile):
        tm = profile.table_for("patients.csv")
        tm.fields.pop("address")
        tm.leave_behind = ["address"]

    res = _run(mini_export, empty_target, leave_address)
    assert res.committed and res.passed
    addr = _table(res, "patients.csv").columns["address"]
    assert addr.role == "left_behind" and addr.left_behind == 3 and addr.imported == 0
    assert addr.rejected == 9
    assert addr.balances


def test_money_totals_count_every_row(mini_export, empty_target):
    res = _run(mini_export, empty_target)
    fee = next(m for m in res.verification.cells.totals if m.field == "consultationFee")
    # imported V1 500, V2 300, V9 750; rejected V3, V4, V7, V8 at 300 each and V5's -500;
    # "five hundred" is no number
    assert fee.imported == 1550 and fee.rejected == 700 and fee.source == 2250
    assert fee.hmsync == 1550 and fee.passed
    check = _check(res, "totals over every row: visits.consultationFee")
    assert check.passed and "legacy files 2,250.00" in check.detail


def test_a_rerun_compares_records_already_in_hmsync(mini_export, empty_target):
    _run(mini_export, empty_target)
    res = _run(mini_export, empty_target)
    assert res.passed
    spot = _check(res, "spot check: sampled records read back equal the source")
    assert spot.passed and res.verification.cells.spot.compared == sum(
        {"doctors": 2, "patients": 3, "visits": 3, "bills": 2, "payments": 1,
         "pathology_tests": 1}.values())
    pats = _table(res, "patients.csv").columns["lastName"]
    assert pats.duplicates == 3 and pats.imported == 0 and pats.balances


def test_the_spot_check_tells_hmsyncs_own_edits_from_a_wrong_import(mini_export,
                                                                    empty_target):
    """A record edited in HMSync since the last run is HMSync's own edit (a re-run leaves
    it standing, as the delta sync does): said, not compared."""
    _run(mini_export, empty_target)
    con = sqlite3.connect(empty_target)
    con.execute('UPDATE patients SET "fullName" = \'Someone Else\'')
    con.commit()
    con.close()
    res = _run(mini_export, empty_target, dry_run=True)
    spot = _check(res, "spot check: sampled records read back equal the source")
    assert spot.passed and "differ as HMSync was edited since the last run" in spot.detail
    # on a first run, a record HMSync holds otherwise than the files say is a wrong
    # import (test_the_spot_check_compares_a_first_runs_records below)


def test_nothing_compared_is_no_pass_unless_nothing_went_in(tmp_path, empty_target):
    """Records of the export in HMSync, none compared: no proof, a failed check. None of
    them in HMSync (every record rejected, or a filter that keeps none): nothing to
    compare, and the check says so."""
    from wizard.core.cells import SpotResult
    assert not SpotResult(compared=0, eligible=5).passed
    assert SpotResult(compared=0, eligible=0).passed
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patientId,firstName,lastName,phoneNumber,age,gender\n"
        "1,,,,500,Q\n", encoding="utf-8")
    res = _run(folder, empty_target)
    spot = _check(res, "spot check: sampled records read back equal the source")
    assert spot.detail.startswith("0 records compared") and \
        "no record of this export is in HMSync" in spot.detail


def test_a_column_hmsync_has_no_field_for_can_be_kept(mini_export, empty_target, tmp_path):
    from wizard.core.mapping import Profile

    def keep_address(profile):
        tm = profile.table_for("patients.csv")
        tm.fields.pop("address")
        tm.keep = ["address"]

    res = _run(mini_export, empty_target, keep_address)
    assert res.committed and res.passed
    addr = _table(res, "patients.csv").columns["address"]
    assert addr.role == "kept" and addr.imported == 3 and addr.balances
    con = sqlite3.connect(empty_target)
    rows = con.execute(
        'SELECT l."legacyId", x.value FROM migration_extras x JOIN migration_legacy_ids l '
        'ON l."hmsyncId" = x."hmsyncId" AND l."tableName" = x."tableName" '
        'WHERE x."tableName" = \'patients\' AND x."column" = \'address\' ORDER BY 1').fetchall()
    assert rows == [("101", "12 MG Road, Ward 3"), ("102", "Lake View"), ("109", "x")]
    assert con.execute("SELECT count(*) FROM patients WHERE address IS NOT NULL"
                       ).fetchone()[0] == 0
    # the profile says so, and reads back the same
    tables, _ = open_sources([mini_export])
    p = suggest_profile(tables, known_tables())
    p.table_for("patients.csv").keep = ["address"]
    assert "keep: [address]" in p.to_text()
    p.save(tmp_path / "profile.yaml")
    assert Profile.load(tmp_path / "profile.yaml").table_for("patients.csv").keep == \
        ["address"]


def test_a_value_blanked_by_a_warning_is_listed(mini_export, empty_target):
    """Age "4O" at line 7 is a format error; made a warning, the record goes in with its
    age empty: the cell is accounted for as blanked, and its line and field listed."""
    def age_format_warns(profile):
        profile.rules["patients.age.format"] = "warning"

    res = _run(mini_export, empty_target, age_format_warns)
    assert res.passed
    pats = _table(res, "patients.csv")
    age = pats.columns["age"]
    assert age.blanked == 1 and age.balances
    assert (7, "age") in pats.blanked
    assert "blanked by a warning 1" in _check(res, "cells: patients.csv").detail


def test_records_a_filter_left_out_are_counted_apart(mini_export, empty_target):
    """The hook a profile's filter (where:) uses: its lines' cells are "filtered", not
    lost, and their money is a part of the files' total of its own."""
    import numpy as np

    from wizard.core.cells import account
    res = _run(mini_export, empty_target)
    tables, _ = open_sources([mini_export])
    m = Migration(tables, suggest_profile(tables, known_tables(), source_system="hcp"),
                  empty_target)
    con = sqlite3.connect(empty_target)
    run_id = con.execute("SELECT max(id) FROM migration_runs").fetchone()[0]
    # V9 (line 11, fee 750) as if a filter had left it out: it is in HMSync, so the
    # accounting is asked to count it apart from the imported
    acc = account(con, m.plan, m.targets, m.profile, res.validation.problems, {}, run_id,
                  filtered={"visits.csv": [np.array([11])]})
    visits = next(t for t in acc.tables if t.source == "visits.csv")
    fee = visits.columns["consultationFee"]
    assert fee.filtered == 1 and fee.imported == 2 and fee.balances
    money = next(t for t in acc.totals if t.field == "consultationFee")
    assert money.filtered == 750 and money.imported == 800 and money.source == 2250


def test_the_spot_check_compares_a_first_runs_records(mini_export, empty_target,
                                                      monkeypatch):
    """A first run whose records went into HMSync otherwise than the files say (a
    transform bent after the load, say) fails the spot check, naming field and line."""
    from wizard.core import cells
    real = cells._spot_check

    def bent(con, *args):
        con.execute('UPDATE patients SET "fullName" = \'Someone Else\'')
        return real(con, *args)
    monkeypatch.setattr(cells, "_spot_check", bent)
    res = _run(mini_export, empty_target)
    spot = _check(res, "spot check: sampled records read back equal the source")
    assert not spot.passed and "patients.fullName" in spot.detail


def test_a_rerun_counts_the_records_it_updated_as_imported(mini_export, empty_target):
    """A record changed in the export since the last run is written again (updated): its
    cells went in, they are no duplicates; the unchanged records' cells are."""
    from wizard.core import cell_audit
    from wizard.core.verify import verify_target
    _run(mini_export, empty_target)
    text = (mini_export / "patients.csv").read_text(encoding="utf-8").splitlines()
    # line 2 is a patient the first run imported; change its surname only
    first = text[1].split(",")
    first[2] = first[2] + "x"
    text[1] = ",".join(first)
    (mini_export / "patients.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    res = _run(mini_export, empty_target)
    assert res.committed and res.passed
    assert res.validation.stats["patients"].updated == 1
    last = _table(res, "patients.csv").columns["lastName"]
    assert (last.imported, last.updated, last.duplicates) == (1, 1, 2) and last.balances
    cells = _check(res, "cells: patients.csv")
    assert "(" in cells.detail and "of them updated" in cells.detail
    con = sqlite3.connect(empty_target)
    try:
        runs = cell_audit.read(con)
    finally:
        con.close()
    assert runs[-1].total("updated") > 0 and "of them updated" in runs[-1].words()
    tv = verify_target(empty_target)
    assert any("of them updated" in c.detail for c in tv.checks
               if c.name == f"cells: run {runs[-1].run_id}")


LOOKUP_PATIENTS = ["ID,NAME,PHONE,GENDER,AGE", "P1,Asha Rao,+919811111111,F,40",
                   "P2,Ravi Das,+919822222222,M,50"]
LOOKUP_CLAIMS = ["Id,CLAIMNO,PATIENTID,SERVICEDATE", "C1,N1,P1,2021-01-05",
                 "C2,N2,P2,2021-02-05", "C3,N3,P2,2021-03-05"]
LOOKUP_CHARGES = ["ID,CLAIMNO,AMOUNT", "T1,N1,100.50", "T2,N1,20", "T3,N2,75"]


def _lookup_run(folder, target, named=False, where=None):
    from wizard.core.mapping import Profile
    folder.mkdir(exist_ok=True)
    for name, rows in (("patients.csv", LOOKUP_PATIENTS), ("claims.csv", LOOKUP_CLAIMS),
                       ("charges.csv", LOOKUP_CHARGES)):
        (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    lk = {"table": "charges.csv", "key": "CLAIMNO", "by": "CLAIMNO", "column": "AMOUNT",
          "aggregate": "sum"}
    claims = {"target": "bills", "legacy_id": "Id",
              "fields": {"patientId": "PATIENTID", "billDate": "SERVICEDATE"}}
    if where:
        claims["where"] = where
    if named:
        claims["lookups"] = {"charged": lk}
        claims["fields"]["amount"] = {"expr": "charged"}
    else:
        claims["fields"]["amount"] = {"lookup": lk}
    profile = Profile.from_dict({"name": "t", "source_system": "t", "tables": {
        "patients.csv": {"target": "patients", "legacy_id": "ID", "fields": {
            "fullName": "NAME", "phone": "PHONE", "gender": "GENDER", "age": "AGE"}},
        "claims.csv": claims}})
    tables, _ = open_sources([folder])
    m = Migration(tables, profile, target)
    return m, m.run(no_backup=True)


@pytest.mark.parametrize("named", [False, True])
def test_a_lookups_key_is_read_not_blanked(tmp_path, empty_target, named):
    """A claim whose lookup finds nothing (C3: no charge) has an empty amount, but its key
    column was read by the lookup: its cell is imported, not "blanked by a warning"."""
    _, res = _lookup_run(tmp_path / "export", empty_target, named)
    assert res.committed and res.passed
    key = _table(res, "claims.csv").columns["CLAIMNO"]
    assert (key.non_empty, key.imported, key.blanked) == (3, 3, 0) and key.balances
    assert key.fields == ["amount"]
    assert "blanked" not in _check(res, "cells: claims.csv").detail


def test_the_totals_over_every_row_count_the_filtered_records_apart(tmp_path, empty_target):
    """A filter leaves claim C2 (75.00) out on purpose: the files' total holds it, shown
    as filtered out, in the check, the report's totals and the sign-off; counted the same
    when the accounting reads the files again (a re-run's updated records)."""
    from wizard.core.cells import account
    from wizard.core.report import run_report
    from wizard.core.signoff import signoff_html
    m, res = _lookup_run(tmp_path / "export", empty_target, where="Id <> 'C2'")
    assert res.committed and res.passed
    money = next(t for t in res.verification.cells.totals if t.field == "amount")
    assert (money.source, money.imported, money.filtered) == (195.5, 120.5, 75.0)
    assert money.passed
    check = _check(res, "totals over every row: bills.amount")
    assert check.detail.startswith("legacy files 195.50 = imported 120.50") and \
        "+ filtered out 75.00" in check.detail
    rep = run_report(res, empty_target, [st for st, _ in m.plan], False)
    assert any((c.get("all_rows") or {}).get("filtered") == 75.0 for c in rep["checks"])
    doc = signoff_html(rep)
    totals = doc[doc.index("Totals over every row"):]
    assert "<th>filtered out</th>" in totals and "75.00" in totals[:totals.index("</table>")]
    # verify TARGET, without the files: the totals as the run counted them
    from wizard.core.verify import verify_target
    tv = verify_target(empty_target)
    (kept,) = [c for c in tv.checks if c.name.startswith("totals over every row: run ")]
    assert kept.passed and kept.detail == (
        "legacy files 195.50 = imported 120.50 + rejected 0.00 + duplicates 0.00 + "
        "filtered out 75.00")
    # the same from the files read again (no tally)
    con = sqlite3.connect(empty_target)
    try:
        run_id = con.execute("SELECT max(id) FROM migration_runs").fetchone()[0]
        again = account(con, m.plan, m.targets, m.profile, res.validation.problems, {},
                        run_id)
    finally:
        con.close()
    money = next(t for t in again.totals if t.field == "amount")
    assert (money.source, money.filtered) == (195.5, 75.0) and money.passed
