"""Nested JSON objects seen by the suggestion: a JSON export's record may hold its data in
objects (``personalDetails: {firstName, lastName, dateOfBirth}``, ``contact: {phone,
address: {street, city}}``) that the readers give as one column of JSON text. The
suggestion reads each such object's keys as columns of their own (``personalDetails.
firstName``), two levels down, and a field it maps to one becomes an expression with the
same path (``expr: personalDetails.firstName``), which the migration evaluates with
SQLite's ``json_extract``; the steps the field needs still follow."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pandas as pd

from .mapping import TableMap
from . import transforms as tf
from .readers import SourceTable

#: how deep into objects the keys are read (contact.address.city: two)
MAX_DEPTH = 2
#: a column is an object column where this share of its sampled values are JSON objects
OBJECT_SHARE = 0.8
#: a key is a column where it holds a value in this share of the sampled records
KEY_SHARE = 0.3
#: at most this many keys of one object column (a key per date or per code is no record)
MAX_KEYS = 40
#: records sampled to find the keys
LOOK_AT = 500

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: objects of another person's or of the export's own (an emergency contact's name and
#: phone, FHIR's meta.lastUpdated): their keys are never the record's fields
NOT_THE_RECORDS = {"emergency", "kin", "relative", "guardian", "father", "mother", "spouse",
                    "parent", "insurance", "insurer", "employer", "meta", "metadata",
                    "audit", "links", "link", "extension", "created", "updated", "owner"}


@dataclass(frozen=True)
class NestedPath:
    """A value inside a column's JSON objects: the column and the keys down to it."""
    column: str
    keys: tuple[str, ...]

    @property
    def name(self) -> str:
        return ".".join((self.column,) + self.keys)

    @property
    def expr(self) -> str:
        """The path as the profile's expressions write it."""
        head = self.column if _PLAIN.fullmatch(self.column) else \
            '"' + self.column.replace('"', '""') + '"'
        return head + "".join(f".{k}" if _PLAIN.fullmatch(k) else f'."{k}"'
                              for k in self.keys)


def _scalar(v) -> str | None:
    if v is None or isinstance(v, (dict, list)):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _paths(obj: dict, keys: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    out = {}
    for k, v in obj.items():
        here = keys + (str(k),)
        if isinstance(v, dict) and len(here) < MAX_DEPTH:
            out.update(_paths(v, here))
            continue
        s = _scalar(v)
        if s is not None and s.strip() and '"' not in str(k):
            out[here] = s
    return out


def _objects(values: pd.Series) -> list[dict | None] | None:
    """Each value as the object it holds (None where empty or not one), or None when the
    column is not a column of objects."""
    got, objects, filled = [], 0, 0
    for v in values:
        v = "" if v is None else str(v)
        if not v.strip():
            got.append(None)
            continue
        filled += 1
        if v.lstrip().startswith("{"):
            try:
                o = json.loads(v)
            except ValueError:
                o = None
            if isinstance(o, dict):
                objects += 1
                got.append(o)
                continue
        got.append(None)
    return got if filled and objects >= OBJECT_SHARE * filled else None


def nested_columns(st: SourceTable, sample: pd.DataFrame, skip=lambda column: False
                   ) -> tuple[pd.DataFrame, dict[str, NestedPath]]:
    """The sample with a column for each key its object columns hold, and what each such
    column is (a JSON source's only: nothing else holds objects in its cells). ``skip``:
    the object columns whose keys are not the record's (see NOT_THE_RECORDS)."""
    if st.format not in ("json", "ndjson") or sample.empty:
        return sample, {}
    added: dict[str, list] = {}
    paths: dict[str, NestedPath] = {}
    for c in sample.columns:
        if skip(c):
            continue
        objs = _objects(tf.as_text(sample[c].head(LOOK_AT)))
        if objs is None:
            continue
        every = [None if o is None else _paths(o) for o in
                 (_objects(tf.as_text(sample[c])) or [])]
        seen: dict[tuple[str, ...], int] = {}
        for p in every[:LOOK_AT]:
            for k in p or {}:
                seen[k] = seen.get(k, 0) + 1
        n = sum(1 for p in every[:LOOK_AT] if p is not None) or 1
        keys = [k for k, m in seen.items() if m >= KEY_SHARE * n]
        if len(keys) > MAX_KEYS:
            continue
        for k in keys:
            path = NestedPath(c, k)
            if path.name in sample.columns or path.name in added:
                continue
            added[path.name] = [("" if p is None else p.get(k, "")) for p in every]
            paths[path.name] = path
    if not added:
        return sample, {}
    extra = pd.DataFrame(added, index=sample.index, dtype=object)
    return pd.concat([sample, extra], axis=1), paths


def as_expressions(tm: TableMap, paths: dict[str, NestedPath]) -> None:
    """The table's fields (and legacy id) that read a nested key, made expressions over the
    column holding it; several columns joined become one expression joining them."""
    if not paths:
        return
    for fm in tm.fields.values():
        if fm.expr is not None or fm.lookup is not None or \
                not any(c in paths for c in fm.columns):
            continue
        inside = list(dict.fromkeys(paths[c].column for c in fm.columns if c in paths))
        refs = [paths[c].expr if c in paths else NestedPath(c, ()).expr for c in fm.columns]
        if len(refs) == 1:
            fm.expr = refs[0]
        else:
            sep = next((s["concat"] for s in fm.steps if isinstance(s, dict) and
                        "concat" in s), " ")
            q = str(sep).replace("'", "''")
            # each part followed by the separator where it is not empty, the last separator
            # taken off: "Mwila Banda", not "Mwila  Banda" for a missing middle name
            joined = " || ".join(f"coalesce(nullif({r}, '') || '{q}', '')" for r in refs)
            fm.expr = f"rtrim({joined}, '{q}')" if q else joined
        fm.steps = [s for s in fm.steps if not (isinstance(s, dict) and "concat" in s)]
        fm.columns = list(fm.expression.columns)
        fm.review = True  # (a value read inside an object is confirmed by a person)
        fm.reason = (fm.reason or "") + "; read inside " + ", ".join(inside)
    if tm.legacy_id in paths:
        tm.id_expr = paths[tm.legacy_id].expr
        tm.legacy_id = None
    if any(c in paths for c in tm.legacy_key):
        tm.legacy_key = []


def unread_keys(tm: TableMap, paths: dict[str, NestedPath]) -> dict[str, list[str]]:
    """Object column -> the keys inside it no field reads, of the columns some field
    reads inside: the cell counts as imported, but those values go nowhere in HMSync."""
    read = {c for fm in tm.fields.values() for c in fm.columns}
    exprs = " ".join(fm.expr for fm in tm.fields.values() if fm.expr)
    out: dict[str, list[str]] = {}
    for p in paths.values():
        if p.column in read and p.expr not in exprs:
            out.setdefault(p.column, []).append(".".join(p.keys))
    return out
