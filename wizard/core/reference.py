"""The profile reference: every key, step, option, expression function and rule, each with
an example. The names come from the code that reads them (mapping.py's key lists, the
step kinds, expr.FUNCTIONS, lookups.KEYS, rules.RULES); the words and examples are here.
A name the code reads that this module does not describe, or one it describes that the
code no longer reads, is a ReferenceGap: the reference is made from both or not at all.

``docs/profile-reference.md`` is :func:`markdown`'s output (scripts/profile_reference.py
writes it; a test fails when the two differ); ``hmsync-migrate profile-help [TOPIC]``
prints it, or one section or entry of it.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from . import rules as R
from . import transforms as tf
from .expr import ALLOWED, FUNCTIONS
from .lookups import AGGREGATES, KEYS as LOOKUP_KEYS
from .mapping import _DEFAULTS_KEYS, _FIELD_KEYS, _PROFILE_KEYS, _TABLE_KEYS
from .pilot_spec import FILTERS


class ReferenceGap(Exception):
    """The code reads a name the reference does not describe, or the other way round."""


@dataclass(frozen=True)
class Entry:
    name: str
    does: str
    example: str


# --- the words ---------------------------------------------------------------------------
PROFILE = {
    "name": ("the profile's name, shown in reports", "name: HealthCare Plus"),
    "source_system": ("the legacy system's name: legacy ids are unique per source system, so "
                      "a re-run recognises its records", "source_system: healthcare-plus"),
    "defaults": ("what applies to every column (see Defaults)",
                 "defaults: {phone_region: IN, date_order: DMY}"),
    "rules": ("a rule's severity changed: error, warning or off (see Rules); * matches any "
              "part of a code", "rules: {patients.age.range: warning, '*.*.future': 'off'}"),
    "exclude": ("records the operator leaves out, by HMSync table and legacy id",
                "exclude: [{table: patients, legacy_id: '105'}]"),
    "pilot": ("a closed subset imported first (see Pilot)", "pilot: {patients: ['101', '102']}"),
    "notes": ("notes for the profile's reader (a suggestion's doubts); a note ending in "
              "' — check it' asks for a check", "notes: ['gender codes guessed — check it']"),
    "corrections": ("values the operator corrected on the validation page, each with its "
                    "file, line, column, the value before and after",
                    "corrections: [{file: patients.csv, line: 7, column: age, before: '4O', "
                    "after: '40'}]"),
    "person_decisions": ("what the operator decided for records that may be the same "
                         "person: keep_both, merge (keep names the record kept) or leave_out",
                         "person_decisions: [{table: patients, ids: ['101', '188'], "
                         "decision: merge, keep: '101'}]"),
    "tables": ("which legacy table feeds which HMSync table, and how (see Tables)",
               "tables:\n  patients.csv: {target: patients, legacy_id: patientId, fields: "
               "{...}}"),
}
DEFAULTS = {
    "phone_region": ("the country phone numbers without one are read in (ISO code)",
                     "phone_region: IN"),
    "date_order": ("DMY, MDY, YMD, or auto (settled per column by the first day or month "
                   "above 12)", "date_order: DMY"),
    "decimal": ("the decimal mark of numbers", "decimal: ','"),
    "thousands": ("the thousands separator of numbers", "thousands: '.'"),
    "timezone": ("the clinic's time zone, for times written with a zone and Unix times "
                 "(IANA name or offset)", "timezone: Asia/Kolkata"),
}
TABLE = {
    "source": ("the legacy table (when tables are a list); a file name, a sheet "
               "(book.xlsx#Sheet) or a pattern", "- source: patients*.csv"),
    "target": ("the HMSync table it feeds", "target: patients"),
    "legacy_id": ("the column holding the record's id in the legacy system, or a list of "
                  "columns that together identify a record (a composite id, kept as a JSON "
                  "list of its parts), or {expr: ...} an expression over the columns (two "
                  "files numbered apart that feed one table: `{expr: \"'OPD-' || OPD_ID\"}`; "
                  "a record it cannot be evaluated on stops the run, naming its line)",
                  "legacy_id: patientId"),
    "where": ("a row filter, an expression (see Expressions): only the records for which "
              "it holds are migrated; the others are counted as filtered in the "
              "reconciliation (source = imported + duplicates + rejected + filtered)",
              "where: \"CATEGORY = 'laboratory'\""),
    "encoding": ("the text encoding the file is read with, where its bytes leave it unsure "
                 "(an 8-bit code page)", "encoding: cp1250"),
    "delimiter": ("the field separator of a text file, where the detection is overruled "
                  "(comma, semicolon, tab, pipe, colon, space, caret, tilde, or the "
                  "character)", "delimiter: semicolon"),
    "header_row": ("the line (a sheet's row) holding the column names, 1 the first: the "
                   "lines above it (a title, a print date) are no records; 0: a text file "
                   "with no column names, its first line a record, its columns column_1, "
                   "column_2 and so on",
                   "header_row: 4"),
    "fields": ("each HMSync field and how it is made (see Fields)",
               "fields: {phone: phoneNumber}"),
    "leave_behind": ("columns no field reads, left out on purpose (said apart from undecided "
                     "ones)", "leave_behind: [internalNotes]"),
    "query": ("SQL run on the legacy database (a source given as a database file or URL) "
              "whose rows make this legacy table; read in the same snapshot as the others",
              "query: \"SELECT p.*, a.city FROM patients p JOIN addresses a ON a.pid = p.id\""),
    "lookups": ("named lookups (see Lookups): each a column of the record that the "
                "table's expressions, filter and fields read like any other, so a looked-up "
                "value can be computed with",
                "lookups: {last_visit: {table: visits.csv, key: PATIENT, by: Id, "
                "column: START, aggregate: max}}"),
    "nul_empty": ("columns of a delimited file where a NUL character alone is an empty "
                  "value, not a damaged record (MySQL writes an empty CHAR(1) as '\\0'); a "
                  "NUL anywhere else still marks the record damaged",
                  "nul_empty: [PAT_MOTH, PAT_FATH]"),
    "keep": ("columns HMSync has no field for, kept beside each record in the "
             "migration_extras table (table, HMSync id, column, value) and counted as "
             "imported cells; a re-run brings a changed kept value in (as an update of "
             "the record, never a conflict: HMSync cannot edit it) and removes an "
             "emptied one", "keep: [insuranceNo]"),
    "confidence": ("a suggestion's confidence that the table feeds its target (0-1)",
                   "confidence: 0.95"),
    "review": ("true: which table it feeds is a suggestion a person must confirm",
               "review: false"),
}
FIELD = {
    "column": ("the legacy column it is read from", "phone: {column: phoneNumber}"),
    "columns": ("several legacy columns, joined (a concat step says with what)",
                "fullName: {columns: [firstName, lastName], steps: [{concat: ' '}]}"),
    "steps": ("transforms applied in order (see Steps)",
              "gender: {column: sex, steps: [trim, {map: {m: M, f: F}}]}"),
    "value": ("a fixed value instead of a column; on a required field it is a placeholder, "
              "counted as a warning on every record that gets it",
              "phone: {value: '+910000000000'}"),
    "expr": ("a computed value, an expression over the record's columns (see Expressions)",
             "age: {expr: 'age_at(BIRTHDATE, DEATHDATE)'}"),
    "lookup": ("a value from another legacy table by key, aggregated (see Lookups)",
               "amount: {lookup: {table: charges.csv, key: CLAIMID, by: Id, column: AMOUNT, "
               "aggregate: sum}}"),
    "confidence": ("a suggestion's confidence (0-1)", "confidence: 0.72"),
    "reason": ("why it was suggested", "reason: column name and values look like phones"),
    "review": ("true: a suggestion a person must confirm before it is applied",
               "review: true"),
}
LOOKUP = {
    "table": ("the other legacy table, as the export names it",
              "table: claims_transactions.csv"),
    "key": ("its column holding the key, or {expr: ...} an expression over its columns",
            "key: {expr: \"split_part(subject.reference, '/', 2)\"}"),
    "by": ("this record's column holding the same key, or {expr: ...} an expression over "
           "its columns", "by: Id"),
    "column": ("the other table's column taken (count needs none), or {expr: ...} an "
               "expression over its columns", "column: AMOUNT"),
    "aggregate": ("how its rows with the key become one value: " + ", ".join(AGGREGATES) +
                  " (first: in file order; join: the different values in file order, joined "
                  "by '; '; a key with no rows gives nothing, or 0 for count)", "aggregate: sum"),
    "where": ("which of the other table's rows count (an expression over its columns)",
              "where: \"TYPE = 'CHARGE'\""),
}
PILOT = {
    "patients": ("these patients' records only (legacy ids)", "pilot: {patients: ['101']}"),
    "registered": ("patients registered in a date range",
                   "pilot: {registered: {from: 2023-01-01, to: 2023-03-31}}"),
    "department": ("one department's doctors and their patients",
                   "pilot: {department: Cardiology}"),
}
STEPS = {
    "trim": ("spaces removed at either end", "steps: [trim]"),
    "upper": ("in capitals", "steps: [upper]"),
    "lower": ("in small letters", "steps: [lower]"),
    "title": ("each word with a capital", "steps: [title]"),
    "concat": ("the field's columns joined, with sep (or the value) between them",
               "steps: [{concat: ' '}]"),
    "split": ("one piece of the text: sep, and part (first, last or a number from 0)",
              "steps: [{split: {sep: ' ', part: last}}]"),
    "map": ("values replaced by others (written as the options, or under values)",
            "steps: [{map: {male: M, female: F}}]"),
    "date": ("read as a date: order, timezone, excel_serial (true: whole numbers are "
             "Excel's day numbers), unix_time (true: whole numbers of 9-10 digits are "
             "seconds, of 12-13 digits milliseconds, since 1970-01-01 UTC, from 1990 to "
             "2100; read as the local date and time of the timezone, and not read without "
             "one)", "steps: [{date: {order: MDY, excel_serial: true}}]"),
    "phone": ("read as a phone number in E.164: region", "steps: [{phone: {region: IN}}]"),
    "number": ("read as a number: decimal, thousands", "steps: [{number: {decimal: ','}}]"),
    "integer": ("read as a whole number: decimal, thousands", "steps: [integer]"),
    "default": ("empty cells filled with a value", "steps: [{default: Unknown}]"),
    "age_from_date": ("years from a birth date to today: order, timezone, excel_serial, "
                      "unix_time (an age at another date: expr: age_at(...))",
                      "steps: [age_from_date]"),
    "age_from_year": ("years since a birth year (a four-digit year alone, as OMOP's "
                      "year_of_birth), at this year's birthday", "steps: [age_from_year]"),
}
SEVERITIES = {
    "error": ("the record is rejected (not imported), and listed", "patients.age.range: error"),
    "warning": ("the record is imported, and listed", "patients.age.range: warning"),
    "off": ("the check is not made (write it in quotes: YAML reads an unquoted off as "
            "false)", "patients.age.range: 'off'"),
}
_RULE_FIELD = {"required": "phone", "format": "age", "range": "age", "enum": "gender",
               "future": "registrationDate", "parent_missing": "patientId",
               "parent_rejected": "patientId", "placeholder": "phone",
               "amount_scale": "amount", "amount_unsure": "amount"}
_RULE_TABLE = {"parent_missing": "visits", "parent_rejected": "visits",
               "amount_scale": "bills", "amount_unsure": "bills"}


# --- made from the code ------------------------------------------------------------------
def _entries(code_names, words: dict, section: str) -> list[Entry]:
    names = list(code_names)
    missing = [n for n in names if n not in words]
    stale = [n for n in words if n not in names]
    if missing or stale:
        raise ReferenceGap(f"{section}: " + "; ".join(
            ([f"not described: {', '.join(missing)}"] if missing else []) +
            ([f"described but not read by the code: {', '.join(stale)}"] if stale else [])))
    return [Entry(n, *words[n]) for n in names]


def _step_entries() -> list[Entry]:
    out = _entries(tf.STEP_NAMES, STEPS, "steps")
    for e in out:  # every option a step reads is named in its entry
        for opt in tf.STEP_OPTIONS.get(e.name) or ():
            if opt != "value" and opt not in e.does:
                raise ReferenceGap(f"steps: the option '{opt}' of {e.name} is not described")
    return out


def _function_entries() -> list[Entry]:
    documented = {f.name.lower() for f in FUNCTIONS}
    missing = sorted(n for n in ALLOWED if n not in documented)
    if missing:
        raise ReferenceGap(f"functions: allowed but not described: {', '.join(missing)}")
    return [Entry(f.name + ("" if f.args.startswith(f.name) or not f.args.startswith("(")
                            else f.args), f.does, f.example) for f in FUNCTIONS]


def _rule_entries() -> list[Entry]:
    out = []
    for check, rule in R.RULES.items():
        table = _RULE_TABLE.get(check, "patients")
        field = None if check in R.RECORD_CHECKS else _RULE_FIELD.get(check)
        if check not in R.RECORD_CHECKS and field is None:
            raise ReferenceGap(f"rules: no example field for the check '{check}'")
        code = R.rule_code(table, field, check)
        shape = (f"<table>.{R.CODE_PART[check]}" if check in R.RECORD_CHECKS
                 else f"<table>.<field>.{R.CODE_PART[check]}")
        out.append(Entry(shape, f"{rule.description} (default: {rule.severity})",
                         f"rules: {{{code}: warning}}"))
    return out


def sections() -> list[tuple[str, str, list[Entry]]]:
    """(topic, title and introduction, entries) in the reference's order."""
    return [
        ("keys", "Profile keys\n\nThe top level of a profile (YAML or JSON).",
         _entries(_PROFILE_KEYS, PROFILE, "profile keys")),
        ("defaults", "Defaults\n\nUnder `defaults:`; a step's own options win over them.",
         _entries(_DEFAULTS_KEYS, DEFAULTS, "defaults")),
        ("tables", "Tables\n\nEach entry under `tables:`, keyed by the legacy table.",
         _entries(_TABLE_KEYS, TABLE, "table keys")),
        ("fields", "Fields\n\nEach entry under a table's `fields:`, keyed by the HMSync field; "
         "a plain column name is short for `{column: NAME}`. Give one of column(s), expr, "
         "lookup or value.", _entries(_FIELD_KEYS, FIELD, "field keys")),
        ("steps", "Steps\n\nA field's `steps:`, applied in order: a name, or `{name: "
         "options}` (`{name: value}` for a single option). An option a step does not read "
         "refuses the profile with a guess.", _step_entries()),
        ("expressions", "Expressions\n\nA table's `where:` and a field's `expr:` are SQLite "
         "expressions over the record's columns (a name with spaces in double quotes: "
         "`\"Last Name\"`; texts in single quotes). Empty cells are NULL; cells are texts, "
         "read as numbers where they are compared with one (`AGE < 18`, `visits > 0`: a "
         "text that is no number fails the record there), else compared as texts "
         "(`number(A) > number(B)` compares two columns' numbers). Only these functions and operators are "
         "allowed: no sub-queries, other tables, ATTACH, PRAGMA, comments or `;`; an "
         "expression that takes too long or makes a value too long is stopped; a regular "
         "expression may not repeat a repeat (`(a+)+`) or refer back (`\\1`). Everything is "
         "checked when the profile loads. A record an expr cannot read is rejected alone "
         "(a format problem with its file, line and field); a record a where cannot read "
         "stops the run, naming its file and line.\n\nNested JSON (a JSON export's object or "
         "list is its column's JSON text): a path after the column reads inside it, "
         "`subject.reference`, `name[0].family`, `\"my column\".\"a key\"` (short for "
         "`json_extract(subject, '$.reference')`); a cell that is not JSON fails its record "
         "alone. A column whose own name has a dot in it is written in double quotes.",
         _function_entries()),
        ("lookups", "Lookups\n\nA field's `lookup:` takes a value from another legacy table "
         "by key. The other table is indexed on disk first, so its size does not matter. "
         "`key`, `by` and `column` each name a column, or are `{expr: ...}`, an expression "
         "over their table's columns (`by: {expr: \"'Patient/' || id\"}`). min and max read "
         "numbers, or dates when the first value is a date (the latest visit). A field's "
         "`lookup:` is the value itself; a table's `lookups:` name lookups whose values "
         "expressions read as columns (`age_at(birthDate, coalesce(deceasedDateTime, "
         "last_visit))`).",
         _entries(LOOKUP_KEYS, LOOKUP, "lookup keys")),
        ("pilot", "Pilot\n\nUnder `pilot:`, one of these: the subset imported first, with the "
         "records it needs and nothing that points outside it.",
         _entries(FILTERS, PILOT, "pilot")),
        ("rules", "Rules\n\nEvery check the wizard makes, by code. A code in `rules:` names an "
         "HMSync table, a field where the check has one, and the check; an unknown code is "
         "refused with a guess.", _rule_entries()),
        ("severities", "Severities\n\nWhat a rule in `rules:` can be set to.",
         _entries(R.SEVERITIES, SEVERITIES, "severities")),
    ]


def _section_text(title: str, entries: list[Entry]) -> str:
    head, _, intro = title.partition("\n\n")
    lines = [f"## {head}", "", intro, ""] if intro else [f"## {head}", ""]
    for e in entries:
        ex = e.example.replace("\n", "\n    ")
        lines += [f"### `{e.name}`", "", e.does[0].upper() + e.does[1:] + ".", "",
                  "    " + ex, ""]
    return "\n".join(lines)


def markdown() -> str:
    """The whole reference, as docs/profile-reference.md holds it."""
    secs = sections()
    out = ["# Profile reference", "",
           "Every key, step, option, expression function and rule a mapping profile can "
           "use, each with an example. Made from the code by `scripts/profile_reference.py` "
           "(a test fails when the two differ); `hmsync-migrate profile-help [TOPIC]` prints "
           "it. Topics: " + ", ".join(t for t, _, _ in secs) + ", or any name below.", ""]
    out += [f"- [{title.partition(chr(10))[0]}](#{title.partition(chr(10))[0].lower().replace(' ', '-')})"
            for _, title, _ in secs]
    out.append("")
    out += [_section_text(title, entries) for _, title, entries in secs]
    return "\n".join(out).rstrip() + "\n"


#: other words for a topic
_ALIASES = {"functions": "expressions", "expr": "expressions", "lookup": "lookups",
            "rule": "rules", "step": "steps", "table": "tables", "field": "fields",
            "key": "keys", "severity": "severities", "options": "steps"}


def help_text(topic: str | None) -> str:
    """The reference, one section (``topic``) or the entries named ``topic``; a
    LookupError with a guess if there is none."""
    if not topic:
        return markdown()
    secs = sections()
    t = _ALIASES.get(topic.strip().lower(), topic.strip().lower())
    for name, title, entries in secs:
        if t == name or t == title.partition("\n")[0].lower():
            return _section_text(title, entries)
    found = [(title, e) for _, title, entries in secs for e in entries
             if e.name.lower().strip("`") == t or e.name.lower().split("(")[0] == t or
             e.name.lower().split(".")[-1] == t]
    if found:
        return "\n".join(f"[{title.partition(chr(10))[0]}]\n" + _section_text("", [e])
                         .lstrip("# \n") for title, e in found)
    names = [n for n, _, _ in secs] + list(_ALIASES) + [
        e.name.split("(")[0] for _, _, es in secs for e in es]
    close = difflib.get_close_matches(t, [n.lower() for n in names], n=1)
    raise LookupError(f"no topic or name '{topic}' in the profile reference" +
                      (f" (did you mean '{close[0]}'?)" if close else "") +
                      f"; topics: {', '.join(n for n, _, _ in secs)}")
