"""Numbers written as text (currency signs, decimal commas, thousands separators) to floats
or whole numbers."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..numbercell import HELD_NUMBER_TYPES
from .result import Result
from .texts import is_blank, text


_CURRENCY = re.compile(r"^(?:rs\.?|inr|usd|eur|gbp|[₹$€£])\s*|\s*(?:rs\.?|inr|[₹$€£])$",
                       re.IGNORECASE)


def number(s: pd.Series, decimal: str = ".", thousands: str | None = None,
           integer: bool = False, clean: bool = False) -> Result:
    held = None if decimal == "." and not thousands else held_numbers(s)
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
    if held is not None:  # numbers already (a step's, an Excel cell's): read as they are
        held &= ~empty
        num.loc[held] = _plain_numbers(raw[held], empty[held]).to_numpy()
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


def held_numbers(s: pd.Series) -> np.ndarray | None:
    """Which cells are numbers already, not texts: an earlier step's result, a source cell
    that held a number (numbercell.NumberCell); None when none is. Their text is the plain
    reading ("180.5"): a decimal comma or a thousands separator of the profile must not
    read it again (180.5 would become 1805)."""
    if s.dtype.kind in "iuf":
        return s.notna().to_numpy()
    if s.dtype != object or not len(s):
        return None
    vals = s.tolist()
    if not HELD_NUMBER_TYPES.intersection(map(type, vals)):
        return None
    held = HELD_NUMBER_TYPES.__contains__
    return np.fromiter((held(type(v)) for v in vals), dtype=bool, count=len(vals))


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
