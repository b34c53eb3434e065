"""Helpers for the GUI tests: scripted dialog answers, a small dirty export with known
defects (synthetic names, no real patient data), database counts, page navigation."""
from __future__ import annotations

import csv
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path


class Answers:
    """Scripted answers to the wizard's dialogs; records what was shown."""

    def __init__(self):
        self.queue: dict[str, list] = {}
        self.shown: list[tuple[str, str, str]] = []

    def push(self, kind: str, answer):
        self.queue.setdefault(kind, []).append(answer)

    def __call__(self, kind, title, text, default):
        self.shown.append((kind, title, text))
        q = self.queue.get(kind)
        if q:
            return q.pop(0)
        if kind == "confirm":
            return True
        if kind == "save_discard_cancel":
            return "discard"
        return default

    def errors(self) -> list[str]:
        return [t for k, _, t in self.shown if k == "error"]


@dataclass
class DirtyExport:
    folder: Path
    rows: dict[str, int]
    rejected: dict[str, int]
    defects: dict[str, int] = field(default_factory=dict)   # rule code -> records
    names: list[str] = field(default_factory=list)          # patient names written


def write_dirty_export(folder: Path, patients: int = 120, visits: int = 400,
                       seed: int = 7) -> DirtyExport:
    """patients.csv, doctors.csv, visits.csv with defects at known places.

    Patients: every 50th (offset 7) has no phone (required), offset 13 an age of 200 (range),
    offset 21 a gender 'X' (enum). Visits: every 100th (offset 5) points at a patient that
    does not exist, offset 17 has a negative fee; visits of a rejected patient are rejected
    too (cascade)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = date(2022, 1, 1)
    bad_patients, defects = set(), {}

    def count(code):
        defects[code] = defects.get(code, 0) + 1

    names = []
    with open(folder / "patients.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["patientId", "firstName", "lastName", "phoneNumber", "age", "gender",
                    "address", "registrationDate"])
        for i in range(patients):
            pid = str(1000 + i)
            first, last = f"Testfirst{i:05d}", f"Testlast{i:05d}"
            names.append(first)
            phone = f"+9198{i:08d}"
            age = str(rng.randint(1, 90))
            gender = rng.choice(["M", "F", "male", "Female", "f"])
            k = i % 50
            if k == 7:
                phone = ""
                count("patients.phone.required")
                bad_patients.add(pid)
            elif k == 13:
                age = "200"
                count("patients.age.range")
                bad_patients.add(pid)
            elif k == 21:
                gender = "X"
                count("patients.gender.enum")
                bad_patients.add(pid)
            reg = (start + timedelta(days=rng.randint(0, 900))).isoformat()
            w.writerow([pid, first, last, phone, age, gender, f"{i} Test Street", reg])
    with open(folder / "doctors.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["doctorId", "fullName", "specialty", "licenseNumber", "phoneNumber",
                    "joinDate"])
        for d in range(1, 11):
            w.writerow([f"D{d}", f"Dr Testdoctor{d:02d}", "General Medicine", f"LIC{d:05d}",
                        f"+9197{d:08d}", "2019-01-15"])
    rejected_visits = 0
    with open(folder / "visits.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["visitId", "patientId", "doctorId", "visitDate", "consultationFee",
                    "diagnosis", "notes"])
        for j in range(visits):
            pid = str(1000 + rng.randrange(patients))
            fee = str(rng.choice([300, 400, 500, 750]))
            k = j % 100
            bad = False
            if k == 5:
                pid = "999999"
                count("visits.patientId.missing_parent")
                bad = True
            elif k == 17:
                fee = "-50"
                count("visits.consultationFee.range")
                bad = True
            if pid in bad_patients:
                count("visits.patientId.rejected_parent")
                bad = True
            rejected_visits += bad
            vdate = (start + timedelta(days=rng.randint(0, 900))).isoformat()
            w.writerow([f"V{j + 1}", pid, f"D{rng.randint(1, 10)}", vdate, fee, "Checkup",
                        "Follow-up visit"])
    return DirtyExport(folder, {"patients": patients, "doctors": 10, "visits": visits},
                       {"patients": len(bad_patients), "doctors": 0, "visits": rejected_visits},
                       defects, names)


def db_counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                           "AND name NOT LIKE 'sqlite_%'")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def wait_page(qtbot, wiz, pid, timeout=60_000):
    """Wait until page ``pid`` is current, idle and complete (Next/Finish enabled)."""
    page = wiz.page(pid)
    qtbot.waitUntil(lambda: wiz.currentId() == pid and not page.busy and page.isComplete(),
                    timeout=timeout)
    return page


def go_next(qtbot, wiz, pid_now, timeout=60_000):
    """Press Next on page ``pid_now`` once it is ready."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QWizard
    wait_page(qtbot, wiz, pid_now, timeout)
    qtbot.mouseClick(wiz.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wiz.currentId() != pid_now, timeout=timeout)


def to_import_page(qtbot, make_wizard, folder: Path, db: Path, system: str,
                   timeout: int = 120_000):
    """A wizard on ``folder`` and ``db`` walked to the Import page as an operator would:
    the suggested mapping, errors acknowledged, a backup made. (wizard, import page)"""
    from wizard.core.session import MigrationSession
    from wizard.gui.pages import PageId
    session = MigrationSession(source_system=system)
    session.source_paths = [folder]
    session.target = db.resolve()
    wiz = make_wizard(session)
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES, PageId.MAPPING):
        go_next(qtbot, wiz, pid)
    val = wiz.page(PageId.VALIDATION)
    qtbot.waitUntil(lambda: wiz.session.validation_current and not val.busy, timeout=timeout)
    val.ack.setChecked(True)
    go_next(qtbot, wiz, PageId.VALIDATION)
    wiz.page(PageId.BACKUP).back_up()
    go_next(qtbot, wiz, PageId.BACKUP)
    return wiz, wiz.page(PageId.IMPORT)
