"""Suggested mappings, profiles as readable files, and the shipped HealthCare Plus profiles."""
import pandas as pd
import pytest

from wizard.core.engine import Migration
from wizard.core.mapping import Exclusion, FieldMap, Profile, ProfileError, map_chunk
from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile, suggest_table
from wizard.resources import resource_path

ORACLE = {
    "HCP_PATIENTS.csv": "PAT_ID,FNAME,LNAME,PHONE,AGE,GENDER,REGISTRATION_DATE\r\n"
                        "1001,Asha,Rao,09811111111,40,F,15-JAN-22\r\n"
                        "1002,Ravi,Kumar,+91 98222 22222,35,male,03/02/2022\r\n"
                        "1003,Li,Wei,9833333333,35,m,25/12/2021\r\n",
    "HCP_DOCTORS.csv": "DOC_ID,DOC_NAME,SPECIALITY,LICENSE_NO,PHONE,JOIN_DATE\r\n"
                       "7,Dr. Li Wei,ENT,LIC9,+919800000002,01-MAR-19\r\n",
    "HCP_VISITS.csv": "VISIT_ID,PAT_ID,DOC_ID,VISIT_DATE,CONSULT_FEE,DIAGNOSIS,REMARKS\r\n"
                      "50001,1001,7,20-FEB-22,500,Asthma,ok\r\n",
}
CAMEL = {
    "patients": {"firstName": ["firstName"], "lastName": ["lastName"],
                 "fullName": ["firstName", "lastName"], "phone": ["phoneNumber"],
                 "age": ["age"], "gender": ["gender"], "address": ["address"],
                 "registrationDate": ["registrationDate"]},
    "doctors": {"fullName": ["fullName"], "specialty": ["specialty"],
                "licenseNumber": ["licenseNumber"], "phone": ["phoneNumber"],
                "joinDate": ["joinDate"]},
    "visits": {"patientId": ["patientId"], "doctorId": ["doctorId"], "visitDate": ["visitDate"],
               "consultationFee": ["consultationFee"], "diagnosis": ["diagnosis"],
               "notes": ["notes"]},
    "bills": {"visitId": ["visitId"], "patientId": ["patientId"], "billDate": ["billDate"],
              "amount": ["amount"], "status": ["status"]},
    "payments": {"billId": ["billId"], "paidOn": ["paidOn"], "amount": ["amount"],
                 "mode": ["mode"]},
    "pathology_tests": {"visitId": ["visitId"], "patientId": ["patientId"],
                        "testCode": ["testCode"], "testName": ["testName"],
                        "orderedOn": ["orderedOn"], "resultValue": ["resultValue"],
                        "resultUnit": ["resultUnit"], "price": ["price"]},
}
LEGACY_IDS = {"patients": "patientId", "doctors": "doctorId", "visits": "visitId",
              "bills": "billId", "payments": "paymentId", "pathology_tests": "testId"}


def test_suggest_maps_every_column_of_the_healthcare_plus_export(demo_copy):
    tables, _ = open_sources([demo_copy])
    p = suggest_profile(tables, known_tables())
    assert len(p.tables) == 6
    for tm in p.tables:
        assert tm.target == tm.source.removesuffix(".csv")
        assert tm.legacy_id == LEGACY_IDS[tm.target]
        assert {f: fm.columns for f, fm in tm.fields.items()} == CAMEL[tm.target]
        assert all(0 < fm.confidence <= 1 for fm in tm.fields.values())
    assert p.phone_region == "IN"


def test_transformed_values_are_normalised(mini_export):
    tables, _ = open_sources([mini_export])
    p = suggest_profile(tables, known_tables())
    st = next(t for t in tables if t.name == "patients.csv")
    mc = map_chunk(st.sample(20), p.table_for(st.name), known_tables()["patients"], p.ctx)
    assert list(mc.values["fullName"][:2]) == ["Ravi Kumar", "Meera Iyer"]
    assert list(mc.values["phone"][:2]) == ["+919811111111", "+919822222222"]
    assert list(mc.values["gender"][:2]) == ["M", "F"]
    assert list(mc.values["registrationDate"][:2]) == ["2022-01-15", "2022-02-01"]
    assert list(mc.values["age"][:2]) == [40, 35]


def test_oracle_columns_suggested_and_shipped_profile_fits(tmp_path):
    for name, text in ORACLE.items():
        (tmp_path / name).write_text(text)
    tables, _ = open_sources([tmp_path])
    p = suggest_profile(tables, known_tables())
    pat = p.table_for("HCP_PATIENTS.csv")
    assert pat.target == "patients" and pat.legacy_id == "PAT_ID"
    assert pat.fields["fullName"].columns == ["FNAME", "LNAME"]
    assert pat.fields["registrationDate"].columns == ["REGISTRATION_DATE"]
    assert p.table_for("HCP_VISITS.csv").fields["doctorId"].columns == ["DOC_ID"]
    shipped = Profile.load(resource_path("profiles", "healthcare-plus-oracle.yaml"))
    res = Migration(tables, shipped).validate()
    assert res.errors == 0 and res.stats["patients"].valid == 3
    assert res.stats["visits"].valid == 1


def test_table_suggestion_from_name_synonyms_and_id_column(tmp_path):
    (tmp_path / "encounters.csv").write_text("encounterId,patId\n1,2\n")
    (tmp_path / "export_2021.csv").write_text("invoiceId,total\n1,2\n")
    (tmp_path / "notes.csv").write_text("x,y\n1,2\n")
    tables, _ = open_sources([tmp_path])
    by = {t.name: suggest_table(t, known_tables()) for t in tables}
    assert by["encounters.csv"][0] == "visits"
    assert by["export_2021.csv"][0] == "bills"
    assert by["notes.csv"][0] is None


def test_profile_round_trip_yaml_and_json(mini_export, tmp_path):
    tables, _ = open_sources([mini_export])
    p = suggest_profile(tables, known_tables(), name="Clinic A", source_system="hcp")
    p.rules["patients.age.range"] = "warning"
    p.exclude.append(Exclusion("patients", "104"))
    p.table_for("doctors.csv").fields["department"] = FieldMap("department", value="OPD")
    p.timezone = "Asia/Kolkata"
    for ext in ("yaml", "json"):
        path = tmp_path / f"p.{ext}"
        p.save(path)
        q = Profile.load(path)
        assert q.to_dict() == p.to_dict()
    assert "fullName: {columns: [firstName, lastName]" in (tmp_path / "p.yaml").read_text()
    assert "timezone: Asia/Kolkata" in (tmp_path / "p.yaml").read_text()
    assert Profile.load(tmp_path / "p.yaml").defaults.timezone == "Asia/Kolkata"


@pytest.mark.parametrize("text,needle", [
    ("tables:\n  a.csv: {fields: {}}\n", "needs a target"),
    ("tables:\n  a.csv: {target: patients, fields: {age: {steps: [explode]}}}\n", "explode"),
    ("rules: {patients.age.range: maybe}\n", "severity"),
    ("- just\n- a list\n", "expected a mapping profile"),
    ("defaults: {timezone: Mars/Olympus}\n", "defaults: unknown time zone 'Mars/Olympus'"),
    ("defaults: {timezone: America}\n", "defaults: unknown time zone 'America'"),
    ("defaults: {timezone: -0500}\n", "write it in quotes"),
    ("tables:\n  a.csv: {target: visits, fields: {visitDate: {column: d, steps: "
     "[{date: {timezone: -5:00}}]}}}\n", "write it in quotes"),
    ("tables:\n  a.csv: {target: visits, fields: {visitDate: {column: d, steps: "
     "[{date: {timezone: Atlantis}}]}}}\n", "visitDate': unknown time zone 'Atlantis'"),
    # the wrong kind of value where a mapping or list belongs
    ("tables: 5\n", "tables: must be a mapping"),
    ("tables: [a.csv]\n", "each table must be a mapping"),
    ("defaults: [IN]\n", "defaults: must be a mapping .*not a list"),
    ("rules: 17\n", "rules: must be a mapping .*not a number"),
    ("exclude: {a: b}\n", "exclude: must be a list"),
    ("tables:\n  a.csv: {target: patients, fields: [a, b]}\n", "fields: must be a mapping"),
    ("tables:\n  a.csv: {target: visits, fields: {visitDate: {column: d, steps: "
     "{date: {order: DMY}}}}}\n", "visitDate': steps: must be a list"),
    # misspelt keys, which were ignored
    ("defualts: {phone_region: IN}\n", "unknown key 'defualts' .did you mean 'defaults'"),
    ("tables:\n  a.csv: {target: patients, feilds: {}}\n", "did you mean 'fields'"),
    ("defaults: {phone_regoin: IN}\n", "did you mean 'phone_region'"),
    ("tables:\n  a.csv: {target: patients, fields: {age: {colum: a}}}\n",
     "field 'age': unknown key 'colum'"),
    # a day/month order that is none
    ("defaults: {date_order: 5}\n", "date_order '5' is not one of auto, DMY, MDY, YMD"),
    ("tables:\n  a.csv: {target: visits, fields: {visitDate: {column: d, steps: "
     "[{date: {order: XYZ}}]}}}\n", "order 'XYZ' is not one of"),
])
def test_bad_profiles_explained(tmp_path, text, needle):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=needle):
        Profile.load(path)


def test_unmapped_required_field_blocks_the_migration(mini_export):
    tables, _ = open_sources([mini_export])
    p = suggest_profile(tables, known_tables())
    del p.table_for("patients.csv").fields["phone"]
    with pytest.raises(ProfileError, match="patients.phone is not mapped"):
        Migration(tables, p)


def test_mapping_document_lists_every_field(mini_export):
    from wizard.core.report import mapping_document
    tables, _ = open_sources([mini_export])
    p = suggest_profile(tables, known_tables())
    html = mapping_document(p, tables)
    assert "patients.csv.firstName+lastName" in html and "patients.fullName" in html
    assert html.count("<tr>") >= sum(len(t.fields) for t in p.tables)
    assert "time zone" not in html and "local time" not in html
    p.timezone = "Asia/Kolkata"  # the clinic's zone, which the client approves too
    assert "converted to the clinic's local time in Asia/Kolkata" in mapping_document(p, tables)


def test_phone_content_with_a_fullwidth_plus_fits():
    from wizard.core.suggest import _content_ok
    col = pd.Series(["\uff0b44 20 7946 0958", "\uff0b91 98765 43210"], dtype=object)
    assert _content_ok("phone", col) == 1.0


def test_a_step_option_of_the_wrong_kind_is_a_profile_error_naming_the_field(mini_export):
    tables, _ = open_sources([mini_export])
    p = suggest_profile(tables, known_tables())
    p.table_for("visits.csv").fields["consultationFee"].steps = [{"number": {"decimal": 5}}]
    with pytest.raises(ProfileError, match="table .visits.csv., field .consultationFee.: its steps cannot"):
        Migration(tables, p).validate()


def _serial_export(folder):
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patientId,fullName,phone,gender,registrationDate,dob\n"
        "1,Asha Rao,9876543210,F,45213,25569\n"
        "2,Ravi Iyer,9876543211,M,45214.25,11000\n", encoding="utf-8")
    return folder


def test_a_date_column_of_excel_day_numbers_is_suggested_as_such_and_imported(tmp_path):
    tables, _ = open_sources([_serial_export(tmp_path / "export")])
    profile = suggest_profile(tables, known_tables())
    patients = profile.tables[0]
    assert patients.fields["registrationDate"].steps == [
        {"date": {"order": "DMY", "excel_serial": True}}]
    assert patients.fields["age"].steps == [{"age_from_date": {"excel_serial": True}}]
    assert any("Excel date numbers" in n for n in profile.notes)
    res = Migration(tables, profile).validate()
    assert res.errors == 0
    mc = map_chunk(next(tables[0].iter_chunks()), patients,
                   known_tables()["patients"], profile.ctx)
    assert mc.values["registrationDate"].tolist() == ["2023-10-14", "2023-10-15T06:00:00"]


def test_an_excel_day_number_the_profile_does_not_read_gets_a_hint(tmp_path):
    tables, _ = open_sources([_serial_export(tmp_path / "export")])
    profile = suggest_profile(tables, known_tables())
    profile.tables[0].fields["registrationDate"].steps = [{"date": {"order": "DMY"}}]
    res = Migration(tables, profile).validate()
    bad = res.problems[res.problems.rule == "patients.registrationDate.format"]
    assert bad.line.tolist() == [2, 3]
    assert bad.message.iloc[0].endswith("the value looks like an Excel date number (days "
                                        "since 1899-12-30): tick “Excel day numbers” for the "
                                        "field on the mapping page (in a profile: the date "
                                        "step's excel_serial: true)")
    assert "45213" not in bad.message.iloc[0]  # (the value has its own column)
    # an age computed from a birth date held as day numbers gets the same hint
    profile.tables[0].fields["age"].steps = [{"age_from_date": {}}]
    res = Migration(tables, profile).validate()
    age = res.problems[res.problems.rule == "patients.age.format"]
    assert age.line.tolist() == [2, 3] and age.message.iloc[0].endswith(
        "looks like an Excel date number (days since 1899-12-30): tick “Excel day numbers” "
        "for the field on the mapping page (in a profile: the age_from_date step's "
        "excel_serial: true)")


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_excel_serial_must_be_true_or_false(value):
    with pytest.raises(ProfileError, match="excel_serial is true or false"):
        FieldMap.from_dict("registrationDate", {"column": "d", "steps": [
            {"date": {"excel_serial": value}}]})


@pytest.mark.parametrize("step,said", [
    ({"date": {"excel_seral": True}}, "date step: unknown option 'excel_seral' (did you mean "
                                      "'excel_serial'?)"),
    ({"phone": {"regoin": "IN"}}, "phone step: unknown option 'regoin' (did you mean "
                                  "'region'?)"),
    ({"trim": {"both": True}}, "trim step: unknown option 'both' (it takes none)"),
])
def test_a_step_option_the_step_does_not_read_is_refused(step, said):
    """A misspelt option was ignored: the step did something else than the profile said."""
    with pytest.raises(ProfileError) as e:
        FieldMap.from_dict("visitDate", {"column": "d", "steps": [step]})
    assert str(e.value) == f"field 'visitDate': {said}"


def test_a_step_written_with_nothing_after_it_takes_no_options():
    """'- trim:' in YAML is {trim: null}: a step without options, as before the check."""
    fm = FieldMap.from_dict("visitDate", {"column": "d", "steps": [{"trim": None},
                                                                    {"upper": None}]})
    assert [s for s in fm.steps] == [{"trim": None}, {"upper": None}]


def test_every_option_the_suggestion_and_shipped_profiles_write_is_known(demo_copy):
    for name in ("healthcare-plus.yaml", "healthcare-plus-oracle.yaml"):
        Profile.load(resource_path("profiles", name))
    import yaml
    tables, _ = open_sources([demo_copy])
    Profile.from_dict(yaml.safe_load(suggest_profile(tables, known_tables()).to_text()))


@pytest.mark.parametrize("text, needle", [
    ("exclude: [{table: patients}]\n", "each entry needs a table and a legacy_id"),
    ("exclude: [patients]\n", "each entry needs a table and a legacy_id"),
    ("exclude: [{table: patients, legacy_id: 1, tabel: x}]\n", "did you mean"),
])
def test_exclusions_are_typed_and_checked_when_the_profile_loads(tmp_path, text, needle):
    p = tmp_path / "p.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=needle):
        Profile.load(p)
    good = tmp_path / "good.yaml"
    good.write_text("exclude: [{table: patients, legacy_id: 104}]\n", encoding="utf-8")
    assert Profile.load(good).exclude == [Exclusion("patients", "104")]


def test_a_note_to_check_keeps_its_kind_and_its_words_through_a_file(tmp_path):
    from wizard.core.mapping import NoteKind, ProfileNote
    p = Profile(notes=[ProfileNote("visits.csv.visitDate: date order ambiguous; set to DMY",
                                   NoteKind.CHECK), ProfileNote("lab.csv: no match; not mapped")])
    p.save(tmp_path / "p.yaml")
    assert "set to DMY — check it" in (tmp_path / "p.yaml").read_text(encoding="utf-8")
    q = Profile.load(tmp_path / "p.yaml")
    assert q.notes == p.notes and [n.kind for n in q.notes] == [NoteKind.CHECK, NoteKind.INFO]
    assert "ambiguous" in q.notes[0] and str(q.notes[1]) == "lab.csv: no match; not mapped"


def test_a_runs_defaults_are_fixed_and_its_state_its_own():
    """Reading a run's configuration never changes its state, and each run starts afresh;
    the whole context travels to the helper process."""
    import dataclasses
    import pickle
    p = Profile(date_order="MDY", timezone="UTC")
    ctx = p.ctx
    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.defaults.date_order = "DMY"
    ctx.state.date_orders_of("visits.csv", "visitDate").order = "MDY"
    assert p.ctx.state.date_orders == {} and p.defaults == ctx.defaults
    again = pickle.loads(pickle.dumps(ctx))
    assert again.defaults.timezone == "UTC"
    assert again.state.date_orders_of("visits.csv", "visitDate").order == "MDY"


def test_each_step_written_by_the_shipped_profiles_and_the_suggestion_reads_back_the_same(
        demo_copy):
    """A typed step gives back the form it was read from: a profile's steps, and those the
    suggestion writes, survive being parsed and written again."""
    from wizard.core import transforms as tf
    profiles = [Profile.load(resource_path("profiles", n))
                for n in ("healthcare-plus.yaml", "healthcare-plus-oracle.yaml")]
    tables, _ = open_sources([demo_copy])
    profiles.append(suggest_profile(tables, known_tables()))
    seen = set()
    for p in profiles:
        for tm in p.tables:
            for fm in tm.fields.values():
                assert [s.to_raw() for s in fm.typed_steps] == fm.steps
                seen |= {type(s) for s in fm.typed_steps}
    assert {tf.DateStep, tf.PhoneStep, tf.MapStep, tf.ConcatStep} <= seen
    # the suggestion's other forms
    assert tf.SplitStep(" ", "rest").to_raw() == {"split": {"sep": " ", "part": "rest"}}
    assert tf.AgeFromDateStep().to_raw() == {"age_from_date": {}}
    assert tf.AgeFromDateStep(excel_serial=True).to_raw() == {
        "age_from_date": {"excel_serial": True}}


@pytest.mark.parametrize("raw,typed", [
    ("trim", "TrimStep()"),
    ({"upper": None}, "CaseStep(how='upper')"),
    ({"date": "DMY"}, "DateStep(order='DMY', timezone=None, excel_serial=False, unix_time=False)"),
    ({"date": {"timezone": "UTC"}}, "DateStep(order=INHERIT, timezone='UTC', excel_serial=False, "
                                     "unix_time=False)"),
    ({"concat": {"sep": "-"}}, "ConcatStep(sep='-')"),
    ({"map": {"values": {"m": "M"}}}, "MapStep(values={'m': 'M'})"),
    ({"integer": {"thousands": None}}, "NumberStep(integer=True, decimal=INHERIT, thousands=None)"),
    ({"default": "General"}, "DefaultStep(value='General')"),
])
def test_a_step_is_parsed_into_its_kind_with_its_options(raw, typed):
    from wizard.core import transforms as tf
    assert repr(tf.parse(raw)) == typed


def test_a_step_without_its_own_option_takes_the_profiles():
    from wizard.core import transforms as tf
    s = pd.Series(["1.234,5", "09876543210"], dtype=object)
    europe = tf.StepDefaults(phone_region="GB", decimal=",", thousands=".")
    assert tf.parse("number").apply(s[:1], europe).values.tolist() == [1234.5]
    # written as null, thousands means none (the profile's is not taken)
    assert tf.parse({"number": {"decimal": ",", "thousands": None}}).apply(
        s[:1], europe).bad.tolist() == [True]
    assert tf.parse("phone").apply(s[1:], europe).values.tolist() == ["+449876543210"]
    assert tf.parse({"phone": "IN"}).apply(s[1:], europe).values.tolist() == ["+919876543210"]


def test_the_typed_steps_follow_the_steps_and_travel_to_the_helper():
    import pickle
    from wizard.core import transforms as tf
    from wizard.core.steps import get_step, set_step
    fm = FieldMap.from_dict("visitDate", {"column": "d", "steps": ["trim", {"date": "DMY"}]})
    assert get_step(fm, tf.DateStep).order == "DMY" and get_step(fm, tf.PhoneStep) is None
    fm.steps = [{"date": {"order": "MDY", "timezone": "UTC"}}]
    assert get_step(fm, tf.DateStep) == tf.DateStep("MDY", "UTC")
    fm.steps[0]["date"]["order"] = "YMD"  # changed in place, too
    assert get_step(fm, tf.DateStep).order == "YMD"
    set_step(fm, tf.CaseStep, tf.CaseStep("title"))
    set_step(fm, tf.DateStep, tf.DateStep("DMY", "UTC"))
    assert fm.steps == [{"date": {"order": "DMY", "timezone": "UTC"}}, "title"]
    set_step(fm, tf.DateStep, None)
    assert fm.steps == ["title"] and pickle.loads(pickle.dumps(fm)).typed_steps == (
        tf.CaseStep("title"),)
    with pytest.raises(tf.TransformError, match="unknown transform 'explode'"):
        FieldMap("x", ["d"], ["explode"]).typed_steps


@pytest.mark.parametrize("field, needle", [
    ('{column: fullName, confidence: "x"}', "confidence must be a number"),
    ("{columns: 7}", "columns must be a list of column names"),
    ("{columns: [[a, b]]}", "must be a column name"),
    ("{value: [1, 2]}", "value must be a single value"),
])
def test_a_field_of_the_wrong_shape_is_refused_naming_it(tmp_path, field, needle):
    """These ended in "unexpected TypeError/ValueError" far from the profile."""
    p = tmp_path / "p.yaml"
    p.write_text("tables:\n  patients.csv:\n    target: patients\n    fields:\n"
                 f"      fullName: {field}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=f"field 'fullName': .*{needle}"):
        Profile.load(p)


def test_a_file_is_never_read_with_the_mapping_of_another_file_of_its_name(tmp_path):
    """A Vietnamese export held patients.csv (mapped) and the application's own
    patients.xlsx (other columns, not mapped): by its stem the workbook's sheet took the
    CSV's mapping, and the run would have looked for the CSV's columns in it."""
    from wizard.core.mapping import Profile, TableMap
    p = Profile()
    p.tables.append(TableMap("patients.csv", "patients", "id"))
    present = ["patients.csv", "patients.xlsx#Patients"]
    assert p.table_for("patients.xlsx#Patients", "Patients", present) is None
    assert p.table_for("patients.csv", "patients", present) is p.tables[0]
    # a profile written for the CSV still reads a re-export of it in another format
    assert p.table_for("patients.xlsx#Patients", "Patients", ["patients.xlsx#Patients"]) \
        is p.tables[0]


def test_mapping_document_in_plain_words_masked_with_every_column_left(tmp_path):
    """Transforms in words (not the profile's JSON), examples before -> after with the
    values masked, and every column no field reads with what becomes of it: more than
    the 20 a note names."""
    from wizard.core.report import mapping_document
    extra = [f"custom{i:02d}" for i in range(25)]
    (tmp_path / "patients.csv").write_text(
        "patientId,firstName,lastName,phoneNumber,gender,registrationDate,insuranceNo,"
        + ",".join(extra) + "\n"
        "1,Kavya,Rao,09811111111,female,16/02/2022,INS-77," + ",".join("x" * 25) + "\n"
        "2,Ravi,Kumar,+919822222222,M,17/03/2022,INS-78," + ",".join("y" * 25) + "\n",
        encoding="utf-8")
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    tables, _ = open_sources([tmp_path])
    p = suggest_profile(tables, known_tables())
    tm = p.table_for("patients.csv")
    tm.keep = ["insuranceNo"]
    tm.leave_behind = ["custom00"]
    page = mapping_document(p, tables)
    for value in ("Kavya", "Rao", "Kumar", "9811111111", "INS-77", "16/02/2022"):
        assert value not in page, value
    assert "K•••• → K••••" in page or "K••••" in page
    assert "##/##/#### → ####-##-##" in page            # the date's change of shape
    assert "written in international form" in page and "values translated" in page
    assert "{&quot;" not in page and "{'" not in page   # no step as JSON
    for c in extra:
        assert f"<td>{c}</td>" in page, c
    assert "kept beside each record" in page and "left behind on purpose" in page
    assert page.count("NOT DECIDED") == 24
    assert "<h2>Files left out</h2>" in page and "<li>notes.csv</li>" in page


def test_an_age_whose_birth_date_is_no_date_says_the_birth_date_is_wrong(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    (export / "patients.csv").write_text(
        "id,name,gender,phone,dob\n1,Ana Muster,F,+41791234567,29.02.1990\n"
        "2,Ben Muster,M,+41791234568,13.13.1960\n3,Cy Muster,M,+41791234569,01.02.1970\n",
        encoding="utf-8")
    tables, _ = open_sources([export])
    profile = suggest_profile(tables, known_tables())
    fm = profile.tables[0].fields.get("age")
    if fm is None:
        from wizard.core.mapping import FieldMap
        fm = profile.tables[0].fields["age"] = FieldMap("age", ["dob"])
    fm.columns, fm.steps = ["dob"], [{"age_from_date": {"order": "DMY"}}]
    res = Migration(tables, profile).validate()
    age = res.problems[res.problems.rule == "patients.age.format"]
    assert age.line.tolist() == [2, 3]
    assert set(age.message) == {"age is not a valid birth date (the age is computed from it)"}
