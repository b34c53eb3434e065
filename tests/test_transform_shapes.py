"""The quick checks that spare pandas calls give the same results as asking pandas."""
import random

import numpy as np
import pandas as pd

from wizard.core import transforms as tf

ALL_FORMATS = list(dict.fromkeys(tf.ISO_FORMATS + tf.ORDER_FORMATS["DMY"] +
                                 tf.ORDER_FORMATS["MDY"] + tf.NAMED_FORMATS))
MONTHS = ["Jan", "February", "mar", "APR", "May", "June", "jul", "Aug", "Sept", "Oct", "Nov",
          "December"]


def _texts(seed=11, n=4000):
    """Dates written in every format, many of them slightly damaged (a character added,
    dropped or changed, white space around the parts), and some that are not dates."""
    rng = random.Random(seed)
    alphabet = "0123456789 -/.:,Tt\tMaJnyDec+Z\u00a0\uff12"
    out = []
    for i in range(n):
        fmt = ALL_FORMATS[i % len(ALL_FORMATS)]
        d = pd.Timestamp(rng.randint(1950, 2030), rng.randint(1, 12), rng.randint(1, 28),
                         rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
        v = d.strftime(fmt)
        if "%b" in fmt or "%B" in fmt:
            v = v.replace(d.strftime("%b" if "%b" in fmt else "%B"), rng.choice(MONTHS))
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            j = rng.randrange(len(v) + 1)
            how = rng.random()
            if how < 0.4:
                v = v[:j] + rng.choice(alphabet) + v[j:]
            elif how < 0.7:
                v = v[:j] + v[j + 1:]
            else:
                v = v[:j] + rng.choice(alphabet) + v[j + 1:]
        out.append(v)
    out += ["", "yesterday", "2022", "12/2022", "1-1", "T", "-", "//", "May", "2022-01-01Z",
            "2020111", "202011", " 5/1/2020", "1/ 5/2020", "5 May\n2020", "٥/١/٢٠٢٠",
            "２０２０-01-01", "2020-01-01\x00",
            "now", "today", " today", "Now", "/1/15", "-/1/15", "/01/15 10:00", "202-01-01",
            "-1-12-12", "-2020-01-01 10:00", "20201-01-01", "2020-001-01", "2020-01-01 1:2:3",
            "1/1/202", "1/1/5",
            "01/01/2020 10:5", "1-Jan-5", "2020011", "2020111", "2020-01-01T1:2:3",
            "2020-01-01t10:00:00", "2020-01-01  10:00", "1.1.20", "1.1.2020", "2020/1/1",
            "1 1 2020", "20201 1", "x" * 100, "1" * 100, "2022-01-01" + " " * 80]
    return out


def test_shape_check_never_rules_out_a_text_pandas_reads():
    texts = pd.Series(_texts(), dtype=object)
    values = texts.to_numpy()
    read_by_some = 0
    for fmt in ALL_FORMATS:
        read = pd.to_datetime(texts, format=fmt, errors="coerce").notna().to_numpy()
        could = np.array([tf._could_read([v], fmt) for v in values])
        missed = [v for v in values[read & ~could]]
        # asked about several at once, it answers whether any of them could be read
        for i in range(0, len(values) - 7, 7):
            assert tf._could_read(values[i:i + 7], fmt) == could[i:i + 7].any()
        assert not missed, (fmt, missed[:5])
        read_by_some += int(read.sum())
        # and it does rule out most of what pandas cannot read (that is its point)
        assert (~could & ~read).sum() > 0.5 * (~read).sum(), fmt
    assert read_by_some > 1000


def test_dates_read_as_when_pandas_is_asked_about_every_format(monkeypatch):
    """parse_dates with the shape checks gives what it gives when pandas is asked about
    every format (the checks switched off), value for value."""
    texts = _texts(seed=3, n=1500)
    # a column mostly in one format, with the damaged ones and the others few enough
    # (under _FEW) to be checked one by one after the first pass
    column = [f"{d:02d}/{m:02d}/20{y:02d}" for d in range(1, 29) for m in (1, 7)
              for y in (1, 9)] + texts[::40] + ["06-jun-2021", "7 AUG 2020", "sep 3, 2019"]
    for vals in (texts, column, texts[:50]):
        for order in ("DMY", "MDY", "YMD", "auto"):
            s = pd.Series(vals, dtype=object)
            got = tf.parse_dates(s, order)
            with monkeypatch.context() as m:
                m.setattr(tf, "_could_read", lambda values, fmt: True)
                want = tf.parse_dates(s, order)
            assert got.values.tolist() == want.values.tolist(), order
            assert got.bad.tolist() == want.bad.tolist()
            assert got.null.tolist() == want.null.tolist()
            assert got.note == want.note
            assert np.array_equal(got.array, want.array, equal_nan=True)
            # "now" and "today" are no date (pandas would read them as the present)
            now = s.str.strip().isin(["now", "today"]).to_numpy()
            assert np.isnat(got.array[now]).all() and got.bad[now].all()


def test_few_values_left_are_still_read_when_they_fit_a_late_format():
    # 100 ISO dates and a handful of others: after the ISO pass the few left are checked
    # against each remaining format's shape, and those that fit are still read
    vals = [f"2021-03-{d:02d}" for d in range(1, 29)] * 4 + ["5 May 2020", "May 6, 2020",
                                                             "31/31/2022", "nope", "07.08.21"]
    r = tf.parse_dates(pd.Series(vals, dtype=object), "DMY")
    assert r.values.tolist()[-5:] == ["2020-05-05", "2020-05-06", None, None, "2021-08-07"]
    assert r.bad.tolist()[-5:] == [False, False, True, True, False]
    assert not np.asarray(r.bad[:-5]).any()


def _to_e164_columns(raw: pd.Series, region: str) -> tf.Result:
    """to_e164 as it was written before, with whole-column operations (the reference), and
    with every script's decimal digits read as 0-9 first."""
    empty = tf.is_blank(raw)
    cc, prefix, lengths = tf.region_info(region)
    raw = raw.map(lambda v: "".join(str(int(ch)) if ch.isdecimal() else ch for ch in v))
    # "+44 (0) 20 ..." and "9876543210.0": the bracketed trunk prefix and the float's tail go
    raw = raw.str.replace(r"^(\s*(?:\+|00)\s*[1-9]\d{0,2})[\s\-.]*\(0\)", r"\1", regex=True)
    raw = raw.str.replace(r"^(\s*\+?\d+)\.0+\s*$", r"\1", regex=True)
    t = raw.str.replace(r"[\s\-().'/]", "", regex=True).str.replace(r"^00", "+", regex=True)
    intl = t.str.match(r"^\+[1-9]\d{6,14}$").fillna(False)
    digits = t.str.fullmatch(r"\d+").fillna(False) & ~intl
    national = t.where(digits, "")
    if prefix:
        national = national.where(~national.str.startswith(prefix), national.str[len(prefix):])
    # a national number written with its country code but no '+' (919876543210), unless
    # the digits are a national number as they are (9123456789 in India)
    with_cc = national.str.startswith(str(cc)) & national.str.len().isin(
        [n + len(str(cc)) for n in lengths])
    pattern = tf.national_pattern(region)
    is_national = national.map(lambda x: bool(pattern and pattern.fullmatch(x)))
    after_cc = national.str[len(str(cc)):].map(lambda x: bool(pattern and pattern.fullmatch(x)))
    with_cc &= ~national.str.len().isin(lengths) | (~is_national & after_cc)
    national = national.where(~with_cc, national.str[len(str(cc)):])
    nat_ok = digits & national.str.len().isin(lengths) if lengths else digits
    out = pd.Series([None] * len(raw), index=raw.index, dtype=object)
    out[intl.to_numpy()] = t[intl]
    out[nat_ok.to_numpy()] = ("+" + str(cc) + national[nat_ok]).to_numpy()
    # +<cc of the default region> numbers must have a possible national length too
    own = out.notna() & out.astype(str).str.startswith("+" + str(cc))
    if lengths and own.any():
        nsn_len = out[own].astype(str).str.len() - 1 - len(str(cc))
        wrong = ~nsn_len.isin(lengths)
        out[wrong[wrong].index] = None
    null = out.isna().to_numpy()
    bad = (~empty) & null
    return tf.Result(out, bad, null=null)


def _phones(seed=7, n=3000):
    rng = random.Random(seed)
    alphabet = "0123456789+ -().'/\t\u00a0x#\uff11"
    heads = ["+91", "0091", "91", "0", "", "+44", "0044", "+1", "1", "+", "00", "+0", "+971"]
    out = []
    for i in range(n):
        v = rng.choice(heads) + "".join(rng.choice("0123456789") for _ in range(
            rng.randint(0, 16)))
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            j = rng.randrange(len(v) + 1)
            v = v[:j] + rng.choice(alphabet) + v[j:]
        out.append(v)
    return out + ["", " ", "+91 98765 43210", "098765 43210", "919876543210", "(022) 2345-6789",
                  "9876543210\n", "+919876543210\n", "00", "not a phone"]


def test_phones_converted_as_the_whole_column_operations_convert_them():
    vals = _phones()
    s = pd.Series(vals, dtype=object, index=range(100, 100 + len(vals)))
    for region in ("IN", "GB", "US", "BH", "SG", "ID"):
        got = tf.to_e164(s, region)
        want = _to_e164_columns(tf.text(s), region)
        assert got.values.tolist() == want.values.tolist(), region
        assert got.values.index.equals(s.index)
        assert got.bad.tolist() == want.bad.tolist()
        assert got.null.tolist() == want.null.tolist()
        assert 0 < int((~got.null).sum()) < len(vals)


def test_phones_with_repeated_index_labels_converted_one_by_one():
    s = pd.Series(["+919876543210", "09876543210", "12"], index=[0, 1, 0], dtype=object)
    r = tf.to_e164(s, "IN")
    assert r.values.tolist() == ["+919876543210", "+919876543210", None]
    assert r.values.index.tolist() == [0, 1, 0]


def test_known_regions_are_what_phonenumbers_says():
    for region, info in tf.REGIONS.items():
        assert tf._region_info(region) == info, region
        assert tf.region_info(region.lower()) == info
    assert tf.region_info("FR") == tf._region_info("FR")


def _infer_date_order_columns(s: pd.Series):
    """infer_date_order as it was written before, with whole-column operations."""
    parts = tf.text(s).str.extract(tf._DM)
    parts = parts.dropna()
    if parts.empty:
        return "YMD", "no day/month dates; ISO or named-month dates only"
    a = parts[0].astype(int)
    b = parts[1].astype(int)
    dmy = bool(((a > 12) & (b <= 12)).any())
    mdy = bool(((b > 12) & (a <= 12)).any())
    if dmy and not mdy:
        return "DMY", "day first: some values have a first number above 12"
    if mdy and not dmy:
        return "MDY", "month first: some values have a second number above 12"
    if dmy and mdy:
        return None, "conflicting: values above 12 in both positions"
    return None, "ambiguous: every day and month is 12 or less"


def test_date_order_inferred_as_the_whole_column_operations_infer_it():
    texts = _texts(seed=5, n=2000)
    rng = random.Random(1)
    seen = set()
    for _ in range(300):
        vals = rng.sample(texts, rng.choice([0, 1, 3, 10, 50]))
        vals += [rng.choice(["13/01/2020", "01/13/2020", "01/02/2020", " 5.6.21", "x"])
                 for _ in range(rng.choice([0, 1, 2]))]
        s = pd.Series(vals, dtype=object)
        got = tf.infer_date_order(s)
        assert got == _infer_date_order_columns(s), vals
        seen.add(got[0])
    assert seen == {"DMY", "MDY", "YMD", None}


def _likely_first_reference(raw, formats, sample=64):
    """_likely_first as it was written before: pandas asked about every format."""
    if len(raw) <= sample:
        return formats
    probe = raw.iloc[np.linspace(0, len(raw) - 1, sample).astype(int)]
    used = [f for f in formats
            if pd.to_datetime(probe, format=f, errors="coerce").notna().any()]
    return used + [f for f in formats if f not in used]


def test_formats_tried_in_the_order_pandas_answers_would_give():
    texts = _texts(seed=9, n=3000)
    rng = random.Random(2)
    formats = tf.ISO_FORMATS + tf.ORDER_FORMATS["DMY"] + tf.NAMED_FORMATS
    orders = set()
    for k in range(120):
        fmt = rng.choice(formats)
        base = [pd.Timestamp(2000 + i % 20, 1 + i % 12, 1 + i % 28).strftime(fmt)
                for i in range(rng.choice([10, 70, 200]))]
        mixed = base + rng.sample(texts, rng.choice([0, 0, 5, 40]))
        rng.shuffle(mixed)
        s = pd.Series(mixed, dtype=object)
        got = tf._likely_first(s, formats)
        assert got == _likely_first_reference(s, formats), fmt
        orders.add(tuple(got))
    assert len(orders) > 10


def _concat_columns(frame, sep=" "):
    """concat as it was written before, with whole-column operations."""
    parts = [tf.text(frame[c]) for c in frame.columns]
    out = parts[0]
    for p in parts[1:]:
        both = (out != "") & (p != "")
        out = out.where(~both, out + sep + p)
        out = out.where(out != "", p)
    return out


def test_concat_as_the_whole_column_operations_join():
    rng = random.Random(4)
    words = ["", "", " ", "Ravi", " Meera ", "O'Neil", "Li", "\u00a0Ana", "x y"]
    for ncols in (1, 2, 3):
        for sep in (" ", " | ", ""):
            frame = pd.DataFrame({f"c{i}": [rng.choice(words) for _ in range(300)]
                                  for i in range(ncols)}, dtype=object,
                                 index=range(50, 350))
            got = tf.concat(frame, sep).values
            want = _concat_columns(frame, sep)
            assert got.tolist() == want.tolist()
            assert got.index.equals(want.index) and got.name == want.name
            assert got.dtype == object


def test_code_columns_map_each_distinct_value_as_each_cell_would():
    """value_map and the enum canonical spelling work once per distinct value; the result
    must be what mapping every cell gives, cell for cell (case, spaces, undecodable bytes,
    empty cells)."""
    rng = random.Random(11)
    texts = ["", "m", "M", " male ", "FEMALE", "f", "x", "Ö", "ö", "\udcff", "1", "2",
             "other", "Other ", "\u00a0f"]
    for n in (0, 1, 7, 500):
        s = pd.Series([rng.choice(texts) for _ in range(n)], dtype=object,
                      index=range(10, 10 + n), name="g")
        got = tf.value_map(s, tf.GENDER_MAP).values
        plain = tf.text(s).tolist()
        assert got.tolist() == [tf.GENDER_MAP.get(v.lower(), v) for v in plain]
        assert got.index.equals(s.index) and got.dtype == object
        seen: list[str] = []
        each = tf.each_distinct(tf.text(s), lambda v: seen.append(v) or v.upper())
        assert each.tolist() == [v.upper() for v in plain]
        assert sorted(seen) == sorted(set(plain))  # once per distinct value
