"""A profile's row filters (where:) and computed fields (expr:): what they keep and make,
how they are counted, and that a hostile profile can do nothing else."""
import json
import sqlite3

import pytest

from wizard.cli import main
from wizard.core import expr as E
from wizard.core.engine import Migration
from wizard.core.errors import ProfileError
from wizard.core.expr import Expression
from wizard.core.mapping import Profile
from wizard.core.readers import open_sources
from wizard.core.schema import init_db

PATIENTS = [
    "ID,FIRST,LAST,BIRTHDATE,DEATHDATE,PHONE,GENDER,KIND",
    "P1,Alfred550,Smith12,1950-03-01,1965-02-28,+919811111111,M,real",   # line 2: died at 14
    "P2,Maria7,Lopez,1980-06-15,,+919822222222,F,real",                  # line 3
    "P3,Test,Patient,2000-01-01,,+919833333333,M,test",                  # line 4: filtered
    "P4,Ravi,Kumar,not a date,,+919844444444,M,real",                    # line 5: bad date
    "P5,Demo,Only,1990-01-01,,+919855555555,F,TEST",                     # line 6: filtered
]


def _profile(where="lower(KIND) <> 'test'", age="age_at(BIRTHDATE, DEATHDATE)") -> dict:
    return {"name": "t", "source_system": "t", "tables": {"patients.csv": {
        "target": "patients", "legacy_id": "ID", "where": where,
        "fields": {
            "fullName": {"expr": "regexp_replace(FIRST, '[0-9]+$', '') || ' ' || "
                                 "regexp_replace(LAST, '[0-9]+$', '')"},
            "phone": "PHONE",
            "gender": "GENDER",
            "age": {"expr": age},
        }}}}


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "patients.csv").write_text("\n".join(PATIENTS) + "\n", encoding="utf-8")
    return folder


def _migration(folder, target, d):
    tables, _ = open_sources([folder])
    return Migration(tables, Profile.from_dict(d), target)


def test_where_drops_rows_counts_them_and_the_reconciliation_balances(export, tmp_path):
    target = tmp_path / "t.db"
    init_db(target)
    res = _migration(export, target, _profile()).run(no_backup=True)
    s = res.validation.stats["patients"]
    assert (s.source_rows, s.filtered) == (5, 2)
    assert s.source_rows == s.valid + s.duplicates + s.rejected + s.filtered
    assert s.where == {"patients.csv": "lower(KIND) <> 'test'"}
    recon = next(c for c in res.verification.checks if c.name == "reconciliation: patients")
    assert recon.passed and "filtered 2" in recon.detail and "where lower(KIND)" in recon.detail
    assert res.verification.tables["patients"]["filtered"] == 2
    con = sqlite3.connect(target)
    rows = con.execute('SELECT "fullName", age FROM patients ORDER BY "fullName"').fetchall()
    con.close()
    # the digits stripped; the deceased patient's age at death, not today
    assert ("Alfred Smith", 14) in rows and ("Maria Lopez", rows[1][1]) in rows
    assert "Test Patient" not in {r[0] for r in rows} and len(rows) == 2


def test_a_value_an_expression_cannot_read_fails_that_record_naming_file_line_and_field(
        export, tmp_path):
    init_db(tmp_path / "t.db")
    res = _migration(export, tmp_path / "t.db", _profile()).validate()
    p = res.problems
    bad = p[p["rule"] == "patients.age.format"]
    assert list(bad["file"]) == ["patients.csv"] and list(bad["line"]) == [5]
    assert list(bad["target_field"]) == ["age"] and list(bad["field"]) == ["BIRTHDATE+DEATHDATE"]
    assert res.stats["patients"].rejected == 1 and res.stats["patients"].valid == 2
    assert any("age: some records failed its expression (age_at: not a date" in n
               for n in res.notes)


def test_report_and_cli_write_the_filter_and_its_count(export, tmp_path, capsys):
    prof = tmp_path / "p.json"
    prof.write_text(json.dumps(_profile()), encoding="utf-8")
    target = tmp_path / "t.db"
    init_db(target)
    rc = main(["run", str(export), "--target", str(target), "--profile", str(prof),
               "--no-backup", "--report", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert rc == 1  # the record with no date is rejected
    assert "filtered" in out and "patients.csv filtered by: where lower(KIND) <> 'test'" in out
    rep = json.loads((tmp_path / "r.json").read_text())
    t = rep["tables"]["patients"]
    assert t["filtered"] == 2 and t["where"] == {"patients.csv": "lower(KIND) <> 'test'"}
    assert t["source_rows"] == t["imported"] + t["duplicates"] + t["rejected"] + t["filtered"]


@pytest.mark.parametrize("where, problem", [
    ("lower(KIND <> 'test'", "cannot be read"),
    ("uper(KIND) = 'X'", "did you mean 'upper'"),
    ("(SELECT 1 FROM sqlite_master)", "not allowed"),
])
def test_a_bad_filter_is_refused_when_the_profile_loads_naming_the_table(where, problem):
    with pytest.raises(ProfileError) as e:
        Profile.from_dict(_profile(where=where))
    assert "table 'patients.csv': where" in str(e.value) and problem in str(e.value)


def test_a_filter_that_fails_on_a_record_stops_the_run_naming_file_and_line(export, tmp_path):
    init_db(tmp_path / "t.db")
    m = _migration(export, tmp_path / "t.db", _profile(where="to_date(BIRTHDATE) > '1960'"))
    with pytest.raises(ProfileError) as e:
        m.validate()
    assert "patients.csv, line 5: where" in str(e.value) and "not a date" in str(e.value)


def test_a_filter_that_keeps_nothing_imports_nothing_and_still_balances(export, tmp_path):
    target = tmp_path / "t.db"
    init_db(target)
    res = _migration(export, target, _profile(where="0")).run(no_backup=True)
    s = res.validation.stats["patients"]
    assert (s.source_rows, s.filtered, s.valid) == (5, 5, 0) and res.passed


def test_check_profile_names_columns_an_expression_or_filter_reads_that_are_absent(export):
    from wizard.core.mapping import check_profile
    from wizard.core.schema import known_tables
    d = _profile(where="STATUS = 'x'")
    d["tables"]["patients.csv"]["fields"]["age"] = {"expr": "age_at(BORN)"}
    tables, _ = open_sources([export])
    probs = check_profile(Profile.from_dict(d), tables, known_tables())
    assert "patients.csv: where: reads column 'STATUS', which the file does not have" in probs
    assert "patients.csv: field 'age' reads column 'BORN', which the file does not have" in probs


def test_a_profile_with_expressions_saves_and_loads_as_it_was(tmp_path):
    p = Profile.from_dict(_lookup_profile())
    path = tmp_path / "p.yaml"
    p.save(path)
    again = Profile.load(path)
    assert again.tables[1].fields["amount"].lookup == p.tables[1].fields["amount"].lookup
    assert again.tables[1].fields["amount"].columns == ["Id"]
    tm = again.tables[0]
    assert tm.where == "lower(KIND) <> 'test'"
    assert tm.fields["age"].expr == "age_at(BIRTHDATE, DEATHDATE)"
    assert tm.fields["age"].columns == ["BIRTHDATE", "DEATHDATE"]
    assert {"KIND", "FIRST", "LAST"} <= tm.read_columns()


# --- the functions ---------------------------------------------------------------------
@pytest.mark.parametrize("text, cols, want", [
    ("regexp_replace(A, '[0-9]+$', '')", {"A": ["Alfred550"]}, "Alfred"),
    ("regexp_replace(A, '(\\w+) (\\w+)', '$2, $1')", {"A": ["Ada Lovelace"]}, "Lovelace, Ada"),
    ("regexp_extract(A, '^([A-Z]+)-', 1)", {"A": ["LAB-12"]}, "LAB"),
    ("A REGEXP '^[0-9]+-[0-9]$'", {"A": ["2345-7"]}, 1),
    ("split_part(A, ' ', -1)", {"A": ["a b c"]}, "c"),
    ("split_part(A, ' ', 2)", {"A": ["a b c"]}, "b"),
    ("title(lower(A))", {"A": ["ADA LOVELACE"]}, "Ada Lovelace"),
    ("upper(trim(A))", {"A": ["  x "]}, "X"),
    ("number(A) * 2", {"A": ["1,234.5"]}, 2469.0),
    ("number(A)", {"A": ["12,5"]}, 12.5),
    ("number(A) > 100", {"A": ["150"]}, 1),
    ("age_at(A, B)", {"A": ["2000-02-29"], "B": ["2018-02-28"]}, 17),
    ("days_between(A, B)", {"A": ["2024-01-01"], "B": ["01/03/2024"]}, 60),
    ("to_date(A)", {"A": ["31.12.1999"]}, "1999-12-31"),
    ("coalesce(A, B)", {"A": [None], "B": ["b"]}, "b"),
    ("first_non_empty(A, B)", {"A": ["  "], "B": ["b"]}, "b"),
    ("CASE WHEN number(A) < 18 THEN 'child' ELSE 'adult' END", {"A": ["12"]}, "child"),
    ("iif(A IS NULL, 'alive', 'deceased')", {"A": [None]}, "alive"),
    ("\"Last Name\" || ', ' || A", {"A": ["Ada"], "Last Name": ["L"]}, "L, Ada"),
])
def test_functions(text, cols, want):
    e = Expression(text, "x")
    assert set(e.columns) == set(cols)
    values, problems = e.evaluate(cols, 1)
    assert values == [want] and problems == [None]


# --- a hostile profile -----------------------------------------------------------------
@pytest.mark.parametrize("text, problem", [
    ("readfile('/etc/passwd')", "no function 'readfile'"),
    ("load_extension('/tmp/evil.so')", "'load_extension' is not allowed"),
    ("(SELECT sql FROM sqlite_master)", "'sqlite_master' is not allowed"),
    ("A) FROM t; ATTACH DATABASE '/tmp/x.db' AS x", "no ';'"),
    ("A) FROM t ORDER BY 1 --", "no comments"),
    ("A) FROM t /* */", "no comments"),
    ("(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c)",
     "not allowed"),
    ("zeroblob(1000000000)", "'zeroblob' is not allowed"),
    ("randomblob(1000000000)", "'randomblob' is not allowed"),
    ("regexp_replace(A, '(a+)+$', '')", "repeats a repeat"),
    ("regexp_replace(A, '(a)\\1', '')", "refers back"),
    ("sqlite_version()", "not allowed"),
])
def test_a_hostile_expression_is_refused_when_the_profile_loads(text, problem):
    with pytest.raises(ProfileError) as e:
        Expression(text, "table 'a.csv', field 'b': expr")
    assert problem in str(e.value) and "table 'a.csv', field 'b'" in str(e.value)


def test_attach_and_pragma_are_refused_even_where_sqlite_would_parse_them():
    box = E._Sandbox()
    for sql in ("ATTACH DATABASE '/tmp/x.db' AS x", "PRAGMA writable_schema = 1",
                "SELECT load_extension('x')"):
        with pytest.raises(sqlite3.DatabaseError):
            box.run(sql)
    box.con.close()


def test_an_expression_that_runs_long_is_stopped_by_the_step_cap(monkeypatch):
    # a long but harmless expression; with the cap lowered it is over it
    text = " || ".join(["replace(replace(replace(A, 'a', 'bb'), 'b', 'cc'), 'c', 'dd')"] * 30)
    e = Expression(text, "table 'a.csv', field 'b': expr")
    monkeypatch.setattr(E, "STEPS_PER_ROW", 0)
    monkeypatch.setattr(E, "STEPS_BASE", 1)
    with pytest.raises(ProfileError) as err:
        e.evaluate({"A": ["a" * 200] * 2000}, 2000)
    assert "takes too long" in str(err.value)


def test_an_expression_cannot_make_a_value_larger_than_the_limit():
    with pytest.raises(ProfileError) as err:
        Expression("printf('%.*c', 900000, 'x') || printf('%.*c', 900000, 'x')", "x")
    assert "too big" in str(err.value)
    e = Expression("printf('%.*c', 900000, 'x') || A", "x")
    with pytest.raises(ProfileError) as err:
        e.evaluate({"A": ["y" * 200_000]}, 1)
    assert "too big" in str(err.value)


def test_filters_and_expressions_work_in_the_helper_process_too(export, tmp_path, monkeypatch):
    monkeypatch.setenv("HMSYNC_WIZARD_PARALLEL", "1")
    target = tmp_path / "t.db"
    init_db(target)
    m = _migration(export, target, _profile())
    res = m.run(no_backup=True)
    assert m.waited_for_helper is not None  # (prepared in the helper process)
    s = res.validation.stats["patients"]
    assert (s.source_rows, s.filtered, s.valid, s.rejected) == (5, 2, 2, 1)


# --- lookups ---------------------------------------------------------------------------
CLAIMS = ["Id,PATIENTID,SERVICEDATE", "C1,P1,2021-01-05", "C2,P2,2021-02-05",
          "C3,P2,2021-03-05"]
TRANSACTIONS = ["ID,CLAIMID,TYPE,AMOUNT", "T1,C1,CHARGE,100.50", "T2,C1,CHARGE,20",
                "T3,C1,PAYMENT,120.50", "T4,C2,CHARGE,75", "T5,C2,PAYMENT,oops"]


def _lookup_export(folder, transactions=TRANSACTIONS):
    (folder / "claims.csv").write_text("\n".join(CLAIMS) + "\n", encoding="utf-8")
    (folder / "claims_transactions.csv").write_text("\n".join(transactions) + "\n",
                                                    encoding="utf-8")


def _lookup_profile(aggregate="sum", column="AMOUNT", where="TYPE = 'CHARGE'"):
    d = _profile()
    lk = {"table": "claims_transactions.csv", "key": "CLAIMID", "by": "Id",
          "aggregate": aggregate, "where": where}
    if column:
        lk["column"] = column
    d["tables"]["claims.csv"] = {
        "target": "bills", "legacy_id": "Id",
        "fields": {"patientId": "PATIENTID", "billDate": "SERVICEDATE",
                   "amount": {"lookup": lk}}}
    return d


def _amounts(target):
    con = sqlite3.connect(target)
    try:
        return dict(con.execute(
            'SELECT l."legacyId", b.amount FROM bills b JOIN migration_legacy_ids l ON '
            'l."hmsyncId" = b.id').fetchall())
    finally:
        con.close()


def test_a_bill_amount_is_the_sum_of_its_claims_charge_rows(export, tmp_path):
    _lookup_export(export)
    target = tmp_path / "t.db"
    init_db(target)
    res = _migration(export, target, _lookup_profile()).run(no_backup=True)
    assert res.validation.stats["bills"].valid == 3
    # the payment row (not a number) is outside the lookup's where: never read as a sum
    assert _amounts(target) == {"C1": 120.5, "C2": 75.0, "C3": None}


@pytest.mark.parametrize("aggregate, column, want", [
    ("count", None, {"C1": 2, "C2": 1, "C3": 0}),
    ("max", "AMOUNT", {"C1": 100.5, "C2": 75.0, "C3": None}),
    ("min", "AMOUNT", {"C1": 20.0, "C2": 75.0, "C3": None}),
    ("first", "AMOUNT", {"C1": 100.5, "C2": 75.0, "C3": None}),
])
def test_lookup_aggregates(export, tmp_path, aggregate, column, want):
    _lookup_export(export)
    target = tmp_path / "t.db"
    init_db(target)
    _migration(export, target, _lookup_profile(aggregate, column)).run(no_backup=True)
    assert _amounts(target) == want


def test_a_sum_over_a_value_that_is_no_number_names_file_line_and_column(export, tmp_path):
    _lookup_export(export)
    init_db(tmp_path / "t.db")
    m = _migration(export, tmp_path / "t.db", _lookup_profile(where=None))
    with pytest.raises(ProfileError) as e:
        m.validate()
    assert "claims_transactions.csv, line 6, column 'AMOUNT': not a number" in str(e.value)


def test_a_lookup_is_indexed_on_disk_and_read_in_chunks(export, tmp_path, monkeypatch):
    """The looked-up table goes through the reader chunk by chunk into a file, never
    whole into memory."""
    rows = ["ID,CLAIMID,TYPE,AMOUNT"] + [f"T{i},C{i % 3 + 1},CHARGE,1" for i in range(5000)]
    _lookup_export(export, rows)
    init_db(tmp_path / "t.db")
    m = _migration(export, tmp_path / "t.db", _lookup_profile())
    m.chunk_rows = 700
    sizes = []
    from wizard.core.readers import SourceTable
    real = SourceTable.iter_chunks

    def spy(self, chunk_rows=None):
        for c in real(self, chunk_rows):
            if self.name == "claims_transactions.csv":
                sizes.append(len(c))
            yield c
    monkeypatch.setattr(SourceTable, "iter_chunks", spy)
    m.run(no_backup=True)
    assert max(sizes) <= 700 and sum(sizes) == 5000
    lk = m.profile.tables[1].fields["amount"].lookup
    assert lk.index and lk.index.endswith(".sqlite")
    assert _amounts(tmp_path / "t.db") == {"C1": 1667.0, "C2": 1667.0, "C3": 1666.0}
    folder = m._lookups.folder
    del m
    import gc
    gc.collect()
    assert not folder.exists()  # the index goes with the migration


@pytest.mark.parametrize("lookup, problem", [
    ({"table": "x.csv", "key": "K", "by": "Id", "column": "V", "aggregate": "avg"},
     "aggregate 'avg' is not one of sum, count, min, max, first"),
    ({"table": "x.csv", "key": "K", "by": "Id", "colum": "V"}, "did you mean 'column'"),
    ({"table": "x.csv", "key": "K", "by": "Id", "aggregate": "sum"}, "give the 'column'"),
    ({"table": "x.csv", "by": "Id", "column": "V"}, "give 'key'"),
])
def test_a_bad_lookup_is_refused_when_the_profile_loads(lookup, problem):
    d = _profile()
    d["tables"]["patients.csv"]["fields"]["address"] = {"lookup": lookup}
    with pytest.raises(ProfileError) as e:
        Profile.from_dict(d)
    assert problem in str(e.value) and "field 'address'" in str(e.value)


# --- rule names and switches -----------------------------------------------------------
@pytest.mark.parametrize("text, problem", [
    ("rules:\n  patients.age.range: off\n", "YAML read an unquoted off/no as false (did you "
     "mean 'off'? write it in quotes"),
    ("rules:\n  patients.age.range: warnig\n", "not 'warnig' (did you mean 'warning'?)"),
    ("rules:\n  patient.age.range: warning\n", "no HMSync table 'patient' (did you mean "
     "'patients.age.range'?)"),
    ("rules:\n  patients.age.rnage: warning\n", "no such rule (did you mean "
     "'patients.age.range'?)"),
    ("rules:\n  '*.*.futur': warning\n", "the pattern matches no rule"),
    ("tables:\n  p.csv:\n    target: patients\n    review: 'yes'\n    fields: {}\n",
     "review: is true or false, not 'yes' (did you mean true?)"),
    ("tables:\n  p.csv:\n    target: patients\n    fields:\n      registrationDate:\n"
     "        column: D\n        steps: [{date: {excel_serial: 'off'}}]\n",
     "excel_serial is true or false, not 'off' (did you mean false?)"),
])
def test_unknown_rules_and_switches_that_are_not_yes_or_no_are_refused_with_a_guess(
        tmp_path, text, problem):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as e:
        Profile.load(path)
    assert problem in str(e.value)


def test_a_rule_for_a_field_the_target_lacks_is_refused_before_anything_runs(export,
                                                                           tmp_path):
    d = _profile()
    d["rules"] = {"patients.agee.range": "warning", "patients.age.range": "off",
                  "*.*.future": "warning", "patients.id.duplicate": "error"}
    init_db(tmp_path / "t.db")
    with pytest.raises(ProfileError) as e:
        _migration(export, tmp_path / "t.db", d)
    assert "rule 'patients.agee.range': patients has no field 'agee' (did you mean " \
        "'patients.age.range'?)" in str(e.value)
    assert str(e.value).count("rule '") == 1  # the others are rules


# --- the reference ---------------------------------------------------------------------
def test_the_reference_file_is_what_the_code_makes():
    from pathlib import Path
    from wizard.core.reference import markdown
    doc = Path(__file__).resolve().parents[1] / "docs" / "profile-reference.md"
    assert doc.read_text(encoding="utf-8") == markdown(), \
        "docs/profile-reference.md is out of date: run scripts/profile_reference.py"


def test_the_reference_fails_when_code_and_words_disagree(monkeypatch):
    from wizard.core import reference as ref
    monkeypatch.setattr(ref, "_TABLE_KEYS", ref._TABLE_KEYS + ("partition",))
    with pytest.raises(ref.ReferenceGap, match="table keys: not described: partition"):
        ref.markdown()
    monkeypatch.undo()
    monkeypatch.setattr(ref, "ALLOWED", ref.ALLOWED | {"hex"})
    with pytest.raises(ref.ReferenceGap, match="allowed but not described: hex"):
        ref.markdown()
    monkeypatch.undo()
    monkeypatch.setitem(ref.STEPS, "round", ("x", "y"))
    with pytest.raises(ref.ReferenceGap, match="described but not read by the code: round"):
        ref.markdown()


def test_every_example_of_the_reference_is_one_the_code_accepts():
    import yaml
    from wizard.core import reference as ref
    from wizard.core import transforms as tf
    from wizard.core import rules as R
    from wizard.core.schema import known_tables
    secs = {t: entries for t, _, entries in ref.sections()}
    for e in secs["expressions"]:
        Expression(e.example, e.name)  # raises if it is not accepted
    for e in secs["steps"]:
        tf.parse_steps(yaml.safe_load(e.example)["steps"])
    tables = {t: list(tt.fields) for t, tt in known_tables().items()}
    for e in secs["rules"]:
        code = next(iter(yaml.safe_load(e.example)["rules"]))
        assert R.code_problem(code, tables, fields=True) is None, code
    for e in secs["fields"]:
        name, spec = next(iter(yaml.safe_load("{" + e.example + "}").items()))
        if isinstance(spec, dict) and set(spec) - {"confidence", "reason", "review"}:
            Profile.from_dict({"tables": {"x.csv": {"target": "patients",
                                                    "fields": {name: spec}}}})


def test_profile_help_prints_the_reference_a_topic_or_a_name(capsys):
    assert main(["profile-help"]) == 0
    from wizard.core.reference import markdown
    assert capsys.readouterr().out == markdown()
    assert main(["profile-help", "functions"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Expressions") and "age_at(birth[, at])" in out
    assert main(["profile-help", "aggregate"]) == 0
    assert "sum, count, min, max, first" in capsys.readouterr().out
    assert main(["profile-help", "fucntions"]) == 2
    assert "did you mean 'functions'?" in capsys.readouterr().err


def test_a_table_only_a_lookup_reads_is_said_so_not_left_out(export, tmp_path):
    _lookup_export(export)
    d = _lookup_profile()
    init_db(tmp_path / "t.db")
    res = _migration(export, tmp_path / "t.db", d).validate()
    assert "claims_transactions.csv" not in res.unmapped_sources
    assert "claims_transactions.csv: not imported itself, read by the lookup of " \
        "bills.amount" in res.notes


def test_the_example_profile_for_a_synthea_export_loads():
    from pathlib import Path
    p = Profile.load(Path(__file__).resolve().parents[1] / "docs" / "examples" /
                     "synthea-profile.yaml")
    obs = p.table_for("observations.csv")
    assert obs.where == "CATEGORY = 'laboratory'"
    assert p.table_for("claims.csv").fields["amount"].lookup.aggregate == "first"


def test_the_sessions_editors_refuse_a_bad_filter_or_expression_and_change_nothing(export):
    from wizard.core.expr_preview import preview_expression, preview_filter
    from wizard.core.session import MigrationSession
    s = MigrationSession(source_system="t")
    s.profile = Profile.from_dict(_profile(where=None))
    tm = s.table_map("patients.csv")
    before = tm.fields["age"]
    with pytest.raises(ProfileError):
        s.set_table_where("patients.csv", "KIND = ")
    with pytest.raises(ProfileError):
        s.set_field_expr("patients.csv", "age", "age_at(BIRTHDATE")
    assert tm.where is None and tm.fields["age"] is before
    s.set_table_where("patients.csv", "KIND = 'real'")
    s.set_field_expr("patients.csv", "age", "days_between(BIRTHDATE, DEATHDATE)")
    assert tm.where == "KIND = 'real'" and tm.fields["age"].columns == ["BIRTHDATE",
                                                                       "DEATHDATE"]
    sample = open_sources([export])[0][0].iter_chunks(100).__next__()
    fp = preview_filter(sample, "KIND = 'real'", "patients.csv")
    assert (fp.kept, fp.total, fp.problem) == (3, 5, None)
    assert "no column 'STATUS'" in preview_filter(sample, "STATUS = 1", "patients.csv").problem
    ep = preview_expression(sample, "age_at(BIRTHDATE, DEATHDATE)", "patients.csv", "age")
    assert ep.lines == [2, 3, 4, 5, 6] and ep.values[0] == "14" and ep.failed == 1
    assert ep.problems[3].startswith("age_at: not a date") and ep.inputs[0] == \
        "1950-03-01 | 1965-02-28"


def test_the_mapping_document_shows_the_filter_the_expressions_and_the_lookups(export):
    from wizard.core.report import mapping_document
    _lookup_export(export)
    html = mapping_document(Profile.from_dict(_lookup_profile()), open_sources([export])[0])
    assert "Only the records where lower(KIND) &lt;&gt; &#x27;test&#x27; are migrated" in html
    assert "computed: age_at(BIRTHDATE, DEATHDATE)" in html
    assert "looked up: sum of claims_transactions.csv.AMOUNT where CLAIMID = Id and " \
        "TYPE = &#x27;CHARGE&#x27;" in html


def test_the_editors_previews_read_named_lookups_as_the_run_does(export):
    """A named lookup (its key an expression here) is a column of the record for the
    expression and filter previews too, its values looked up in the other table's sample;
    a lookup of a table the export lacks is named, not a missing column."""
    from wizard.core.expr_preview import LookupSources, preview_expression, preview_filter
    from wizard.core.readers import LINE
    _lookup_export(export)
    tables, _ = open_sources([export])
    d = _lookup_profile()
    d["tables"]["claims.csv"]["lookups"] = {"charged": {
        "table": "claims_transactions.csv", "key": "CLAIMID", "by": {"expr": "trim(Id)"},
        "column": "AMOUNT", "aggregate": "sum", "where": "TYPE = 'CHARGE'"}}
    tm = Profile.from_dict(d).table_for("claims.csv")
    samples = {t.name: t.sample(50) for t in tables}
    counts = {n: len(s) for n, s in samples.items()}
    sources = LookupSources(tm, tables, samples, counts)
    p = preview_expression(samples["claims.csv"], "coalesce(charged, 'none')", "claims.csv",
                           "amount", lookups=sources)
    assert p.problem is None and p.values == ["120.5", "75", "none"]
    assert p.lines == samples["claims.csv"][LINE].tolist() and not p.looked_up_in_part
    f = preview_filter(samples["claims.csv"], "charged <> ''", "claims.csv", lookups=sources)
    assert (f.kept, f.total) == (2, 3)
    # without the other table's sample: read in part, said so
    part = LookupSources(tm, tables, samples, {})
    assert preview_expression(samples["claims.csv"], "charged", "claims.csv", "amount",
                              lookups=part).looked_up_in_part == ["claims_transactions.csv"]
    tm.lookups["charged"].table = "nowhere.csv"
    assert "the export has no table 'nowhere.csv'" in preview_expression(
        samples["claims.csv"], "charged", "claims.csv", "amount", lookups=sources).problem
