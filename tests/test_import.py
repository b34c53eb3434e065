"""Backup, transactional import, idempotent re-runs, delta sync, verification, restore."""
import json
import os
import sqlite3
import stat

import pytest

from conftest import MINI_CLEAN, write_mini
from dbdump import dump as dump_tables
from wizard.core.backup import BackupError, make_backup, restore, verify_backup
from wizard.core.engine import CancelToken, Cancelled, Migration, MigrationError
from wizard.core.readers import open_sources
from wizard.core.schema import DATA_TABLES, init_db, known_tables
from wizard.core.suggest import suggest_profile

TABLES = DATA_TABLES


def counts(db):
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES}
    finally:
        con.close()


def dump(db):
    return dump_tables(db, TABLES)


def migration(folder, target, profile=None):
    tables, _ = open_sources([folder])
    profile = profile or suggest_profile(tables, known_tables(), source_system="hcp")
    return Migration(tables, profile, target)


def test_import_clean_records_with_uuids_and_legacy_ids(mini_export, empty_target):
    m = migration(mini_export, empty_target)
    b = m.make_backup()
    res = m.run()
    assert res.committed and res.passed, [c for c in (x.to_dict() for x in res.verification.checks)
                                          if not c["passed"]]
    assert counts(empty_target) == MINI_CLEAN
    con = sqlite3.connect(empty_target)
    pid, phone, gender, reg, age = con.execute(
        'SELECT id, phone, gender, "registrationDate", age FROM patients p JOIN '
        'migration_legacy_ids l ON l."hmsyncId"=p.id WHERE l."legacyId"=\'101\'').fetchone()
    assert len(pid) == 36 and pid[14] == "7" and pid[19] in "89ab"  # a v7 UUID (RFC 9562)
    assert (phone, gender, reg, age) == ("+919811111111", "M", "2022-01-15", 40)
    # foreign keys rewritten through the legacy map
    (n,) = con.execute('SELECT count(*) FROM visits WHERE "patientId"=?', (pid,)).fetchone()
    assert n == 1
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    # the department default applies where the legacy data has no department
    assert {r[0] for r in con.execute("SELECT department FROM doctors")} == {"General"}
    line = con.execute('SELECT "sourceFile", "sourceLine" FROM migration_legacy_ids WHERE '
                       '"tableName"=\'visits\' AND "legacyId"=\'V2\'').fetchone()
    assert line == ("visits.csv", 4)
    run = con.execute('SELECT status, "backupPath", sources, counts FROM migration_runs'
                      ).fetchone()
    con.close()
    assert run[0] == "committed" and run[1] == str(b.path)
    assert {s["table"] for s in json.loads(run[2])} >= {"patients.csv", "visits.csv"}
    assert json.loads(run[3])["visits"]["imported"] == MINI_CLEAN["visits"]


def test_reconciliation_and_totals_in_the_result(mini_export, empty_target):
    m = migration(mini_export, empty_target)
    m.make_backup()
    res = m.run()
    t = res.verification.tables
    for name, s in t.items():
        assert s["source_rows"] == s["imported"] + s["duplicates"] + s["rejected"]
    fee = next(c for c in (x.to_dict() for x in res.verification.checks) if c["name"].endswith("per doctor"))
    assert fee["passed"] and fee["per_doctor"]["D1"]["hmsync"] == 1250.0
    assert fee["per_doctor"]["D2"]["hmsync"] == 300.0


def test_second_run_adds_nothing_and_delta_adds_only_new(mini_export, empty_target, tmp_path):
    m = migration(mini_export, empty_target)
    m.make_backup()
    m.run()
    before = dump(empty_target)
    m2 = migration(mini_export, empty_target, m.profile)
    m2.make_backup()
    res = m2.run()
    assert res.passed and dump(empty_target) == before
    assert res.verification.tables["patients"]["duplicates"] == MINI_CLEAN["patients"]
    assert res.verification.tables["patients"]["imported"] == 0
    # a later export with one new patient and a visit of an already-imported patient
    delta = write_mini(tmp_path / "delta")
    with open(delta / "patients.csv", "ab") as f:
        f.write(b"120,New,Person,+919800000120,33,F,x,2022-06-01\r\n")
    with open(delta / "visits.csv", "ab") as f:
        f.write(b"V20,120,D1,2022-06-02,400,x,new\r\nV21,101,D2,2022-06-03,300,x,old patient\r\n")
    m3 = migration(delta, empty_target, m.profile)
    m3.make_backup()
    res = m3.run()
    assert res.passed
    after = counts(empty_target)
    assert after["patients"] == MINI_CLEAN["patients"] + 1
    assert after["visits"] == MINI_CLEAN["visits"] + 2


def test_refuses_without_backup_and_accepts_no_backup(mini_export, empty_target):
    m = migration(mini_export, empty_target)
    with pytest.raises(MigrationError, match="backup"):
        m.run()
    assert counts(empty_target) == dict.fromkeys(TABLES, 0)
    res = m.run(no_backup=True)
    assert res.committed


def test_backup_goes_stale_when_target_changes(mini_export, empty_target):
    m = migration(mini_export, empty_target)
    m.make_backup()
    con = sqlite3.connect(empty_target)
    con.execute("INSERT INTO doctors (id, \"fullName\") VALUES ('x', 'Dr. Native')")
    con.commit()
    con.close()
    with pytest.raises(MigrationError, match="changed since the backup"):
        m.run()


def test_dry_run_changes_nothing(mini_export, empty_target):
    before = dump(empty_target)
    m = migration(mini_export, empty_target)
    m.make_backup()
    res = m.run(dry_run=True)
    assert not res.committed and res.passed
    assert res.verification.tables["visits"]["imported"] == MINI_CLEAN["visits"]
    assert dump(empty_target) == before


def test_cancel_mid_import_rolls_back(mini_export, empty_target):
    before = dump(empty_target)
    m = migration(mini_export, empty_target)
    m.chunk_rows = 1
    m.make_backup()
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p)
        if p.stage == "import" and p.table == "visits" and p.done >= 2:
            token.cancel()

    with pytest.raises(Cancelled):
        m.run(progress=progress, cancel=token)
    assert dump(empty_target) == before
    assert any(p.table == "patients" and p.done for p in seen)  # patients had been inserted


def test_error_mid_import_rolls_back(mini_export, empty_target, monkeypatch):
    from wizard.core import engine
    m = migration(mini_export, empty_target)
    m.make_backup()
    before = dump(empty_target)
    real = engine._Importer.__call__

    def failing(self, st, tm, *a):
        if tm.target == "bills":
            raise OSError(28, "No space left on device")
        return real(self, st, tm, *a)

    monkeypatch.setattr(engine._Importer, "__call__", failing)
    with pytest.raises(MigrationError, match="disk is full.*unchanged"):
        m.run()
    assert dump(empty_target) == before


def test_backup_is_private_verified_and_restorable(mini_export, empty_target, tmp_path):
    b = make_backup(empty_target, tmp_path / "backups")
    assert b.verified and b.path.name.startswith("backup-") and b.path.suffix == ".db"
    assert stat.S_IMODE(os.stat(b.path).st_mode) == 0o600
    assert len(b.sha256) == 64 and b.counts["patients"] == 0
    before = dump(empty_target)
    m = migration(mini_export, empty_target)
    m.make_backup(tmp_path / "backups")
    m.run()
    assert dump(empty_target) != before
    r = restore(b.path, empty_target, tmp_path / "backups")
    assert dump(empty_target) == before
    assert r.safety_backup is not None and verify_backup(r.safety_backup.path)[0]


def test_restore_refuses_corrupt_or_foreign_backups(empty_target, tmp_path):
    bad = tmp_path / "backup-bad.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(BackupError, match="refusing"):
        restore(bad, empty_target)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(BackupError, match="not an HMSync database"):
        restore(other, empty_target)


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_restore_holds_the_target_from_its_safety_backup_to_the_end(
        mini_export, empty_target, tmp_path, monkeypatch, journal):
    """Another program cannot commit between the safety backup and the restore (its write
    would be in neither); it can once the restore is done."""
    from wizard.core import backup as backup_mod
    sqlite3.connect(empty_target).execute(f"PRAGMA journal_mode = {journal}").connection.close()
    b = make_backup(empty_target, tmp_path / "backups")
    migration(mini_export, empty_target).run(no_backup=True)
    tried = []
    real = backup_mod.make_backup

    def safety_then_try_a_write(*a, **k):
        r = real(*a, **k)
        other = sqlite3.connect(empty_target, timeout=0)
        try:
            other.execute("DELETE FROM visits")
            other.commit()
            tried.append("written")
        except sqlite3.OperationalError as e:
            tried.append(str(e))
        finally:
            other.close()
        return r
    monkeypatch.setattr(backup_mod, "make_backup", safety_then_try_a_write)
    r = backup_mod.restore(b.path, empty_target, tmp_path / "backups")
    assert tried == ["database is locked"]
    assert counts(r.safety_backup.path)["visits"] > 0 and counts(empty_target)["visits"] == 0
    other = sqlite3.connect(empty_target, timeout=0)  # let go at the end
    other.execute("DELETE FROM doctors")
    other.commit()
    other.close()


def test_restore_refuses_a_locked_target_and_a_backup_over_itself(
        mini_export, empty_target, tmp_path, monkeypatch):
    from wizard.core import backup as backup_mod
    monkeypatch.setattr(backup_mod, "LOCK_TIMEOUT_S", 0.2)
    b = make_backup(empty_target, tmp_path / "backups")
    with pytest.raises(BackupError, match="over itself"):
        restore(b.path, b.path)
    holder = sqlite3.connect(empty_target)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("DELETE FROM doctors")
    try:
        with pytest.raises(BackupError, match="locked by another program"):
            restore(b.path, empty_target, tmp_path / "backups")
    finally:
        holder.commit()
        holder.close()


def test_a_copy_into_a_database_locked_elsewhere_gives_up_instead_of_waiting_for_ever(
        empty_target, tmp_path, monkeypatch):
    """Python's online backup retries a locked database for ever (Ctrl-C cannot stop it);
    the wizard's gives up after LOCK_TIMEOUT_S."""
    import time
    from wizard.core import backup as backup_mod
    monkeypatch.setattr(backup_mod, "LOCK_TIMEOUT_S", 0.3)
    dest = tmp_path / "dest.db"
    sqlite3.connect(dest).execute("CREATE TABLE x (a)").connection.commit()
    holder = sqlite3.connect(dest)
    holder.execute("BEGIN EXCLUSIVE")
    src = sqlite3.connect(empty_target)
    dst = sqlite3.connect(dest, timeout=0)
    t0 = time.monotonic()
    try:
        with pytest.raises(backup_mod._StillLocked):
            backup_mod._copy(src, dst)
    finally:
        holder.rollback()
        for c in (holder, src, dst):
            c.close()
    assert time.monotonic() - t0 < 5


def test_locked_target_gives_clear_message(mini_export, empty_target, monkeypatch):
    from wizard.core import backup as backup_mod
    monkeypatch.setattr(backup_mod, "LOCK_TIMEOUT_S", 0.2)
    m = migration(mini_export, empty_target)
    m.make_backup()
    holder = sqlite3.connect(empty_target)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(MigrationError, match="locked by another program"):
            m.run()
    finally:
        holder.rollback()
        holder.close()
    assert counts(empty_target) == dict.fromkeys(TABLES, 0)


def test_target_with_extra_column_is_offered_and_filled(mini_export, empty_target):
    con = sqlite3.connect(empty_target)
    con.execute('ALTER TABLE patients ADD COLUMN "bloodGroup" TEXT')
    con.commit()
    con.close()
    m = migration(mini_export, empty_target)
    assert "bloodGroup" in m.targets["patients"].fields
    assert not m.targets["patients"].fields["bloodGroup"].known
    from wizard.core.mapping import FieldMap
    m.profile.table_for("patients.csv").fields["bloodGroup"] = FieldMap("bloodGroup",
                                                                        value="O+")
    m2 = Migration(m.sources, m.profile, empty_target)
    m2.make_backup()
    assert m2.run().passed
    con = sqlite3.connect(empty_target)
    assert {r[0] for r in con.execute('SELECT "bloodGroup" FROM patients')} == {"O+"}
    con.close()


@pytest.mark.parametrize("pilot,patients", [
    ({"patients": ["101"]}, 1),
    ({"registered": {"from": "2022-02-01", "to": "2022-12-31"}}, 1),
    ({"department": "ENT"}, 1),  # specialty stands in for the unmapped department
])
def test_pilot_imports_a_closed_subset_then_the_full_run_adds_the_rest(
        mini_export, empty_target, pilot, patients):
    m = migration(mini_export, empty_target)
    m.profile.pilot = pilot
    m2 = Migration(m.sources, m.profile, empty_target)
    m2.make_backup()
    res = m2.run()
    assert res.passed, [c for c in (x.to_dict() for x in res.verification.checks) if not c["passed"]]
    got = counts(empty_target)
    assert got["patients"] == patients and got["doctors"] == 2
    con = sqlite3.connect(empty_target)
    # every imported visit, bill, payment and test belongs to an imported patient
    assert con.execute('SELECT count(*) FROM visits WHERE "patientId" NOT IN '
                       '(SELECT id FROM patients)').fetchone()[0] == 0
    assert con.execute('SELECT count(*) FROM bills WHERE "visitId" NOT IN '
                       '(SELECT id FROM visits)').fetchone()[0] == 0
    con.close()
    t = res.verification.tables
    for s in t.values():
        assert s["source_rows"] == s["imported"] + s["duplicates"] + s["rejected"] + \
            s["deferred"]
    assert t["visits"]["deferred"] > 0
    m.profile.pilot = None
    full = Migration(m.sources, m.profile, empty_target)
    full.make_backup()
    res = full.run()
    assert res.passed and counts(empty_target) == MINI_CLEAN
    assert res.verification.tables["patients"]["duplicates"] == patients


def test_use_backup_adopts_only_a_current_backup_of_this_target(mini_export, empty_target,
                                                                tmp_path):
    b = make_backup(empty_target, tmp_path / "b")
    m = migration(mini_export, empty_target)
    m.use_backup(b)
    assert m.run().committed
    m2 = migration(mini_export, empty_target)
    with pytest.raises(MigrationError, match="changed since the backup"):
        m2.use_backup(b)  # the import above changed the target
    other = tmp_path / "other.db"
    init_db(other)
    with pytest.raises(MigrationError, match="not a verified backup of this database"):
        m2.use_backup(make_backup(other, tmp_path / "b"))


def test_legacy_map_keeps_quotes_in_source_system_and_file_names(tmp_path, empty_target):
    """The legacy-id map writes the source system and file into its SQL: quotes in them
    must come back exactly."""
    folder = tmp_path / "it's"
    write_mini(folder)
    (folder / "patients.csv").rename(folder / "patients o'brien.csv")
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="HC 'Plus'; --")
    m = Migration(tables, profile, empty_target)
    res = m.run(no_backup=True)
    assert res.committed
    con = sqlite3.connect(empty_target)
    rows = con.execute('SELECT DISTINCT "sourceSystem", "sourceFile" FROM migration_legacy_ids '
                       'WHERE "tableName"=\'patients\'').fetchall()
    con.close()
    assert rows == [("HC 'Plus'; --", "patients o'brien.csv")]
    # and a second run recognises every record
    again = Migration(open_sources([folder])[0], profile, empty_target).run(no_backup=True)
    assert again.validation.stats["patients"].duplicates == res.validation.stats["patients"].valid


def test_a_reference_the_deployment_added_to_a_leaf_table_is_checked_and_rewritten(
        mini_export, empty_target):
    """Any HMSync table may be pointed at by a column the deployment added (here tests ->
    payments), not only patients, doctors, visits and bills."""
    import sqlite3
    from wizard.core.mapping import FieldMap
    con = sqlite3.connect(empty_target)
    con.execute('ALTER TABLE pathology_tests ADD COLUMN "paymentId" TEXT REFERENCES payments(id)')
    con.commit()
    con.close()
    tables, _ = open_sources([mini_export])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.table_for("pathology_tests.csv").fields["paymentId"] = FieldMap("paymentId",
                                                                          value="P1")
    m = Migration(tables, profile, empty_target)
    assert m.targets["pathology_tests"].fields["paymentId"].references == "payments"
    res = m.validate()
    assert not len(res.problems[res.problems.rule.str.startswith("pathology_tests.paymentId")])
    r = m.run(no_backup=True)
    assert r.committed and r.passed
    con = sqlite3.connect(empty_target)
    rows = con.execute('SELECT t."paymentId", p.id FROM pathology_tests t JOIN '
                       'migration_legacy_ids l ON l."tableName" = \'payments\' AND '
                       'l."legacyId" = \'P1\' JOIN payments p ON p.id = l."hmsyncId"').fetchall()
    con.close()
    assert rows and all(a == b for a, b in rows)


def test_a_reference_to_a_table_the_wizard_does_not_import_is_refused_before_anything_runs(
        mini_export, empty_target):
    import sqlite3
    from wizard.core.mapping import FieldMap, ProfileError
    con = sqlite3.connect(empty_target)
    con.execute('CREATE TABLE users (id TEXT PRIMARY KEY)')
    con.execute('ALTER TABLE visits ADD COLUMN "createdBy" TEXT REFERENCES users(id)')
    con.commit()
    con.close()
    tables, _ = open_sources([mini_export])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.table_for("visits.csv").fields["createdBy"] = FieldMap("createdBy", value="u1")
    with pytest.raises(ProfileError, match="createdBy.*'users'.*leave it unmapped"):
        Migration(tables, profile, empty_target)


@pytest.mark.parametrize("per_statement", [1, 2, 3])
def test_rows_go_in_groups_per_statement_and_land_the_same(mini_export, tmp_path, monkeypatch,
                                                          per_statement):
    """Several rows per INSERT (and a shorter last statement) land exactly as one row per
    statement does: the same records, legacy ids, lines and references."""
    from wizard.core import engine

    def content(db):
        con = sqlite3.connect(db)
        try:
            legacy = dict(con.execute('SELECT "hmsyncId", "tableName" || \':\' || "legacyId" '
                                      'FROM migration_legacy_ids'))
            trace = sorted(con.execute('SELECT "tableName", "legacyId", "sourceFile", '
                                       '"sourceLine" FROM migration_legacy_ids'))
            rows = {}
            for t in TABLES:
                cur = con.execute(f'SELECT * FROM "{t}"')
                rows[t] = sorted(tuple(legacy.get(v, v) if isinstance(v, str) else v
                                       for v in r) for r in cur.fetchall())
            return trace, rows
        finally:
            con.close()

    got = []
    for n in (50, per_statement):
        monkeypatch.setattr(engine, "ROWS_PER_INSERT", n)
        db = tmp_path / f"t{n}.db"
        init_db(db)
        res = migration(mini_export, db).run(no_backup=True)
        assert res.committed and res.passed
        assert counts(db) == MINI_CLEAN
        got.append(content(db))
    assert got[0] == got[1]
    assert len(got[1][0]) == sum(MINI_CLEAN.values())


@pytest.mark.parametrize("earlier_run", [False, True])
def test_a_legacy_map_row_gone_missing_fails_the_reconciliation(mini_export, empty_target,
                                                                monkeypatch, earlier_run):
    """The reconciliation counts what the database holds, on a first run of a source system
    (read from the map's index) as on a later one (by run)."""
    from wizard.core import verify
    if earlier_run:
        assert migration(mini_export, empty_target).run(no_backup=True).committed
        with open(mini_export / "patients.csv", "a") as f:
            f.write("112,New,Person,+919800000012,33,F,x,2022-01-01\n")
    real = verify.Verifier.verify

    def losing_a_row(self, stats):
        self.con.execute('DELETE FROM migration_legacy_map WHERE rowid = (SELECT '
                         'max(m.rowid) FROM migration_legacy_map m JOIN '
                         'migration_legacy_scopes s ON s.id = m.scope WHERE '
                         's."tableName"=\'patients\' AND m."runId"=?)', (self.run_id,))
        return real(self, stats)

    monkeypatch.setattr(verify.Verifier, "verify", losing_a_row)
    before = dump(empty_target)
    res = migration(mini_export, empty_target).run(no_backup=True)
    assert not res.committed and res.status == "verification failed (rolled back)"
    (check,) = [c for c in (x.to_dict() for x in res.verification.checks) if c["name"] == "reconciliation: patients"]
    assert not check["passed"] and "expected to import" in check["detail"]
    assert dump(empty_target) == before


@pytest.mark.parametrize("width, rows", [(3, 101), (21, 101), (1, 50), (1000, 3), (7, 0)])
def test_grouped_inserts_fill_whole_statements_and_respect_the_parameter_limit(width, rows):
    """50 rows per statement where the columns allow (999 parameters at most), the rest
    in one shorter statement: every row arrives once, in order, unchanged."""
    from wizard.core import engine
    con = sqlite3.connect(":memory:", isolation_level=None)
    cols = [f"c{j}" for j in range(width)]
    con.execute(f"CREATE TABLE t (n INTEGER PRIMARY KEY, {', '.join(cols)})")
    data = [list(range(rows))] + [[f"r{i}c{j}" if (i + j) % 5 else None for i in range(rows)]
                                  for j in range(width)]
    statements = []
    con.set_trace_callback(statements.append)
    imp = engine._Importer(con, "system", 1, None, None)
    imp._insert(f"INSERT INTO t (n, {', '.join(cols)}) VALUES",
                "(" + ", ".join("?" * (width + 1)) + ")", data)
    con.set_trace_callback(None)
    assert con.execute("SELECT * FROM t ORDER BY n").fetchall() == list(zip(*data))
    per = max(1, min(50, 999 // (width + 1)))
    assert len(statements) == rows // per + (1 if rows % per else 0)


@pytest.mark.skipif(not hasattr(os, "sync"), reason="POSIX only")
def test_the_early_flush_keeps_the_import_locked_against_other_programs(
        mini_export, empty_target, monkeypatch):
    """What the load wrote is sent to disk while the verification runs. Meanwhile another
    program must still find the target locked: a flush that opened and closed a descriptor
    of the file in this process would drop SQLite's locks (POSIX locks belong to the
    process), and the other program could then roll our journal back under us."""
    import subprocess
    import sys
    import threading
    from wizard.core import engine
    calls: list[str] = []
    real_sync = os.sync
    monkeypatch.setattr(engine.os, "sync", lambda: (calls.append("sync"), real_sync()))
    probe = ("import sqlite3, sys\n"
             "con = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)\n"
             "try:\n"
             "    con.execute('BEGIN IMMEDIATE')\n"
             "    print('got the lock')\n"
             "    con.execute('ROLLBACK')\n"
             "except sqlite3.OperationalError as e:\n"
             "    print(e)\n")
    seen: list[str] = []

    def progress(p):
        if p.stage == "verify" and not seen:
            for th in threading.enumerate():  # the flush has done its work
                if th.name == "early-flush":
                    th.join(30)
            seen.append(subprocess.run([sys.executable, "-c", probe, str(empty_target)],
                                       capture_output=True, text=True).stdout.strip())

    m = migration(mini_export, empty_target)
    m.make_backup()
    res = m.run(progress=progress)
    assert res.committed and res.passed
    assert calls == ["sync"]
    assert seen == ["database is locked"]
    assert counts(empty_target) == MINI_CLEAN


def test_visit_times_with_a_zone_are_imported_in_the_clinics_time(tmp_path, empty_target):
    folder = write_mini(tmp_path / "zoned")
    visits = folder / "visits.csv"
    visits.write_bytes(visits.read_bytes().replace(b"V2,102,D2,2022-03-01,",
                                                   b"V2,102,D2,2022-03-01T20:00:00Z,"))
    # without the clinic's time zone the visit is not guessed onto a day: the operator is
    # told why, and it is rejected with its file and line
    res = migration(folder, empty_target).validate()
    p = res.problems
    rows = p[p["rule"] == "visits.visitDate.format"]
    assert list(zip(rows["file"], rows["line"])) == [("visits.csv", 4)]
    assert any("time zone" in n and "timezone" in n for n in res.notes)
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.timezone = "Asia/Kolkata"
    m = migration(folder, empty_target, profile)
    m.make_backup()
    run = m.run()
    assert run.committed and run.passed
    assert counts(empty_target) == MINI_CLEAN
    con = sqlite3.connect(empty_target)
    (day,) = con.execute('SELECT "visitDate" FROM visits v JOIN migration_legacy_ids l ON '
                         'l."hmsyncId"=v.id WHERE l."legacyId"=\'V2\'').fetchone()
    con.close()
    assert day == "2022-03-02T01:30:00"  # 20:00 UTC is 01:30 the next morning in India


def test_a_column_in_auto_date_order_is_read_in_one_order_across_chunks(tmp_path,
                                                                        empty_target):
    """Month first, shown only by the first chunk's dates: the later chunks' ambiguous
    dates must not fall back to day first."""
    folder = write_mini(tmp_path / "mdy")
    visits = folder / "visits.csv"
    text = visits.read_bytes().replace(b"V1,101,D1,2022-02-01,", b"V1,101,D1,12/25/2022,")
    visits.write_bytes(text.replace(b"V9,102,D1,2022-04-01,", b"V9,102,D1,03/04/2022,"))
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.date_order = "auto"
    profile.table_for("visits.csv").fields["visitDate"].steps = []  # read as "auto"
    m = Migration(tables, profile, empty_target, chunk_rows=3)
    m.make_backup()
    assert m.run().committed
    con = sqlite3.connect(empty_target)
    got = dict(con.execute('SELECT l."legacyId", v."visitDate" FROM visits v JOIN '
                           'migration_legacy_ids l ON l."hmsyncId"=v.id'))
    con.close()
    assert got["V1"] == "2022-12-25" and got["V9"] == "2022-03-04"


def test_a_delta_of_child_files_alone_finds_its_parents_in_hmsync(mini_export, empty_target,
                                                                  tmp_path):
    """A later export of payments and pathology tests only: their bills, visits and
    patients are in HMSync from the first run. The registry lets the payments' parents go
    once the payments are read, and must keep those the pathology tests still refer to."""
    m = migration(mini_export, empty_target)
    m.make_backup()
    m.run()
    before = counts(empty_target)
    delta = tmp_path / "children"
    delta.mkdir()
    (delta / "payments.csv").write_bytes(
        b"paymentId,billId,paidOn,amount,mode\r\n"
        b"P10,B3,2022-03-02,300.00,CASH\r\n"          # 2: a bill already in HMSync
        b"P11,B99,2022-03-02,100.00,CASH\r\n")        # 3: no such bill
    (delta / "pathology_tests.csv").write_bytes(
        b"testId,visitId,patientId,testCode,testName,orderedOn,resultValue,resultUnit,price\r\n"
        b"T10,V2,102,CBC,Complete Blood Count,2022-03-02,12,g/dL,350\r\n"  # 2: both there
        b"T11,V99,102,CBC,Complete Blood Count,2022-03-02,12,g/dL,350\r\n"  # 3: no visit
        b"T12,V2,999,CBC,Complete Blood Count,2022-03-02,12,g/dL,350\r\n")  # 4: no patient
    m2 = migration(delta, empty_target, m.profile)
    assert [tm.target for _, tm in m2.plan] == ["payments", "pathology_tests"]
    m2.make_backup()
    res = m2.run()
    assert res.committed
    got = res.validation.problems
    assert sorted(zip(got.file, got.line, got.rule)) == [
        ("pathology_tests.csv", 3, "pathology_tests.visitId.missing_parent"),
        ("pathology_tests.csv", 4, "pathology_tests.patientId.missing_parent"),
        ("payments.csv", 3, "payments.billId.missing_parent")]
    after = counts(empty_target)
    assert after["payments"] == before["payments"] + 1
    assert after["pathology_tests"] == before["pathology_tests"] + 1
