"""Column transforms: dates, phones, numbers, value maps, text steps."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from wizard.core import transforms as tf


def S(*v):
    return pd.Series(list(v), dtype=object)


def test_dates_mixed_formats_to_iso_day_first_inferred():
    r = tf.parse_dates(S("2022-01-15", "15/01/2022", "2022-03-04 00:00:00", "", "31/12/2021",
                         "2022-02-30", "31/31/2022", "yesterday", "05-Jan-2022"))
    assert list(r.values) == ["2022-01-15", "2022-01-15", "2022-03-04", None, "2021-12-31",
                              None, None, None, "2022-01-05"]
    assert list(r.bad) == [False, False, False, False, False, True, True, True, False]
    assert r.note is None


def test_ambiguous_day_month_is_never_guessed_silently():
    order, why = tf.infer_date_order(S("01/02/2022", "03/04/2022"))
    assert order is None and "ambiguous" in why
    r = tf.parse_dates(S("01/02/2022"))
    assert r.note and "ambiguous" in r.note
    assert list(tf.parse_dates(S("01/02/2022"), order="MDY").values) == ["2022-01-02"]
    assert list(tf.parse_dates(S("01/02/2022"), order="DMY").values) == ["2022-02-01"]
    assert tf.infer_date_order(S("12/25/2022"))[0] == "MDY"
    assert tf.infer_date_order(S("25/12/2022", "12/25/2022"))[0] is None  # conflicting


def test_time_kept_when_not_midnight():
    r = tf.parse_dates(S("2022-01-15 10:30:00"))
    assert list(r.values) == ["2022-01-15T10:30:00"]


def test_future_dates_flagged():
    m = tf.future_mask(S("2022-01-01", "2099-01-01", None), today=date(2026, 1, 1))
    assert list(m) == [False, True, False]


def test_phones_to_e164_with_default_region():
    r = tf.to_e164(S("+919876543210", "+91 98765 43210", "09876543210", "9876543210",
                     "0091-98765-43210", "(098765) 43210", "", "12345", "abc",
                     "+44 20 7946 0958", "+91 12345"), region="IN")
    assert list(r.values) == ["+919876543210"] * 6 + [None, None, None, "+442079460958", None]
    assert list(r.bad) == [False] * 7 + [True, True, False, True]


def test_national_numbers_that_start_with_the_country_codes_digits_keep_them():
    """An Indian mobile number may start with 91: 9123456789 is +91 9123456789, not +91
    23456789; the code is taken off only digits that are no national number without it
    (919876543210). A trunk prefix in brackets after the code, and a spreadsheet's ".0",
    are no part of the number."""
    r = tf.to_e164(S("9123456789", "09123456789", "0091 9123456789", "919123456789",
                     "919876543210", "+91 (0) 9167868433", "9167868433.0", "+919123456789",
                     "91234567"), region="IN")
    assert list(r.values) == ["+919123456789"] * 4 + ["+919876543210", "+919167868433",
                                                      "+919167868433", "+919123456789",
                                                      "+9191234567"]
    assert not r.bad.any()
    r = tf.to_e164(S("+44 (0)20 7946 0958", "0044 (0) 20 7946 0958", "442079460958",
                     "12.5", "9876.0.0"), region="GB")
    assert list(r.values) == ["+442079460958"] * 3 + [None, None]
    # the same column-at-once as number by number (all ASCII: the fast way)
    vals = ["9123456789", "919876543210", "09123456789", "09876543210"]
    cc, prefix, lengths = tf.region_info("IN")
    args = ("+91", "91", prefix, set(lengths), {n + 2 for n in lengths})
    assert tf._e164_fast(vals, *args, tf.national_pattern("IN")) == \
        ["+919123456789", "+919876543210", "+919123456789", "+919876543210"]


def test_phones_in_other_scripts_digits_become_ascii_e164():
    """A number typed with Arabic-Indic, Devanagari or fullwidth digits is the same number;
    E.164 is written in 0-9. Digits that are not decimal (superscripts) are no number."""
    r = tf.to_e164(S("+91 \u0669\u0663\u0663\u0662\u0664 63854",
                     "\u0966\u096f\u096e\u096d\u096c\u096b\u096a\u0969\u0968\u0967\u0966",
                     "\uff10\uff10\uff19\uff11 98765 43210",
                     "+91 98765 4321\u00b2", "+\u0669\u0661 98765 43210"), region="IN")
    assert list(r.values) == ["+919332463854", "+919876543210", "+919876543210", None,
                              "+919876543210"]
    assert list(r.bad) == [False, False, False, True, False]
    assert all(v is None or (v.isascii() and tf.E164.match(v)) for v in r.values)
    assert not tf.E164.match("+91\u0669\u0663\u0663\u0662\u066463854")
    # and they count when the region is guessed from the international numbers
    assert tf.infer_phone_region(S("+\u0664\u0664 20 7946 0958", "+44 7700 900123",
                                   "+\u0664\u0664 7700 900124")) == "GB"


def test_a_fullwidth_plus_is_a_plus():
    r = tf.to_e164(S("\uff0b44 20 7946 0958", "\uff0b\uff14\uff14 7700 900123",
                     "\ufe6291 98765 43210"), region="IN")
    assert list(r.values) == ["+442079460958", "+447700900123", "+919876543210"]
    assert tf.infer_phone_region(S("\uff0b44 20 7946 0958", "\uff0b44 7700 900123")) == "GB"


def test_phone_region_inferred_from_international_numbers():
    assert tf.infer_phone_region(S("+44 20 7946 0958", "+44 7700 900123", "020 7946 0000")) \
        == "GB"
    assert tf.infer_phone_region(S("0123", "")) is None


def test_phone_region_counts_every_number_and_tells_regions_of_one_code_apart():
    # 300 Indian numbers after 2,000 British ones: the first 2,000 alone would say GB
    many = ["+44 7700 9%05d" % i for i in range(2000)] + ["+91 98765 %05d" % i
                                                          for i in range(2300)]
    assert tf.infer_phone_region(S(*many)) == "IN"
    # +1 is shared by the US, Canada and others: the area code decides
    assert tf.infer_phone_region(S("+1 416 555 0123", "+1 (604) 555-0199",
                                   "001 514 555 0100", "+1 212 555 0100")) == "CA"
    assert tf.infer_phone_region(S("+1 212 555 0100", "+1 (415) 555-0199")) == "US"
    # a non-geographic code (+800, freephone) is no region
    assert tf.infer_phone_region(S("+800 1234 5678", "+800 1234 5679", "+61 2 9876 5432")) \
        == "AU"
    assert tf.infer_phone_region(S("+800 1234 5678")) is None


def test_unknown_region_is_a_clear_error():
    with pytest.raises(tf.TransformError, match="unknown phone region"):
        tf.to_e164(S("123"), region="XX")


def test_numbers_with_locale_and_currency():
    r = tf.number(S("1.234,50", "₹ 500", "-3", "abc", "", "4O"), decimal=",", thousands=".")
    assert r.values.tolist()[:3] == [1234.5, 500.0, -3.0]
    assert list(r.bad) == [False, False, False, True, False, True]
    r = tf.number(S("42", "42.0", "4.5", "N/A"), integer=True)
    assert r.values.tolist() == [42, 42, None, None]
    assert list(r.bad) == [False, False, True, True]


def test_a_number_too_large_for_a_float_is_bad_not_infinity():
    """"1e400" reads as infinity in Python and pandas: it is a bad value (no amount or age
    can be infinite), and an integer field does not fail on it."""
    r = tf.number(S("1e400", "-1e400", "5", "inf"))
    assert r.values.tolist() == [None, None, 5.0, None]
    assert list(r.bad) == [True, True, False, True]
    assert np.isnan(r.array[0]) and r.array[2] == 5.0
    r = tf.number(S("1e400", "42"), integer=True)
    assert r.values.tolist() == [None, 42] and list(r.bad) == [True, False]


def test_value_map_case_insensitive_and_passthrough():
    r = tf.value_map(S("male", "Female", "f", "M", "X", "unknown", " m "), tf.GENDER_MAP)
    assert list(r.values) == ["M", "F", "F", "M", "X", "unknown", "M"]


def test_concat_split_case_default():
    df = pd.DataFrame({"a": ["Asha", "", "Li"], "b": ["Rao", "Khan", ""]})
    assert list(tf.concat(df, " ").values) == ["Asha Rao", "Khan", "Li"]
    s = S("Asha Devi Rao", "Li")
    assert list(tf.split(s, " ", "first").values) == ["Asha", "Li"]
    assert list(tf.split(s, " ", "rest").values) == ["Devi Rao", ""]
    assert list(tf.split(s, " ", "last").values) == ["Rao", "Li"]
    assert list(tf.case(S("asha rao"), "title").values) == ["Asha Rao"]
    assert list(tf.default(S("", "x"), "General").values) == ["General", "x"]


def test_age_from_birth_date():
    r = tf.age_from_date(S("2000-06-15", "15/06/2000", ""), today=date(2026, 6, 14))
    assert r.values.tolist() == [25, 25, None]


def test_age_from_birth_dates_with_and_without_a_time():
    """A birth date without a time after one with a time is read as well (it was lost:
    the texts were read again with the first one's format)."""
    r = tf.age_from_date(S("2000-06-15 08:30", "1990-01-01", "15/06/2000 10:00", "x"),
                         today=date(2026, 6, 14))
    assert r.values.tolist() == [25, 36, 25, None]
    assert r.bad.tolist() == [False, False, False, True]


def test_dates_no_hospital_record_can_have_are_not_read():
    """Dates before 1678 or after 2261 are bad values: pandas reads them at a coarser unit,
    and their conversion wrapped around into other, plausible-looking dates."""
    r = tf.parse_dates(S("1600-01-01", "3000-01-01", "01/01/1500", "1678-01-01",
                         "2261-12-31", "2020-05-06 10:30"), "DMY")
    assert r.values.tolist() == [None, None, None, "1678-01-01", "2261-12-31",
                                 "2020-05-06T10:30:00"]
    assert r.bad.tolist() == [True, True, True, False, False, False]
    assert str(r.array.dtype) == "datetime64[ns]"
    r = tf.age_from_date(S("1600-01-01", "2000-06-15"), today=date(2026, 6, 14))
    assert r.values.tolist() == [None, 25] and r.bad.tolist() == [True, False]


def test_the_words_today_and_now_are_no_date():
    """pandas reads "today" and "now" as the present moment whatever format it is given;
    in a legacy date column they are a value to fix, not the day of the migration."""
    r = tf.parse_dates(S("today", "now", " today", "2024-01-02", "Today"), "DMY")
    assert r.values.tolist() == [None, None, None, "2024-01-02", None]
    assert r.bad.tolist() == [True, True, True, False, True]
    r = tf.age_from_date(S("today", "2000-06-15"), today=date(2026, 6, 14))
    assert r.values.tolist() == [None, 25] and r.bad.tolist() == [True, False]


def test_step_language_rejects_unknown_steps():
    with pytest.raises(tf.TransformError, match="unknown transform"):
        tf.parse_step({"explode": {}})
    assert tf.parse_step({"date": "DMY"}) == ("date", {"value": "DMY"})


def test_dates_read_the_same_whatever_order_the_formats_are_tried_in():
    """parse_dates tries first the formats a sample of the column uses; every value must
    still come out as when each value is read alone."""
    import random
    from wizard.core.transforms import parse_dates
    rng = random.Random(5)
    shapes = ["{d:02d}/{m:02d}/{y}", "{y}-{m:02d}-{d:02d}", "{d}-{mon}-{y}", "{d:02d}.{m:02d}.{yy:02d}",
              "{y}{m:02d}{d:02d}", "{d:02d}/{m:02d}/{y} 10:30", "", "not a date", "31/02/2020"]
    mons = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    vals = []
    for i in range(3000):
        d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1950, 2024)
        shape = shapes[0] if i % 10 else rng.choice(shapes)  # mostly one format, some others
        vals.append(shape.format(d=d, m=m, y=y, yy=y % 100, mon=mons[m - 1]))
    whole = parse_dates(pd.Series(vals, dtype=object), "DMY")
    alone = [parse_dates(pd.Series([v], dtype=object), "DMY") for v in vals]
    assert whole.values.tolist() == [r.values.iloc[0] for r in alone]
    assert whole.bad.tolist() == [bool(r.bad[0]) for r in alone]


def test_plain_numbers_read_exactly_what_pandas_reads():
    """The fast parse of plain numbers gives what pandas' to_numeric gives, value for value,
    for the texts where Python's float() and pandas could differ (other scripts' digits,
    "1_000", nan and inf spellings, huge exponents) mixed into ordinary ones."""
    import random
    tokens = ["400", "750.5", " 7 ", "1e5", "1E-3", "+.5", "5.", "-0", "0001", "9" * 25,
              "1e400", "-1e400", "nan", "NaN", "inf", "-Infinity", "1_000", "١٢", "−5", "0x10",
              "1,000", "abc", "12abc", "1.5.2", "five hundred", "٣.5", "1 000", "\t3"]
    rng = random.Random(7)
    for trial in range(300):
        vals = [rng.choice(tokens + ["400", "12.25", ""] * 6) for _ in range(rng.randint(1, 40))]
        raw = pd.Series(vals, dtype=object)
        empty = tf.is_blank(raw)
        want = pd.to_numeric(raw.where(~empty, None), errors="coerce").astype("float64")
        got = tf._plain_numbers(raw, empty)
        assert np.array_equal(got.to_numpy(), want.to_numpy(), equal_nan=True), vals
    # cells that are not texts (a caller's own column) are pandas' to read
    raw = pd.Series(["4", 5, None, 2.5], dtype=object)
    empty = np.array([False, False, True, False])
    got = tf._plain_numbers(raw, empty).to_numpy()
    assert np.array_equal(got, [4.0, 5.0, np.nan, 2.5], equal_nan=True)


@pytest.mark.parametrize("region", ["IN", "GB", "US", "DE", "HU", "RU"])
def test_phone_numbers_at_once_follow_the_rules_one_by_one(region):
    """The column-at-once conversion gives what the rules give number by number, on random
    phone-like texts: separators and white space of every kind, 00 and + forms, national
    prefixes, country codes written without +, wrong lengths, other scripts' digits,
    letters, NUL."""
    import random
    cc, prefix, lengths = tf.region_info(region)
    own, ccs = f"+{cc}", str(cc)
    lens, cc_lens = set(lengths), {n + len(ccs) for n in lengths}
    national = tf.national_pattern(region)
    rng = random.Random(f"e164-{region}")  # the same texts every run
    ascii_pieces = ["0", "00", "+", ccs, prefix or "0", "1", "44", "91", "7", "9876543210",
                    "98765", "12", "00" + ccs, "-", " ", "(", ")", ".", "/", "'", "\t", "x",
                    "", "+0", "5" * 9, "2" * 11, "\x1c", "\x0b", "\n"]
    other = ["٣٤٥", "²", "\x00", "\u00a0", "\u3000", "\u2009", "é"]
    fast = 0
    for trial in range(400):
        pieces = ascii_pieces + (other if trial % 4 == 0 else [])
        vals = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
                for _ in range(rng.randint(1, 40))]
        want = tf._e164_each(vals, own, ccs, prefix, lengths, lens, cc_lens, national)
        got = tf._e164_fast(vals, own, ccs, prefix, lens, cc_lens, national)
        if got is not None:
            fast += 1
            assert got == want, (region, vals)
        assert tf.to_e164(pd.Series(vals, dtype=object), region=region,
                          clean=True).values.tolist() == \
            tf._e164_each(tf._tidy_phones(vals), own, ccs, prefix, lengths, lens, cc_lens,
                          national)
    assert fast > 200  # most trials went the fast way


def test_times_with_a_zone_become_the_clinics_local_time():
    zoned = S("2020-01-01T20:00:00Z", "2020-01-01T10:00:00+05:30", "2020-01-01 10:00-0500",
              "2020-01-05", "2020-01-01T23:59:59.250Z", "")
    r = tf.parse_dates(zoned, tz="Asia/Kolkata")
    # 20:00 in UTC is 01:30 on the next day in India; the rest as written, in India's time
    assert list(r.values) == ["2020-01-02T01:30:00", "2020-01-01T10:00:00",
                              "2020-01-01T20:30:00", "2020-01-05", "2020-01-02T05:29:59", None]
    assert not r.bad.any() and r.note is None
    r = tf.parse_dates(zoned, tz="-05:00")
    assert list(r.values)[:3] == ["2020-01-01T15:00:00", "2019-12-31T23:30:00",
                                  "2020-01-01T10:00:00"]
    assert list(tf.parse_dates(S("2020-06-01T12:00:00Z"), tz="Europe/London").values) == \
        ["2020-06-01T13:00:00"]  # summer time


def test_times_with_a_zone_are_not_guessed_without_the_clinics_time_zone():
    r = tf.parse_dates(S("2020-01-01T20:00:00Z", "2020-01-01T10:00:00+05:30", "2020-01-05"))
    assert list(r.values) == [None, None, "2020-01-05"]
    assert list(r.bad) == [True, True, False]
    assert "2 distinct value(s) carry a time zone" in r.note and "timezone" in r.note
    assert "2020" not in r.note  # the values themselves stay out of the note


def test_fractions_of_a_second_are_read():
    r = tf.parse_dates(S("2023-05-14T10:22:31.000", "2023-05-14 10:22:31.5", "2023-05-14"))
    assert list(r.values) == ["2023-05-14T10:22:31", "2023-05-14T10:22:31", "2023-05-14"]
    assert not r.bad.any()


@pytest.mark.parametrize("name", ["Asia/Kolkata", "UTC", "+05:30", "-0330", "GMT+04", "Z"])
def test_time_zones_a_profile_may_name(name):
    tf.time_zone(name)


@pytest.mark.parametrize("name", ["Mars/Olympus", "+25:00", "IST?", "", "../etc/passwd",
                                  "America", "US", "A" * 300, "-192", "+5:30"])
def test_an_unknown_time_zone_is_a_clear_error(name):
    with pytest.raises(tf.TransformError, match="unknown time zone"):
        tf.time_zone(name)


def test_an_auto_date_order_is_settled_once_for_a_whole_column():
    orders = tf.DateOrders()
    # an export that is month first: the first chunk shows it, a later one is ambiguous
    first = tf.parse_dates(S("12/25/2022", "01/02/2022"), orders=orders)
    later = tf.parse_dates(S("03/04/2022"), orders=orders)
    assert list(first.values) == ["2022-12-25", "2022-01-02"]
    assert list(later.values) == ["2022-03-04"] and later.note is None
    # ambiguous first: the fallback holds for the rest, and dates that contradict it are
    # rejected with a note instead of being read the other way round
    orders = tf.DateOrders()
    first = tf.parse_dates(S("03/04/2022"), orders=orders)
    later = tf.parse_dates(S("12/25/2022", "05/06/2022"), orders=orders)
    assert list(first.values) == ["2022-04-03"] and "ambiguous" in first.note
    assert list(later.values) == [None, "2022-06-05"] and list(later.bad) == [True, False]
    assert "look MDY" in later.note and "read as DMY (assumed)" in later.note
    # chunks without day/month dates settle nothing
    orders = tf.DateOrders()
    tf.parse_dates(S("2022-03-04"), orders=orders)
    assert list(tf.parse_dates(S("13/04/2022", "03/04/2022"), orders=orders).values) == \
        ["2022-04-13", "2022-04-03"]


@pytest.mark.parametrize("value", [-300, -320, 344, 5.5])
def test_a_time_zone_yaml_read_as_a_number_is_refused(value):
    """Unquoted, YAML reads -05:00 as -300 and -0500 as -320: never taken for some other
    offset."""
    with pytest.raises(tf.TransformError, match="write it in quotes"):
        tf.time_zone(value)


def test_a_lowercase_z_and_a_comma_fraction_are_read_with_a_zone():
    r = tf.parse_dates(S("2020-01-01t20:00:00z", "2020-01-01T20:00:00,5Z"), tz="UTC")
    assert list(r.values) == ["2020-01-01T20:00:00", "2020-01-01T20:00:00"]


def test_a_phone_cell_with_odd_digits_does_not_stop_the_region_guess():
    assert tf.infer_phone_region(S("+2\u00b25 1234 5678", "\u207a2\u2075\u2074 98765",
                                   "+44 20 7946 0958")) == "GB"


def test_a_conflicting_first_chunk_settles_no_order():
    orders = tf.DateOrders()
    first = tf.parse_dates(S("12/25/2022", "25/12/2022"), orders=orders)
    assert "conflicting" in first.note
    later = tf.parse_dates(S("12/26/2022", "03/04/2022"), orders=orders)
    assert list(later.values) == ["2022-12-26", "2022-03-04"] and later.note is None


def test_excel_day_numbers_are_read_only_when_the_step_says_so():
    """A date column saved without a date format holds Excel's day numbers (45213 is
    2023-10-14); read as such only with excel_serial, texts in the column still read."""
    s = S("45213", "45213.5", "14/10/2023", "10000", "2023", "452130", "2958465", "abc", "")
    r = tf.parse_dates(s, "DMY", excel_serial=True)
    # a year, or a number past the last day a date read may hold, is no day number: a wrong
    # date would go in without a word (2023 read as 1905-07-15, 452130 wrapped to 1968)
    assert r.values.tolist() == ["2023-10-14", "2023-10-14T12:00:00", "2023-10-14",
                                 "1927-05-18", None, None, None, None, None]
    assert r.bad.tolist() == [False, False, False, False, True, True, True, True, False]
    plain = tf.parse_dates(s, "DMY")
    assert plain.bad.tolist() == [True, True, False, True, True, True, True, True, False]
    age = tf.apply_step(S("36526"), {"age_from_date": {"excel_serial": True}})
    assert age.values.notna().all() and not age.bad.any()  # 2000-01-01


def test_excel_serial_share_counts_day_numbers_of_plausible_dates():
    assert tf.excel_serial_share(["45213", " 44927 ", "", "2023-01-01"]) == pytest.approx(2 / 3)
    assert tf.excel_serial_share(["150", "12"]) == 0  # ages or amounts, not dates
    assert tf.excel_serial_share(["11000"], low=3000) == 1  # a birth date in 1930


def test_the_date_order_guess_says_what_the_values_show():
    g = tf.guess_date_order(S("12/25/2022", "25/12/2022"))
    assert g.order is None and g.evidence is tf.OrderEvidence.CONFLICTING
    assert g.why == "conflicting: values above 12 in both positions"
    g = tf.guess_date_order(S("01/02/2022"))
    assert (g.order, g.evidence) == (None, tf.OrderEvidence.AMBIGUOUS)
    assert tf.guess_date_order(S("2022-01-02")).evidence is tf.OrderEvidence.NO_DAY_MONTH


@pytest.mark.parametrize("value, order, iso", [
    ("09.10.2026 10:15", "DMY", "2026-10-09T10:15:00"),      # a German export's arrival
    ("09-10-2026 10:15:30", "DMY", "2026-10-09T10:15:30"),
    ("10-09-2026 10:15", "MDY", "2026-10-09T10:15:00"),
])
def test_day_and_month_dates_with_a_time_read_whatever_the_separator(value, order, iso):
    r = tf.parse_dates(pd.Series([value], dtype=object), order=order)
    assert not r.bad.any() and r.values.tolist() == [iso]


def test_a_spreadsheets_short_dates_with_times_are_read():
    """MIMIC-III's PATIENTS.csv as a spreadsheet saved it: DOB "3/5/94 0:00"."""
    from wizard.core.transforms import parse_dates
    r = parse_dates(pd.Series(["3/5/94 0:00", "12/31/05 10:30", "28.02.99 8:15"]), "MDY")
    assert r.values.tolist()[:2] == ["1994-03-05", "2005-12-31T10:30:00"]
    r = parse_dates(pd.Series(["28.02.99 8:15", "3/5/94 0:00"]), "DMY")
    assert r.values.tolist() == ["1999-02-28T08:15:00", "1994-05-03"]


def test_a_birth_date_with_a_two_digit_year_is_never_in_the_future():
    from datetime import date

    from wizard.core.transforms.dates import age_from_date
    r = age_from_date(pd.Series(["9/3/38 0:00", "3/5/94", "1/2/2030", ""]), "MDY",
                      today=date(2026, 12, 7))
    # 38 is 1938 (strptime's window says 2038); a four-digit future year is left as
    # written, for the age range rule to reject
    assert r.values.tolist() == [88, 32, -4, None]
    assert "1 birth date(s) written with a two-digit year" in r.note


def test_an_age_from_a_birth_year_alone():
    from datetime import date

    from wizard.core.transforms.dates import age_from_year
    r = age_from_year(pd.Series(["1955", "2125", "", "55", "1990.0"]), today=date(2026, 12, 7))
    assert r.values.tolist() == [71, -99, None, None, 36]
    assert r.bad.tolist() == [False, False, False, True, False]
    assert "this year's birthday" in r.note


def test_a_split_step_with_an_unknown_part_is_refused():
    from wizard.core.transforms import SplitStep, TransformError
    SplitStep(" ", "last").check()
    SplitStep(" ", 2).check()
    with pytest.raises(TransformError, match="part 'second' is not first, last, rest"):
        SplitStep(" ", "second").check()
