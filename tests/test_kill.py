"""A killed import (SIGKILL) leaves the target exactly as before and intact."""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from dbdump import dump
from wizard.core.schema import DATA_TABLES

CHILD = textwrap.dedent("""
    import sys
    from wizard.core.engine import Migration
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    src, target = sys.argv[1], sys.argv[2]
    tables, _ = open_sources([src])
    m = Migration(tables, suggest_profile(tables, known_tables()), target, chunk_rows=500)
    def progress(p):
        print(p.stage, p.table, p.done, flush=True)
    m.run(progress=progress, no_backup=True)
    print("finished", flush=True)
""")


def write_export(folder, patients=6000, visits=12000):
    folder.mkdir()
    with open(folder / "doctors.csv", "w", newline="") as f:
        f.write("doctorId,fullName\r\n")
        for i in range(1, 21):
            f.write(f"D{i},Dr. Number {i}\r\n")
    with open(folder / "patients.csv", "w", newline="") as f:
        f.write("patientId,fullName,phone,gender,age\r\n")
        for i in range(patients):
            f.write(f"{i},Person {i},+9198{i:08d},{'MF'[i % 2]},{i % 90}\r\n")
    with open(folder / "visits.csv", "w", newline="") as f:
        f.write("visitId,patientId,doctorId,visitDate,consultationFee\r\n")
        for i in range(visits):
            f.write(f"V{i},{i % patients},D{1 + i % 20},2022-01-{1 + i % 28:02d},{300 + i % 5}\r\n")
    return folder


def snapshot(db):
    return dump(db, DATA_TABLES + ["migration_runs"])


@pytest.mark.parametrize("kill_at", [("import", "patients"), ("import", "visits"),
                                     ("verify", "")])
def test_sigkill_leaves_target_unchanged_and_intact(tmp_path, kill_at):
    from wizard.core.schema import init_db
    src = write_export(tmp_path / "export")
    db = tmp_path / "t.db"
    init_db(db)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO doctors (id, \"fullName\") VALUES ('native-1', 'Dr. Already Here')")
    con.commit()
    con.close()
    before = snapshot(db)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(src), str(db)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = False
    try:
        for line in child.stdout:
            stage, _, rest = line.partition(" ")
            table = rest.split(" ")[0] if rest else ""
            done = int(rest.split()[-1]) if rest.strip() and rest.split()[-1].isdigit() else 0
            if stage == kill_at[0] and (not kill_at[1] or table == kill_at[1]) and \
                    (done > 0 or stage == "verify"):
                os.kill(child.pid, signal.SIGKILL)
                killed = True
                break
    finally:
        child.wait(timeout=120)
    assert killed, "the import finished before it could be killed: " + child.stderr.read()
    assert child.returncode == -signal.SIGKILL
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    assert snapshot(db) == before
