"""Drive the real wizard through every page on a copy of the demo export: choose the files,
accept the suggested mapping, change one mapping, see the problems, back up, import,
verify, save the report, restore."""
from __future__ import annotations

import os
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from wizard.core.backup import sha256_file
from wizard.gui.models import ValueRole
from wizard.gui.models.mapping import SOURCE
from wizard.gui.pages import PageId

from .helpers import db_counts, go_next, wait_page, to_import_page

pytestmark = pytest.mark.gui


def click(qtbot, widget):
    """Click a button as a person would; a check box on its box (its middle may lie past
    its text when the layout stretches it, where a click does nothing)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QCheckBox
    assert widget.isEnabled(), widget.text()
    if isinstance(widget, QCheckBox):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_full_migration_on_the_demo_export(qtbot, make_wizard, answers, demo, tmp_path):
    export, db = demo
    wiz = make_wizard()

    # 1. start a new migration
    start = wiz.page(PageId.START)
    assert wiz.currentId() == PageId.START
    start.system.clear()
    qtbot.keyClicks(start.system, "demo-hms")
    go_next(qtbot, wiz, PageId.START)

    # 2. the HMSync database, chosen with Browse…
    target = wiz.page(PageId.TARGET)
    assert not target.isComplete()
    answers.push("open_file", str(db))
    click(qtbot, target.browse)
    wait_page(qtbot, wiz, PageId.TARGET)
    assert target.banner.state() == "ok"
    assert "schema this wizard expects" in target.banner.text()
    rows = {target.model.row_values(r)["Table"]: target.model.row_values(r)
            for r in range(target.model.rowCount())}
    assert rows["patients"]["Records"] == "0" and rows["patients"]["Schema"] == "matches"
    go_next(qtbot, wiz, PageId.TARGET)

    # 3. the legacy export, added as a folder
    sources = wiz.page(PageId.SOURCES)
    answers.push("open_folder", str(export))
    click(qtbot, sources.add_folder)
    wait_page(qtbot, wiz, PageId.SOURCES)
    m = sources.model
    shown = {m.item(r).name: [m.data(m.index(r, c)) for c in range(m.columnCount())]
             for r in range(m.rowCount())}
    assert set(shown) == {"patients.csv", "doctors.csv", "visits.csv", "bills.csv",
                          "payments.csv", "pathology_tests.csv"}
    assert shown["visits.csv"][1:6] == ["CSV", "utf-8", "comma", "600", "visits"]
    assert shown["patients.csv"][4] == "150"
    assert sources.preview_model.rowCount() > 0
    assert "1,415 records" in sources.summary.text()
    go_next(qtbot, wiz, PageId.SOURCES)

    # 4. mapping: accept the suggestion, but leave patients' address out (one change)
    mapping = wiz.page(PageId.MAPPING)
    wait_page(qtbot, wiz, PageId.MAPPING)
    mapping.select_table("patients.csv")
    row = mapping.model.row_of("address")
    idx = mapping.model.index(row, SOURCE)
    assert mapping.model.data(idx) == "address"
    assert mapping.model.data(idx, ValueRole) == "c:address"
    mapping.model.setData(idx, "", ValueRole)           # what the drop-down does
    assert mapping.model.data(mapping.model.index(row, SOURCE)) == "(not mapped)"
    assert "address" not in wiz.session.table_map("patients.csv").fields
    assert "address" not in mapping.preview_model.frame.columns
    assert "gender" in mapping.preview_model.frame.columns
    # ... on purpose, on the "Columns left out" tab: an undecided one fails the verification
    mapping.side.setCurrentIndex(1)
    left = [mapping.left_model.row_values(r)["Column"]
            for r in range(mapping.left_model.rowCount())]
    mapping.left_view.selectRow(left.index("address"))
    qtbot.mouseClick(mapping.leave, Qt.MouseButton.LeftButton)
    assert wiz.session.table_map("patients.csv").leave_behind == ["address"]
    go_next(qtbot, wiz, PageId.MAPPING)

    # 5. validation: the counts shown
    val = wait_val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    assert not val.isComplete()          # 32 errors: Next waits for the acknowledgement
    totals = val.tables_model.row_values(val.tables_model.rowCount() - 1)
    assert totals["HMSync table"] == "Total"
    assert (totals["Records"], totals["Import"], totals["Rejected"]) == \
        ("1,415", "1,383", "32")
    per_table = {val.tables_model.row_values(r)["HMSync table"]:
                 val.tables_model.row_values(r)["Rejected"]
                 for r in range(val.tables_model.rowCount())}
    assert per_table["patients"] == "5" and per_table["visits"] == "27"
    assert val.count.text() == "32 problems"
    rules = {val.rules_model.row_values(r)["Code"]: val.rules_model.row_values(r)["Records"]
             for r in range(val.rules_model.rowCount())}
    assert rules["visits.consultationFee.range"] == "9"
    assert rules["patients.age.range"] == "2"
    # filter: table, then search
    val.set_filters(table="visits")
    assert val.problems.rowCount() == 27
    assert val.count.text() == "27 of 32 problems"
    val.set_filters(table="", text="V63")
    assert val.problems.rowCount() == 1
    # a problem shows its whole source record
    val.problems_view.selectRow(0)
    qtbot.waitUntil(lambda: val.record_model.rowCount() > 0, timeout=20_000)
    record = {val.record_model.row_values(r)["Column"] for r in range(val.record_model.rowCount())}
    assert record == {"visitId", "patientId", "doctorId", "visitDate", "consultationFee",
                      "diagnosis", "notes"}
    val.set_filters(text="")
    assert wait_val.problems.rowCount() == 32
    click(qtbot, val.ack)
    go_next(qtbot, wiz, PageId.VALIDATION)

    # 6. backup: Next waits for a verified backup
    bp = wiz.page(PageId.BACKUP)
    assert not wiz.button(QWizard.WizardButton.NextButton).isEnabled()
    bp.folder.setText(str(tmp_path / "backups"))
    click(qtbot, bp.go)
    wait_page(qtbot, wiz, PageId.BACKUP)
    b = wiz.session.backup
    assert b.verified and b.path.is_file() and b.path.parent == tmp_path / "backups"
    assert bp.f_sha.text() == b.sha256 == sha256_file(b.path)
    assert bp.banner.state() == "ok"
    go_next(qtbot, wiz, PageId.BACKUP)

    # 7. import
    ip = wiz.page(PageId.IMPORT)
    assert "1,383" in ip.summary.text()
    click(qtbot, ip.go)
    wait_page(qtbot, wiz, PageId.IMPORT)
    assert ip.banner.state() == "ok"
    assert all(r["state"] == "done" for r in ip.model.rows)
    assert ip.model.done == ip.model.total == 1415
    log = ip.log.toPlainText()
    assert "committed: 1,383 records imported" in log
    go_next(qtbot, wiz, PageId.IMPORT)

    # 8. verification: figures shown, and the database itself
    vp = wait_page(qtbot, wiz, PageId.VERIFICATION)
    assert vp.passed and vp.banner.state() == "ok"
    total = vp.recon_model.row_values(vp.recon_model.rowCount() - 1)
    assert (total["Source records"], total["Imported"], total["Duplicates"],
            total["Rejected"], total["Result"]) == ("1,415", "1,383", "0", "32", "balances")
    checks = [vp.checks_model.row_values(r)["Result"] for r in range(vp.checks_model.rowCount())]
    assert checks and set(checks) == {"passed"}
    totals_shown = {vp.totals_model.row_values(r)["Total of"]:
                    (vp.totals_model.row_values(r)["Legacy files, every row"],
                     vp.totals_model.row_values(r)["In rejected records"],
                     vp.totals_model.row_values(r)["Accepted"],
                     vp.totals_model.row_values(r)["HMSync"])
                    for r in range(vp.totals_model.rowCount())}
    assert totals_shown["visits.consultationFee"] == ("335,800.00", "4,200.00", "331,600.00",
                                                      "331,600.00")
    cells = {(vp.cells_model.row_values(r)["Legacy table"],
              vp.cells_model.row_values(r)["Column"]): vp.cells_model.row_values(r)
             for r in range(vp.cells_model.rowCount())}
    address = cells[("patients.csv", "address")]
    assert (address["Goes to"], address["Left behind"], address["Rejected"],
            address["Result"]) == ("left behind on purpose", "145", "5", "balances")
    assert cells[("visits.csv", "consultationFee")]["Imported"] == "573"
    counts = db_counts(db)
    assert (counts["patients"], counts["doctors"], counts["visits"], counts["bills"],
            counts["payments"], counts["pathology_tests"]) == (145, 40, 573, 287, 225, 113)
    con = sqlite3.connect(db)
    try:
        assert con.execute("SELECT count(*) FROM patients WHERE address IS NOT NULL"
                           ).fetchone()[0] == 0       # the changed mapping
        assert con.execute("SELECT count(*) FROM patients WHERE gender NOT IN ('M','F','O')"
                           ).fetchone()[0] == 0
        assert con.execute("SELECT status FROM migration_runs").fetchall() == [("committed",)]
        assert con.execute('SELECT count(*) FROM migration_legacy_ids WHERE "sourceSystem"='
                           "'demo-hms'").fetchone()[0] == 1383
    finally:
        con.close()

    # the report, as HTML and PDF
    html = vp.save_report(tmp_path / "report.html")
    assert "PASSED" in html.read_text(encoding="utf-8")
    pdf = vp.save_report(tmp_path / "report.pdf")
    assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 5_000
    answers.push("save_file", str(tmp_path / "saved-report.json"))
    click(qtbot, vp.save)
    assert (tmp_path / "saved-report.json").is_file()

    # restore the backup, one click away (after a confirmation)
    click(qtbot, vp.restore)
    qtbot.waitUntil(lambda: wiz.session.restored and not vp.busy, timeout=30_000)
    assert any(kind == "confirm" and "Restore the backup" in text
               for kind, _, text in answers.shown)
    counts = db_counts(db)
    assert counts["patients"] == 0 and counts["visits"] == 0 and counts["migration_runs"] == 0
    assert "restored" in vp.banner.text()
    assert not vp.restore.isEnabled()
    # nothing shown green for a database the import is gone from, and nothing to finish
    results = [vp.recon_model.row_values(r)["Result"] for r in range(vp.recon_model.rowCount())]
    assert results and set(results) == {"undone by the restore"}
    assert vp.totals_model.rowCount() == 0
    checks = {vp.checks_model.row_values(r)["Check"]: vp.checks_model.row_values(r)["Result"]
              for r in range(vp.checks_model.rowCount())}
    assert checks["restore"] == "passed" and "undone" in checks.values()
    assert not vp.isComplete()
    assert not wiz.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert wiz.session.run_report["restored"]["from"] == str(wiz.session.backup.path)
    if os.environ.get("HMSYNC_SHOTS"):  # a picture for a review, on request
        wiz.resize(1280, 720)
        qtbot.wait(200)
        wiz.grab().save(os.path.join(os.environ["HMSYNC_SHOTS"], "after-restore.png"))
    assert answers.errors() == []


def test_patient_data_stays_out_of_the_log(qtbot, make_wizard, answers, dirty, tmp_path,
                                           monkeypatch):
    """The import log and the log file hold counts, never names."""
    from wizard.core import logs
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(tmp_path / "logs"))
    export, db = dirty
    wiz, ip = to_import_page(qtbot, make_wizard, export.folder, db, "t",
                             timeout=60_000)
    ip.start_import()
    wait_page(qtbot, wiz, PageId.IMPORT)
    text = ip.log.toPlainText() + ip.banner.text() + ip.progress.text.text()
    logs.log_line("test marker")
    text += logs.log_file().read_text(encoding="utf-8")
    for name in export.names:
        assert name not in text
    assert "+9198" not in text


def run_to_verification(qtbot, wiz):
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES, PageId.MAPPING):
        go_next(qtbot, wiz, pid)
    val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=60_000)
    val.ack.setChecked(True)
    go_next(qtbot, wiz, PageId.VALIDATION)
    wiz.page(PageId.BACKUP).back_up()
    go_next(qtbot, wiz, PageId.BACKUP)
    wiz.page(PageId.IMPORT).start_import()
    go_next(qtbot, wiz, PageId.IMPORT)
    return wait_page(qtbot, wiz, PageId.VERIFICATION)


def test_a_second_import_recognises_what_is_already_in_hmsync(qtbot, make_wizard, answers,
                                                             demo):
    from wizard.core.session import MigrationSession
    export, db = demo

    def session():
        p = MigrationSession(source_system="demo-hms")
        p.source_paths = [export]
        p.target = db.resolve()
        return p

    first = run_to_verification(qtbot, make_wizard(session()))
    assert first.passed
    wiz = make_wizard(session())
    vp = run_to_verification(qtbot, wiz)
    val = wiz.page(PageId.VALIDATION)
    total = val.tables_model.row_values(val.tables_model.rowCount() - 1)
    assert (total["Import"], total["In HMSync"]) == ("0", "1,383")
    recon = vp.recon_model.row_values(vp.recon_model.rowCount() - 1)
    assert (recon["Imported"], recon["Duplicates"], recon["Rejected"]) == ("0", "1,383", "32")
    assert vp.passed
    assert db_counts(db)["patients"] == 145


def test_the_verification_page_counts_and_writes_out_a_where_filter(qtbot, make_wizard,
                                                                    demo, tmp_path):
    """A profile's where: leaves records out on purpose: the reconciliation counts them as
    filtered out, names the filter, and still balances."""
    import yaml
    from wizard.core.session import MigrationSession
    from wizard.resources import resource_path
    export, db = demo
    d = yaml.safe_load(resource_path("profiles", "healthcare-plus.yaml").read_text())
    d["tables"]["pathology_tests.csv"]["where"] = "testCode <> 'URINE'"
    prof = tmp_path / "filtered.yaml"
    prof.write_text(yaml.safe_dump(d), encoding="utf-8")
    s = MigrationSession(source_system="demo-hms")
    s.source_paths = [export]
    s.target = db.resolve()
    s.load_profile(prof)
    wiz = make_wizard(s)
    vp = run_to_verification(qtbot, wiz)
    rows = {vp.recon_model.row_values(r)["HMSync table"]: vp.recon_model.row_values(r)
            for r in range(vp.recon_model.rowCount())}
    tests = rows["pathology_tests"]
    assert tests["Filtered out"] == "23" and tests["Result"] == "balances"
    assert tests["Filter"] == "pathology_tests.csv: where testCode <> 'URINE'"
    assert rows["patients"]["Filtered out"] == "0" and rows["Total"]["Filtered out"] == "23"
    # the money of the records filtered out is a part of the files' total, shown apart
    totals = {vp.totals_model.row_values(r)["Total of"]: vp.totals_model.row_values(r)
              for r in range(vp.totals_model.rowCount())}
    price = next(v for k, v in totals.items() if k.startswith("pathology_tests."))
    assert float(price["Filtered out"].replace(",", "")) > 0
    assert all(float(v["Filtered out"].replace(",", "")) == 0 for k, v in totals.items()
               if not k.startswith("pathology_tests."))
    assert vp.passed
    if os.environ.get("HMSYNC_SCREENSHOTS"):  # (for a person to look at)
        wiz.resize(1280, 720)
        wiz.grab().save(os.environ["HMSYNC_SCREENSHOTS"])
