"""A legacy SQLite database as a source: its tables and views read as legacy tables, typed
values written out exactly, records located by key, the file never written, and the same
migration as from the CSV export it holds."""
import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import MINI, write_mini
from dbdump import dump
from wizard.core.readers import CORRUPT, LINE, SourceError, open_source, open_sources
from wizard.core.readers.database import mask_url, snapshot, source_path
from wizard.core.readers.server import source_location


def cli(*args):
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def csv_to_sqlite(folder: Path, db: Path, skip_ragged: bool = False) -> set:
    """Every CSV of ``folder`` as a table of ``db``, all text, each record's rowid its
    line in the CSV (so a problem's place can be compared with the CSV run's). Returns
    the (table, line) of ragged records left out (a database cannot hold them)."""
    skipped = set()
    con = sqlite3.connect(db)
    for f in sorted(folder.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            r = csv.reader(fh)
            header = next(r)
            cols = ", ".join(f'"{c}" TEXT' for c in header)
            con.execute(f'CREATE TABLE "{f.stem}" ({cols})')
            start = r.line_num + 1
            for row in r:
                if len(row) != len(header):
                    assert skip_ragged, f"{f.name}: ragged line {start}"
                    skipped.add((f.stem, start))
                    start = r.line_num + 1
                    continue
                marks = ", ".join("?" * (len(row) + 1))
                names = ", ".join(["rowid"] + [f'"{c}"' for c in header])
                con.execute(f'INSERT INTO "{f.stem}" ({names}) VALUES ({marks})',
                            [start, *row])
                start = r.line_num + 1
    con.commit()
    con.close()
    return skipped


@pytest.fixture
def mini_pair(tmp_path):
    """The mini export without its ragged record (a database cannot hold one), as CSV files
    and as an SQLite database."""
    folder = write_mini(tmp_path / "csv")
    lines = MINI["patients.csv"][:-1]
    (folder / "patients.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = tmp_path / "legacy.db"
    csv_to_sqlite(folder, db)
    return folder, db


def _frozen(path: Path):
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, st.st_size


def _typed_db(path: Path) -> Path:
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE patients (patient_id INTEGER PRIMARY KEY, name TEXT, weight REAL,
                               visits INTEGER, born TEXT, photo BLOB);
        INSERT INTO patients VALUES (7, 'Zoë Ångström', 70.25, 3, '1980-02-29', NULL);
        INSERT INTO patients VALUES (12, 'Ravi', 0.1, 12345678901234, '1990-01-01', X'FFFE00');
        INSERT INTO patients VALUES (40, 'Mei', 80.0, NULL, NULL, CAST('text' AS BLOB));
        CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
        INSERT INTO codes VALUES ('B', 'second'), ('A', 'first');
        CREATE TABLE notes (body TEXT);
        INSERT INTO notes VALUES ('one'), ('two');
        CREATE VIEW heavy AS SELECT name, weight FROM patients WHERE weight > 1;
    """)
    con.commit()
    con.close()
    return path


def test_tables_and_views_are_legacy_tables_with_typed_values(tmp_path):
    db = _typed_db(tmp_path / "clinic.sqlite")
    tables = {t.name: t for t in open_source(db)}
    assert set(tables) == {"clinic.sqlite#patients", "clinic.sqlite#codes",
                           "clinic.sqlite#notes", "clinic.sqlite#heavy"}
    p = tables["clinic.sqlite#patients"]
    assert p.stem == "patients" and p.columns == ["patient_id", "name", "weight", "visits",
                                                   "born", "photo"]
    rows = list(p.iter_chunks(2))
    assert [len(c) for c in rows] == [2, 1]  # chunked as asked
    df = pd.concat(rows, ignore_index=True)
    # numbers written exactly, not as a spreadsheet would show them; NULL is empty
    assert df["weight"].tolist() == ["70.25", "0.1", "80"]
    assert df["visits"].tolist() == ["3", "12345678901234", ""]
    assert df["name"].tolist()[0] == "Zoë Ångström"
    # located by the integer primary key, not by a position
    assert df[LINE].tolist() == [7, 12, 40] and p.location(12) == "patient_id 12"
    # binary data that is not text marks its record, which validation rejects
    assert df[CORRUPT].tolist()[0] == "" and "binary" in df[CORRUPT].tolist()[1]
    assert df[CORRUPT].tolist()[2] == "" and df["photo"].tolist()[2] == "text"
    codes = pd.concat(list(tables["clinic.sqlite#codes"].iter_chunks()))
    assert codes["code"].tolist() == ["A", "B"] and codes[LINE].tolist() == [1, 2]
    assert tables["clinic.sqlite#codes"].location(2) == "row 2"
    notes = tables["clinic.sqlite#notes"]
    assert notes.location(1) == "rowid 1" and notes.estimate_rows() == 2
    heavy = pd.concat(list(tables["clinic.sqlite#heavy"].iter_chunks()))
    assert heavy["name"].tolist() == ["Mei", "Zoë Ångström"]  # in the columns' order


def test_text_that_is_not_utf8_is_kept_and_flagged(tmp_path):
    db = tmp_path / "l.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO t VALUES (1, CAST(X'4DFC6C6C6572' AS TEXT))")  # latin-1 Müller
    con.execute("INSERT INTO t VALUES (2, 'ok')")
    con.commit()
    con.close()
    (t,) = open_source(db)
    df = next(t.iter_chunks())
    assert "not valid UTF-8" in df[CORRUPT][0] and "'name'" in df[CORRUPT][0]
    assert df[CORRUPT][1] == ""


def test_the_database_is_never_written(tmp_path, mini_pair):
    _, db = mini_pair
    before = _frozen(db)
    tables = open_source(db)
    with snapshot(tables):
        for t in tables:
            for _ in t.iter_chunks(2):
                pass
    # a write through the wizard's own connection is refused
    with tables[0].database.reading() as con:
        with pytest.raises(sqlite3.Error):
            con.execute('DELETE FROM "patients"')
    target = tmp_path / "t.db"
    assert cli("init-db", target)[0] == 0
    rc, out = cli("run", f"sqlite:///{db}", "--target", target, "--no-backup")
    assert rc == 1, out
    assert _frozen(db) == before
    assert not Path(f"{db}-journal").exists() and not Path(f"{db}-wal").exists()


def test_one_snapshot_however_the_database_changes_meanwhile(tmp_path):
    db = tmp_path / "live.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")  # a live system's writers do not wait for readers
    con.execute("CREATE TABLE a (x INTEGER)")
    con.execute("CREATE TABLE b (x INTEGER)")
    con.executemany("INSERT INTO a VALUES (?)", [(i,) for i in range(5)])
    con.executemany("INSERT INTO b VALUES (?)", [(i,) for i in range(5)])
    con.commit()
    ta, tb = sorted(open_source(db), key=lambda t: t.name)
    with snapshot([ta, tb]):
        assert sum(len(c) for c in ta.iter_chunks(2)) == 5
        con.execute("INSERT INTO b VALUES (99)")  # the legacy system writes meanwhile
        con.commit()
        assert tb.estimate_rows() == 5 and sum(len(c) for c in tb.iter_chunks(2)) == 5
    assert tb.estimate_rows() == 6  # a read after the snapshot sees the new state
    con.close()


def test_urls_paths_and_masked_passwords(tmp_path):
    assert source_path("sqlite:////tmp/legacy.db") == Path("/tmp/legacy.db")
    assert source_path("sqlite:///rel/legacy%20old.db") == Path("rel/legacy old.db")
    assert source_path("export/patients.csv") == Path("export/patients.csv")
    url = "postgresql+psycopg://consultant:s3cret@db.clinic:5432/his"
    assert mask_url(url) == "postgresql+psycopg://consultant:***@db.clinic:5432/his"
    assert mask_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    with pytest.raises(SourceError) as e:
        source_path(url)
    assert "s3cret" not in str(e.value) and "postgresql" in str(e.value)
    # a server's URL is kept without its password (held in this process's memory only)
    kept = source_location(url)
    assert kept == "postgresql+psycopg://consultant@db.clinic:5432/his"
    assert source_location("sqlite:////tmp/legacy.db") == Path("/tmp/legacy.db")
    with pytest.raises(SourceError):
        source_path("sqlite://")


def test_a_folder_scan_leaves_databases_alone(tmp_path, mini_pair):
    folder, db = mini_pair
    os.replace(db, folder / "hmsync.db")  # the HMSync database kept beside the export
    tables, errors = open_sources([folder])
    assert not errors and all(t.format == "csv" for t in tables)


def test_not_a_database_and_empty_are_named(tmp_path):
    bad = tmp_path / "old.db"
    bad.write_text("id,name\n1,x\n")
    with pytest.raises(SourceError, match="not an SQLite database"):
        open_source(bad)
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match="empty"):
        open_source(empty)


def _by_legacy_id(db: Path) -> dict:
    """The HMSync tables' rows with each fresh UUID replaced by the legacy id it stands
    for (an import draws new ones every time)."""
    from wizard.core.schema import DATA_TABLES
    con = sqlite3.connect(db)
    ids = dict(con.execute('SELECT "hmsyncId", "tableName" || \':\' || "legacyId" '
                           "FROM migration_legacy_ids"))
    con.close()
    rows = dump(db, DATA_TABLES)
    return {t: sorted((tuple(ids.get(v, v) if isinstance(v, str) else v for v in r)
                       for r in rs), key=repr) for t, rs in rows.items()}


def _problems(path: Path, table_of) -> list[tuple]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return sorted((table_of(r["file"]), int(r["line"]), r["rule"], r["severity"])
                      for r in csv.DictReader(f))


def test_the_same_migration_as_from_the_csv_files(tmp_path, mini_pair):
    """The export run from CSV files and from the SQLite database holding it: the same
    HMSync database, the same counts, the same problems at the same places (the rowid is
    the CSV line here), the same rejected records."""
    folder, db = mini_pair
    profile = tmp_path / "profile.yaml"
    assert cli("suggest", folder, "--output", profile)[0] == 0
    out = {}
    for kind, source in (("csv", folder), ("db", f"sqlite:///{db}")):
        target = tmp_path / f"{kind}.db"
        assert cli("init-db", target)[0] == 0
        rc, text = cli("run", source, "--target", target, "--profile", profile,
                       "--no-backup", "--accept-suggestions", "--report",
                       tmp_path / f"{kind}.json", "--issues", tmp_path / f"{kind}.csv",
                       "--rejected", tmp_path / f"{kind}-rejected")
        assert rc == 1, text
        out[kind] = target
    rep = {k: json.loads((tmp_path / f"{k}.json").read_text()) for k in out}
    keep = ("source_rows", "imported", "duplicates", "rejected")
    assert {t: {k: s[k] for k in keep} for t, s in rep["csv"]["tables"].items()} == \
        {t: {k: s[k] for k in keep} for t, s in rep["db"]["tables"].items()}
    assert sum(s["imported"] for s in rep["db"]["tables"].values()) > 5
    assert _by_legacy_id(out["csv"]) == _by_legacy_id(out["db"])
    csv_problems = _problems(tmp_path / "csv.csv", lambda f: Path(f).stem)
    db_problems = _problems(tmp_path / "db.csv", lambda f: f.split("#", 1)[1])
    assert csv_problems == db_problems and len(db_problems) > 5
    assert ("patients", 4, "patients.fullName.required", "error") in db_problems
    files = sorted(p.name for p in (tmp_path / "db-rejected").iterdir())
    assert files and all(f.startswith("legacy-") for f in files)
    for f in files:
        twin = tmp_path / "csv-rejected" / f.removeprefix("legacy-")
        assert (tmp_path / "db-rejected" / f).read_text("utf-8-sig") == \
            twin.read_text("utf-8-sig")


def test_inspect_validate_and_suggest_take_the_url(tmp_path, mini_pair):
    _, db = mini_pair
    url = f"sqlite:///{db}"
    rc, out = cli("inspect", url, "--no-sample")
    assert rc == 0 and "legacy.db#patients" in out and "format sqlite" in out
    rc, out = cli("validate", url, "--accept-suggestions", "--issues", tmp_path / "i.csv")
    assert rc == 1, out
    rows = list(csv.DictReader(open(tmp_path / "i.csv", encoding="utf-8-sig")))
    assert {r["file"] for r in rows} >= {"legacy.db#patients", "legacy.db#visits"}
    rc, out = cli("suggest", url, "--output", tmp_path / "p.yaml")
    assert rc == 0 and "legacy.db#patients" in (tmp_path / "p.yaml").read_text()
    # a server that does not answer (nothing listens on port 1): named, the password not
    rc, out = cli("inspect", "mysql+pymysql://u:hunter2@127.0.0.1:1/db")
    assert rc == 2 and "hunter2" not in out and "cannot connect" in out, out


def test_a_generated_export_in_a_database_read_inline_and_by_the_helper(tmp_path):
    """The generator's export (with its defects) loaded into SQLite: validation finds each
    defect at its record's key, and the same whether the engine's process reads the
    database or the helper process does (each in one snapshot)."""
    from wizard.core.engine import Migration
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    from wizard.testing.legacy_export import generate
    folder = tmp_path / "export"
    manifest = generate(folder, patients=300, visits=1200, doctors=12, seed=7, dirty=0.08)
    db = tmp_path / "legacy.db"
    ragged = csv_to_sqlite(folder, db, skip_ragged=True)
    before = _frozen(db)
    tables = open_source(db)
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    results = [Migration(open_source(db), profile, None, parallel=parallel,
                         chunk_rows=250).validate() for parallel in (False, True)]
    inline, helped = results
    pd.testing.assert_frame_equal(inline.problems, helped.problems)
    found = {(f.split("#", 1)[1], int(n)) for f, n in
             zip(inline.problems["file"], inline.problems["line"])}
    wanted = {(Path(d["file"]).stem, d["line"]) for d in manifest["defects"]
              if d["kind"] not in ("cascade",)} - ragged
    assert len(wanted) > 20 and wanted <= found
    assert _frozen(db) == before


def test_a_profile_query_is_a_legacy_table(tmp_path, mini_pair):
    """A table of the profile defined by its own query, run on the legacy database in the
    same snapshot as the tables; a query that cannot run is named and stops the run."""
    import yaml
    _, db = mini_pair
    url = f"sqlite:///{db}"
    assert cli("suggest", url, "--output", tmp_path / "p.yaml")[0] == 0
    prof = yaml.safe_load((tmp_path / "p.yaml").read_text())
    tables = prof["tables"]
    entry = next(t for t in (tables if isinstance(tables, list) else
                             [dict(v, source=k) for k, v in tables.items()])
                 if t["source"].endswith("#bills"))
    entry = dict(entry, source="legacy.db#paid_bills",
                 query="SELECT * FROM bills WHERE status = 'PAID' ORDER BY billId")
    others = [dict(v, source=k) for k, v in tables.items()] if isinstance(tables, dict) \
        else tables
    prof["tables"] = [t for t in others if not t["source"].endswith("#bills")] + [entry]
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(prof, sort_keys=False))
    target = tmp_path / "t.db"
    assert cli("init-db", target)[0] == 0
    rc, out = cli("run", url, "--target", target, "--profile", tmp_path / "q.yaml",
                  "--no-backup", "--accept-suggestions", "--report", tmp_path / "r.json")
    assert rc == 1, out
    bills = json.loads((tmp_path / "r.json").read_text())["tables"]["bills"]
    assert bills["source_rows"] == 2 and bills["imported"] == 2
    con = sqlite3.connect(target)
    assert con.execute("SELECT count(*) FROM bills").fetchone()[0] == 2
    con.close()
    entry["query"] = "SELECT * FROM no_such_table"
    (tmp_path / "q.yaml").write_text(yaml.safe_dump(prof, sort_keys=False))
    rc, out = cli("validate", url, "--profile", tmp_path / "q.yaml", "--accept-suggestions")
    assert rc == 2 and "paid_bills" in out and "no such table" in out


def test_a_password_from_the_environment_else_the_keyring_else_why_not(monkeypatch):
    """Without the keyring library the lookup says so (the caller then asks); the
    environment comes first; a password found is never in what is shown of a lookup."""
    import sys as _sys
    from wizard.core.readers import credentials
    from wizard.core.readers import server as srv
    from wizard.core.readers.server import keep_url, needs_password, password_source
    monkeypatch.setattr(srv, "_PASSWORDS", {})  # none typed or named in a URL before
    monkeypatch.setattr(srv, "_FROM", {})
    url = keep_url("postgresql+psycopg://consultant@db.clinic:5432/his")
    monkeypatch.setitem(_sys.modules, "keyring", None)  # as if not installed
    monkeypatch.delenv(credentials.PASSWORD_ENV, raising=False)
    assert "keyring library is not installed" in credentials.keyring_status()
    found = credentials.look_up(url)
    assert found.password is None and "not installed" in found.note
    assert needs_password(url) and password_source(url) == ""
    monkeypatch.setenv(credentials.PASSWORD_ENV, "env-Pw-1")
    found = credentials.look_up(url)
    assert (found.password, found.source) == ("env-Pw-1", "environment")
    assert "env-Pw-1" not in repr(found)
    assert not needs_password(url) and password_source(url) == "environment"


def test_oracle_and_sql_server_urls_taken_and_missing_drivers_said(monkeypatch):
    """No Oracle or SQL Server to test against here: their URLs are kept without the
    password, a missing driver is named with what to install, and a server that does not
    answer is said, the password not."""
    import sys as _sys
    from wizard.core.readers.server import ServerDatabase, keep_url
    driver = "?driver=ODBC+Driver+18+for+SQL+Server"
    kept = keep_url(f"mssql+pyodbc://consultant:hunter2@sql.clinic:1433/his{driver}")
    assert kept == f"mssql+pyodbc://consultant@sql.clinic:1433/his{driver}"
    monkeypatch.setitem(_sys.modules, "pyodbc", None)  # as where it is not installed
    with pytest.raises(SourceError) as e:
        ServerDatabase(kept).engine()
    assert "pyodbc" in str(e.value) and "ODBC Driver 18 for SQL Server" in str(e.value)
    monkeypatch.setitem(_sys.modules, "cx_Oracle", None)
    with pytest.raises(SourceError) as e:
        ServerDatabase(keep_url("oracle+cx_oracle://u:hunter2@db.clinic/XE")).engine()
    assert "oracle+oracledb://" in str(e.value) and "hunter2" not in str(e.value)
    rc, out = cli("inspect", "oracle+oracledb://u:hunter2@127.0.0.1:1/?service_name=XE")
    assert rc == 2 and "cannot connect" in out and "hunter2" not in out, out
