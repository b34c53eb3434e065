"""Dates stored as Unix time (seconds or milliseconds since 1970-01-01 UTC), as PHP/MySQL,
Firebase and MongoDB systems keep them: read only when the date step says so and the
clinic's time zone is known, through every layer (transform, step, validation hint, remedy,
suggestion, reference, import)."""
from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from wizard.core import reference, remedies
from wizard.core import transforms as tf
from wizard.core.engine import Migration
from wizard.core.mapping import FieldMap, NoteKind, ProfileError
from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile


def S(*values):
    return pd.Series(list(values), dtype=object)


# 2022-05-16 22:00 UTC: midnight of the 17th in Berlin (summer time, +02:00)
SUMMER = "1652738400"
# 2022-01-16 23:00 UTC: midnight of the 17th in Berlin (winter time, +01:00)
WINTER = "1642374000"
# 2023-03-26 01:00 UTC: the instant Berlin's clocks jump from 02:00 to 03:00
SPRING_FORWARD = "1679792400"


def _appointments(folder, dates=(SUMMER, "1652742000", "1653343200", SPRING_FORWARD,
                                 "1679878800")):
    """A PHP/MySQL clinic's export: appointments dated by a `date` column of Unix seconds."""
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "id,first_name,last_name,phone,gender\n"
        "101,Ravi,Kumar,9811111111,M\n102,Meera,Iyer,9822222222,F\n"
        "103,Anil,Rao,9833333333,M\n104,Sita,Devi,9844444444,F\n", encoding="utf-8")
    (folder / "doctors.csv").write_text(
        "id,name,specialty\n7,Anna Schmidt,General\n8,Jonas Weber,Cardiology\n",
        encoding="utf-8")
    rows = [f"{i},{p},{d},{when},Checkup" for i, (p, d, when) in enumerate(
        zip([101, 102, 103, 101, 104], [7, 7, 8, 8, 7], dates), start=1)]
    (folder / "appointments.csv").write_text(
        "id,patient_id,doctor_id,date,reason\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _suggested(folder):
    tables, errors = open_sources([folder])
    assert not errors
    return tables, suggest_profile(tables, known_tables())


# --- the transform ---------------------------------------------------------------------------
def test_seconds_and_milliseconds_become_the_zones_local_date_and_time():
    r = tf.parse_dates(S(SUMMER, SUMMER + "000", "1652742000", "1652742000123", "2022-05-20",
                         ""), unix_time=True, tz="Europe/Berlin")
    assert r.values.tolist() == ["2022-05-17", "2022-05-17", "2022-05-17T01:00:00",
                                 "2022-05-17T01:00:00", "2022-05-20", None]
    assert r.bad.tolist() == [False] * 6 and r.note is None


def test_the_day_follows_the_zones_summer_and_winter_time():
    """Both instants are local midnight in Berlin, an hour apart from UTC in winter and two
    in summer; in UTC they are on the day before."""
    berlin = tf.parse_dates(S(SUMMER, WINTER, SPRING_FORWARD), unix_time=True,
                            tz="Europe/Berlin")
    assert berlin.values.tolist() == ["2022-05-17", "2022-01-17", "2023-03-26T03:00:00"]
    utc = tf.parse_dates(S(SUMMER, WINTER, SPRING_FORWARD), unix_time=True, tz="UTC")
    assert utc.values.tolist() == ["2022-05-16T22:00:00", "2022-01-16T23:00:00",
                                   "2023-03-26T01:00:00"]


def test_without_a_time_zone_unix_times_are_not_read_and_the_note_says_why():
    r = tf.parse_dates(S(SUMMER, SUMMER + "000", "2022-05-20"), unix_time=True)
    assert r.values.tolist() == [None, None, "2022-05-20"]
    assert r.bad.tolist() == [True, True, False]
    assert r.note.startswith("2 distinct value(s) are Unix times and were not read")
    assert "clinic's time zone" in r.note


@pytest.mark.parametrize("value", [
    "631151999",      # 1989-12-31 23:59:59 UTC: before 1990
    "4102444801",     # after 2100-01-01
    "631151999999",   # milliseconds before 1990
    "12345678901",    # 11 digits: neither seconds nor milliseconds
    "16527384000000",  # 14 digits
    "1652738400.5", "-1652738400", "abc"])
def test_other_numbers_stay_unread(value):
    r = tf.parse_dates(S(value), unix_time=True, tz="UTC")
    assert r.bad.tolist() == [True] and r.values.tolist() == [None]


def test_unix_times_are_read_only_when_the_step_says_so():
    assert tf.parse_dates(S(SUMMER), tz="UTC").bad.tolist() == [True]
    assert tf.unix_time_share([SUMMER, SUMMER + "000", "", "2022-05-20"]) == \
        pytest.approx(2 / 3)
    assert tf.unix_time_share(["9811111111"]) == 0  # a phone number: 2280 is past 2100
    assert tf.unix_time_share(["45213", "2023"]) == 0
    assert tf.unix_time_utc(SUMMER + "000") == "2022-05-16 22:00:00 UTC"


# --- the steps -------------------------------------------------------------------------------
def test_date_and_age_steps_take_unix_time_with_their_time_zone():
    step = {"date": {"unix_time": True, "timezone": "Europe/Berlin"}}
    assert tf.parse(step).to_raw() == step
    assert tf.apply_step(S(SUMMER), step).values.tolist() == ["2022-05-17"]
    # the profile's time zone serves a step without its own
    zoned = tf.StepDefaults(timezone="Europe/Berlin")
    assert tf.apply_step(S(SUMMER), {"date": {"unix_time": True}}, zoned).values.tolist() == \
        ["2022-05-17"]
    assert "Unix times not read until the clinic's time zone is given" in \
        tf.parse({"date": {"unix_time": True}}).describe()
    assert tf.parse(step).describe() == \
        "date, order detected, Unix times read, local time Europe/Berlin"
    age = tf.apply_step(S("946684800"), {"age_from_date": {"unix_time": True,
                                                           "timezone": "UTC"}})
    assert age.values.notna().all() and not age.bad.any()  # born 2000-01-01


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_unix_time_must_be_true_or_false(value):
    with pytest.raises(ProfileError, match="unix_time is true or false"):
        FieldMap.from_dict("visitDate", {"column": "d", "steps": [
            {"date": {"unix_time": value}}]})


# --- validation's hint and the remedy --------------------------------------------------------
def test_a_unix_time_the_profile_does_not_read_gets_a_hint_at_file_and_line(tmp_path):
    tables, profile = _suggested(_appointments(tmp_path / "export"))
    visits = profile.table_for("appointments.csv")
    visits.fields["visitDate"].steps = [{"date": {"order": "DMY"}}]
    res = Migration(tables, profile).validate()
    bad = res.problems[res.problems.rule == "visits.visitDate.format"]
    assert bad.file.unique().tolist() == ["appointments.csv"]
    assert bad.line.tolist() == [2, 3, 4, 5, 6]
    assert bad.message.iloc[0].endswith(
        "the value looks like a Unix time (seconds or milliseconds since 1970-01-01 UTC): "
        "tick “Unix time” for the field on the mapping page and choose the clinic's time "
        "zone (in a profile: the date step's unix_time: true, and timezone)")
    assert SUMMER not in bad.message.iloc[0]  # (the value has its own column)
    targets = known_tables()
    said = remedies.advice("visits.visitDate.format", targets, SUMMER, "date, day first")
    assert "looks like a Unix time (2022-05-16 22:00:00 UTC" in said
    assert "press “Read as Unix time” below" in said
    assert "Unix time" not in remedies.advice("visits.visitDate.format", targets, "31/31/2022")


def test_read_as_unix_time_without_a_zone_says_the_zone_is_missing(tmp_path):
    tables, profile = _suggested(_appointments(tmp_path / "export"))
    fm = profile.table_for("appointments.csv").fields["visitDate"]
    fm.steps = [{"date": {"order": "DMY"}}]
    assert remedies.unix_time_needs_zone(fm, profile.ctx.defaults)
    assert remedies.read_unix_time(fm)
    assert fm.steps == [{"date": {"order": "DMY", "unix_time": True}}] and not fm.review
    res = Migration(tables, profile).validate()
    bad = res.problems[res.problems.rule == "visits.visitDate.format"]
    assert bad.line.tolist() == [2, 3, 4, 5, 6]
    assert bad.message.iloc[0].endswith(
        "the value is a Unix time (seconds or milliseconds since 1970-01-01 UTC), whose day "
        "depends on the clinic's time zone, and none is given: choose the “Time zone” for "
        "the field on the mapping page (in a profile: timezone)")
    assert any("are Unix times and were not read" in n for n in res.notes)
    # the remedy with the clinic's zone: every record read, and asked no more
    with pytest.raises(tf.TransformError, match="unknown time zone"):
        remedies.read_unix_time(fm, "Europe/Berlinn")
    assert remedies.read_unix_time(fm, "Europe/Berlin")
    assert not remedies.unix_time_needs_zone(fm)
    assert not remedies.read_unix_time(fm, "Europe/Berlin")  # nothing left to change
    assert Migration(tables, profile).validate().errors == 0


def test_a_number_outside_1990_to_2100_stays_an_error_at_its_file_and_line(tmp_path):
    _, profile = _suggested(_appointments(tmp_path / "export"))
    profile.timezone = "Europe/Berlin"
    later = _appointments(tmp_path / "later", dates=[
        SUMMER, "4102444801", "631151999000", SPRING_FORWARD, "1679878800"])
    tables, _ = open_sources([later])
    res = Migration(tables, profile).validate()
    bad = res.problems[res.problems.rule == "visits.visitDate.format"]
    assert list(zip(bad.file, bad.line, bad.value)) == [
        ("appointments.csv", 3, "4102444801"), ("appointments.csv", 4, "631151999000")]
    # no claim that they are Unix times: they are no dates the wizard can read
    assert bad.message.tolist() == ["visit date is not a valid date"] * 2
    assert res.errors == 2


def test_a_profile_time_zone_spares_the_question(tmp_path):
    tables, profile = _suggested(_appointments(tmp_path / "export"))
    profile.timezone = "Europe/Berlin"
    fm = profile.table_for("appointments.csv").fields["visitDate"]
    assert not remedies.unix_time_needs_zone(fm, profile.ctx.defaults)


# --- the suggestion --------------------------------------------------------------------------
def test_a_date_column_of_unix_times_maps_to_the_visit_date_and_is_asked(tmp_path):
    tables, profile = _suggested(_appointments(tmp_path / "export"))
    fm = profile.table_for("appointments.csv").fields["visitDate"]
    assert fm.columns == ["date"]
    assert fm.steps == [{"date": {"unix_time": True}}]
    assert fm.review  # always asked: the clinic's zone decides each record's day
    note = next(n for n in profile.notes if "Unix times" in n)
    assert note.kind is NoteKind.CHECK and note.text.startswith("appointments.csv.date: the values are Unix times")
    assert "time zone, which is needed" in note


def test_milliseconds_are_suggested_alike(tmp_path):
    folder = _appointments(tmp_path / "export", dates=[
        SUMMER + "000", "1652742000000", "1653343200000", SPRING_FORWARD + "000",
        "1679878800000"])
    _, profile = _suggested(folder)
    fm = profile.table_for("appointments.csv").fields["visitDate"]
    assert fm.columns == ["date"] and fm.steps == [{"date": {"unix_time": True}}]


# --- the reference ---------------------------------------------------------------------------
def test_the_reference_describes_unix_time():
    text = reference.markdown()
    date = text[text.index("### `date`"):text.index("### `phone`")]
    assert "unix_time (true: whole numbers of 9-10 digits are seconds, of 12-13 digits " \
           "milliseconds" in date
    assert "not read without one" in date
    age = text[text.index("### `age_from_date`"):text.index("### `age_from_year`")]
    assert "unix_time" in age


def test_the_mapping_document_says_how_unix_times_are_read(tmp_path):
    from wizard.core.mapdoc import mapping_document
    tables, profile = _suggested(_appointments(tmp_path / "export"))
    profile.timezone = "Europe/Berlin"
    doc = mapping_document(profile, tables)
    assert "Unix times converted to the clinic's local time in Europe/Berlin" in doc
    assert "Unix times read, local time Europe/Berlin" in doc


# --- the import ------------------------------------------------------------------------------
def test_an_export_of_unix_times_imports_in_the_clinics_zone_and_again_adds_nothing(
        tmp_path, empty_target):
    folder = _appointments(tmp_path / "export")
    tables, profile = _suggested(folder)
    profile.timezone = "Europe/Berlin"
    m = Migration(tables, profile, empty_target)
    m.make_backup()
    res = m.run()
    assert res.passed

    def stored():
        con = sqlite3.connect(empty_target)
        try:
            return con.execute('SELECT "visitDate" FROM visits ORDER BY "visitDate"'
                               ).fetchall()
        finally:
            con.close()

    assert [d for (d,) in stored()] == ["2022-05-17", "2022-05-17T01:00:00", "2022-05-24",
                                        "2023-03-26T03:00:00", "2023-03-27T03:00:00"]
    before = stored()
    tables, _ = open_sources([folder])
    again = Migration(tables, profile, empty_target)
    again.make_backup()
    res = again.run()
    assert res.passed and stored() == before
    assert res.verification.tables["visits"]["imported"] == 0
    assert res.verification.tables["visits"]["duplicates"] == 5


@pytest.mark.parametrize("phones", [
    ["766666666", "722222222", "733333333"],            # Romanian, nine digits
    ["917490152657", "916141075386", "916604976306"],   # India's, with its country code
    ["0740123456", "0722123456", "0733123456"],         # a leading 0
    ["2125550101", "3105550199", "4155550123"],          # North American, 2037 onwards
])
def test_telephone_numbers_are_not_taken_for_unix_times(tmp_path, phones):
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    rows = "\n".join(f"{i},Ana Pop {i},F,{p}" for i, p in enumerate(phones, 1))
    (tmp_path / "patients.csv").write_text("id,name,gender,tel\n" + rows + "\n",
                                           encoding="utf-8")
    tables, _ = open_sources([tmp_path / "patients.csv"])
    tm = suggest_profile(tables, known_tables()).table_for("patients.csv")
    assert tm.fields["phone"].columns == ["tel"]


def test_a_unix_time_is_not_joined_with_a_time_of_day_column(tmp_path):
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    (tmp_path / "appointment.csv").write_text(
        "id,patient,doctor,date,e_time,remarks\n"
        "414,33,149,1652738400,10:30,FEVER\n415,34,149,1653091200,11:00,cough\n"
        "416,35,150,1653177600,09:15,headache\n", encoding="utf-8")
    tables, _ = open_sources([tmp_path / "appointment.csv"])
    tm = suggest_profile(tables, known_tables()).table_for("appointment.csv")
    assert tm.fields["visitDate"].columns == ["date"]
