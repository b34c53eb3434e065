"""The integrity check used after a commit and by `verify`: structure and index contents."""
import math
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


def test_the_longest_checks_are_handed_out_first(tmp_path):
    """A table with several indexes costs more to check than one with more rows and
    none; the quick_check of the whole file ranks by the file's size."""
    from wizard.core.verify import _longest_first
    con = _db(tmp_path / "order.db", rows=2000)
    con.execute("CREATE INDEX ix_a_y ON a(y)")
    con.execute("CREATE INDEX ix_a_xy ON a(x, y)")
    con.execute("CREATE TABLE c (v TEXT)")  # more rows, no index
    con.executemany("INSERT INTO c VALUES (?)", [(str(i),) for i in range(5000)])
    con.execute("CREATE TABLE d (v TEXT)")
    con.commit()
    order = _longest_first(con)
    assert order[0] == "a" and order.index("c") < order.index("b")
    assert sorted(order, key=str) == sorted(["a", "b", "c", "d", None], key=str)
    assert order[-1] == "d"
    assert integrity_check(con) == ["ok"]


def test_reference_check_counts_what_the_pragma_counts(tmp_path):
    """foreign_key_check() checks each distinct value once; it must count the same broken
    references as PRAGMA foreign_key_check, NULLs allowed, repeats counted per record."""
    from wizard.core.schema import init_db
    from wizard.core.verify import foreign_key_check
    db = tmp_path / "h.db"
    init_db(db)
    con = sqlite3.connect(db)
    con.executemany('INSERT INTO patients (id, "fullName", phone, gender) VALUES (?,?,?,?)',
                    [(f"p{i}", "A B", "+911234567890", "F") for i in range(50)])
    con.execute('INSERT INTO doctors (id, "fullName") VALUES (\'d1\', \'Dr A\')')
    rows = [(f"v{i}", f"p{i % 60}", "d1" if i % 7 else "d9", "2024-01-01") for i in range(300)]
    rows.append(("v-null", None, None, "2024-01-01"))
    con.executemany('INSERT INTO visits (id, "patientId", "doctorId", "visitDate") '
                    "VALUES (?,?,?,?)", rows)
    con.commit()
    pragma = len(con.execute("PRAGMA foreign_key_check(visits)").fetchall())
    assert pragma > 0
    assert foreign_key_check(con, "visits") == pragma
    assert foreign_key_check(con, "patients") == 0


def test_sums_per_group_equal_sqlites_group_by(monkeypatch):
    """The per-doctor totals are summed in Python as the rows are read, a few at a time;
    they equal SQLite's own GROUP BY with total(), values stored as text and empty keys
    included, and a table whose rows are not all this export's."""
    import random
    from wizard.core import verify
    from wizard.core.schema import known_tables
    monkeypatch.setattr(verify, "SUM_BATCH", 7)  # many batches, one cut inside a group
    con = sqlite3.connect(":memory:")
    con.execute('CREATE TABLE visits (id TEXT PRIMARY KEY, "doctorId" TEXT, '
                '"consultationFee" FLOAT)')
    con.execute('CREATE TABLE migration_legacy_ids ("sourceSystem" TEXT, "tableName" TEXT, '
                '"legacyId" TEXT, "hmsyncId" TEXT, "runId" INTEGER)')
    con.execute('CREATE TEMP TABLE run_present ("tableName" TEXT, "legacyId" TEXT)')
    rng = random.Random(5)
    fees = [None, 0, 12.5, "7.25", "abc", 1e6, 3, -0.0]
    for i in range(200):
        doc = rng.choice([None, "d1", "d2", "d3"])
        con.execute("INSERT INTO visits VALUES (?, ?, ?)", (f"v{i}", doc, rng.choice(fees)))
        if i % 3:  # this export's rows: two thirds, through the legacy-id map
            con.execute("INSERT INTO migration_legacy_ids VALUES ('legacy', 'visits', ?, ?, "
                        "1)", (f"L{i}", f"v{i}"))
    targets = known_tables()
    for fresh in (True, False):
        v = verify.Verifier(con, "legacy", 1, targets, {"visits"} if fresh else set())
        ours = v._ours("c", "visits")
        want = {k: [t] for k, t in con.execute(
            f'SELECT c."doctorId", total(c."consultationFee") FROM visits c WHERE {ours} '
            'GROUP BY 1', {"system": "legacy", "run": 1})}
        got = v._db_sums("visits", ["consultationFee"], "doctorId")
        assert got.keys() == want.keys() and None in got
        for k in want:
            assert math.isclose(got[k][0], want[k][0], abs_tol=1e-9)
        # two fields at once (the general path)
        two = v._db_sums("visits", ["consultationFee", "consultationFee"], "doctorId")
        assert two.keys() == want.keys()
        for k in want:
            assert math.isclose(two[k][0], want[k][0], abs_tol=1e-9) and two[k][0] == two[k][1]
        whole = v._db_sums("visits", ["consultationFee"])
        assert math.isclose(whole[None][0], sum(x[0] for x in want.values()), abs_tol=1e-9)
