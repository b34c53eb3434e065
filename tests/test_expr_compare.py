"""A comparison of a text (a cell, a lookup's value) with a number compares numbers; a
text that is no number fails its record (an order) or is unequal (=, <>), never a silent
answer from SQLite's rule that every text sorts after every number."""
import pytest

from wizard.core.engine import Migration
from wizard.core.errors import ProfileError
from wizard.core.expr import Expression
from wizard.core.mapping import Profile
from wizard.core.readers import open_sources
from wizard.core.schema import init_db


def _eval(text, **cols):
    n = len(next(iter(cols.values())))
    return Expression(text, "test").evaluate(cols, n)


def test_a_text_that_reads_as_a_number_is_compared_as_one():
    assert _eval("n > 0", n=["0", "5", "10", None])[0] == [0, 1, 1, None]
    assert _eval("n > 9", n=["10", "5", " 12 "])[0] == [1, 0, 1]
    assert _eval("0 < n", n=["0", "3"])[0] == [0, 1]
    assert _eval("n = 1", n=["1", "1.0", "2"])[0] == [1, 1, 0]
    assert _eval("n <> 1", n=["1", "2"])[0] == [0, 1]
    assert _eval("iif(n >= -1.5, 'y', 'n')", n=["-2", "-1"])[0] == ["n", "y"]
    # a number from a function: the other side read as a number too
    assert _eval("length(a) > n", a=["abc", "abc"], n=["2", "10"])[0] == [1, 0]
    # parts joined, then compared; arithmetic gives a number already
    assert _eval("a || b > 10", a=["1", "0"], b=["2", "9"])[0] == [1, 0]
    assert _eval("CASE WHEN n < 18 THEN 'child' ELSE 'adult' END",
                 n=["9", "40"])[0] == ["child", "adult"]


def test_a_text_that_is_no_number_fails_an_order_and_is_unequal():
    values, problems = _eval("n > 0", n=["5", "abc", "7"])
    assert values == [1, None, 1]
    assert problems[0] is None and problems[2] is None
    assert "no number" in problems[1] and "abc" not in problems[1]  # (no patient value)
    assert _eval("n = 0", n=["abc", "0"]) == ([0, 1], [None, None])
    assert _eval("n != 0", n=["abc", "0"]) == ([1, 0], [None, None])


def test_two_texts_still_compare_as_texts_and_quotes_are_left_alone():
    assert _eval("a > b", a=["9"], b=["100"])[0] == [1]
    assert _eval("number(a) > number(b)", a=["9"], b=["100"])[0] == [0]
    assert _eval("a = '>0'", a=[">0"])[0] == [1]
    assert _eval("a > '0'", a=["abc"])[0] == [1]


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patientId,firstName,lastName,phoneNumber,gender\n"
        "101,Asha,Rao,+919876543210,F\n102,Ravi,Kumar,+919123456780,M\n"
        "103,Meena,Shah,+919988776655,F\n", encoding="utf-8")
    (folder / "visits.csv").write_text(
        "visitId,patientId,visitDate\nV1,101,2024-01-02\nV2,101,2024-02-03\n"
        "V3,103,2024-03-04\n", encoding="utf-8")
    return folder


def _profile(where):
    return {"name": "t", "source_system": "t", "defaults": {"phone_region": "IN"},
            "tables": {"patients.csv": {
                "target": "patients", "legacy_id": "patientId", "where": where,
                "lookups": {"n_visits": {"table": "visits.csv", "key": "patientId",
                                         "by": "patientId", "aggregate": "count"}},
                "fields": {"firstName": "firstName", "lastName": "lastName",
                           "fullName": {"expr": "firstName || ' ' || lastName"},
                           "phone": "phoneNumber", "gender": "gender"}}}}


def test_a_filter_on_a_lookups_count_keeps_the_records_with_some(export, tmp_path):
    target = tmp_path / "t.db"
    init_db(target)
    tables, _ = open_sources([export / "patients.csv", export / "visits.csv"])
    res = Migration(tables, Profile.from_dict(_profile("n_visits > 0")), target).run(
        no_backup=True)
    s = res.validation.stats["patients"]
    assert (s.source_rows, s.valid, s.filtered) == (3, 2, 1)  # 102 has no visit


def test_a_filter_comparing_a_text_that_is_no_number_stops_naming_file_and_line(
        export, tmp_path):
    target = tmp_path / "t.db"
    init_db(target)
    tables, _ = open_sources([export / "patients.csv", export / "visits.csv"])
    with pytest.raises(ProfileError, match=r"patients\.csv, line 2: where: .*no number"):
        Migration(tables, Profile.from_dict(_profile("firstName > 0")), target).run(
            no_backup=True)
