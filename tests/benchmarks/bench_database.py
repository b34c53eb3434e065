"""Benchmark: reading the same export from CSV files, SQLite, PostgreSQL and MariaDB.

Not part of the test suite (no timed assertions); it prints figures. One command:

    .venv/bin/python tests/benchmarks/bench_database.py                  # 200000:1000000
    .venv/bin/python tests/benchmarks/bench_database.py --scale 20000:100000 --repeat 1

It generates a dirty export with the project's generator, loads its CSV files (ragged
records left out: a table cannot hold them) into an SQLite file and into throwaway
PostgreSQL and MariaDB servers on loopback (tests/pgserver.py, tests/mariadbserver.py),
then reads every table through the wizard's readers, chunk by chunk, as a run does: each
source in its own process, printing wall time, records and the process's peak resident
memory (VmHWM), and the ratio to the CSV read. With --repeat N the sources are read in
turn N times (the machine's speed drifts: each ratio is taken within one round) and the
medians are printed last, with the PostgreSQL/CSV ratio against issue 28's target.
"""
from __future__ import annotations

import argparse
import csv
import json
import statistics
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
    ap.add_argument("--repeat", type=int, default=3, help="rounds of reads (default 3)")
    args = ap.parse_args(argv)
    patients, visits = map(int, args.scale.split(":"))
    import os
    import mariadbserver
    import pgserver
    why = pgserver.missing()
    why_my = mariadbserver.missing()
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
        readers = {"csv": lambda: _read(str(export), False),
                   "sqlite": lambda: _read(str(db), False)}
        servers = []
        try:
            if why is None:
                server = pgserver.Server()
                servers.append(server)
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
                readers["postgresql"] = lambda s=server, e=env: _read(s.url("bench"), True, e)
            else:
                print(f"postgresql: not measured ({why})")
            if why_my is None:
                server = mariadbserver.Server()
                servers.append(server)
                server.create_database("bench")
                c = server.connect("bench")
                cur = c.cursor()
                for f in sorted(export.glob("*.csv")):
                    it = _rows(f)
                    header = next(it)
                    cols = ", ".join(f"`{h}` text" for h in header)
                    cur.execute(f"CREATE TABLE `{f.stem}` (id bigint AUTO_INCREMENT "
                                f"PRIMARY KEY, {cols})")
                    sql = (f"INSERT INTO `{f.stem}` ({', '.join(f'`{h}`' for h in header)}) "
                           f"VALUES ({', '.join(['%s'] * len(header))})")
                    batch = []
                    for row in it:
                        batch.append(row)
                        if len(batch) == 5000:
                            cur.executemany(sql, batch)
                            batch = []
                    if batch:
                        cur.executemany(sql, batch)
                c.close()
                env = dict(os.environ, HMSYNC_SOURCE_PASSWORD=mariadbserver.PASSWORD)
                readers["mariadb"] = lambda s=server, e=env: _read(s.url("bench"), True, e)
            else:
                print(f"mariadb: not measured ({why_my})")
            rounds = []
            for i in range(args.repeat):
                results = {k: read() for k, read in readers.items()}
                rounds.append(results)
                _print(f"round {i + 1}", results, results["csv"]["seconds"])
        finally:
            for server in servers:
                server.stop()
    if len(rounds) > 1:
        med = {k: {m: statistics.median(r[k][m] for r in rounds)
                   for m in ("seconds", "records", "peak_mb")} for k in readers}
        _print("median", med, med["csv"]["seconds"])
    if "postgresql" in readers:
        ratios = [r["postgresql"]["seconds"] / r["csv"]["seconds"] for r in rounds]
        print(f"postgresql read / csv read: {statistics.median(ratios):.2f}x median "
              f"({', '.join(f'{x:.2f}' for x in ratios)}); issue 28's target: 1.5x or less")
    return 0


def _print(title: str, results: dict, base: float) -> None:
    print(title)
    for k, r in results.items():
        print(f"  {k:10} {r['records']:>10,.0f} records {r['seconds']:7.1f} s "
              f"{r['records'] / r['seconds']:>10,.0f} rec/s  peak {r['peak_mb']:6.0f} MB  "
              f"{r['seconds'] / base:4.2f}x the CSV read", flush=True)


if __name__ == "__main__":
    sys.exit(main())
