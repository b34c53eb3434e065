"""The Column mapping page's two small dialogs: several columns joined, a part of one."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from wizard.gui.combine import ColumnPartDialog, JoinColumnsDialog
from wizard.gui.dialogs import ColumnPart, ColumnsJoined


def test_columns_are_joined_in_the_order_shown_with_a_named_separator(qtbot):
    dlg = JoinColumnsDialog(None, "address", ["street", "city", "zip", "phone"], ["city"])
    qtbot.addWidget(dlg)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()                  # one column is no join
    dlg.list.item(1).setCheckState(Qt.CheckState.Checked)     # street (listed after city)
    dlg.list.setCurrentRow(1)
    dlg._move(-1)                              # street before city
    dlg.list.item(2).setCheckState(Qt.CheckState.Checked)     # zip
    dlg.sep.setCurrentIndex(dlg.sep.findText("a comma and a space"))
    assert ok.isEnabled()
    assert dlg.result_value() == ColumnsJoined(["street", "city", "zip"], ", ")
    dlg.sep.setEditText(" | ")                 # typed: taken as it is
    assert dlg.result_value().sep == " | "


def test_a_part_of_a_column_by_position_counts_from_one(qtbot):
    dlg = ColumnPartDialog(None, "lastName", ["pid", "name"], "name")
    qtbot.addWidget(dlg)
    assert dlg.result_value() == ColumnPart("name", " ", "first")
    dlg.part.setCurrentIndex(dlg.part.findData("n"))
    assert dlg.position.isEnabled()
    dlg.position.setValue(2)
    assert dlg.result_value() == ColumnPart("name", " ", 1)
