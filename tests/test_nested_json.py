"""Nested JSON in a profile's expressions: a FHIR-like export whose references, names and
periods are objects and lists inside each record, read with a path after the column
(``subject.reference``) or SQLite's JSON functions, and nothing else allowed."""
import json
import sqlite3

import pytest

from wizard.core.engine import Migration
from wizard.core.errors import ProfileError
from wizard.core.expr import Expression, json_paths
from wizard.core.mapping import Profile
from wizard.core.readers import open_sources
from wizard.core.schema import init_db

PATIENTS = [
    {"resourceType": "Patient", "id": "pa", "name": [{"use": "official", "family": "Rossi",
                                                      "given": ["Anna"]}],
     "gender": "female", "birthDate": "1950-03-01", "deceasedDateTime": "1965-02-28",
     "telecom": [{"system": "phone", "value": "+919811111111"}]},
    {"resourceType": "Patient", "id": "pb", "name": [{"family": "Bose", "given": ["Ravi"]}],
     "gender": "male", "birthDate": "1980-06-15",
     "telecom": [{"system": "phone", "value": "+919822222222"}]},
    {"resourceType": "Patient", "id": "pc", "name": [{"family": "Test", "given": ["Demo"]}],
     "gender": "male", "birthDate": "2000-01-01", "meta": {"tag": [{"code": "test"}]},
     "telecom": [{"system": "phone", "value": "+919833333333"}]},
]
ENCOUNTERS = [
    {"id": "e1", "subject": {"reference": "Patient/pa"}, "period": {"start": "1960-01-02"},
     "participant": [{"individual": {"reference": "Practitioner/d1"}}]},
    {"id": "e2", "subject": {"reference": "Patient/pb"}, "period": {"start": "2020-05-06"},
     "participant": [{"individual": {"reference": "Practitioner/d1"}}]},
    {"id": "e3", "subject": {"reference": "Patient/pb"}, "period": {"start": "2021-07-08"},
     "participant": [{"individual": {"reference": "Practitioner/d1"}}]},
    # line 4: a subject that is not JSON: this record alone fails, named
    {"id": "e4", "subject": "Patient/pb", "period": {"start": "2022-01-01"},
     "participant": [{"individual": {"reference": "Practitioner/d1"}}]},
]


def _write(folder, name, records):
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in records),
                               encoding="utf-8")


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    _write(folder, "Patient.ndjson", PATIENTS)
    _write(folder, "Encounter.ndjson", ENCOUNTERS)
    _write(folder, "Practitioner.ndjson",
           [{"id": "d1", "name": [{"family": "House", "given": ["Greg"]}]}])
    return folder


def _profile() -> dict:
    return {"name": "fhir", "source_system": "fhir", "tables": {
        "Patient.ndjson": {
            "target": "patients", "legacy_id": "id",
            "where": "coalesce(meta.tag[0].code, '') <> 'test'",
            "leave_behind": ["resourceType"],
            "fields": {
                "fullName": {"expr": "name[0].given[0] || ' ' || name[0].family"},
                "lastName": {"expr": "json_extract(name, '$[0].family')"},
                "phone": {"expr": "telecom[0].value"},
                "gender": {"column": "gender", "steps": [{"map": {"male": "M",
                                                                  "female": "F"}}]},
                "age": {"expr": "age_at(birthDate, deceasedDateTime)"},
                # how many encounters refer to the patient: a lookup whose key is nested
                "address": {"lookup": {"table": "Encounter.ndjson",
                                       "key": {"expr": "split_part(subject.reference, '/', 2)"},
                                       "by": "id", "aggregate": "count"}},
            }},
        "Practitioner.ndjson": {
            "target": "doctors", "legacy_id": "id",
            "fields": {"fullName": {"expr": "name[0].given[0] || ' ' || name[0].family"}}},
        "Encounter.ndjson": {
            "target": "visits", "legacy_id": "id",
            "fields": {
                "patientId": {"expr": "split_part(subject.reference, '/', 2)"},
                "doctorId": {"expr": "split_part(participant[0].individual.reference, '/', 2)"},
                "visitDate": {"expr": "period ->> '$.start'"},
            }},
    }}


def _run(export, tmp_path, d=None):
    target = tmp_path / "t.db"
    init_db(target)
    tables, _ = open_sources([export])
    return target, Migration(tables, Profile.from_dict(d or _profile()), target).run(
        no_backup=True)


def test_paths_read_nested_objects_and_lists_of_a_fhir_export_end_to_end(export, tmp_path):
    _write(export, "Encounter.ndjson", ENCOUNTERS[:3])
    target, res = _run(export, tmp_path)
    s = res.validation.stats["patients"]
    assert (s.source_rows, s.valid, s.filtered) == (3, 2, 1)
    con = sqlite3.connect(target)
    pats = con.execute('SELECT "fullName", "lastName", phone, age, address FROM patients '
                       'ORDER BY "fullName"').fetchall()
    visits = con.execute('SELECT p."fullName", v."visitDate", d."fullName" FROM visits v '
                         'JOIN patients p ON p.id = v."patientId" '
                         'JOIN doctors d ON d.id = v."doctorId" ORDER BY v."visitDate"'
                         ).fetchall()
    con.close()
    # the age at death; the encounters counted by a key inside subject
    assert pats == [("Anna Rossi", "Rossi", "+919811111111", 14, "1"),
                    ("Ravi Bose", "Bose", "+919822222222", pats[1][3], "2")]
    assert [v[0] for v in visits] == ["Anna Rossi", "Ravi Bose", "Ravi Bose"]
    assert visits[0][1].startswith("1960-01-02") and visits[0][2] == "Greg House"
    recon = next(c for c in res.verification.checks if c.name == "reconciliation: patients")
    assert recon.passed and "filtered 1" in recon.detail


def test_a_cell_that_is_not_json_fails_its_record_alone_naming_file_line_and_field(
        export, tmp_path):
    d = _profile()
    del d["tables"]["Patient.ndjson"]["fields"]["address"]
    target, res = _run(export, tmp_path, d)
    p = res.validation.problems
    bad = p[p["rule"] == "visits.patientId.format"]
    assert list(bad["file"]) == ["Encounter.ndjson"] and list(bad["line"]) == [4]
    assert res.validation.stats["visits"].valid == 3
    assert any("not JSON" in n for n in res.validation.notes)


def test_a_lookup_key_that_cannot_be_read_stops_the_run_naming_file_and_line(export,
                                                                              tmp_path):
    with pytest.raises(ProfileError) as e:
        _run(export, tmp_path)
    assert "Encounter.ndjson, line 4: key" in str(e.value) and "not JSON" in str(e.value)


@pytest.mark.parametrize("text, sql", [
    ("subject.reference", """json_extract("subject", '$.reference')"""),
    ("name[0].given[-1]", """json_extract("name", '$[0].given[-1]')"""),
    ('"my col"."a key".x', """json_extract("my col", '$."a key".x')"""),
    ("number(X) > 1.5 AND 'a.b' = Y", "number(X) > 1.5 AND 'a.b' = Y"),
    ("upper(NAME)", "upper(NAME)"),
])
def test_a_path_after_a_column_is_json_extract_and_nothing_else_is(text, sql):
    assert json_paths(text) == sql


def test_json_values_come_out_as_sqlite_gives_them():
    ex = Expression("coalesce(telecom[1].value, telecom[0].value)", "t")
    cells = [json.dumps(r["telecom"]) for r in PATIENTS[:2]] + [None]
    values, problems = ex.evaluate({"telecom": cells}, 3)
    assert values == ["+919811111111", "+919822222222", None] and problems == [None] * 3
    values, _ = Expression("json_array_length(name)", "t").evaluate(
        {"name": ['[1, 2]', '[]']}, 2)
    assert values == [2, 0]


@pytest.mark.parametrize("text, problem", [
    ("json_set(X, '$.a', 1)", "not allowed"),
    ("json_group_array(X)", "not allowed"),
    ("(SELECT value FROM json_each(X))", "only column names"),
    ("json_extract(X, 'reference')", "JSON path 'reference' cannot be read"),
    ("readfile(X.path)", "no function 'readfile'"),
])
def test_only_the_json_functions_that_read_one_cell_are_allowed(text, problem):
    with pytest.raises(ProfileError) as e:
        Expression(text, "field 'x': expr")
    assert problem in str(e.value)


def test_named_lookups_are_columns_an_expression_computes_with(export, tmp_path):
    """A living patient's age at their last visit (dates are the latest by date, not by
    text: 08/07/2021 after 2020-05-06), the first visit as the registration date."""
    encounters = [dict(e) for e in ENCOUNTERS[:3]]
    encounters[2]["period"] = {"start": "08/07/2021"}
    _write(export, "Encounter.ndjson", encounters)
    d = _profile()
    pt = d["tables"]["Patient.ndjson"]
    visits = {"table": "Encounter.ndjson",
              "key": {"expr": "split_part(subject.reference, '/', 2)"},
              "by": "id", "column": {"expr": "period.start"}}
    pt["lookups"] = {"last_visit": dict(visits, aggregate="max"),
                     "first_visit": dict(visits, aggregate="min")}
    pt["fields"]["age"] = {"expr": "age_at(birthDate, coalesce(deceasedDateTime, last_visit))"}
    pt["fields"]["registrationDate"] = {"expr": "to_date(first_visit)"}
    d["tables"]["Encounter.ndjson"]["fields"]["visitDate"] = {"expr": "to_date(period.start)"}
    target, res = _run(export, tmp_path, d)
    con = sqlite3.connect(target)
    rows = con.execute('SELECT "fullName", age, "registrationDate" FROM patients '
                       'ORDER BY "fullName"').fetchall()
    con.close()
    assert rows == [("Anna Rossi", 14, "1960-01-02"), ("Ravi Bose", 41, "2020-05-06")]
    assert res.verification.passed
    saved = Profile.from_dict(d).to_dict()["tables"]["Patient.ndjson"]["lookups"]
    assert saved["last_visit"]["aggregate"] == "max"
    assert Profile.from_dict({"tables": {"Patient.ndjson": dict(
        Profile.from_dict(d).to_dict()["tables"]["Patient.ndjson"])}}).tables[0].lookups[
        "first_visit"].exprs == ("key", "column")


def test_a_max_over_dates_names_a_value_that_is_no_date(export, tmp_path):
    encounters = [dict(e) for e in ENCOUNTERS[:3]]
    encounters[1]["period"] = {"start": "soon"}
    _write(export, "Encounter.ndjson", encounters)
    d = _profile()
    d["tables"]["Patient.ndjson"]["lookups"] = {"last_visit": {
        "table": "Encounter.ndjson",
        "key": {"expr": "split_part(subject.reference, '/', 2)"},
        "by": "id", "column": {"expr": "period.start"}, "aggregate": "max"}}
    with pytest.raises(ProfileError) as e:
        _run(export, tmp_path, d)
    assert "Encounter.ndjson, line 2, column 'period.start': not a date" in str(e.value)


def test_join_gathers_an_encounters_conditions_in_file_order_each_once(export, tmp_path):
    """A lookup by an expression ('Encounter/' || id) into another table's nested key."""
    _write(export, "Encounter.ndjson", ENCOUNTERS[:3])

    def cond(enc, text):
        return {"encounter": {"reference": f"Encounter/{enc}"},
                "code": {"coding": [{"display": text}]}}
    _write(export, "Condition.ndjson", [cond("e2", "Asthma"), cond("e1", "Measles"),
                                        cond("e2", "Fever; high"), cond("e2", "Asthma")])
    d = _profile()
    d["tables"]["Encounter.ndjson"]["fields"]["diagnosis"] = {"lookup": {
        "table": "Condition.ndjson", "key": {"expr": "encounter.reference"},
        "by": {"expr": "'Encounter/' || id"}, "column": {"expr": "code.coding[0].display"},
        "aggregate": "join"}}
    target, res = _run(export, tmp_path, d)
    con = sqlite3.connect(target)
    rows = con.execute('SELECT diagnosis FROM visits ORDER BY "visitDate"').fetchall()
    con.close()
    assert rows == [("Measles",), ("Asthma; Fever; high",), (None,)]
    assert res.verification.passed


def test_named_lookups_and_paths_work_in_the_helper_process_too(export, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("HMSYNC_WIZARD_PARALLEL", "1")
    _write(export, "Encounter.ndjson", ENCOUNTERS[:3])
    d = _profile()
    d["tables"]["Patient.ndjson"]["lookups"] = {"last_visit": {
        "table": "Encounter.ndjson", "key": {"expr": "split_part(subject.reference, '/', 2)"},
        "by": "id", "column": {"expr": "period.start"}, "aggregate": "max"}}
    d["tables"]["Patient.ndjson"]["fields"]["age"] = {
        "expr": "age_at(birthDate, coalesce(deceasedDateTime, last_visit))"}
    target = tmp_path / "t.db"
    init_db(target)
    tables, _ = open_sources([export])
    m = Migration(tables, Profile.from_dict(d), target)
    res = m.run(no_backup=True)
    assert m.waited_for_helper is not None  # (prepared in the helper process)
    con = sqlite3.connect(target)
    ages = dict(con.execute('SELECT "fullName", age FROM patients').fetchall())
    con.close()
    assert ages == {"Anna Rossi": 14, "Ravi Bose": 41} and res.verification.passed


def test_mongodb_extended_json_is_read_as_the_values_it_wraps(tmp_path):
    """mongoexport writes ids as {"$oid": ...}, dates as {"$date": ISO} or, before 1970,
    {"$date": {"$numberLong": ms}}: the cells hold the id and the date, also inside nested
    lists, so an age or a reference needs no expression. Anything else stays JSON."""
    recs = [
        {"_id": {"$oid": "5f1a2b3c4d5e6f7a8b9c0d1e"},
         "birthDate": {"$date": "1980-05-02T22:00:00.000Z"},
         "visits": [{"on": {"$date": {"$numberLong": "1700000000000"}}}],
         "n": {"$numberInt": "7"}, "other": {"$date": "x", "extra": 1}},
        {"_id": {"$oid": "5f1a2b3c4d5e6f7a8b9c0d1f"},
         "birthDate": {"$date": {"$numberLong": "-8042400000"}},
         "visits": [], "n": {"$numberLong": "12"}, "other": {"$date": True}},
    ]
    (tmp_path / "patient.json").write_text(json.dumps(recs), encoding="utf-8")
    tables, errors = open_sources([tmp_path / "patient.json"])
    assert not errors
    frame = tables[0].sample(10)
    assert frame["_id"].tolist() == ["5f1a2b3c4d5e6f7a8b9c0d1e", "5f1a2b3c4d5e6f7a8b9c0d1f"]
    assert frame["birthDate"].tolist() == ["1980-05-02T22:00:00.000Z",
                                           "1969-09-29T22:00:00.000Z"]
    assert json.loads(frame["visits"][0]) == [{"on": "2023-11-14T22:13:20.000Z"}]
    assert frame["n"].tolist() == ["7", "12"]
    assert json.loads(frame["other"][0]) == {"$date": "x", "extra": 1}
    assert json.loads(frame["other"][1]) == {"$date": True}



def test_dynamodb_typed_values_are_read_as_the_values_they_type(tmp_path):
    """DynamoDB's JSON (its exports, a clinic app's seed files) writes every attribute with
    its type, {"S": "Alice"}, {"N": "42"}: the cells hold the values, in lists and maps
    too. Decided record by record: an ordinary record holding one object keyed L (a
    dental chart's left side) keeps its JSON."""
    recs = [
        {"id": {"S": "101"}, "firstName": {"S": "Alice"}, "age": {"N": "41"},
         "active": {"BOOL": True}, "middle": {"NULL": True},
         "tags": {"L": [{"S": "vip"}, {"N": "3"}]}, "contact": {"M": {"phone": {"S": "555"}}}},
        {"id": {"S": "102"}, "firstName": {"S": "Bob"}, "age": {"N": "37"},
         "active": {"BOOL": False}, "middle": {"S": "J"},
         "tags": {"L": []}, "contact": {"M": {}}},
    ]
    (tmp_path / "seed_patients.json").write_text(json.dumps(recs), encoding="utf-8")
    chart = [{"visit_id": "1", "notes": {"L": ["36 caries", "37 filling"]}},
             {"visit_id": "2", "notes": {"R": ["16 crown"]}}]
    (tmp_path / "charts.json").write_text(json.dumps(chart), encoding="utf-8")
    tables, errors = open_sources([tmp_path / "seed_patients.json", tmp_path / "charts.json"])
    assert not errors
    by = {t.name: t.sample(10) for t in tables}
    frame, charts = by["seed_patients.json"], by["charts.json"]
    assert frame["id"].tolist() == ["101", "102"]
    assert frame["firstName"].tolist() == ["Alice", "Bob"]
    assert frame["age"].tolist() == ["41", "37"]
    assert frame["active"].tolist() == ["true", "false"]
    assert frame["middle"].tolist() == ["", "J"]
    assert json.loads(frame["tags"][0]) == ["vip", "3"]
    assert json.loads(frame["contact"][0]) == {"phone": "555"}
    assert json.loads(charts["notes"][0]) == {"L": ["36 caries", "37 filling"]}


CLIENTS = [
    {"id": 1, "personalDetails": {"firstName": "Bwalya", "lastName": "Chisanga",
                                  "dateOfBirth": "1984-03-02", "gender": "female"},
     "contact": {"phone": "+260977123456", "email": "b@x.zm",
                 "address": {"street": "456 Independence Avenue", "city": "Lusaka"}},
     "emergencyContact": {"name": "Mutale Chisanga", "phone": "+260977000001"},
     "meta": {"lastUpdated": "2025-01-02"}},
    {"id": 2, "personalDetails": {"firstName": "Chanda", "lastName": "Banda",
                                  "dateOfBirth": "1990-07-15", "gender": "male"},
     "contact": {"phone": "+260966654321", "email": "c@x.zm",
                 "address": {"street": "23 Kafue Road", "city": "Kitwe"}},
     "emergencyContact": {"name": "Mwila Banda", "phone": "+260966000002"},
     "meta": {"lastUpdated": "2025-01-03"}},
]


def test_a_suggestion_reads_inside_nested_objects_and_the_run_imports_it(tmp_path):
    """A Zambian portal's clients hold their names and birth date in personalDetails and
    their phone and address in contact: the suggestion maps each field to a path inside
    (an expression the run evaluates); an emergency contact's name and phone, and FHIR's
    meta, are never the patient's."""
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    export = tmp_path / "export"
    export.mkdir()
    (export / "clients.json").write_text(json.dumps(CLIENTS), encoding="utf-8")
    tables, _ = open_sources([export])
    profile = suggest_profile(tables, known_tables())
    got = {f: fm.expr for f, fm in profile.table_for("clients.json").fields.items()}
    assert got["firstName"] == "personalDetails.firstName"
    assert got["phone"] == "contact.phone"
    assert "personalDetails.lastName" in got["fullName"]
    assert "contact.address.city" in got["address"]
    assert not any("emergencyContact" in (e or "") or "meta" in (e or "")
                   for e in got.values())
    # the e-mail inside contact goes nowhere in HMSync: said, never silent
    assert any(str(n).startswith("clients.json: contact is read in part; no field reads "
                                 "its email") for n in profile.notes)
    profile.confirm_all()
    # the operator leaves the contact person and the metadata behind (else the cell
    # accounting fails the run: nothing is lost silently)
    profile.table_for("clients.json").leave_behind = ["emergencyContact", "meta"]
    target = tmp_path / "t.db"
    init_db(target)
    res = Migration(tables, profile, target).run(no_backup=True)
    assert res.verification.passed
    con = sqlite3.connect(target)
    rows = con.execute('SELECT "fullName", "firstName", phone, address, gender FROM patients '
                       'ORDER BY "fullName"').fetchall()
    con.close()
    assert rows == [("Bwalya Chisanga", "Bwalya", "+260977123456",
                     "456 Independence Avenue, Lusaka", "F"),
                    ("Chanda Banda", "Chanda", "+260966654321", "23 Kafue Road, Kitwe", "M")]


def test_an_emergency_contact_run_together_is_never_the_patients(tmp_path):
    """emergencycontact (one word) holds another person's name and phone: never read as
    the patient's; and what is read inside an object is always asked."""
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    recs = [{"id": 1, "name": "Ann Lee", "contact": {"phone": "+14155550111"},
             "emergencycontact": {"name": "Bob Lee", "phone": "+14155550100"}},
            {"id": 2, "name": "Cy Doe", "contact": {"phone": "+14155550112"},
             "emergencycontact": {"name": "Dee Doe", "phone": "+14155550101"}}]
    (tmp_path / "patients.json").write_text(json.dumps(recs), encoding="utf-8")
    tables, _ = open_sources([tmp_path / "patients.json"])
    fields = suggest_profile(tables, known_tables()).table_for("patients.json").fields
    assert fields["phone"].expr == "contact.phone" and fields["phone"].review
    assert not any("emergencycontact" in (fm.expr or "") for fm in fields.values())


def test_an_address_object_is_read_by_its_keys_not_as_its_json_text(tmp_path):
    """address {line1, city}: the address is the first line and the city, never the
    object's JSON text; a FHIR subject object still points at the patient."""
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    recs = [{"patientId": "P1", "gender": "F",
             "address": {"line1": "Plot 12 Cairo Rd", "city": "Lusaka"}},
            {"patientId": "P2", "gender": "M",
             "address": {"line1": "5 Church Rd", "city": "Ndola"}}]
    (tmp_path / "patients.json").write_text(json.dumps(recs), encoding="utf-8")
    tables, _ = open_sources([tmp_path / "patients.json"])
    profile = suggest_profile(tables, known_tables())
    address = profile.table_for("patients.json").fields["address"]
    assert address.expr and "address.line1" in address.expr and "address.city" in address.expr
    assert "nullif(address," not in address.expr
    assert not any("no field reads its line1" in str(n) for n in profile.notes)
