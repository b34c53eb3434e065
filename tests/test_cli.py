"""hmsync-migrate as consultants script it: commands, flags, exit codes, report fields."""
import csv
import json
import sqlite3
import subprocess
import sys

import pytest

from conftest import MINI_CLEAN, MINI_ERRORS
from wizard.cli import main


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def test_version_and_help():
    rc, out = cli("--version")
    assert rc == 0 and "hmsync-migrate" in out


def test_the_version_is_the_installed_packages():
    """The package states its version itself (no metadata lookup at start): the same as
    pyproject.toml's and the installed metadata's."""
    import importlib.metadata
    import tomllib
    from pathlib import Path
    import wizard
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == wizard.__version__
    assert importlib.metadata.version("hmsync-migration-wizard") == wizard.__version__
    rc, out = cli("--version")
    assert out.strip().endswith(wizard.__version__)


def test_the_program_ends_with_its_exit_code_and_all_its_output(mini_export, tmp_path):
    """The program skips Python's clean-up at exit: what it printed into a pipe (block
    buffered, as when a script captures it) still arrives whole, and the exit code is
    main's."""
    import os
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    code = "import sys; sys.argv[1:] = sys.argv[2:]; from wizard.cli import run_program; " \
           "run_program()"
    for args, rc_want in ((["inspect", mini_export / "patients.csv", "--no-sample"], 0),
                          (["inspect", tmp_path / "missing.csv"], 2)):
        p = subprocess.run([sys.executable, "-c", code, "x", *map(str, args)],
                           capture_output=True, text=True, timeout=300, env=env)
        assert p.returncode == rc_want, p.stderr
        if rc_want == 0:
            assert "12 records" in p.stdout and p.stdout.endswith("on line(s) 13\n")
        else:
            assert "missing.csv" in p.stderr and not p.stdout
        # started with its output closed (a scheduler's job): the same exit code, quietly
        closed = subprocess.run([sys.executable, "-c", code, "x", *map(str, args)],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=300, env=env, preexec_fn=lambda: os.close(1))
        assert closed.returncode == rc_want and "Traceback" not in closed.stderr


def test_inspect_prints_format_and_columns(mini_export):
    rc, out = cli("inspect", mini_export / "patients.csv", "--no-sample")
    assert rc == 0
    assert "format csv, encoding utf-8, delimiter ','" in out and "12 records" in out
    assert "registrationDate" in out and "Ravi" not in out


@pytest.mark.parametrize("name,content,needle", [
    ("empty.csv", b"", "empty"),
    ("binary.csv", b"\x00\x01\x02\x03binary\x00", "binary"),
    ("notes.docx", b"PK\x03\x04", "unknown format"),
    ("cut.json", b'[{"a": 1}, {"a":', "cut off"),
])
def test_bad_files_exit_2_with_one_clear_line(tmp_path, name, content, needle):
    p = tmp_path / name
    p.write_bytes(content)
    rc, out = cli("inspect", p)
    assert rc == 2
    assert name in out and needle in out.lower()


def test_suggest_then_validate_exit_codes_and_issues_file(mini_export, tmp_path):
    prof = tmp_path / "profile.yaml"
    rc, out = cli("suggest", mini_export, "-o", prof, "--source-system", "hcp")
    assert rc == 0 and prof.exists()
    issues = tmp_path / "issues.csv"
    rejected = tmp_path / "quarantine"
    rc, out = cli("validate", mini_export, "--profile", prof, "--issues", issues,
                  "--rejected", rejected)
    assert rc == 1
    with open(issues, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert set(rows[0]) >= {"file", "line", "table", "legacy_id", "field", "value", "rule",
                            "severity", "message"}
    errs = {(r["file"], int(r["line"])) for r in rows if r["severity"] == "error"}
    assert errs == set(MINI_ERRORS)
    # a negative fee is a number, not a formula; text starting with '=' would be neutralised
    fee = next(r for r in rows if r["rule"] == "visits.consultationFee.range")
    assert fee["value"] == "-500"
    # quarantined records keep their original columns, then their line and why
    with open(rejected / "visits.rejected.csv", newline="", encoding="utf-8-sig") as f:
        q = list(csv.reader(f))
    assert q[0] == ["visitId", "patientId", "doctorId", "visitDate", "consultationFee",
                    "diagnosis", "notes", "hmsync_rejected_line", "hmsync_rejected_reason"]
    assert {r[0] for r in q[1:]} == {"V3", "V4", "V5", "V6", "V7", "V8"}


def test_validate_exit_0_on_clean_data(tmp_path):
    d = tmp_path / "clean"
    d.mkdir()
    (d / "doctors.csv").write_text("doctorId,fullName\nD1,Dr. A\n")
    rc, out = cli("validate", d)
    assert rc == 0 and "0 errors" in out


def test_formulas_neutralised_in_issues(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    (d / "patients.csv").write_text(
        'patientId,name,phone,gender,age\n1,=HYPERLINK("http://x"),+919800000001,M,=1+1\n')
    issues = tmp_path / "i.csv"
    rc, out = cli("validate", d, "--issues", issues, "--accept-suggestions")
    assert rc == 1, out
    text = issues.read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and "\n=" not in text and ",=" not in text


def test_bad_profile_exit_2(mini_export, tmp_path):
    prof = tmp_path / "p.yaml"
    prof.write_text("tables:\n  patients.csv:\n    target: patients\n    fields:\n"
                    "      age: {column: AGE_NOT_THERE}\n")
    rc, out = cli("validate", mini_export, "--profile", prof)
    assert rc == 2 and "AGE_NOT_THERE" in out
    prof.write_text("tables: [unclosed\n")
    rc, out = cli("validate", mini_export, "--profile", prof)
    assert rc == 2 and "p.yaml" in out and "line" in out


def test_run_report_contract_and_idempotence(mini_export, tmp_path):
    db = tmp_path / "t.db"
    assert cli("init-db", db)[0] == 0
    assert cli("init-db", db)[0] == 2  # never overwrites
    report = tmp_path / "r.json"
    rc, out = cli("run", mini_export, "--target", db, "--report", report)
    assert rc == 1  # records were left out by errors
    rep = json.loads(report.read_text())
    for t, n in MINI_CLEAN.items():
        s = rep["tables"][t]
        assert set(s) >= {"source_rows", "imported", "duplicates", "rejected"}
        assert s["imported"] == n
    assert all({"name", "passed"} <= set(c) for c in rep["checks"])
    assert rep["passed"] is True and rep["backup_path"].endswith(".db")
    assert (tmp_path / "r.html").read_text().count("PASS") > 3
    rc, out = cli("run", mini_export, "--target", db, "--report", tmp_path / "r2.json")
    rep2 = json.loads((tmp_path / "r2.json").read_text())
    assert all(s["imported"] == 0 for s in rep2["tables"].values())
    assert rep2["tables"]["visits"]["duplicates"] == MINI_CLEAN["visits"]
    rc, out = cli("verify", db)
    assert rc == 0 and "PASS" in out


def test_run_exit_0_when_everything_imports(tmp_path):
    d = tmp_path / "clean"
    d.mkdir()
    (d / "doctors.csv").write_text("doctorId,fullName\nD1,Dr. A\n")
    db = tmp_path / "t.db"
    cli("init-db", db)
    rc, out = cli("run", d, "--target", db, "--no-backup")
    assert rc == 0 and "--no-backup" in out and "committed" in out


def test_run_dry_run_and_missing_target(mini_export, tmp_path):
    db = tmp_path / "t.db"
    cli("init-db", db)
    rc, out = cli("run", mini_export, "--target", db, "--dry-run")
    assert "dry-run" in out
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM patients").fetchone()[0] == 0
    con.close()
    rc, out = cli("run", mini_export, "--target", tmp_path / "nope.db")
    assert rc == 2 and "does not exist" in out
    rc, out = cli("run", mini_export, "--target", tmp_path)
    assert rc == 2 and "is a folder" in out


def test_output_paths_that_cannot_be_written_are_refused_before_anything_runs(
        mini_export, tmp_path):
    """A report, problem list or rejected folder that could not be written would fail only
    after the commit: refused first, with the path named, and the target untouched."""
    db = tmp_path / "t.db"
    cli("init-db", db)
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("x")
    for extra, words in [(["--issues", tmp_path], "is a folder"),
                         (["--report", tmp_path], "is a folder"),
                         (["--rejected", a_file], "is a file"),
                         (["--report", a_file / "r.json"], "cannot be written")]:
        rc, out = cli("run", mini_export, "--target", db, *extra)
        assert rc == 2 and words in out and str(extra[1]) in out, (extra, out)
        if extra[0] != "--report":  # validate writes these too
            rc, out = cli("validate", mini_export, *extra)
            assert rc == 2 and words in out, (extra, out)
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM migration_runs").fetchone()[0] == 0
    con.close()
    assert not list(tmp_path.glob("backup-*.db"))
    # folders on the way are made
    rc, out = cli("run", mini_export, "--target", db, "--report", tmp_path / "new" / "r.json",
                  "--rejected", tmp_path / "new" / "rejected")
    assert rc in (0, 1) and (tmp_path / "new" / "r.json").is_file()
    assert (tmp_path / "new" / "rejected").is_dir()


def test_verify_refuses_what_is_not_an_hmsync_database(tmp_path):
    """A missing file, a folder, a file that is not SQLite, another program's database:
    exit 2 and the reason, not two PASS lines (nor 'unexpected OperationalError')."""
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE a (b)").connection.commit()
    for path, words in [(tmp_path / "nope.db", "does not exist"), (tmp_path, "is a folder"),
                        (junk, "not a readable SQLite database"),
                        (other, "not an HMSync database")]:
        rc, out = cli("verify", path)
        assert rc == 2 and words in out and "PASS" not in out, (path, out)
    db = tmp_path / "t.db"
    cli("init-db", db)
    rc, out = cli("verify", db)
    assert rc == 0 and "PASS  integrity_check" in out
    # no run kept its cells, and verify reads no legacy file: it says so
    assert "cells: not accounted here: verify reads no legacy file" in out


def test_backup_and_restore_commands(mini_export, tmp_path):
    db = tmp_path / "t.db"
    cli("init-db", db)
    rc, out = cli("backup", db, "--dir", tmp_path / "b")
    assert rc == 0 and "sha256" in out
    backup = next((tmp_path / "b").glob("backup-*.db"))
    cli("run", mini_export, "--target", db, "--no-backup")
    rc, out = cli("restore", backup, "--target", db, "--dir", tmp_path / "b")
    assert rc == 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM patients").fetchone()[0] == 0
    con.close()
    rc, out = cli("restore", tmp_path / "nope.db", "--target", db)
    assert rc == 2 and "refusing" in out


def test_unexpected_errors_are_logged_without_traceback(monkeypatch, capsys, tmp_path):
    from wizard import cli as cli_mod
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(tmp_path))

    def boom(args):
        raise RuntimeError("patient Ravi Kumar +919811111111")
    monkeypatch.setattr(cli_mod, "cmd_verify", boom)
    parser = cli_mod.build_parser
    monkeypatch.setattr(cli_mod, "build_parser", lambda: _with(parser(), "verify", boom))
    rc = main(["verify", str(tmp_path / "x.db")])
    out = capsys.readouterr()
    assert rc == 2 and "RuntimeError" in out.err and "Traceback" not in out.err
    log = (tmp_path / "wizard.log").read_text()
    assert "RuntimeError" in log and "Ravi" not in log and "9811111111" not in log


def _with(parser, command, fn):
    sub = next(a for a in parser._actions if a.dest == "command")
    sub.choices[command].set_defaults(fn=fn)
    return parser


def test_a_file_the_profile_maps_that_cannot_be_read_stops_validate_and_run(mini_export,
                                                                            tmp_path):
    """A folder's unreadable files are skipped (a manifest is no table), but one the profile
    maps would leave its records out of a run that passes: both commands stop, file and
    line named, and the target is not touched."""
    prof = tmp_path / "profile.yaml"
    assert cli("suggest", mini_export, "-o", prof)[0] == 0
    (mini_export / "patients.csv").write_bytes(b"")  # emptied: no longer a table
    rc, out = cli("validate", mini_export, "--profile", prof)
    assert rc == 2 and "error: patients.csv: the file is empty (the profile maps this file" \
        in out
    target = tmp_path / "t.db"
    assert cli("init-db", target)[0] == 0
    before = target.read_bytes()
    rc, out = cli("run", mini_export, "--target", target, "--profile", prof,
                  "--backup-dir", tmp_path)
    assert rc == 2 and "the profile maps this file" in out and "committed" not in out
    assert target.read_bytes() == before


def test_the_html_report_carries_the_runs_notes():
    """The page handed to the clinic says what the run noted: columns not imported, files
    left out, mapped files missing (they were in the JSON report only)."""
    from wizard.core.report import report_html
    page = report_html({"passed": True, "notes": [
        "patients.csv: 1 column(s) not mapped to any HMSync field, so their values are not "
        "imported: insurance<No>"], "unmapped_sources": ["extra.csv"]})
    assert "<h2>Notes</h2>" in page and "imported: insurance&lt;No&gt;</li>" in page
    assert "<li>extra.csv is not mapped by the profile and was left out</li>" in page
    assert "<h2>Notes</h2>" not in report_html({"passed": True, "notes": []})


def test_every_command_has_a_description_examples_and_exit_codes():
    from wizard.cli import COMMAND_PARSERS, build_parser
    build_parser()
    assert len(COMMAND_PARSERS) == 12  # ... signoff and profile-help among them
    for name, p in COMMAND_PARSERS.items():
        text = p.format_help()
        assert p.description and "examples:" in text and "exit codes:" in text, name
        assert f"hmsync-migrate {name} " in text, name
        for action in p._actions:  # every option and positional says what it is for
            assert action.help, (name, action.dest)


def test_an_unknown_option_is_named_with_the_commands_usage(tmp_path):
    rc, out = cli("inspect", "--rowz", tmp_path)
    assert rc == 2
    assert "usage: hmsync-migrate inspect" in out and "--rowz" in out


def test_inspect_names_the_whole_path_and_the_damaged_records(tmp_path):
    rc, out = cli("inspect", tmp_path / "nowhere" / "file.csv")
    assert rc == 2 and str(tmp_path / "nowhere" / "file.csv") in out
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("id,name,age\n1,a,3\n2,b\n3,c,4,5\n", encoding="utf-8")
    rc, out = cli("inspect", ragged, "--no-sample")
    assert rc == 0
    assert "2 damaged record(s)" in out and "line(s) 3, 4" in out


def test_suggest_warns_about_what_a_run_would_refuse(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "doctors.csv").write_text("doctorId,specialty\nD1,ENT\n", encoding="utf-8")
    rc, out = cli("suggest", export, "-o", tmp_path / "p.yaml")
    assert rc == 0
    assert "warning: doctors.csv: required HMSync field doctors.fullName is not mapped" in out
    # and says how to fill it
    assert "doctors.fullName is not mapped (map a column to it, or give every record one " \
        "value, a value they all share: value: in the profile)" in out


def test_unsure_suggestions_stop_validate_and_run_until_accepted(tmp_path):
    """The review gate: a suggestion under 90% is never applied unasked. `suggest` marks
    and lists it; validate and run (with the profile, or with none) refuse it, each choice
    named, unless --accept-suggestions takes it, which the run's notes then say."""
    export = tmp_path / "clinic"
    export.mkdir()
    (export / "patients.csv").write_text(
        "PAT_NO,PAT_FNAME,PAT_SURNAME,MOB,SEX,DOB\n1,Ravi,Kumar,9811111111,M,1980-02-03\n",
        encoding="utf-8")
    profile = tmp_path / "p.yaml"
    rc, out = cli("suggest", export, "-o", profile)
    assert rc == 0 and "review: patients.csv: patients.age from DOB" in out
    assert "review: true" in profile.read_text(encoding="utf-8")
    db = tmp_path / "t.db"
    assert cli("init-db", db)[0] == 0
    for args in (["validate", export, "--profile", profile],
                 ["run", export, "--target", db, "--profile", profile, "--no-backup"],
                 ["run", export, "--target", db, "--no-backup"]):
        rc, out = cli(*args)
        assert rc == 2, out
        assert "suggested choice(s) nobody has confirmed" in out
        assert "patients.age from DOB" in out and "--accept-suggestions" in out
    report = tmp_path / "r.json"
    rc, out = cli("run", export, "--target", db, "--profile", profile, "--no-backup",
                  "--accept-suggestions", "--report", report)
    assert rc == 0, out
    notes = json.loads(report.read_text(encoding="utf-8"))["notes"]
    assert any(n.startswith("accepted without review (--accept-suggestions): patients.csv: "
                            "patients.age from DOB") for n in notes), notes
    # confirmed by a person (review: true taken out): applied without the flag
    profile.write_text(profile.read_text(encoding="utf-8").replace(", review: true", "")
                       .replace("review: true", ""), encoding="utf-8")
    rc, out = cli("validate", export, "--profile", profile)
    assert rc in (0, 1), out


def test_quarantine_files_are_one_per_legacy_table():
    """Every sheet of legacy.xlsx became legacy.rejected.csv, and patients.csv and
    patients.json would have shared one: only the last table's rejected records survived."""
    from wizard.core.report import quarantine_names
    names = quarantine_names(["legacy.xlsx#Patients", "legacy.xlsx#Visits", "patients.csv",
                              "patients.json", "Patients.CSV", "export.json#patients"])
    assert names == {"legacy.xlsx#Patients": "legacy-Patients.rejected.csv",
                     "legacy.xlsx#Visits": "legacy-Visits.rejected.csv",
                     "patients.csv": "patients.rejected.csv",
                     "patients.json": "patients.json.rejected.csv",
                     "Patients.CSV": "Patients.CSV.rejected.csv",
                     "export.json#patients": "export-patients.rejected.csv"}
    assert len({n.lower() for n in names.values()}) == len(names)


def test_rejected_records_of_every_sheet_are_kept(tmp_path):
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "patients"
    sheet.append(["patientId", "fullName", "phone", "gender", "age"])
    sheet.append(["1", "Asha Rao", "+919811111111", "F", "30"])
    sheet.append(["2", "", "+919822222222", "M", "40"])           # no name: rejected
    doctors = book.create_sheet("doctors")
    doctors.append(["doctorId", "fullName", "specialty"])
    doctors.append(["D1", "", "ENT"])                             # no name: rejected
    export = tmp_path / "export"
    export.mkdir()
    book.save(export / "legacy.xlsx")
    rc, out = cli("validate", export, "--rejected", tmp_path / "q", "--accept-suggestions")
    assert rc == 1, out
    files = sorted(p.name for p in (tmp_path / "q").iterdir())
    assert files == ["legacy-doctors.rejected.csv", "legacy-patients.rejected.csv"], out
    assert "(2 files)" in out


def test_the_review_gate_holds_when_the_profile_names_its_files_by_a_pattern(tmp_path):
    """A profile whose table source is a pattern (visits_*.csv) or another file's stem
    still has its unconfirmed choices stop the run (the gate compared names and let
    them through)."""
    export = tmp_path / "export"
    export.mkdir()
    (export / "visits_2023.csv").write_text(
        "visitId,patientId,doctorId,visitDate\nv1,p1,d1,2023-01-02\n", encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text(
        "tables:\n  visits_*.csv:\n    target: visits\n    legacy_id: visitId\n    fields:\n"
        "      patientId: {column: patientId}\n      doctorId: {column: doctorId}\n"
        "      visitDate: {column: visitDate, confidence: 0.6, review: true}\n",
        encoding="utf-8")
    rc, out = cli("validate", export, "--profile", profile)
    assert rc == 2 and "visits_*.csv: visits.visitDate from visitDate" in out, out


@pytest.mark.parametrize("change, needle", [
    ({"version": "x"}, "version must be a whole number"),
    ({"sources": "C:/export"}, "sources must be a list of paths"),
    ({"target": 5}, "target must be a path"),
])
def test_a_project_file_of_the_wrong_shape_is_refused_in_words(tmp_path, change, needle):
    from wizard.core.errors import ProjectError
    from wizard.core.session import PROJECT_FORMAT, MigrationSession
    p = tmp_path / "m.hmsync-migration"
    p.write_text(json.dumps({"format": PROJECT_FORMAT, "version": 1, **change}),
                 encoding="utf-8")
    with pytest.raises(ProjectError, match=needle):
        MigrationSession.load_project(p)
