"""A validation rule in the operator's words: its name, what a value should have been, what
to do about a failure, and what deciding "Warning" does to the record (the value kept as it
is, or stored empty). Also the values such a decision stores empty, as a typed list, for the
verification and the report.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import rules as R
from .targets import TargetField, TargetTable

FIX = ("Correct the value with “Fix a value…” (kept in this migration; the legacy file is "
       "not changed), or in the legacy system and export the file again")

_WHAT = {"date": "date", "int": "whole number", "float": "number", "phone": "phone number",
         "enum": "code", "ref": "reference", "text": "value"}

#: checks whose failing value cannot be stored: a record imported anyway gets it empty
BLANKING = frozenset({"format", "parent_missing", "parent_rejected"})


def _field(code: str, targets: dict[str, TargetTable]) -> tuple[R.RuleCode | None,
                                                               TargetField | None]:
    rc = R.parse_code(code)
    if rc is None or rc.field is None:
        return rc, None
    t = targets.get(rc.table)
    return rc, (t.fields.get(rc.field) if t is not None else None)


def _label(rc: R.RuleCode, f: TargetField | None) -> str:
    return (f.label if f is not None and f.label else rc.field) or "the record"


def _table_words(table: str) -> str:
    return table.replace("_", " ").capitalize()


def rule_title(code: str, targets: dict[str, TargetTable]) -> str:
    """The rule in plain words, its table first: "Visits: consultation fee is not a valid
    number". The code itself stays the rule's id."""
    rc, f = _field(code, targets)
    if rc is None:
        return code
    label = _label(rc, f)
    parent = (f.label or f.references) if f is not None and f.references else "record"
    what = _WHAT.get(f.kind, "value") if f is not None else "value"
    text = {
        "required": f"{label} is missing",
        "format": f"{label} is not a valid {what}",
        "range": f"{label} is outside the allowed range",
        "enum": f"{label} is not a code HMSync knows",
        "future": f"{label} is in the future",
        "id_missing": "the record has no legacy id",
        "duplicate": "the same legacy id is used twice",
        "possible_duplicate": "maybe the same person registered twice",
        "parent_missing": f"the {parent} it refers to does not exist",
        "parent_rejected": f"left out because its {parent} was left out",
        "corrupt": "the record is damaged",
        "excluded": "left out by you",
        "placeholder": f"{label} is not in the export (a fixed value is stored)",
    }.get(rc.check, code)
    return f"{_table_words(rc.table)}: {text}"


def expected(code: str, targets: dict[str, TargetTable]) -> str:
    """What a value that passes the rule looks like ('' where there is nothing to say)."""
    rc, f = _field(code, targets)
    if rc is None:
        return ""
    if rc.check == "range" and f is not None:
        if f.min is not None and f.max is not None:
            return f"a number from {f.min:g} to {f.max:g}"
        if f.min is not None:
            return f"a number of at least {f.min:g}"
        if f.max is not None:
            return f"a number of at most {f.max:g}"
    if rc.check == "enum" and f is not None and f.enum:
        return "one of " + ", ".join(f.enum) + " (after the value map)"
    if rc.check == "format" and f is not None:
        return {"date": "a date such as 2023-10-14 or 14/10/2023",
                "int": "a whole number such as 42", "float": "a number such as 500.00",
                "phone": "a phone number such as +91 98765 43210"}.get(f.kind, "")
    if rc.check == "required":
        return "a value (HMSync needs one)"
    if rc.check == "future":
        return "a date no later than today"
    if rc.check in ("duplicate", "id_missing"):
        return "a legacy id of its own, used once"
    return ""


@dataclass(frozen=True)
class WarningEffect:
    """What deciding "Warning" for a rule does to the records that break it."""
    allowed: bool       # False: HMSync could not store them, the rule stays an error
    blanks: bool        # the failing value is stored empty
    text: str           # "import the record with registration date left empty"


def warning_effect(code: str, targets: dict[str, TargetTable]) -> WarningEffect:
    rc, f = _field(code, targets)
    if rc is None:
        return WarningEffect(False, False, "")
    if R.code_is_locked(code, targets):
        return WarningEffect(False, False, "HMSync cannot store these records: they stay "
                             "left out")
    label = _label(rc, f)
    if rc.check in BLANKING:
        return WarningEffect(True, True, f"import the record with {label} left empty")
    if rc.check == "required":
        return WarningEffect(True, False, f"import the record with {label} empty")
    if rc.check in ("range", "enum", "future"):
        return WarningEffect(True, False, f"import the record with {label} as it is")
    if rc.check == "possible_duplicate":
        return WarningEffect(True, False, "import both records (they stay listed as "
                             "warnings)")
    return WarningEffect(True, False, "import the record and list it as a warning")


def advice(code: str, targets: dict[str, TargetTable], value: str = "",
           date_reading: str = "") -> str:
    """What to do about a failure of the rule, in the wizard's own controls.
    ``date_reading``: how the field's dates are read ("date, day first"), where known."""
    rc, f = _field(code, targets)
    if rc is None:
        return ""
    label = _label(rc, f)
    fix = FIX
    c = rc.check
    if c == "format" and f is not None and f.kind == "date":
        read = f" The dates are read as “{date_reading}”." if date_reading else ""
        serial = ""
        from .transforms import excel_serial_date, unix_time_utc
        if value and excel_serial_date(value):
            serial = (f" {value} looks like an Excel day number: press “Read as Excel day "
                      "numbers” below.")
        elif value and unix_time_utc(value):
            serial = (f" {value} looks like a Unix time ({unix_time_utc(value)}; its day "
                      "depends on the clinic's time zone): press “Read as Unix time” below.")
        return (f"{read}{serial} If the export writes its dates another way, change "
                f"“Day/month” for {label} on the Column mapping page (“Change the mapping” "
                f"below). {fix}.").strip()
    if c == "format":
        return (f"{fix}. Or decide “Warning” for this rule to import the record with {label} "
                "left empty.")
    if c == "required":
        return f"{fix}; or leave the record out."
    if c in ("range", "future", "enum"):
        more = " Or add the value to the field's value map on the Column mapping page." \
            if c == "enum" else ""
        return f"{fix}.{more} “Warning” imports the value as it is."
    if c == "duplicate":
        return ("The first record with this legacy id is imported. Check which one is right: "
                "leave the other out, or give it its own id in the legacy system.")
    if c == "id_missing":
        return "Give the record a legacy id in the legacy system, or leave it out."
    if c == "parent_missing":
        return (f"Add the {label} to the export, or correct the reference with “Fix a "
                "value…”. "
                f"“Warning” imports the record without its {label}.")
    if c == "parent_rejected":
        return (f"Fix the problem of the {label} it refers to (select it above): this record "
                "is then imported with it.")
    if c == "possible_duplicate":
        return ("Look at both records: if they are one person, leave one out; if not, "
                "nothing to do.")
    if c == "corrupt":
        return "Export the record again from the legacy system, or leave it out."
    if c == "placeholder":
        return "Map a column for this field on the Column mapping page, or accept the value."
    return ""


@dataclass(frozen=True)
class BlankedValue:
    """A value that an import with the rule decided as "Warning" stores empty."""
    table: str
    file: str
    line: int
    legacy_id: str
    field: str          # the legacy column
    target_field: str   # the HMSync field left empty
    value: str          # the legacy value as written
    rule: str


def blanked_values(problems: pd.DataFrame | None) -> list[BlankedValue]:
    """Every value a run stores empty because its rule was decided "Warning" (a date that
    cannot be read, a reference to a record that is not there), from a validation's
    problems. Records left out for an error of theirs store nothing and are not listed."""
    if problems is None or not len(problems):
        return []
    err = problems["severity"] == R.ERROR
    rejected = set(zip(problems["file"][err], problems["line"][err]))
    warn = problems[problems["severity"] == R.WARNING]
    out = []
    for row in warn.itertuples(index=False):
        rc = R.parse_code(str(row.rule))
        if rc is None or rc.check not in BLANKING or (row.file, row.line) in rejected:
            continue
        out.append(BlankedValue(str(row.table), str(row.file), int(row.line),
                                str(row.legacy_id), str(row.field), str(row.target_field),
                                "" if pd.isna(row.value) else str(row.value), str(row.rule)))
    return out


# --- remedies the wizard applies -----------------------------------------------------------
def _dated(fm):
    from .steps import get_step
    from .transforms import AgeFromDateStep, DateStep
    kind = AgeFromDateStep if get_step(fm, AgeFromDateStep) is not None else DateStep
    return kind, get_step(fm, kind)


def date_reading(fm, defaults=None) -> str:
    """How a field's dates are read, in words ("date, day first"; '' if not a date)."""
    if fm is None:
        return ""
    _, step = _dated(fm)
    if step is None:
        return ""
    return step.describe(defaults) if defaults is not None else step.describe()


def read_excel_days(fm) -> bool:
    """Read a field's whole numbers as Excel day numbers (its date step's excel_serial);
    False when the field has no date step or reads them already."""
    from dataclasses import replace
    from .steps import set_step
    if fm is None:
        return False
    kind, step = _dated(fm)
    if step is None or step.excel_serial is True:
        return False
    set_step(fm, kind, replace(step, excel_serial=True))
    fm.review = False
    return True


def unix_time_needs_zone(fm, defaults=None) -> bool:
    """Would a field's Unix times stay unread for want of the clinic's time zone (neither
    its date step nor the profile's defaults give one)? False when it has no date step."""
    if fm is None:
        return False
    _, step = _dated(fm)
    return step is not None and not (step.timezone or getattr(defaults, "timezone", None))


def read_unix_time(fm, timezone: str | None = None) -> bool:
    """Read a field's whole numbers of 9-10 digits (seconds) or 12-13 digits (milliseconds)
    as Unix times (its date step's unix_time), in ``timezone`` if given (the clinic's: a
    Unix time's day depends on it); False when the field has no date step or nothing
    changes. TransformError for an unknown time zone."""
    from dataclasses import replace
    from .steps import set_step
    from .transforms import time_zone
    if fm is None:
        return False
    kind, step = _dated(fm)
    if step is None:
        return False
    if timezone is not None:
        time_zone(timezone)
    zone = timezone if timezone is not None else step.timezone
    if step.unix_time is True and zone == step.timezone:
        return False
    set_step(fm, kind, replace(step, unix_time=True, timezone=zone))
    fm.review = False
    return True
