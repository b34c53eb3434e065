"""Benchmark: a profile's expressions (where: and expr:) on 1M records, three ways.

Not part of the test suite (no timed assertions); it prints figures. One command:

    .venv/bin/python tests/benchmarks/bench_expr.py              # 1,000,000 records
    .venv/bin/python tests/benchmarks/bench_expr.py --rows 200000

The options issue 25 named, measured on the same records in chunks of the engine's size:

- ``sqlite``: what the wizard ships (wizard/core/expr.py): SQLite's expressions over each
  chunk in a private in-memory database, with the authorizer, step cap and our functions.
- ``tree``: a small language of our own, walked record by record: Python's own parser
  (``ast``) with a whitelist of nodes and the same functions. It is what "a parser of our
  own" costs at its simplest, before any vectorising.
- ``pandas``: the same work written by hand as vectorised pandas calls: the floor a
  compiler of our own into column operations could reach (and the code it would need to
  generate for every function and operator).

For each expression it prints seconds and records per second. Error locality is the same
for sqlite and tree (a record that fails is named by its line); pandas would have to find
the failing cells again after a column operation failed.
"""
from __future__ import annotations

import argparse
import ast
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wizard.core import expr as E  # noqa: E402
from wizard.core.computed import computed, keep  # noqa: E402
from wizard.core.engine import CHUNK_ROWS  # noqa: E402
from wizard.core.readers import CORRUPT, LINE  # noqa: E402

CATEGORIES = ["laboratory", "vital-signs", "survey", "social-history", "imaging"]


def records(n: int, seed: int = 25) -> pd.DataFrame:
    rnd = random.Random(seed)
    first = [f"{rnd.choice(['Alfred', 'Maria', 'Ravi', 'Li'])}{rnd.randint(0, 999)}"
             for _ in range(n)]
    last = [rnd.choice(["smith", "lopez", "kumar", "wei"]) for _ in range(n)]
    birth = [f"{rnd.randint(1920, 2020)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
             for _ in range(n)]
    death = [f"{rnd.randint(2021, 2024)}-01-15" if rnd.random() < 0.1 else "" for _ in range(n)]
    cat = [rnd.choice(CATEGORIES) for _ in range(n)]
    return pd.DataFrame({"FIRST": first, "LAST": last, "BIRTHDATE": birth, "DEATHDATE": death,
                         "CATEGORY": cat, LINE: np.arange(2, n + 2), CORRUPT: [""] * n})


EXPRESSIONS = {
    "filter: lower(CATEGORY) = 'laboratory'": (
        "lower(CATEGORY) = 'laboratory'", "lower(CATEGORY) == 'laboratory'"),
    "name: regexp_replace(FIRST, '[0-9]+$', '') || ' ' || upper(LAST)": (
        "regexp_replace(FIRST, '[0-9]+$', '') || ' ' || upper(LAST)",
        "regexp_replace(FIRST, '[0-9]+$', '') + ' ' + upper(LAST)"),
    "age: age_at(BIRTHDATE, DEATHDATE)": (
        "age_at(BIRTHDATE, DEATHDATE)", "age_at(BIRTHDATE, DEATHDATE)"),
}


# --- a tree-walking evaluator of our own (the alternative measured) ---------------------
_FUNCS = {"lower": lambda v: None if v is None else v.lower(),
          "upper": lambda v: None if v is None else v.upper(),
          "regexp_replace": E._regexp_replace, "age_at": E._age_at}
_OPS = {ast.Add: lambda a, b: None if a is None or b is None else a + b,
        ast.Eq: lambda a, b: a == b}


def tree_compile(text: str):
    node = ast.parse(text, mode="eval").body

    def build(n):
        if isinstance(n, ast.Constant) and isinstance(n.value, (str, int, float)):
            v = n.value
            return lambda row: v
        if isinstance(n, ast.Name):
            name = n.id
            return lambda row: row[name]
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCS:
            f, args = _FUNCS[n.func.id], [build(a) for a in n.args]
            return lambda row: f(*(a(row) for a in args))
        if isinstance(n, ast.BinOp) and type(n.op) in _OPS:
            op, a, b = _OPS[type(n.op)], build(n.left), build(n.right)
            return lambda row: op(a(row), b(row))
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in _OPS:
            op, a, b = _OPS[type(n.ops[0])], build(n.left), build(n.comparators[0])
            return lambda row: op(a(row), b(row))
        raise ValueError(f"not allowed: {ast.dump(n)[:40]}")
    return build(node)


def run_tree(df: pd.DataFrame, text: str) -> int:
    fn = tree_compile(text)
    done = 0
    for start in range(0, len(df), CHUNK_ROWS):
        chunk = df.iloc[start:start + CHUNK_ROWS]
        cols = {c: [v if v != "" else None for v in chunk[c].tolist()]
                for c in ("FIRST", "LAST", "BIRTHDATE", "DEATHDATE", "CATEGORY")}
        names = list(cols)
        for vals in zip(*cols.values()):
            row = dict(zip(names, vals))
            fn(row)
            done += 1
    return done


def run_sqlite(df: pd.DataFrame, text: str, is_filter: bool) -> int:
    ex = E.Expression(text, "bench")
    done = 0
    for start in range(0, len(df), CHUNK_ROWS):
        chunk = df.iloc[start:start + CHUNK_ROWS]
        if is_filter:
            kept, dropped = keep(chunk, ex, "bench.csv")
            done += len(kept) + dropped
        else:
            vals, bad, _ = computed(ex, lambda c: chunk[c], chunk.columns, chunk.index)
            done += len(vals)
    return done


_DIGITS = re.compile(r"[0-9]+$")


def run_pandas(df: pd.DataFrame, label: str) -> int:
    done = 0
    for start in range(0, len(df), CHUNK_ROWS):
        c = df.iloc[start:start + CHUNK_ROWS]
        if label.startswith("filter"):
            out = c["CATEGORY"].str.lower() == "laboratory"
        elif label.startswith("name"):
            out = c["FIRST"].str.replace(_DIGITS, "", regex=True) + " " + c["LAST"].str.upper()
        else:
            b = pd.to_datetime(c["BIRTHDATE"], format="%Y-%m-%d", errors="coerce")
            d = pd.to_datetime(c["DEATHDATE"].replace("", None), format="%Y-%m-%d",
                               errors="coerce").fillna(pd.Timestamp.today().normalize())
            out = d.dt.year - b.dt.year - ((d.dt.month * 100 + d.dt.day) <
                                          (b.dt.month * 100 + b.dt.day))
        done += len(out)
    return done


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["sqlite", "tree", "pandas"], action="append")
    args = ap.parse_args()
    ways = args.only or ["sqlite", "tree", "pandas"]
    t0 = time.perf_counter()
    df = records(args.rows)
    print(f"{args.rows:,} records generated in {time.perf_counter() - t0:.1f} s; "
          f"chunks of {CHUNK_ROWS:,}")
    print(f"{'expression':66} {'way':7} {'seconds':>8} {'records/s':>11}")
    for label, (sql, py) in EXPRESSIONS.items():
        for way in ways:
            t0 = time.perf_counter()
            if way == "sqlite":
                n = run_sqlite(df, sql, label.startswith("filter"))
            elif way == "tree":
                n = run_tree(df, py)
            else:
                n = run_pandas(df, label)
            s = time.perf_counter() - t0
            assert n == args.rows, (way, n)
            print(f"{label[:66]:66} {way:7} {s:8.2f} {n / s:11,.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
