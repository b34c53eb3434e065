"""Column mapping: per legacy table, HMSync fields beside the legacy columns feeding them,
with the suggestion's confidence, the transforms, and a live preview of the result."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QSplitter, QStackedWidget,
                               QTabWidget,
                               QVBoxLayout, QWidget)

from ...core.expr_preview import LookupSources, map_preview
from ...core.mapping import NoteKind, ProfileError
from ...core.readers import LINE
from ...core.transforms import (INHERIT, AgeFromDateStep, CaseStep, ConcatStep, DateStep,
                                DefaultStep, MapStep, PhoneStep, SplitStep, StepDefaults,
                                TransformError)
from .. import dialogs, settings
from ..models.dataframe import DataFrameModel
from ..models.delegates import ComboDelegate
from ..models.mapping import SOURCE, MappingModel, source_text
from ..models.valuemap import ValueMapModel
from ...core.steps import get_step, set_step
from ..expressions import ExpressionPanel
from ..lookup_picker import LookupPanel
from ..widgets import Banner, button, fit_columns, fmt_int, label, table_view
from .base import BasePage
from ...core.words import counted, plural

PREVIEW_ROWS = 50
DATE_ORDERS = [("Detect from the values", "auto"), ("Day first (31/01/2024)", "DMY"),
               ("Month first (01/31/2024)", "MDY"), ("Year first (2024-01-31)", "YMD")]
REGIONS = ["IN", "GB", "US", "AE", "SA", "PK", "BD", "LK", "NP", "KE", "NG", "ZA", "AU", "CA",
           "SG", "MY", "PH", "DE", "FR", "IE"]
#: the time zone choice that means "none set for this field" (the profile's, if any)
NO_ZONE = "(the profile's, or none)"
ZONES = ["UTC", "Asia/Kolkata", "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka", "Asia/Kathmandu",
         "Africa/Nairobi", "Africa/Lagos", "Africa/Johannesburg", "Europe/London",
         "Europe/Berlin", "America/New_York", "America/Chicago", "America/Los_Angeles",
         "America/Sao_Paulo", "America/Bogota", "Australia/Sydney"]
CASES = [("Keep as written", None), ("UPPER CASE", "upper"), ("lower case", "lower"),
         ("Title Case", "title")]
def _sentence(e: Exception) -> str:
    """An error as a sentence: its first letter up, the rest as written (str.capitalize
    lowered the rest, a time zone's name with it)."""
    text = str(e)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


#: said while a field reads Unix times without a time zone of its own
UNIX_ZONE_HINT = ("Unix times are read in the clinic's time zone: choose it below, unless "
                  "the profile gives one (without one they are not read).")


PROFILE_FILTER = "Mapping profiles (*.yaml *.yml *.json);;All files (*)"


class TransformEditor(QWidget):
    """The transform of one HMSync field, edited in words (the profile's steps underneath)."""
    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.fm = None
        self.field = None
        self.title = label("", role="subheading")
        self.hint = label("")
        self.hint.setProperty("role", "hint")
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.date_order = QComboBox()
        for text, v in DATE_ORDERS:
            self.date_order.addItem(text, v)
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItem(NO_ZONE)
        self.zone.addItems(ZONES)
        self.zone.setToolTip("For times written with a zone (2020-01-01T20:00:00Z, +05:30) "
                             "and Unix times: the clinic's zone they are converted to (20:00 "
                             "UTC is the next day in India). An IANA name such as "
                             "Asia/Kolkata, UTC, or an offset such as +05:30")
        self.serial = QCheckBox("Excel day numbers")
        self.serial.setToolTip("Read whole numbers as Excel's day numbers (45213 is "
                               "2023-10-14): what a date column saved from a spreadsheet "
                               "without a date format holds")
        self.unix = QCheckBox("Unix time (seconds or milliseconds since 1970)")
        self.unix.setToolTip("Read whole numbers of 9-10 digits as seconds, of 12-13 digits "
                             "as milliseconds, since 1970-01-01 UTC (1652738400 is "
                             "2022-05-16 22:00 UTC), as PHP/MySQL, Firebase and MongoDB "
                             "systems keep dates; each becomes the clinic's local date and "
                             "time, so they are read only once its time zone is known")
        self.region = QComboBox()
        self.region.setEditable(True)
        self.region.addItems(REGIONS)
        self.region.setToolTip("Two-letter country code used for numbers written without "
                               "a +country code")
        self.case = QComboBox()
        for text, v in CASES:
            self.case.addItem(text, v)
        self.default = QLineEdit()
        self.default.setPlaceholderText("leave empty cells empty")
        self.sep = QLineEdit()
        self.sep.setMaximumWidth(self.fontMetrics().horizontalAdvance("x" * 8))
        self.form.addRow("&Day/month:", self.date_order)
        self.form.addRow("Time &zone:", self.zone)
        self.form.addRow("", self.serial)
        self.form.addRow("", self.unix)
        self.form.addRow("Phone &region:", self.region)
        self.form.addRow("Letter &case:", self.case)
        self.form.addRow("When &empty, use:", self.default)
        self.form.addRow("&Joined with:", self.sep)
        self.values = ValueMapModel(self)
        self.values_view = table_view(stretch_last=True)
        self.values_view.setModel(self.values)
        self.values_view.setItemDelegateForColumn(2, ComboDelegate(self.values_view))
        self.values_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.values_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.values_label = QLabel("&Value map (double-click “Becomes” to change it):")
        self.values_label.setWordWrap(True)
        self.values_label.setBuddy(self.values_view)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.hint)
        lay.addLayout(self.form)
        lay.addWidget(self.values_label)
        lay.addWidget(self.values_view, 1)
        lay.addStretch(0)
        self.date_order.activated.connect(self._date)
        self.zone.activated.connect(self._zone)
        self.zone.lineEdit().editingFinished.connect(self._zone)
        self.serial.toggled.connect(self._serial)
        self.unix.toggled.connect(self._unix)
        self.region.activated.connect(self._region)
        self.region.lineEdit().editingFinished.connect(self._region)
        self.case.activated.connect(self._case)
        self.default.editingFinished.connect(self._default)
        self.sep.editingFinished.connect(self._sep)
        self.values.mappingChanged.connect(self._map)
        self.show_field(None, None, None)

    def _row(self, w, visible: bool):
        self.form.setRowVisible(w, visible)

    def show_field(self, field, fm, sample_col: pd.Series | None):
        self.field, self.fm = field, fm
        for w in (self.date_order, self.zone, self.serial, self.unix, self.region, self.case,
                  self.default, self.sep):
            self._row(w, False)
        self.values_label.hide()
        self.values_view.hide()
        if field is None:
            self.title.setText("Transform")
            self.hint.setText("Select an HMSync field above to see and change how its values "
                              "are converted.")
            return
        self.title.setText(f"Transform: {field.name}")
        if fm is None:
            self.hint.setText("Not mapped. Choose a legacy column for it in the table above "
                              "(double-click the “Legacy column” cell).")
            return
        kind = field.kind
        hints = {"date": "Dates become YYYY-MM-DD.", "phone": "Phone numbers become "
                 "international (+91…).", "int": "Read as a whole number; currency signs "
                 "and spaces are removed.", "float": "Read as a number; currency signs are "
                 "removed.", "ref": f"Holds the legacy id of a {field.label or 'parent'} "
                 f"record; records whose {field.label or 'parent'} does not exist are "
                 "rejected.",
                 "enum": "HMSync accepts " + "/".join(field.enum or []) + ": map every "
                 "legacy spelling to one of these."}
        hint = hints.get(kind, "Spaces at both ends are removed.")
        split = get_step(fm, SplitStep)
        if split is not None:
            hint = f"Takes the {split.part} word(s) of {source_text(fm)}."
        if get_step(fm, AgeFromDateStep) is not None:
            hint = f"Age in years today, computed from the birth date in {source_text(fm)}."
        self.hint.setText(hint)
        if kind == "date" and get_step(fm, AgeFromDateStep) is None:
            date = get_step(fm, DateStep)
            order = "auto" if date is None or date.order is INHERIT else date.order
            order = str(order).upper()
            i = self.date_order.findData("auto" if order == "AUTO" else order)
            self.date_order.setCurrentIndex(max(i, 0))
            self._row(self.date_order, True)
        dated = get_step(fm, DateStep) or get_step(fm, AgeFromDateStep)
        if kind == "date" or dated is not None:
            self.zone.blockSignals(True)
            self.zone.setCurrentText(str(dated.timezone) if dated is not None and
                                     dated.timezone else NO_ZONE)
            self.zone.blockSignals(False)
            self.serial.blockSignals(True)
            self.serial.setChecked(bool(dated is not None and dated.excel_serial is True))
            self.serial.blockSignals(False)
            self.unix.blockSignals(True)
            self.unix.setChecked(bool(dated is not None and dated.unix_time is True))
            self.unix.blockSignals(False)
            self._row(self.zone, True)
            self._row(self.serial, True)
            self._row(self.unix, True)
            self._unix_hint()
        if kind == "phone":
            phone = get_step(fm, PhoneStep)
            region = "IN" if phone is None or phone.region is INHERIT else phone.region
            self.region.setCurrentText(str(region))
            self._row(self.region, True)
        if kind == "text":
            cur = get_step(fm, CaseStep)
            self.case.setCurrentIndex(max(self.case.findData(cur and cur.how), 0))
            self._row(self.case, True)
        if kind in ("text", "enum", "phone", "date", "int", "float"):
            d = get_step(fm, DefaultStep)
            self.default.setText(str(d.value) if d else "")
            self._row(self.default, True)
        if len(fm.columns) > 1:
            c = get_step(fm, ConcatStep)
            self.sep.setText(str(c.sep if c else " "))
            self._row(self.sep, True)
        m = get_step(fm, MapStep)
        # free text (first names, addresses) has no value map unless the profile gives it
        # one: every name listed as "(unchanged)" said nothing
        if kind == "enum" or (kind == "text" and m is not None and sample_col is not None
                              and len(fm.columns) == 1):
            self.values.set_values(sample_col, dict(m.values) if m else {},
                                   field.enum if kind == "enum" else None)
            self.values_label.show()
            self.values_view.show()
            h = self.values_view.horizontalHeader()
            h.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            h.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
            h.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)

    # --- edits -> steps ------------------------------------------------------------------
    def _set(self, kind, step):
        if self.fm is None:
            return
        set_step(self.fm, kind, step)
        self.fm.review = False  # the operator has looked at it and decided
        self.changed.emit()

    def _date(self, *_):
        date = (get_step(self.fm, DateStep) if self.fm else None) or DateStep()
        # the step's other options (its timezone) stay
        self._set(DateStep, replace(date, order=self.date_order.currentData()))

    def _dated(self):
        """The field's date (or age from a birth date) step, and its kind."""
        kind = AgeFromDateStep if self.fm is not None and get_step(self.fm, AgeFromDateStep) \
            else DateStep
        return kind, (get_step(self.fm, kind) if self.fm else None) or kind()

    def _zone(self, *_):
        text = self.zone.currentText().strip()
        zone = None if text in ("", NO_ZONE) else text
        kind, step = self._dated()
        if step.timezone == zone:
            return
        if zone is not None:
            try:
                from ...core.transforms import time_zone
                time_zone(zone)
            except TransformError as e:
                dialogs.error(self, _sentence(e),
                              "Use an IANA name (Asia/Kolkata, Europe/London), UTC, or an "
                              "offset such as +05:30.")
                return
        self._set(kind, replace(step, timezone=zone))
        self._unix_hint()

    def _serial(self, on: bool):
        kind, step = self._dated()
        if (step.excel_serial is True) != bool(on):
            self._set(kind, replace(step, excel_serial=bool(on)))

    def _unix(self, on: bool):
        kind, step = self._dated()
        if (step.unix_time is True) != bool(on):
            self._set(kind, replace(step, unix_time=bool(on)))
        self._unix_hint()

    def _unix_hint(self):
        """Say, under the field's title, that Unix times wait for the clinic's time zone
        (without one they are not read: the preview shows them in red)."""
        base = self.hint.text().split(UNIX_ZONE_HINT)[0].rstrip()
        step = get_step(self.fm, DateStep) or get_step(self.fm, AgeFromDateStep) \
            if self.fm is not None else None
        waits = step is not None and step.unix_time is True and not step.timezone
        self.hint.setText(f"{base} {UNIX_ZONE_HINT}" if waits else base)

    def _region(self, *_):
        r = self.region.currentText().strip().upper()
        if r:
            try:
                from ...core.transforms import region_info
                region_info(r)
            except TransformError as e:
                dialogs.error(self, _sentence(e), "Use a two-letter country code.")
                return
            phone = get_step(self.fm, PhoneStep) if self.fm else None
            if phone is None or phone.region != r:
                self._set(PhoneStep, PhoneStep(r))

    def _case(self, *_):
        if self.fm is not None:  # the new case goes last: it cases what the other steps make
            set_step(self.fm, CaseStep, None)
        v = self.case.currentData()
        self._set(CaseStep, CaseStep(v)) if v else self.changed.emit()

    def _default(self):
        v = self.default.text()
        d = get_step(self.fm, DefaultStep) if self.fm else None
        if (d.value if d else "") != v:
            self._set(DefaultStep, DefaultStep(v) if v else None)

    def _sep(self):
        self._set(ConcatStep, ConcatStep(self.sep.text() or " "))

    def _map(self, mapping: dict):
        self._set(MapStep, MapStep(dict(mapping)) if mapping else None)


class MappingPage(BasePage):
    def __init__(self, parent=None):
        super().__init__("Column mapping",
                         "Check which legacy column feeds each HMSync field. The wizard "
                         "suggested a mapping; change any match with the drop-down.", parent)
        self.table = QComboBox()
        self.table.setMinimumContentsLength(20)
        self.table.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.legacy_id = QComboBox()
        # as wide as a column name, not as its longest choice: the table's name beside it
        # says how sure the suggestion is and what waits to be confirmed
        self.legacy_id.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.legacy_id.setMinimumContentsLength(16)
        self.legacy_id.setToolTip("The column that identifies a record in the legacy system; "
                                  "other tables refer to it, and a second import recognises "
                                  "records by it")
        self.confirm_table = button("Confirm the &table", "pass",
                                    "The wizard is not sure this file feeds this HMSync "
                                    "table (or found no legacy id column): confirm it once "
                                    "checked, or choose another table on the previous page")
        self.confirm_field = button("&Confirm this match", "pass",
                                    "Take the suggested column of the selected field (amber "
                                    "rows are suggestions waiting for you)")
        self.load = button("&Load mapping…", "open", "Use a mapping profile saved before")
        self.save = button("&Save mapping…", "save", "Save this mapping as a profile (YAML) "
                           "to reuse or review")
        top = QHBoxLayout()
        lab = QLabel("Legacy &table:")
        lab.setBuddy(self.table)
        top.addWidget(lab)
        top.addWidget(self.table, 1)
        lab2 = QLabel("Legacy &id column:")
        lab2.setBuddy(self.legacy_id)
        top.addWidget(lab2)
        top.addWidget(self.legacy_id)
        top.addWidget(self.confirm_table)
        top.addStretch(0)
        top.addWidget(self.confirm_field)

        self.model = MappingModel(self)
        self.view = table_view()
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(SOURCE, ComboDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked |
                                  QAbstractItemView.EditTrigger.SelectedClicked |
                                  QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setAccessibleName("Field mapping")

        self.editor = TransformEditor()
        self.editor_box = QGroupBox()
        self.editor_box.setMinimumWidth(self.fontMetrics().horizontalAdvance("x" * 46))
        eb = QVBoxLayout(self.editor_box)
        eb.addWidget(self.editor)

        self.preview_model = DataFrameModel()
        self.preview = table_view(stretch_last=False)
        self.preview.setModel(self.preview_model)
        self.preview.setAccessibleName("Preview of the transformed records")
        self.preview.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectColumns)
        self.preview_label = QLabel("&Preview: the first records as HMSync will store them "
                                    "(red: cannot be converted)")
        self.preview_label.setBuddy(self.preview)
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)
        self.preview_label.setWordWrap(True)
        pw = QWidget()
        pl = QVBoxLayout(pw)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.preview_label)
        pl.addWidget(self.preview, 1)

        bottom = QSplitter(Qt.Orientation.Horizontal)
        # the columns no field reads: what the mapping would leave behind, and whether the
        # operator means it
        self.left_model = DataFrameModel()
        self.left_view = table_view()
        self.left_view.setModel(self.left_model)
        self.left_view.setAccessibleName("Columns no HMSync field reads")
        self.leave = button("&Leave behind", "exclude",
                            "Leave the selected column out on purpose: said so in the "
                            "report, apart from columns nobody decided about")
        self.keep = button("&Keep", None,
                           "Keep the selected column's values beside each record (HMSync has "
                           "no field for them): stored in migration_extras, counted as imported")
        self.undecide = button("&Undo", None, "The selected column goes back to undecided")
        self.left_note = label("", role="hint")
        lw = QWidget()
        ll = QVBoxLayout(lw)
        ll.addWidget(self.left_note)
        ll.addWidget(self.left_view, 1)
        lb = QHBoxLayout()
        lb.addWidget(self.keep)
        lb.addWidget(self.leave)
        lb.addWidget(self.undecide)
        lb.addStretch(1)
        ll.addLayout(lb)
        self.side = QTabWidget()
        self.side.addTab(self.editor_box, "Transform")
        self.side.addTab(lw, "Columns left out")
        self.expressions = ExpressionPanel()
        self.side.addTab(self.expressions, "Filter && e&xpression")
        self.lookups = LookupPanel()
        self.side.addTab(self.lookups, "Loo&kup")
        # every tab's name in sight (scroll arrows hid the first one's)
        self.side.tabBar().setUsesScrollButtons(False)
        bottom.addWidget(self.side)
        bottom.addWidget(pw)
        bottom.setStretchFactor(0, 2)
        bottom.setStretchFactor(1, 5)
        bottom.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(bottom)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        self.empty = label("")
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)

        self.banner = Banner()
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.stack, 1)
        bottom_row = QHBoxLayout()
        bottom_row.addWidget(self.banner, 1)
        bottom_row.addWidget(self.load, 0, Qt.AlignmentFlag.AlignTop)
        bottom_row.addWidget(self.save, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(bottom_row)

        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(120)
        self._preview_timer.timeout.connect(self._update_preview)

        self.table.currentIndexChanged.connect(lambda _: self._show_table())
        self.legacy_id.activated.connect(self._legacy_id_chosen)
        self.model.sourceChosen.connect(self._source_chosen)
        self.view.selectionModel().currentRowChanged.connect(lambda cur, _: self._field_selected())
        self.left_view.selectionModel().currentRowChanged.connect(
            lambda cur, _: self._enable_left())
        self.editor.changed.connect(self._edited)
        self.expressions.changed.connect(lambda f: self._after_edit(f or None))
        self.lookups.changed.connect(lambda f: self._after_edit(f or None))
        self.confirm_table.clicked.connect(self._confirm_table)
        self.confirm_field.clicked.connect(self._confirm_field)
        self.leave.clicked.connect(lambda: self._decide_column(True))
        self.undecide.clicked.connect(lambda: self._decide_column(False))
        self.keep.clicked.connect(lambda: self._decide_column(None, keep=True))
        self.load.clicked.connect(self._load)
        self.save.clicked.connect(self._save)
        order = [self.table, self.legacy_id, self.view, self.editor.date_order,
                 self.editor.region, self.editor.case, self.editor.default, self.editor.sep,
                 self.editor.values_view, self.preview, self.load, self.save]
        for a, b in zip(order, order[1:]):
            self.setTabOrder(a, b)

    # --- life cycle -------------------------------------------------------------------------
    def initializePage(self):
        self._fill_tables()

    def isComplete(self):
        return not self.session.mapping_problems()

    def _fill_tables(self, keep: str | None = None):
        keep = keep or self.current_source()
        self.table.blockSignals(True)
        self.table.clear()
        for st, tm in self.session.mapped():
            waiting = sum(fm.review for fm in tm.fields.values()) + tm.review
            words = ([f"{100 * tm.confidence:.0f}%"] if tm.confidence is not None else []) + \
                ([f"{waiting} to confirm"] if waiting else [])
            self.table.addItem(f"{st.name} → {tm.target}" +
                               (f"  ({', '.join(words)})" if words else ""), st.name)
        i = self.table.findData(keep) if keep else 0
        self.table.setCurrentIndex(max(i, 0))
        self.table.blockSignals(False)
        self._show_table()

    def current_source(self) -> str | None:
        return self.table.currentData()

    def select_table(self, source: str):
        i = self.table.findData(source)
        if i >= 0:
            self.table.setCurrentIndex(i)

    def select_field(self, source: str, field: str):
        """Show a legacy table's mapping with one HMSync field selected (the validation
        page's way back to the control that changes how a field is read)."""
        self.select_table(source)
        row = self.model.row_of(field)
        if row >= 0:
            self.view.selectRow(row)

    def _show_table(self, keep_field: str | None = None):
        name = self.current_source()
        tm = self.session.table_map(name) if name else None
        st = self.session.table(name) if name else None
        if tm is None or st is None:
            self.empty.setText("No legacy table is mapped. Go back to “Legacy exports” and "
                               "choose the HMSync table each file feeds.")
            self.stack.setCurrentWidget(self.empty)
            self.model.set_mapping(None, None, [])
            self._check()
            return
        self.stack.setCurrentIndex(0)
        target = self.session.targets[tm.target]
        profile = self.session.profile
        self.model.set_mapping(tm, target, st.columns,
                               StepDefaults() if profile is None else profile.defaults)
        self.legacy_id.blockSignals(True)
        self.legacy_id.clear()
        self.legacy_id.addItem("(none: recognise records by their content)", None)
        for c in st.columns:
            self.legacy_id.addItem(c, c)
        if tm.id_expr is not None:  # computed by the profile's expression (kept when chosen)
            self.legacy_id.addItem(f"{tm.id_expr} (expression)", {"expr": tm.id_expr})
            self.legacy_id.setCurrentIndex(self.legacy_id.count() - 1)
        elif tm.legacy_key:  # a composite id, as the profile gives it (kept when chosen again)
            self.legacy_id.addItem(f"{tm.id_label} (together)", list(tm.legacy_key))
            self.legacy_id.setCurrentIndex(self.legacy_id.count() - 1)
        else:
            self.legacy_id.setCurrentIndex(max(self.legacy_id.findData(tm.legacy_id), 0))
        self.legacy_id.blockSignals(False)
        fit_columns(self.view)
        row = self.model.row_of(keep_field) if keep_field else self._first_to_confirm()
        self.view.selectRow(max(row, 0))
        self._field_selected()
        self._update_preview()
        self._show_left_out()
        self._check()

    # --- edits ---------------------------------------------------------------------------
    def _source_chosen(self, field: str, key: str):
        name = self.current_source()
        if key == "k:":
            return
        if key == "v:":
            self._fixed_value(name, field)
            return
        if key in ("j:", "p:"):
            self._from_columns(name, field, joined=key == "j:")
            return
        cols = [key[2:]] if key.startswith("c:") else None
        self.session.set_field_source(name, field, cols)
        self._after_edit(field)

    def _confirm_field(self):
        row = self.view.currentIndex().row()
        if row < 0 or self.model.tm is None:
            return
        self.session.confirm(self.current_source(), self.model.field_at(row).name)
        self._after_edit(None)
        self._fill_tables(self.current_source())
        self._next_to_confirm()

    def _confirm_table(self):
        self.session.confirm(self.current_source(), None)
        self._fill_tables(self.current_source())

    def _show_left_out(self):
        """The columns of the current table that no field reads, with what they hold."""
        name = self.current_source()
        cols = self.session.unmapped_columns(name) if name else []
        total = self.session.row_counts.get(name, 0) if name else 0
        rows = [(c.name, "" if c.filled is None else fmt_int(c.filled),
                 "kept beside the record" if c.kept else
                 "on purpose" if c.on_purpose else "not decided")
                for c in cols]
        df = pd.DataFrame(rows, columns=["Column", "Values", "Decision"])
        undecided = sum(not c.on_purpose and not c.kept for c in cols)
        self.left_model.set_frame(df, bad={"Decision": np.array(
            [not c.on_purpose and not c.kept and bool(c.filled) for c in cols], dtype=bool)})
        fit_columns(self.left_view)
        self.side.setTabText(1, f"Columns left out ({len(cols)})" if cols else
                             "Columns left out")
        self.left_note.setText(
            "Every column is read by a field." if not cols else
            f"No HMSync field reads these columns: their values (of {fmt_int(total)} "
            "records) are not imported. Map one in the table above, keep it beside the "
            "records (HMSync has no field for it), or leave it behind on purpose." + (f" {undecided} not decided yet." if undecided else ""))
        self._enable_left()

    def _enable_left(self):
        row = self.left_view.currentIndex().row()
        cols = self.session.unmapped_columns(self.current_source() or "")
        chosen = cols[row] if 0 <= row < len(cols) else None
        self.leave.setEnabled(chosen is not None and not chosen.on_purpose)
        self.keep.setEnabled(chosen is not None and not chosen.kept)
        self.undecide.setEnabled(chosen is not None and (chosen.on_purpose or chosen.kept))

    def _decide_column(self, left: bool | None, keep: bool = False):
        """Leave the selected column behind (True), keep it (``keep``) or undo (False)."""
        row = self.left_view.currentIndex().row()
        cols = self.session.unmapped_columns(self.current_source() or "")
        if not 0 <= row < len(cols):
            return
        if keep:
            self.session.set_kept(self.current_source(), cols[row].name, True)
        else:
            self.session.set_left_behind(self.current_source(), cols[row].name, bool(left))
            if not left:
                self.session.set_kept(self.current_source(), cols[row].name, False)
        self._show_left_out()
        self.left_view.selectRow(row)
        self._enable_left()
        self._check()  # an undecided column with values holds Next back (the review gate)

    def _first_to_confirm(self) -> int:
        """The first amber row (0 when there is none): where the operator is needed."""
        tm = self.model.tm
        for i, f in enumerate(self.model.fields if tm is not None else []):
            fm = tm.fields.get(f.name)
            if fm is not None and fm.review:
                return i
        return 0

    def _next_to_confirm(self):
        """Select the next amber row, so that confirming several is key after key."""
        self.view.selectRow(self._first_to_confirm())

    def _fixed_value(self, name: str, field: str):
        """Fill a field the export lacks with one value for every record (a placeholder:
        each record that gets it is counted as a warning)."""
        tm = self.session.table_map(name)
        old = tm.fields.get(field) if tm else None
        f = self.session.targets[tm.target].fields.get(field) if tm else None
        counted = " (each is counted as a placeholder in the validation and the report)" \
            if f is not None and f.required else ""
        value = dialogs.ask_text(
            self, "A fixed value", f"The value every record gets for {field}{counted}:",
            old.value if old is not None and old.value is not None else "")
        if value is None or not value.strip():
            return
        self.session.set_field_value(name, field, value.strip())
        self._after_edit(field)

    def _from_columns(self, name: str, field: str, joined: bool):
        """Feed a field from several columns joined, or from a part of one column."""
        tm = self.session.table_map(name)
        st = self.session.table(name)
        if tm is None or st is None:
            return
        old = tm.fields.get(field)
        had = list(old.columns) if old is not None else []
        columns = list(st.columns)
        if joined:
            got = dialogs.join_columns(self, field, columns, had if len(had) > 1 else [])
            if got is None or len(got.columns) < 2:
                return
            self.session.join_columns(name, field, got.columns, got.sep)
        else:
            got = dialogs.column_part(self, field, columns, had[0] if had else None)
            if got is None or got.column not in columns:
                return
            self.session.take_part(name, field, got.column, got.sep, got.part)
        self._after_edit(field)

    def set_field_source(self, field: str, column: str | None):
        """Choose the legacy column of a field of the current table (as the drop-down does)."""
        self._source_chosen(field, f"c:{column}" if column else "")

    def _legacy_id_chosen(self, *_):
        self.session.set_legacy_id(self.current_source(), self.legacy_id.currentData())
        self._after_edit(None)

    def _edited(self):
        self.session.dirty = True
        f = self.editor.field
        self.model.refresh_row(f.name if f else "")
        self._preview_timer.start()
        self._check()

    def _after_edit(self, field: str | None):
        self._show_left_out()
        cur = self.view.currentIndex().row()
        keep = field or (self.model.field_at(cur).name if cur >= 0 else None)
        self.model.set_mapping(self.model.tm, self.model.target, self.model.columns)
        row = self.model.row_of(keep) if keep else 0
        self.view.selectRow(max(row, 0))
        self._field_selected()
        self._update_preview()
        self._check()

    def _field_selected(self):
        row = self.view.currentIndex().row()
        if row < 0 or self.model.tm is None:
            self.editor.show_field(None, None, None)
            self.expressions.show_table(self.session, self.current_source(), None)
            self.lookups.show_table(self.session, self.current_source(), None)
            return
        f = self.model.field_at(row)
        self.expressions.show_table(self.session, self.current_source(), f.name)
        self.lookups.show_table(self.session, self.current_source(), f.name)
        fm = self.model.tm.fields.get(f.name)
        sample = self.session.samples.get(self.current_source())
        col = None
        if fm is not None and sample is not None and len(fm.columns) == 1 and \
                fm.columns[0] in sample:
            col = sample[fm.columns[0]]
        self.editor.show_field(f, fm, col)
        self._check()  # the confirm button follows the selected row
        self._focus_preview(f.name)

    # --- preview and checks -----------------------------------------------------------------
    def _update_preview(self):
        name = self.current_source()
        tm = self.model.tm
        sample = self.session.samples.get(name) if name else None
        if tm is None or sample is None:
            self.preview_model.set_frame(pd.DataFrame())
            return
        target = self.session.targets[tm.target]
        try:
            s = self.session
            # a looked-up field as the run computes it, from the other tables' samples
            mc, part = map_preview(sample, tm, target, s.ensure_profile().ctx, LookupSources(
                tm, s.tables, s.samples, getattr(s, "row_counts", {})))
        except (ProfileError, TransformError) as e:
            self.preview_model.set_frame(pd.DataFrame())
            self.preview_label.setText(f"No preview: {e}")
            return
        n = min(PREVIEW_ROWS, len(mc))  # (a where: filter keeps some of the sample)
        data = {LINE: mc.lines[:n]}
        labels, tips, bad, cell_tips = ["line"], ["line of the legacy file"], {}, {}
        counts = {}
        for f in target.mappable:
            if f.name not in mc.values:
                continue
            vals = mc.values[f.name].iloc[:n].astype(object)
            raw = mc.raw[f.name].iloc[:n].astype(object)
            failed = np.asarray(mc.bad[f.name][:n], dtype=bool)
            # a code HMSync does not know (gender X) fails too: the validation rejects it
            unknown = (vals.notna() & ~vals.isin(f.enum)).to_numpy(dtype=bool) \
                if f.kind == "enum" and f.enum else np.zeros(n, dtype=bool)
            if f.kind == "float":    # amounts as money: 500.00, not 500.0
                vals = vals.map(lambda v: v if pd.isna(v) else f"{float(v):,.2f}")
            # a value that cannot be converted is shown as the file has it, in red
            data[f.name] = vals.where(~failed, raw).to_numpy()
            labels.append(f.name)
            tips.append(f"from {mc.source.get(f.name, '')}")
            bad[f.name] = failed | unknown
            allowed = "/".join(f.enum or [])
            cell_tips[f.name] = np.array([
                f"cannot be converted: the legacy value is “{v}”" if x else
                f"not one of {allowed}: the legacy value is “{v}”" if u else
                f"legacy value: {v}" for v, x, u in zip(raw.tolist(), failed, unknown)],
                dtype=object)
            whole_unknown = (mc.values[f.name].notna() & ~mc.values[f.name].isin(f.enum)) \
                .to_numpy(dtype=bool) if f.kind == "enum" and f.enum else False
            counts[f.name] = int((np.asarray(mc.bad[f.name], dtype=bool) | whole_unknown).sum())
        df = pd.DataFrame(data).astype(object)
        self.preview_model.set_frame(df, labels=labels, tips=tips, bad=bad, cell_tips=cell_tips)
        fit_columns(self.preview, self.preview.fontMetrics().horizontalAdvance("x" * 26))
        self.model.set_bad_counts(counts)
        fit_columns(self.view)   # "… sample value(s) fail" lengthens the transform's words
        failing = sum(1 for v in counts.values() if v)
        self.preview_label.setText(
            f"&Preview: the first {n} of {len(mc)} sample records as HMSync will store them"
            + (f" ({len(sample) - len(mc)} left out by the table's filter)"
               if len(mc) < len(sample) else "")
            + (f"; looked up in the sample of {', '.join(part)}" if part else "")
            + (f" — {counted(failing, 'field', thousands=False)} "
               f"{plural(failing, 'has', 'have')} values that cannot be converted (red)"
               if failing else ""))
        row = self.view.currentIndex().row()
        if row >= 0:
            self._focus_preview(self.model.field_at(row).name)

    def _focus_preview(self, name: str):
        """The selected field's column in view and tinted (not selected: the selection's
        colour hid the red of the values that fail)."""
        self.preview.clearSelection()
        self.preview_model.set_focus(name)
        try:
            c = self.preview_model.column_of(name)
        except ValueError:
            return
        self.preview.scrollTo(self.preview_model.index(0, c))

    def _check(self):
        problems = self.session.mapping_problems(unconfirmed=False)
        waiting = self.session.unconfirmed()
        tm = self.model.tm
        self.confirm_table.setVisible(bool(tm is not None and tm.review))
        row = self.view.currentIndex().row()
        fm = tm.fields.get(self.model.field_at(row).name) if tm is not None and row >= 0 \
            else None
        self.confirm_field.setEnabled(bool(fm is not None and fm.review))
        if problems:
            shown = problems[:5]
            more = f"\n… and {len(problems) - 5} more" if len(problems) > 5 else ""
            self.banner.set("Next is blocked until these are fixed:\n• " + "\n• ".join(shown)
                            + more + (f"\n({counted(len(waiting), 'suggestion')} also "
                                      f"{plural(len(waiting), 'waits', 'wait')} for you "
                                      "to confirm them.)" if waiting else ""), "error")
        elif waiting:
            shown = [str(u) for u in waiting[:4]]
            more = f"\n… and {len(waiting) - 4} more" if len(waiting) > 4 else ""
            self.banner.set(f"{counted(len(waiting), 'suggested choice')} "
                            f"{plural(len(waiting), 'is', 'are')} not sure enough to apply "
                            "unasked (amber). Check each, then confirm it, or choose another "
                            "column; Next waits for them:\n• " + "\n• ".join(shown) + more,
                            "warning")
        else:
            notes = [str(n) for n in (self.session.profile.notes if self.session.profile
                                      else []) if n.kind is NoteKind.CHECK]
            self.banner.set("Every required HMSync field is mapped." +
                            (" Check: " + "; ".join(notes[:2]) if notes else ""), "ok")
        self.completeChanged.emit()

    # --- profiles ---------------------------------------------------------------------------
    def _load(self):
        p = dialogs.open_file(self, "Load a mapping profile", settings.last_folder("profile"),
                              PROFILE_FILTER)
        if not p:
            return
        settings.remember_folder("profile", p)
        try:
            self.session.load_profile(p)
        except ProfileError as e:
            dialogs.error(self, "This mapping profile cannot be used.", str(e))
            return
        self._fill_tables()
        if not self.session.mapped():
            dialogs.info(self, "The profile maps none of these legacy tables.",
                         "Its table names must match the export's file names.")

    def _save(self):
        suggested = str(self.session.profile_path or
                        (settings.last_folder("profile") + "/mapping.yaml"))
        p, _ = dialogs.save_file(self, "Save the mapping profile", suggested, PROFILE_FILTER)
        if not p:
            return
        if p.suffix.lower() not in (".yaml", ".yml", ".json"):
            p = p.with_suffix(".yaml")
        try:
            self.session.save_profile(p)
        except OSError as e:
            dialogs.show_exception(self, e, "saving the mapping")
            return
        settings.remember_folder("profile", p)
