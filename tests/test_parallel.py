"""Big exports are read, mapped and checked in a helper process while the engine's process
validates relationships and writes SQLite. The result must not depend on which path ran."""
import multiprocessing
import os
import signal
import sqlite3
import sys

import pandas as pd
import pytest

from dbdump import dump
from wizard.core.engine import CancelToken, Cancelled, Migration, MigrationError
from wizard.core.readers import SourceError, open_sources
from wizard.core.schema import DATA_TABLES, init_db
from wizard.core.suggest import suggest_profile
from wizard.core.schema import known_tables
from wizard.testing.legacy_export import generate


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    generate(out, patients=300, visits=1200, doctors=12, seed=7, dirty=0.08)
    (out / "manifest.json").unlink()
    return out


def migration(folder, target=None, **kw):
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    return Migration(tables, profile, target, **kw)


def helpers():
    return [p for p in multiprocessing.active_children() if p.name == "hmsync-prepare"]


def table_rows(db):
    return dump(db, DATA_TABLES)


def test_validation_finds_the_same_problems_in_a_helper_process(export):
    inline = migration(export, parallel=False, chunk_rows=250).validate()
    helped = migration(export, parallel=True, chunk_rows=250).validate()
    assert len(inline.problems) > 50
    pd.testing.assert_frame_equal(inline.problems, helped.problems)
    assert {t: s.to_dict() for t, s in inline.stats.items()} == \
        {t: s.to_dict() for t, s in helped.stats.items()}
    assert not helpers()


def test_import_through_a_helper_process_writes_the_same_records(export, tmp_path):
    results = {}
    for parallel in (False, True):
        db = tmp_path / f"{parallel}.db"
        init_db(db)
        res = migration(export, db, parallel=parallel, chunk_rows=250).run(no_backup=True)
        assert res.committed and res.passed
        assert ("of which waiting for the reading process" in res.timings) == parallel
        results[parallel] = (res.verification.tables, table_rows(db))
    (tables_a, rows_a), (tables_b, rows_b) = results[False], results[True]
    assert tables_a == tables_b
    # the same records apart from their new HMSync ids
    for t in ("patients", "doctors"):
        assert [r[1:] for r in sorted(rows_a[t], key=lambda r: r[1:])] == \
            [r[1:] for r in sorted(rows_b[t], key=lambda r: r[1:])]
    assert {t: len(r) for t, r in rows_a.items()} == {t: len(r) for t, r in rows_b.items()}


def test_a_damaged_file_read_by_the_helper_names_file_and_line(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    rows = ["patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate"]
    rows += [f"P{i},Asha,Rao,98100{i:05d},30,F,Pune,01/02/2020" for i in range(360_000)]
    # a quote opened on line 10001 and never closed, past what format detection samples:
    # the rest of the file (17 MB) becomes one field, too long for a record: reading stops
    rows.insert(10000, 'P99,"Bad,Rao,9810000000,30,F,Pune,01/02/2020')
    (folder / "patients.csv").write_text("\n".join(rows) + "\n")
    found = []
    for parallel in (False, True):
        with pytest.raises(SourceError) as e:
            migration(folder, parallel=parallel, chunk_rows=700).validate()
        # the line the broken record starts on, not the one where reading gave up
        assert e.value.path.name == "patients.csv" and e.value.line == 10001
        assert "quote" in e.value.problem
        found.append((str(e.value), e.value.line))
    assert found[0] == found[1]
    assert not helpers()


def test_cancel_stops_the_helper_and_leaves_the_target_untouched(export, tmp_path):
    db = tmp_path / "t.db"
    init_db(db)
    before = table_rows(db)
    token = CancelToken()

    def progress(p):
        if p.done:
            token.cancel()

    with pytest.raises(Cancelled):
        migration(export, db, parallel=True, chunk_rows=50).run(progress, token,
                                                                 no_backup=True)
    assert not helpers()
    assert table_rows(db) == before


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_helper_that_dies_stops_the_import_with_a_message(export, tmp_path):
    db = tmp_path / "t.db"
    init_db(db)
    before = table_rows(db)

    def progress(p):
        if p.done:
            for h in helpers():
                os.kill(h.pid, signal.SIGKILL)

    with pytest.raises(MigrationError, match="stopped unexpectedly"):
        migration(export, db, parallel=True, chunk_rows=20).run(progress, no_backup=True)
    assert not helpers()
    assert table_rows(db) == before


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc (Linux)")
def test_the_helper_exits_when_the_engine_is_killed(tmp_path):
    import subprocess
    import sys
    import time
    export = tmp_path / "export"
    # big enough that the run lasts a few seconds: a forked helper starts at once
    generate(export, patients=10000, visits=40000, doctors=20, seed=3, dirty=0.02)
    (export / "manifest.json").unlink()
    db = tmp_path / "t.db"
    init_db(db)
    before = table_rows(db)
    env = dict(os.environ, HMSYNC_WIZARD_PARALLEL="1")
    proc = subprocess.Popen([sys.executable, "-m", "wizard.cli", "run", str(export),
                             "--target", str(db), "--no-backup", "--quiet"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children_file = f"/proc/{proc.pid}/task/{proc.pid}/children"
    helper = None
    deadline = time.monotonic() + 60
    while helper is None and time.monotonic() < deadline and proc.poll() is None:
        try:
            with open(children_file) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        helper = kids[0] if kids else None
        time.sleep(0.05)
    assert helper is not None, "no helper process started"
    time.sleep(0.3)  # let the helper get going (it waits for the engine to take chunks)
    with open(f"/proc/{helper}/stat") as f:
        assert f.read().split(")")[-1].split()[0] != "Z", "the helper finished too soon"
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and os.path.exists(f"/proc/{helper}"):
        with open(f"/proc/{helper}/stat") as f:
            if f.read().split(")")[-1].split()[0] == "Z":  # exited, not yet reaped
                break
        time.sleep(0.1)
    alive = os.path.exists(f"/proc/{helper}")
    if alive:
        with open(f"/proc/{helper}/stat") as f:
            alive = f.read().split(")")[-1].split()[0] != "Z"
    assert not alive, "the helper outlived the engine's process"
    assert table_rows(db) == before
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_an_unexpected_error_in_the_helper_crosses_over_without_its_text(export, monkeypatch):
    """Its message could quote a record: only the kind of error and where it happened
    reach the engine's process (and from there the screen and the log)."""
    import queue as queue_mod
    from wizard.core import prepare
    secret = "Zebediah Xylophant +91 98765 43210"

    def boom(*a, **kw):
        raise ValueError(f"cannot parse {secret}")

    monkeypatch.setattr(prepare, "map_chunk", boom)
    m = migration(export)
    q = queue_mod.Queue()
    prepare._helper_main(m.plan, m.targets, m.profile.ctx, m._field_checks, 100, q,
                         os.getppid())
    kind, _, payload = q.get_nowait()
    assert kind == "error" and secret not in repr(payload)
    err = prepare._rebuild(payload)
    assert isinstance(err, prepare.HelperError) and not isinstance(err, MigrationError)
    assert err.kind == "ValueError" and "boom" in err.log_detail
    assert secret not in str(err) and secret not in err.log_detail


def test_a_locked_target_stops_the_run_and_its_helper(export, tmp_path):
    db = tmp_path / "t.db"
    init_db(db)
    other = sqlite3.connect(db, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another program is writing
    try:
        m = migration(export, db, parallel=True)
        import wizard.core.backup as backup_mod
        old = backup_mod.LOCK_TIMEOUT_S
        backup_mod.LOCK_TIMEOUT_S = 0.2
        try:
            with pytest.raises(MigrationError, match="locked"):
                m.run(no_backup=True)
        finally:
            backup_mod.LOCK_TIMEOUT_S = old
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not helpers()


@pytest.mark.parametrize("cells", [
    ["a", None, "b\nc", "", None],          # texts and empty cells
    [None, None],                           # nothing but empty cells
    ["x", "y"],                             # no empty cell
    ["a\x00b", "c"],                        # a cell holds the separator: sent as it is
    ["a", float("nan")],                    # NaN is not None: sent as it is
    ["a", 3],                               # a cell that is not a text: sent as it is
])
def test_text_columns_cross_between_processes_unchanged(cells):
    import pickle
    from wizard.core.prepare import _pack_texts, _unpack_texts
    index = pd.RangeIndex(10, 10 + len(cells))
    s = pd.Series(cells, index=index, dtype=object, name="phone")
    back = _unpack_texts(pickle.loads(pickle.dumps(_pack_texts(s))), index)
    pd.testing.assert_series_equal(back, s)
    assert [type(v) for v in back.tolist()] == [type(v) for v in cells]
    assert [v for v in back.tolist() if v is None] == [v for v in cells if v is None]


def _start_method_in_a_fresh_python(setup: str) -> str:
    import subprocess
    import sys
    code = f"{setup}\nfrom wizard.core.prepare import _start_method\nprint(_start_method())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork is used on Linux only")
def test_the_helper_is_forked_only_when_allowed_and_without_other_threads():
    allowed = "from wizard.core.prepare import allow_fork\nallow_fork()\n"
    assert _start_method_in_a_fresh_python("") == "spawn"  # a caller must allow it
    assert _start_method_in_a_fresh_python(allowed) == "fork"
    assert _start_method_in_a_fresh_python(
        "import threading, time\n"
        "threading.Thread(target=time.sleep, args=(5,), daemon=True).start()\n"
        + allowed) == "spawn"


def test_the_command_line_with_a_forked_helper_imports_what_one_process_does(export, tmp_path):
    """The command line (no Qt, no threads: the helper is forked on Linux) writes the same
    records and report as one process doing everything."""
    import json
    import subprocess
    import sys
    out = {}
    for parallel in ("0", "1"):
        db, report = tmp_path / f"{parallel}.db", tmp_path / f"{parallel}.json"
        init_db(db)
        env = dict(os.environ, HMSYNC_WIZARD_PARALLEL=parallel)
        # the command line as its program runs, where spawning a process fails: the
        # helper must be forked
        code = ("import sys, multiprocessing.context as c\n"
                "def refuse(*a):\n    raise RuntimeError('a process was spawned')\n"
                "c.SpawnProcess._Popen = staticmethod(refuse)\n"
                "from wizard.cli import main\n"
                "sys.argv[0] = 'hmsync-migrate'\n"
                "sys.exit(main())\n")
        done = subprocess.run([sys.executable, "-c", code, "run", str(export), "--target",
                               str(db), "--no-backup", "--quiet", "--report", str(report)],
                              env=env, capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.dirname(__file__)))
        assert "spawned" not in done.stderr
        rep = json.loads(report.read_text())
        assert rep["passed"]
        assert ("of which waiting for the reading process" in rep["timings_s"]) == \
            (parallel == "1")
        rows = table_rows(db)
        out[parallel] = (rep["tables"], {t: sorted(r[1:] for r in rows[t])
                                         for t in ("patients", "doctors")},
                         {t: len(r) for t, r in rows.items()})
    assert out["0"] == out["1"]


class _RecordingQueue:
    """Stands in for the queue to the engine: keeps what the helper sends, and says
    whether it is full (the engine behind) or not."""

    def __init__(self, full: bool):
        self.items, self._full = [], full

    def put(self, item, timeout=None):
        self.items.append(item)

    def full(self):
        return self._full


@pytest.mark.parametrize("engine_behind", [False, True])
def test_the_helper_hashes_ids_only_while_the_engine_is_behind(export, engine_behind):
    """Hashing ids is the engine's job, which the helper takes over while the engine is
    the slower of the two (its queue is full); the keys are the engine's own."""
    import copy
    import gc
    from wizard.core.prepare import _helper_main, _unpack_chunk
    m = migration(export, chunk_rows=500)
    checks = copy.copy(m._field_checks)
    checks.hashes = False  # as ChunkStream hands them to a helper
    q = _RecordingQueue(full=engine_behind)
    try:
        _helper_main(m.plan, m.targets, m.profile.ctx, checks, 500, q, os.getppid())
    finally:
        gc.enable()
    chunks = [(m.targets[m.plan[i][1].target], payload) for kind, i, payload in q.items
              if kind == "chunk"]
    assert len(chunks) > 6 and not [i for i in q.items if i[0] == "error"]
    for target, (mc, checked, _) in chunks:
        if not engine_behind:
            assert checked.keys is None and checked.ref_keys is None
            continue
        assert checked.keys is not None
        keys, ref_keys = checked.keys, checked.ref_keys
        _unpack_chunk(mc)
        checked.keys = checked.ref_keys = None
        checked.hash_ids(mc, target)
        assert (checked.keys == keys).all()
        assert set(ref_keys) == set(checked.ref_keys)
        for f in ref_keys:
            assert (ref_keys[f] == checked.ref_keys[f]).all()


class _WatchedCredits:
    """The helper's chunk credits (a semaphore) that say when the helper is about to wait
    for one: it has QUEUE_CHUNKS chunks out, and puts nothing until one is given back."""

    def __init__(self, n):
        import threading
        self.sem = threading.Semaphore(n)
        self.waiting = threading.Event()

    def acquire(self, blocking=True, timeout=None):
        if blocking:
            self.waiting.set()
        return self.sem.acquire(blocking, timeout)

    def release(self):
        self.sem.release()


def test_the_helper_runs_ahead_by_chunks_and_a_tables_end_takes_no_chunks_place(
        export, monkeypatch):
    """At most QUEUE_CHUNKS chunks wait for the engine (memory), but the end of a table goes
    over at once: the helper starts the next table while the engine works on the last chunk
    of the previous one (a table's end counted as a chunk held it back)."""
    import gc
    import queue as queue_mod
    import threading
    from wizard.core import prepare
    monkeypatch.setattr(prepare, "_POLL_S", 30.0)
    m = migration(export, chunk_rows=250)
    q = queue_mod.Queue()
    credits = _WatchedCredits(prepare.QUEUE_CHUNKS)
    helper = threading.Thread(target=prepare._helper_main, daemon=True, args=(
        m.plan, m.targets, m.profile.ctx, m._field_checks, 250, q, os.getppid(), credits))
    snapshots, received = [], []
    try:
        helper.start()
        while True:
            while not credits.waiting.wait(0.05):
                if not helper.is_alive():
                    break
            if not helper.is_alive():
                break
            snapshots.append([kind for kind, _, _ in list(q.queue)])  # the helper waits
            credits.waiting.clear()
            while True:  # the engine's side: take items up to the next chunk, then give
                kind, i, _ = q.get(timeout=30)  # its credit back
                received.append((kind, i))
                if kind == "chunk":
                    credits.release()
                    break
        helper.join(30)
        while not q.empty():
            kind, i, _ = q.get_nowait()
            received.append((kind, i))
    finally:
        gc.enable()
    assert len(snapshots) > 5
    assert all(s.count("chunk") <= prepare.QUEUE_CHUNKS for s in snapshots)
    # an end waits beside QUEUE_CHUNKS chunks
    assert any("end" in s and s.count("chunk") == prepare.QUEUE_CHUNKS for s in snapshots)
    assert not [k for k, _ in received if k == "error"]
    ends = [i for k, i in received if k == "end"]
    assert ends == list(range(len(m.plan)))
    tables = [i for k, i in received if k == "chunk"]
    assert tables == sorted(tables) and set(tables) == set(range(len(m.plan)))


_ENGINE_THAT_DIES = """
import os, sys, time
from wizard.core.engine import Migration
from wizard.core.prepare import ChunkStream, Problems, allow_fork
from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile
tables, _ = open_sources([sys.argv[1]])
m = Migration(tables, suggest_profile(tables, known_tables()), None, chunk_rows=100_000)
allow_fork()
s = ChunkStream(m.plan, m.targets, m.profile.ctx, m._field_checks, 100_000, Problems(),
                parallel=True)
with open(sys.argv[2], "w") as f:
    f.write(str(s._proc.pid))
time.sleep(2)  # the helper prepares every chunk and ends; nothing is read
os._exit(0)
"""


def test_the_helper_exits_when_the_engine_dies_with_its_chunks_unread(tmp_path):
    """A helper that has sent everything waits for the engine to take it: if the engine is
    gone, it must notice and go too (the pipe it writes to never drains)."""
    import subprocess
    import sys
    import time
    export = tmp_path / "export"
    generate(export, patients=3000, visits=10, doctors=12, seed=3, dirty=0.0)
    for name in os.listdir(export):
        if name not in ("patients.csv", "doctors.csv"):
            os.unlink(export / name)
    pid_file = tmp_path / "helper.pid"
    subprocess.run([sys.executable, "-c", _ENGINE_THAT_DIES, str(export), str(pid_file)],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120,
                   check=True)  # (no pipes: the helper would hold them open)
    helper = int(pid_file.read_text())
    deadline = time.monotonic() + 15
    alive = True
    while alive and time.monotonic() < deadline:
        try:
            with open(f"/proc/{helper}/stat") as f:
                alive = f.read().split(")")[-1].split()[0] != "Z"
        except OSError:
            alive = False
        time.sleep(0.1)
    if alive:
        os.kill(helper, 9)
    assert not alive, "the helper outlived the engine's process"
