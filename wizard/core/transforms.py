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
    {date: {timezone: Asia/Kolkata}}    # times with a zone (Z, +05:30) to the clinic's time
    {phone: {region: IN}}               # to E.164
    {number: {decimal: ",", thousands: "."}}
    {default: General}                  # fill empty cells
    {age_from_date: {order: DMY}}       # years between a birth date and today
"""
from __future__ import annotations

import enum
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta, timezone as fixed_zone

import numpy as np
import pandas as pd

from .errors import MappingProblem


class TransformError(MappingProblem):
    """A step in a profile that cannot be applied (unknown name, bad options)."""

    advice = "Change the transform on the Column mapping page."


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
    # (with skipna=False a missing value makes it "mixed": no separate test for them)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=False) in ("string", "empty"):
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
    """The columns' texts joined by ``sep``, empty ones left out."""
    return join_texts([text(frame[c]) for c in frame.columns], sep)


def join_texts(parts: list[pd.Series], sep: str = " ") -> Result:
    """concat of columns that are text already (``text()``'s result)."""
    if not parts:
        return Result(pd.Series([], dtype=object))
    if len(parts) == 1:
        return Result(parts[0])
    first = parts[0]
    out = first.tolist()
    for p in parts[1:]:
        out = [a + sep + b if a and b else (a or b) for a, b in zip(out, p.tolist())]
    return Result(pd.Series(out, index=first.index, dtype=object, name=first.name))


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
    return Result(pd.Series(each_distinct(s, lambda v: low.get(v.lower(), v)),
                            index=s.index, dtype=object, name=s.name))


def each_distinct(s: pd.Series, fn) -> np.ndarray:
    """``fn`` of every cell of a text column (an object array), computed once per distinct
    value: a column of codes (gender, status, mode) holds a handful of them."""
    codes, distinct = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=False)
    done = np.empty(len(distinct), dtype=object)
    done[:] = [fn(v) for v in distinct.tolist()]
    return done[codes]


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
    if plain:  # a fast parse of the common case; only failures take the slow path
        num = _plain_numbers(raw, empty)
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
    inf = np.isinf(num.to_numpy(dtype="float64", na_value=np.nan))
    if inf.any():  # "1e400" reads as infinity: no amount or age a record can hold
        num = num.where(~inf)
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


_NAN = float("nan")


def _float_or_nan(v: str) -> float:
    try:
        return float(v)
    except ValueError:
        return _NAN


def _plain_numbers(raw: pd.Series, empty: np.ndarray) -> pd.Series:
    """Plain numbers (a "." decimal point, no thousands separator) as float64, NaN where a
    value is empty or not such a number: what pandas' to_numeric reads, three times faster.

    Python's float() reads the same texts as pandas, but also digits of other scripts and
    "1_000": those texts, and anything that is not text, go to pandas instead."""
    arr = raw.to_numpy()
    full = ~empty
    vals = arr[full].tolist() if arr.dtype == object else None
    try:
        joined = "".join(vals) if vals is not None else None
    except TypeError:  # a cell that is not a text
        joined = None
    if joined is None or not joined.isascii() or "_" in joined:
        return pd.to_numeric(raw.where(full, None), errors="coerce").astype("float64")
    out = np.full(len(arr), np.nan)
    out[full] = np.fromiter(map(_float_or_nan, vals), dtype=np.float64, count=len(vals))
    return pd.Series(out, index=raw.index)


# --- dates -------------------------------------------------------------------------------
ISO_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
               "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f"]
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


class OrderEvidence(enum.Enum):
    """What a column's day/month dates say about their order."""
    NO_DAY_MONTH = "no day/month dates"
    DAY_FIRST = "day first"
    MONTH_FIRST = "month first"
    CONFLICTING = "conflicting"    # numbers above 12 in both places: the data contradicts itself
    AMBIGUOUS = "ambiguous"        # every day and month is 12 or less


@dataclass(frozen=True)
class DateOrderGuess:
    """A column's day/month order as its values show it, and why, in words."""
    order: str | None              # DMY | MDY | YMD (no day/month dates), None: not shown
    evidence: OrderEvidence
    why: str


_GUESSES = {
    OrderEvidence.NO_DAY_MONTH: ("YMD", "no day/month dates; ISO or named-month dates only"),
    OrderEvidence.DAY_FIRST: ("DMY", "day first: some values have a first number above 12"),
    OrderEvidence.MONTH_FIRST: ("MDY", "month first: some values have a second number "
                                       "above 12"),
    OrderEvidence.CONFLICTING: (None, "conflicting: values above 12 in both positions"),
    OrderEvidence.AMBIGUOUS: (None, "ambiguous: every day and month is 12 or less"),
}


def guess_date_order(s: pd.Series) -> DateOrderGuess:
    """Day/month order from a column's values."""
    found = dmy = mdy = False
    match = _DM.match
    for v in pd.unique(text(s).to_numpy(dtype=object)):  # each distinct text once
        m = match(v)
        if m is not None:
            found = True
            a, b = int(m[1]), int(m[2])
            dmy = dmy or (a > 12 and b <= 12)
            mdy = mdy or (b > 12 and a <= 12)
    evidence = OrderEvidence.NO_DAY_MONTH if not found else \
        OrderEvidence.DAY_FIRST if dmy and not mdy else \
        OrderEvidence.MONTH_FIRST if mdy and not dmy else \
        OrderEvidence.CONFLICTING if dmy and mdy else OrderEvidence.AMBIGUOUS
    order, why = _GUESSES[evidence]
    return DateOrderGuess(order, evidence, why)


def infer_date_order(s: pd.Series) -> tuple[str | None, str]:
    """Day/month order from a column's values: ('DMY'|'MDY'|'YMD'|None, explanation)."""
    g = guess_date_order(s)
    return g.order, g.why


class DateOrders:
    """The day/month order of a column whose profile says "auto", settled once for a whole
    run: a column read chunk by chunk must not be read day first in one chunk and month
    first in the next (a chunk of dates that are all ambiguous, 01/02 and 03/04, would
    otherwise fall back to day first inside an export that is month first).

    The first chunk that shows the order (a number above 12) settles it; a chunk before
    that is read in the fallback order, with a note, and that order then holds. A later
    chunk that looks the other way is read in the settled order too: its dates that do not
    fit are rejected, each with its file and line, and a note says so."""

    def __init__(self):
        self.order: str | None = None
        self.assumed = False  # settled by the fallback, not by the data

    def settle(self, guess: DateOrderGuess, fallback: str) -> tuple[str, str | None]:
        """(the order to read this chunk in, a note or None)."""
        inferred, why = guess.order, guess.why
        if inferred == "YMD":  # no day/month dates here: nothing to settle
            return self.order or "YMD", None
        if inferred is None and self.order is None:
            note = f"date order {why}; read as {fallback} — set the order to confirm"
            if guess.evidence is OrderEvidence.CONFLICTING:  # the data contradicts itself:
                return fallback, note  # no evidence for the fallback; a later chunk may settle
            self.order, self.assumed = fallback, True
            return fallback, note
        if inferred is None or inferred == self.order:
            return self.order, None
        if self.order is None:
            self.order = inferred
            return inferred, None
        return self.order, (f"date order: some records look {inferred} ({why}), but earlier "
                            f"records were read as {self.order}"
                            f"{' (assumed)' if self.assumed else ''}; they are read as "
                            f"{self.order} too and the dates that do not fit are rejected — "
                            "set the order")


#: words pandas reads as the present moment whatever format it is given: in a legacy date
#: column they are no date (a visit "today" is not the day of the migration)
_PANDAS_NOW = ["now", "today"]


#: an ISO-8601 date and time with its zone: 2020-01-01T10:00:00Z, 2020-01-01 10:00+05:30
_ZONED = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s?"
                    r"(?:Z|[+-]\d{2}(?::?\d{2})?)\s*$", re.IGNORECASE)
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{2})(?::?(\d{2}))?$", re.IGNORECASE)


def time_zone(name: str):
    """The clinic's time zone from a profile: an IANA name (Asia/Kolkata), UTC, or a fixed
    offset (+05:30, -0500). TransformError if there is no such zone."""
    if not isinstance(name, str):  # YAML reads an unquoted -05:00 as a number (-300)
        raise TransformError(f"the time zone {name!r} is not text: write it in quotes, "
                             "for example timezone: '-05:00'")
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return fixed_zone.utc
    m = _OFFSET.match(text)
    if m:
        minutes = int(m[2]) * 60 + int(m[3] or 0)
        if minutes < 24 * 60:
            return fixed_zone((-1 if m[1] == "-" else 1) * timedelta(minutes=minutes))
    else:
        import zoneinfo
        try:
            return zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass  # (OSError: a folder of the zone database, "America", or a name too long)
    raise TransformError(f"unknown time zone '{text}' (use a name such as Asia/Kolkata or "
                         "Europe/London, UTC, or an offset such as +05:30)")


#: Excel's day numbers: a date cell in a column formatted "General" is saved as the days
#: since 1899-12-30 (45213 is 2023-10-14). Read from 10000 (1927-05-18: a smaller number
#: is likelier a year, 2023, or a count than a date) to 132,300 (2262-03-22, the last day
#: the dates read hold; see _LAST_DAY, which still applies).
EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
EXCEL_SERIALS = (10_000, 132_300)
_SERIAL = re.compile(r"^\s*(\d{1,7})(?:\.(\d+))?\s*$")


def excel_serial_date(text) -> str | None:
    """The ISO date (and time, if not midnight) an Excel day number stands for, or None
    if the text is not one."""
    m = _SERIAL.match(text) if isinstance(text, str) else None
    if not m:
        return None
    days = int(m.group(1))
    if not EXCEL_SERIALS[0] <= days <= EXCEL_SERIALS[1]:
        return None
    seconds = round(float("0." + (m.group(2) or "0")) * 86400)
    when = EXCEL_EPOCH + np.timedelta64(days, "D") + np.timedelta64(seconds, "s")
    if when > _LAST_DAY:
        return None
    return str(when.astype("datetime64[D]")) if seconds == 0 else \
        str(when).replace("T", " ")


def excel_serial_share(values, low: int = 20_000, look: int = 200) -> float:
    """The share of the first ``look`` non-empty texts that read as Excel day numbers of
    dates from ``low`` (20000: 1954; birth dates go further back) to 2119 (80000): a date
    column saved without a date format."""
    seen = hits = 0
    for v in values:
        if not isinstance(v, str) or not v.strip():
            continue
        seen += 1
        m = _SERIAL.match(v)
        hits += bool(m and low <= int(m.group(1)) <= 80_000)
        if seen == look:
            break
    return hits / seen if seen else 0.0


def parse_dates(s: pd.Series, order: str = "auto", fallback_order: str = "DMY",
                clean: bool = False, tz: str | None = None,
                orders: DateOrders | None = None, excel_serial: bool = False) -> Result:
    """Dates in mixed formats to ISO-8601 text (YYYY-MM-DD, time kept if not midnight).

    Each distinct text is read once (a column of 50,000 visit dates holds a few thousand),
    and each known format is tried with pandas' C parser on what is still unread, so a
    column costs one pass per format actually present, not a Python call per cell.

    A date and time with a zone (``Z``, ``+05:30``) becomes the local time of ``tz``, the
    clinic's time zone; without ``tz`` it is not read (a visit late in the evening in UTC
    is on the next day in India: only the operator knows which day the clinic means).

    ``orders``: with order "auto", the order the column's earlier chunks were read in, so
    that one column is read in one order (see DateOrders).

    ``excel_serial``: whole numbers (and fractions of a day) that no format reads are
    Excel's day numbers (see EXCEL_EPOCH).
    """
    raw = s if clean else text(s)
    empty = is_blank(raw)
    codes, uniq = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=False)
    distinct = pd.Series(np.asarray(uniq, dtype=object), dtype=object)
    note = None
    if order in (None, "", "auto"):
        guess = guess_date_order(distinct)
        inferred, why = guess.order, guess.why
        if orders is not None:
            inferred, note = orders.settle(guess, fallback_order)
        elif inferred is None:
            note = f"date order {why}; read as {fallback_order} — set the order to confirm"
            inferred = fallback_order
        order = inferred
    order = order.upper()
    formats = ISO_FORMATS + ORDER_FORMATS.get(order, []) + NAMED_FORMATS
    u_values = np.full(len(distinct), np.datetime64("NaT"), dtype="datetime64[ns]")
    todo = ~is_blank(distinct) & distinct.notna().to_numpy() & \
        ~distinct.isin(_PANDAS_NOW).to_numpy()
    formats = _likely_first(distinct[todo], formats)
    for fmt in formats:
        n_todo = int(todo.sum())
        if not n_todo:
            break
        if n_todo <= _FEW and not _could_read(distinct.to_numpy()[todo], fmt):
            continue  # none of the few values left has this format's shape: nothing to read
        got = _in_ns_range(pd.to_datetime(distinct[todo], format=fmt, errors="coerce"))
        hit = ~np.isnat(got)
        if hit.any():
            idx = np.flatnonzero(todo)[hit]
            u_values[idx] = got[hit]
            todo[idx] = False
    if todo.any():
        zoned = np.zeros(len(todo), dtype=bool)
        idx = np.flatnonzero(todo)
        zoned[idx] = [_ZONED.match(v) is not None for v in distinct.to_numpy()[idx]]
        if zoned.any() and tz:
            # pandas' ISO-8601 reader takes "Z" and "." only
            written = distinct[zoned].str.upper().str.replace(",", ".", regex=False)
            got = pd.to_datetime(written, format="ISO8601", utc=True, errors="coerce")
            local = pd.Series(pd.DatetimeIndex(got).tz_convert(time_zone(tz))
                              .tz_localize(None))
            local = _in_ns_range(local)
            hit = ~np.isnat(local)
            u_values[np.flatnonzero(zoned)[hit]] = local[hit]
        elif zoned.any():
            zone_note = (f"{int(zoned.sum())} distinct value(s) carry a time zone (Z, +hh:mm) "
                         "and were not read: give the clinic's time zone (defaults: "
                         "timezone: Asia/Kolkata, say) to have them converted to its local "
                         "time")
            note = f"{note}; {zone_note}" if note else zone_note
    if excel_serial and todo.any():
        idx = np.flatnonzero(todo)
        for i, v in zip(idx, distinct.to_numpy()[idx]):
            iso = excel_serial_date(v)
            if iso is not None:
                u_values[i] = np.datetime64(iso.replace(" ", "T"), "s").astype("datetime64[ns]")
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


#: the dates read, well inside what datetime64[ns] holds (1677-09-21 to 2262-04-11):
#: pandas reads dates outside it at a coarser unit, and converting those to ns wraps around
#: without an error ("1600-01-01" became 2184-07-20); near its ends NumPy's conversion to
#: days wraps around too. No hospital record is dated outside these.
_FIRST_DAY, _LAST_DAY = np.datetime64("1678-01-01"), np.datetime64("2261-12-31T23:59:59")


def _in_ns_range(dt: pd.Series) -> np.ndarray:
    """Parsed dates as datetime64[ns]; those outside _FIRST_DAY.._LAST_DAY are not read
    (NaT)."""
    a = dt.to_numpy()
    ok = ~np.isnat(a) & (a >= _FIRST_DAY) & (a <= _LAST_DAY)
    if a.dtype == np.dtype("datetime64[ns]") and ok.sum() == (~np.isnat(a)).sum():
        return a
    out = np.full(len(a), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[ok] = a[ok].astype("datetime64[ns]")
    return out


def _likely_first(raw: pd.Series, formats: list[str], sample: int = 64) -> list[str]:
    """The formats that parse some of a sample of the values, then the others, each group
    in its original order. A column is usually written in one or two formats: trying those
    first spares a pass over the whole column for every format it does not use. (No value
    can be read by two of these formats, so the order changes no result.)"""
    if len(raw) <= sample:
        return formats
    probe = raw.iloc[np.linspace(0, len(raw) - 1, sample).astype(int)]
    values = probe.to_numpy()
    # pandas is asked only about formats whose shape some probed value has (each call
    # costs a quarter of a millisecond, and most formats fit none of a column's values)
    fits = [f for f in formats if _could_read(values, f)]
    if not fits or fits == formats[:1]:
        return formats  # whatever pandas answered, the order would stay as it is
    used = [f for f in fits if pd.to_datetime(probe, format=f, errors="coerce").notna().any()]
    return used + [f for f in formats if f not in used]


#: Up to this many values are checked against a format's shape before pandas reads them.
_FEW = 64
_LONGEST = 64  # longer values are not checked (handed to pandas as they are)
_SHAPES: dict[str, re.Pattern] = {}


_DIRECTIVE_SHAPES = {"Y": r"\d{4}", "y": r"\d{2}", "m": r"\d{1,2}", "d": r"\d{1,2}",
                     "H": r"\d{1,2}", "M": r"\d{1,2}", "S": r"\d{1,2}",
                     "b": r"[^\W\d_]+", "B": r"[^\W\d_]+"}
# the C parser's numbers: a year with or without a minus sign and digits (or none), the
# others digits; numbers side by side (%Y%m%d, "%d %H") make one run of digits and spaces
_ISO_RUN = {r"-?\d*": r"-?[\d\s]*", r"\d*": r"[\d\s]*", r"-?[\d\s]*": r"-?[\d\s]*",
            r"[\d\s]*": r"[\d\s]*"}


def _shape(fmt: str) -> re.Pattern:
    """A pattern every text that pandas reads with ``fmt`` matches (a necessary condition,
    deliberately loose). Texts that do not match it cannot be read with that format.

    pandas reads the ISO formats (%Y first) with its own C parser, which also takes a
    signed or even an empty year ("-1-12-12", "/1/15"): there only the separators count.
    The others it reads with strptime's patterns: numbers of one or two digits, four for
    %Y, two for %y; month names in letters; white space is let through around the parts.
    """
    pat = _SHAPES.get(fmt)
    if pat is None:
        iso = fmt.startswith("%Y")
        parts, i = [], 0
        while i < len(fmt):
            c = fmt[i]
            if c == "%" and i + 1 < len(fmt):
                d = fmt[i + 1]
                if iso and d in "YmdHMS":
                    if parts and parts[-1] in _ISO_RUN:  # adjacent numbers: one run
                        parts[-1] = _ISO_RUN[parts[-1]]
                    else:
                        parts.append(r"-?\d*" if d == "Y" else r"\d*")
                else:
                    parts.append(_DIRECTIVE_SHAPES.get(d, r"[^\x00]*"))
                i += 2
                continue
            if c in "Tt":
                parts.append("[Tt]")
            elif not c.isspace():
                parts.append(re.escape(c))
            i += 1
        # one value among several joined by NUL (which no part of the pattern matches)
        pat = _SHAPES[fmt] = re.compile(r"(?:^|\x00)\s*" + r"\s*".join(parts) +
                                        r"\s*(?=\x00|\Z)")
    return pat


def _could_read(values, fmt: str) -> bool:
    """Could pandas read any of these values with ``fmt``? False only where it certainly
    cannot read one of them (one C-speed search over the values joined)."""
    texts = []
    for v in values:
        if not isinstance(v, str) or len(v) > _LONGEST or "\x00" in v or \
                v.strip().lower() in _PANDAS_NOW:
            return True  # not checked: pandas is asked
        texts.append(v)
    joined = "\x00".join(texts)
    for alternatives in _literals(fmt):  # a separator no value has: no need for the pattern
        if not any(c in joined for c in alternatives):
            return False
    return _shape(fmt).search(joined) is not None


_LITERALS: dict[str, tuple[str, ...]] = {}


def _literals(fmt: str) -> tuple[str, ...]:
    """The characters besides the numbers and names that ``_shape(fmt)`` requires, each as
    the characters that can stand for it."""
    lits = _LITERALS.get(fmt)
    if lits is None:
        out, i = [], 0
        while i < len(fmt):
            if fmt[i] == "%":
                i += 2
                continue
            c = fmt[i]
            if not c.isspace():
                out.append("Tt" if c in "Tt" else c)
            i += 1
        lits = _LITERALS[fmt] = tuple(dict.fromkeys(out))
    return lits


def future_mask(iso: pd.Series, today: date | None = None) -> np.ndarray:
    today = (today or date.today()).isoformat()
    t = iso.astype(object)
    return (t.notna() & (t.astype(str).str[:10] > today)).to_numpy()


def age_from_date(s: pd.Series, order: str = "auto", today: date | None = None,
                  tz: str | None = None, orders: DateOrders | None = None,
                  excel_serial: bool = False) -> Result:
    r = parse_dates(s, order, tz=tz, orders=orders, excel_serial=excel_serial)
    today = today or date.today()
    # the dates as parse_dates read them (its texts, read again as one column, would take
    # the format of the first: a date without a time after one with a time was lost)
    d = pd.Series(r.array, index=s.index)
    years = today.year - d.dt.year - ((d.dt.month > today.month) |
                                      ((d.dt.month == today.month) & (d.dt.day > today.day)))
    out = pd.Series([None] * len(s), index=s.index, dtype=object)
    ok = years.notna().to_numpy()
    if ok.any():
        out[ok] = years[ok].astype("int64").astype(object)
    return Result(out, r.bad, r.note)


# --- phones ------------------------------------------------------------------------------
#: region_info of the regions clinics most often give, as phonenumbers' metadata has them
#: (a test compares them): a profile with one of these spares loading phonenumbers.
REGIONS: dict[str, tuple[int, str, tuple[int, ...]]] = {
    "AE": (971, "0", (5, 6, 7, 8, 9, 10, 11, 12)),
    "AU": (61, "0", (5, 6, 7, 8, 9, 10, 12)),
    "BD": (880, "0", (6, 7, 8, 9, 10)),
    "BH": (973, "", (8,)),
    "CA": (1, "1", (7, 10)),
    "GB": (44, "0", (7, 9, 10)),
    "GH": (233, "0", (8, 9)),
    "ID": (62, "0", (7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17)),
    "IE": (353, "0", (7, 8, 9, 10)),
    "IN": (91, "0", (8, 9, 10, 11, 12, 13)),
    "KE": (254, "0", (7, 8, 9, 10)),
    "KW": (965, "", (7, 8)),
    "LK": (94, "0", (9,)),
    "MY": (60, "0", (8, 9, 10)),
    "NG": (234, "0", (10, 11, 12, 13, 14)),
    "NP": (977, "0", (8, 10, 11)),
    "NZ": (64, "0", (5, 6, 7, 8, 9, 10)),
    "OM": (968, "", (7, 8, 9)),
    "PH": (63, "0", (6, 8, 9, 10, 11, 12, 13)),
    "PK": (92, "0", (8, 9, 10, 11, 12)),
    "QA": (974, "", (7, 8, 9, 11)),
    "SA": (966, "0", (9, 10)),
    "SG": (65, "", (8, 10, 11)),
    "TZ": (255, "0", (9,)),
    "UG": (256, "0", (9,)),
    "US": (1, "1", (10,)),
    "ZA": (27, "0", (5, 6, 7, 8, 9, 10)),
}


def region_info(region: str) -> tuple[int, str, tuple[int, ...]]:
    """(country calling code, national prefix, possible national lengths) for a region."""
    known = REGIONS.get(region.upper())
    if known is not None:
        return known
    return _region_info(region)


def _region_info(region: str) -> tuple[int, str, tuple[int, ...]]:
    """region_info as phonenumbers' metadata says (loads phonenumbers)."""
    import phonenumbers
    from phonenumbers import PhoneMetadata
    md = PhoneMetadata.metadata_for_region(region.upper())
    if md is None:
        raise TransformError(f"unknown phone region '{region}' (use a code such as IN, GB, US)")
    lengths = tuple(md.general_desc.possible_length or ())
    return phonenumbers.country_code_for_region(region.upper()), md.national_prefix or "", lengths


#: numbers of the most common country code read in full to tell its regions apart (+1 is
#: the US, Canada and 23 more)
REGION_PARSE_SAMPLE = 200


def infer_phone_region(s: pd.Series) -> str | None:
    """The region of the most common country code among a column's +international numbers.

    Every number's country code is counted from its first digits (country codes are
    prefix-free); where a code has several regions, a sample of its numbers is read in full
    (the area code tells Canada from the US)."""
    import phonenumbers
    t = text(s).map(_ascii_digits).str.replace(r"[\s\-().]", "", regex=True)
    intl = t[t.str.match(r"^(?:\+|00)[1-9]")].str.replace(r"^00", "+", regex=True)
    if intl.empty:
        return None
    regions_of = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    codes, heads = pd.factorize(intl.str[1:4].to_numpy(dtype=object))
    head_cc = np.zeros(len(heads), dtype=np.int64)  # 0: no country code
    for i, h in enumerate(heads):
        for k in (1, 2, 3):
            if h[:k].isascii() and h[:k].isdecimal() and int(h[:k]) in regions_of and \
                    regions_of[int(h[:k])] != ("001",):  # not a non-geographic code (+800)
                head_cc[i] = int(h[:k])
                break
    cc = head_cc[codes]
    cc = cc[cc > 0]
    if not len(cc):
        return None
    values, counts = np.unique(cc, return_counts=True)
    top = int(values[np.argmax(counts)])
    regions = regions_of[top]
    if len(regions) == 1:
        return regions[0]
    found: dict[str, int] = {}
    for v in intl[head_cc[codes] == top].head(REGION_PARSE_SAMPLE).tolist():
        try:
            r = phonenumbers.region_code_for_number(phonenumbers.parse(v, None))
        except phonenumbers.NumberParseException:
            continue
        if r in regions:
            found[r] = found.get(r, 0) + 1
    return max(found, key=found.get) if found else regions[0]


_PHONE_PUNCT = re.compile(r"[\s\-().'/]")
_INTL = re.compile(r"^\+[1-9][0-9]{6,14}$")
_DIGITS = re.compile(r"[0-9]+")
_ANY_DIGIT = re.compile(r"\d")  # a decimal digit of any script


#: plus signs of other widths (fullwidth, small), as typed with East Asian input methods
_PLUSES = str.maketrans({"\uff0b": "+", "\ufe62": "+", "\u207a": "+"})


def _ascii_digits(v: str) -> str:
    """Other scripts' decimal digits (Arabic-Indic, Devanagari, fullwidth, ...) as 0-9, and
    a fullwidth plus as +: a number typed on such a keyboard is the same number, and E.164
    is written in 0-9."""
    if v.isascii():
        return v
    return _ANY_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), v.translate(_PLUSES))


def to_e164(s: pd.Series, region: str = "IN", clean: bool = False) -> Result:
    """Phone numbers to E.164 (+<country><number>); national ones take the region's code.

    Separators go; a leading 00 becomes +; an international number (+ and 7 to 15 digits)
    is kept; a national one loses the region's national prefix (0) or a country code
    written without + (919876543210) and takes +<country code>, if its length is one the
    region's numbers can have. Digits that read as a national number of the region are
    one (9123456789 in India is a mobile number, not +91 23456789): the country code is
    taken off only where the digits are no national number and what follows the code is
    one (the region's number pattern, as phonenumbers has it). A +<country code of the
    region> number must have a possible length too. A trunk prefix written in brackets
    after the country code (+91 (0) 98765 43210) is dropped, and so is the ".0" a number
    gets from having been a spreadsheet's floating-point number (9876543210.0). Anything
    else cannot be converted.
    """
    raw = s if clean else text(s)
    empty = is_blank(raw)
    cc, prefix, lengths = region_info(region)
    ccs = str(cc)
    own = "+" + ccs
    lens = set(lengths)
    cc_lens = {n + len(ccs) for n in lengths}
    vals = _tidy_phones(raw.tolist())
    national = national_pattern(region)
    out = _e164_fast(vals, own, ccs, prefix, lens, cc_lens, national) if lengths else None
    if out is None:
        out = _e164_each(vals, own, ccs, prefix, lengths, lens, cc_lens, national)
    values = pd.Series(out, index=raw.index, dtype=object)
    null = values.isna().to_numpy()
    return Result(values, (~empty) & null, null=null)


def _tidy_phones(vals: list) -> list:
    """Phone texts without a bracketed trunk prefix after the country code (+44 (0) 20 ...)
    or a floating-point tail (9876543210.0); the rest as they are."""
    try:
        joined = "\x00".join(vals)
    except TypeError:
        return [_tidy_phone(v) if isinstance(v, str) else v for v in vals]
    if "(0)" not in joined and ".0" not in joined:
        return vals
    return [_tidy_phone(v) for v in vals]


_TRUNK_AFTER_CC = re.compile(r"^(\s*(?:\+|00)\s*[1-9]\d{0,2})[\s\-.]*\(0\)")
_FLOAT_TAIL = re.compile(r"^(\s*\+?\d+)\.0+\s*$")


def _tidy_phone(v: str) -> str:
    return _FLOAT_TAIL.sub(r"\1", _TRUNK_AFTER_CC.sub(r"\1", v))


@functools.lru_cache(maxsize=None)
def national_pattern(region: str) -> "re.Pattern | None":
    """The pattern every national number of the region matches (phonenumbers' metadata);
    None for a region phonenumbers does not know."""
    from phonenumbers import PhoneMetadata
    md = PhoneMetadata.metadata_for_region(region.upper())
    pattern = md.general_desc.national_number_pattern if md is not None else None
    return re.compile(pattern) if pattern else None


def _takes_cc_off(t: str, ccs: str, lens, national) -> bool:
    """Whether digits that start with the country code and would have a possible length
    without it are that code and a national number (919876543210), not a national number
    that starts with the code's digits (9123456789 in India). Without the region's pattern,
    only where the digits are too long or too short to be a national number."""
    if len(t) not in lens:
        return True
    return national is not None and national.fullmatch(t) is None and \
        national.fullmatch(t[len(ccs):]) is not None


def _e164_each(vals, own, ccs, prefix, lengths, lens, cc_lens, national=None) -> list:
    """to_e164's rules, one number after another (the reference for _e164_fast)."""
    strip, intl, digits = _PHONE_PUNCT.sub, _INTL.match, _DIGITS.fullmatch
    out = []
    for v in vals:  # one pass of C-speed string operations per number
        t = strip("", _ascii_digits(v))
        if t[:2] == "00":
            t = "+" + t[2:]
        if intl(t):
            e = t
        elif digits(t):
            if prefix and t.startswith(prefix):
                t = t[len(prefix):]
            if t.startswith(ccs) and len(t) in cc_lens and \
                    _takes_cc_off(t, ccs, lens, national):
                t = t[len(ccs):]
            e = own + t if not lengths or len(t) in lens else None
        else:
            e = None
        if e is not None and lengths and e.startswith(own) and \
                len(e) - 1 - len(ccs) not in lens:
            e = None
        out.append(e)
    return out


_PHONE_DROP: dict | None = None


def _e164_fast(vals, own, ccs, prefix, lens, cc_lens, national=None) -> list | None:
    """to_e164's rules for a whole column at once, as NumPy arrays of character codes: the
    common case (ASCII numbers of up to 24 characters) without a Python step per rule.
    None where it does not apply (the caller then goes number by number)."""
    global _PHONE_DROP
    if _PHONE_DROP is None:  # what _PHONE_PUNCT matches: str.isspace() is what \s is
        _PHONE_DROP = str.maketrans("", "", "-().'/" + "".join(
            chr(c) for c in range(0x3001) if chr(c).isspace()))
    try:
        joined = "\x00".join(vals)
    except TypeError:
        return None
    parts = joined.translate(_PHONE_DROP).split("\x00")
    if len(parts) != len(vals) or not joined.isascii():
        return None
    n = len(parts)
    width = max(map(len, parts), default=0)
    if not n or not width or width > 24:
        return None
    c = np.array(parts, dtype=f"<U{width}").view(np.uint32).reshape(n, width)
    c = np.concatenate([c, np.zeros((n, 2), dtype=np.uint32)], axis=1)  # room to look
    length = (c != 0).sum(axis=1)
    # a leading 00 is a +: "00xyz" -> "+xyz"
    s00 = (c[:, 0] == 48) & (c[:, 1] == 48)
    c[s00, :-1] = c[s00, 1:]
    c[s00, 0] = 43
    length = length - s00
    pos = np.arange(c.shape[1])
    odd = (pos < length[:, None]) & ((c < 48) | (c > 57))  # a non-digit inside the number
    plus = c[:, 0] == 43
    intl = plus & (length >= 8) & (length <= 16) & (c[:, 1] >= 49) & (c[:, 1] <= 57) & \
        ~odd[:, 2:].any(axis=1)
    nat = ~plus & (length >= 1) & ~odd.any(axis=1)

    def starts(at: np.ndarray, text: str) -> np.ndarray:
        """Whether each number has ``text`` at character ``at`` (within its length)."""
        ok = length >= at + len(text)
        for j, ch in enumerate(text):
            col = np.minimum(at + j, c.shape[1] - 1)
            ok &= c[np.arange(n), col] == ord(ch)
        return ok

    cut = np.zeros(n, dtype=np.int64)  # the national number starts here
    if prefix:
        cut[nat & starts(cut, prefix)] = len(prefix)
    rest = length - cut
    cc = nat & starts(cut, ccs) & np.isin(rest, list(cc_lens))
    for i in np.flatnonzero(cc & np.isin(rest, list(lens))).tolist():  # the code, or not?
        cc[i] = _takes_cc_off(parts[i][cut[i]:], ccs, lens, national)
    cut[cc] += len(ccs)
    rest = length - cut
    nat &= np.isin(rest, list(lens))
    intl &= ~(starts(np.zeros(n, dtype=np.int64), own) &
              ~np.isin(length - 1 - len(ccs), list(lens)))
    out: list = [None] * n
    for i in np.flatnonzero(intl & ~s00).tolist():
        out[i] = parts[i]
    for i in np.flatnonzero(intl & s00).tolist():
        out[i] = "+" + parts[i][2:]
    for k in np.unique(cut[nat]).tolist():
        for i in np.flatnonzero(nat & (cut == k)).tolist():
            out[i] = own + parts[i][k:]
    return out


E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


# --- the step language ------------------------------------------------------------------
STEP_NAMES = ["trim", "upper", "lower", "title", "concat", "split", "map", "date", "phone",
              "number", "integer", "default", "age_from_date"]


#: the options each step reads (a map step's options are its values: any key)
STEP_OPTIONS = {
    "trim": (), "upper": (), "lower": (), "title": (),
    "concat": ("sep", "value"), "split": ("sep", "part", "value"),
    "date": ("order", "timezone", "excel_serial", "value"),
    "age_from_date": ("order", "timezone", "excel_serial"),
    "phone": ("region", "value"), "number": ("decimal", "thousands"),
    "integer": ("decimal", "thousands"), "default": ("value",),
}


def check_step_options(name: str, opts: dict) -> None:
    """A step option the step does not read (a misspelt one would be ignored, the step
    doing something else than the profile says) is a TransformError, with a guess."""
    known = STEP_OPTIONS.get(name)
    if known is None:
        return
    for k, v in opts.items():
        if k in known or (k == "value" and v is None):  # ("- trim:" in YAML: no options)
            continue
        import difflib
        close = difflib.get_close_matches(str(k), known, n=1)
        named = [o for o in known if o != "value"]
        hint = f"did you mean '{close[0]}'?" if close else \
            f"it takes {', '.join(named)}" if named else "it takes none"
        raise TransformError(f"{name} step: unknown option '{k}' ({hint})")


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
                           ctx.get("fallback_date_order", "DMY"),
                           tz=o.get("timezone") or ctx.get("timezone"),
                           orders=ctx.get("date_orders"),
                           excel_serial=o.get("excel_serial") is True)
    if name == "phone":
        return to_e164(s, o.get("region", o.get("value", ctx.get("phone_region", "IN"))))
    if name in ("number", "integer"):
        return number(s, o.get("decimal", ctx.get("decimal", ".")),
                      o.get("thousands", ctx.get("thousands")), integer=name == "integer")
    if name == "default":
        return default(s, o.get("value", ""))
    if name == "age_from_date":
        return age_from_date(s, o.get("order", ctx.get("date_order", "auto")),
                             tz=o.get("timezone") or ctx.get("timezone"),
                             orders=ctx.get("date_orders"),
                             excel_serial=o.get("excel_serial") is True)
    if name == "concat":
        return trim(s)  # concat acts on several columns: see apply_field
    raise TransformError(name)
