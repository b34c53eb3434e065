"""A legacy database on a real server (PostgreSQL and MariaDB, each started on loopback
for these tests): the same migration as from the CSV files, typed values, one read-only
snapshot, and the password never kept. A server whose binaries are missing is named in
the skip; under CI (CI=true) it fails the tests instead, so CI always runs them."""
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import mariadbserver
import pgserver
from test_database_source import _by_legacy_id, _problems
from wizard.core.readers import CORRUPT, LINE

SERVERS = {"postgresql": pgserver, "mariadb": mariadbserver}


class SqliteFiles:
    """SQLite files standing in for a server, so one test holds the three together."""
    kind = "sqlite"
    PASSWORD = "no password for a file"

    def __init__(self, folder: Path):
        self.folder = folder

    @staticmethod
    def quote(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def url(self, database: str, password: bool = False) -> str:
        return f"sqlite:///{self.folder / (database + '.db')}"

    def create_database(self, name: str) -> None:
        pass

    def connect(self, database: str):
        return sqlite3.connect(self.folder / f"{database}.db", isolation_level=None)

    def stop(self):
        shutil.rmtree(self.folder, ignore_errors=True)


def _start(kind: str, tmp_path_factory):
    if kind == "sqlite":
        return SqliteFiles(tmp_path_factory.mktemp("sqlite"))
    mod = SERVERS[kind]
    why = mod.missing()
    if why is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the {kind} tests: {why}")
        pytest.skip(why)
    return mod.Server()


@pytest.fixture(scope="module", params=list(SERVERS))
def server(request, tmp_path_factory):
    s = _start(request.param, tmp_path_factory)
    yield s
    s.stop()


@pytest.fixture(scope="module", params=["sqlite", *SERVERS])
def any_database(request, tmp_path_factory):
    s = _start(request.param, tmp_path_factory)
    yield s
    s.stop()


def cli(*args, password=True, log_dir=None):
    env = dict(os.environ)
    if log_dir is not None:
        env["HMSYNC_WIZARD_LOG_DIR"] = str(log_dir)
    env.pop("HMSYNC_SOURCE_PASSWORD", None)
    if password:
        env["HMSYNC_SOURCE_PASSWORD"] = pgserver.PASSWORD
    p = subprocess.run([sys.executable, "-m", "wizard.cli", *map(str, args)],
                       capture_output=True, text=True, timeout=300, env=env,
                       stdin=subprocess.DEVNULL)
    assert "Traceback" not in p.stdout + p.stderr, p.stderr
    return p.returncode, p.stdout + p.stderr


def _load_csv(server, database, folder):
    """Each CSV file a table, all text, with the CSV line of each record as its integer
    primary key (csv_line)."""
    server.create_database(database)
    q = server.quote
    c = server.connect(database)
    mark = "?" if server.kind == "sqlite" else "%s"
    for f in sorted(folder.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            r = csv.reader(fh)
            header = next(r)
            cols = ", ".join(f"{q(h)} text" for h in header)
            rows = []
            start = r.line_num + 1
            for row in r:
                rows.append([start, *row])
                start = r.line_num + 1
        cur = c.cursor()
        cur.execute(f"CREATE TABLE {q(f.stem)} (csv_line integer PRIMARY KEY, {cols})")
        cur.executemany(f"INSERT INTO {q(f.stem)} VALUES "
                        f"({', '.join([mark] * (len(header) + 1))})", rows)
        cur.close()
    c.close()


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def test_the_same_migration_as_from_the_csv_files(any_database, tmp_path):
    """The generator's export (with its defects) run from its CSV files and from a database
    holding it: the same HMSync rows, counts and rejected records, the same problems at
    the same records (csv_line, the table's primary key, is the CSV line)."""
    from wizard.testing.legacy_export import generate
    folder = tmp_path / "csv"
    generate(folder, patients=300, visits=1200, doctors=12, seed=7, dirty=0.08)
    os.replace(folder / "manifest.json", tmp_path / "manifest.json")
    _load_csv(any_database, "gen", folder)
    url = any_database.url("gen")  # no password: it comes from HMSYNC_SOURCE_PASSWORD
    profile = tmp_path / "profile.yaml"
    assert cli("suggest", folder, "--output", profile)[0] == 0
    out = {}
    for kind, source in (("csv", folder), ("db", url)):
        target = tmp_path / f"{kind}.db"
        assert cli("init-db", target)[0] == 0
        rc, text = cli("run", source, "--target", target, "--profile", profile,
                       "--no-backup", "--accept-suggestions", "--report",
                       tmp_path / f"{kind}.json", "--issues", tmp_path / f"{kind}.csv",
                       "--rejected", tmp_path / f"{kind}-rejected",
                       log_dir=tmp_path / "logs")
        assert rc == 1, text
        out[kind] = target
    rep = {k: json.loads((tmp_path / f"{k}.json").read_text()) for k in out}
    keep = ("source_rows", "imported", "duplicates", "rejected")
    assert {t: {k: s[k] for k in keep} for t, s in rep["csv"]["tables"].items()} == \
        {t: {k: s[k] for k in keep} for t, s in rep["db"]["tables"].items()}
    assert rep["db"]["tables"]["visits"]["imported"] > 900
    assert _by_legacy_id(out["csv"]) == _by_legacy_id(out["db"])
    csv_problems = _problems(tmp_path / "csv.csv", lambda f: Path(f).stem)
    db_problems = _problems(tmp_path / "db.csv", lambda f: f.split("#", 1)[1])
    assert csv_problems == db_problems and len(db_problems) > 50
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    wanted = {(Path(d["file"]).stem, d["line"]) for d in manifest["defects"]}
    assert wanted <= {(t, n) for t, n, *_ in db_problems}  # each defect at its record
    files = sorted(p.name for p in (tmp_path / "db-rejected").iterdir())
    assert files
    for f in files:  # the same records, with the table's key column (csv_line) first
        db_rows = _rows(tmp_path / "db-rejected" / f)
        assert db_rows[0][0] == "csv_line" and len(db_rows) > 1
        assert [r[1:] for r in db_rows] == \
            _rows(tmp_path / "csv-rejected" / f.split("-", 1)[1])
    # the password is in nothing the wizard wrote: report, problem list, database, and
    # the log (kept under tmp_path for these runs) if anything was logged
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert pgserver.PASSWORD.encode() not in f.read_bytes(), f.name


#: a table of typed values in each server's own types (MariaDB's boolean is a TINYINT)
TYPED = {
    "postgresql": (
        "CREATE TABLE patients (id integer PRIMARY KEY, name text, born date, "
        "weight numeric(6,2), active boolean, seen timestamp, photo bytea)",
        "'\\xfffe'", "code text PRIMARY KEY", ["true", "false", ""]),
    "mariadb": (
        "CREATE TABLE patients (id integer PRIMARY KEY, name text, born date, "
        "weight decimal(6,2), active boolean, seen datetime, photo blob)",
        "X'FFFE'", "code varchar(8) PRIMARY KEY", ["1", "0", ""]),
}


def _sql(c, sql: str):
    cur = c.cursor()
    cur.execute(sql)
    return cur


def test_typed_values_one_read_only_snapshot_and_no_password(server, tmp_path):
    from wizard.core.readers.database import snapshot
    from wizard.core.readers.server import open_server
    create, blob, code, active = TYPED[server.kind]
    server.create_database("typed")
    c = server.connect("typed")
    _sql(c, create)
    _sql(c, "INSERT INTO patients VALUES (7, 'Zoë Ångström', '1980-02-29', 70.25, true, "
         "'2022-03-01 10:30:00', NULL), (12, 'Ravi', NULL, 0.10, false, NULL, "
         f"{blob}), (40, 'Mei 美', '2001-12-31', 80, NULL, '2020-01-01', NULL)")
    _sql(c, f"CREATE TABLE codes ({code}, label text)")
    _sql(c, "INSERT INTO codes VALUES ('B', 'second'), ('A', 'first')")
    _sql(c, "CREATE VIEW heavy AS SELECT name FROM patients WHERE weight > 1")
    with pytest.raises(Exception):  # no password, none in the environment: refused
        os.environ.pop("HMSYNC_SOURCE_PASSWORD", None)
        open_server(server.url("typed"))
    tables = {t.name: t for t in open_server(server.url("typed", password=True))}
    assert set(tables) == {"typed#patients", "typed#codes", "typed#heavy"}
    p = tables["typed#patients"]
    assert pgserver.PASSWORD not in str(p.path) + p.database.url
    df = pd.concat(list(p.iter_chunks(2)), ignore_index=True)
    assert df[LINE].tolist() == [7, 12, 40] and p.location(12) == "id 12"
    assert df["born"].tolist() == ["1980-02-29", "", "2001-12-31"]
    assert df["weight"].tolist() == ["70.25", "0.10", "80.00"]
    assert df["active"].tolist() == active
    assert df["seen"].tolist() == ["2022-03-01 10:30:00", "", "2020-01-01"]
    assert df["name"].tolist() == ["Zoë Ångström", "Ravi", "Mei 美"]
    assert df[CORRUPT].tolist()[0] == "" and "binary" in df[CORRUPT].tolist()[1]
    codes = pd.concat(list(tables["typed#codes"].iter_chunks()))
    assert codes["code"].tolist() == ["A", "B"] and codes[LINE].tolist() == [1, 2]
    # one snapshot: a write meanwhile is not seen; the wizard's own writes are refused
    with snapshot(tables.values()):
        assert p.estimate_rows() == 3
        _sql(c, "INSERT INTO patients (id, name) VALUES (99, 'late')")
        assert p.estimate_rows() == 3 and sum(len(x) for x in p.iter_chunks()) == 3
        with p.database.reading() as con:
            with pytest.raises(Exception, match="(?i)read.only"):
                con.exec_driver_sql("DELETE FROM patients")
    assert p.estimate_rows() == 4
    assert _sql(c, "SELECT count(*) FROM patients").fetchone()[0] == 4
    c.close()
    # a profile's query runs on the server too, in the same snapshot as its tables
    from wizard.core.mapping import TableMap
    from wizard.core.readers.database import query_tables
    (q,) = query_tables(list(tables.values()), [TableMap(
        "light", "patients", query="SELECT id, name FROM patients WHERE weight < 75")])
    assert q.name == "typed#light" and q.columns == ["id", "name"]
    got = pd.concat(list(q.iter_chunks()))
    assert sorted(got["name"]) == ["Ravi", "Zoë Ångström"] and q.location(1) == "row 1"


#: a stand-in for the keyring library (not a dependency of the wizard): the passwords of
#: the JSON file named by HMSYNC_TEST_KEYRING, by (service, user name)
FAKE_KEYRING = '''
import json, os

class NoKeyringError(RuntimeError):
    pass

class _Backend:
    priority = 1

def get_keyring():
    return _Backend()

def get_password(service, username):
    path = os.environ.get("HMSYNC_TEST_KEYRING")
    if not path:
        raise NoKeyringError("No recommended backend was available.")
    with open(path) as f:
        return json.load(f).get(service + " " + username)
'''


def test_the_password_from_the_system_keyring_is_kept_nowhere(server, tmp_path,
                                                              monkeypatch):
    """A URL without a password, none in the environment: the system keyring gives it (by
    service and the URL without its password), for the command line's run and for the
    session; the project file, report, problem list and log never hold it. No password
    in the keyring, or no keyring: said, and the server refuses."""
    from wizard.core.readers.credentials import SERVICE
    from wizard.core.session import MigrationSession
    server.create_database("kr")
    c = server.connect("kr")
    cols = ["patientId", "firstName", "lastName", "phoneNumber", "gender"]
    _sql(c, f"CREATE TABLE patients (id integer PRIMARY KEY, "
         f"{', '.join(server.quote(n) + ' text' for n in cols)}, age integer, "
         f"{server.quote('registrationDate')} date)")
    _sql(c, "INSERT INTO patients VALUES (1, 'P1', 'Zoë', 'Ångström', '+919811111111', "
         "'F', 40, '2022-01-15'), (2, 'P2', 'Ravi', 'Kumar', '+919822222222', 'M', 35, "
         "'2022-02-01')")
    c.close()
    url = server.url("kr")
    fake = tmp_path / "fake"
    (fake / "keyring").mkdir(parents=True)
    (fake / "keyring" / "__init__.py").write_text(FAKE_KEYRING)
    store = tmp_path / "keyring.json"
    store.write_text(json.dumps({f"{SERVICE} {url}": pgserver.PASSWORD}))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(fake)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    monkeypatch.setenv("HMSYNC_TEST_KEYRING", str(store))
    target = tmp_path / "t.db"
    assert cli("init-db", target)[0] == 0
    rc, out = cli("run", url, "--target", target, "--no-backup", "--accept-suggestions",
                  "--report", tmp_path / "r.json", "--issues", tmp_path / "i.csv",
                  password=False, log_dir=tmp_path / "logs")
    assert rc == 0, out
    assert json.loads((tmp_path / "r.json").read_text())["tables"]["patients"][
        "imported"] == 2
    # the session (the wizard's) finds it there too, and its project file does not hold it
    monkeypatch.syspath_prepend(str(fake))
    monkeypatch.delitem(sys.modules, "keyring", raising=False)
    from wizard.core.readers import server as srv
    monkeypatch.setattr(srv, "_PASSWORDS", {})
    monkeypatch.setattr(srv, "_FROM", {})
    session = MigrationSession(source_system="x")
    session.add_sources([url])
    session.open_sources([])
    assert [t.name for t in session.tables] == ["kr#patients"], session.read_errors
    assert srv.password_source(url) == "keyring"
    session.save_project(tmp_path / "project")
    for f in tmp_path.rglob("*"):
        if f.is_file() and f.name != "keyring.json":
            assert pgserver.PASSWORD.encode() not in f.read_bytes(), f.name
    assert list(tmp_path.glob("*.hmsync-migration")) and \
        url in (tmp_path / "project.hmsync-migration").read_text()
    # nothing in the keyring for the URL, then no keyring at all: said, and refused
    store.write_text("{}")
    rc, out = cli("inspect", url, "--no-sample", password=False)
    assert rc == 2 and "holds no password" in out, out
    monkeypatch.delenv("HMSYNC_TEST_KEYRING")
    rc, out = cli("inspect", url, "--no-sample", password=False)
    assert rc == 2 and "no system keyring is available" in out, out
