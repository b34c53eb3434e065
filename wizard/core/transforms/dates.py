"""Dates in mixed formats to ISO-8601: day/month order, times with a zone, Excel's day
numbers, Unix times, ages from birth dates."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta, timezone as fixed_zone

import numpy as np
import pandas as pd

from .result import Result, TransformError
from .texts import is_blank, text


ISO_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
               "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S.%f"]
NAMED_FORMATS = ["%d-%b-%Y", "%d-%b-%y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y",
                 "%d-%B-%Y"]
ORDER_FORMATS = {
    "DMY": ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%d-%m-%y", "%d.%m.%y",
            "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M",
            "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
            # a spreadsheet's short date and time ("3/5/94 0:00")
            "%d/%m/%y %H:%M", "%d/%m/%y %H:%M:%S", "%d.%m.%y %H:%M"],
    "MDY": ["%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y", "%m/%d/%y", "%m-%d-%y",
            "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m-%d-%Y %H:%M:%S", "%m-%d-%Y %H:%M",
            "%m/%d/%y %H:%M", "%m/%d/%y %H:%M:%S"],
    "YMD": [],
}
_DM = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:\s.*)?$")


DATE_ORDERS = ("auto", "DMY", "MDY", "YMD")


def check_date_order(value, where: str) -> None:
    """A day/month order as a profile may give it (any case), or a TransformError."""
    if value is not None and str(value).upper() not in {o.upper() for o in DATE_ORDERS}:
        raise TransformError(f"{where} '{value}' is not one of {', '.join(DATE_ORDERS)}")


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


#: Unix times, as PHP/MySQL, Firebase and MongoDB systems keep dates: seconds (9-10
#: digits) or milliseconds (12-13 digits) since 1970-01-01 UTC. Read from 1990-01-01 to
#: 2100-01-01 only: outside it a number that long is likelier an id or a phone number.
UNIX_TIMES = (631_152_000, 4_102_444_800)  # in seconds
_UNIX = re.compile(r"^\s*(\d{9,10}|\d{12,13})\s*$")


def unix_time_ms(text) -> int | None:
    """The milliseconds since 1970-01-01 UTC a Unix time in seconds or milliseconds stands
    for, or None if the text is not one of a date from 1990 to 2100."""
    m = _UNIX.match(text) if isinstance(text, str) else None
    if not m:
        return None
    digits = m.group(1)
    ms = int(digits) * 1000 if len(digits) <= 10 else int(digits)
    return ms if UNIX_TIMES[0] * 1000 <= ms <= UNIX_TIMES[1] * 1000 else None


def unix_time_utc(text) -> str | None:
    """The UTC date and time a Unix time stands for (2022-05-16 22:00:00 UTC), or None if
    the text is not one: what a message shows, the clinic's day being unknown."""
    ms = unix_time_ms(text)
    if ms is None:
        return None
    return str(np.datetime64(ms // 1000, "s")).replace("T", " ") + " UTC"


#: the last Unix time (2031-01-01, in seconds) the suggestion takes a column's numbers
#: for; fixed, so that an export gets the same suggestion whatever the day
SUGGESTED_UNIX_UNTIL = 1_924_992_000


def unix_time_share(values, look: int = 200) -> float:
    """The share of the first ``look`` non-empty texts that look like Unix times of dates
    from 2001 (10 digits of seconds, 13 of milliseconds) to SUGGESTED_UNIX_UNTIL: what a
    column of record dates holds. Narrower than what ``unix_time: true`` reads
    (UNIX_TIMES): it decides whether to suggest reading a column so. Telephone numbers are
    digits too: a text starting with 0 (0740123456) is none, nine digits (a Portuguese
    mobile, 918918918) or twelve (India's 917490152657) are none, and the window's end
    leaves out North American numbers (2125550101 would be 2037) and hours written as
    YYYYMMDDhh (2023010512 would be 2034)."""
    until = SUGGESTED_UNIX_UNTIL * 1000
    seen = hits = 0
    for v in values:
        if not isinstance(v, str) or not v.strip():
            continue
        seen += 1
        ms = unix_time_ms(v)
        digits = v.strip()
        hits += ms is not None and len(digits) in (10, 13) and not digits.startswith("0") \
            and ms <= until
        if seen == look:
            break
    return hits / seen if seen else 0.0


def _unix_times(values, tz: str) -> np.ndarray:
    """Unix times as the local date and time of the clinic's zone ``tz`` (datetime64[ns];
    NaT where a text is not one)."""
    ms = np.array([-1 if m is None else m for m in map(unix_time_ms, values)],
                  dtype="int64")
    ok = ms >= 0
    out = np.full(len(ms), np.datetime64("NaT"), dtype="datetime64[ns]")
    if ok.any():
        utc = pd.DatetimeIndex(pd.to_datetime(ms[ok], unit="ms", utc=True))
        out[ok] = utc.tz_convert(time_zone(tz)).tz_localize(None).to_numpy(
            dtype="datetime64[ns]")
    return out


def parse_dates(s: pd.Series, order: str = "auto", fallback_order: str = "DMY",
                clean: bool = False, tz: str | None = None,
                orders: DateOrders | None = None, excel_serial: bool = False,
                unix_time: bool = False) -> Result:
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

    ``unix_time``: whole numbers of 9-10 digits (seconds) or 12-13 digits (milliseconds)
    that no format reads are Unix times (see UNIX_TIMES). A Unix time is an instant, like a
    time with a zone: it becomes the local date and time of ``tz``, and without ``tz`` it
    is not read and the note says so. (The suggestion proposes it on narrower evidence:
    see unix_time_share.)
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
    if unix_time and todo.any():
        idx = np.flatnonzero(todo & np.isnat(u_values))
        texts = distinct.to_numpy()[idx]
        if tz:
            got = _unix_times(texts, tz)
            hit = ~np.isnat(got)
            u_values[idx[hit]] = got[hit]
        else:
            n = sum(unix_time_ms(v) is not None for v in texts)
            if n:
                unix_note = (f"{n} distinct value(s) are Unix times and were not read: a Unix "
                             "time is an instant, and its day depends on the clinic's time "
                             "zone; give it (defaults: timezone: Europe/Berlin, say, or the "
                             "step's timezone) to have them converted to its local time")
                note = f"{note}; {unix_note}" if note else unix_note
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
                  excel_serial: bool = False, unix_time: bool = False) -> Result:
    r = parse_dates(s, order, tz=tz, orders=orders, excel_serial=excel_serial,
                    unix_time=unix_time)
    today = today or date.today()
    # the dates as parse_dates read them (its texts, read again as one column, would take
    # the format of the first: a date without a time after one with a time was lost)
    d = pd.Series(r.array, index=s.index)
    note = r.note
    # A two-digit year is read in the window strptime uses (69-99: 1900s, 00-68: 2000s);
    # a birth date cannot be in the future, so there "38" is 1938, and the note says so.
    future = d.notna() & (d > pd.Timestamp(today))
    if future.any():
        short = text(s)[future].str.match(_DM.pattern) & \
            text(s)[future].str.extract(_DM, expand=True)[2].str.len().eq(2)
        back = short[short].index
        if len(back):
            d.loc[back] = d.loc[back].map(lambda t: t.replace(year=t.year - 100)
                                          if not (t.month == 2 and t.day == 29)
                                          else t.replace(year=t.year - 100, day=28))
            said = (f"{len(back)} birth date(s) written with a two-digit year would be in the "
                    "future and were read in the century before (…/38 as 1938)")
            note = f"{note}; {said}" if note else said
    years = today.year - d.dt.year - ((d.dt.month > today.month) |
                                      ((d.dt.month == today.month) & (d.dt.day > today.day)))
    out = pd.Series([None] * len(s), index=s.index, dtype=object)
    ok = years.notna().to_numpy()
    if ok.any():
        out[ok] = years[ok].astype("int64").astype(object)
    return Result(out, r.bad, note)


def age_from_year(s: pd.Series, today: date | None = None) -> Result:
    """Ages from birth years alone (OMOP's year_of_birth): the age reached in this year's
    birthday, so up to a year more than the person's until then; the note says so."""
    today = today or date.today()
    raw = text(s).str.strip()
    empty = is_blank(raw)
    years = pd.to_numeric(raw.where(raw.str.fullmatch(r"\d{4}(?:\.0+)?"), None),
                          errors="coerce")
    ok = years.notna()  # a year to come gives a negative age: the age range rejects it
    out = pd.Series([None] * len(s), index=s.index, dtype=object)
    if ok.any():
        out[ok] = (today.year - years[ok]).astype("int64").astype(object)
    bad = (~empty & ~ok).to_numpy()
    note = ("ages from birth years alone: the age reached at this year's birthday (a year "
            "more than the person's until then)") if ok.any() else None
    return Result(out, bad, note)
