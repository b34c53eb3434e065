"""HMSync's schema, as the wizard knows it, and the target's real schema, as reflected.

HMSync keeps its data in one SQLite file: camelCase columns, text UUID primary keys,
ISO-8601 text dates. The wizard owns two extra tables in the same file:
``migration_runs`` (the audit trail) and the legacy-id map (legacy id -> HMSync id; its
tables and the view ``migration_legacy_ids``: legacy_map.py).

Column ``info`` carries what validation needs beyond SQL types: ``kind`` (text, int,
float, date, phone, enum), ``required`` (a name a clinic needs even where SQL allows
NULL), ``enum`` values, ``min``/``max`` ranges and ``label`` for messages; ``total`` marks
a money amount whose total the verification compares with the source's, ``total_by`` a
reference its totals are compared per value of as well. Table ``info`` carries
``person_key``: the fields that, equal in two records, suggest one person registered twice.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from . import legacy_map
from .errors import SchemaError
from .targets import TargetField, TargetTable  # noqa: F401 (the schema's vocabulary)

SCHEMA_VERSION = 2  # 1: before doctors.department; 2: with it

#: HMSync's data tables, parents before children (the import order).
DATA_TABLES = ["patients", "doctors", "visits", "bills", "payments", "pathology_tests"]
WIZARD_TABLES = ["migration_runs", *legacy_map.TABLES, "hmsync_schema_info",
                 "migration_changes", "migration_field_sets", "migration_cells"]
#: the wizard's views, and the SQL that makes each (after the tables)
WIZARD_VIEWS = {legacy_map.VIEW: legacy_map.VIEW_SQL}
#: every name of the wizard's own in a target (an earlier version's legacy-id map table too)
WIZARD_NAMES = frozenset(WIZARD_TABLES) | frozenset(WIZARD_VIEWS)


# --- the schema as plain data ------------------------------------------------------------
# A migration run needs HMSync's fields and the wizard's own tables but not SQLAlchemy (a
# quarter of a second to load): these constants say the same as the SQLAlchemy metadata
# below, and tests/test_schema_plain.py proves it (same fields, same SQL, word for word).

#: The SQL ``metadata.create_all`` issues for each table: CREATE TABLE, then its indexes.
DDL: dict[str, tuple[str, ...]] = {
    "patients": (
        "\n"
        "CREATE TABLE patients (\n"
        "\tid TEXT NOT NULL, \n"
        '\t"firstName" TEXT, \n'
        '\t"lastName" TEXT, \n'
        '\t"fullName" TEXT NOT NULL, \n'
        "\tphone TEXT NOT NULL, \n"
        "\tage INTEGER, \n"
        "\tgender TEXT NOT NULL CONSTRAINT ck_patients_gender CHECK (gender IN ('M','F','O')), \n"
        "\taddress TEXT, \n"
        '\t"registrationDate" TEXT, \n'
        "\tPRIMARY KEY (id)\n"
        ")\n"
        "\n",
    ),
    "doctors": (
        "\n"
        "CREATE TABLE doctors (\n"
        "\tid TEXT NOT NULL, \n"
        '\t"fullName" TEXT NOT NULL, \n'
        "\tspecialty TEXT, \n"
        '\t"licenseNumber" TEXT, \n'
        "\tphone TEXT, \n"
        '\t"joinDate" TEXT, \n'
        "\tdepartment TEXT DEFAULT 'General', \n"
        "\tPRIMARY KEY (id)\n"
        ")\n"
        "\n",
    ),
    "visits": (
        "\n"
        "CREATE TABLE visits (\n"
        "\tid TEXT NOT NULL, \n"
        '\t"patientId" TEXT, \n'
        '\t"doctorId" TEXT, \n'
        '\t"visitDate" TEXT NOT NULL, \n'
        '\t"consultationFee" FLOAT CONSTRAINT ck_visits_fee CHECK ("consultationFee" >= 0), \n'
        "\tdiagnosis TEXT, \n"
        "\tnotes TEXT, \n"
        "\tPRIMARY KEY (id), \n"
        '\tFOREIGN KEY("patientId") REFERENCES patients (id), \n'
        '\tFOREIGN KEY("doctorId") REFERENCES doctors (id)\n'
        ")\n"
        "\n",
        'CREATE INDEX "ix_visits_patientId" ON visits ("patientId")',
        'CREATE INDEX "ix_visits_doctorId" ON visits ("doctorId")',
    ),
    "bills": (
        "\n"
        "CREATE TABLE bills (\n"
        "\tid TEXT NOT NULL, \n"
        '\t"visitId" TEXT, \n'
        '\t"patientId" TEXT, \n'
        '\t"billDate" TEXT, \n'
        "\tamount FLOAT, \n"
        "\tstatus TEXT, \n"
        "\tPRIMARY KEY (id), \n"
        '\tFOREIGN KEY("visitId") REFERENCES visits (id), \n'
        '\tFOREIGN KEY("patientId") REFERENCES patients (id)\n'
        ")\n"
        "\n",
        'CREATE INDEX "ix_bills_visitId" ON bills ("visitId")',
        'CREATE INDEX "ix_bills_patientId" ON bills ("patientId")',
    ),
    "payments": (
        "\n"
        "CREATE TABLE payments (\n"
        "\tid TEXT NOT NULL, \n"
        '\t"billId" TEXT, \n'
        '\t"paidOn" TEXT, \n'
        "\tamount FLOAT, \n"
        "\tmode TEXT, \n"
        "\tPRIMARY KEY (id), \n"
        '\tFOREIGN KEY("billId") REFERENCES bills (id)\n'
        ")\n"
        "\n",
        'CREATE INDEX "ix_payments_billId" ON payments ("billId")',
    ),
    "pathology_tests": (
        "\n"
        "CREATE TABLE pathology_tests (\n"
        "\tid TEXT NOT NULL, \n"
        '\t"visitId" TEXT, \n'
        '\t"patientId" TEXT, \n'
        '\t"testCode" TEXT, \n'
        '\t"testName" TEXT, \n'
        '\t"orderedOn" TEXT, \n'
        '\t"resultValue" TEXT, \n'
        '\t"resultUnit" TEXT, \n'
        "\tprice FLOAT, \n"
        "\tPRIMARY KEY (id), \n"
        '\tFOREIGN KEY("visitId") REFERENCES visits (id), \n'
        '\tFOREIGN KEY("patientId") REFERENCES patients (id)\n'
        ")\n"
        "\n",
        'CREATE INDEX "ix_pathology_tests_visitId" ON pathology_tests ("visitId")',
        'CREATE INDEX "ix_pathology_tests_patientId" ON pathology_tests ("patientId")',
    ),
    "migration_runs": (
        "\n"
        "CREATE TABLE migration_runs (\n"
        "\tid INTEGER NOT NULL, \n"
        '\t"startedAt" TEXT NOT NULL, \n'
        '\t"finishedAt" TEXT, \n'
        "\tstatus TEXT NOT NULL, \n"
        "\toperator TEXT, \n"
        '\t"toolVersion" TEXT, \n'
        '\t"sourceSystem" TEXT, \n'
        "\tsources TEXT, \n"
        "\tprofile TEXT, \n"
        '\t"profileSha256" TEXT, \n'
        '\t"backupPath" TEXT, \n'
        '\t"backupSha256" TEXT, \n'
        "\tcounts TEXT, \n"
        "\tmessage TEXT, \n"
        "\tPRIMARY KEY (id)\n"
        ")\n"
        "\n",
    ),
    **legacy_map.DDL,
    "migration_changes": (
        "\n"
        "CREATE TABLE migration_changes (\n"
        "\tid INTEGER NOT NULL, \n"
        '\t"runId" INTEGER NOT NULL, \n'
        '\t"sourceSystem" TEXT NOT NULL, \n'
        '\t"tableName" TEXT NOT NULL, \n'
        '\t"legacyId" TEXT NOT NULL, \n'
        '\t"hmsyncId" TEXT, \n'
        "\tkind TEXT NOT NULL, \n"
        "\tresolution TEXT, \n"
        "\tchanges TEXT, \n"
        "\tPRIMARY KEY (id), \n"
        '\tFOREIGN KEY("runId") REFERENCES migration_runs (id)\n'
        ")\n"
        "\n",
    ),
    "migration_cells": (
        "\n"
        "CREATE TABLE migration_cells (\n"
        "\tid INTEGER NOT NULL, \n"
        '\t"runId" INTEGER NOT NULL, \n'
        '\t"sourceTable" TEXT NOT NULL, \n'
        '\t"tableName" TEXT NOT NULL, \n'
        "\tcells TEXT NOT NULL, \n"
        "\tPRIMARY KEY (id), \n"
        '\tFOREIGN KEY("runId") REFERENCES migration_runs (id)\n'
        ")\n"
        "\n",
    ),
    "migration_field_sets": (
        "\n"
        "CREATE TABLE migration_field_sets (\n"
        "\tid INTEGER NOT NULL, \n"
        '\t"tableName" TEXT NOT NULL, \n'
        "\tfields TEXT NOT NULL, \n"
        "\tPRIMARY KEY (id)\n"
        ")\n"
        "\n",
    ),
    "hmsync_schema_info": (
        "\n"
        "CREATE TABLE hmsync_schema_info (\n"
        '\t"key" TEXT NOT NULL, \n'
        "\tvalue TEXT, \n"
        '\tPRIMARY KEY ("key")\n'
        ")\n"
        "\n",
    ),
}

F = TargetField

#: HMSync's data tables as mapping targets (what :func:`known_tables` gives).
_KNOWN: dict[str, list[TargetField]] = {
    "patients": [
        F("id", "uuid", nullable=False, label="id"),
        F("firstName", "text", label="first name"),
        F("lastName", "text", label="last name"),
        F("fullName", "text", nullable=False, required=True, label="name"),
        F("phone", "phone", nullable=False, required=True, label="phone number"),
        F("age", "int", min=0, max=150, label="age"),
        F("gender", "enum", nullable=False, required=True, enum=["M", "F", "O"], label="gender"),
        F("address", "text", label="address"),
        F("registrationDate", "date", label="registration date"),
    ],
    "doctors": [
        F("id", "uuid", nullable=False, label="id"),
        F("fullName", "text", nullable=False, required=True, label="name"),
        F("specialty", "text", label="specialty"),
        F("licenseNumber", "text", label="licence number"),
        F("phone", "phone", label="phone number"),
        F("joinDate", "date", label="join date"),
        F("department", "text", default="General", label="department"),
    ],
    "visits": [
        F("id", "uuid", nullable=False, label="id"),
        F("patientId", "ref", required=True, references="patients", label="patient"),
        F("doctorId", "ref", required=True, references="doctors", label="doctor"),
        F("visitDate", "date", nullable=False, required=True, label="visit date"),
        F("consultationFee", "float", min=0, label="consultation fee", total=True,
          total_by="doctorId"),
        F("diagnosis", "text", label="diagnosis"),
        F("notes", "text", label="notes"),
    ],
    "bills": [
        F("id", "uuid", nullable=False, label="id"),
        F("visitId", "ref", references="visits", label="visit"),
        F("patientId", "ref", required=True, references="patients", label="patient"),
        F("billDate", "date", label="bill date"),
        F("amount", "float", min=0, label="amount", total=True),
        F("status", "text", label="status"),
    ],
    "payments": [
        F("id", "uuid", nullable=False, label="id"),
        F("billId", "ref", required=True, references="bills", label="bill"),
        F("paidOn", "date", label="payment date"),
        F("amount", "float", min=0, label="amount", total=True),
        F("mode", "text", label="payment mode"),
    ],
    "pathology_tests": [
        F("id", "uuid", nullable=False, label="id"),
        F("visitId", "ref", references="visits", label="visit"),
        F("patientId", "ref", required=True, references="patients", label="patient"),
        F("testCode", "text", label="test code"),
        F("testName", "text", label="test name"),
        F("orderedOn", "date", label="order date"),
        F("resultValue", "text", label="result"),
        F("resultUnit", "text", label="unit"),
        F("price", "float", min=0, label="price", total=True),
    ],
}

#: declarations of a whole table (TargetTable's other attributes), as in :data:`_KNOWN`
_KNOWN_TABLE: dict[str, dict] = {
    "patients": {"person_key": ("fullName", "phone")},
}

del F


# --- the schema as SQLAlchemy metadata (Alembic, init-db, schema upgrades) -----------------
_SA_NAMES = ("metadata", "patients", "doctors", "visits", "bills", "payments",
             "pathology_tests", "migration_runs", "migration_legacy_scopes",
             "migration_legacy_files", "migration_legacy_map", "schema_info",
             "migration_changes", "migration_field_sets", "migration_cells")
_SA: dict = {}


def _sqlalchemy_schema() -> dict:
    """HMSync's schema as SQLAlchemy metadata (``schema.metadata``, ``schema.patients``, ...),
    built once, on first use."""
    if not _SA:
        _SA.update(_build_sqlalchemy_schema())
    return _SA


def _build_sqlalchemy_schema() -> dict:
    from sqlalchemy import (DDL as SqlDDL, CheckConstraint, Column, ForeignKey, Index,
                            Integer, MetaData, Float, Table, Text, UniqueConstraint, event,
                            text)

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
        Column("gender", Text,
               CheckConstraint("gender IN ('M','F','O')", name="ck_patients_gender"),
               nullable=False, info={"kind": "enum", "enum": ["M", "F", "O"], "label": "gender"}),
        Column("address", Text, info={"kind": "text", "label": "address"}),
        Column("registrationDate", Text, info={"kind": "date", "label": "registration date"}),
        info={"person_key": ("fullName", "phone")},
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
               info={"kind": "float", "min": 0, "label": "consultation fee", "total": True,
                     "total_by": "doctorId"}),
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
        Column("amount", Float, info={"kind": "float", "min": 0, "label": "amount",
                                      "total": True}),
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
        Column("amount", Float, info={"kind": "float", "min": 0, "label": "amount",
                                      "total": True}),
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
        Column("price", Float, info={"kind": "float", "min": 0, "label": "price",
                                     "total": True}),
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

    # the legacy-id map (legacy_map.py): a row per imported record, pointing by number at
    # its (source system, HMSync table) and its (legacy file, composite id's columns); the
    # view migration_legacy_ids gives the rows with the texts, as earlier versions kept them
    migration_legacy_scopes = Table(
        "migration_legacy_scopes", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("sourceSystem", Text, nullable=False),
        Column("tableName", Text, nullable=False),
        UniqueConstraint("sourceSystem", "tableName"),
    )
    migration_legacy_files = Table(
        "migration_legacy_files", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("sourceFile", Text),
        # a composite legacy id's columns (JSON list); NULL: a one-column id
        Column("legacyIdColumns", Text),
    )
    migration_legacy_map = Table(
        "migration_legacy_map", metadata,
        Column("scope", Integer, ForeignKey("migration_legacy_scopes.id"), nullable=False),
        Column("legacyId", Text, nullable=False),
        Column("hmsyncId", Text, nullable=False),
        Column("runId", Integer, ForeignKey("migration_runs.id"), nullable=False),
        Column("file", Integer, ForeignKey("migration_legacy_files.id")),
        Column("sourceLine", Integer),
        # the record's mapped values as last synced (delta.fingerprints); NULL: imported
        # by a version that kept none
        Column("fingerprint", Integer),
        # the fields the fingerprint covers (migration_field_sets.id); NULL: made by a
        # version that kept no field set (taken as the fields mapped now)
        Column("fieldSet", Integer),
        Index("uq_legacy_map", "scope", "legacyId", unique=True),
        # no index by HMSync id: nothing the wizard does looks records up that way, and at
        # millions of records it cost as much to build and check as a data table's index
    )
    event.listen(metadata, "after_create", SqlDDL(legacy_map.VIEW_SQL))

    # what a delta sync changed or found changed on both sides: one row per record
    migration_changes = Table(
        "migration_changes", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("runId", Integer, ForeignKey("migration_runs.id"), nullable=False),
        Column("sourceSystem", Text, nullable=False),
        Column("tableName", Text, nullable=False),
        Column("legacyId", Text, nullable=False),
        Column("hmsyncId", Text),
        Column("kind", Text, nullable=False),   # updated | conflict
        Column("resolution", Text),             # legacy-wins | hmsync-wins | skip | listed
        Column("changes", Text),                # JSON: {field: [before, after]}
    )

    # the sets of fields fingerprints cover: a mapping may map more fields, or fewer, than
    # the run that fingerprinted a record did (delta.py compares the fields both mapped)
    migration_field_sets = Table(
        "migration_field_sets", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("tableName", Text, nullable=False),
        Column("fields", Text, nullable=False),   # JSON: the field names, sorted
    )

    # a run's cell accounting, per legacy table (cells.TableCells as JSON): what `verify`
    # shows of a target whose legacy export it is not given
    migration_cells = Table(
        "migration_cells", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("runId", Integer, ForeignKey("migration_runs.id"), nullable=False),
        Column("sourceTable", Text, nullable=False),
        Column("tableName", Text, nullable=False),
        Column("cells", Text, nullable=False),
    )

    schema_info = Table(
        "hmsync_schema_info", metadata,
        Column("key", Text, primary_key=True),
        Column("value", Text),
    )
    return {n: v for n, v in locals().items() if n in _SA_NAMES}


def __getattr__(name: str):  # the SQLAlchemy names load SQLAlchemy when first asked for
    if name in _SA_NAMES:
        return _sqlalchemy_schema()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    """The HMSync schema the wizard defines, as mapping targets (fresh copies: callers may
    change them)."""
    return {name: TargetTable(name, {f.name: _copy_field(f) for f in _KNOWN[name]},
                              **_KNOWN_TABLE.get(name, {}))
            for name in DATA_TABLES}


def _copy_field(f: TargetField) -> TargetField:
    return TargetField(**{**f.__dict__, "enum": list(f.enum) if f.enum is not None else None})


def _known_tables_from_metadata() -> dict[str, TargetTable]:
    """:func:`known_tables` as derived from the SQLAlchemy metadata (what the constants
    must equal; tests compare them)."""
    metadata = _sqlalchemy_schema()["metadata"]
    out = {}
    for name in DATA_TABLES:
        t = metadata.tables[name]
        tt = TargetTable(name, person_key=tuple(t.info.get("person_key", ())))
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
                max=info.get("max"), references=ref, label=info.get("label", c.name),
                total=info.get("total", False), total_by=info.get("total_by"))
        out[name] = tt
    return out


def reflect_targets(con: sqlite3.Connection) -> dict[str, TargetTable]:
    """Mapping targets read from the *actual* target database.

    Known columns and tables keep the wizard's rules and declarations; columns the
    deployment added are offered too (typed from their SQL type); tables or columns the
    target lacks are left out (a declaration naming one is then not applied).
    """
    known = known_tables()
    out = {}
    existing = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for name in DATA_TABLES:
        if name not in existing:
            continue
        tt = TargetTable(name, person_key=known[name].person_key)
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
                # a number the deployment added is totalled like HMSync's amounts: the
                # wizard cannot tell whether it is money, and equal totals show the
                # column came across whole
                f.total = f.kind == "float"
                if f.references:
                    f.kind = "ref"
            tt.fields[col] = f
        out[name] = tt
    return out


def sqlite_url(path: str | Path):
    """SQLAlchemy's URL of a file, built from its parts: a URL string would cut a name at
    ``?`` and read ``%25`` as ``%``. The path is absolute: SQLite may read a name that
    begins ``file:`` as a URI even when not asked to."""
    from sqlalchemy.engine import URL
    return URL.create("sqlite", database=str(Path(path).resolve()))


def engine_for(path: str | Path):
    from sqlalchemy import create_engine
    return create_engine(sqlite_url(path))


def init_db(path: str | Path, version: int = SCHEMA_VERSION) -> None:
    """Create an empty HMSync database (refuses to overwrite an existing file)."""
    from sqlalchemy.exc import DBAPIError

    from .dbfiles import file_uri, write_problem
    path = Path(path)
    if path.is_dir():
        raise SchemaError(f"{path} is a folder: give the file name of the new database")
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(f"{path} already exists; the wizard never overwrites a database")
    problem = write_problem(path)
    if problem:
        raise SchemaError(f"cannot create {path}: {problem}")
    existed = path.exists()
    sa_schema = _sqlalchemy_schema()
    eng = engine_for(path)
    try:
        sa_schema["metadata"].create_all(eng)
        with eng.begin() as c:
            c.execute(sa_schema["schema_info"].insert().values(key="schema_version",
                                                               value=str(version)))
        if version == 1:  # an older HMSync, without doctors.department (tests and demos)
            con = sqlite3.connect(file_uri(path), uri=True, isolation_level=None)
            try:
                con.execute("ALTER TABLE doctors DROP COLUMN department")
            finally:
                con.close()
    except (DBAPIError, sqlite3.Error, OSError) as e:
        if not existed:  # a half-made database is none: not left to be mistaken for one
            for p in (path, Path(f"{path}-journal")):
                p.unlink(missing_ok=True)
        cause = getattr(e, "orig", None) or e
        raise SchemaError(f"cannot create {path}: "
                          f"{getattr(cause, 'strerror', None) or cause}") from None
    finally:
        eng.dispose()


def ensure_wizard_tables(con: sqlite3.Connection) -> None:
    """Create the audit and legacy-id tables in a target that lacks them (HMSync's own);
    an earlier version's legacy-id map is turned into today's shape (legacy_map.py)."""
    existing = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for name in WIZARD_TABLES:
        if name in existing or name in legacy_map.TABLES:
            continue
        for sql in DDL[name]:
            con.execute(sql)
    legacy_map.ensure(con)


def table_counts(con: sqlite3.Connection) -> dict[str, int]:
    names = con.execute(
        "SELECT name, type FROM sqlite_master WHERE (type='table' AND name NOT LIKE 'sqlite_%') "
        "OR (type='view' AND name=?) ORDER BY name", (legacy_map.VIEW,)).fetchall()
    # (the legacy-id map's view has a row per row of the map: counted there, without the join)
    return {n: con.execute(
        f"SELECT count(*) FROM {quote_ident(legacy_map.ROWS if kind == 'view' else n)}"
    ).fetchone()[0] for n, kind in names}
