"""Validation rules as data: a code, a default severity, and a message a clinic's IT person
understands. A profile can switch a rule off or change its severity (``rules:`` section,
codes may use ``*`` wildcards, e.g. ``"*.*.future": warning``).

Codes are ``<table>.<field>.<check>`` (``patients.age.range``) or ``<table>.<what>.<check>``
for record-level rules (``visits.id.duplicate``, ``bills.record.corrupt``).
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass

import numpy as np

ERROR, WARNING, OFF = "error", "warning", "off"


@dataclass(frozen=True)
class Rule:
    check: str
    severity: str
    message: str        # may use {label}, {min}, {max}, {allowed}, {parent}, {region}
    description: str


RULES = {r.check: r for r in [
    Rule("required", ERROR, "{label} is missing", "a field HMSync needs is empty"),
    Rule("format", ERROR, "{label} is not a valid {what}",
         "a value that cannot be converted (a date, number or phone number)"),
    Rule("range", ERROR, "{label} is outside the allowed range {range}",
         "a number outside its allowed range (age 0-150, amounts not negative)"),
    Rule("enum", ERROR, "{label} must be one of {allowed} after its value map",
         "a code that is not one HMSync knows (gender M/F/O)"),
    Rule("future", ERROR, "{label} is in the future", "a date after today"),
    Rule("id_missing", ERROR, "the record has no legacy id", "the legacy id column is empty"),
    Rule("duplicate", ERROR, "the same legacy id appears earlier in the export (line {first}); "
         "the first is kept", "a legacy id used twice in one export"),
    Rule("possible_duplicate", WARNING, "same name and phone as legacy record {other}: the same "
         "person under two ids?", "a person who may be registered twice"),
    Rule("parent_missing", ERROR, "the {parent} it refers to does not exist in the export or "
         "in HMSync", "a broken relationship (a visit whose patient does not exist)"),
    Rule("parent_rejected", ERROR, "the {parent} it refers to is rejected, so this record is "
         "rejected too", "a record whose parent record has errors (cascade)"),
    Rule("corrupt", ERROR, "the record is damaged: {note}",
         "ragged rows, undecodable bytes, unreadable records"),
    Rule("excluded", ERROR, "left out by the operator", "a record the operator excluded"),
    Rule("placeholder", WARNING, "{label} is not in the export: the profile's fixed value "
         "'{value}' is stored", "a required field filled with a fixed value (a placeholder)"),
    Rule("amount_scale", WARNING, "{label} was read as 10, 100, ... times (or a tenth, ...) "
         "the number its cell shows: do the decimal and thousands rules fit this text, or "
         "are they applied twice?",
         "an amount the import read at a power of ten of its cell's plain reading"),
    Rule("amount_unsure", WARNING, "{label}: one separator with three digits after it "
         "(like 1.250) is thousands or decimals, and the profile gives no thousands "
         "separator: say thousands (or thousands: null) in the profile's defaults or the "
         "field's number step",
         "an amount whose reading is a guess: thousands or decimals"),
]}

#: check -> code suffix as it appears in a rule code
CODE_PART = {"required": "required", "format": "format", "range": "range", "enum": "enum",
             "future": "future", "id_missing": "id.missing", "duplicate": "id.duplicate",
             "possible_duplicate": "person.possible_duplicate",
             "parent_missing": "missing_parent", "parent_rejected": "rejected_parent",
             "corrupt": "record.corrupt", "excluded": "record.excluded",
             "placeholder": "placeholder", "amount_scale": "amount_scale",
             "amount_unsure": "amount_unsure"}


#: the money amounts' checks (amounts.py), per field
AMOUNT_CHECKS = ("amount_scale", "amount_unsure")


def rule_code(table: str, field: str | None, check: str) -> str:
    part = CODE_PART[check]
    if field and check in ("required", "format", "range", "enum", "future", "parent_missing",
                           "parent_rejected", "placeholder", *AMOUNT_CHECKS):
        return f"{table}.{field}.{part}"
    return f"{table}.{part}"


def severity(code: str, check: str, overrides: dict[str, str], locked: bool = False) -> str:
    """The severity of a rule code after a profile's overrides.

    ``locked`` rules (a NOT NULL field left empty, a broken record) stay errors whatever a
    profile says: HMSync could not store the record.
    """
    sev = RULES[check].severity
    if locked:
        return ERROR
    if code in overrides:
        return overrides[code]
    for pattern, s in overrides.items():
        if "*" in pattern and fnmatch.fnmatchcase(code, pattern):
            return s
    return sev



# --- which rules a profile may relax ------------------------------------------------------
#: checks whose failures HMSync could never store, whatever the profile says
ALWAYS_LOCKED = frozenset({"corrupt", "id_missing", "excluded", "duplicate"})
#: checks that are locked where the field is NOT NULL in HMSync (an empty or unreadable
#: value would be stored as NULL)
LOCKED_WHERE_NOT_NULL = frozenset({"format", "required"})


def is_locked(check: str, nullable: bool = True) -> bool:
    """True for a check a profile cannot relax: HMSync could not store the record. The one
    answer for the checks (which ignore a profile's override) and the wizard (which offers
    no override)."""
    return check in ALWAYS_LOCKED or (check in LOCKED_WHERE_NOT_NULL and not nullable)


@dataclass(frozen=True)
class RuleCode:
    """A rule code taken apart: ``patients.age.range`` -> patients, age, range."""
    table: str
    field: str | None    # None for record-level rules (visits.id.duplicate)
    check: str


_CHECK_BY_PART = sorted(((part, check) for check, part in CODE_PART.items()),
                        key=lambda pc: -len(pc[0]))


def parse_code(code: str) -> RuleCode | None:
    """The inverse of :func:`rule_code` (None for a code no rule makes, e.g. a wildcard)."""
    for part, check in _CHECK_BY_PART:
        if code.endswith("." + part):
            head = code[: -len(part) - 1]
            table, _, fname = head.partition(".")
            if not table or "*" in code:
                return None
            return RuleCode(table, fname or None, check)
    return None


def code_is_locked(code: str, targets: dict) -> bool:
    """:func:`is_locked` for a rule code, the field's nullability read from ``targets``
    (HMSync's tables as the target has them)."""
    rc = parse_code(code)
    if rc is None:
        return False
    nullable = True
    if rc.field is not None and rc.table in targets:
        f = targets[rc.table].fields.get(rc.field)
        nullable = f is None or f.nullable
    return is_locked(rc.check, nullable)


def describe_code(code: str) -> str:
    """What a rule code checks, in plain words ('' for a code no rule makes)."""
    rc = parse_code(code)
    return RULES[rc.check].description if rc is not None else ""


#: a repeated legacy id whose first record is rejected too: neither is kept, and saying
#: "the first is kept" would hide that; both go to the rejected records, where the
#: operator decides which is right (taking the later one unasked could bring back a
#: record the legacy system had replaced)
DUPLICATE_OF_REJECTED = ("the same legacy id appears earlier in the export (line {first}), "
                         "which is rejected too: neither record is imported; both are in "
                         "the rejected records — fix or remove one and import them again")


def duplicate_messages(first_lines, dup, first_rejected) -> list[str]:
    """The duplicate rule's message per record of a chunk ("" where not a duplicate)."""
    kept = RULES["duplicate"].message
    return [(DUPLICATE_OF_REJECTED if gone else kept).format(first=int(fl)) if d else ""
            for fl, d, gone in zip(np.asarray(first_lines).tolist(), np.asarray(dup).tolist(),
                                   np.asarray(first_rejected).tolist())]


#: rule checks about a whole record, written <table>.<part> (the others name a field)
RECORD_CHECKS = ("id_missing", "duplicate", "possible_duplicate", "corrupt", "excluded")
SEVERITIES = (ERROR, WARNING, OFF)


def known_codes(tables: dict[str, list[str]]) -> list[str]:
    """Every rule code of these tables (HMSync table -> its field names)."""
    out = []
    for t, fields in tables.items():
        out += [rule_code(t, None, c) for c in RULES if c in RECORD_CHECKS]
        out += [rule_code(t, f, c) for f in fields for c in RULES if c not in RECORD_CHECKS]
    return out


def code_problem(code: str, tables: dict[str, list[str]], fields: bool = False) -> str | None:
    """Why a profile's rule code names no rule (None: it names one). A code names a table
    HMSync has and a check the wizard makes; with ``fields``, a field of that table too
    (when the target is known: a deployment may add columns). A pattern with * must match
    some code."""
    import difflib
    known = known_codes(tables)
    if "*" in code or "?" in code:
        if any(fnmatch.fnmatchcase(k, code) for k in known):
            return None
        return f"the pattern matches no rule (codes look like {known[0]})"
    guess = difflib.get_close_matches(code, known, n=1)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    table, _, rest = code.partition(".")
    if table not in tables:
        return f"no HMSync table '{table}'{hint}"
    if rest in {CODE_PART[c] for c in RECORD_CHECKS}:
        return None
    for c, part in CODE_PART.items():
        if c not in RECORD_CHECKS and rest.endswith("." + part) and \
                rest[:-len(part) - 1] and "." not in rest[:-len(part) - 1]:
            field = rest[:-len(part) - 1]
            if not fields or field in tables[table]:
                return None
            return f"{table} has no field '{field}'{hint}"
    return f"no such rule{hint}"
