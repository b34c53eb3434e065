"""Countries and their time zones, read from the IANA tables the ``tzdata`` package ships
(``iso3166.tab``: codes and English names; ``zone.tab``: each country's zones). They tell
what a country column says about an export's phone numbers (their region) and about the
clinic's time zone, without a country database of our own."""
from __future__ import annotations

import functools
import unicodedata
from importlib import resources

#: names a country column commonly holds that the IANA table does not (its names are
#: English, some in their formal form): native names and short forms
_OTHER_NAMES = {
    "united kingdom": "GB", "usa": "US", "u.s.a.": "US", "u.s.": "US", "united states of america": "US",
    "america": "US", "uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "deutschland": "DE",
    "brasil": "BR", "espana": "ES", "mexico": "MX", "peru": "PE", "republica dominicana": "DO",
    "osterreich": "AT", "schweiz": "CH", "suisse": "CH", "svizzera": "CH", "italia": "IT",
    "nederland": "NL", "belgique": "BE", "belgie": "BE", "polska": "PL", "ceska republika": "CZ",
    "czech republic": "CZ", "turkiye": "TR", "turkey": "TR", "russia": "RU",
    "south korea": "KR", "korea": "KR", "north korea": "KP", "iran": "IR", "syria": "SY",
    "vietnam": "VN", "viet nam": "VN", "bharat": "IN", "hindustan": "IN", "nippon": "JP",
    "uae": "AE", "emirates": "AE", "ivory coast": "CI", "cote d'ivoire": "CI",
    "tanzania": "TZ", "bolivia": "BO", "venezuela": "VE", "moldova": "MD", "laos": "LA",
    "taiwan": "TW", "palestine": "PS", "vatican": "VA", "macedonia": "MK",
}


def _plain(text: str) -> str:
    """Lower case without accents or surrounding space (España -> espana)."""
    t = unicodedata.normalize("NFKD", str(text).strip().lower())
    return "".join(ch for ch in t if not unicodedata.combining(ch))


def _table(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


@functools.cache
def _countries() -> dict[str, str]:
    """A country's code, name (plain: see _plain) or other common name -> its code."""
    out = {}
    for row in _table("iso3166.tab"):
        code, name = row[0].strip(), row[1].strip()
        out[code.lower()] = code
        out[_plain(name)] = code
        if "(" in name:  # "Korea (South)", "Bolivia (Plurinational State of)"
            out[_plain(name.split("(")[0])] = code
    out.update(_OTHER_NAMES)
    return out


def region_of(value) -> str | None:
    """The two-letter region a country value names ("Brazil", "BR", "Deutschland"), or
    None."""
    if value is None:
        return None
    return _countries().get(_plain(value))


@functools.cache
def zones_of(region: str) -> tuple[str, ...]:
    """The IANA time zones of a region (IN: Asia/Kolkata; BR: a dozen), in the table's
    order (its most populous first, as zone.tab lists them)."""
    return tuple(row[2] for row in _table("zone.tab") if row[0] == region.upper())


@functools.cache
def distinct_zones(region: str) -> tuple[str, ...]:
    """A region's zones that keep different clocks (Europe/Busingen keeps Berlin's: only
    Europe/Berlin is listed), judged in January and July of the last ten years; each the
    first of its kind in zone.tab's order."""
    import datetime
    import zoneinfo
    year = datetime.date.today().year
    moments = [datetime.datetime(y, m, 15, 12, tzinfo=datetime.timezone.utc)
               for y in range(year - 10, year + 1) for m in (1, 7)]
    seen: dict[tuple, str] = {}
    for name in zones_of(region):
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            continue
        clock = tuple(t.astimezone(zone).utcoffset() for t in moments)
        seen.setdefault(clock, name)
    return tuple(seen.values())
