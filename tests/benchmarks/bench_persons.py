"""Benchmark: how well the same-person clusters find near-duplicates, and what else they
find. Not part of the test suite (no gate); it prints figures. One command:

    .venv/bin/python tests/benchmarks/bench_persons.py [--patients 20000] [--twins 400]

The project's generator writes an export (its patients are drawn independently, so two of
them may share a name by chance); then ``--twins`` of its patients get a second record
under a new legacy id, the way a clinic registers someone twice: a letter dropped or
doubled in the first name, a first name shortened, first and last name swapped, the phone
written another way, or the address abbreviated, with the same phone (most) or the same
age and a like address (the rest). A found pair is right when it is one of these twins.

    precision = right pairs / pairs found      recall = twins found / twins written

The generator's own chance look-alikes (same first and last name drawn twice, one phone
each) count as wrong here, though a clinic would want to look at them too.
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from wizard.core import persons  # noqa: E402
from wizard.core.engine import Migration  # noqa: E402
from wizard.core.person_search import find_clusters  # noqa: E402
from wizard.core.readers import open_sources  # noqa: E402
from wizard.core.schema import known_tables  # noqa: E402
from wizard.core.suggest import suggest_profile  # noqa: E402
from wizard.testing.legacy_export import generate  # noqa: E402


def _typo(rng: random.Random, name: str) -> str:
    if len(name) < 4:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1:] if rng.random() < 0.5 else name[:i] + name[i] + name[i:]


def add_twins(patients_csv: Path, n: int, seed: int) -> set[frozenset[str]]:
    """Append ``n`` second registrations; returns the twin pairs (legacy ids)."""
    rng = random.Random(seed)
    with open(patients_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    col = {c: i for i, c in enumerate(header)}
    seen_ids = {r[col["patientId"]] for r in body}
    pairs = set()
    picked = rng.sample([r for r in body if r[col["firstName"]] and r[col["phoneNumber"]]], n)
    new_id = 900_000
    for r in picked:
        twin = list(r)
        while str(new_id) in seen_ids:
            new_id += 1
        twin[col["patientId"]] = str(new_id)
        new_id += 1
        how = rng.choice(["typo", "typo", "short", "swap", "address"])
        first, last = twin[col["firstName"]], twin[col["lastName"]]
        if how == "typo":
            twin[col["firstName"]] = _typo(rng, first)
        elif how == "short":
            twin[col["firstName"]] = first[: max(3, len(first) - 2)]
        elif how == "swap":
            twin[col["firstName"]], twin[col["lastName"]] = last, first
        else:
            twin[col["address"]] = twin[col["address"]].replace(" Road", " Rd") \
                .replace(" Street", " St")
            twin[col["firstName"]] = _typo(rng, first)
        if rng.random() < 0.25:      # a new phone: the age and address must tell
            twin[col["phoneNumber"]] = f"+9190{rng.randrange(10**8):08d}"
        body.append(twin)
        pairs.add(frozenset((r[col["patientId"]], twin[col["patientId"]])))
    with open(patients_csv, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(body)
    return pairs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=20_000)
    ap.add_argument("--twins", type=int, default=400)
    ap.add_argument("--seed", type=int, default=445)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export"
        generate(out, patients=a.patients, visits=0, dirty=0.0, seed=a.seed)
        for extra in out.iterdir():
            if extra.name != "patients.csv":
                extra.unlink()
        truth = add_twins(out / "patients.csv", a.twins, a.seed)
        tables, _ = open_sources([out])
        profile = suggest_profile(tables, known_tables())
        t0 = time.perf_counter()
        found = find_clusters(Migration(tables, profile))
        took = time.perf_counter() - t0
    pairs = set()
    for c in found:
        ids = c.ids
        pairs |= {frozenset((x, y)) for i, x in enumerate(ids) for y in ids[i + 1:]}
    right = pairs & truth
    precision = len(right) / len(pairs) if pairs else 1.0
    recall = len(right) / len(truth) if truth else 1.0
    print(f"patients {a.patients + a.twins:,} (twins {a.twins:,}); clusters {len(found):,}; "
          f"pairs {len(pairs):,}; right {len(right):,}")
    print(f"precision {precision:.1%}  recall {recall:.1%}  "
          f"(name score >= {persons.NAME_SCORE}, address >= {persons.ADDRESS_SCORE}); "
          f"{took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
