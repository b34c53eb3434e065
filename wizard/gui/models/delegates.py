"""Item delegates: a drop-down for cells with choices, a progress bar for progress cells."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QApplication, QComboBox, QStyle, QStyledItemDelegate,
                               QStyleOptionProgressBar)

from . import OptionsRole, ValueRole


class ComboDelegate(QStyledItemDelegate):
    """Edits a cell with a QComboBox of the model's ``OptionsRole`` [(label, value)]; the
    chosen value is written back with ``setData(index, value, ValueRole)``."""

    def createEditor(self, parent, option, index):
        opts = index.data(OptionsRole)
        if not opts:
            return super().createEditor(parent, option, index)
        cb = QComboBox(parent)
        cb.setProperty("choices", True)
        for lab, val in opts:
            cb.addItem(lab, val)
        cb.activated.connect(lambda *_: self._commit(cb))
        return cb

    def _commit(self, cb):
        self.commitData.emit(cb)
        self.closeEditor.emit(cb)

    def setEditorData(self, editor, index):
        if not editor.property("choices"):
            return super().setEditorData(editor, index)
        cur = index.data(ValueRole)
        i = editor.findData(cur)
        editor.setCurrentIndex(max(i, 0))

    def setModelData(self, editor, model, index):
        if not editor.property("choices"):
            return super().setModelData(editor, model, index)
        model.setData(index, editor.currentData(), ValueRole)

    def updateEditorGeometry(self, editor, option, index):
        editor.setGeometry(option.rect)


class ProgressDelegate(QStyledItemDelegate):
    """Paints ``ValueRole`` (done, total) as a progress bar with the display text."""

    def paint(self, painter, option, index):
        v = index.data(ValueRole)
        if not v:
            return super().paint(painter, option, index)
        done, total = v
        opt = QStyleOptionProgressBar()
        opt.rect = option.rect.adjusted(2, 3, -2, -3)
        opt.minimum, opt.maximum = 0, max(total, 1)
        opt.progress = min(done, max(total, 1))
        opt.text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        opt.textVisible = True
        opt.state = option.state | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, opt, painter, option.widget)
