"""Layout… on the Legacy exports page: the delimiter and the line of the column names of
a file the detection read wrongly, chosen with a live preview; the file is read again
that way and its mapping suggested afresh."""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt

from wizard.core.readers import open_source
from wizard.core.readers.layout import Layout
from wizard.core.session import MigrationSession
from wizard.gui.pages import PageId

from .helpers import go_next

pytestmark = pytest.mark.gui

TITLED = ("Clinic register export\nPrinted 2024-01-05\n\n"
          "id;name;gender;phone\n"
          "1;Asha Rao;F;+91 98111 11111\n"
          "2;Ravi Kumar;M;+91 98222 22222\n")


def _shoot(widget, name):
    folder = os.environ.get("HMSYNC_SCREENSHOTS")
    if folder:
        widget.resize(1280, 720)
        widget.grab().save(os.path.join(folder, name))


def test_the_preview_follows_the_choice(qtbot, tmp_path):
    from wizard.gui.layout_dialog import LayoutDialog
    f = tmp_path / "patients.csv"
    f.write_text(TITLED, encoding="utf-8")
    st = open_source(f)[0]
    dlg = LayoutDialog(st, None, None)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.ok.isEnabled(), timeout=20_000)
    assert dlg.banner.state() == "warning" and "One column" in dlg.banner.text()
    dlg.header.setValue(4)
    qtbot.waitUntil(lambda: dlg.ok.isEnabled() and dlg.banner.state() == "ok",
                    timeout=20_000)
    assert "4 columns" in dlg.banner.text() and "first record on line 5" in dlg.banner.text()
    m = dlg.model
    heads = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    assert heads == ["line", "id", "name", "gender", "phone"] and m.rowCount() == 2
    assert dlg.layout() == Layout(header_row=4)
    _shoot(dlg, "layout-dialog.png")
    dlg.header.setValue(4)
    dlg.delimiter.setCurrentIndex(dlg.delimiter.findData(","))
    qtbot.waitUntil(lambda: dlg.ok.isEnabled() and dlg.banner.state() == "warning",
                    timeout=20_000)
    assert dlg.layout() == Layout(",", 4)
    dlg.buttons.button(dlg.buttons.StandardButton.Reset).click()
    assert dlg.layout() is None


def test_the_page_reads_the_file_again_the_chosen_way(qtbot, make_wizard, demo, tmp_path,
                                                      monkeypatch):
    from wizard.gui import layout_dialog
    f = tmp_path / "patients.csv"
    f.write_text(TITLED, encoding="utf-8")

    def exec_(self):  # the operator sets the line of the column names and accepts
        self.header.setValue(4)
        qtbot.waitUntil(lambda: self.ok.isEnabled() and self.banner.state() == "ok",
                        timeout=20_000)
        return layout_dialog.LayoutDialog.DialogCode.Accepted

    monkeypatch.setattr(layout_dialog.LayoutDialog, "exec", exec_)
    session = MigrationSession(source_system="x")
    session.target = demo[1].resolve()
    session.add_sources([f])
    wiz = make_wizard(session)
    go_next(qtbot, wiz, PageId.START)
    go_next(qtbot, wiz, PageId.TARGET)
    page = wiz.page(PageId.SOURCES)
    qtbot.waitUntil(lambda: wiz.currentId() == PageId.SOURCES and not page.busy and
                    bool(wiz.session.tables), timeout=30_000)
    assert wiz.session.tables[0].columns == ["Clinic register export"]
    assert "column names may be on line 4" in page.banner.text()  # pointed out, not applied
    page.view.selectRow(page.model.row_of("patients.csv"))
    assert page.layout_button.isEnabled()
    page.layout_button.click()
    qtbot.waitUntil(lambda: not page.busy, timeout=30_000)
    assert wiz.session.tables[0].columns == ["id", "name", "gender", "phone"]
    tm = wiz.session.table_map("patients.csv")
    assert tm is not None and tm.target == "patients" and tm.header_row == 4
    assert tm.fields["fullName"].columns == ["name"]
    assert wiz.session.layouts.of(f) == Layout(header_row=4)


def test_no_column_names_reads_the_first_line_as_a_record(qtbot, tmp_path):
    from wizard.gui.layout_dialog import LayoutDialog
    f = tmp_path / "patients.tsv"
    f.write_text("Lisa\tJones\t01201982\nMark\tSmith\t03041975\n", encoding="utf-8")
    dlg = LayoutDialog(open_source(f)[0], None, None)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitUntil(lambda: dlg.ok.isEnabled(), timeout=20_000)
    assert dlg.model.rowCount() == 1  # read as detected: Lisa's line taken as the names
    dlg.no_header.setChecked(True)
    assert not dlg.header.isEnabled()
    qtbot.waitUntil(lambda: dlg.ok.isEnabled() and dlg.model.rowCount() == 2,
                    timeout=20_000)
    m = dlg.model
    heads = [m.headerData(c, Qt.Orientation.Horizontal) for c in range(m.columnCount())]
    assert heads == ["line", "column_1", "column_2", "column_3"]
    assert "no column names" in dlg.preview_label.text() + dlg.banner.text()
    assert dlg.layout() == Layout(header_row=0)
    _shoot(dlg, "layout-dialog-no-header.png")
    dlg.buttons.button(dlg.buttons.StandardButton.Reset).click()
    assert dlg.layout() is None and not dlg.no_header.isChecked()
