"""Benchmark: what a row filter and a computed field cost a full run, at 1M visits.

Not part of the test suite (no timed assertions); it prints figures. One command:

    .venv/bin/python tests/benchmarks/bench_profile_language.py
    .venv/bin/python tests/benchmarks/bench_profile_language.py --baseline /work/main
    .venv/bin/python tests/benchmarks/bench_profile_language.py --visits 200000 --repeat 3

It generates one dirty HealthCare Plus export (the project's generator, as bench_run.py),
times the sqlite3 shell's floor on it (bench_run.floor) and then, side by side, the whole
`hmsync-migrate run` with:

- ``plain``: resources/profiles/healthcare-plus.yaml as it is (no where:, expr: or lookup:);
- ``filter+expr``: the same, with visits.csv given ``where: "visitDate IS NOT NULL AND
  lower(coalesce(notes, '')) <> 'test record'"`` (it drops the dirty visits with no date,
  which the plain profile rejects instead) and ``diagnosis: {expr:
  "upper(trim(diagnosis))"}``;
- with ``--baseline DIR``: ``plain`` again with the code of another checkout (DIR, e.g. the
  main branch's worktree), so that the ratio of a profile using none of the language can be
  compared before and after a change (issue 25: within 10%).

Each line: wall seconds, the ratio to the floor, peak memory, and whether the verification
passed. A shared machine's speed varies from minute to minute: --repeat runs each variant
that many times, interleaved, and prints the medians.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import bench_run  # noqa: E402
from wizard.testing.legacy_export import generate  # noqa: E402

PROFILE = ROOT / "resources" / "profiles" / "healthcare-plus.yaml"
WHERE = "visitDate IS NOT NULL AND lower(coalesce(notes, '')) <> 'test record'"
EXPR = "upper(trim(diagnosis))"


def language_profile(out: Path) -> Path:
    """healthcare-plus.yaml with the visits' filter and computed diagnosis."""
    d = yaml.safe_load(PROFILE.read_text(encoding="utf-8"))
    visits = d["tables"]["visits.csv"]
    visits["where"] = WHERE
    visits["fields"]["diagnosis"] = {"expr": EXPR}
    out.write_text(yaml.safe_dump(d, sort_keys=False), encoding="utf-8")
    return out


def timed(export: Path, work: Path, profile: Path, code: Path) -> dict:
    """One `hmsync-migrate run` with the code of ``code`` (a checkout of the project)."""
    for old in [work / "target.db", *work.glob("backup-*.db")]:
        old.unlink(missing_ok=True)
    bench_run.ROOT = code  # (run_wizard starts the program there: its code is imported)
    try:
        return bench_run.run_wizard(export, work, str(profile))
    finally:
        bench_run.ROOT = ROOT


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=200_000)
    ap.add_argument("--visits", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--baseline", help="another checkout whose code runs the plain profile "
                    "too (e.g. /work/main)")
    ap.add_argument("--work", help="folder for the export and databases (default: temp)")
    a = ap.parse_args()
    work = Path(a.work or tempfile.mkdtemp(prefix="hmsync-bench-lang-"))
    export = work / "export"
    if export.exists():
        shutil.rmtree(export)
    m = generate(export, patients=a.patients, visits=a.visits, doctors=200, seed=445,
                 dirty=0.02)
    (export / "manifest.json").unlink()
    records = sum(m["rows"].values())
    lang = language_profile(work / "language.yaml")
    variants = [("plain", PROFILE, ROOT), ("filter+expr", lang, ROOT)]
    if a.baseline:
        variants.append(("plain, baseline code", PROFILE, Path(a.baseline).resolve()))
    floors: list[float] = []
    runs: dict[str, list[dict]] = {v[0]: [] for v in variants}
    for i in range(a.repeat):  # interleaved: each variant meets the same minute's machine,
        # and each goes first in turn (the first run after the export is written was the
        # slowest, whichever it was)
        fl = bench_run.floor(export, work, indexes_after=True)
        if fl:
            floors.append(fl)
        for name, profile, code in variants[i % len(variants):] + variants[:i % len(variants)]:
            runs[name].append(timed(export, work, profile, code))
    fl = statistics.median_low(floors) if floors else None
    print(f"{a.patients:,} patients, {a.visits:,} visits, {records:,} records; sqlite3 floor "
          f"{'%.1f s' % fl if fl else 'missing'}; repeat {a.repeat}")
    print(f"  filter: where: \"{WHERE}\"; computed: diagnosis: {{expr: \"{EXPR}\"}}")
    print(f"{'variant':24} {'run s':>8} {'ratio':>6} {'peak MB':>8}  {'each run s':20} result")
    ratios = {}
    for name, _, _ in variants:
        rs = runs[name]
        wall = statistics.median_low([r["wall"] for r in rs])
        ratio = wall / fl if fl else float("nan")
        ratios[name] = ratio
        ok = all(r["rc"] in (0, 1) and r["report"].get("passed") for r in rs)
        filt = rs[0]["report"].get("tables", {}).get("visits", {}).get("filtered")
        print(f"{name:24} {wall:8.1f} {ratio:6.2f} {max(r['peak_mb'] for r in rs):8.0f}  "
              f"{', '.join('%.1f' % r['wall'] for r in rs):20} "
              + ("verified" if ok else "FAILED: " + rs[0]["stderr"][-200:])
              + (f", visits filtered {filt}" if filt is not None else ""))
    base = ratios.get("plain, baseline code")
    if base:
        change = ratios["plain"] / base - 1
        print(f"plain profile, this code against the baseline's: {change:+.1%} "
              f"({'within' if change <= 0.10 else 'OVER'} issue 25's 10%)")
    print(f"filter+expr against plain: {ratios['filter+expr'] / ratios['plain'] - 1:+.1%}")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
