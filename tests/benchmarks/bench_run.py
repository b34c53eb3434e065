"""Benchmark: the full `hmsync-migrate run` against the sqlite3 CLI `.import` floor.

Not part of the test suite (no timed assertions); it prints figures. One command:

    .venv/bin/python tests/benchmarks/bench_run.py                    # guide scale + 2 scales
    .venv/bin/python tests/benchmarks/bench_run.py --scales 200000:1000000,400000:2000000
    .venv/bin/python tests/benchmarks/bench_run.py --scales 200000:1000000 --repeat 3

For each scale it generates a dirty HealthCare Plus export with the project's own generator,
imports the same CSV files with the sqlite3 command-line shell into tables of the same
columns and keys (the floor: no validation, no transforms), then runs the whole
`hmsync-migrate run` (read, map, transform, validate, backup, import, verify) into a fresh
HMSync database, and prints wall time, records/s, peak memory and the ratio to the floor.

"peak MB" is the largest resident memory of the run's processes together (the engine and,
for big exports, the helper process that reads and converts, and Python's small resource
tracker beside it), sampled every 50 ms, or the engine's own peak where that is larger;
it counts the libraries both processes map twice. "pss MB" counts each shared page once
(proportional set size, the kernel's own split), sampled every second: reading it costs
the measured run CPU time. "main MB" is the engine's process alone.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wizard.testing.legacy_export import generate  # noqa: E402

TABLES = {"patients": "patientId", "doctors": "doctorId", "visits": "visitId",
          "bills": "billId", "payments": "paymentId", "pathology_tests": "testId"}
FK_INDEXES = {"visits": ["patientId", "doctorId"], "bills": ["visitId", "patientId"],
              "payments": ["billId"], "pathology_tests": ["visitId", "patientId"]}

# the `hmsync-migrate` program itself (wizard.cli:run_program, the console script's entry
# point, and how it exits), with its own peak memory printed by an exit handler
CHILD = ("import atexit, resource, sys\n"
         "from wizard.cli import run_program\n"
         "sys.argv[0] = 'hmsync-migrate'\n"
         "atexit.register(lambda: print('MAXRSS_KB', "
         "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
         "run_program()\n")


def floor(export: Path, work: Path, indexes_after: bool = True) -> float | None:
    """Seconds for the sqlite3 shell to .import the same files into the same keys.

    ``indexes_after`` (the true floor, issue 29): tables with their primary keys, .import,
    then the foreign-key indexes, the fastest way sqlite3 builds the same database and what
    the engine itself does (drop, load, rebuild). Without it: the indexes kept live during
    .import (issue 8's floor, printed beside it)."""
    sqlite = shutil.which("sqlite3")
    if not sqlite:
        return None
    db = work / "floor.db"
    db.unlink(missing_ok=True)
    lines, indexes = [], []
    for t, pk in TABLES.items():
        with open(export / f"{t}.csv", newline="", encoding="utf-8") as f:
            cols = next(csv.reader(f))
        lines.append(f'CREATE TABLE {t} (' + ", ".join(
            f'"{c}" TEXT' + (" PRIMARY KEY" if c == pk else "") for c in cols) + ");")
        for c in FK_INDEXES.get(t, []):
            indexes.append(f'CREATE INDEX ix_{t}_{c} ON {t}("{c}");')
    if not indexes_after:
        lines += indexes
    lines.append(".mode csv")
    lines += [f".import --skip 1 '{export / (t + '.csv')}' {t}" for t in TABLES]
    if indexes_after:
        lines += indexes
    script = work / "floor.sql"
    script.write_text("\n".join(lines) + "\n")
    t0 = time.perf_counter()
    with open(script) as f:
        subprocess.run([sqlite, str(db)], stdin=f, capture_output=True, check=False)
    return time.perf_counter() - t0


def same_floor(target: Path, work: Path) -> float | None:
    """Seconds for the sqlite3 shell to build the database the run built (``--same-db-floor``):
    the run's HMSync tables and legacy-id map, dumped to CSV files first (not timed), into
    tables of the same schema with their keys, .import, then the same indexes, as
    ``floor`` does with the export.

    The ratio's floor imports the export's own texts: short legacy ids in every key and
    reference, and no legacy-id map. HMSync's database holds a 36-character UUID in each
    key and reference, and the map holds a row per record (its legacy id, HMSync id, file,
    line, fingerprint): at 2.28M records 866 MB against the floor's 244 MB. This floor says
    what SQLite alone needs to write that, whoever feeds it. (An empty cell comes back from
    the CSV as an empty text rather than NULL: the same bytes, near enough.)"""
    sqlite = shutil.which("sqlite3")
    if not sqlite or not target.exists():
        return None
    import sqlite3
    con = sqlite3.connect(target)
    try:
        tables = [t for (t,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY rowid")
            if con.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()]
        create = [con.execute("SELECT sql FROM sqlite_master WHERE name=?", (t,)).fetchone()[0]
                  + ";" for t in tables]
        indexes = [sql + ";" for (sql,) in con.execute(
            "SELECT sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL AND "
            f"tbl_name IN ({', '.join('?' * len(tables))})", tables)]
    finally:
        con.close()
    dump = work / "same-db"
    shutil.rmtree(dump, ignore_errors=True)
    dump.mkdir()
    for t in tables:
        with open(dump / f"{t}.csv", "wb") as f:
            subprocess.run([sqlite, "-csv", str(target), f'SELECT * FROM "{t}"'], stdout=f,
                           check=True)
    db = work / "same-floor.db"
    db.unlink(missing_ok=True)
    script = dump / "same.sql"
    script.write_text("\n".join(create + [".mode csv"] + [
        f".import '{dump / (t + '.csv')}' \"{t}\"" for t in tables] + indexes) + "\n")
    t0 = time.perf_counter()
    with open(script) as f:
        subprocess.run([sqlite, str(db)], stdin=f, capture_output=True, check=False)
    took = time.perf_counter() - t0
    shutil.rmtree(dump, ignore_errors=True)
    db.unlink(missing_ok=True)
    return took


#: the proportional set size is read at one sample in this many (every second)
PSS_EVERY = 20


def _tree_memory_kb(pid: int, pss: bool = True) -> tuple[int, int]:
    """(resident, proportional) memory of a process and all its descendants (Linux /proc),
    in kB; proportional 0 unless ``pss``."""
    want_pss = pss
    rss = pss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                rss += next((int(line.split()[1]) for line in f
                             if line.startswith("VmRSS:")), 0)
            if want_pss:
                try:
                    with open(f"/proc/{p}/smaps_rollup") as f:
                        pss += next((int(line.split()[1]) for line in f
                                     if line.startswith("Pss:")), 0)
                except OSError:
                    pass
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            pass
    return rss, pss


def run_wizard(export: Path, work: Path, profile: str | None = None) -> dict:
    db = work / "target.db"
    subprocess.run([sys.executable, "-m", "wizard.cli", "init-db", str(db)], check=True,
                   capture_output=True, cwd=ROOT)
    report = work / "report.json"
    t0 = time.perf_counter()
    extra = ["--profile", profile] if profile else []
    p = subprocess.Popen([sys.executable, "-c", CHILD, "run", str(export), "--target", str(db),
                          "--report", str(report), "--quiet", "--backup-dir", str(work)]
                         + extra,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    # the engine's process and its helper together, sampled every 50 ms
    # (PSS only every PSS_EVERY-th sample: reading smaps_rollup walks the process's page
    # tables, about 10 ms for the engine, and at every sample it took a third of a core
    # from the run it measures; the floor is not sampled at all)
    peak_tree = peak_pss = 0
    tick = 0
    while p.poll() is None:
        rss, pss = _tree_memory_kb(p.pid, pss=tick % PSS_EVERY == 0)
        peak_tree, peak_pss = max(peak_tree, rss), max(peak_pss, pss)
        tick += 1
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    _, err = p.communicate()
    rss = next((int(line.split()[1]) for line in err.splitlines()
                if line.startswith("MAXRSS_KB")), 0)
    rep = json.loads(report.read_text()) if report.exists() else {}
    return {"wall": wall, "rc": p.returncode, "peak_mb": max(rss, peak_tree) / 1024,
            "pss_mb": peak_pss / 1024, "main_mb": rss / 1024, "report": rep,
            "stderr": err[-400:]}


#: issue 8's targets: the full run within RATIO_MAX of the sqlite3 floor at hospital scale
#: (from HOSPITAL_RECORDS records; below that, starting Python is most of the run), the
#: processes' peak memory under PEAK_MAX_MB, the guide's scale under GUIDE_MAX_S
RATIO_MAX = 2.0
PEAK_MAX_MB = 400
HOSPITAL_RECORDS = 1_000_000
GUIDE_MAX_S = 1.5
#: issue 8's own export (200,000 patients, 1,000,000 visits) and its sqlite3 floor there
ISSUE_RECORDS = 2_276_785
ISSUE_FLOOR_S = 7.8
GUIDE_RECORDS = 50_000


@dataclass
class Scale:
    records: int
    wall: float
    ratio: float            # to the true floor (indexes built after the load)
    peak_mb: float
    ok: bool
    ratio_live: float = float("nan")    # to issue 8's floor (indexes live during the load)
    own_work_s: float = float("nan")    # the run's own timings (report timings_s), summed
    #: to the sqlite3 shell building the database the run built (--same-db-floor)
    ratio_same: float = float("nan")


#: issue 29's guide-scale targets, on this machine: the run's own work, and --version
OWN_WORK_MAX_S = 0.5
VERSION_MAX_S = 0.2


def verdict(scales: list[Scale]) -> list[str]:
    """One line per target of issue 8: what was measured against it, and whether it held
    (met / NOT MET / not measured: a scale it needs was not run)."""
    def said(held: bool) -> str:
        return "met" if held else "NOT MET"

    big = [s for s in scales if s.records >= HOSPITAL_RECORDS]
    lines = []
    if len(big) >= 2 and all(s.ratio == s.ratio for s in big):  # (nan: no floor)
        lines.append(f"ratio <= {RATIO_MAX:.1f} at two hospital scales: " + ", ".join(
            f"{s.records / 1e6:.2f}M {s.ratio:.2f}" for s in big) + " -> "
            + said(sum(s.ratio <= RATIO_MAX for s in big) >= 2))
        if all(s.ratio_live == s.ratio_live for s in big):
            lines.append("(to issue 8's floor, the indexes live during the load: " + ", ".join(
                f"{s.records / 1e6:.2f}M {s.ratio_live:.2f}" for s in big) + ")")
        if any(s.ratio_same == s.ratio_same for s in big):
            lines.append("(to the same database built by the sqlite3 shell, UUIDs and the "
                         "legacy-id map included: " + ", ".join(
                             f"{s.records / 1e6:.2f}M {s.ratio_same:.2f}" for s in big
                             if s.ratio_same == s.ratio_same) + ")")
    else:
        lines.append(f"ratio <= {RATIO_MAX:.1f} at two hospital scales: not measured (run two "
                     f"scales of {HOSPITAL_RECORDS:,} records or more, with the sqlite3 shell)")
    lines.append(f"peak memory <= {PEAK_MAX_MB} MB: " + ", ".join(
        f"{s.peak_mb:.0f}" for s in scales) + " MB -> "
        + said(all(s.peak_mb <= PEAK_MAX_MB for s in scales)))
    if len(big) >= 2:
        a, b = big[0], big[-1]
        lines.append(f"flat as the export grows: {b.records / a.records:.1f}x the records, "
                     f"{b.peak_mb / a.peak_mb:.2f}x the peak")
    guide = [s for s in scales if s.records <= GUIDE_RECORDS]
    if guide:
        lines.append(f"the guide's scale in under {GUIDE_MAX_S} s: " + ", ".join(
            f"{s.wall:.1f} s" for s in guide) + " -> " + said(all(s.wall < GUIDE_MAX_S
                                                              for s in guide)))
        own = [s for s in guide if s.own_work_s == s.own_work_s]
        if own:
            lines.append(f"the guide's scale, the run's own work (timings_s) <= "
                         f"{OWN_WORK_MAX_S} s: " + ", ".join(f"{s.own_work_s:.2f} s"
                                                              for s in own)
                         + " -> " + said(all(s.own_work_s <= OWN_WORK_MAX_S for s in own)))
    lines.append("every run imported exactly the clean rows and passed verification -> "
                 + said(all(s.ok for s in scales)))
    issue = [s for s in scales if abs(s.records - ISSUE_RECORDS) <= 0.05 * ISSUE_RECORDS
             and s.ratio == s.ratio and s.ratio > 0]
    if issue:  # how fast this machine is, against the one issue 8 was measured on
        floor = issue[0].wall / issue[0].ratio
        lines.append(f"this machine's sqlite3 floor at {issue[0].records / 1e6:.2f}M records: "
                     f"{floor:.1f} s, {floor / ISSUE_FLOOR_S:.1f}x the {ISSUE_FLOOR_S} s of the "
                     "machine issue 8 was measured on (the guide-scale target is in seconds)")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="5000:20000,20000:100000,40000:200000",
                    help="comma-separated PATIENTS:VISITS pairs")
    ap.add_argument("--doctors", type=int, default=200)
    ap.add_argument("--seed", type=int, default=445)
    ap.add_argument("--repeat", type=int, default=1,
                    help="time the floor and the run this many times each, side by side, and "
                    "print the medians (a shared or virtual machine's speed varies from "
                    "minute to minute); peak memory is the largest of all the runs")
    ap.add_argument("--work", help="folder for exports and databases (default: a temp dir)")
    ap.add_argument("--profile", help="a mapping profile for the runs (default: none, so each "
                    "run suggests one, as `run` without --profile does); e.g. "
                    "resources/profiles/healthcare-plus.yaml")
    ap.add_argument("--same-db-floor", action="store_true",
                    help="also time the sqlite3 shell building the database each run built "
                    "(its tables dumped to CSV, then .import and the indexes): what SQLite "
                    "alone needs for HMSync's keys and the legacy-id map")
    a = ap.parse_args()
    work_root = Path(a.work or tempfile.mkdtemp(prefix="hmsync-bench-"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SQLite shell "
          f"{'found' if shutil.which('sqlite3') else 'missing (no floor)'}; profile: "
          f"{a.profile or 'suggested by each run'}")
    header = (f"{'patients':>9} {'visits':>9} {'records':>9} {'floor s':>8} {'live s':>8} "
              f"{'run s':>8} {'ratio':>6} {'r.live':>6} {'rec/s':>9} {'peak MB':>8} "
              f"{'pss MB':>7} {'main MB':>8}  result")
    print("floor: the sqlite3 shell's tables with their keys, .import, then the indexes (the "
          "ratio's); live: the indexes kept during .import (issue 8's floor, r.live)")
    print(header)
    rows = []
    results: list[Scale] = []
    for pair in a.scales.split(","):
        patients, visits = (int(x) for x in pair.split(":"))
        work = work_root / f"{patients}-{visits}"
        export = work / "export"
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        m = generate(export, patients=patients, visits=visits, doctors=min(a.doctors, 200),
                     seed=a.seed, dirty=0.02)
        (export / "manifest.json").unlink()
        records = sum(m["rows"].values())
        floors, lives, runs, sames = [], [], [], []
        for _ in range(a.repeat):  # floors and run side by side, each time on fresh files
            for old in [work / "floor.db", work / "target.db", *work.glob("backup-*.db")]:
                old.unlink(missing_ok=True)
            floors.append(floor(export, work, indexes_after=True))
            lives.append(floor(export, work, indexes_after=False))
            runs.append(run_wizard(export, work, a.profile and str(Path(a.profile).resolve())))
            if a.same_db_floor:
                sames.append(same_floor(work / "target.db", work))
        fl = statistics.median_low(floors) if all(floors) else None
        live = statistics.median_low(lives) if all(lives) else None
        r = dict(sorted(runs, key=lambda x: x["wall"])[(len(runs) - 1) // 2])  # median (low)
        r["peak_mb"] = max(x["peak_mb"] for x in runs)
        r["pss_mb"] = max(x["pss_mb"] for x in runs)
        r["main_mb"] = max(x["main_mb"] for x in runs)
        rep = r["report"]
        ok = all(x["report"].get("passed") and all(
            x["report"]["tables"][t]["imported"] == m["clean_rows"][t] for t in m["clean_rows"])
            for x in runs)
        ratio = r["wall"] / fl if fl else float("nan")
        ratio_live = r["wall"] / live if live else float("nan")
        walls = [x["wall"] for x in runs]
        if a.repeat > 1:
            print(f"  each time: floor {', '.join(f'{x:.1f}' for x in floors)} s (indexes "
                  f"live: {', '.join(f'{x:.1f}' for x in lives)} s); run "
                  f"{', '.join(f'{x:.1f}' for x in walls)} s; ratio "
                  f"{', '.join(f'{x / y:.2f}' for x, y in zip(walls, floors) if y)}")
        if sames and all(sames):
            print(f"  same database by the sqlite3 shell: {', '.join(f'{x:.1f}' for x in sames)} "
                  f"s; ratio {', '.join(f'{x / y:.2f}' for x, y in zip(walls, sames))}")
        print(f"{patients:9,} {visits:9,} {records:9,} {fl or 0:8.1f} {live or 0:8.1f} "
              f"{r['wall']:8.1f} {ratio:6.2f} {ratio_live:6.2f} {records / r['wall']:9,.0f} "
              f"{r['peak_mb']:8.0f} {r['pss_mb']:7.0f} {r['main_mb']:8.0f}  "
              f"{'verified, clean rows imported' if ok else 'FAILED: ' + r['stderr']}")
        timings = rep.get("timings_s", {})
        rows.append((patients, visits, timings))
        # ("of which ..." is a part of the phase before it, not more time)
        own = sum(v for k, v in timings.items() if isinstance(v, (int, float))
                  and not k.startswith("of which")) if timings else float("nan")
        same = statistics.median_low(sames) if sames and all(sames) else None
        results.append(Scale(records, r["wall"], ratio, r["peak_mb"], ok, ratio_live, own,
                             r["wall"] / same if same else float("nan")))
    print("\nwhere the time goes (seconds, from the run report):")
    for patients, visits, t in rows:
        print(f"  {patients:,}/{visits:,}: " + ", ".join(f"{k} {v:.1f}" for k, v in t.items()))
    print("\nissue 8's and 29's targets, in this run:")
    for line in verdict(results):
        print("  " + line)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "wizard.cli", "--version"], capture_output=True,
                   cwd=ROOT)
    took = time.perf_counter() - started
    print(f"  hmsync-migrate --version <= {VERSION_MAX_S} s: {took:.2f} s -> "
          f"{'met' if took <= VERSION_MAX_S else 'NOT MET'}")
    if not a.work:
        shutil.rmtree(work_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
