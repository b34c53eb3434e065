"""Benchmark: how close the suggested mapping comes to a consultant's, on real exports.

Not part of the test suite (no score gate); it prints figures. One command:

    .venv/bin/python tests/benchmarks/bench_mapping.py               # the table
    .venv/bin/python tests/benchmarks/bench_mapping.py --details     # and every mistake
    .venv/bin/python tests/benchmarks/bench_mapping.py --json figures.json

For each export under tests/corpus/ (real public exports, trimmed; see tests/corpus/README.md)
and for one export the project's generator writes at run time, it runs the suggestion
in-process (`open_sources`, then `suggest_profile` against HMSync's schema) and compares it
with the export's expected.yaml, written by hand from the data's meaning.

How each choice is counted (`score_export`):

- a file (a workbook sheet, a JSON array) is right when the suggestion sends it to the
  expected table, or leaves it out where expected.yaml says `table: null`;
- in a file sent to the right table, each HMSync field (but ``id``) is
    right   the suggested columns are the expected ones (the same set: order is not
            compared, so [FIRST, LAST] equals [LAST, FIRST]);
    wrong   both name columns, but not the same ones;
    missed  expected, and the suggestion left it empty;
    extra   expected absent (the export does not hold it), and the suggestion filled it
            from a column: a wrong choice too;
  a field the suggestion fills with a constant value (no column) is not compared unless a
  column was expected (then it is wrong);
- in a file sent to another table than expected, every expected field counts wrong; in a
  file the suggestion left out but a table was expected, every expected field counts missed;
  a file expected left out but mapped counts its suggested fields extra;
- the legacy id column is counted apart ("ids"), in files sent to the right table: right
  when it is the expected column (or none was expected and none chosen);
- "wrong without asking": a wrong file->table choice, or a wrong or extra column->field
  choice in a file sent to the right table, made with a confidence of at least 0.9 (what
  the wizard shows green, as not needing review). A file mapped to a wrong table counts
  once, by the table's confidence, not once per field.

"fields right %" is right / (right + wrong + missed + extra): of every field where the
consultant or the suggestion chose a column, the share where both chose the same.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from wizard.core.mapping import Profile  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
#: the confidence from which the wizard shows a choice as not needing review (green)
ASKS_BELOW = 0.9
GENERATED = "generated-healthcare-plus"

#: The canonical mapping of the project's generator (wizard/testing/legacy_export.py):
#: its files, in the form of a corpus expected.yaml.
GENERATED_EXPECTED = {"files": {
    "doctors.csv": {"table": "doctors", "legacy_id": "doctorId", "fields": {
        "fullName": "fullName", "specialty": "specialty", "licenseNumber": "licenseNumber",
        "phone": "phoneNumber", "joinDate": "joinDate"}},
    "patients.csv": {"table": "patients", "legacy_id": "patientId", "fields": {
        "firstName": "firstName", "lastName": "lastName",
        "fullName": ["firstName", "lastName"], "phone": "phoneNumber", "age": "age",
        "gender": "gender", "address": "address", "registrationDate": "registrationDate"}},
    "visits.csv": {"table": "visits", "legacy_id": "visitId", "fields": {
        "patientId": "patientId", "doctorId": "doctorId", "visitDate": "visitDate",
        "consultationFee": "consultationFee", "diagnosis": "diagnosis", "notes": "notes"}},
    "bills.csv": {"table": "bills", "legacy_id": "billId", "fields": {
        "visitId": "visitId", "patientId": "patientId", "billDate": "billDate",
        "amount": "amount", "status": "status"}},
    "payments.csv": {"table": "payments", "legacy_id": "paymentId", "fields": {
        "billId": "billId", "paidOn": "paidOn", "amount": "amount", "mode": "mode"}},
    "pathology_tests.csv": {"table": "pathology_tests", "legacy_id": "testId", "fields": {
        "visitId": "visitId", "patientId": "patientId", "testCode": "testCode",
        "testName": "testName", "orderedOn": "orderedOn", "resultValue": "resultValue",
        "resultUnit": "resultUnit", "price": "price"}},
}}


@dataclass
class Choice:
    """One compared choice: a file's table, or a field's columns."""
    file: str
    field: str | None          # None: the file's table; "(legacy id)": its id column
    expected: object
    suggested: object
    verdict: str               # right, wrong, missed, extra
    confidence: float | None = None


@dataclass
class Score:
    export: str
    files_right: int = 0
    files_total: int = 0
    right: int = 0
    wrong: int = 0
    missed: int = 0
    extra: int = 0
    ids_right: int = 0
    ids_total: int = 0
    wrong_unasked: int = 0
    mistakes: list[Choice] = field(default_factory=list)

    @property
    def compared(self) -> int:
        return self.right + self.wrong + self.missed + self.extra

    @property
    def pct(self) -> float:
        return 100.0 * self.right / self.compared if self.compared else 0.0

    def add(self, other: "Score") -> None:
        for k in ("files_right", "files_total", "right", "wrong", "missed", "extra",
                  "ids_right", "ids_total", "wrong_unasked"):
            setattr(self, k, getattr(self, k) + getattr(other, k))


# --- expected mappings ----------------------------------------------------------------------
def columns_of(spec) -> list[str]:
    """The columns an expected field names: a column, or a list of them."""
    if spec is None:
        return []
    if isinstance(spec, str):
        return [spec]
    return [str(c) for c in spec]


def load_expected(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _unasked(choice) -> bool:
    """Applied without asking: not marked for review, and sure enough not to be (a profile
    from before the review gate has no marks)."""
    return choice is not None and not getattr(choice, "review", False) and \
        choice.confidence is not None and float(choice.confidence) >= ASKS_BELOW


# --- scoring ------------------------------------------------------------------------------
def score_export(name: str, expected: dict, sources: list[tuple[str, str]], profile: Profile,
                 targets: dict) -> Score:
    """Compare ``profile`` (the suggestion) with ``expected`` (an expected.yaml's content).

    ``sources``: (name, stem) of every table the readers found in the export, as the
    suggestion saw them; ``targets``: HMSync's tables (``known_tables()``), for their fields.
    """
    s = Score(name)
    files = expected["files"]
    for src, stem in sources:
        exp = files.get(src)
        if exp is None:
            raise KeyError(f"{name}: {src} is not in expected.yaml")
        exp_table = exp.get("table")
        tm = profile.table_for(src, stem, [n for n, _ in sources])
        got_table = tm.target if tm is not None else None
        s.files_total += 1
        exp_fields = {k: columns_of(v) for k, v in (exp.get("fields") or {}).items()}
        if got_table == exp_table:
            s.files_right += 1
        else:
            s.mistakes.append(Choice(src, None, exp_table, got_table, "wrong",
                                     tm.confidence if tm is not None else None))
            if tm is not None and _unasked(tm):
                s.wrong_unasked += 1
            if exp_table is None:          # mapped, but should be left out
                for fname, fm in tm.fields.items():
                    if fm.columns:
                        s.extra += 1
                        s.mistakes.append(Choice(src, fname, None, list(fm.columns),
                                                 "extra", fm.confidence))
            else:
                verdict = "missed" if tm is None else "wrong"
                for fname, cols in exp_fields.items():
                    setattr(s, verdict, getattr(s, verdict) + 1)
                    s.mistakes.append(Choice(src, fname, cols, f"(file -> {got_table})",
                                             verdict))
            continue
        if exp_table is None:
            continue
        # the right table: the legacy id, then field by field
        s.ids_total += 1
        exp_id = exp.get("legacy_id")
        if (tm.legacy_id or None) == (exp_id or None):
            s.ids_right += 1
        else:
            s.mistakes.append(Choice(src, "(legacy id)", exp_id, tm.legacy_id, "wrong"))
        for fname in targets[exp_table].fields:
            if fname == "id":
                continue
            want = exp_fields.get(fname, [])
            fm = tm.fields.get(fname)
            got = list(fm.columns) if fm is not None else []
            const = fm is not None and not fm.columns and fm.value is not None
            conf = fm.confidence if fm is not None else None
            if want and got:
                if set(want) == set(got):
                    s.right += 1
                    continue
                verdict = "wrong"
            elif want and const:
                verdict, got = "wrong", f"(value {fm.value!r})"
            elif want:
                verdict = "missed"
            elif got:
                verdict = "extra"
            else:
                continue
            setattr(s, verdict, getattr(s, verdict) + 1)
            s.mistakes.append(Choice(src, fname, want or None, got or None, verdict, conf))
            if verdict in ("wrong", "extra") and _unasked(fm):
                s.wrong_unasked += 1
    return s


# --- running the suggestion -----------------------------------------------------------------
def chosen_encodings(expected: dict | None):
    """What ``open_sources`` takes as the operator's encodings: the code page expected.yaml
    gives a file (``encoding: cp1254``), where the readers cannot tell and ask."""
    files = (expected or {}).get("files") or {}
    chosen = {name.split("#")[0]: spec["encoding"] for name, spec in files.items()
              if isinstance(spec, dict) and spec.get("encoding")}
    return (lambda path: chosen.get(Path(path).name)) if chosen else None


def suggest(export_dir: Path, expected: dict | None = None):
    """(sources as (name, stem), profile, read errors) for one export folder, its files
    read with the encodings the consultant chose (``expected``)."""
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    tables, errors = open_sources([export_dir], encodings=chosen_encodings(expected))
    profile = suggest_profile(tables, known_tables())
    return [(t.name, t.stem) for t in tables], profile, errors


def corpus_exports(corpus: Path = CORPUS) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.is_dir() and (p / "expected.yaml").exists())


#: where the corpus's data may also be: the team's shared folder, beside the checkout
SHARED_DATA = ROOT.parent / "shared" / "mapping-corpus"


def export_data(d: Path) -> Path | None:
    """The folder holding an export's files: ``export/`` in the corpus folder (not
    committed: fetched as its SOURCE.md says), else the shared folder's copy; None when
    this machine has neither."""
    for p in (d / "export", SHARED_DATA / d.name / "export"):
        if p.is_dir() and any(p.iterdir()):
            return p
    return None


def read_tables(data: Path, expected: dict | None = None) -> dict[str, list[str]]:
    """Table name -> columns, as the project's readers see an export's files (with the
    encodings the consultant chose)."""
    from wizard.core.readers import open_sources
    tables, errors = open_sources([data], encodings=chosen_encodings(expected))
    if errors:
        raise SystemExit(f"{data}: {errors[0]}")
    return {t.name: list(t.columns) for t in tables}


def write_tables(d: Path) -> Path:
    """Write ``tables.yaml``: the tables and columns of the export, committed in place of
    the data itself."""
    data = export_data(d)
    if data is None:
        raise SystemExit(f"{d.name}: no data on this machine to describe")
    exp = d / "expected.yaml"
    expected = load_expected(exp) if exp.exists() else None
    doc = {"tables": {name: {"columns": cols}
                      for name, cols in read_tables(data, expected).items()}}
    head = ("# The tables the project's readers find in this export, with their columns:\n"
            "# what tests/test_mapping_corpus.py checks expected.yaml against, the data\n"
            "# itself not being committed (tests/corpus/README.md). Written by\n"
            "# `python tests/benchmarks/bench_mapping.py --write-tables`.\n")
    out = d / "tables.yaml"
    out.write_text(head + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100),
                   encoding="utf-8")
    return out


def generate_export(out: Path, patients: int = 200, visits: int = 600) -> Path:
    """The generator's export (CSV, as shipped), without its manifest (not a legacy file)."""
    from wizard.testing.legacy_export import generate
    generate(out, patients=patients, visits=visits, doctors=12)
    (out / "manifest.json").unlink()
    return out


def run(corpus: Path = CORPUS, generated: bool = True) -> list[Score]:
    from wizard.core.schema import known_tables
    targets = known_tables()
    scores = []
    for d in corpus_exports(corpus):
        data = export_data(d)
        if data is None:
            print(f"{d.name}: no data on this machine (fetch it into {d / 'export'} as its "
                  "SOURCE.md says); left out of the table", file=sys.stderr)
            continue
        expected = load_expected(d / "expected.yaml")
        sources, profile, errors = suggest(data, expected)
        if errors:
            raise SystemExit(f"{d.name}: {errors[0]}")
        scores.append(score_export(d.name, expected, sources, profile, targets))
    if generated:
        tmp = Path(tempfile.mkdtemp(prefix="hmsync-bench-mapping-"))
        try:
            sources, profile, _ = suggest(generate_export(tmp / "export"))
            scores.append(score_export(GENERATED, GENERATED_EXPECTED, sources, profile,
                                       targets))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return scores


# --- output -------------------------------------------------------------------------------
def table(scores: list[Score]) -> str:
    total = Score("total")
    for s in scores:
        total.add(s)
    head = ("| export | files right | fields right | wrong | missed | extra | ids right "
            "| fields right % | wrong without asking |")
    rows = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in scores + [total]:
        name = f"**{s.export}**" if s is total else s.export
        rows.append(f"| {name} | {s.files_right}/{s.files_total} | {s.right} | {s.wrong} "
                    f"| {s.missed} | {s.extra} | {s.ids_right}/{s.ids_total} "
                    f"| {s.pct:.0f}% | {s.wrong_unasked} |")
    real = Score("real")
    for s in scores:
        if s.export != GENERATED:
            real.add(s)
    rows.append("")
    rows.append(f"real exports only: fields right {real.pct:.0f}% "
                f"({real.right} of {real.compared}), files right {real.files_right}/"
                f"{real.files_total}, wrong without asking {real.wrong_unasked}")
    return "\n".join(rows)


def details(scores: list[Score]) -> str:
    out = []
    for s in scores:
        if not s.mistakes:
            continue
        out.append(f"\n{s.export}:")
        for m in s.mistakes:
            what = "table" if m.field is None else m.field
            conf = f"  ({m.confidence:.2f})" if m.confidence is not None else ""
            out.append(f"  {m.verdict:6} {m.file} {what}: expected {m.expected!r}, "
                       f"suggested {m.suggested!r}{conf}")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--json", type=Path, help="also write the figures (and every mistake) here")
    ap.add_argument("--details", action="store_true", help="list every mistake")
    ap.add_argument("--no-generated", action="store_true",
                    help="leave out the generator's export")
    ap.add_argument("--write-tables", action="store_true",
                    help="write each export's tables.yaml from its data, and stop")
    args = ap.parse_args(argv)
    if args.write_tables:
        for d in corpus_exports(args.corpus):
            print(write_tables(d))
        return 0
    t0 = time.perf_counter()
    scores = run(args.corpus, generated=not args.no_generated)
    print(table(scores))
    if args.details:
        print(details(scores))
    print(f"\n({time.perf_counter() - t0:.1f} s; a choice 'without asking' has a confidence "
          f">= {ASKS_BELOW})")
    if args.json:
        total, real = Score("total"), Score("real exports")
        for s in scores:
            total.add(s)
            if s.export != GENERATED:
                real.add(s)
        doc = {"asks_below": ASKS_BELOW, "exports": []}
        for s in scores + [total, real]:
            d = {k: v for k, v in asdict(s).items() if k != "mistakes"}
            d["fields_right_pct"] = round(s.pct, 1)
            if s is total:
                doc["total"] = d
            elif s is real:
                doc["real_exports"] = d
            else:
                d["mistakes"] = [asdict(m) for m in s.mistakes]
                doc["exports"].append(d)
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
