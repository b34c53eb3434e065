"""A field's steps as the mapping table and the mapping editor see them: one step looked up,
replaced or described in plain words."""
from __future__ import annotations

from .mapping import FieldMap
from .transforms import parse_step


def get_step(fm: FieldMap, name: str) -> dict | None:
    """The options of a field's step ``name`` ({} for an option-less step), or None."""
    for s in fm.steps:
        n, o = parse_step(s)
        if n == name:
            return dict(o)
    return None


def set_step(fm: FieldMap, name: str, options: dict | None) -> None:
    """Replace (or add, or with None remove) a field's step ``name``."""
    new = None if options is None else ({name: options} if options else name)
    steps = []
    placed = False
    for s in fm.steps:
        if parse_step(s)[0] == name:
            if new is not None and not placed:
                steps.append(new)
                placed = True
            continue
        steps.append(s)
    if new is not None and not placed:
        steps.append(new)
    fm.steps = steps


def describe_steps(fm: FieldMap, defaults: dict | None = None) -> str:
    """The steps of a field in plain words. ``defaults``: the profile's ``date_order`` and
    ``timezone``, which a date step without its own takes."""
    defaults = defaults or {}
    words = []
    for s in fm.steps:
        n, o = parse_step(s)
        # times with a zone become the clinic's time there (the step's zone, else the profile's)
        zone = o.get("timezone") or defaults.get("timezone")
        local = f", local time {zone}" if zone else ""
        serial = ", Excel day numbers read" if o.get("excel_serial") is True else ""
        if n == "date":
            order = o.get("order", o.get("value", defaults.get("date_order") or "auto"))
            word = {"DMY": "date, day first", "MDY": "date, month first",
                    "YMD": "date, year first"}.get(str(order).upper(), "date, order detected")
            words.append(word + serial + local)
        elif n == "phone":
            words.append(f"phone, region {o.get('region', o.get('value', '?'))}")
        elif n == "map":
            m = o.get("values", o)
            words.append(f"value map ({len(m)} values)")
        elif n == "concat":
            words.append("joined")
        elif n == "split":
            words.append(f"{o.get('part', 'first')} word(s)")
        elif n == "default":
            words.append(f"default '{o.get('value', '')}'")
        elif n == "age_from_date":
            words.append("age from birth date" + serial + local)
        elif n in ("upper", "lower", "title"):
            words.append({"upper": "UPPER CASE", "lower": "lower case",
                          "title": "Title Case"}[n])
        else:
            words.append(n)
    return ", ".join(words)
