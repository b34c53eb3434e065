"""Phone numbers to E.164, and the region a column's international numbers point to."""
from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd

from .result import Result, TransformError
from .texts import is_blank, text


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
