"""Issue 26 item 5: the quarantine round trip. Rejected records are written with the line
they came from and why; fixed, the folder is imported again with the same profile."""
import csv
import sqlite3
import subprocess
import sys

from conftest import MINI_ERRORS

from wizard.core.mapping import Profile
from wizard.core.quarantine import quarantined_map


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_rejected_records_say_their_line_and_reason_and_come_back_fixed(
        mini_export, empty_target, tmp_path):
    prof = tmp_path / "p.yaml"
    assert cli("suggest", mini_export, "-o", prof)[0] == 0
    rej = tmp_path / "rejected"
    rc, out = cli("run", mini_export, "--target", empty_target, "--profile", prof,
                  "--no-backup", "--rejected", rej, "--accept-suggestions")
    assert rc == 1, out  # errors left records out
    rows = read(rej / "patients.rejected.csv")
    lines = {int(r["hmsync_rejected_line"]): r for r in rows}
    assert set(lines) == {line for (f, line) in MINI_ERRORS if f == "patients.csv"}
    assert lines[5]["hmsync_rejected_reason"].startswith("patients.phone.required: ")
    assert lines[7]["hmsync_rejected_reason"].startswith("patients.age.format: ")
    # the operator fixes two records and runs the folder with the same profile
    lines[5]["phoneNumber"] = "+919844444444"
    lines[7]["age"] = "40"
    with open(rej / "patients.rejected.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    rc, out = cli("run", rej, "--target", empty_target, "--profile", prof, "--no-backup",
                  "--accept-suggestions")
    assert "no legacy table is mapped" not in out
    assert "hmsync_rejected" not in out  # the added columns: recognised, not "not mapped"
    con = sqlite3.connect(empty_target)
    try:
        again = {r[0] for r in con.execute(
            'SELECT "legacyId" FROM migration_legacy_ids WHERE "tableName"=\'patients\' '
            'AND "sourceFile" LIKE \'%rejected%\'')}
    finally:
        con.close()
    assert {"104", "106"} <= again and "105" not in again  # 105's age is still wrong
    assert "reconciliation: patients: source 9 = imported 3" in out  # 104, 106 and 111


def test_a_quarantine_file_is_mapped_by_the_table_it_came_from():
    p = Profile.from_dict({"tables": {
        "legacy.xlsx#Visits": {"target": "visits"}, "patients.csv": {"target": "patients"},
        "patients.json": {"target": "doctors"}, "*.tsv": {"target": "bills"}}})
    assert quarantined_map(p, "legacy-Visits.rejected.csv").source == "legacy.xlsx#Visits"
    assert quarantined_map(p, "patients.rejected.csv").source == "patients.csv"
    assert quarantined_map(p, "patients.json.rejected.csv").source == "patients.json"
    assert p.table_for("patients.rejected.csv", "patients.rejected").target == "patients"
    assert quarantined_map(p, "patients.csv") is None
    assert quarantined_map(p, "nothing.rejected.csv") is None
