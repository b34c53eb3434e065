"""Benchmark: the wizard's UI thread — the problem list at 100,000 problems, and how long the
UI stalls while an import runs.

Not part of the test suite (no timed assertions); it prints figures. One command:

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_gui.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_gui.py \\
        --visits 20000 --problems 100000          # a quick look (--visits 0: no import)

Issue 8's targets: the validation table opens 100,000 problems in under 0.5 s and scrolls
smoothly; the UI thread never stalls more than 100 ms during a 1M-visit import.

1. The problem list. N synthetic problems (the engine's columns, made-up values) are handed
   to the real Validation page of the real wizard, the way the page's own ``finished``
   callback does after a validation (``session.validation``, the arrays ``prepare_problems``
   made in the worker, then ``_show()``), and timed on the UI thread until the event loop
   has painted the list. Then the vertical scroll bar is stepped from top to bottom, the
   view sorted by three columns and the page's filters applied (severity, text search),
   each step timed until painted. Last, the same frame once more without worker-prepared
   arrays (all on the UI thread).
2. The import. A dirty HealthCare Plus export from the project's own generator and an empty
   HMSync database; the session is built with the same calls the pages make (read the sources,
   suggest a mapping, back up), then the real Import page's ``start_import()`` runs the
   engine in the wizard's worker thread. A 10 ms QTimer on the UI thread records the time
   between its ticks until the worker has finished: a long gap is a stall. A watchdog
   thread notes, during a stall, what the UI thread and the worker are running (file:line
   of the wizard's code — never any values) and how late the watchdog itself woke (another
   thread held the GIL, or no core was free).

Patient data is never printed: only counts, timings and code locations.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import PySide6  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer, qVersion  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from wizard.core.engine import PROBLEM_COLUMNS, TableStats, ValidationResult  # noqa: E402

OPEN_TARGET_S = 0.5       # issue 8: open 100,000 problems
STALL_TARGET_MS = 100.0   # issue 8: the UI thread never stalls longer
FRAME_MS = 1000 / 60      # "scrolls smoothly": one 60 Hz frame per step (our yardstick)
TICK_MS = 10              # the UI timer's interval
WATCH_S = 0.005           # the watchdog's period
WINDOW = (1100, 750)      # the wizard's default size (the offscreen screen is smaller)

# the kinds of problem in the synthetic list: table, field, rule, severity, message
KINDS = [("patients", "age", "patients.age.range", "error", "Age is out of range"),
         ("patients", "phoneNumber", "patients.phone.format", "error",
          "Phone is not a valid phone number"),
         ("patients", "firstName+lastName", "patients.person.possible_duplicate", "warning",
          "Possibly the same person as another record"),
         ("visits", "patientId", "visits.patientId.missing_parent", "error",
          "The patient does not exist"),
         ("visits", "consultationFee", "visits.consultationFee.format", "error",
          "Consultation fee is not a valid number"),
         ("visits", "visitDate", "visits.visitDate.future", "warning",
          "Visit date is in the future"),
         ("bills", "amount", "bills.amount.range", "error", "Amount is out of range"),
         ("bills", "visitId", "bills.visitId.rejected_parent", "error",
          "The visit was left out")]


# --- helpers --------------------------------------------------------------------------------
def open_wizard(session, page_id):
    """The real wizard, shown at ``page_id`` in the benchmark's window size."""
    from wizard.gui.wizard import MigrationWizard
    wiz = MigrationWizard(session)
    wiz.setStartId(page_id)
    wiz.resize(*WINDOW)
    wiz.show()
    QTest.qWaitForWindowExposed(wiz)
    return wiz, wiz.page(page_id)


def elapsed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


class PaintCounter(QObject):
    """Counts a widget's paint events (an event filter): a step is timed until painted."""

    def __init__(self, widget):
        super().__init__(widget)
        self.widget, self.n = widget, 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.n += 1
        return False


def painted(app: QApplication, paints: PaintCounter) -> None:
    """Let the event loop do what it would next (layouts, then painting what changed);
    should that not have painted the widget, paint it now."""
    before = paints.n
    app.processEvents()
    if paints.n == before:
        paints.widget.repaint()


def ms(s: float) -> str:
    return f"{s * 1000:,.0f} ms" if s < 10 else f"{s:,.1f} s"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def problems_frame(n: int, seed: int = 8) -> pd.DataFrame:
    """``n`` problems shaped like the engine's, in file order; made-up ids and values."""
    rng = np.random.default_rng(seed)
    kind = np.sort(rng.integers(0, len(KINDS), n))          # grouped by table, as read
    col = {k: np.array([kk[i] for kk in KINDS], dtype=object)[kind]
           for i, k in enumerate(("table", "field", "rule", "severity", "message"))}
    i = np.arange(n)
    return pd.DataFrame({
        "file": np.char.add(col["table"].astype(str), ".csv").astype(object),
        "line": i + 2, "table": col["table"], "legacy_id": [f"X{j:07d}" for j in i],
        "field": col["field"], "target_field": col["field"], "rule": col["rule"],
        "value": [f"value {j % 997}" for j in i], "severity": col["severity"],
        "message": col["message"]}, columns=PROBLEM_COLUMNS)


def validation_result(problems: pd.DataFrame) -> ValidationResult:
    """What the engine's validate() returns for that list (counts per table)."""
    stats = {}
    for t in ("patients", "doctors", "visits", "bills"):
        mine = problems[problems["table"] == t]
        err = int((mine["severity"] == "error").sum())
        warn = int((mine["severity"] == "warning").sum())
        rows = 10 * len(mine) + 200
        stats[t] = TableStats(t, [f"{t}.csv"], rows, rows - err, 0, err, warn)
    return ValidationResult(problems, stats)


# --- 1. the problem list --------------------------------------------------------------------
def bench_problems(app: QApplication, n: int, steps: int, seed: int) -> dict:
    from wizard.gui.models.problems import COLUMNS, prepare_problems
    from wizard.gui.pages import PageId
    from wizard.core.session import MigrationSession

    frame = problems_frame(n, seed)
    out = {"n": n}
    # the wizard opens on the Validation page with an (empty) current validation
    session = MigrationSession(name="Benchmark", source_system="bench")
    session.validation = validation_result(problems_frame(0))
    session.validation_key = session.profile_key()
    wiz, page = open_wizard(session, PageId.VALIDATION)
    view, model = page.problems_view, page.problems
    paints = PaintCounter(view.viewport())
    app.processEvents()
    wiz.repaint()

    # in the worker, after validate(): the result and the list's arrays (not UI time)
    result = validation_result(frame)
    prepared = None

    def prepare():
        nonlocal prepared
        prepared = prepare_problems(frame)
    out["prepare_worker"] = elapsed(prepare)

    # what the page's `finished` callback does, then paint: the time the operator waits
    def open_page():
        session.validation, session.validation_key = result, session.profile_key()
        page._prepared = prepared
        page._show()
        painted(app, paints)
    out["open"] = elapsed(open_page)
    # and again (as after a decision per rule, which shows the page anew): warm, and a
    # median, less at the mercy of whatever else the machine is doing
    out["open_again"] = statistics.median(elapsed(open_page) for _ in range(5))
    out["shown"] = model.rowCount()
    out["viewport"] = (view.viewport().width(), view.viewport().height())
    out["visible_rows"] = view.viewport().height() // max(1, view.rowHeight(0))

    # scrolling: the scroll bar from top to bottom, every step repainted
    bar = view.verticalScrollBar()
    times = []
    for pos in np.linspace(0, bar.maximum(), steps).astype(int):
        t0 = time.perf_counter()
        bar.setValue(int(pos))
        painted(app, paints)
        times.append(time.perf_counter() - t0)
    out["scroll"] = times
    bar.setValue(0)

    # sorting, as a click on a column header does
    names = [c for c, _ in COLUMNS]
    out["sort"] = {}
    for col, order in (("line", Qt.SortOrder.DescendingOrder),
                       ("rule", Qt.SortOrder.AscendingOrder),
                       ("severity", Qt.SortOrder.AscendingOrder)):
        label = dict(COLUMNS)[col]
        out["sort"][label] = elapsed(lambda: (view.sortByColumn(names.index(col), order),
                                              painted(app, paints)))

    # the page's filters (the search box's own 200 ms debounce not included)
    out["filter"] = {}
    for label, kw in (("severity = warning", {"severity": "warning"}),
                      ("all severities again", {"severity": ""}),
                      ("search 'value 99'", {"text": "value 99"}),
                      ("search cleared", {"text": ""})):
        out["filter"][label] = elapsed(lambda: (page.set_filters(**kw),
                                                painted(app, paints)))

    # the same list without the worker's arrays: preparing them on the UI thread too (not
    # the page's usual path: it keeps what the worker prepared)
    def open_raw():
        session.validation, session.validation_key = result, session.profile_key()
        page._prepared = None
        page._show()
        painted(app, paints)
    out["open_raw"] = elapsed(open_raw)
    # ... whose search text is then built by the first search, on the UI thread
    out["first_search_raw"] = elapsed(lambda: (page.set_filters(text="value 99"),
                                               painted(app, paints)))
    page.set_filters(text="")
    session.dirty = False
    wiz.runner.wait_all()
    wiz.hide()
    wiz.deleteLater()
    app.processEvents()
    return out


# --- 2. stalls during an import --------------------------------------------------------------
class StallMeter(QObject):
    """A 10 ms timer on the UI thread: the time between two ticks is how long the UI thread
    could not have answered the operator. ``label()`` names what was going on; it is noted
    on the tick that ends a long gap."""

    def __init__(self, label, interval_ms: int = TICK_MS):
        super().__init__()
        self.label = label
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.stamps: list[float] = []
        self.labels: dict[int, str] = {}     # gap number -> label, for long gaps
        self.last = 0.0

    def start(self):
        self.last = time.perf_counter()
        self.stamps = [self.last]
        self.timer.start()

    def stop(self):
        self.timer.stop()

    def _tick(self):
        now = time.perf_counter()
        if now - self.last > STALL_TARGET_MS / 1000:
            self.labels[len(self.stamps) - 1] = self.label()
        self.last = now
        self.stamps.append(now)

    def gaps(self) -> np.ndarray:
        return np.diff(np.asarray(self.stamps))


def run_event_loop(loop: QEventLoop) -> None:
    """The UI thread waits here while the import runs (the watchdog recognises this frame)."""
    loop.exec()


def code_location(frame) -> str:
    """Where a thread is, by code location only: the innermost frame in the wizard's code
    (and the innermost frame, when that is a library); never any values."""
    wizard_dir = str(ROOT / "wizard")
    inner = frame
    ours = None
    f = frame
    while f is not None:
        if ours is None and f.f_code.co_filename.startswith(wizard_dir):
            ours = f
        f = f.f_back
    if inner is None:
        return "(no Python frame: not started, or ended)"
    if inner.f_code is run_event_loop.__code__:
        return "Qt event loop: C++ work, or waiting for the GIL to run a Python slot"

    def short(fr):
        p = Path(fr.f_code.co_filename)
        try:
            p = p.relative_to(ROOT)
        except ValueError:
            p = Path(*p.parts[-2:])
        return f"{p}:{fr.f_lineno} {fr.f_code.co_name}()"
    if ours is None:
        return short(inner)
    return short(ours) + ("" if ours is inner else f" -> {short(inner)}")


class Watchdog(threading.Thread):
    """Off the UI thread, every 5 ms: when the UI timer is more than 50 ms late, note what
    the UI thread and the engine's worker thread run, and how late this thread itself woke
    (time spent waiting for the GIL, or for a core). When it woke more than 50 ms late, note
    where the worker is: a C call that held the GIL that long has just returned there."""

    def __init__(self, meter: StallMeter, worker: set[int]):
        super().__init__(daemon=True, name="bench-watchdog")
        self.meter, self.worker = meter, worker
        self.main = threading.main_thread().ident
        # time, UI thread's location, worker's location, own lateness
        self.samples: list[tuple[float, str, str, float]] = []
        self.late_wakes: list[tuple[float, str]] = []       # lateness, worker's location
        self._halt = threading.Event()

    def run(self):
        before = time.perf_counter()
        while not self._halt.is_set():
            time.sleep(WATCH_S)
            now = time.perf_counter()
            late = now - before - WATCH_S
            before = now
            ui_late = now - self.meter.last > 0.05
            if ui_late or late > 0.05:
                frames = sys._current_frames()
                worker = code_location(frames.get(next(iter(self.worker), None)))
                if ui_late:
                    self.samples.append((now, code_location(frames.get(self.main)), worker,
                                         late))
                if late > 0.05:
                    self.late_wakes.append((late, worker))
                del frames

    def stop(self):
        self._halt.set()
        self.join()


def build_import_plan(work: Path, visits: int, seed: int) -> tuple:
    """The export, the database and a session ready to import, as the pages leave it."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    from wizard.core.backup import make_backup
    from wizard.core.suggest import suggest_profile
    from wizard.core.session import MigrationSession, inspect_target, read_sources
    from wizard.testing.legacy_export import generate

    setup = {}
    export, db = work / "export", work / "hmsync.db"
    t0 = time.perf_counter()
    manifest = generate(export, patients=max(1, visits // 5), visits=visits, doctors=200,
                        seed=seed, dirty=0.02)
    (export / "manifest.json").unlink()
    setup["generate"] = time.perf_counter() - t0
    subprocess.run([sys.executable, "-m", "wizard.cli", "init-db", str(db)], check=True,
                   capture_output=True, cwd=ROOT)
    t0 = time.perf_counter()
    session = MigrationSession(name="Benchmark", source_system="hcplus")
    session.add_sources([export])
    session.set_target(db, inspect_target(db))                       # the Target page
    read = read_sources(session.source_paths)                        # the Sources page ...
    sugg = suggest_profile(read.tables, session.targets, name=session.name,
                           source_system=session.source_system)
    session.apply_sources_read(read, session.sources_key())
    session.merge_suggestion(sugg)                                   # ... and its suggestion
    session.backup_dir = work
    session.backup = make_backup(session.target, work)                  # the Backup page
    setup["session"] = time.perf_counter() - t0
    if not session.backup_current():
        raise RuntimeError("the backup is not current: the Import page would refuse")
    return session, manifest, setup


def bench_import(app: QApplication, work: Path, visits: int, seed: int,
                 timeout_s: float) -> dict:
    from wizard.gui.pages import PageId

    session, manifest, setup = build_import_plan(work, visits, seed)
    out = {"setup": setup, "records": sum(manifest["rows"].values()),
           "mapped": len(session.mapped())}
    wiz, page = open_wizard(session, PageId.IMPORT)
    app.processEvents()

    # in the worker, on every engine progress: the stage, and which thread runs the engine
    stage = ["(starting)"]
    engine_threads: set[int] = set()

    def hook(p):
        engine_threads.add(threading.get_ident())
        stage[0] = f"{p.stage} {p.table}".strip()
    wiz.progress_hook = hook

    meter = StallMeter(lambda: stage[0])
    loop = QEventLoop()
    ended = {}
    received = [0]

    def start():
        ended["t0"] = time.perf_counter()
        page.start_import()                     # the button's slot: the real code path
        ended["started"] = time.perf_counter() - ended["t0"]
        task = page.task
        if task is None:                        # refused (a dialog said why)
            ended["t1"] = time.perf_counter()
            loop.quit()
            return
        task.progress.connect(lambda _p: received.__setitem__(0, received[0] + 1))

        def done():
            ended["t1"] = time.perf_counter()
            QTimer.singleShot(300, loop.quit)   # and a little after, for what follows
        task.done.connect(done)

    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    guard.start(int(timeout_s * 1000))
    meter.start()
    QTimer.singleShot(0, start)     # so that start_import()'s own UI time is measured too
    watchdog = Watchdog(meter, engine_threads)
    watchdog.start()
    run_event_loop(loop)
    meter.stop()
    watchdog.stop()
    guard.stop()

    gaps = meter.gaps()
    out["gaps"] = gaps
    out["wall"] = ended.get("t1", time.perf_counter()) - ended.get("t0", time.perf_counter())
    out["timed_out"] = "t1" not in ended
    out["engine_in_worker"] = bool(engine_threads) and \
        threading.main_thread().ident not in engine_threads
    out["progress_signals"] = received[0]
    res, rep = session.run_result, session.run_report
    out["committed"] = bool(res is not None and res.committed)
    out["imported"] = sum(t.get("imported", 0) for t in rep["tables"].values()) if rep else 0
    out["expected"] = sum(manifest["clean_rows"].values())
    out["timings"] = (rep or {}).get("timings_s", {})
    # the long gaps: when, how long, the stage, where the UI thread was, the GIL wait
    stamps = np.asarray(meter.stamps)
    stalls = []
    for i in np.flatnonzero(gaps > STALL_TARGET_MS / 1000):
        start_t, end_t = stamps[i], stamps[i + 1]
        inside = [x for x in watchdog.samples if start_t < x[0] <= end_t]
        ui = Counter(x[1] for x in inside).most_common(1)
        wk = Counter(x[2] for x in inside).most_common(1)
        stalls.append({"at": start_t - ended.get("t0", stamps[0]), "gap": gaps[i],
                       "stage": meter.labels.get(int(i), ""),
                       "ui": ui[0][0] if ui else "(no sample)",
                       "worker": wk[0][0] if wk else "(no sample)",
                       "gil_wait": max((x[3] for x in inside), default=0.0)})
    out["stalls"] = stalls
    out["ui_where"] = Counter(x[1] for x in watchdog.samples).most_common(6)
    out["worker_where"] = Counter(x[2] for x in watchdog.samples).most_common(6)
    out["start_import"] = ended.get("started", 0.0)
    out["late_wakes"] = watchdog.late_wakes

    session.dirty = False
    wiz.runner.wait_all()
    wiz.hide()
    wiz.deleteLater()
    app.processEvents()
    return out


# --- the report --------------------------------------------------------------------------------
def report_problems(r: dict):
    n = r["n"]
    scroll = r["scroll"]
    print(f"\nvalidation table: {n:,} problems (window {WINDOW[0]}x{WINDOW[1]}, list "
          f"{r['viewport'][0]}x{r['viewport'][1]} px, ~{r['visible_rows']} rows visible)")
    print(f"  {'':52} {'measured':>11}  target")
    print(f"  {'open: the result handed to the page, painted':52} {ms(r['open']):>11}  "
          f"< {OPEN_TARGET_S} s: {verdict(r['open'] < OPEN_TARGET_S)}"
          f"   ({r['shown']:,} rows shown)")
    print(f"  {'open again: median of 5':52} {ms(r['open_again']):>11}  "
          f"< {OPEN_TARGET_S} s: {verdict(r['open_again'] < OPEN_TARGET_S)}")
    print(f"  {'  (before it, in the worker: prepare_problems)':52} "
          f"{ms(r['prepare_worker']):>11}  (not UI time)")
    print(f"  {'open, arrays prepared on the UI thread instead':52} "
          f"{ms(r['open_raw']):>11}  < {OPEN_TARGET_S} s: "
          f"{verdict(r['open_raw'] < OPEN_TARGET_S)}")
    med, worst = statistics.median(scroll), max(scroll)
    print(f"  {f'scroll, {len(scroll)} steps top to bottom: median':52} {ms(med):>11}  "
          f"< {FRAME_MS:.1f} ms (a 60 Hz frame): {verdict(med < FRAME_MS / 1000)}")
    print(f"  {'                                         worst':52} {ms(worst):>11}  "
          f"< {FRAME_MS:.1f} ms: {verdict(worst < FRAME_MS / 1000)}; "
          f"< {STALL_TARGET_MS:.0f} ms: {verdict(worst < STALL_TARGET_MS / 1000)}")
    for label, t in r["sort"].items():
        print(f"  {f'sort by {label}, painted':52} {ms(t):>11}  "
              f"< {STALL_TARGET_MS:.0f} ms: {verdict(t < STALL_TARGET_MS / 1000)}")
    for label, t in r["filter"].items():
        print(f"  {f'filter: {label}, painted':52} {ms(t):>11}  "
              f"< {STALL_TARGET_MS:.0f} ms: {verdict(t < STALL_TARGET_MS / 1000)}")
    print(f"  {'  then the first search (builds its text on UI)':52} "
          f"{ms(r['first_search_raw']):>11}  < {STALL_TARGET_MS:.0f} ms: "
          f"{verdict(r['first_search_raw'] < STALL_TARGET_MS / 1000)}")


def report_import(r: dict, visits: int):
    gaps_ms = r["gaps"] * 1000
    over = int((gaps_ms > STALL_TARGET_MS).sum())
    worst = float(gaps_ms.max()) if len(gaps_ms) else 0.0
    print(f"\nimport: {visits:,} visits, {r['records']:,} records in {r['mapped']} legacy "
          f"tables (setup: generate {r['setup']['generate']:.1f} s, read + map + backup "
          f"{r['setup']['session']:.1f} s)")
    if r["timed_out"]:
        print("  the import did not finish before the time limit: the figures are partial")
    print(f"  engine ran in the worker thread: {'yes' if r['engine_in_worker'] else 'NO'}; "
          f"{'committed' if r['committed'] else 'NOT committed'}, {r['imported']:,} of "
          f"{r['expected']:,} clean records imported; {r['progress_signals']:,} progress "
          "signals reached the UI")
    print(f"  {'':52} {'measured':>11}  target")
    print(f"  {'import wall time (Start pressed to task done)':52} {ms(r['wall']):>11}  "
          f"({r['records'] / max(r['wall'], 1e-9):,.0f} records/s)")
    print(f"  {'  of which start_import() on the UI thread':52} {ms(r['start_import']):>11}  "
          f"< {STALL_TARGET_MS:.0f} ms: {verdict(r['start_import'] < STALL_TARGET_MS / 1000)}")
    print(f"  {f'UI timer gaps ({TICK_MS} ms timer, {len(gaps_ms):,} ticks): max':52} "
          f"{worst:>8,.0f} ms  < {STALL_TARGET_MS:.0f} ms: {verdict(worst <= STALL_TARGET_MS)}")
    if len(gaps_ms):
        print(f"  {'                                         99th percentile':52} "
              f"{np.percentile(gaps_ms, 99):>8,.0f} ms")
        print(f"  {'                                         median':52} "
              f"{np.median(gaps_ms):>8,.1f} ms")
    print(f"  {'gaps over 100 ms':52} {over:>11,}  0: {verdict(over == 0)}")
    if r["timings"]:
        print("  engine's own timings (s): " + ", ".join(f"{k} {v:.1f}"
                                                      for k, v in r["timings"].items()))
    if r["stalls"]:
        print("  the longest stalls (seconds after Start pressed, length, engine stage; where "
              "the UI thread and the worker mostly were; the watchdog's worst wake-up delay, "
              "i.e. GIL or CPU wait):")
        for s in sorted(r["stalls"], key=lambda s: -s["gap"])[:8]:
            print(f"    +{s['at']:6.1f} s {s['gap'] * 1000:6,.0f} ms  {s['stage'] or '-'}; "
                  f"watchdog late {s['gil_wait'] * 1000:,.0f} ms\n"
                  f"        UI:     {s['ui']}\n        worker: {s['worker']}")
    wakes = r["late_wakes"]
    print(f"  watchdog wake-ups > 50 ms late (a C call held the GIL, or no core was free): "
          f"{len(wakes)}" + (f", worst {max(w for w, _ in wakes) * 1000:,.0f} ms; where the "
                             "worker was then:" if wakes else ""))
    for w, n in Counter(loc for _, loc in wakes).most_common(6):
        print(f"    {n:6,}  {w}")
    for who in ("ui", "worker"):
        if r[f"{who}_where"]:
            print(f"  where the {'UI thread' if who == 'ui' else 'worker'} was whenever the UI "
                  "timer ran > 50 ms late (5 ms samples):")
            for w, n in r[f"{who}_where"]:
                print(f"    {n:6,}  {w}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=100_000,
                    help="problems in the validation table (0: skip)")
    ap.add_argument("--visits", type=int, default=1_000_000,
                    help="visits in the export to import, patients = visits / 5 (0: skip)")
    ap.add_argument("--scroll-steps", type=int, default=50)
    ap.add_argument("--seed", type=int, default=445)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the import")
    ap.add_argument("--work", help="folder for the export and the database (default: a temp "
                                   "dir, removed at the end)")
    a = ap.parse_args()
    work = Path(a.work or tempfile.mkdtemp(prefix="hmsync-bench-gui-"))
    work.mkdir(parents=True, exist_ok=True)
    # the wizard's settings and log go into the work folder, never the operator's
    os.environ.setdefault("HMSYNC_WIZARD_LOG_DIR", str(work / "logs"))
    from wizard.gui import dialogs, settings
    from wizard.gui.app import setup_application
    settings.use_file(work / "settings.ini")
    shown = []

    def answer(kind, title, text, default):
        """No modal dialog may block an unattended run: answer as the default would (only
        the kind and title are kept: the text may name files)."""
        shown.append((kind, title))
        return True if kind == "confirm" else default
    dialogs.responder = answer

    app = QApplication.instance() or QApplication(sys.argv[:1])
    setup_application(app)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, PySide6 {PySide6.__version__} (Qt "
          f"{qVersion()}), QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}, "
          f"switch interval {sys.getswitchinterval() * 1000:.0f} ms, load average "
          f"{os.getloadavg()[0]:.2f} at the start"
          + (f", HMSYNC_WIZARD_PARALLEL={os.environ['HMSYNC_WIZARD_PARALLEL']}"
             if os.environ.get("HMSYNC_WIZARD_PARALLEL") else ""))
    try:
        if a.problems > 0:
            report_problems(bench_problems(app, a.problems, a.scroll_steps, a.seed))
        if a.visits > 0:
            report_import(bench_import(app, work / f"import-{a.visits}", a.visits, a.seed,
                                       a.timeout), a.visits)
        if shown:
            print("\ndialogs the wizard showed (answered automatically): "
                  + "; ".join(f"{k}: {t}" for k, t in shown))
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
