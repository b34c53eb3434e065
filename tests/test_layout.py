"""A person's delimiter and header row, where the detection is wrong: exports with a title
block above their column names, a delimiter the sniffer misreads. Chosen on the command
line, in the profile or in the wizard (kept in the project); records keep their physical
line numbers."""
import subprocess
import sys

import pytest

from wizard.core.mapping import Profile, ProfileError
from wizard.core.readers import LINE, SourceError, open_source
from wizard.core.readers.layout import Layout
from wizard.core.session import MigrationSession

TITLED = ("Clinic register export\nPrinted 2024-01-05\n\n"
          "id;name;gender;phone\n"
          "1;Asha Rao;F;+91 98111 11111\n"
          "2;Ravi Kumar;M;+91 98222 22222\n")


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def test_a_title_above_the_column_names_is_skipped_when_told(tmp_path):
    f = tmp_path / "patients.csv"
    f.write_text(TITLED, encoding="utf-8")
    detected = open_source(f)[0]
    assert detected.columns == ["Clinic register export"]  # what the detection makes of it
    t = open_source(f, layout=lambda sheet: Layout(header_row=4))[0]
    assert t.columns == ["id", "name", "gender", "phone"] and t.delimiter == ";"
    chunk = next(t.iter_chunks())
    assert chunk["name"].tolist() == ["Asha Rao", "Ravi Kumar"]
    assert chunk[LINE].tolist() == [5, 6]  # the file's own lines, for every message


def test_a_chosen_delimiter_overrules_the_detected_one(tmp_path):
    f = tmp_path / "visits.txt"
    f.write_text("id|note\n1|fever, cough; rest\n2|check-up, fine\n", encoding="utf-8")
    t = open_source(f, layout=lambda sheet: Layout(delimiter="|"))[0]
    assert t.columns == ["id", "note"]
    assert next(t.iter_chunks())["note"].tolist() == ["fever, cough; rest", "check-up, fine"]


def test_a_sheets_header_row_is_chosen_per_sheet(tmp_path):
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "Patients"
    for row in (["Hospital report"], [], ["PAT_NO", "NAME"], ["P1", "Asha"], ["P2", "Ravi"]):
        ws.append(row)
    wb.save(tmp_path / "book.xlsx")
    t = open_source(tmp_path / "book.xlsx",
                    layout=lambda sheet: Layout(header_row=3) if sheet == "Patients" else None)[0]
    assert t.columns == ["PAT_NO", "NAME"]
    chunk = next(t.iter_chunks())
    assert chunk["NAME"].tolist() == ["Asha", "Ravi"] and chunk[LINE].tolist() == [4, 5]
    with pytest.raises(Exception, match="row 2, chosen as the column names, is empty"):
        open_source(tmp_path / "book.xlsx", layout=lambda sheet: Layout(header_row=2))


def test_the_profile_says_the_layout_and_refuses_a_wrong_one():
    p = Profile.from_dict({"tables": {"a.csv": {"target": "patients", "delimiter": "tab",
                                                "header_row": 3, "fields": {}}}}, "p")
    assert p.tables[0].layout == Layout("\t", 3)
    assert p.tables[0].to_dict()["delimiter"] == "tab"
    for bad, said in (({"delimiter": "xx"}, "delimiter 'xx'"),
                      ({"header_row": -1}, "out of range"),
                      ({"header_row": "three"}, "must be a line number")):
        with pytest.raises(ProfileError, match=said):
            Profile.from_dict({"tables": {"a.csv": {"target": "patients", "fields": {},
                                                    **bad}}}, "p")


def test_the_operators_layout_is_kept_in_the_project_and_the_profile(tmp_path):
    f = tmp_path / "patients.csv"
    f.write_text(TITLED, encoding="utf-8")
    s = MigrationSession()
    s.add_sources([f])
    s.choose_layout("patients.csv", Layout(header_row=4))
    s.open_sources([])
    assert s.tables[0].columns == ["id", "name", "gender", "phone"]
    s.suggest_profile()
    assert s.table_map("patients.csv").header_row == 4  # the profile reads it alike
    path = s.save_project(tmp_path / "m.hmsync-migration")
    back = MigrationSession.load_project(path)
    assert back.layouts.of(f) == Layout(header_row=4)


def test_the_command_line_takes_a_header_row_and_names_a_wrong_one(tmp_path):
    f = tmp_path / "patients.csv"
    f.write_text(TITLED, encoding="utf-8")
    rc, out = cli("inspect", f, "--header-row", "patients.csv=4")
    assert rc == 0 and "column names on line 4" in out and "id, name, gender, phone" in out
    rc, out = cli("inspect", f, "--header-row", "patients.csv=x")
    assert rc == 2 and "--header-row patients.csv=x" in out
    rc, out = cli("inspect", f, "--delimiter", "4")
    assert rc == 2 and "expected TABLE=VALUE" in out


def test_a_title_block_is_pointed_out_never_applied(tmp_path):
    f = tmp_path / "patients.csv"
    f.write_text(TITLED, encoding="utf-8")
    (tmp_path / "names.csv").write_text("name\nAsha Rao\nRavi Kumar\n", encoding="utf-8")
    rc, out = cli("inspect", f, tmp_path / "names.csv")
    assert rc == 0 and "the column names may be on line 4" in out
    assert "try --header-row patients.csv=4" in out
    assert out.count("may be on line") == 1  # a real one-column file is left alone
    s = MigrationSession()
    s.add_sources([tmp_path])
    s.open_sources([])
    assert s.tables[1].columns == ["Clinic register export"]  # read as detected
    assert any("patients.csv was read as one column" in w and "line 4" in w
               for w in s.table_warnings())


HEADERLESS = "Lisa\tJones\t01201982\t1\nMark\tSmith\t03041975\t2\nAnn\tLee\t12121990\t1\n"


def test_a_file_with_no_column_names_is_read_from_its_first_line_when_told(tmp_path):
    """A legacy dump with no line of column names (a dental app's seed TSV): header_row 0
    reads its first line as a record, columns column_1..N, lines as in the file; a
    profile and the command line say so; a sheet is refused the choice, named."""
    f = tmp_path / "patients.tsv"
    f.write_text(HEADERLESS, encoding="utf-8")
    t = open_source(f, layout=lambda sheet: Layout(header_row=0))[0]
    assert t.columns == ["column_1", "column_2", "column_3", "column_4"]
    chunk = next(t.iter_chunks())
    assert chunk["column_1"].tolist() == ["Lisa", "Mark", "Ann"]
    assert chunk[LINE].tolist() == [1, 2, 3]
    assert t.estimate_rows() == 3
    p = Profile.from_dict({"tables": {"patients.tsv": {
        "target": "patients", "header_row": 0,
        "fields": {"fullName": {"columns": ["column_1", "column_2"],
                                "steps": [{"concat": " "}]}}}}})
    assert p.table_for("patients.tsv").to_dict()["header_row"] == 0
    rc, out = cli("inspect", f, "--header-row", "patients.tsv=0")
    assert rc == 0 and "no column names" in out and "column_1, column_2" in out


def test_column_names_that_look_like_values_are_pointed_out_never_applied(tmp_path):
    f = tmp_path / "patients.tsv"
    f.write_text(HEADERLESS, encoding="utf-8")
    (tmp_path / "visits.csv").write_text("visit_id,patient,date\n1,Lisa,2024-01-02\n",
                                         encoding="utf-8")
    rc, out = cli("inspect", f, tmp_path / "visits.csv")
    assert rc == 0 and "try --header-row patients.tsv=0" in out
    assert out.count("may have no line of column names") == 1  # visits.csv is left alone
    s = MigrationSession()
    s.add_sources([tmp_path])
    s.open_sources([])
    assert s.tables[0].columns[0] == "Lisa"  # read as detected
    assert any("patients.tsv's column names look like values" in w
               for w in s.table_warnings())


def test_no_column_names_counts_the_widest_record_and_refuses_a_sep_line(tmp_path):
    f = tmp_path / "ragged.csv"
    f.write_text("1,Anna\n2,Jan,K,extra\n3,Bo,N\n", encoding="utf-8")
    t = open_source(f, layout=lambda sheet: Layout(header_row=0))[0]
    assert t.columns == ["column_1", "column_2", "column_3", "column_4"]
    g = tmp_path / "sep.csv"
    g.write_text("sep=;\n1;Anna;K\n2;Jan;N\n", encoding="utf-8")
    with pytest.raises(SourceError, match="'sep=' line"):
        open_source(g, layout=lambda sheet: Layout(header_row=0))


def test_years_as_column_names_are_no_sign_of_a_file_without_them(tmp_path):
    from wizard.core.readers.layout import headerless_hint
    f = tmp_path / "counts.csv"
    f.write_text("id,name,2023,2024\n1,A,5,6\n2,B,7,8\n", encoding="utf-8")
    assert headerless_hint(open_source(f)[0]) is None
