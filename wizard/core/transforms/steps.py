"""The step language of mapping profiles: each step as a profile writes it, checked and
applied to a column.

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

from dataclasses import dataclass

import pandas as pd

from .dates import DateOrders, age_from_date, parse_dates
from .numbers import number
from .phones import to_e164
from .result import Result, TransformError
from .texts import case, default, split, trim, value_map


@dataclass(frozen=True)
class StepDefaults:
    """A profile's defaults, which a step without its own option takes: configuration, the
    same for a whole run (what a run learns as it goes is kept apart, see DateOrders)."""
    phone_region: str = "IN"
    date_order: str = "auto"
    decimal: str = "."
    thousands: str | None = None
    timezone: str | None = None   # the clinic's, for times written with a zone


NO_DEFAULTS = StepDefaults()


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


def apply_step(s: pd.Series, step, defaults: StepDefaults = NO_DEFAULTS,
               orders: DateOrders | None = None) -> Result:
    """Apply one profile step to a column. ``defaults``: the profile's; ``orders``: the
    order an "auto" date column settled on in the run so far (see DateOrders)."""
    d = defaults
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
        return parse_dates(s, o.get("order", o.get("value", d.date_order)),
                           tz=o.get("timezone") or d.timezone, orders=orders,
                           excel_serial=o.get("excel_serial") is True)
    if name == "phone":
        return to_e164(s, o.get("region", o.get("value", d.phone_region)))
    if name in ("number", "integer"):
        return number(s, o.get("decimal", d.decimal), o.get("thousands", d.thousands),
                      integer=name == "integer")
    if name == "default":
        return default(s, o.get("value", ""))
    if name == "age_from_date":
        return age_from_date(s, o.get("order", d.date_order),
                             tz=o.get("timezone") or d.timezone, orders=orders,
                             excel_serial=o.get("excel_serial") is True)
    if name == "concat":
        return trim(s)  # concat acts on several columns: see apply_field
    raise TransformError(name)
