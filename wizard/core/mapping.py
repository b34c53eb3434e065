"""Mapping profiles: which legacy table feeds which HMSync table, and how each field is made.

A profile is a readable YAML (or JSON) file an operator can edit by hand::

    name: HealthCare Plus
    source_system: healthcare-plus      # legacy ids are unique per source system
    defaults: {phone_region: IN, date_order: DMY}
    tables:
      patients.csv:
        target: patients
        legacy_id: patientId
        fields:
          fullName: {columns: [firstName, lastName], steps: [{concat: " "}]}
          phone: {column: phoneNumber, steps: [{phone: {region: IN}}]}
          gender: {column: gender, steps: [{map: {male: M, female: F}}]}
    rules:
      patients.age.range: warning       # or: error, off

:func:`map_chunk` applies a table's mapping to a chunk of legacy records and returns the
HMSync field values, with the cells each field could not convert.
"""
from __future__ import annotations

from collections.abc import Collection

import copy
import difflib
import enum
import fnmatch
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import rules as R
from . import transforms as tf
from .computed import computed, keep
from .corrections import Correction
from .persons import PersonDecision
from .errors import ProfileError  # noqa: F401 (imported from here too)
from .expr import Expression
from .lookups import Lookup, named_lookups, with_named_lookups
from .readers import CORRUPT, LINE
from .targets import TargetTable


class _Flow(list):
    """A list written on one line in YAML (steps read better that way)."""


class _FlowDict(dict):
    pass


def _flow_repr(dumper, data):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _flow_dict_repr(dumper, data):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


yaml.SafeDumper.add_representer(_Flow, _flow_repr)
yaml.SafeDumper.add_representer(_FlowDict, _flow_dict_repr)


class NoteKind(enum.Enum):
    INFO = "info"
    CHECK = "check"   # a choice made on thin evidence: the operator should confirm it


#: how a note to check ends in a profile's file (its notes are plain text there, which
#: older versions read as they are)
CHECK_TAIL = " — check it"


@dataclass(frozen=True)
class ProfileNote:
    """A note a profile carries for its reader (the suggestion's doubts, say); it reads as
    its text."""
    text: str
    kind: NoteKind = NoteKind.INFO

    def __str__(self) -> str:
        return self.text + (CHECK_TAIL if self.kind is NoteKind.CHECK else "")

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    @classmethod
    def from_text(cls, text) -> "ProfileNote":
        """A note as a profile's file writes it."""
        text = str(text)
        if text.endswith(CHECK_TAIL):
            return cls(text[:-len(CHECK_TAIL)], NoteKind.CHECK)
        return cls(text)


@dataclass
class FieldMap:
    target: str
    columns: list[str] = field(default_factory=list)
    steps: list = field(default_factory=list)   # as the profile writes them (see typed_steps)
    value: str | None = None          # a constant instead of source columns; with a
    #                                   column, expr or lookup: what fills the records they
    #                                   give no value (a placeholder, each one counted)
    confidence: float | None = None   # of a suggestion (0..1)
    reason: str | None = None         # why it was suggested
    review: bool = False              # a suggestion not sure enough to apply unasked
    expr: str | None = None           # computed from the record's columns (see expr.py)
    lookup: Lookup | None = None      # taken from another legacy table (see lookups.py)

    @property
    def expression(self) -> "Expression | None":
        """``expr`` checked and ready (its columns are ``columns``)."""
        parsed = getattr(self, "_expr", None)
        if self.expr is None:
            return None
        if parsed is None or parsed.text != self.expr.strip():
            parsed = self._expr = Expression(self.expr, f"field '{self.target}': expr")
        return parsed

    @property
    def source_label(self) -> str:
        return "+".join(self.columns) if self.columns else ""

    @property
    def typed_steps(self) -> tuple[tf.Step, ...]:
        """The steps, typed and checked: parsed when the profile loads, and again only
        after ``steps`` changed (the file's form stays as it was written, so that a
        profile saves as it was loaded). A TransformError if a step cannot be used."""
        parsed = getattr(self, "_typed", None)  # (not a field: not compared, not saved)
        if parsed is None or parsed[0] != self.steps:
            parsed = self._typed = (copy.deepcopy(self.steps), tf.parse_steps(self.steps))
        return parsed[1]

    def to_dict(self) -> dict:
        d: dict = {}
        if self.expr is not None:
            d["expr"] = self.expr
        elif self.lookup is not None:
            d["lookup"] = _FlowDict(self.lookup.to_dict())
        elif self.value is not None and not self.columns:
            d["value"] = self.value
        elif len(self.columns) == 1:
            d["column"] = self.columns[0]
        else:
            d["columns"] = list(self.columns)
        if self.value is not None and "value" not in d:  # a placeholder for the empty ones
            d["value"] = self.value
        if self.steps:
            d["steps"] = _Flow(self.steps)
        if self.confidence is not None:
            d["confidence"] = round(float(self.confidence), 2)
        if self.reason:
            d["reason"] = self.reason
        if self.review:
            d["review"] = True
        return d

    @classmethod
    def from_dict(cls, target: str, d) -> "FieldMap":
        if isinstance(d, str):
            return cls(target, [d])
        if not isinstance(d, dict):
            raise ProfileError(f"field '{target}': expected a column name or a mapping")
        where = f"field '{target}'"
        cols = d.get("columns") or ([d["column"]] if d.get("column") else [])
        if not isinstance(cols, list):
            raise ProfileError(f"{where}: columns must be a list of column names, not "
                               f"{_what(cols)}")
        cols = [_name(c, f"{where}: column", "a column name") for c in cols]
        steps = d.get("steps") or []
        value = d.get("value")
        if isinstance(value, (dict, list)):
            raise ProfileError(f"{where}: value must be a single value, not {_what(value)}")
        confidence = d.get("confidence")
        if confidence is not None and (isinstance(confidence, bool) or
                                       not isinstance(confidence, (int, float))):
            raise ProfileError(f"{where}: confidence must be a number, not "
                               f"{_what(confidence)}")
        reason = d.get("reason")
        expr = d.get("expr")
        lookup = None if d.get("lookup") is None else Lookup.from_dict(d["lookup"], where)
        if sum(x for x in (bool(cols), expr is not None, lookup is not None)) > 1:
            raise ProfileError(f"{where}: give one of column(s), expr or lookup (and value "
                               "for the records they give none)")
        fm = cls(target, cols, list(steps), None if value is None else str(value),
                 confidence, None if reason is None else str(reason), _review(d, where),
                 None if expr is None else str(expr))
        fm.lookup = lookup
        if lookup is not None:
            fm.columns = lookup.by_columns
        if expr is not None:
            fm.columns = list(fm.expression.columns)
            if not isinstance(expr, str):  # (a number is a constant: an expression too)
                fm.expr = str(expr)
        try:
            fm.typed_steps  # parsed, and so checked, here: once for the whole run
        except tf.TransformError as e:
            raise ProfileError(f"field '{target}': {e}") from None
        if not fm.columns and value is None and expr is None:
            raise ProfileError(f"field '{target}': give a column, columns, an expr, a lookup "
                               "or a value")
        return fm


_PROFILE_KEYS = ("name", "source_system", "defaults", "rules", "exclude", "pilot", "notes",
                 "tables")
_PROFILE_KEYS += ("corrections",)   # values the operator corrected (core/corrections.py)
_PROFILE_KEYS += ("person_decisions",)  # same-person clusters decided (core/persons.py)
_DEFAULTS_KEYS = ("phone_region", "date_order", "decimal", "thousands", "timezone")
_TABLE_KEYS = ("source", "target", "legacy_id", "confidence", "review", "leave_behind", "keep",
               "fields", "encoding", "where", "query", "lookups", "nul_empty", "delimiter",
               "header_row")
_FIELD_KEYS = ("column", "columns", "steps", "value", "confidence", "reason", "review", "expr",
               "lookup")

#: a suggested choice less sure than this is applied only once a person confirms it
REVIEW_BELOW = 0.9


def _review(d: dict, where: str) -> bool:
    return switch(d.get("review", False), f"{where}: review")


_YES, _NO = ("yes", "y", "on", "true", "1"), ("no", "n", "off", "false", "0")


def switch(v, where: str) -> bool:
    """A yes/no setting: true or false. A text or number there ("yes", 'off', 1) is
    refused with what it most likely meant, rather than read as true because it is not
    empty."""
    if isinstance(v, bool):
        return v
    t = str(v).strip().lower()
    guess = " (did you mean true?)" if t in _YES else " (did you mean false?)" if t in _NO \
        else ""
    raise ProfileError(f"{where}: is true or false, not {v!r}{guess}")


def _severity(code, v, where: str) -> str:
    """A rule's severity: error, warning or off. YAML reads an unquoted off (or no) as
    false: said so, with the fix."""
    if isinstance(v, bool):
        raise ProfileError(f"{where}: rule '{code}': severity must be error, warning or "
                           f"off; YAML read an unquoted {'on/yes' if v else 'off/no'} as "
                           f"{str(v).lower()} (did you mean 'off'? write it in quotes: "
                           f"\"off\")" if not v else
                           f"{where}: rule '{code}': severity must be error, warning or off, "
                           f"not {str(v).lower()}")
    sev = str(v).strip().lower()
    if sev not in R.SEVERITIES:
        close = difflib.get_close_matches(sev, R.SEVERITIES, n=1)
        raise ProfileError(f"{where}: rule '{code}': severity must be error, warning or off, "
                           f"not '{sev}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return sev


def _check_rule_codes(rules: dict, where: str) -> None:
    """A misspelt rule code (patients.agee.range) would switch nothing off, unsaid."""
    from .schema import known_tables
    tables = {t: list(tt.fields) for t, tt in known_tables().items()}
    for code in rules:
        problem = R.code_problem(code, tables)
        if problem:
            raise ProfileError(f"{where}: rule '{code}': {problem}")


@dataclass(frozen=True)
class Exclusion:
    """A record the operator left out of the migration: its HMSync table and legacy id."""
    table: str
    legacy_id: str

    def to_dict(self) -> dict:
        return {"table": self.table, "legacy_id": self.legacy_id}

    @classmethod
    def from_dict(cls, d, where: str) -> "Exclusion":
        if not isinstance(d, dict) or not d.get("table") or d.get("legacy_id") is None:
            raise ProfileError(f"{where}: each entry needs a table and a legacy_id "
                               f"(got {_what(d)})")
        _known_keys(d, ("table", "legacy_id"), where)
        return cls(str(d["table"]), str(d["legacy_id"]))


@dataclass(frozen=True)
class Unconfirmed:
    """A suggested choice a person has not confirmed yet."""
    source: str               # the legacy table
    field: str | None         # the HMSync field (None: which table the file feeds)
    text: str                 # the choice in words
    #: a column with values no field reads and nobody has decided about (field None): its
    #: cells would be lost unasked; taken as they are, it is left behind, and said so
    column: str | None = None

    def __str__(self) -> str:
        return self.text

    def as_taken(self) -> str:
        """What taking the choice as it is did, in words."""
        if self.column:
            return f"{self.source}: column {self.column} left behind (no field reads it)"
        return self.text
_KINDS = {dict: "a mapping (key: value lines)", list: "a list (lines starting with -)"}


def _shaped(value, kind: type, where: str):
    """``value`` if it is of ``kind`` (an empty one if absent); a ProfileError otherwise."""
    if value is None or value == "":
        return kind()
    if not isinstance(value, kind):
        raise ProfileError(f"{where}: must be {_KINDS[kind]}, not {_what(value)}")
    return value


def _what(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a text", bool: "yes/no"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _name(value, where: str, what: str, required: bool = True) -> str | None:
    """A file or column name as a profile gives it: a text (a number, as YAML reads an
    unquoted 2022, is its digits). A list or a mapping there ended in "unexpected
    TypeError" far from the profile; refused here, naming the key."""
    if value is None or value == "":
        if required:
            raise ProfileError(f"{where}: missing: give {what}")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProfileError(f"{where}: must be {what} (a text), not {_what(value)}")
    return str(value)


def _legacy_id(value, where: str) -> tuple[str | None, list[str]]:
    """A table's ``legacy_id``: one column (a text), or a list of the columns that together
    identify a record (a composite id); a list of one is that column."""
    if not isinstance(value, list):
        return _name(value, where, "a column name or a list of column names",
                     required=False), []
    cols = [_name(c, where, "a column name") for c in value]
    if not cols:
        return None, []
    if len(set(cols)) < len(cols):
        twice = next(c for c in cols if cols.count(c) > 1)
        raise ProfileError(f"{where}: column '{twice}' is listed twice")
    return (cols[0], []) if len(cols) == 1 else (None, cols)


def _id_expr(value, where: str) -> str | None:
    """A table's ``legacy_id: {expr: ...}``: the expression's text (None: a column or
    columns, read by _legacy_id)."""
    if not isinstance(value, dict):
        return None
    if set(value) != {"expr"} or isinstance(value["expr"], (dict, list, bool)) or \
            value["expr"] in (None, ""):
        raise ProfileError(f"{where}: must be a column name, a list of column names, or "
                           "{expr: ...} (an expression over the columns), not a mapping of "
                           + ", ".join(str(k) for k in value))
    return str(value["expr"])


def composite_id(parts) -> str:
    """The text a composite legacy id is kept as: its parts as a JSON list, ``["P1","E7"]``
    (a part may hold any character, a comma or quote included, and still be told apart);
    "" when every part is empty (a record without an id)."""
    parts = ["" if p is None else str(p) for p in parts]
    if not any(parts):
        return ""
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def _pilot(spec, where: str) -> dict | None:
    from .pilot_spec import pilot_spec
    return pilot_spec(spec, f"{where}: pilot")


def _encoding(value, where: str) -> str | None:
    """A table's ``encoding:``, checked to be one Python reads (its name kept as given)."""
    import codecs
    name = _name(value, f"{where}: encoding", "an encoding such as cp1250", required=False)
    if name is None:
        return None
    try:
        codecs.lookup(name)
    except LookupError:
        raise ProfileError(f"{where}: encoding: '{name}' is not an encoding Python knows "
                           "(cp1250, cp1252, iso8859-2, utf-8, ...)") from None
    return name


def _known_keys(d: dict, known: tuple, where: str) -> None:
    """A misspelt key (defualts, feilds) would be ignored without a word: refused."""
    for k in d:
        if isinstance(k, bool):
            raise ProfileError(f"{where}: unknown key '{k}' (YAML reads an unquoted on, off, "
                               "yes or no as true or false: write the key in quotes)")
        if k not in known:
            close = difflib.get_close_matches(str(k), known, n=1)
            raise ProfileError(f"{where}: unknown key '{k}'" +
                               (f" (did you mean '{close[0]}'?)" if close else
                                f" (known: {', '.join(known)})"))


@dataclass
class TableMap:
    source: str                       # a source table name, or a glob pattern
    target: str
    legacy_id: str | None = None
    fields: dict[str, FieldMap] = field(default_factory=dict)
    confidence: float | None = None
    review: bool = False       # which table it feeds is a suggestion to confirm
    #: columns no field reads that the operator leaves behind on purpose (said so in the
    #: run's notes and report, apart from columns nobody has decided about)
    leave_behind: list[str] = field(default_factory=list)
    #: the text encoding to read the file with (an 8-bit code page the bytes leave unsure)
    encoding: str | None = None
    #: columns no field reads that are kept beside the record, in migration_extras
    #: (table, HMSync id, column, value): HMSync has no field for them
    keep: list[str] = field(default_factory=list)
    #: a composite legacy id: two or more columns that together identify a record (then
    #: ``legacy_id`` is None); its values are kept as :func:`composite_id` texts
    legacy_key: list[str] = field(default_factory=list)

    @property
    def id_columns(self) -> list[str]:
        """The column(s) of the legacy id ([]: none, records are known by content)."""
        if self.id_expr is not None:
            return list(self.id_expression.columns)
        return list(self.legacy_key) if self.legacy_key else (
            [self.legacy_id] if self.legacy_id else [])

    @property
    def id_label(self) -> str | None:
        """The legacy id's column(s) as an operator reads them (None: none)."""
        if self.id_expr is not None:
            return self.id_expr
        return " + ".join(self.id_columns) or None

    #: a legacy id computed by an expression (``legacy_id: {expr: "'OPD-' || OPD_ID"}``):
    #: two files numbered apart that feed one table, or an id built from several columns
    #: the way the other files refer to it
    id_expr: str | None = None
    #: columns where a NUL character alone is an empty value, not a damaged record (MySQL
    #: writes an empty CHAR(1) as '\0'); delimited files only
    nul_empty: list[str] = field(default_factory=list)

    @property
    def id_expression(self) -> Expression | None:
        parsed = getattr(self, "_id_expression", None)
        if self.id_expr is None:
            return None
        if parsed is None or parsed.text != self.id_expr.strip():
            parsed = self._id_expression = Expression(
                self.id_expr, f"table '{self.source}': legacy_id")
        return parsed
    #: a row filter: only the records for which it holds are migrated (see expr.py)
    where: str | None = None

    @property
    def filter(self) -> Expression | None:
        """``where`` checked and ready."""
        parsed = getattr(self, "_filter", None)
        if self.where is None:
            return None
        if parsed is None or parsed.text != self.where.strip():
            parsed = self._filter = Expression(self.where, f"table '{self.source}': where")
        return parsed

    #: the SQL of a legacy table the profile defines itself, run on the legacy database
    query: str | None = None
    #: how the file is laid out, where the detection is overruled (readers/layout.py): the
    #: delimiter of a text file, the line (a sheet's row) of the column names
    delimiter: str | None = None
    header_row: int | None = None

    @property
    def layout(self):
        """The delimiter and header row chosen, as a readers.layout.Layout (None: none)."""
        from .readers.layout import Layout
        lay = Layout(self.delimiter, self.header_row)
        return lay if lay else None
    #: named lookups: each a column of the record that expressions, filters and fields
    #: read as any other (see lookups.py)
    lookups: dict[str, Lookup] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d: dict = {"target": self.target}
        if self.query:
            d["query"] = self.query
        if self.encoding:
            d["encoding"] = self.encoding
        if self.layout is not None:
            d.update(self.layout.to_dict())
        if self.where is not None:
            d["where"] = self.where
        if self.lookups:
            d["lookups"] = {k: _FlowDict(v.to_dict()) for k, v in self.lookups.items()}
        if self.id_expr is not None:
            d["legacy_id"] = _FlowDict({"expr": self.id_expr})
        elif self.legacy_key:
            d["legacy_id"] = _Flow(self.legacy_key)
        elif self.legacy_id:
            d["legacy_id"] = self.legacy_id
        if self.confidence is not None:
            d["confidence"] = round(float(self.confidence), 2)
        if self.review:
            d["review"] = True
        if self.leave_behind:
            d["leave_behind"] = _Flow(self.leave_behind)
        if self.keep:
            d["keep"] = _Flow(self.keep)
        if self.nul_empty:
            d["nul_empty"] = _Flow(self.nul_empty)
        d["fields"] = {k: v.to_dict() for k, v in self.fields.items()}
        return d

    def read_columns(self) -> set[str]:
        """The columns the mapping reads: fields' columns, the legacy id and the filter's
        (a named lookup's name is no column of the file; the columns it reads are)."""
        return ({c for fm in self.fields.values() for c in fm.columns} | set(self.id_columns) |
                (set(self.filter.columns) if self.where is not None else set()) |
                {c for lk in self.lookups.values() for c in lk.by_columns}) - set(self.lookups)


@dataclass
class Profile:
    name: str = "Legacy export"
    source_system: str = "legacy"
    phone_region: str = "IN"
    date_order: str = "auto"
    decimal: str = "."
    thousands: str | None = None
    timezone: str | None = None   # the clinic's, for times written with a zone (Z, +05:30)
    tables: list[TableMap] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)   # rule code -> error|warning|off
    exclude: list[Exclusion] = field(default_factory=list)  # records the operator left out
    pilot: dict | None = None                             # subset for a pilot import
    notes: list[ProfileNote] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)  # values fixed by hand
    person_decisions: list[PersonDecision] = field(default_factory=list)

    @property
    def defaults(self) -> tf.StepDefaults:
        """The defaults steps take, as the profile says them now."""
        return tf.StepDefaults(self.phone_region, self.date_order, self.decimal,
                               self.thousands, self.timezone)

    @property
    def ctx(self) -> "RunContext":
        """The context of a new run: the profile's defaults and a run state of its own."""
        return RunContext(self.defaults)

    def unconfirmed(self, only: TableMap | None = None) -> list[Unconfirmed]:
        """The suggested choices still marked ``review: true``, in words (``only``: of
        that table map)."""
        out = []
        for tm in self.tables if only is None else [only]:
            if tm.review:
                sure = f", {tm.confidence:.0%} sure" if tm.confidence is not None else ""
                why = "" if tm.id_columns else "; no legacy id column was found"
                out.append(Unconfirmed(tm.source, None,
                                       f"{tm.source} feeds {tm.target}{sure}{why}"))
            for name, fm in tm.fields.items():
                if fm.review:
                    sure = f"{fm.confidence:.0%} sure" if fm.confidence is not None else ""
                    why = "; ".join(x for x in (sure, fm.reason) if x)
                    src = " + ".join(fm.columns) if fm.columns else f"the value {fm.value!r}"
                    out.append(Unconfirmed(tm.source, name, f"{tm.source}: {tm.target}.{name} "
                                           f"from {src}" + (f" ({why})" if why else "")))
        return out

    def confirm_all(self) -> list[Unconfirmed]:
        """Take every unconfirmed suggestion as it is (``--accept-suggestions``); returns
        what was taken, for the run's notes."""
        taken = self.unconfirmed()
        for tm in self.tables:
            tm.review = False
            for fm in tm.fields.values():
                fm.review = False
        return taken

    def table_for(self, source_name: str, stem: str | None = None,
                  present: Collection[str] = ()) -> TableMap | None:
        """The table map of a legacy table: by its name, a glob, or (a re-export in another
        format: patients.xlsx for a profile written for patients.csv) its stem. ``present``:
        the names of the legacy tables at hand; a map whose own table is among them is that
        table's, never another's by stem."""
        for tm in self.tables:
            if tm.source == source_name:
                return tm
        for tm in self.tables:
            if tm.source.lower() == source_name.lower() or \
                    fnmatch.fnmatch(source_name.lower(), tm.source.lower()):
                return tm
        if stem:
            taken = {n.lower() for n in present}
            for tm in self.tables:
                if Path(tm.source.split("#")[-1]).stem.lower() == stem.lower() and \
                        tm.source.lower() not in taken:
                    return tm
        from .quarantine import quarantined_map  # a run's rejected records, read back
        return quarantined_map(self, source_name)

    # --- files ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = {"name": self.name, "source_system": self.source_system,
             "defaults": {"phone_region": self.phone_region, "date_order": self.date_order,
                          "decimal": self.decimal}}
        if self.thousands:
            d["defaults"]["thousands"] = self.thousands
        if self.timezone:
            d["defaults"]["timezone"] = self.timezone
        d["tables"] = {tm.source: tm.to_dict() for tm in self.tables}
        for td in d["tables"].values():
            td["fields"] = {k: _FlowDict(v) for k, v in td["fields"].items()}
        d["rules"] = dict(self.rules)
        if self.exclude:
            d["exclude"] = [e.to_dict() for e in self.exclude]
        if self.pilot:
            d["pilot"] = dict(self.pilot)
        if self.notes:
            d["notes"] = [str(n) for n in self.notes]
        if self.corrections:
            d["corrections"] = [c.to_dict() for c in self.corrections]
        if self.person_decisions:
            d["person_decisions"] = [x.to_dict() for x in self.person_decisions]
        return d

    def to_text(self, fmt: str = "yaml") -> str:
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        head = ("# HMSync Migration Wizard mapping profile. Edit freely: each HMSync field takes\n"
                "# a legacy column (or columns, or a constant value) and optional steps.\n")
        return head + yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True,
                                     width=100)

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.write_text(self.to_text("json" if path.suffix.lower() == ".json" else "yaml"),
                        encoding="utf-8")

    def sha256(self, text: str | None = None) -> str:
        """The SHA-256 of the profile's text (``text``: that text, if made already)."""
        return hashlib.sha256((text or self.to_text()).encode()).hexdigest()

    @classmethod
    def from_dict(cls, d: dict, where: str = "profile") -> "Profile":
        if not isinstance(d, dict):
            raise ProfileError(f"{where}: expected a mapping profile (name, tables, ...)")
        _known_keys(d, _PROFILE_KEYS, where)
        defaults = _shaped(d.get("defaults"), dict, f"{where}: defaults")
        _known_keys(defaults, _DEFAULTS_KEYS, f"{where}: defaults")
        _shaped(d.get("rules"), dict, f"{where}: rules")
        _shaped(d.get("exclude"), list, f"{where}: exclude")
        _shaped(d.get("notes"), list, f"{where}: notes")
        p = cls(name=str(d.get("name", "Legacy export")),
                source_system=str(d.get("source_system", "legacy")),
                phone_region=str(defaults.get("phone_region", "IN")),
                date_order=str(defaults.get("date_order", "auto")),
                decimal=str(defaults.get("decimal", ".")),
                thousands=defaults.get("thousands"),
                timezone=None if defaults.get("timezone") in (None, "") else
                defaults["timezone"],  # (checked below: a number is an unquoted offset)
                rules={str(k): _severity(k, v, where) for k, v in (d.get("rules") or {}).items()},
                exclude=[Exclusion.from_dict(e, f"{where}: exclude")
                         for e in d.get("exclude") or []], pilot=_pilot(d.get("pilot"), where),
                notes=[ProfileNote.from_text(n) for n in d.get("notes") or []],
                corrections=[Correction.from_dict(c, f"{where}: corrections")
                             for c in _shaped(d.get("corrections"), list,
                                              f"{where}: corrections") or []],
                person_decisions=[PersonDecision.from_dict(x, f"{where}: person_decisions")
                                  for x in _shaped(d.get("person_decisions"), list,
                                                   f"{where}: person_decisions") or []])
        try:
            if p.timezone is not None:
                tf.time_zone(p.timezone)
            tf.check_date_order(defaults.get("date_order"), "date_order")
        except tf.TransformError as e:
            raise ProfileError(f"{where}: defaults: {e}") from None
        _check_rule_codes(p.rules, where)
        tables = d.get("tables") or {}
        if isinstance(tables, list):
            if not all(isinstance(t, dict) for t in tables):
                raise ProfileError(f"{where}: tables: each table must be a mapping (source, "
                                   "target, fields, ...)")
            tables = {_name(t.get("source"), f"{where}: tables: table {i + 1}: source",
                            "a file name"): t for i, t in enumerate(tables)}
        _shaped(tables, dict, f"{where}: tables")
        for src, td in tables.items():
            if not isinstance(td, dict) or "target" not in td:
                raise ProfileError(f"{where}: table '{src}' needs a target HMSync table")
            _known_keys(td, _TABLE_KEYS, f"{where}: table '{src}'")
            for tgt, fd in _shaped(td.get("fields"), dict, f"{where}: table '{src}': fields"
                                   ).items():
                if isinstance(fd, dict):
                    _known_keys(fd, _FIELD_KEYS, f"{where}: table '{src}', field '{tgt}'")
                    _shaped(fd.get("steps"), list,
                            f"{where}: table '{src}', field '{tgt}': steps")
            fields = {}
            for tgt, fd in (td.get("fields") or {}).items():
                try:
                    fields[str(tgt)] = FieldMap.from_dict(str(tgt), fd)
                except ProfileError as e:
                    raise ProfileError(f"{where}: table '{src}': {e}") from None
            id_expr = _id_expr(td.get("legacy_id"), f"{where}: table '{src}': legacy_id")
            legacy_id, legacy_key = (None, []) if id_expr is not None else _legacy_id(
                td.get("legacy_id"), f"{where}: table '{src}': legacy_id")
            confidence = td.get("confidence")
            if confidence is not None and (isinstance(confidence, bool) or
                                           not isinstance(confidence, (int, float))):
                raise ProfileError(f"{where}: table '{src}': confidence: must be a number, "
                                   f"not {_what(confidence)}")
            leave = _shaped(td.get("leave_behind"), list,
                            f"{where}: table '{src}': leave_behind") or []
            keep = [_name(c, f"{where}: table '{src}': keep", "a column name")
                    for c in _shaped(td.get("keep"), list, f"{where}: table '{src}': keep")]
            tm = TableMap(str(src), str(td["target"]), legacy_id, fields,
                          confidence, _review(td, f"{where}: table '{src}'"),
                          [_name(c, f"{where}: table '{src}': leave_behind",
                                 "a column name") for c in leave],
                          encoding=_encoding(td.get("encoding"), f"{where}: table '{src}'"),
                          keep=keep, legacy_key=legacy_key,
                          where=None if td.get("where") is None else str(td["where"]),
                          query=_name(td.get("query"), f"{where}: table '{src}': query",
                                      "an SQL query", required=False),
                          lookups=named_lookups(td.get("lookups"), f"{where}: table '{src}'"),
                          id_expr=id_expr,
                          nul_empty=[_name(c, f"{where}: table '{src}': nul_empty",
                                           "a column name")
                                     for c in _shaped(td.get("nul_empty"), list,
                                                      f"{where}: table '{src}': nul_empty")
                                     or []])
            if tm.id_expr is not None:
                try:
                    tm.id_expression  # checked here, before anything runs
                except ProfileError as e:
                    raise ProfileError(f"{where}: {e}") from None
            from .readers.layout import Layout, LayoutError
            try:
                lay = Layout.from_dict({k: td[k] for k in ("delimiter", "header_row")
                                        if td.get(k) is not None}, f"{where}: table '{src}'")
            except LayoutError as e:
                raise ProfileError(str(e)) from None
            tm.delimiter, tm.header_row = lay.delimiter, lay.header_row
            if tm.where is not None:
                try:
                    tm.filter  # checked here, before anything runs
                except ProfileError as e:
                    raise ProfileError(f"{where}: {e}") from None
            p.tables.append(tm)
        return p

    @classmethod
    def load(cls, path: str | Path) -> "Profile":
        path = Path(path)
        try:
            if path.stat().st_size > MAX_PROFILE_BYTES:
                raise ProfileError(f"{path}: {path.stat().st_size:,} bytes is no mapping "
                                   f"profile (a profile is a few kilobytes)")
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise ProfileError(f"{path}: cannot be read ({e.strerror})") from None
        except UnicodeDecodeError:
            raise ProfileError(f"{path}: is not a text file") from None
        try:
            d = json.loads(text) if path.suffix.lower() == ".json" else \
                _load_yaml(text, str(path))
        except ProfileError:
            raise
        except RecursionError:  # json's decoder nests by recursion
            raise ProfileError(f"{path}: nested more than {MAX_PROFILE_DEPTH} levels deep: "
                               "not a mapping profile") from None
        except (ValueError, yaml.YAMLError) as e:
            line = getattr(getattr(e, "problem_mark", None), "line", None)
            where = f"{path}" + (f", line {line + 1}" if line is not None else "")
            raise ProfileError(f"{where}: not valid YAML/JSON ({getattr(e, 'problem', e)})") \
                from None
        check_nesting(d, str(path))
        return cls.from_dict(d, str(path))


#: a profile nests eight levels (profile, tables, table, fields, field, steps, step,
#: option); far deeper is no profile, and would exhaust Python's recursion in the YAML
#: composer, the JSON decoder or the writer of the audit trail's copy
MAX_PROFILE_DEPTH = 32
#: a profile is a few kilobytes; a file this large is something else
MAX_PROFILE_BYTES = 16 << 20


class _ProfileYamlLoader(yaml.SafeLoader):
    """YAML as a profile uses it. No anchors or aliases (&name, *name): a few hundred
    bytes of nested aliases expand to gigabytes (the "billion laughs"), and a profile needs
    none. Nesting stops at MAX_PROFILE_DEPTH, before the composer's recursion does."""

    def __init__(self, text: str, where: str):
        super().__init__(text)
        self._where = where
        self._depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        at = f"{self._where}, line {event.start_mark.line + 1}"
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise ProfileError(f"{at}: YAML anchors and aliases (&name, *name) are not "
                               "allowed in a profile: write the value out in full")
        if self._depth >= MAX_PROFILE_DEPTH:
            raise ProfileError(f"{at}: nested more than {MAX_PROFILE_DEPTH} levels deep: "
                               "not a mapping profile")
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _load_yaml(text: str, where: str):
    loader = _ProfileYamlLoader(text, where)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def check_nesting(d, where: str) -> None:
    """A ProfileError if ``d`` (a profile as read from JSON or YAML) nests deeper than
    MAX_PROFILE_DEPTH; walked without recursion."""
    todo = [(d, 1)]
    while todo:
        v, depth = todo.pop()
        if isinstance(v, (dict, list)):
            if depth > MAX_PROFILE_DEPTH:
                raise ProfileError(f"{where}: nested more than {MAX_PROFILE_DEPTH} levels "
                                   "deep: not a mapping profile")
            todo.extend((x, depth + 1) for x in (v.values() if isinstance(v, dict) else v))


# --- applying a table mapping ------------------------------------------------------------
class RunState:
    """What a run learns as it goes, in whichever process maps: the day/month order each
    date column read in "auto" order settled on, so that the column is read in one order
    over all its chunks (see DateOrders)."""

    def __init__(self):
        self.date_orders: dict[tuple[str, str], tf.DateOrders] = {}

    def date_orders_of(self, source: str, field_name: str) -> tf.DateOrders:
        key = (source, field_name)
        orders = self.date_orders.get(key)
        if orders is None:
            orders = self.date_orders[key] = tf.DateOrders()
        return orders


@dataclass(frozen=True)
class RunContext:
    """A run's configuration (the profile's defaults, fixed) beside its state (which
    changes as chunks are mapped): reading one never changes the other."""
    defaults: tf.StepDefaults = tf.NO_DEFAULTS
    state: RunState = field(default_factory=RunState, compare=False)


@dataclass
class MappedChunk:
    """HMSync field values for a chunk of legacy records, with what failed to convert."""
    index: pd.Index
    lines: np.ndarray
    corrupt: np.ndarray                          # reader's note per record ("" if none)
    legacy_id: pd.Series
    values: dict[str, pd.Series] = field(default_factory=dict)
    bad: dict[str, np.ndarray] = field(default_factory=dict)
    raw: dict[str, pd.Series] = field(default_factory=dict)
    null: dict[str, np.ndarray] = field(default_factory=dict)  # field -> no value
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # numbers, dates as arrays
    source: dict[str, str] = field(default_factory=dict)     # field -> legacy column(s)
    notes: list[str] = field(default_factory=list)
    extras: dict[str, pd.Series] = field(default_factory=dict)  # kept column -> its texts
    #: read back from a quarantine file: the records rejected there as a second record
    #: with a legacy id already taken (None: not a quarantine file)
    was_duplicate: np.ndarray | None = None
    filtered: int = 0      # records of the chunk the table's where: left out
    #: field -> the records its value: placeholder filled (the source gave them none)
    placeholders: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self):
        return len(self.index)


def _has_step(fm: FieldMap, kind: type[tf.Step]) -> bool:
    return any(isinstance(s, kind) for s in fm.typed_steps)


def legacy_ids(chunk: pd.DataFrame, tm: TableMap, column=None) -> pd.Series:
    column = column or (lambda c: tf.text(chunk[c]))
    if tm.id_expr is not None:
        ids, bad, why = computed(tm.id_expression, column, chunk.columns, chunk.index)
        if bad.any():  # a record without its id would be told from no other: not guessed
            raise ProfileError(f"{tm.source}, line {int(chunk[LINE].iloc[int(bad.argmax())])}"
                               f": legacy_id: '{tm.id_expr}' cannot be evaluated: {why}")
        return ids
    if tm.legacy_key and all(c in chunk.columns for c in tm.legacy_key):
        parts = [column(c).tolist() for c in tm.legacy_key]
        return pd.Series([composite_id(p) for p in zip(*parts)], index=chunk.index,
                         dtype=object)
    if tm.legacy_id and tm.legacy_id in chunk.columns:
        return column(tm.legacy_id)
    cols = [c for c in chunk.columns if c not in (LINE, CORRUPT) and c not in tm.lookups]
    joined = chunk[cols].astype(str).agg("\x1f".join, axis=1) if cols else \
        pd.Series([""] * len(chunk), index=chunk.index)
    return joined.map(lambda s: "row:" + hashlib.sha1(s.encode("utf-8", "replace"))
                      .hexdigest()[:16])


def map_field(chunk: pd.DataFrame, fm: FieldMap, tf_field,
              defaults: tf.StepDefaults = tf.NO_DEFAULTS,
              orders: tf.DateOrders | None = None, column=None,
              placeholders: dict | None = None) -> tf.Result:
    """One HMSync field's values for a chunk: source column(s) -> steps -> the field's type.

    ``orders``: the day/month order the field's earlier chunks were read in ("auto").
    ``column(name)`` gives a source column already as stripped text (cached per chunk).
    """
    column = column or (lambda c: tf.text(chunk[c]))
    steps = fm.typed_steps
    n = len(chunk)
    clean = True
    bad = None
    note = None
    if fm.expr is not None:
        s, bad, why = computed(fm.expression, column, chunk.columns, chunk.index)
        clean = False
        note = None if why is None else f"some records failed its expression ({why})"
    elif fm.lookup is not None:
        keys, bad, why = fm.lookup.keys_of(column, chunk.columns, chunk.index)
        s = fm.lookup.values(keys)
        clean = False
        if why is not None:
            note = f"some records failed its key's expression ({why})"
        elif fm.lookup.index is None:  # (a preview: the migration builds the index)
            note = f"looked up in {fm.lookup.table} when the migration runs"
    elif fm.value is not None and not fm.columns:
        s = pd.Series([fm.value] * n, index=chunk.index, dtype=object)
    elif len(fm.columns) == 1:
        s = column(fm.columns[0])
    else:
        s = tf.join_texts([column(c) for c in fm.columns], _concat_sep(steps)).values
    array = None  # the values as numbers or dates, while the last step that ran gave them
    for step in steps:
        if isinstance(step, tf.ConcatStep):
            continue  # (the columns are joined above)
        r = step.apply(s, defaults, orders)
        s, bad, note = r.values, tf._bad_or(bad, r.bad), note or r.note
        array = r.array
        clean = False
        if r.bad is not None and r.bad.any():
            s = s.where(~pd.Series(bad, index=s.index), None)
    if fm.value is not None and (fm.columns or fm.expr is not None):
        # the placeholder, where the source gave nothing (a value it could not read stays
        # a problem: it is not hidden behind the placeholder)
        text = s if clean else tf.text(s)
        empty = np.array(tf.is_blank(text), dtype=bool)
        if bad is not None:
            empty &= ~np.asarray(bad, dtype=bool)
        if empty.any():
            s = text.where(~pd.Series(empty, index=text.index), fm.value)
            clean = False
        if placeholders is not None:
            placeholders[fm.target] = empty
    kind = tf_field.kind if tf_field is not None else "text"
    null = None
    if kind == "int" and not _has_step(fm, tf.AgeFromDateStep):
        r = tf.number(s, defaults.decimal, defaults.thousands, integer=True, clean=clean)
        s, bad, null, array = r.values, tf._bad_or(bad, r.bad), r.null, r.array
    elif kind == "int":
        pass  # derived by a step already
    elif kind == "float":
        r = tf.number(s, defaults.decimal, defaults.thousands, clean=clean)
        s, bad, null, array = r.values, tf._bad_or(bad, r.bad), r.null, r.array
    elif kind == "date":
        if not _has_step(fm, tf.DateStep):
            r = tf.parse_dates(s, defaults.date_order, clean=clean, tz=defaults.timezone,
                               orders=orders)
            s, bad, note, null = r.values, tf._bad_or(bad, r.bad), note or r.note, r.null
            array = r.array
    elif kind == "phone":
        array = None
        if not _has_step(fm, tf.PhoneStep):
            r = tf.to_e164(s, defaults.phone_region, clean=clean)
            s, bad, null = r.values, tf._bad_or(bad, r.bad), r.null
    elif kind == "enum" and tf_field.enum:
        array = None
        text = s if clean else tf.text(s)
        canon = {v.lower(): v for v in tf_field.enum}
        s = pd.Series(tf.each_distinct(text, lambda v: None if v == "" else
                                       canon.get(v.lower(), v)),
                      index=text.index, dtype=object)
        null = tf.is_blank(text)
    else:
        array = None
        text = s if clean else tf.text(s)
        empty = tf.is_blank(text)
        s = text.where(~empty, None) if empty.any() else text
        null = empty
    if array is not None and len(array) != len(s):
        array = None
    return tf.Result(s, bad, note, null, array)


def _concat_sep(steps: tuple[tf.Step, ...]) -> str:
    for st in steps:
        if isinstance(st, tf.ConcatStep):
            return str(st.sep)
    return " "


def map_chunk(chunk: pd.DataFrame, tm: TableMap, target: TargetTable,
              ctx: RunContext) -> MappedChunk:
    chunk = with_named_lookups(chunk, tm)
    chunk, filtered = keep(chunk, tm.filter, tm.source)
    cache: dict[str, pd.Series] = {}

    def column(name: str) -> pd.Series:
        if name not in cache:
            cache[name] = tf.text(chunk[name])
        return cache[name]

    ids = legacy_ids(chunk, tm, column)
    mc = MappedChunk(chunk.index, chunk[LINE].to_numpy(), chunk[CORRUPT].to_numpy(), ids)
    from .quarantine import REASON_COLUMN
    if REASON_COLUMN in chunk.columns:
        mc.was_duplicate = tf.text(chunk[REASON_COLUMN]).str.startswith(
            f"{tm.target}.id.duplicate").to_numpy()
    mc.filtered = filtered
    for name, fm in tm.fields.items():
        tfield = target.fields.get(name)
        if tfield is None:
            continue  # a field the target lacks: reported by check_profile
        missing = [c for c in fm.columns if c not in chunk.columns]
        if missing:
            raise ProfileError(f"table '{tm.source}', field '{name}': the legacy data has no "
                               f"column '{missing[0]}'")
        orders = ctx.state.date_orders_of(tm.source, name)
        try:
            r = map_field(chunk, fm, tfield, ctx.defaults, orders, column, mc.placeholders)
        except (tf.TransformError, ProfileError):
            raise
        except (TypeError, AttributeError, ValueError, KeyError) as e:  # an option's type
            raise ProfileError(f"table '{tm.source}', field '{name}': its steps cannot be "
                               f"applied ({type(e).__name__}: an option of a step has the "
                               "wrong kind of value; see the mapping document for each "
                               "step's options)") from None
        mc.values[name] = r.values
        mc.null[name] = r.null if r.null is not None else r.values.isna().to_numpy()
        mc.bad[name] = r.bad if r.bad is not None else np.zeros(len(chunk), dtype=bool)
        if r.array is not None:
            mc.arrays[name] = r.array
        if fm.columns:
            mc.raw[name] = chunk[fm.columns[0]] if len(fm.columns) == 1 else \
                tf.join_texts([column(c) for c in fm.columns], " | ").values
        else:
            mc.raw[name] = pd.Series([fm.value] * len(chunk), index=chunk.index)
        mc.source[name] = (f"{fm.lookup.aggregate} of {fm.lookup.table}."
                           f"{fm.lookup.column or fm.lookup.key} by {fm.lookup.by}"
                           if fm.lookup else fm.source_label or
                           ("(expression)" if fm.expr else "(constant)"))
        if r.note and r.note not in mc.notes:
            mc.notes.append(f"{name}: {r.note}")
    for c in tm.keep:
        if c in chunk.columns:
            text = column(c)
            empty = tf.is_blank(text)
            mc.extras[c] = text.where(~empty, None) if empty.any() else text
    return mc


def check_profile(profile: Profile, sources, targets: dict[str, TargetTable]) -> list[str]:
    """Problems that stop a profile from being used with these sources and this target."""
    fields = {t: list(tt.fields) for t, tt in targets.items()}
    out = [f"rule '{code}': {problem}" for code in profile.rules
           if (problem := R.code_problem(code, fields, fields=True))]
    names = [st.name for st in sources]
    for st in sources:
        tm = profile.table_for(st.name, st.stem, names)
        if tm is None:
            continue
        if tm.target not in targets:
            out.append(f"{st.name}: target table '{tm.target}' is not in the HMSync database")
            continue
        tt = targets[tm.target]
        for c in tm.id_columns:
            if c not in st.columns:
                out.append(f"{st.name}: legacy id column '{c}' is not in the file")
        columns = set(st.columns) | set(tm.lookups)  # (a named lookup is a column too)
        for name, lk in tm.lookups.items():
            out += [f"{st.name}: lookup '{name}' reads column '{c}', which the file does not "
                    "have" for c in lk.by_columns if c not in st.columns]
        if tm.where is not None:
            out += [f"{st.name}: where: reads column '{c}', which the file does not have"
                    for c in tm.filter.columns if c not in columns]
        for name, fm in tm.fields.items():
            if name not in tt.fields:
                out.append(f"{st.name}: field '{name}' is not a column of {tm.target}")
            elif tt.fields[name].references and tt.fields[name].references not in targets:
                out.append(f"{st.name}: field '{name}' points at the table "
                           f"'{tt.fields[name].references}', which the wizard does not "
                           "import: its legacy ids cannot be translated; leave it unmapped")
            for c in fm.columns:
                if c not in columns:
                    out.append(f"{st.name}: field '{name}' reads column '{c}', which the "
                               f"file does not have")
        for f in tt.fields.values():
            if f.required and f.kind != "uuid" and f.name not in tm.fields and f.default is None:
                how = (f"the legacy id of the {f.references} record they all belong to"
                       if f.references else "a value they all share")
                out.append(f"{st.name}: required HMSync field {tm.target}.{f.name} is not mapped "
                           f"(map a column to it, or give every record one value, {how}: "
                           "value: in the profile)")
    return out
