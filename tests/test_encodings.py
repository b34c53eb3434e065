"""Issue 30 item 8: an 8-bit code page the bytes leave unsure is never applied silently.
The files are built here: Czech in cp1250 (which cp1252 also reads, as "Dvoøák"), Spanish
in cp1252 (which cp1250 also reads, as "Peńa"), Polish in cp1250 (which only cp1250 reads
as text), and UTF-8, which is never asked about."""
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wizard.core.readers import open_source
from wizard.core.readers.detect import detect_encoding_doubt

HEADER = "patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate"
CZECH = ["1,Antonín,Dvořák,+919811111111,40,M,Plzeň,2022-01-15",
         "2,Jiří,Novák,+919822222222,35,M,Brno,2022-02-01",
         "3,Tomáš,Řezníček,+919833333333,20,M,Ústí,2022-01-01"]
SPANISH = ["1,José,Peña,+919811111111,40,M,Logroño,2022-01-15",
           "2,Jürgen,Müller,+919822222222,35,M,Köln,2022-02-01"]
POLISH = ["1,Małgorzata,Kozłowska,+919811111111,40,F,Łódź,2022-01-15",
          "2,Paweł,Wójcik,+919822222222,35,M,Świętochłowice,2022-02-01"]
PROFILE = """\
name: t
source_system: t
tables:
  patients.csv:
    target: patients
    legacy_id: patientId
    fields:
      fullName: {columns: [firstName, lastName], steps: [{concat: ' '}]}
      phone: {column: phoneNumber}
      age: {column: age}
      gender: {column: gender}
      address: {column: address}
"""


def export(folder: Path, rows, encoding: str, name="patients.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding))
    return folder


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def names(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return sorted(r[0] for r in con.execute("SELECT fullName FROM patients"))
    finally:
        con.close()


def test_czech_cp1250_is_unsure_with_both_readings():
    head = ("\n".join([HEADER, *CZECH]) + "\n").encode("cp1250")
    enc, doubt = detect_encoding_doubt(Path("p.csv"), head)
    assert doubt is not None
    by = {c.encoding: c for c in doubt.candidates}
    assert {"cp1250", "cp1252"} <= set(by)
    assert "ř" in by["cp1250"].chars and "ø" in by["cp1252"].chars
    assert "Ř" in by["cp1250"].chars
    # the fragments are short (a character and its neighbours), each with its line
    assert all(len(s) <= 3 and line >= 2 for c in doubt.candidates for line, s in c.samples)
    # side by side: the same lines in each reading
    assert [n for n, _ in doubt.lines["cp1250"]] == [n for n, _ in doubt.lines["cp1252"]]
    assert any("Dvořák" in t for _, t in doubt.lines["cp1250"])


def test_spanish_cp1252_is_unsure_the_other_way():
    head = ("\n".join([HEADER, *SPANISH]) + "\n").encode("cp1252")
    _, doubt = detect_encoding_doubt(Path("p.csv"), head)
    by = {c.encoding: c for c in doubt.candidates}
    assert "ñ" in by["cp1252"].chars and "ń" in by["cp1250"].chars


def test_polish_cp1250_is_read_as_cp1250_not_as_cp1252():
    """Only cp1250 reads it as text ("Ma³gorzata" is no name): taken, not asked."""
    head = ("\n".join([HEADER, *POLISH]) + "\n").encode("cp1250")
    assert detect_encoding_doubt(Path("p.csv"), head) == ("cp1250", None)


@pytest.mark.parametrize("rows", [CZECH, SPANISH, POLISH])
def test_utf8_is_never_asked(tmp_path, rows):
    t = open_source(export(tmp_path, rows, "utf-8") / "patients.csv")[0]
    assert t.encoding == "utf-8" and t.encoding_source == "detected"
    assert not t.legacy_code_page


def test_validate_and_run_refuse_an_unsure_file_naming_the_candidates(tmp_path, empty_target):
    src = export(tmp_path / "ex", CZECH, "cp1250")
    prof = tmp_path / "p.yaml"
    prof.write_text(PROFILE)
    for cmd in (["validate", src, "--profile", prof],
                ["run", src, "--target", empty_target, "--profile", prof, "--no-backup"],
                ["suggest", src, "-o", tmp_path / "s.yaml"], ["inspect", src]):
        rc, out = cli(*cmd)
        assert rc == 2, (cmd, out)
        assert "the encoding is unsure" in out and "cp1250: " in out and "cp1252: " in out
        assert '"ořá"' in out and '"oøá"' in out
        assert "Dvořák" not in out and "Dvoøák" not in out  # fragments, not values
    assert names(empty_target) == []


@pytest.mark.parametrize("how", [["--encoding", "patients.csv=cp1250"],
                                 ["--encoding", "cp1250"], "profile"])
def test_the_chosen_encoding_is_used(tmp_path, empty_target, how):
    src = export(tmp_path / "ex", CZECH, "cp1250")
    prof = tmp_path / "p.yaml"
    prof.write_text(PROFILE.replace("    target: patients\n",
                                    "    target: patients\n    encoding: cp1250\n")
                    if how == "profile" else PROFILE)
    extra = [] if how == "profile" else how
    rc, out = cli("run", src, "--target", empty_target, "--profile", prof, "--no-backup",
                  *extra)
    assert rc == 0, out
    assert names(empty_target) == ["Antonín Dvořák", "Jiří Novák", "Tomáš Řezníček"]
    assert "patients.csv: read as cp1250, as chosen" in out


def test_a_wrong_choice_is_the_operators_and_said(tmp_path, empty_target):
    src = export(tmp_path / "ex", SPANISH, "cp1252")
    prof = tmp_path / "p.yaml"
    prof.write_text(PROFILE)
    rc, out = cli("run", src, "--target", empty_target, "--profile", prof, "--no-backup",
                  "--encoding", f"{src / 'patients.csv'}=cp1252")
    assert rc == 0, out
    assert names(empty_target) == ["José Peña", "Jürgen Müller"]


def test_a_clear_code_page_is_taken_and_said_in_the_notes(tmp_path, empty_target):
    src = export(tmp_path / "ex", POLISH, "cp1250")
    prof = tmp_path / "p.yaml"
    prof.write_text(PROFILE)
    rc, out = cli("run", src, "--target", empty_target, "--profile", prof, "--no-backup")
    assert rc == 0, out
    assert names(empty_target) == ["Małgorzata Kozłowska", "Paweł Wójcik"]
    assert "patients.csv: not UTF-8; read as cp1250" in out


def test_suggest_writes_the_chosen_encoding_into_the_profile(tmp_path):
    from wizard.core.mapping import Profile
    src = export(tmp_path / "ex", CZECH, "cp1250")
    rc, out = cli("suggest", src, "-o", tmp_path / "s.yaml", "--encoding",
                  "patients.csv=cp1250")
    assert rc == 0, out
    assert Profile.load(tmp_path / "s.yaml").tables[0].encoding == "cp1250"


def test_an_unknown_encoding_is_refused_naming_it(tmp_path):
    from wizard.core.mapping import Profile, ProfileError
    src = export(tmp_path / "ex", CZECH, "cp1250")
    rc, out = cli("inspect", src, "--encoding", "patients.csv=cp9999")
    assert rc == 2 and "'cp9999' is not an encoding" in out
    prof = tmp_path / "p.yaml"
    prof.write_text(PROFILE.replace("    target: patients\n",
                                    "    target: patients\n    encoding: latin-9x\n"))
    with pytest.raises(ProfileError, match="table 'patients.csv': encoding: 'latin-9x'"):
        Profile.load(prof)


def test_the_choice_is_kept_in_the_project(tmp_path):
    from wizard.core.session import MigrationSession
    src = export(tmp_path / "ex", CZECH, "cp1250")
    s = MigrationSession()
    s.open_sources([src])
    assert [t.encoding_source for t in s.tables] == ["unsure"]
    s.choose_encoding(src / "patients.csv", "cp1250")
    path = s.save_project(tmp_path / "m")
    again = MigrationSession.load_project(path)
    again.open_sources([])
    t = again.tables[0]
    assert (t.encoding, t.encoding_source) == ("cp1250", "chosen")
    assert again.unsure_encodings() == []


def test_the_mapping_document_reads_the_file_as_the_profile_says(tmp_path):
    """Its before -> after examples come from the data: an unsure file is refused there
    too, and read with the profile's encoding."""
    src = export(tmp_path / "ex", CZECH, "cp1250")
    prof = tmp_path / "p.yaml"
    prof.write_text(PROFILE)
    doc = tmp_path / "mapping.html"
    rc, out = cli("mapping-doc", src, "--profile", prof, "-o", doc)
    assert rc == 2 and "the encoding is unsure" in out and not doc.exists()
    prof.write_text(PROFILE.replace("    target: patients\n",
                                    "    target: patients\n    encoding: cp1250\n"))
    rc, out = cli("mapping-doc", src, "--profile", prof, "-o", doc)
    assert rc == 0, out
    html = doc.read_text(encoding="utf-8")
    assert "Dvořák" in html and "Dvoøák" not in html
