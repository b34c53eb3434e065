"""HMSync's schema, as the wizard knows it, and the target's real schema, as reflected.

HMSync keeps its data in one SQLite file: camelCase columns, text UUID primary keys,
ISO-8601 text dates. The wizard owns two extra tables in the same file:
``migration_runs`` (the audit trail) and ``migration_legacy_ids`` (legacy id -> HMSync id).

Column ``info`` carries what validation needs beyond SQL types: ``kind`` (text, int,
float, date, phone, enum), ``required`` (a name a clinic needs even where SQL allows
NULL), ``enum`` values, ``min``/``max`` ranges and ``label`` for messages.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from .targets import TargetField, TargetTable  # noqa: F401 (the schema's vocabulary)

from sqlalchemy import (CheckConstraint, Column, ForeignKey, Index, Integer, MetaData, Float,
                        Table, Text, create_engine, text)

SCHEMA_VERSION = 2  # 1: before doctors.department; 2: with it

metadata = MetaData()


def _id():
    return Column("id", Text, primary_key=True, info={"kind": "uuid"})


patients = Table(
    "patients", metadata,
    _id(),
    Column("firstName", Text, info={"kind": "text", "label": "first name"}),
    Column("lastName", Text, info={"kind": "text", "label": "last name"}),
    Column("fullName", Text, nullable=False, info={"kind": "text", "label": "name"}),
    Column("phone", Text, nullable=False, info={"kind": "phone", "label": "phone number"}),
    Column("age", Integer, info={"kind": "int", "min": 0, "max": 150, "label": "age"}),
    Column("gender", Text, CheckConstraint("gender IN ('M','F','O')", name="ck_patients_gender"),
           nullable=False, info={"kind": "enum", "enum": ["M", "F", "O"], "label": "gender"}),
    Column("address", Text, info={"kind": "text", "label": "address"}),
    Column("registrationDate", Text, info={"kind": "date", "label": "registration date"}),
)

doctors = Table(
    "doctors", metadata,
    _id(),
    Column("fullName", Text, nullable=False, info={"kind": "text", "label": "name"}),
    Column("specialty", Text, info={"kind": "text", "label": "specialty"}),
    Column("licenseNumber", Text, info={"kind": "text", "label": "licence number"}),
    Column("phone", Text, info={"kind": "phone", "label": "phone number"}),
    Column("joinDate", Text, info={"kind": "date", "label": "join date"}),
    Column("department", Text, server_default=text("'General'"),
           info={"kind": "text", "label": "department"}),
)

visits = Table(
    "visits", metadata,
    _id(),
    Column("patientId", Text, ForeignKey("patients.id"), info={"kind": "ref", "required": True,
                                                              "label": "patient"}),
    Column("doctorId", Text, ForeignKey("doctors.id"), info={"kind": "ref", "required": True,
                                                            "label": "doctor"}),
    Column("visitDate", Text, nullable=False, info={"kind": "date", "label": "visit date"}),
    Column("consultationFee", Float, CheckConstraint('"consultationFee" >= 0',
                                                     name="ck_visits_fee"),
           info={"kind": "float", "min": 0, "label": "consultation fee"}),
    Column("diagnosis", Text, info={"kind": "text", "label": "diagnosis"}),
    Column("notes", Text, info={"kind": "text", "label": "notes"}),
    Index("ix_visits_patientId", "patientId"),
    Index("ix_visits_doctorId", "doctorId"),
)

bills = Table(
    "bills", metadata,
    _id(),
    Column("visitId", Text, ForeignKey("visits.id"), info={"kind": "ref", "label": "visit"}),
    Column("patientId", Text, ForeignKey("patients.id"), info={"kind": "ref", "required": True,
                                                              "label": "patient"}),
    Column("billDate", Text, info={"kind": "date", "label": "bill date"}),
    Column("amount", Float, info={"kind": "float", "min": 0, "label": "amount"}),
    Column("status", Text, info={"kind": "text", "label": "status"}),
    Index("ix_bills_visitId", "visitId"),
    Index("ix_bills_patientId", "patientId"),
)

payments = Table(
    "payments", metadata,
    _id(),
    Column("billId", Text, ForeignKey("bills.id"), info={"kind": "ref", "required": True,
                                                        "label": "bill"}),
    Column("paidOn", Text, info={"kind": "date", "label": "payment date"}),
    Column("amount", Float, info={"kind": "float", "min": 0, "label": "amount"}),
    Column("mode", Text, info={"kind": "text", "label": "payment mode"}),
    Index("ix_payments_billId", "billId"),
)

pathology_tests = Table(
    "pathology_tests", metadata,
    _id(),
    Column("visitId", Text, ForeignKey("visits.id"), info={"kind": "ref", "label": "visit"}),
    Column("patientId", Text, ForeignKey("patients.id"), info={"kind": "ref", "required": True,
                                                              "label": "patient"}),
    Column("testCode", Text, info={"kind": "text", "label": "test code"}),
    Column("testName", Text, info={"kind": "text", "label": "test name"}),
    Column("orderedOn", Text, info={"kind": "date", "label": "order date"}),
    Column("resultValue", Text, info={"kind": "text", "label": "result"}),
    Column("resultUnit", Text, info={"kind": "text", "label": "unit"}),
    Column("price", Float, info={"kind": "float", "min": 0, "label": "price"}),
    Index("ix_pathology_tests_visitId", "visitId"),
    Index("ix_pathology_tests_patientId", "patientId"),
)

# --- tables the wizard owns -------------------------------------------------------------
migration_runs = Table(
    "migration_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("startedAt", Text, nullable=False),
    Column("finishedAt", Text),
    Column("status", Text, nullable=False),
    Column("operator", Text),
    Column("toolVersion", Text),
    Column("sourceSystem", Text),
    Column("sources", Text),      # JSON: [{file, sha256, rows}]
    Column("profile", Text),      # the mapping profile as used (YAML text)
    Column("profileSha256", Text),
    Column("backupPath", Text),
    Column("backupSha256", Text),
    Column("counts", Text),       # JSON: per table source_rows/imported/duplicates/rejected
    Column("message", Text),
)

migration_legacy_ids = Table(
    "migration_legacy_ids", metadata,
    Column("sourceSystem", Text, nullable=False),
    Column("tableName", Text, nullable=False),
    Column("legacyId", Text, nullable=False),
    Column("hmsyncId", Text, nullable=False),
    Column("runId", Integer, ForeignKey("migration_runs.id"), nullable=False),
    Column("sourceFile", Text),
    Column("sourceLine", Integer),
    Index("uq_legacy_ids", "sourceSystem", "tableName", "legacyId", unique=True),
    # no index by HMSync id: nothing the wizard does looks records up that way, and at
    # millions of records it cost as much to build and check as a data table's index
    # (databases made by earlier versions keep theirs; it does no harm)
)

schema_info = Table(
    "hmsync_schema_info", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text),
)

#: HMSync's data tables, parents before children (the import order).
DATA_TABLES = ["patients", "doctors", "visits", "bills", "payments", "pathology_tests"]
WIZARD_TABLES = ["migration_runs", "migration_legacy_ids", "hmsync_schema_info"]


def quote_ident(name: str) -> str:
    """Quote an SQL identifier: names from legacy files never reach SQL unquoted."""
    return '"' + str(name).replace('"', '""') + '"'


def _kind_from_sqltype(type_name: str) -> str:
    t = (type_name or "").upper()
    if "INT" in t:
        return "int"
    if any(k in t for k in ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL")):
        return "float"
    if "DATE" in t or "TIME" in t:
        return "date"
    return "text"


def _plain_default(sql_default: str | None) -> str | None:
    if sql_default is None:
        return None
    d = sql_default.strip()
    if len(d) >= 2 and d[0] == d[-1] == "'":
        return d[1:-1].replace("''", "'")
    if d.upper() == "NULL":
        return None
    return d


def known_tables() -> dict[str, TargetTable]:
    """The HMSync schema the wizard defines, as mapping targets."""
    out = {}
    for name in DATA_TABLES:
        t = metadata.tables[name]
        tt = TargetTable(name)
        for c in t.columns:
            info = dict(c.info)
            ref = next(iter(c.foreign_keys)).column.table.name if c.foreign_keys else None
            default = None
            if c.server_default is not None:
                default = _plain_default(str(c.server_default.arg.text))
            tt.fields[str(c.name)] = TargetField(
                name=str(c.name), kind=info.get("kind", "text"), nullable=c.nullable,
                required=(not c.nullable and not c.primary_key) or info.get("required", False),
                default=default, enum=info.get("enum"), min=info.get("min"),
                max=info.get("max"), references=ref, label=info.get("label", c.name))
        out[name] = tt
    return out


def reflect_targets(con: sqlite3.Connection) -> dict[str, TargetTable]:
    """Mapping targets read from the *actual* target database.

    Known columns keep the wizard's rules; columns the deployment added are offered too
    (typed from their SQL type); tables or columns the target lacks are left out.
    """
    known = known_tables()
    out = {}
    existing = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for name in DATA_TABLES:
        if name not in existing:
            continue
        tt = TargetTable(name)
        fks = {r[3]: r[2] for r in con.execute(f"PRAGMA foreign_key_list({quote_ident(name)})")}
        for cid, col, ctype, notnull, dflt, pk in con.execute(
                f"PRAGMA table_info({quote_ident(name)})"):
            kf = known[name].fields.get(col)
            if kf is not None:
                f = TargetField(**{**kf.__dict__})
                f.default = _plain_default(dflt) if dflt is not None else None
                if notnull and not pk:
                    f.nullable, f.required = False, True
            else:
                f = TargetField(name=col, kind="uuid" if pk else _kind_from_sqltype(ctype),
                                nullable=not notnull, required=bool(notnull and not pk and
                                                                    dflt is None),
                                default=_plain_default(dflt), references=fks.get(col),
                                label=col, known=False)
                if f.references:
                    f.kind = "ref"
            tt.fields[col] = f
        out[name] = tt
    return out


def engine_for(path: str | Path):
    return create_engine(f"sqlite:///{Path(path)}")


def init_db(path: str | Path, version: int = SCHEMA_VERSION) -> None:
    """Create an empty HMSync database (refuses to overwrite an existing file)."""
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(f"{path} already exists; the wizard never overwrites a database")
    eng = engine_for(path)
    try:
        metadata.create_all(eng)
        with eng.begin() as c:
            c.execute(schema_info.insert().values(key="schema_version", value=str(version)))
    finally:
        eng.dispose()
    if version == 1:  # an older HMSync, without doctors.department (tests and demos)
        con = sqlite3.connect(path)
        try:
            con.execute("ALTER TABLE doctors DROP COLUMN department")
            con.commit()
        finally:
            con.close()


def ensure_wizard_tables(con: sqlite3.Connection) -> None:
    """Create the audit and legacy-id tables in a target that lacks them (HMSync's own)."""
    from sqlalchemy.schema import CreateIndex, CreateTable
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    existing = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    dialect = sqlite_dialect.dialect()
    for name in WIZARD_TABLES:
        if name in existing:
            continue
        t = metadata.tables[name]
        con.execute(str(CreateTable(t).compile(dialect=dialect)))
        for ix in t.indexes:
            con.execute(str(CreateIndex(ix).compile(dialect=dialect)))


def table_counts(con: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in con.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    return {n: con.execute(f"SELECT count(*) FROM {quote_ident(n)}").fetchone()[0]
            for n in names}
