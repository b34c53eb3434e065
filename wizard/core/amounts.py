"""Money amounts read the way a person reads them off the cell, apart from the profile.

The import reads an amount by the profile's rules (``decimal``, ``thousands``, a number
step). When those rules are wrong, or applied twice, "180,50" becomes 1805 and every check
that compares the import with the same reading passes. This module reads each cell on its
own terms, as a consultant would: a cell the source held as a number is that number; a text
with both "." and "," takes the last one for the decimal mark; one separator written more
than once groups thousands. Two findings come of it, per record:

- ``amount_scale``: the import's number is 10, 100, ... (or a tenth, ...) of the cell's
  plain reading: decimal and thousands rules that do not fit the text, or a reading applied
  twice.
- ``amount_unsure``: a text like "1.250" or "1,250" (one separator, three digits after
  it) is a thousand and a quarter or one and a quarter, and the profile never said which
  (no thousands separator given): the import's reading is a guess, said, not applied
  silently.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import transforms as tf
from .numbercell import HELD_NUMBER_TYPES

_NAN = float("nan")
_UNSURE = "unsure"
_CURRENCY = re.compile(r"^(?:rs\.?|inr|usd|eur|gbp|chf|fr\.?|[₹$€£])\s*|"
                       r"\s*(?:rs\.?|inr|usd|eur|gbp|chf|fr\.?|[₹$€£])$", re.IGNORECASE)
_SPACES = str.maketrans("", "", " \u00a0\u202f'’")
_DIGITS = re.compile(r"\d+")


def plain_reading(v) -> float | str:
    """A cell's number as a person reads it; NaN: no number to read; "unsure": a text whose
    only separator could group thousands or mark decimals ("1.250")."""
    if v is None or isinstance(v, bool):
        return _NAN
    if type(v) in HELD_NUMBER_TYPES:
        try:
            return float(v)
        except ValueError:
            return _NAN
    t = _CURRENCY.sub("", str(v).strip()).translate(_SPACES)
    sign = ""
    if t[:1] in "+-" and t:
        sign, t = t[0], t[1:]
    if t.startswith("(") and t.endswith(")"):
        sign, t = "-", t[1:-1]
    if not t or not set(t) <= set("0123456789.,"):
        return _NAN
    seps = [c for c in t if c in ".,"]
    if not seps:
        return float(sign + t)
    groups = [g for g in re.split(r"[.,]", t)]
    if not all(g.isdigit() for g in groups[1:]) or (groups[0] and not groups[0].isdigit()):
        return _NAN
    if len(set(seps)) == 2:
        mark = seps[-1]
        if seps.count(mark) != 1:
            return _NAN
        whole, frac = t.rsplit(mark, 1)
        if not _grouped(whole, ".,".replace(mark, "")):
            return _NAN
        return float(sign + whole.replace(".", "").replace(",", "") + "." + frac)
    mark = seps[0]
    if len(seps) > 1:  # one separator written more than once: thousands
        return float(sign + t.replace(mark, "")) if _grouped(t, mark) else _NAN
    whole, frac = t.split(mark)
    if len(frac) == 3 and 1 <= len(whole) <= 3 and whole != "0":
        return _UNSURE
    return float(sign + (whole or "0") + "." + frac) if frac else float(sign + whole)


def _grouped(whole: str, sep: str) -> bool:
    """Whether ``whole`` is digits grouped by threes with ``sep`` (or no separator)."""
    if sep not in whole:
        return whole.isdigit()
    head, *rest = whole.split(sep)
    return 1 <= len(head) <= 3 and head.isdigit() and all(len(g) == 3 and g.isdigit()
                                                           for g in rest)


#: the common texts, read at C speed: digits, and at most one separator not followed by
#: exactly three digits (what is left goes cell by cell through plain_reading)
_SIMPLE = r"-?\d+(?:[.,](?:\d{1,2}|\d{4,}))?"


def readings(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(each cell's plain reading, NaN where none or unsure; which cells are unsure)."""
    vals = raw.tolist()
    n = len(vals)
    num = np.full(n, np.nan)
    unsure = np.zeros(n, dtype=bool)
    if not n:
        return num, unsure
    todo = np.ones(n, dtype=bool)
    plain = np.fromiter((type(v) is str for v in vals), dtype=bool, count=n)
    if plain.any():
        texts = pd.Series(vals, dtype=object)[plain]
        simple = texts.str.fullmatch(_SIMPLE).fillna(False).to_numpy(dtype=bool)
        at = np.flatnonzero(plain)[simple]
        num[at] = pd.to_numeric(texts[simple].str.replace(",", ".", regex=False),
                                errors="coerce").to_numpy(dtype="float64")
        todo[at] = False
    for i in np.flatnonzero(todo).tolist():
        g = plain_reading(vals[i])
        if g is _UNSURE:
            unsure[i] = True
        else:
            num[i] = g
    return num, unsure


def scaled(raw: pd.Series, parsed: np.ndarray) -> np.ndarray:
    """Which amounts the import read as 10**k times (k not 0) the cell's plain reading."""
    plain, _ = readings(raw)
    parsed = np.asarray(parsed, dtype=np.float64)
    both = ~np.isnan(plain) & ~np.isnan(parsed) & (plain != 0) & (parsed != 0)
    out = np.zeros(len(plain), dtype=bool)
    if not both.any():
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(both, parsed / np.where(both, plain, 1.0), 1.0)
        k = np.round(np.log10(np.abs(ratio)))
        out = both & (ratio > 0) & (k != 0) & np.isclose(ratio, 10.0 ** k, rtol=1e-9)
    return out


def unsure(raw: pd.Series) -> np.ndarray:
    """Which cells are texts like "1.250": thousands or decimals, the text cannot say."""
    return readings(raw)[1]


def check(report, tm, target, mc, defaults) -> None:
    """Adds each money field's amount_scale and amount_unsure findings to ``report``
    (prepare.Report): the fields HMSync totals, read from one column."""
    for fname in mc.values:
        f = target.fields.get(fname)
        fm = tm.fields.get(fname)
        if f is None or fm is None or not f.total or len(fm.columns) != 1 or \
                fm.expr is not None or fm.lookup is not None:
            continue
        raw = mc.raw.get(fname)
        if raw is None:
            continue
        parsed = mc.arrays.get(fname)
        if parsed is None or parsed.dtype.kind != "f":
            parsed = pd.to_numeric(mc.values[fname], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan)
        label = f.label or fname
        report(scaled(raw, parsed), "amount_scale", fname, raw, {"label": label})
        if _thousands_of(fm, defaults) is None:
            report(unsure(raw) & ~np.asarray(mc.bad[fname], dtype=bool), "amount_unsure",
                   fname, raw, {"label": label})


def _thousands_of(fm, defaults):
    """The thousands separator the field was read with (None: none was given)."""
    sep = defaults.thousands
    for step in fm.typed_steps:
        if isinstance(step, tf.NumberStep):
            sep = step.separators(defaults)[1]
    return sep
