"""HMSync's schema as plain data (what a migration run uses, without SQLAlchemy) says
exactly what the SQLAlchemy metadata says: same fields, same SQL, word for word."""
import sqlite3
import subprocess
import sys
import textwrap

from wizard.core import schema
from wizard.core.schema import (DATA_TABLES, DDL, WIZARD_NAMES, WIZARD_TABLES, WIZARD_VIEWS,
                                ensure_wizard_tables, init_db, known_tables)
from wizard.core.schema_check import _declarations, compare, hmsync_declarations


def _master(con):
    return sorted(tuple(r) for r in con.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master"))


def _ordered(tables):
    return [(n, t.person_key, [(k, f.__dict__) for k, f in t.fields.items()])
            for n, t in tables.items()]


def test_known_tables_equal_what_the_metadata_defines():
    assert _ordered(known_tables()) == _ordered(schema._known_tables_from_metadata())


def test_known_tables_are_fresh_copies():
    a = known_tables()
    a["patients"].fields["gender"].enum.append("X")
    a["patients"].fields["age"].max = 1
    b = known_tables()
    assert b["patients"].fields["gender"].enum == ["M", "F", "O"]
    assert b["patients"].fields["age"].max == 150


def test_ddl_is_what_sqlalchemy_compiles_for_every_table():
    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.schema import CreateIndex, CreateTable
    dialect = sqlite_dialect.dialect()
    md = schema.metadata
    assert set(DDL) == set(md.tables) == set(DATA_TABLES) | set(WIZARD_TABLES)
    for name, t in md.tables.items():
        create, *indexes = DDL[name]
        assert create == str(CreateTable(t).compile(dialect=dialect)), name
        assert sorted(indexes) == sorted(str(CreateIndex(ix).compile(dialect=dialect))
                                         for ix in t.indexes), name


def test_ddl_creates_the_same_database_as_init_db(tmp_path):
    made = tmp_path / "init.db"
    init_db(made)
    con = sqlite3.connect(made)
    want = _master(con)
    con.close()
    plain = sqlite3.connect(":memory:")
    for name in DATA_TABLES + WIZARD_TABLES:
        for sql in DDL[name]:
            plain.execute(sql)
    for sql in WIZARD_VIEWS.values():
        plain.execute(sql)
    assert _master(plain) == want
    plain.close()


def test_wizard_tables_added_to_an_hmsync_database_as_init_db_makes_them(tmp_path):
    made = tmp_path / "init.db"
    init_db(made)
    con = sqlite3.connect(made)
    want = [r for r in _master(con) if r[2] in WIZARD_NAMES]
    con.close()
    assert any(r[0] == "view" for r in want)  # the legacy-id map's, by its old name
    bare = sqlite3.connect(":memory:")
    for name in DATA_TABLES:
        for sql in DDL[name]:
            bare.execute(sql)
    ensure_wizard_tables(bare)
    assert [r for r in _master(bare) if r[2] in WIZARD_NAMES] == want
    ensure_wizard_tables(bare)  # present already: nothing happens
    bare.close()


def test_hmsync_declarations_equal_those_of_the_metadata():
    from sqlalchemy import create_engine
    eng = create_engine("sqlite://")
    try:
        schema.metadata.create_all(eng)
        raw = eng.raw_connection()
        try:
            want = _declarations(raw)
        finally:
            raw.close()
    finally:
        eng.dispose()
    got = hmsync_declarations()
    assert got == want
    assert {r[2] for r in got} == set(DATA_TABLES)


def test_changed_declaration_still_compared_with_alembic(tmp_path):
    db = tmp_path / "t.db"
    init_db(db)
    assert compare(db) == []
    con = sqlite3.connect(db)
    con.execute('CREATE INDEX "ix_extra" ON patients ("lastName")')
    con.commit()
    con.close()
    assert [(d.kind, d.table) for d in compare(db)] == [("extra_index", "patients")]


def test_a_run_loads_neither_sqlalchemy_nor_alembic(tmp_path, mini_export):
    target = tmp_path / "t.db"
    init_db(target)
    code = textwrap.dedent(f"""
        import sys
        from wizard.cli import main
        rc = main(["run", {str(mini_export)!r}, "--target", {str(target)!r}, "--no-backup",
                   "--quiet", "--report", {str(tmp_path / "r.json")!r}])
        loaded = sorted(m for m in sys.modules
                        if m.split(".")[0] in ("sqlalchemy", "alembic"))
        print("RC", rc)
        print("LOADED", loaded)
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert "RC 1" in lines  # the mini export's defects leave records out
    assert "LOADED []" in lines
    con = sqlite3.connect(target)
    assert con.execute("SELECT count(*) FROM migration_runs").fetchone()[0] == 1
    con.close()
