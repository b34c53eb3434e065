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

import difflib
import enum
from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from .dates import DateOrders, age_from_date, age_from_year, check_date_order, parse_dates, time_zone
from .numbers import number
from .phones import to_e164
from .result import Result, TransformError
from .texts import case, default, split, trim, value_map
from ..words import counted


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


class _Inherit(enum.Enum):
    PROFILE = "the profile's default"

    def __repr__(self) -> str:
        return "INHERIT"


#: an option a step does not give: the profile's default applies. (An option written as
#: null is given: None, which reads as the step's own "none", e.g. no thousands separator.)
INHERIT = _Inherit.PROFILE


def _given(o: dict, *keys, default=INHERIT):
    """The first of ``keys`` the options hold, as written (None too), else ``default``."""
    for k in keys:
        if k in o:
            return o[k]
    return default


@dataclass(frozen=True)
class Step:
    """One step of a field's steps. A profile's text is parsed into steps once (``parse``),
    each checking its options; a step describes itself in plain words, applies itself to
    a column and gives back the form a profile writes (``to_raw``)."""
    names: ClassVar[tuple[str, ...]]    # the names a profile writes the step with
    options: ClassVar[tuple[str, ...] | None] = ()  # the options it reads; None: any key

    @property
    def name(self) -> str:
        return self.names[0]

    @classmethod
    def check_options(cls, name: str, opts: dict) -> None:
        """An option the step does not read (a misspelt one would be ignored, the step
        doing something else than the profile says) is a TransformError, with a guess."""
        known = cls.options
        if known is None:
            return
        for k, v in opts.items():
            if k in known or (k == "value" and v is None):  # ("- trim:" in YAML: no options)
                continue
            close = difflib.get_close_matches(str(k), known, n=1)
            named = [o for o in known if o != "value"]
            hint = f"did you mean '{close[0]}'?" if close else \
                f"it takes {', '.join(named)}" if named else "it takes none"
            raise TransformError(f"{name} step: unknown option '{k}' ({hint})")

    @classmethod
    def from_options(cls, name: str, o: dict) -> "Step":
        return cls()

    def check(self) -> None:
        """A TransformError if an option's value cannot be used (beyond its name)."""

    def describe(self, defaults: StepDefaults = NO_DEFAULTS) -> str:
        return self.name

    def apply(self, s: pd.Series, defaults: StepDefaults = NO_DEFAULTS,
              orders: DateOrders | None = None) -> Result:
        """The step applied to a column. ``defaults``: the profile's; ``orders``: the order
        an "auto" date column settled on in the run so far (see DateOrders)."""
        raise NotImplementedError

    def to_raw(self):
        """The step as a profile writes it."""
        return self.name


@dataclass(frozen=True)
class TrimStep(Step):
    names: ClassVar = ("trim",)

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return trim(s)


_CASE_WORDS = {"upper": "UPPER CASE", "lower": "lower case", "title": "Title Case"}


@dataclass(frozen=True)
class CaseStep(Step):
    names: ClassVar = ("upper", "lower", "title")
    how: str = "upper"

    @property
    def name(self) -> str:
        return self.how

    @classmethod
    def from_options(cls, name, o):
        return cls(name)

    def describe(self, defaults=NO_DEFAULTS) -> str:
        return _CASE_WORDS[self.how]

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return case(s, self.how)


@dataclass(frozen=True)
class ConcatStep(Step):
    """Several source columns joined into one (map_field joins them; on one column the
    step only trims)."""
    names: ClassVar = ("concat",)
    options: ClassVar = ("sep", "value")
    sep: object = " "

    @classmethod
    def from_options(cls, name, o):
        return cls(_given(o, "sep", "value", default=" "))

    def describe(self, defaults=NO_DEFAULTS) -> str:
        return "joined"

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return trim(s)

    def to_raw(self):
        return {"concat": self.sep}


@dataclass(frozen=True)
class SplitStep(Step):
    names: ClassVar = ("split",)
    options: ClassVar = ("sep", "part", "value")
    sep: object = " "
    part: object = "first"   # first | last | rest | an index

    @classmethod
    def from_options(cls, name, o):
        return cls(_given(o, "sep", "value", default=" "), o.get("part", "first"))

    def check(self) -> None:
        if self.part in ("first", "last", "rest"):
            return
        try:
            int(self.part)
        except (TypeError, ValueError):
            raise TransformError(f"split step: part '{self.part}' is not first, last, rest "
                                 "or a number (0 is the first part)") from None

    def describe(self, defaults=NO_DEFAULTS) -> str:
        return f"{self.part} word(s)"

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return split(s, self.sep, self.part)

    def to_raw(self):
        return {"split": {"sep": self.sep, "part": self.part}}


@dataclass(frozen=True)
class MapStep(Step):
    """A value map: its options are the values (or sit under ``values``)."""
    names: ClassVar = ("map",)
    options: ClassVar = None
    values: dict = field(default_factory=dict)

    @classmethod
    def from_options(cls, name, o):
        values = o.get("values", o)
        return cls(dict(values) if isinstance(values, dict) else values)

    def describe(self, defaults=NO_DEFAULTS) -> str:
        return f"value map ({counted(len(self.values), 'value')})"

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return value_map(s, self.values)

    def to_raw(self):
        return {"map": dict(self.values)}


@dataclass(frozen=True)
class _DateStep(Step):
    """What a date step and an age from a birth date share."""
    order: object = INHERIT         # DMY | MDY | YMD | auto
    timezone: object = None         # for times written with a zone; None: the profile's
    excel_serial: object = False    # whole numbers are Excel's day numbers
    unix_time: object = False       # whole numbers are seconds/milliseconds since 1970 UTC

    def check(self) -> None:
        if self.timezone is not None:
            time_zone(self.timezone)
        self._check_order()
        for option in ("excel_serial", "unix_time"):
            value = getattr(self, option)
            if isinstance(value, bool):
                continue
            t = str(value).strip().lower()
            guess = " (did you mean true?)" if t in ("yes", "on", "true", "1") else \
                " (did you mean false?)" if t in ("no", "off", "false", "0") else ""
            raise TransformError(f"{self.name} step: {option} is true or false, "
                                 f"not {value!r}{guess}")

    def _check_order(self) -> None:
        pass  # (an age step's order is not checked: it never was)

    def _order(self, defaults: StepDefaults):
        return defaults.date_order if self.order is INHERIT else self.order

    def _zone(self, defaults: StepDefaults):
        return self.timezone or defaults.timezone

    def _details(self, defaults: StepDefaults) -> str:
        zone = self._zone(defaults)  # the step's own zone, else the profile's
        unix = ""
        if self.unix_time is True:
            unix = ", Unix times read" if zone else \
                ", Unix times not read until the clinic's time zone is given"
        return (", Excel day numbers read" if self.excel_serial is True else "") + unix + \
            (f", local time {zone}" if zone else "")

    def to_raw(self):
        o = {}
        if self.order is not INHERIT:
            o["order"] = self.order
        if self.timezone is not None:
            o["timezone"] = self.timezone
        if self.excel_serial is True:
            o["excel_serial"] = True
        if self.unix_time is True:
            o["unix_time"] = True
        return {self.name: o}


_ORDER_WORDS = {"DMY": "date, day first", "MDY": "date, month first", "YMD": "date, year first"}


@dataclass(frozen=True)
class DateStep(_DateStep):
    names: ClassVar = ("date",)
    options: ClassVar = ("order", "timezone", "excel_serial", "unix_time", "value")

    @classmethod
    def from_options(cls, name, o):
        return cls(_given(o, "order", "value"), o.get("timezone"), o.get("excel_serial", False),
                   o.get("unix_time", False))

    def _check_order(self) -> None:
        if self.order is not INHERIT:
            check_date_order(self.order, "date step: order")

    def describe(self, defaults=NO_DEFAULTS) -> str:
        order = (defaults.date_order or "auto") if self.order is INHERIT else self.order
        return _ORDER_WORDS.get(str(order).upper(), "date, order detected") + \
            self._details(defaults)

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return parse_dates(s, self._order(defaults), tz=self._zone(defaults), orders=orders,
                           excel_serial=self.excel_serial is True,
                           unix_time=self.unix_time is True)


@dataclass(frozen=True)
class AgeFromDateStep(_DateStep):
    """Years between a birth date and today."""
    names: ClassVar = ("age_from_date",)
    options: ClassVar = ("order", "timezone", "excel_serial", "unix_time")

    @classmethod
    def from_options(cls, name, o):
        return cls(_given(o, "order"), o.get("timezone"), o.get("excel_serial", False),
                   o.get("unix_time", False))

    def describe(self, defaults=NO_DEFAULTS) -> str:
        return "age from birth date" + self._details(defaults)

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return age_from_date(s, self._order(defaults), tz=self._zone(defaults), orders=orders,
                             excel_serial=self.excel_serial is True,
                             unix_time=self.unix_time is True)


@dataclass(frozen=True)
class PhoneStep(Step):
    names: ClassVar = ("phone",)
    options: ClassVar = ("region", "value")
    region: object = INHERIT

    @classmethod
    def from_options(cls, name, o):
        return cls(_given(o, "region", "value"))

    def describe(self, defaults=NO_DEFAULTS) -> str:
        return f"phone, region {'?' if self.region is INHERIT else self.region}"

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return to_e164(s, defaults.phone_region if self.region is INHERIT else self.region)

    def to_raw(self):
        return {"phone": {} if self.region is INHERIT else {"region": self.region}}


@dataclass(frozen=True)
class NumberStep(Step):
    """A number (``integer``: a whole number) written with the profile's or its own
    decimal and thousands separators."""
    names: ClassVar = ("number", "integer")
    options: ClassVar = ("decimal", "thousands")
    integer: bool = False
    decimal: object = INHERIT
    thousands: object = INHERIT     # None: no thousands separator, whatever the profile says

    @property
    def name(self) -> str:
        return "integer" if self.integer else "number"

    @classmethod
    def from_options(cls, name, o):
        return cls(name == "integer", _given(o, "decimal"), _given(o, "thousands"))

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        decimal, thousands = self.separators(defaults)
        return number(s, decimal, thousands, integer=self.integer)

    def separators(self, defaults=NO_DEFAULTS) -> tuple[str, str | None]:
        """(decimal, thousands) as this step reads: its own, else the profile's. A step's
        own decimal mark is never also the thousands separator it inherits ({number:
        {decimal: '.'}} under a profile's thousands: '.' reads "180.5" as 180.5, not 1805)."""
        decimal = defaults.decimal if self.decimal is INHERIT else self.decimal
        thousands = defaults.thousands if self.thousands is INHERIT else self.thousands
        if self.thousands is INHERIT and thousands == decimal:
            thousands = None
        return decimal, thousands

    def to_raw(self):
        o = {k: v for k, v in (("decimal", self.decimal), ("thousands", self.thousands))
             if v is not INHERIT}
        return {self.name: o} if o else self.name


@dataclass(frozen=True)
class DefaultStep(Step):
    """Empty cells filled with a value."""
    names: ClassVar = ("default",)
    options: ClassVar = ("value",)
    value: object = ""

    @classmethod
    def from_options(cls, name, o):
        return cls(o.get("value", ""))

    def describe(self, defaults=NO_DEFAULTS) -> str:
        return f"default '{self.value}'"

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return default(s, self.value)

    def to_raw(self):
        return {"default": {"value": self.value}}


@dataclass(frozen=True)
class AgeFromYearStep(Step):
    """Years since a birth year (a four-digit year alone, as OMOP's year_of_birth)."""
    names: ClassVar = ("age_from_year",)

    def describe(self, defaults=NO_DEFAULTS) -> str:
        return "age from birth year (at this year's birthday)"

    def apply(self, s, defaults=NO_DEFAULTS, orders=None) -> Result:
        return age_from_year(s)


#: every step kind by the names a profile writes it with, in the order the names are listed
STEPS: dict[str, type[Step]] = {n: k for k in (
    TrimStep, CaseStep, ConcatStep, SplitStep, MapStep, DateStep, PhoneStep, NumberStep,
    DefaultStep, AgeFromDateStep, AgeFromYearStep) for n in k.names}
STEP_NAMES = list(STEPS)

#: the options each step reads (a map step's options are its values: any key)
STEP_OPTIONS = {n: k.options for n, k in STEPS.items() if k.options is not None}


def check_step_options(name: str, opts: dict) -> None:
    """A step option the step does not read is a TransformError, with a guess."""
    kind = STEPS.get(name)
    if kind is not None:
        kind.check_options(name, opts)


def parse_step(step) -> tuple[str, dict]:
    """A step as a profile writes it: (its name, its options as written); ``{name: value}``
    has the options ``{"value": value}``."""
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


def parse(step) -> Step:
    """A step as a profile writes it, typed and checked (a TransformError if it cannot be
    used, saying why)."""
    if isinstance(step, Step):
        return step
    name, opts = parse_step(step)
    kind = STEPS[name]
    kind.check_options(name, opts)
    typed = kind.from_options(name, opts)
    typed.check()
    return typed


def parse_steps(steps) -> tuple[Step, ...]:
    return tuple(parse(s) for s in steps)


def apply_step(s: pd.Series, step, defaults: StepDefaults = NO_DEFAULTS,
               orders: DateOrders | None = None) -> Result:
    """Apply one profile step (typed, or as a profile writes it) to a column."""
    return parse(step).apply(s, defaults, orders)
