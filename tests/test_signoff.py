"""The sign-off report (HTML and PDF) and the versioned JSON report it is made from."""
import json
import os
import stat
import subprocess
import sys

from conftest import MINI


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def _patient_values():
    """Names and phones of the mini export's patients: none may reach a document."""
    rows = [r.split(",") for r in MINI["patients.csv"][1:]]
    return {v for r in rows for v in (r[1], r[2], r[3]) if len(v) > 2}


def test_run_writes_a_signoff_pdf_and_the_command_makes_it_again(mini_export, empty_target,
                                                                   tmp_path):
    report, pdf, page = tmp_path / "run.json", tmp_path / "signoff.pdf", tmp_path / "s.html"
    rc, out = cli("run", mini_export, "--target", empty_target, "--report", report,
                  "--signoff", pdf, "--operator", "A. Rao", "--accept-suggestions",
                  "--backup-dir", tmp_path / "backups", "--quiet")
    assert rc == 1, out  # the export's errors left records out
    assert "cells: " in out and "every one accounted for" in out
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 2000
    assert stat.S_IMODE(os.stat(pdf).st_mode) == 0o600
    rep = json.loads(report.read_text(encoding="utf-8"))
    assert rep["report_version"] == 2 and rep["operator"] == "A. Rao"
    assert rep["machine"] and rep["duration_s"] >= 0
    assert {f["table"] for f in rep["source_files"]} == set(MINI)
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in rep["source_files"])
    assert len(rep["profile"]["sha256"]) == 64
    assert rep["backup_sha256"] == rep["backup"]["sha256"]
    assert rep["cells"]["not_accounted"] == 0
    rc, out = cli("signoff", report, "-o", page)
    assert rc == 0, out
    text = page.read_text(encoding="utf-8")
    for part in ("A. Rao", "Reconciliation: cells", "Totals over every row",
                 "Updates and conflicts", "Columns and files left behind",
                 "Migration consultant", "For the clinic", rep["profile"]["sha256"],
                 rep["backup_sha256"], rep["source_files"][0]["sha256"]):
        assert part in text, part
    leaked = [v for v in _patient_values() if v in text]
    assert not leaked


def test_a_name_column_left_out_is_named_in_the_signoff():
    from wizard.core.signoff import signoff_html
    rep = {"passed": False, "tables": {}, "checks": [], "cells": {
        "not_accounted": 3, "tables": [{"source": "patients.csv", "target": "patients",
                                         "columns": [{"column": "lastName", "role": "unmapped",
                                                      "non_empty": 11, "not_accounted": 3,
                                                      "rejected": 8, "balances": False}]}]}}
    text = signoff_html(rep)
    assert "3 cells are not accounted for" in text
    assert "lastName" in text and "nobody left them behind" in text


def test_signoff_refuses_what_is_not_a_run_report(tmp_path):
    bad = tmp_path / "profile.yaml"
    bad.write_text("name: x\n", encoding="utf-8")
    rc, out = cli("signoff", bad, "-o", tmp_path / "x.pdf")
    assert rc == 2 and "is not a JSON run report" in out
    other = tmp_path / "other.json"
    other.write_text('{"a": 1}', encoding="utf-8")
    rc, out = cli("signoff", other, "-o", tmp_path / "x.pdf")
    assert rc == 2 and "is not a run report" in out
    assert not (tmp_path / "x.pdf").exists()


def test_a_long_file_name_wraps_at_its_separators_not_mid_word():
    """Qt breaks a word too long for its column anywhere ("OPD_patient_regist / ration"):
    a long name gets a zero-width space after each separator, a place to wrap that prints
    nothing; a short one is left as it is."""
    from wizard.core.signoff import signoff_html
    long = "OPD_patient_registration_master_export_2024_12_07_final.csv"
    rep = {"report_version": 2, "status": "committed", "passed": True,
           "source_files": [{"file": f"/data/clinic_exports/{long}", "table": long,
                             "size": 10, "sha256": "ab"},
                            {"file": "/data/clinic_exports/visits.csv",
                             "table": "visits.csv", "size": 10, "sha256": "cd"}],
           "tables": {}, "checks": [], "cells": {"tables": [
               {"source": long, "target": "patients", "columns": [
                   {"column": "PATIENT_REGISTRATION_DATE", "role": "field",
                    "fields": ["registrationDate"], "non_empty": 1, "imported": 1,
                    "balances": True}]}], "not_accounted": 0}}
    doc = signoff_html(rep)
    wrapped = "OPD_\u200bpatient_\u200bregistration_\u200bmaster_\u200bexport_\u200b2024_\u200b" \
        "12_\u200b07_\u200bfinal.csv"
    assert doc.count(wrapped) == 3   # the legacy table, the file, the cells' heading
    assert "PATIENT_\u200bREGISTRATION_\u200bDATE" in doc
    assert "/\u200bdata/\u200bclinic_\u200bexports" in doc
    assert "<td>visits.csv</td>" in doc and long not in doc
    assert doc.replace("\u200b", "").count(long) == 3


def test_the_pdfs_cell_table_keeps_short_column_names_whole(qapp):
    """Laid out as the PDF lays it out (A4 less its margins), no column name, total's name
    or file hash is broken inside a word ("registration / Date", "consultatio / nFee")."""
    from wizard.core.signoff import signoff_html
    from wizard.pdf import document
    names = ["patientId", "firstName", "registrationDate", "licenseNumber", "phoneNumber",
             "consultationFee", "personalDetails.firstName", "address.line1"]
    cols = [{"column": n, "role": "field", "fields": ["firstName", "fullName"],
             "non_empty": 150, "imported": 145, "rejected": 5, "left_behind": 3,
             "not_accounted": 0, "balances": True} for n in names]
    rep = {"report_version": 2, "status": "committed", "passed": True,
           "source_files": [{"file": "/data/visits.csv", "table": "visits.csv",
                             "size": 37_478, "sha256": "a" * 64}],
           "tables": {}, "checks": [{"name": "totals: visits.consultationFee",
                                     "passed": True, "all_rows": {
                                         "table": "visits", "field": "consultationFee",
                                         "source": 335_800.0, "imported": 331_600.0,
                                         "rejected": 4_200.0, "duplicates": 0.0,
                                         "hmsync": 331_600.0}}],
           "cells": {"tables": [{"source": "visits.csv", "target": "visits",
                                 "columns": cols}], "not_accounted": 0}}
    doc = document(signoff_html(rep))
    # (print_ lays a document out on A4 less the writer's 15 mm margins and 2 cm of its
    # own on either side: 140 mm, at Qt's 96 dpi)
    doc.setTextWidth(140 / 25.4 * 96)
    doc.documentLayout().documentSize()  # (laid out now)
    lines = {}
    block = doc.begin()
    while block.isValid():
        lines[block.text()] = block.layout().lineCount()
        block = block.next()
    for n in names[:6] + ["address.line1", "SHA-256 " + "a" * 64]:
        assert lines.get(n) == 1, (n, lines.get(n))
    # a long name breaks at its dots, where signoff gives it places to
    assert lines.get("personalDetails.\u200bfirstName", 0) >= 1
    assert lines.get("visits.\u200bconsultationFee", 0) >= 1


def test_the_headline_says_how_many_records_were_rejected():
    """Verification may pass while validation left records out: the headline says both."""
    from wizard.core.signoff import signoff_html
    rep = {"passed": True, "status": "committed",
           "tables": {"visits": {"source_rows": 60, "imported": 52, "rejected": 8},
                      "patients": {"source_rows": 60, "imported": 60, "rejected": 0}}}
    head = signoff_html(rep).split("</h1>")[0]
    assert "PASSED" in head and "8 records rejected, not imported (listed below)" in head
    rep["tables"]["visits"].update(imported=60, rejected=0)
    assert "rejected" not in signoff_html(rep).split("</h1>")[0]
