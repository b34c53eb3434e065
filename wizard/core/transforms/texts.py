"""Text columns: cells as stripped text, and the text steps (trim, case, concat, split, value
maps, defaults)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .result import Result


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
