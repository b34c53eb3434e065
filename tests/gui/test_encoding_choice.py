"""The Legacy exports page: a file whose 8-bit code page is unsure shows the candidates side
by side, with the lines where they differ, and the operator's choice is read, kept in the
profile and the project, and lets the wizard go on (issue 30 item 8)."""
from __future__ import annotations

import os
import shutil

from PySide6.QtCore import Qt

from wizard.core.session import MigrationSession
from wizard.gui.pages import PageId
from wizard.resources import demo_database

from .helpers import go_next, wait_page

ROWS = ["patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate",
        "1,Antonín,Dvořák,+919811111111,40,M,Plzeň,2022-01-15",
        "2,Jiří,Novák,+919822222222,35,M,Brno,2022-02-01"]


def test_an_unsure_encoding_is_chosen_side_by_side(qtbot, make_wizard, answers, tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "patients.csv").write_bytes(("\r\n".join(ROWS) + "\r\n").encode("cp1250"))
    db = tmp_path / "hmsync.db"
    shutil.copy2(demo_database(), db)
    session = MigrationSession(source_system="cz")
    session.source_paths = [export]
    session.target = db.resolve()
    wiz = make_wizard(session)
    go_next(qtbot, wiz, PageId.START)
    go_next(qtbot, wiz, PageId.TARGET)
    page = wiz.page(PageId.SOURCES)
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.SOURCES and not page.busy and
                    bool(wiz.session.tables), timeout=60_000)
    assert not page.isComplete()                       # not applied silently
    assert page.banner.state() == "error" and "wrong letters" in page.banner.text()
    panel = page.encoding
    assert panel.isVisible() and {"cp1250", "cp1252"} <= set(panel.buttons)
    assert "Dvořák" in panel.previews["cp1250"].toPlainText()
    assert "Dvoøák" in panel.previews["cp1252"].toPlainText()
    m = page.model
    assert "unsure" in m.data(m.index(m.row_of("patients.csv"), 2))
    if os.environ.get("HMSYNC_SHOTS"):  # a picture for the report, on request
        wiz.resize(1280, 720)
        qtbot.wait(200)
        wiz.grab().save(os.path.join(os.environ["HMSYNC_SHOTS"], "encoding-choice.png"))

    qtbot.mouseClick(panel.buttons["cp1250"], Qt.MouseButton.LeftButton)
    page = wait_page(qtbot, wiz, PageId.SOURCES)
    st = wiz.session.tables[0]
    assert (st.encoding, st.encoding_source) == ("cp1250", "chosen")
    assert not panel.isVisible()
    assert wiz.session.table_map("patients.csv").encoding == "cp1250"
    assert "your choice" in m.data(m.index(m.row_of("patients.csv"), 2))
    sample = wiz.session.samples["patients.csv"]
    assert list(sample["lastName"]) == ["Dvořák", "Novák"]
    assert wiz.session.to_project()["choices"]["encodings"] == {"patients.csv": "cp1250"}
