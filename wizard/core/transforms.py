"""Column transforms, vectorised over whole columns (pandas), composable per field.

Each transform takes a Series of strings ("" is empty) and returns a :class:`Result`:
the new values and a boolean mask of the cells it could not convert. Nothing here loops
over cells in Python where pandas can do the work.

Steps as written in a mapping profile (YAML/JSON)::

    trim | upper | lower | title
    {concat: " "}                       # several source columns into one
    {split: {sep: " ", part: first}}    # first | last | rest | an index
    {map: {male: M, female: F}}         # value map, case-insensitive; others pass through
    {date: {order: DMY}}                # to ISO-8601; order DMY | MDY | YMD | auto
    {phone: {region: IN}}               # to E.164
    {number: {decimal: ",", thousands: "."}}
    {default: General}                  # fill empty cells
    {age_from_date: {order: DMY}}       # years between a birth date and today
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd


class TransformError(ValueError):
    """A step in a profile that cannot be applied (unknown name, bad options)."""


@dataclass
class Result:
    values: pd.Series
    bad: np.ndarray | None = None       # cells that could not be converted
    note: str | None = None             # e.g. an ambiguity the operator should know about
    null: np.ndarray | None = None      # cells without a value (when cheaply known)
    array: np.ndarray | None = None     # the values as float64 (NaN) or datetime64 (NaT)


def _bad_or(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a | b


_EDGE_SPACE = [" ", "\t", "\r", "\n", "\xa0", "\u3000"]


def as_text(s: pd.Series) -> pd.Series:
    """The column as an object Series of str ("" for missing), without copying when it
    already is one (the readers' output)."""
    if s.dtype == object and not s.hasnans and pd.api.types.infer_dtype(
            s, skipna=False) in ("string", "empty"):
        return s
    vals = s.tolist()
    return pd.Series(["" if v is None or v != v else (v if isinstance(v, str) else str(v))
                      for v in vals], index=s.index, dtype=object)


def is_blank(s: pd.Series) -> np.ndarray:
    """Which cells are "" (a text column as the readers give it). NumPy compares an object
    array four times faster than a pandas Series does."""
    arr = s.to_numpy()
    if arr.dtype == object:
        return np.asarray(arr == "", dtype=bool)
    return (s == "").to_numpy(dtype=bool, na_value=False)


def text(s: pd.Series) -> pd.Series:
    """as_text, stripped: a C-speed scan first, a per-cell strip only where needed."""
    if not len(s):
        return as_text(s)
    vals = s.tolist() if s.dtype == object else None
    try:  # joining succeeds only when every cell is a str: the readers' columns
        joined = "\x00" + "\x00".join(vals) + "\x00"
    except TypeError:
        s = as_text(s)
        vals = s.tolist()
        joined = "\x00" + "\x00".join(vals) + "\x00"
    if _edge_space(joined):
        return pd.Series([v.strip() for v in vals], index=s.index, dtype=object)
    return s


def _edge_space(joined: str) -> bool:
    """Whether any value of "\x00v1\x00v2...\x00" starts or ends with white space. Each
    test is a C-speed scan; characters absent from the whole text cost one scan, not two."""
    ascii_only = joined.isascii()
    for w in _EDGE_SPACE:
        if ascii_only and not w.isascii():
            continue
        if w != " " and w not in joined:
            continue
        if ("\x00" + w) in joined or (w + "\x00") in joined:
            return True
    return False


# --- text ------------------------------------------------------------------------------
def trim(s: pd.Series) -> Result:
    return Result(text(s))


def case(s: pd.Series, how: str) -> Result:
    s = as_text(s)
    return Result({"upper": s.str.upper, "lower": s.str.lower, "title": s.str.title}[how]())


def concat(frame: pd.DataFrame, sep: str = " ") -> Result:
    parts = [text(frame[c]) for c in frame.columns]
    if not parts:
        return Result(pd.Series([], dtype=object))
    out = parts[0]
    for p in parts[1:]:
        both = (out != "") & (p != "")
        out = out.where(~both, out + sep + p)
        out = out.where(out != "", p)
    return Result(out)


def split(s: pd.Series, sep: str = " ", part="first") -> Result:
    s = text(s)
    if part == "first":
        return Result(s.str.split(sep, n=1).str[0].fillna(""))
    if part == "rest":
        return Result(s.str.split(sep, n=1).str[1].fillna(""))
    if part == "last":
        return Result(s.str.rsplit(sep, n=1).str[-1].fillna(""))
    return Result(s.str.split(sep).str[int(part)].fillna(""))


def value_map(s: pd.Series, mapping: dict) -> Result:
    s = text(s)
    low = {str(k).strip().lower(): str(v) for k, v in mapping.items()}
    mapped = s.map(lambda v: low.get(v.lower(), v))
    return Result(mapped.astype(object))


def default(s: pd.Series, value) -> Result:
    s = text(s)
    return Result(s.where(s != "", str(value)))


GENDER_MAP = {"m": "M", "male": "M", "man": "M", "boy": "M", "1": "M",
              "f": "F", "female": "F", "woman": "F", "girl": "F", "2": "F",
              "o": "O", "other": "O", "3": "O"}


# --- numbers -----------------------------------------------------------------------------
_CURRENCY = re.compile(r"^(?:rs\.?|inr|usd|eur|gbp|[₹$€£])\s*|\s*(?:rs\.?|inr|[₹$€£])$",
                       re.IGNORECASE)


def number(s: pd.Series, decimal: str = ".", thousands: str | None = None,
           integer: bool = False, clean: bool = False) -> Result:
    raw = s if clean else text(s)
    empty = is_blank(raw)
    num = pd.Series(np.nan, index=raw.index, dtype="float64")
    plain = decimal == "." and not thousands
    if plain:  # C-speed parse of the common case; only failures take the slow path
        num = pd.to_numeric(raw.where(~empty, None), errors="coerce").astype("float64")
    retry = ~empty & (num.isna().to_numpy() | ~np.isfinite(num.to_numpy(dtype="float64",
                                                                       na_value=np.nan)))
    if retry.any():
        t = raw[retry].map(lambda v: _CURRENCY.sub("", v).strip())
        if thousands:
            t = t.str.replace(thousands, "", regex=False)
        if decimal != ".":
            t = t.str.replace(decimal, ".", regex=False)
        ok_shape = t.str.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?").fillna(False)
        num.loc[retry] = pd.to_numeric(t.where(ok_shape, None), errors="coerce").astype(
            "float64").to_numpy()
    bad = (~empty) & num.isna().to_numpy()
    if integer:
        frac = num.notna() & (num != np.floor(num.fillna(0)))
        bad = bad | frac.to_numpy()
        vals = num.where(~frac & num.notna())
        out = pd.Series([None] * len(vals), index=s.index, dtype=object)
        ok = vals.notna().to_numpy()
        if ok.any():
            out[ok] = vals[ok].astype("int64").astype(object)
        return Result(out, bad, null=~ok, array=vals.to_numpy(dtype="float64"))
    ok = num.notna().to_numpy()
    out = num.astype(object).where(ok, None)
    return Result(out, bad, null=~ok, array=num.to_numpy(dtype="float64"))


# --- dates -------------------------------------------------------------------------------
ISO_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
               "%Y/%m/%d", "%Y%m%d"]
NAMED_FORMATS = ["%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y",
                 "%d-%B-%Y"]
ORDER_FORMATS = {
    "DMY": ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d-%m-%y", "%d.%m.%y",
            "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"],
    "MDY": ["%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y", "%m-%d-%y",
            "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M"],
    "YMD": [],
}
_DM = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:\s.*)?$")


def infer_date_order(s: pd.Series) -> tuple[str | None, str]:
    """Day/month order from a column's values: ('DMY'|'MDY'|None, explanation)."""
    parts = text(s).str.extract(_DM)
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


def parse_dates(s: pd.Series, order: str = "auto", fallback_order: str = "DMY",
                clean: bool = False) -> Result:
    """Dates in mixed formats to ISO-8601 text (YYYY-MM-DD, time kept if not midnight).

    Each distinct text is read once (a column of 50,000 visit dates holds a few thousand),
    and each known format is tried with pandas' C parser on what is still unread, so a
    column costs one pass per format actually present, not a Python call per cell.
    """
    raw = s if clean else text(s)
    empty = is_blank(raw)
    codes, uniq = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=False)
    distinct = pd.Series(np.asarray(uniq, dtype=object), dtype=object)
    note = None
    if order in (None, "", "auto"):
        inferred, why = infer_date_order(distinct)
        if inferred is None:
            note = f"date order {why}; read as {fallback_order} — set the order to confirm"
            inferred = fallback_order
        order = inferred
    order = order.upper()
    formats = ISO_FORMATS + ORDER_FORMATS.get(order, []) + NAMED_FORMATS
    u_values = np.full(len(distinct), np.datetime64("NaT"), dtype="datetime64[ns]")
    todo = ~is_blank(distinct) & distinct.notna().to_numpy()
    formats = _likely_first(distinct[todo], formats)
    for fmt in formats:
        if not todo.any():
            break
        got = pd.to_datetime(distinct[todo], format=fmt, errors="coerce").to_numpy(
            dtype="datetime64[ns]")
        hit = ~np.isnat(got)
        if hit.any():
            idx = np.flatnonzero(todo)[hit]
            u_values[idx] = got[hit]
            todo[idx] = False
    u_ok = ~np.isnat(u_values)
    days = u_values.astype("datetime64[D]")
    u_iso = days.astype(str).astype(object)
    has_time = u_ok & (u_values != days.astype("datetime64[ns]"))
    if has_time.any():
        u_iso[has_time] = np.datetime_as_string(u_values[has_time], unit="s")
    u_iso[~u_ok] = None
    values = u_values[codes]
    ok = u_ok[codes]
    out = pd.Series(u_iso[codes], index=raw.index, dtype=object)
    bad = (~empty) & (~ok)
    return Result(out, bad, note, null=~ok, array=values)


def _likely_first(raw: pd.Series, formats: list[str], sample: int = 64) -> list[str]:
    """The formats that parse some of a sample of the values, then the others, each group
    in its original order. A column is usually written in one or two formats: trying those
    first spares a pass over the whole column for every format it does not use. (No value
    can be read by two of these formats, so the order changes no result.)"""
    if len(raw) <= sample:
        return formats
    probe = raw.iloc[np.linspace(0, len(raw) - 1, sample).astype(int)]
    used = [f for f in formats
            if pd.to_datetime(probe, format=f, errors="coerce").notna().any()]
    return used + [f for f in formats if f not in used]


def future_mask(iso: pd.Series, today: date | None = None) -> np.ndarray:
    today = (today or date.today()).isoformat()
    t = iso.astype(object)
    return (t.notna() & (t.astype(str).str[:10] > today)).to_numpy()


def age_from_date(s: pd.Series, order: str = "auto", today: date | None = None) -> Result:
    r = parse_dates(s, order)
    today = today or date.today()
    d = pd.to_datetime(r.values, errors="coerce")
    years = today.year - d.dt.year - ((d.dt.month > today.month) |
                                      ((d.dt.month == today.month) & (d.dt.day > today.day)))
    out = pd.Series([None] * len(s), index=s.index, dtype=object)
    ok = years.notna().to_numpy()
    if ok.any():
        out[ok] = years[ok].astype("int64").astype(object)
    return Result(out, r.bad, r.note)


# --- phones ------------------------------------------------------------------------------
def region_info(region: str) -> tuple[int, str, tuple[int, ...]]:
    """(country calling code, national prefix, possible national lengths) for a region."""
    import phonenumbers
    from phonenumbers import PhoneMetadata
    md = PhoneMetadata.metadata_for_region(region.upper())
    if md is None:
        raise TransformError(f"unknown phone region '{region}' (use a code such as IN, GB, US)")
    lengths = tuple(md.general_desc.possible_length or ())
    return phonenumbers.country_code_for_region(region.upper()), md.national_prefix or "", lengths


def infer_phone_region(s: pd.Series) -> str | None:
    """The region of the most common country code among a column's +international numbers."""
    import phonenumbers
    t = text(s).str.replace(r"[\s\-().]", "", regex=True)
    intl = t[t.str.match(r"^(?:\+|00)[1-9]")].str.replace(r"^00", "+", regex=True)
    if intl.empty:
        return None
    counts: dict[str, int] = {}
    for v in intl.head(2000):
        try:
            n = phonenumbers.parse(v, None)
        except phonenumbers.NumberParseException:
            continue
        r = phonenumbers.region_code_for_number(n)
        if r and r != "ZZ":
            counts[r] = counts.get(r, 0) + 1
    return max(counts, key=counts.get) if counts else None


def to_e164(s: pd.Series, region: str = "IN", clean: bool = False) -> Result:
    """Phone numbers to E.164 (+<country><number>); national ones take the region's code."""
    raw = s if clean else text(s)
    empty = is_blank(raw)
    cc, prefix, lengths = region_info(region)
    t = raw.str.replace(r"[\s\-().'/]", "", regex=True).str.replace(r"^00", "+", regex=True)
    intl = t.str.match(r"^\+[1-9]\d{6,14}$").fillna(False)
    digits = t.str.fullmatch(r"\d+").fillna(False) & ~intl
    national = t.where(digits, "")
    if prefix:
        national = national.where(~national.str.startswith(prefix), national.str[len(prefix):])
    # a national number written with its country code but no '+' (919876543210)
    with_cc = national.str.startswith(str(cc)) & national.str.len().isin(
        [n + len(str(cc)) for n in lengths])
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
    return Result(out, bad, null=null)


E164 = re.compile(r"^\+[1-9]\d{6,14}$")


# --- the step language ------------------------------------------------------------------
STEP_NAMES = ["trim", "upper", "lower", "title", "concat", "split", "map", "date", "phone",
              "number", "integer", "default", "age_from_date"]


def parse_step(step) -> tuple[str, dict]:
    if isinstance(step, str):
        name, opts = step, {}
    elif isinstance(step, dict) and len(step) == 1:
        name, opts = next(iter(step.items()))
        if not isinstance(opts, dict):
            opts = {"value": opts}
    else:
        raise TransformError(f"a step must be a name or {{name: options}}, not {step!r}")
    if name not in STEP_NAMES:
        raise TransformError(f"unknown transform '{name}' (known: {', '.join(STEP_NAMES)})")
    return name, opts


def apply_step(s: pd.Series, step, ctx: dict | None = None) -> Result:
    """Apply one profile step to a column. ``ctx`` carries profile defaults."""
    ctx = ctx or {}
    name, o = parse_step(step)
    if name == "trim":
        return trim(s)
    if name in ("upper", "lower", "title"):
        return case(s, name)
    if name == "split":
        return split(s, o.get("sep", o.get("value", " ")), o.get("part", "first"))
    if name == "map":
        mapping = o.get("values", o) if "values" in o else o
        return value_map(s, mapping)
    if name == "date":
        return parse_dates(s, o.get("order", o.get("value", ctx.get("date_order", "auto"))),
                           ctx.get("fallback_date_order", "DMY"))
    if name == "phone":
        return to_e164(s, o.get("region", o.get("value", ctx.get("phone_region", "IN"))))
    if name in ("number", "integer"):
        return number(s, o.get("decimal", ctx.get("decimal", ".")),
                      o.get("thousands", ctx.get("thousands")), integer=name == "integer")
    if name == "default":
        return default(s, o.get("value", ""))
    if name == "age_from_date":
        return age_from_date(s, o.get("order", ctx.get("date_order", "auto")))
    if name == "concat":
        return trim(s)  # concat acts on several columns: see apply_field
    raise TransformError(name)
