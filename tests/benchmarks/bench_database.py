"""Benchmark: reading the same export from CSV files, from SQLite and from PostgreSQL.

Not part of the test suite (no timed assertions); it prints figures. One command:

    .venv/bin/python tests/benchmarks/bench_database.py                  # 200000:1000000
    .venv/bin/python tests/benchmarks/bench_database.py --scale 20000:100000

It generates a dirty export with the project's generator, loads its CSV files (ragged
records left out: a table cannot hold them) into an SQLite file and into a throwaway
PostgreSQL server on loopback (tests/pgserver.py), then reads every table through the
wizard's readers, chunk by chunk, as a run does: each source in its own process, printing
wall time, records and the process's peak resident memory (VmHWM), and the ratio to the
CSV read.
"""
from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from wizard.testing.legacy_export import generate  # noqa: E402

CHILD = """
import sys, time, json
sys.path.insert(0, {root!r})
from wizard.core.readers import open_sources
from wizard.core.readers.database import snapshot
t0 = time.perf_counter()
tables, errors = open_sources([{source!r}] if {is_url!r} else [__import__("pathlib").Path({source!r})])
n = 0
with snapshot(tables):
    for t in tables:
        for chunk in t.iter_chunks():
            n += len(chunk)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked parent across exec
hwm = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM"))
print(json.dumps({{"seconds": time.perf_counter() - t0, "records": n, "peak_mb": hwm / 1024}}))
"""


def _read(source: str, is_url: bool, env=None) -> dict:
    code = CHILD.format(root=str(ROOT), source=source, is_url=is_url)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=env, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def _rows(f: Path):
    with open(f, newline="", encoding="utf-8") as fh:
        r = csv.reader(fh)
        header = next(r)
        yield header
        for row in r:
            if len(row) == len(header):
                yield row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="200000:1000000", help="PATIENTS:VISITS")
    args = ap.parse_args(argv)
    patients, visits = map(int, args.scale.split(":"))
    import os
    import pgserver
    why = pgserver.missing()
    with tempfile.TemporaryDirectory(prefix="hmsync-bench-db-") as tmp:
        tmp = Path(tmp)
        export = tmp / "csv"
        generate(export, patients=patients, visits=visits, doctors=200, seed=11)
        (export / "manifest.json").unlink()
        # the CSV side reads the same records as the databases hold
        for f in export.glob("*.csv"):
            tmp_csv = f.with_suffix(".tmp")
            with open(tmp_csv, "w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerows(_rows(f))
            tmp_csv.replace(f)
        db = tmp / "legacy.db"
        con = sqlite3.connect(db)
        for f in sorted(export.glob("*.csv")):
            it = _rows(f)
            header = next(it)
            con.execute(f'CREATE TABLE "{f.stem}" ({", ".join(chr(34) + h + chr(34) for h in header)})')
            con.executemany(f'INSERT INTO "{f.stem}" VALUES ({", ".join("?" * len(header))})', it)
        con.commit()
        con.close()
        results = {"csv": _read(str(export), False), "sqlite": _read(str(db), False)}
        if why is None:
            server = pgserver.Server()
            try:
                c = server.connect()
                c.execute('CREATE DATABASE "bench"')
                c.close()
                c = server.connect("bench")
                for f in sorted(export.glob("*.csv")):
                    it = _rows(f)
                    header = next(it)
                    cols = ", ".join(f'"{h}" text' for h in header)
                    c.execute(f'CREATE TABLE "{f.stem}" (id bigserial PRIMARY KEY, {cols})')
                    names = ", ".join(f'"{h}"' for h in header)
                    with c.cursor().copy(f'COPY "{f.stem}" ({names}) FROM STDIN') as cp:
                        for row in it:
                            cp.write_row(row)
                c.execute("VACUUM ANALYZE")
                c.close()
                env = dict(os.environ, HMSYNC_SOURCE_PASSWORD=pgserver.PASSWORD)
                results["postgresql"] = _read(server.url("bench"), True, env)
            finally:
                server.stop()
        else:
            print(f"postgresql: not measured ({why})")
    base = results["csv"]["seconds"]
    for k, r in results.items():
        print(f"{k:10} {r['records']:>10,} records {r['seconds']:7.1f} s "
              f"{r['records'] / r['seconds']:>10,.0f} rec/s  peak {r['peak_mb']:6.0f} MB  "
              f"{r['seconds'] / base:4.2f}x the CSV read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
