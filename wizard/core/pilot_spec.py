"""A profile's ``pilot:`` read and checked: which filter (patients, registered, department)
and its values, or a ProfileError naming the key. Apart from :mod:`wizard.core.pilot`
(which runs a pilot) because the profile checks it when it loads."""
from __future__ import annotations

from datetime import date

from .errors import ProfileError


FILTERS = ("patients", "registered", "department")


def _what(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a text", bool: "yes/no"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _id(value, where: str) -> str:
    """A legacy id as a profile may write it: a text, or a whole number (YAML reads an
    unquoted 101 as one)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProfileError(f"{where}: must be a legacy id (a text or a whole number), not "
                           f"{_what(value)}")
    return str(value)


def _day(value, where: str) -> str:
    if isinstance(value, (date, str)) or (isinstance(value, int) and
                                          not isinstance(value, bool)):
        return value.isoformat()[:10] if isinstance(value, date) else str(value)
    raise ProfileError(f"{where}: must be a date (2022-01-31), not {_what(value)}")


def pilot_spec(spec, where: str = "pilot") -> dict | None:
    """The pilot of a profile, its shape checked: a ProfileError naming the key for any
    other shape (a number where a list belongs was iterated or ended in "unexpected").
    ``patients`` takes a list of legacy ids, or one id (a one-element list: "101" is
    patient 101, where its characters "1", "0", "1" were piloted)."""
    if spec is None or spec == {}:
        return None
    if not isinstance(spec, dict):
        raise ProfileError(f"{where}: must be a mapping with one filter ({', '.join(FILTERS)})"
                           f", not {_what(spec)}")
    unknown = [str(k) for k in spec if k not in FILTERS]
    if unknown:
        raise ProfileError(f"{where}: unknown filter {sorted(unknown)} (use patients, "
                           "registered or department)")
    if len(spec) > 1:
        raise ProfileError(f"{where}: choose one filter (patients, registered or department)")
    (key, value), = spec.items()
    at = f"{where}: {key}"
    if key == "patients":
        ids = value if isinstance(value, list) else [value]
        return {"patients": [_id(x, at if x is value else f"{at}: item {i + 1}")
                             for i, x in enumerate(ids)]}
    if key == "registered":
        if not isinstance(value, dict):
            raise ProfileError(f"{at}: must be a mapping with from and/or to (e.g. "
                               f"{{from: 2022-01-01, to: 2022-03-31}}), not {_what(value)}")
        extra = [str(k) for k in value if k not in ("from", "to")]
        if extra:
            raise ProfileError(f"{at}: unknown key {sorted(extra)} (use from and to)")
        return {"registered": {k: _day(v, f"{at}: {k}") for k, v in value.items()
                               if v is not None}}
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProfileError(f"{at}: must be a department's name (a text), not "
                           f"{_what(value)}")
    return {"department": str(value)}
