"""Patient data stays where the operator put it: never in the log, the progress and
summary lines or the audit table (its stored profile aside), also when something
unexpected breaks; and every file that holds it is created owner-only (0600)."""
from __future__ import annotations

import csv
import os
import sqlite3
import stat

import pytest

from wizard.core import prepare
from wizard.core.readers import csv_text
from wizard.core.schema import init_db

from .helpers import assert_intact, cli

# recognisable values that appear nowhere in the wizard's code, headers or messages
FIRST = ["Zebediah", "Quintessa", "Ottoline"]
LAST = ["Xylophant", "Vorkosigan", "Marchbanks"]
PHONES = ["+91 98765 43210", "09812 345678", "+919834567812"]
PHONE_DIGITS = ["9876543210", "98765 43210", "9812345678", "9834567812"]
ADDRESS = "77 Quokka Crescent, Ward 9"
NOTES = ["HIV-POSITIVE-CONFIDENTIAL", "psych-eval-Marigold", "Pregnancy test: Wibblesworth"]
DIAGNOSIS = "Lymphoma-Quetzal"
SECRETS = FIRST + LAST + PHONE_DIGITS + [p.replace(" ", "") for p in PHONES] + \
    [ADDRESS, "Quokka"] + NOTES + [DIAGNOSIS]


def _export(folder):
    folder.mkdir()
    with open(folder / "patients.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["patientId", "firstName", "lastName", "phoneNumber", "age", "gender",
                    "address"])
        for i in range(3):
            w.writerow([f"P{i}", FIRST[i], LAST[i], PHONES[i], 30 + i, "F", ADDRESS])
        # defective records that carry the same data: problems and quarantine hold them
        w.writerow(["P9", FIRST[0], LAST[1], PHONES[0], "4O", "X", ADDRESS])
        w.writerow(["P8", "", LAST[2], "", "200", "F", NOTES[0]])
    with open(folder / "doctors.csv", "w", newline="", encoding="utf-8") as f:
        f.write("doctorId,fullName\nD1,Dr. Generic\n")
    with open(folder / "visits.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["visitId", "patientId", "doctorId", "visitDate", "consultationFee",
                    "diagnosis", "notes"])
        for i, note in enumerate(NOTES):
            w.writerow([f"V{i}", f"P{i}", "D1", "2022-03-01", "500", DIAGNOSIS, note])
        w.writerow(["V9", "P9", "D1", "2022-03-01", "-5", DIAGNOSIS, NOTES[1]])
    return folder


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s.lower() in text.lower()]


@pytest.fixture
def env(tmp_path, monkeypatch):
    logs = tmp_path / "logs"
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(logs))
    old = os.umask(0o022)  # a usual umask: 0600 must come from the wizard, not from here
    db = tmp_path / "target.db"
    init_db(db)
    yield {"export": _export(tmp_path / "export"), "db": db, "logs": logs, "tmp": tmp_path}
    os.umask(old)


def _log(env) -> str:
    p = env["logs"] / "wizard.log"
    return p.read_text(encoding="utf-8") if p.exists() else ""


def _audit_without_profile(db) -> str:
    con = sqlite3.connect(db)
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(migration_runs)")
                if r[1] != "profile"]
        rows = con.execute(f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} "
                           "FROM migration_runs").fetchall()
        return repr(rows)
    finally:
        con.close()


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_validate_and_run_never_print_log_or_audit_patient_data(env):
    t = env["tmp"]
    (t / "r.json").write_text("{}")  # an existing report file, world-readable: made private
    os.chmod(t / "r.json", 0o644)
    outputs = []
    for args in (
            ["validate", env["export"], "--issues", t / "issues.csv", "--rejected", t / "q1"],
            ["validate", env["export"], "--issues", t / "issues.xlsx", "--target", env["db"]],
            ["run", env["export"], "--target", env["db"], "--backup-dir", t / "backups",
             "--report", t / "r.json", "--issues", t / "run-issues.csv", "--rejected",
             t / "q2"],
            ["verify", env["db"], "--report", t / "verify.json"],
            ["backup", env["db"], "--dir", t / "backups"]):
        rc, out, err = cli(*args)
        assert rc in (0, 1), (args[0], err)
        outputs.append((args[0], out + err))
    for cmd, text in outputs:
        assert not _leaks(text), f"{cmd} printed patient data: {_leaks(text)}"
    assert not _leaks(_log(env)), _leaks(_log(env))
    assert "committed" in _audit_without_profile(env["db"])
    assert not _leaks(_audit_without_profile(env["db"])), _leaks(_audit_without_profile(
        env["db"]))
    # the files that do hold patient data are private
    private = [t / "issues.csv", t / "issues.xlsx", t / "r.json", t / "r.html",
               t / "run-issues.csv", t / "verify.json", *(t / "q1").iterdir(),
               *(t / "q2").iterdir(), *(t / "backups").iterdir()]
    # two backups, each with the record of its SHA-256 that a restore checks
    assert len(list((t / "backups").glob("backup-*.db"))) == 2
    assert len(list((t / "backups").glob("backup-*.db.sha256"))) == 2
    assert list((t / "q1").iterdir())
    quarantined = next((t / "q1").glob("patients*"))
    assert _leaks(quarantined.read_text(encoding="utf-8-sig"))  # they do hold it
    assert {str(p.relative_to(t)): oct(_mode(p)) for p in private} == \
        {str(p.relative_to(t)): oct(0o600) for p in private}
    if (env["logs"] / "wizard.log").exists():
        assert _mode(env["logs"] / "wizard.log") == 0o600


def test_restore_safety_backup_and_mapping_document_are_private(env):
    t = env["tmp"]
    rc, out, err = cli("suggest", env["export"], "-o", t / "profile.yaml")
    assert rc == 0, err
    rc, out, err = cli("mapping-doc", env["export"], "--profile", t / "profile.yaml", "-o",
                       t / "mapping.html")
    assert rc == 0 and not _leaks(out + err), err
    assert _mode(t / "mapping.html") == 0o600
    rc, out, err = cli("backup", env["db"], "--dir", t / "b")
    backup = next((t / "b").glob("backup-*.db"))
    rc, out, err = cli("run", env["export"], "--target", env["db"], "--no-backup")
    rc, out, err = cli("restore", backup, "--target", env["db"], "--dir", t / "safety")
    assert rc == 0, err
    (safety,) = list((t / "safety").glob("backup-*.db"))
    assert _mode(safety) == 0o600 and _mode(backup) == 0o600
    assert_intact(env["db"])


def _boom(secret_exc):
    def raiser(*a, **kw):
        raise secret_exc
    return raiser


SECRET_MESSAGE = f"cannot parse {FIRST[0]} {LAST[0]} {PHONES[0]} {NOTES[0]}"


@pytest.mark.parametrize("where,exc", [
    ("mapping", ValueError(SECRET_MESSAGE)),
    ("mapping", KeyError(f"{FIRST[1]} {LAST[1]}")),
    ("reader", UnicodeError(SECRET_MESSAGE)),
    ("reader", RuntimeError(SECRET_MESSAGE)),
])
@pytest.mark.parametrize("command", ["validate", "run"])
def test_unexpected_errors_keep_patient_data_out_of_screen_and_log(env, monkeypatch, where,
                                                                   exc, command):
    if where == "mapping":
        monkeypatch.setattr(prepare, "map_chunk", _boom(exc))
    else:
        monkeypatch.setattr(csv_text, "_csv_frame", _boom(exc))
    args = ["validate", env["export"]] if command == "validate" else \
        ["run", env["export"], "--target", env["db"], "--backup-dir", env["tmp"] / "b"]
    con = sqlite3.connect(env["db"])
    before = con.execute("SELECT count(*) FROM patients").fetchone()[0]
    con.close()
    rc, out, err = cli(*args)
    assert rc == 2, err
    assert "Traceback" not in out + err
    assert not _leaks(out + err), _leaks(out + err)
    log = _log(env)
    assert not _leaks(log), _leaks(log)
    if "unexpected" in err:
        assert type(exc).__name__ in log  # the log says what and where, without the data
    con = sqlite3.connect(env["db"])
    assert con.execute("SELECT count(*) FROM patients").fetchone()[0] == before
    con.close()
    if (env["logs"] / "wizard.log").exists():
        assert _mode(env["logs"] / "wizard.log") == 0o600
