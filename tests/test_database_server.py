"""A legacy database on a real PostgreSQL server (started on loopback for these tests):
the same migration as from the CSV files, typed values, one read-only snapshot, and the
password never kept. Without the server's binaries these tests are skipped, saying which
are missing."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import pgserver
from conftest import MINI, write_mini
from test_database_source import _by_legacy_id, _problems
from wizard.core.readers import CORRUPT, LINE

_WHY = pgserver.missing()
pytestmark = pytest.mark.skipif(_WHY is not None, reason=_WHY or "")


@pytest.fixture(scope="module")
def server():
    s = pgserver.Server()
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
    c = server.connect()
    c.execute(f'CREATE DATABASE "{database}"')
    c.close()
    c = server.connect(database)
    for f in sorted(folder.glob("*.csv")):
        with open(f, newline="", encoding="utf-8") as fh:
            r = csv.reader(fh)
            header = next(r)
            cols = ", ".join(f'"{h}" text' for h in header)
            c.execute(f'CREATE TABLE "{f.stem}" (csv_line integer PRIMARY KEY, {cols})')
            start = r.line_num + 1
            with c.cursor() as cur:
                for row in r:
                    cur.execute(f'INSERT INTO "{f.stem}" VALUES '
                                f'({", ".join(["%s"] * (len(row) + 1))})', [start, *row])
                    start = r.line_num + 1
    c.close()


def test_the_same_migration_as_from_the_csv_files(server, tmp_path):
    folder = write_mini(tmp_path / "csv")
    (folder / "patients.csv").write_text("\n".join(MINI["patients.csv"][:-1]) + "\n",
                                         encoding="utf-8")  # no ragged record in a table
    _load_csv(server, "mini", folder)
    url = server.url("mini")  # no password: it comes from HMSYNC_SOURCE_PASSWORD
    profile = tmp_path / "profile.yaml"
    assert cli("suggest", folder, "--output", profile)[0] == 0
    out = {}
    for kind, source in (("csv", folder), ("pg", url)):
        target = tmp_path / f"{kind}.db"
        assert cli("init-db", target)[0] == 0
        rc, text = cli("run", source, "--target", target, "--profile", profile,
                       "--no-backup", "--accept-suggestions", "--report",
                       tmp_path / f"{kind}.json", "--issues", tmp_path / f"{kind}.csv",
                       log_dir=tmp_path / "logs")
        assert rc == 1, text
        out[kind] = target
    rep = {k: json.loads((tmp_path / f"{k}.json").read_text()) for k in out}
    keep = ("source_rows", "imported", "duplicates", "rejected")
    assert {t: {k: s[k] for k in keep} for t, s in rep["csv"]["tables"].items()} == \
        {t: {k: s[k] for k in keep} for t, s in rep["pg"]["tables"].items()}
    assert _by_legacy_id(out["csv"]) == _by_legacy_id(out["pg"])
    csv_problems = _problems(tmp_path / "csv.csv", lambda f: Path(f).stem)
    pg_problems = _problems(tmp_path / "pg.csv", lambda f: f.split("#", 1)[1])
    assert csv_problems == pg_problems and len(pg_problems) > 5  # csv_line = the CSV line
    # the password is in nothing the wizard wrote: report, problem list, database, and
    # the log (kept under tmp_path for these runs) if anything was logged
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert pgserver.PASSWORD.encode() not in f.read_bytes(), f.name


def test_typed_values_one_read_only_snapshot_and_no_password(server, tmp_path):
    from wizard.core.readers.database import snapshot
    from wizard.core.readers.server import open_server
    c = server.connect()
    c.execute('CREATE DATABASE "typed"')
    c.close()
    c = server.connect("typed")
    c.execute("CREATE TABLE patients (id integer PRIMARY KEY, name text, born date, "
              "weight numeric(6,2), active boolean, seen timestamp, photo bytea)")
    c.execute("INSERT INTO patients VALUES (7, 'Zoë Ångström', '1980-02-29', 70.25, true, "
              "'2022-03-01 10:30:00', NULL), (12, 'Ravi', NULL, 0.10, false, NULL, "
              "'\\xfffe'), (40, 'Mei 美', '2001-12-31', 80, NULL, '2020-01-01', NULL)")
    c.execute("CREATE TABLE codes (code text PRIMARY KEY, label text)")
    c.execute("INSERT INTO codes VALUES ('B', 'second'), ('A', 'first')")
    c.execute("CREATE VIEW heavy AS SELECT name FROM patients WHERE weight > 1")
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
    assert df["active"].tolist() == ["true", "false", ""]
    assert df["seen"].tolist() == ["2022-03-01 10:30:00", "", "2020-01-01"]
    assert df["name"].tolist() == ["Zoë Ångström", "Ravi", "Mei 美"]
    assert df[CORRUPT].tolist()[0] == "" and "binary" in df[CORRUPT].tolist()[1]
    codes = pd.concat(list(tables["typed#codes"].iter_chunks()))
    assert codes["code"].tolist() == ["A", "B"] and codes[LINE].tolist() == [1, 2]
    # one snapshot: a write meanwhile is not seen; the wizard's own writes are refused
    with snapshot(tables.values()):
        assert p.estimate_rows() == 3
        c.execute("INSERT INTO patients (id, name) VALUES (99, 'late')")
        assert p.estimate_rows() == 3 and sum(len(x) for x in p.iter_chunks()) == 3
        with p.database.reading() as con:
            with pytest.raises(Exception, match="read-only"):
                con.exec_driver_sql("DELETE FROM patients")
    assert p.estimate_rows() == 4
    assert c.execute("SELECT count(*) FROM patients").fetchone()[0] == 4
    c.close()
    # a profile's query runs on the server too, in the same snapshot as its tables
    from wizard.core.mapping import TableMap
    from wizard.core.readers.database import query_tables
    (q,) = query_tables(list(tables.values()), [TableMap(
        "light", "patients", query="SELECT id, name FROM patients WHERE weight < 75")])
    assert q.name == "typed#light" and q.columns == ["id", "name"]
    got = pd.concat(list(q.iter_chunks()))
    assert sorted(got["name"]) == ["Ravi", "Zoë Ångström"] and q.location(1) == "row 1"
