"""Verification: reconciliation (source = imported + duplicates + rejected), totals side by
side, relationship and integrity checks; the report (HTML, PDF, JSON); restore the backup."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import QMarginsF, Qt
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from ...core import remedies
from ...core.outputs import Outputs
from ...core.schema import DATA_TABLES
from ...core.verify import CheckKind

#: kinds of check as the report names them (the page reads the report, plain JSON)
RECONCILIATION, TOTALS = CheckKind.RECONCILIATION.value, CheckKind.TOTALS.value
from ...core.report import report_html, write_html, write_json
from .. import dialogs, settings
from ..delta_panel import DeltaPanel
from ..models.dataframe import DataFrameModel
from ..widgets import (Banner, ProgressPanel, button, fit_columns, fit_height, fit_width,
                       icon, table_view)
from .base import BasePage
from ...core.words import counted, plural

#: a column's cells, as the report counts them, and their headings here
CELL_KINDS = [("non_empty", "Non-empty"), ("imported", "Imported"),
              ("updated", "Of them updated"), ("rejected", "Rejected"),
              ("duplicates", "Duplicates"), ("left_behind", "Left behind"),
              ("filtered", "Filtered"), ("deferred", "Outside the pilot"),
              ("blanked", "Blanked"), ("not_accounted", "Not accounted")]
CELL_ROLES = {"legacy_id": "legacy id", "kept": "kept beside the record",
              "left_behind": "left behind on purpose", "unmapped": "nothing (undecided)"}
#: a key inside the JSON objects of a column read by path that no field reads
INSIDE_LEFT = "left behind: no field reads this key"

REPORT_FILTER = "Web page (*.html);;PDF document (*.pdf);;JSON data (*.json)"
SIGNOFF_FILTER = "PDF document (*.pdf);;Web page (*.html)"


def write_pdf(rep: dict, path: Path) -> Path:
    """The HTML report printed to PDF (QtPrintSupport), A4, owner-only like every report."""
    import os
    from PySide6.QtPrintSupport import QPrinter
    doc = QTextDocument()
    doc.setHtml(report_html(rep))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                      QPageLayout.Orientation.Portrait,
                                      QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    printer.setDocName("HMSync migration report")
    doc.print_(printer)
    if path.exists():
        os.chmod(path, 0o600)
    return path


class VerificationPage(BasePage):
    def __init__(self, parent=None):
        super().__init__("Verification",
                         "What the import did, checked against the legacy export: every source "
                         "record is accounted for, totals agree, relationships hold.", parent)
        self.banner = Banner()
        self.recon_model = DataFrameModel()
        self.recon = table_view(stretch_last=False)
        self.recon.setModel(self.recon_model)
        self.recon.setAccessibleName("Reconciliation")
        self.totals_model = DataFrameModel()
        self.totals = table_view(stretch_last=False)
        self.totals.setModel(self.totals_model)
        self.totals.setAccessibleName("Totals, source and HMSync")
        self.cells_model = DataFrameModel()
        self.cells = table_view(stretch_last=False)
        self.cells.setModel(self.cells_model)
        self.cells.setAccessibleName("Cells of every legacy column, accounted for")
        self.checks_model = DataFrameModel()
        self.checks = table_view()
        self.checks.setModel(self.checks_model)
        self.checks.setAccessibleName("Checks")
        # values a "Warning" decision stored empty (an unreadable date, a missing parent)
        self.blanked_model = DataFrameModel()
        self.blanked = table_view()
        self.blanked.setModel(self.blanked_model)
        self.blanked.setAccessibleName("Values stored empty")
        self.save = button("&Save report…", "report", "Save the report as HTML, PDF or JSON")
        self.signoff = button("Save si&gn-off…", "report",
                              "Save the sign-off report (PDF or HTML) the consultant and the "
                              "clinic sign")
        self.restore = button("&Restore the backup…", "restore",
                              "Put the database back as it was before the import")
        self.progress = ProgressPanel(cancellable=False)
        # a re-run (delta sync): what became of the records already in HMSync
        self.delta = DeltaPanel()

        def boxed(title, view):
            w = QWidget()
            lay = QVBoxLayout(w)
            lay.setContentsMargins(0, 0, 0, 0)
            lab = QLabel(title)
            lab.setProperty("role", "subheading")
            lab.setBuddy(view)
            lay.addWidget(lab)
            lay.addWidget(view)
            return w

        body = QWidget()
        bl = QVBoxLayout(body)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(boxed("R&econciliation: source = imported + duplicates + rejected + "
                           "filtered out",
                           self.recon))
        bl.addWidget(self.delta)
        bl.addWidget(boxed("&Totals, side by side", self.totals))
        bl.addWidget(boxed("Ce&lls of every legacy column: non-empty = imported + rejected + "
                           "duplicates + left behind", self.cells))
        bl.addWidget(boxed("&Checks: relationships, spot check, integrity", self.checks))
        self.blanked_box = boxed("&Values stored empty because you decided “Warning” for "
                                 "their rule", self.blanked)
        bl.addWidget(self.blanked_box)
        bl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.where = QLabel("")
        self.where.setProperty("role", "hint")
        self.where.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save)
        buttons.addWidget(self.signoff)
        buttons.addWidget(self.restore)
        buttons.addWidget(self.where, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(self.progress)
        lay.addWidget(scroll, 1)
        lay.addLayout(buttons)
        self.save.clicked.connect(self._save)
        self.signoff.clicked.connect(self._save_signoff)
        self.restore.clicked.connect(self.restore_backup)

    def initializePage(self):
        self._show()

    def task_ended(self):
        self._enable()

    def isComplete(self):
        # after a restore nothing of the import remains: there is nothing to finish
        return not self.busy and not self.session.restored

    @property
    def passed(self) -> bool:
        r = self.session.run_result
        return bool(r is not None and r.committed and r.passed)

    # --- showing ------------------------------------------------------------------------------
    def _show(self):
        session = self.session
        res, rep = session.run_result, session.run_report
        if res is None or rep is None:
            self.banner.set("Nothing was imported yet.", "info")
            for m in (self.recon_model, self.totals_model, self.cells_model,
                      self.checks_model, self.blanked_model):
                m.set_frame(pd.DataFrame())
            self.blanked_box.hide()
            self.delta.show_delta(None, None)
            self._enable()
            return
        if session.restored:
            self._show_restored()
            return
        checks = rep["checks"]
        failed = [c for c in checks if not c["passed"]]
        imported = sum(t["imported"] for t in rep["tables"].values())
        if session.restored:
            self.banner.set("The backup was restored: the database is back to how it was "
                            "before the import.", "warning")
        elif res.committed and not failed:
            left = res.delta.unresolved if res.delta is not None else 0
            self.banner.set(f"Verification passed: {counted(imported, 'record')} imported "
                            "and "
                            f"committed (run {res.run_id}); all {len(checks)} checks passed."
                            + (f" {counted(left, 'record')} changed both in the export and "
                               "in HMSync were left as HMSync has them: see the conflicts "
                               "below." if left else ""), "warning" if left else "ok")
        elif res.committed:
            self.banner.set(f"{counted(len(failed), 'check')} failed after the commit. "
                            "Restore the "
                            "backup, or keep the data and investigate.", "error")
        else:
            self.banner.set(f"Verification failed ({counted(len(failed), 'check')}): the "
                            "import was "
                            "rolled back and the database is unchanged.", "error")
        # reconciliation
        recon = {c.get("table"): c for c in checks if c.get("kind") == RECONCILIATION}
        rows, icons = [], []
        for t, s in rep["tables"].items():
            ok = recon.get(t, {}).get("passed", False)
            rows.append((t, s["source_rows"], s["imported"], s["duplicates"], s["rejected"],
                         s.get("filtered", 0), s["warnings"],
                         "balances" if ok else "does not balance",
                         "; ".join(f"{src}: where {w}" for src, w in
                                   (s.get("where") or {}).items())))
            icons.append(icon("pass" if ok else "fail"))
        df = pd.DataFrame(rows, columns=["HMSync table", "Source records", "Imported",
                                         "Duplicates", "Rejected", "Filtered out",
                                         "With warnings", "Result", "Filter"])
        if len(df):
            tot = df.iloc[:, 1:7].sum()
            df.loc[len(df)] = ["Total", *tot.astype(int).tolist(),
                               "balances" if all(r[-2] == "balances" for r in rows)
                               else "does not balance", ""]
            icons.append(icon("pass" if all(r[-2] == "balances" for r in rows) else "fail"))
            for c in df.columns[1:7]:
                df[c] = df[c].astype("int64")
        self.recon_model.set_frame(df, icons={"Result": np.array(icons, dtype=object)},
                                   bad={"Result": (df["Result"] != "balances").to_numpy()})
        fit_columns(self.recon)
        fit_height(self.recon)
        fit_width(self.recon)
        self.delta.show_delta(rep["tables"], rep.get("delta"))
        # totals side by side
        trows, ticons = [], []
        # the totals over every row of the files (the same field's), beside the imported
        every = {f"{a['table']}.{a['field']}": (a, c["passed"]) for c in checks
                 if (a := c.get("all_rows"))}
        for c in checks:
            if c.get("kind") == TOTALS and "source" in c and "hmsync" in c:
                name = c["name"].replace("totals: ", "")
                a, ok = every.get(name, ({}, True))
                trows.append((name, float(a.get("source", c["source"])),
                              float(a.get("rejected", 0.0)), float(a.get("filtered", 0.0)),
                              float(c["source"]), float(c["hmsync"])))
                ticons.append(icon("pass" if c["passed"] and ok else "fail"))
        # accepted: imported now or already in HMSync from an earlier run
        tdf = pd.DataFrame(trows, columns=["Total of", "Legacy files, every row",
                                           "In rejected records", "Filtered out",
                                           "Accepted", "HMSync"])
        if not tdf["Filtered out"].any():  # (no filter left money out: the column waits)
            tdf = tdf.drop(columns=["Filtered out"])
        self.totals_model.set_frame(tdf, icons={"Total of": np.array(ticons, dtype=object)})
        fit_columns(self.totals)
        fit_height(self.totals)
        fit_width(self.totals)
        self._show_cells(rep.get("cells") or {})
        # the other checks
        crows, cicons = [], []
        for c in checks:
            if c.get("kind") == RECONCILIATION or (c.get("kind") == TOTALS and "source" in c):
                continue
            crows.append(("passed" if c["passed"] else "FAILED", c["name"], c.get("detail", "")))
            cicons.append(icon("pass" if c["passed"] else "fail"))
        cdf = pd.DataFrame(crows, columns=["Result", "Check", "Detail"])
        self.checks_model.set_frame(cdf, icons={"Result": np.array(cicons, dtype=object)},
                                    bad={"Result": (cdf["Result"] != "passed").to_numpy()})
        fit_columns(self.checks, self.checks.fontMetrics().horizontalAdvance("x" * 56))
        fit_height(self.checks)
        self._show_blanked(res)
        b = session.backup
        self.where.setText(f"Backup: {b.path}" if b else "")
        self.where.setToolTip(str(b.path) if b else "")
        self._enable()

    def _show_restored(self):
        """The import's figures marked undone (none green), the totals gone, and what
        the restore checked: the run's checks describe a database that is no more."""
        session = self.session
        rep, r = session.run_report, session.restore_result
        self.blanked_model.set_frame(pd.DataFrame())
        self.blanked_box.hide()
        self.cells_model.set_frame(pd.DataFrame())
        self.delta.show_delta(None, None)
        now = sum(n for t, n in r.counts.items() if t in DATA_TABLES) if r is not None \
            else None
        self.banner.set("The backup was restored: the database is back to how it was before "
                        "the import" + (f" ({counted(now, 'record')}, "
                                        "verified)" if now is not
                                        None else "") + ". The import below is undone, so "
                        "there is "
                        "nothing to finish: go Back to import again, or Close.", "warning")
        rows = [(t, s["source_rows"], s["imported"], s["duplicates"], s["rejected"],
                 s["warnings"], "undone by the restore") for t, s in rep["tables"].items()]
        df = pd.DataFrame(rows, columns=["HMSync table", "Source records", "Imported",
                                         "Duplicates", "Rejected", "With warnings", "Result"])
        self.recon_model.set_frame(df, icons={"Result": np.array([icon("warning")] * len(df),
                                                                  dtype=object)},
                                   bad={"Result": np.ones(len(df), dtype=bool)})
        fit_columns(self.recon)
        fit_height(self.recon)
        fit_width(self.recon)
        self.totals_model.set_frame(pd.DataFrame(columns=["Total of", "Legacy export",
                                                          "HMSync"]))
        crows = [("undone", f"import run {session.run_result.run_id or ''}".strip(),
                  "rolled back by restoring the backup")]
        if r is not None:
            crows.append(("passed", "restore", f"{r.restored_from.name}: verified against "
                          f"its SHA-256; {counted(now, 'record')} in HMSync's tables"))
        cdf = pd.DataFrame(crows, columns=["Result", "Check", "Detail"])
        self.checks_model.set_frame(cdf, icons={"Result": np.array(
            [icon("warning")] + [icon("pass")] * (len(cdf) - 1), dtype=object)},
            bad={"Result": (cdf["Result"] != "passed").to_numpy()})
        fit_columns(self.checks, self.checks.fontMetrics().horizontalAdvance("x" * 56))
        fit_height(self.checks)
        self._enable()

    def _show_blanked(self, res):
        blanked = remedies.blanked_values(res.validation.problems) if res.committed else []
        df = pd.DataFrame([(b.table, b.target_field, b.value, b.file, b.line, b.legacy_id)
                           for b in blanked],
                          columns=["HMSync table", "Field left empty", "Legacy value", "File",
                                   "Line", "Legacy id"])
        df["Line"] = df["Line"].astype("int64")
        self.blanked_model.set_frame(df)
        fit_columns(self.blanked)
        fit_height(self.blanked, max_rows=12)
        self.blanked_box.setVisible(bool(blanked))

    def _show_cells(self, cells: dict):
        """Per legacy column: its non-empty cells and where each went; the kinds no column
        has (filtered, outside the pilot, blanked) are left out."""
        every = [(t, c) for t in cells.get("tables", []) for c in t.get("columns", [])]
        kinds = [(k, h) for k, h in CELL_KINDS
                 if k in ("non_empty", "imported", "rejected", "duplicates", "left_behind",
                          "not_accounted") or any(c.get(k) for _, c in every)]
        rows, icons = [], []
        for t, c in every:
            goes = ", ".join(c.get("fields") or []) if c.get("role") == "field" else \
                INSIDE_LEFT if c.get("inside") and c.get("role") == "left_behind" else \
                CELL_ROLES.get(c.get("role"), c.get("role") or "")
            ok = bool(c.get("balances"))
            rows.append([t["source"], c["column"], goes] + [int(c.get(k, 0)) for k, _ in kinds]
                        + ["balances" if ok else "cells lost"])
            icons.append(icon("pass" if ok else "fail"))
        df = pd.DataFrame(rows, columns=["Legacy table", "Column", "Goes to"] +
                          [h for _, h in kinds] + ["Result"])
        for _, h in kinds:
            df[h] = df[h].astype("int64")
        self.cells_model.set_frame(df, icons={"Result": np.array(icons, dtype=object)},
                                   bad={"Result": (df["Result"] != "balances").to_numpy()})
        fit_columns(self.cells)
        fit_height(self.cells)
        fit_width(self.cells)

    def _enable(self):
        r = self.session.run_result
        self.save.setEnabled(self.session.run_report is not None and not self.busy)
        self.signoff.setEnabled(self.save.isEnabled())
        self.restore.setEnabled(bool(r is not None and r.committed and self.session.backup and
                                     not self.session.restored and not self.busy))
        self.completeChanged.emit()

    # --- report ------------------------------------------------------------------------------
    def save_report(self, path: Path) -> Path:
        rep = self.session.run_report
        suffix = path.suffix.lower()
        if suffix == ".pdf":
            return write_pdf(rep, path)
        if suffix == ".json":
            return write_json(rep, path)
        return write_html(rep, path)

    def _save(self):
        p, flt = dialogs.save_file(self, "Save the migration report",
                                   settings.last_folder("report") + "/migration-report.html",
                                   REPORT_FILTER)
        if not p:
            return
        if p.suffix.lower() not in (".html", ".htm", ".pdf", ".json"):
            p = p.with_suffix(".pdf" if "PDF" in flt else ".json" if "JSON" in flt else ".html")
        try:
            self.session.check_outputs(Outputs(document=p))
            self.save_report(p)
        except Exception as e:  # noqa: BLE001
            dialogs.show_exception(self, e, "saving the report")
            return
        settings.remember_folder("report", p)
        dialogs.info(self, f"The report was saved to {p}.")

    def _save_signoff(self):
        from ...pdf import write_signoff
        p, flt = dialogs.save_file(self, "Save the sign-off report",
                                   settings.last_folder("report") + "/migration-signoff.pdf",
                                   SIGNOFF_FILTER)
        if not p:
            return
        if p.suffix.lower() not in (".html", ".htm", ".pdf"):
            p = p.with_suffix(".html" if "Web" in flt else ".pdf")
        try:
            self.session.check_outputs(Outputs(signoff=p))
            write_signoff(self.session.run_report, p)
        except Exception as e:  # noqa: BLE001
            dialogs.show_exception(self, e, "saving the sign-off report")
            return
        settings.remember_folder("report", p)
        dialogs.info(self, f"The sign-off report was saved to {p}.")

    # --- restore ------------------------------------------------------------------------------
    def restore_backup(self):
        session = self.session
        b = session.backup
        if b is None or self.busy:
            return
        imported = sum(t["imported"] for t in (session.run_report or {}).get("tables", {}).values())
        if not dialogs.confirm(
                self, "Restore the backup?",
                f"The database goes back to exactly how it was at {b.created}: the "
                f"{counted(imported, 'record')} of this import "
                f"{plural(imported, 'is', 'are')} removed, together with "
                "anything else written to it since. The current state is backed up first.",
                yes="Restore the backup", no="Keep the import", danger=True):
            return
        def done(r):
            session.apply_restore(r)
            self.progress.finish()
            self._show()
            safety = f" The state before the restore was saved to {r.safety_backup.path}." \
                if r.safety_backup else ""
            dialogs.info(self, "The backup was restored and verified." + safety)

        def failed(e):
            self.progress.finish()
            self._enable()
            dialogs.show_exception(self, e, "the restore")

        self.progress.start("Restoring the backup and checking it…", busy=True)
        self.run_task(lambda progress, cancel: session.restore_backup(),
                      "restore", on_finished=done, on_failed=failed, writes=True)
        self._enable()
