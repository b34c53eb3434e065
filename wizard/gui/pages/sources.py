"""Legacy exports: add files or a folder (or drop them here); per table the detected
format, encoding, delimiter, record count and the HMSync table it feeds; a preview."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QLabel, QSplitter, QVBoxLayout,
                               QWidget)

from ...core.readers import CORRUPT, LINE, SUPPORTED
from ...core.readers.database import DB_EXTS
from ...core.suggest import suggest_profile
from .. import dialogs, settings
from ..models.dataframe import DataFrameModel
from ..models.delegates import ComboDelegate
from ..encoding_panel import EncodingPanel
from ..models.sources import FEEDS, SourcesModel
from ...core.session import read_sources
from ..widgets import Banner, ProgressPanel, button, fit_columns, fmt_int, label, table_view
from .base import BasePage
from ...core.source_words import source_noun, unreadable_noun
from ...core.words import counted

PREVIEW_ROWS = 50
FILTER = ("Legacy exports (" + " ".join(f"*{e}" for e in sorted(SUPPORTED | DB_EXTS)) + ");;"
          "All files (*)")


class SourcesPage(BasePage):
    def __init__(self, parent=None):
        super().__init__("Legacy exports",
                         "Add the files the legacy system exported (or their folder), or "
                         "connect to its database. Drop files here, or use the buttons.",
                         parent)
        self.setAcceptDrops(True)
        self.add_files = button("Add &files…", "add-file")
        self.add_folder = button("Add a f&older…", "add-folder")
        self.add_database = button("Connect to a &database…", "database",
                                   "Read a legacy database (an SQLite file or a server) "
                                   "directly, read-only")
        self.remove = button("&Remove", "remove", "Remove the selected file (a database's "
                             "table: the database) from the list")
        self.layout_button = button("La&yout…", None, "Choose the delimiter and the line of "
                                    "the column names of the selected file, with a preview")
        self.summary = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.add_files)
        top.addWidget(self.add_folder)
        top.addWidget(self.add_database)
        top.addWidget(self.remove)
        top.addWidget(self.layout_button)
        top.addStretch(1)
        top.addWidget(self.summary)

        self.progress = ProgressPanel()
        self.banner = Banner()
        self.encoding = EncodingPanel()

        self.model = SourcesModel(None)
        self.view = table_view()
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(FEEDS, ComboDelegate(self.view))
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked |
                                  QAbstractItemView.EditTrigger.SelectedClicked |
                                  QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setAccessibleName("Legacy tables")
        self.preview_model = DataFrameModel()
        self.preview = table_view(stretch_last=False)
        self.preview.setModel(self.preview_model)
        self.preview.setAccessibleName("Preview of the first records")
        self.preview_label = QLabel()
        self.preview_label.setTextFormat(Qt.TextFormat.PlainText)
        self.preview_label.setBuddy(self.preview)
        self.drop_hint = label("Drop export files or a folder anywhere on this page.",
                               role="hint")

        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.preview_label)
        ll.addWidget(self.preview, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.progress)
        lay.addWidget(self.banner)
        lay.addWidget(self.encoding)
        lay.addWidget(split, 1)
        lay.addWidget(self.drop_hint)

        self.add_files.clicked.connect(self._add_files)
        self.add_folder.clicked.connect(self._add_folder)
        self.add_database.clicked.connect(self._add_database)
        self.remove.clicked.connect(self._remove)
        self.layout_button.clicked.connect(self._choose_layout)
        self.progress.cancelRequested.connect(self.cancel_task)
        self.view.selectionModel().currentRowChanged.connect(lambda cur, _: self._preview())
        self.view.selectionModel().currentRowChanged.connect(
            lambda cur, _: self._update_layout_button())
        self.model.targetChosen.connect(self._target_chosen)
        self.encoding.chosen.connect(self._encoding_chosen)

    # --- life cycle ------------------------------------------------------------------------
    def initializePage(self):
        self.model.session = self.session
        if self.session.source_paths and self.session.sources_read_key != self.session.sources_key():
            self._read()
        else:
            self._refresh()

    def cleanupPage(self):
        self.cancel_task()

    def task_ended(self):
        self._refresh()

    def isComplete(self):
        return not self.busy and bool(self.session.mapped()) and \
            not self.session.unsure_encodings()

    # --- adding and removing ----------------------------------------------------------------
    def add_paths(self, paths):
        paths = [Path(p) for p in paths if p]
        if paths and self.session.add_sources(paths):
            self._read()

    def _add_files(self):
        ps = dialogs.open_files(self, "Add legacy export files", settings.last_folder("sources"),
                                FILTER)
        if ps:
            settings.remember_folder("sources", ps[0])
            self.add_paths(ps)

    def _add_folder(self):
        p = dialogs.open_folder(self, "Add a folder of legacy export files",
                                settings.last_folder("sources"))
        if p:
            settings.remember_folder("sources", p / "x")
            self.add_paths([p])

    def _add_database(self):
        from ..database_dialog import DatabaseDialog
        dlg = DatabaseDialog(self)
        source = dlg.path() if dlg.exec() else None
        if source is not None and self.session.add_sources([source]):
            self._read()

    def _remove(self):
        row = self.view.currentIndex().row()
        if row < 0:
            return
        obj = self.model.item(row)
        url = getattr(getattr(obj, "database", None), "url", None)  # a server's tables
        path = url if url in self.session.source_paths else obj.path.resolve()
        if path in self.session.source_paths:
            self.session.remove_source(path)
        else:   # a file found in an added folder: remove the folder's entry, keep the rest
            folder = next((p for p in self.session.source_paths if isinstance(p, Path) and
                           p.is_dir() and path.parent == p), None)
            if folder is None:
                return
            self.session.remove_source(folder)
            siblings = {t.path.resolve() for t in self.session.tables} | \
                {e.path.resolve() for e in self.session.read_errors}
            self.session.add_sources(sorted(s for s in siblings if s.parent == folder and
                                         s != path))
        self._read()

    def dragEnterEvent(self, e):
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e):
        paths = [Path(u.toLocalFile()) for u in e.mimeData().urls() if u.isLocalFile()]
        if paths:
            e.acceptProposedAction()
            self.add_paths(paths)

    # --- reading ---------------------------------------------------------------------------
    def _read(self):
        self.cancel_task()
        session = self.session
        paths = list(session.source_paths)
        key = session.sources_key()
        reviewed = set(session.reviewed)
        targets = session.targets
        name, system = session.name, session.source_system
        encodings = session.encoding_chooser()
        layouts = session.layout_chooser()
        if not paths:
            session.tables, session.read_errors = [], []
            session.sources_read_key = key
            self._refresh()
            return

        def work(progress, cancel):
            r = read_sources(paths, progress, cancel, encodings=encodings, layouts=layouts)
            new = [t for t in r.tables if t.name not in reviewed]
            # decided over the whole export (which file fits a table best, references by
            # the ids of files added before), and taken for the new files only
            sugg = suggest_profile(r.tables, targets, name=name, source_system=system) \
                if new else None
            return r, sugg

        def done(result):
            r, sugg = result
            session.apply_sources_read(r, key)
            if sugg is not None:
                session.merge_suggestion(sugg)
            self.progress.finish()
            self._refresh()

        def progressed(p):
            self.progress.update(f"Reading {p.source}…" if p.source else "Suggesting a mapping…",
                                 p.done, p.total, eta=False)

        self.progress.start("Reading the legacy export…")
        self.run_task(work, "read sources", on_finished=done, on_progress=progressed,
                      on_cancelled=lambda: (self.progress.finish(), self._refresh()),
                      on_failed=lambda e: (self.progress.finish(),
                                           dialogs.show_exception(self, e, "reading the files")),
                      doing="reading the files", cancel_discards_result=True)
        self._refresh()

    def _encoding_chosen(self, path: Path, encoding: str):
        """Read the file again the way the operator chose (kept in the profile and the
        project)."""
        self.session.choose_encoding(path, encoding)
        self.encoding.show_doubt(None, None)
        self._read()

    def _selected_table(self):
        idx = self.view.currentIndex()
        if not idx.isValid() or self.model.kind(idx.row()) != "table":
            return None
        return self.model.item(idx.row())

    def _update_layout_button(self):
        st = self._selected_table()
        self.layout_button.setEnabled(not self.busy and st is not None and
                                      st.format in ("csv", "xlsx"))

    def _choose_layout(self):
        """The delimiter and header line of the selected file, chosen with a preview; the
        file is read again that way (kept in the profile and the project)."""
        from ..layout_dialog import LayoutDialog
        st = self._selected_table()
        if st is None or st.format not in ("csv", "xlsx"):
            return
        dlg = LayoutDialog(st, self.session.layout_of(st.path, st.sheet),
                           self.session.encoding_of(st.path), self)
        if dlg.exec() != LayoutDialog.DialogCode.Accepted:
            return
        self.session.choose_layout(st.name, dlg.layout())
        self._read()

    def _target_chosen(self, name: str, target):
        try:
            self.session.set_table_target(name, target)
        except Exception as e:  # noqa: BLE001
            dialogs.show_exception(self, e, "changing the HMSync table")
        self._refresh(keep=name)

    # --- showing ------------------------------------------------------------------------------
    def _refresh(self, keep: str | None = None):
        session = self.session
        cur = self.view.currentIndex()
        keep = keep or (self.model.item(cur.row()).name if cur.isValid() and
                        self.model.kind(cur.row()) == "table" else None)
        self.model.refresh()
        fit_columns(self.view)
        n_tables, n_err = len(session.tables), len(session.read_errors)
        mapped = session.mapped()
        self.summary.setText(
            f"{counted(n_tables, 'table', thousands=False)}, "
            f"{fmt_int(sum(session.row_counts.get(t.name, 0) for t in session.tables))}"
            f" records" if n_tables else "")
        unsure = session.unsure_encodings()
        if self.busy:
            self.banner.set("")
        elif unsure:
            self.banner.set(f"{counted(len(unsure), 'file')} may be read with the wrong "
                            "letters: "
                            f"{', '.join(t.name for t in unsure)}. Choose each one's "
                            "encoding below (select the file).", "error")
        elif not session.source_paths:
            self.banner.set("No files yet. Add the export files or the folder that holds them.",
                            "info")
        elif n_err:
            err_noun = unreadable_noun(session.read_errors)
            self.banner.set(f"{counted(n_err, err_noun, thousands=False)} cannot be read and "
                            "will be left out (the reason "
                            "is in the Status column). Fix or remove them, or continue "
                            "without them.", "warning")
        elif not mapped:
            hints = [session.layout_hint_words(n, h) for n, h in session.layout_hints()]
            self.banner.set("None of these tables feeds an HMSync table. Choose one in the "
                            "“Feeds HMSync table” column." +
                            "".join(f"\n• {h}" for h in hints[:4]), "error")
        else:
            left = [t.name for t in session.tables if session.table_map(t.name) is None]
            noun = source_noun(session.tables)
            said = (f"Every {noun} was read. {counted(len(mapped), 'table')} will be "
                    "imported" +
                    (f"; left out: {', '.join(left)}." if left else ".") +
                    " Double-click a “Feeds HMSync table” cell to change it.")
            warnings = session.table_warnings()
            waiting = sum(1 for _, tm in mapped if tm.review)
            if waiting:  # amber rows: the next page asks to confirm them
                warnings.insert(0, f"{counted(waiting, noun, thousands=False)} may feed "
                                   "another table than suggested "
                                "(amber): check the “Feeds HMSync table” column")
            if warnings:
                self.banner.set(said + "\n• " + "\n• ".join(warnings[:4]), "warning")
            else:
                self.banner.set(said, "ok")
        row = self.model.row_of(keep) if keep else (0 if self.model.rowCount() else -1)
        if row >= 0:
            self.view.selectRow(row)
        self._preview()
        self.remove.setEnabled(self.model.rowCount() > 0 and not self.busy)
        self._update_layout_button()
        self.completeChanged.emit()

    def _preview(self):
        idx = self.view.currentIndex()
        st = self.model.item(idx.row()) if idx.isValid() and \
            self.model.kind(idx.row()) == "table" else None
        if st is None or st.encoding_source != "unsure":  # the first unsure one, if any
            st = next(iter(self.session.unsure_encodings()), None)
        self.encoding.show_doubt(st.path if st else None, st.encoding_doubt if st else None)
        if not idx.isValid() or self.model.kind(idx.row()) != "table":
            self.preview_model.set_frame(pd.DataFrame())
            if idx.isValid():
                e = self.model.item(idx.row())
                self.preview_label.setText(f"{e.path.name} cannot be read: {e.problem}")
            else:
                self.preview_label.setText("Preview")
            return
        st = self.model.item(idx.row())
        sample = self.session.samples.get(st.name)
        if sample is None:
            self.preview_model.set_frame(pd.DataFrame())
            return
        df = sample.head(PREVIEW_ROWS)
        lead = [] if st.location_is_column else [LINE]  # a key column shows it
        show = df[lead + list(st.columns)].copy()
        labels = [st.location_name] * len(lead) + list(st.columns)
        bad = {}
        if CORRUPT in df and (df[CORRUPT] != "").any():
            show["(problem)"] = df[CORRUPT].to_numpy()
            labels.append("reader's note")
            bad["(problem)"] = (df[CORRUPT] != "").to_numpy()
        self.preview_model.set_frame(show, labels=labels, bad=bad)
        fit_columns(self.preview, self.preview.fontMetrics().horizontalAdvance("x" * 28))
        total = self.session.row_counts.get(st.name, 0)
        self.preview_label.setText(f"&Preview of {st.name}: the first {min(len(df), total)} of "
                                   f"{counted(total, 'record')}")
