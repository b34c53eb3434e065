"""The integrity check used after a commit and by `verify`: structure and index contents."""
import sqlite3

from wizard.core.verify import integrity_check


def _db(path, rows=3000):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT, y TEXT)")
    con.execute("CREATE INDEX ix_a_x ON a(x)")
    con.execute("CREATE TABLE b (id TEXT PRIMARY KEY, z REAL)")
    con.executemany("INSERT INTO a (x, y) VALUES (?, ?)",
                    [(f"x{i}", f"y{i % 7}") for i in range(rows)])
    con.executemany("INSERT INTO b VALUES (?, ?)", [(f"k{i}", i / 3) for i in range(rows)])
    con.commit()
    return con


def test_a_sound_database_is_ok(tmp_path):
    con = _db(tmp_path / "ok.db")
    assert integrity_check(con) == ["ok"]
    assert [r[0] for r in con.execute("PRAGMA integrity_check")] == ["ok"]


def test_an_index_that_disagrees_with_its_table_is_found(tmp_path):
    path = tmp_path / "bad.db"
    con = _db(path)
    # make the index describe another column than the one it was built from
    con.execute("PRAGMA writable_schema = ON")
    con.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ix_a_x ON a(y)' "
                "WHERE name = 'ix_a_x'")
    con.commit()
    con.close()
    con = sqlite3.connect(path)
    found = integrity_check(con)
    assert found != ["ok"]
    assert any("ix_a_x" in f for f in found)
    # the same verdict as SQLite's own whole-file check
    whole = [r[0] for r in con.execute("PRAGMA integrity_check")]
    assert whole != ["ok"] and set(found) == set(whole)
