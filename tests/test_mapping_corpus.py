"""The mapping corpus (tests/corpus/) is whole and consistent, and the benchmark counts as
it says. Not a score gate: these fail when the corpus is edited wrongly (a file added
without its expected mapping, a column renamed, a field HMSync does not have), or when the
benchmark's scoring changes its definitions."""
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent / "benchmarks"))

from bench_mapping import (ASKS_BELOW, CORPUS, GENERATED_EXPECTED, chosen_encodings,  # noqa: E402
                           columns_of, corpus_exports, export_data, load_expected,
                           score_export)
from wizard.core.mapping import FieldMap, Profile, TableMap  # noqa: E402
from wizard.core.readers import SUPPORTED, open_sources  # noqa: E402
from wizard.core.schema import known_tables  # noqa: E402

EXPORTS = corpus_exports()
FILE_KEYS = {"table", "legacy_id", "fields", "notes", "why", "encoding"}


def _expected(d: Path) -> dict:
    with open(d / "expected.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def _check_mapping(files: dict, headers: dict[str, list[str]], where: str) -> None:
    """Every expected table and field is HMSync's, every named column is in its header."""
    targets = known_tables()
    for src, exp in files.items():
        assert isinstance(exp, dict) and "table" in exp, f"{where}: {src} needs a table: line"
        unknown = set(exp) - FILE_KEYS
        assert not unknown, f"{where}: {src}: unknown keys {sorted(unknown)}"
        table = exp["table"]
        if table is None:
            assert str(exp.get("why") or "").strip(), \
                f"{where}: {src} is left out (table: null) without a why: line"
            assert not exp.get("fields") and not exp.get("legacy_id"), \
                f"{where}: {src} is left out but names fields or a legacy id"
            continue
        assert table in targets, f"{where}: {src}: HMSync has no table {table!r}"
        header = headers[src]
        lid = exp.get("legacy_id")
        if lid is not None:
            assert lid in header, f"{where}: {src}: legacy id {lid!r} is not a column ({header})"
        fields = exp.get("fields") or {}
        assert fields, f"{where}: {src} feeds {table} but names no field"
        for fname, spec in fields.items():
            assert fname in targets[table].fields and fname != "id", \
                f"{where}: {src}: {table} has no field {fname!r}"
            cols = columns_of(spec)
            assert cols, f"{where}: {src}: {fname} names no column"
            for c in cols:
                assert c in header, f"{where}: {src}: {fname}: no column {c!r} in {header}"


def test_the_corpus_has_at_least_five_real_exports():
    assert len(EXPORTS) >= 5, [d.name for d in EXPORTS]


@pytest.mark.parametrize("d", EXPORTS, ids=[d.name for d in EXPORTS])
def test_export_folder_is_complete(d):
    source = (d / "SOURCE.md").read_text(encoding="utf-8") if (d / "SOURCE.md").exists() else ""
    for word in ("Repository", "Commit", "Licence", "Trimmed"):
        assert word in source, f"{d.name}/SOURCE.md says nothing of its {word.lower()}"
    assert _tables(d), f"{d.name}/tables.yaml lists no table"
    assert _expected(d).keys() == {"files"}, f"{d.name}/expected.yaml: only files: at the top"


def _tables(d: Path) -> dict[str, list[str]]:
    """The export's tables and columns as tables.yaml records them (the data itself is
    not committed)."""
    with open(d / "tables.yaml", encoding="utf-8") as f:
        return {name: list(t["columns"]) for name, t in (yaml.safe_load(f)["tables"]).items()}


@pytest.mark.parametrize("d", EXPORTS, ids=[d.name for d in EXPORTS])
def test_every_table_is_named(d):
    files, read = _expected(d)["files"], _tables(d)
    assert sorted(read) == sorted(files), (
        f"{d.name}: tables of the export that expected.yaml does not name: "
        f"{sorted(set(read) - set(files))}; named but not in it: {sorted(set(files) - set(read))}")


@pytest.mark.parametrize("d", EXPORTS, ids=[d.name for d in EXPORTS])
def test_expected_columns_tables_and_fields_exist(d):
    _check_mapping(_expected(d)["files"], _tables(d), d.name)


@pytest.mark.parametrize("d", [d for d in EXPORTS if export_data(d) is not None],
                         ids=[d.name for d in EXPORTS if export_data(d) is not None])
def test_tables_yaml_is_what_the_readers_find_in_the_data(d):
    """Where the data is on this machine: tables.yaml still describes it, and the export
    holds nothing the readers would skip (a .txt note, a .zip)."""
    data = export_data(d)
    tables, errors = open_sources([data], encodings=chosen_encodings(
        load_expected(d / "expected.yaml")))
    assert not errors, f"{d.name}: the readers refuse {errors[0]}"
    assert {t.name: list(t.columns) for t in tables} == _tables(d)
    for p in data.iterdir():
        assert p.is_file() and p.suffix.lower() in SUPPORTED, f"{d.name}: {p.name} is no export file"


def test_the_generated_exports_canonical_mapping_fits_the_generator_and_schema():
    from wizard.testing.legacy_export import TABLES, file_name
    headers = {file_name(t): cols for t, cols in TABLES.items()}
    assert sorted(GENERATED_EXPECTED["files"]) == sorted(headers)
    _check_mapping(GENERATED_EXPECTED["files"], headers, "generated")


def test_the_corpus_folder_holds_exports_only():
    for p in CORPUS.iterdir():
        assert p.name == "README.md" or (p.is_dir() and (p / "expected.yaml").exists()), \
            f"tests/corpus/{p.name}: an export folder needs an expected.yaml"


# --- the benchmark's scoring, on a hand-made case -------------------------------------------
def _fm(target, cols, conf=None, value=None):
    return FieldMap(target, list(cols), confidence=conf, value=value)


def test_scoring_counts_right_wrong_missed_extra_as_defined():
    expected = {"files": {
        "a.csv": {"table": "patients", "legacy_id": "pid", "fields": {
            "fullName": ["first", "last"], "firstName": "first", "phone": "tel",
            "gender": "sex"}},
        "b.csv": {"table": "visits", "legacy_id": "vid", "fields": {
            "patientId": "pid", "visitDate": "d"}},
        "c.csv": {"table": None, "why": "a dictionary"},
        "d.csv": {"table": "doctors", "legacy_id": "did", "fields": {"fullName": "name"}},
        "e.csv": {"table": "bills", "legacy_id": None, "fields": {"amount": "amt"}},
    }}
    profile = Profile(tables=[
        TableMap("a.csv", "patients", legacy_id="pid", confidence=0.95, fields={
            "fullName": _fm("fullName", ["last", "first"], 0.9),     # right: same set
            "firstName": _fm("firstName", ["first", "last"], 0.6),   # wrong: not the same set
            "phone": _fm("phone", ["mobile"], 0.95),                 # wrong, without asking
            # gender: missed
            "address": _fm("address", ["street"], 0.5),              # extra, asked
            "age": _fm("age", [], 0.99, value="30"),                 # a constant: not compared
        }),
        TableMap("b.csv", "doctors", legacy_id="vid", confidence=0.92, fields={
            "fullName": _fm("fullName", ["pid"], 1.0)}),             # wrong table, unasked
        TableMap("c.csv", "payments", confidence=0.4, fields={
            "billId": _fm("billId", ["x"], 1.0)}),                   # left out expected: extra
        # d.csv: not mapped -> its field missed
        TableMap("e.csv", "bills", legacy_id=None, confidence=1.0, fields={
            "amount": _fm("amount", ["amt"], 1.0)}),
    ])
    sources = [(n, n.split(".")[0]) for n in ("a.csv", "b.csv", "c.csv", "d.csv", "e.csv")]
    s = score_export("hand-made", expected, sources, profile, known_tables())
    assert (s.files_right, s.files_total) == (2, 5)
    assert s.right == 2            # a.fullName, e.amount
    assert s.wrong == 4            # a.firstName, a.phone, b's two fields (wrong table)
    assert s.missed == 2           # a.gender, d.fullName (file left out)
    assert s.extra == 2            # a.address, c.billId (file expected left out)
    assert (s.ids_right, s.ids_total) == (2, 2)   # a: pid; e: none expected, none chosen
    assert s.wrong_unasked == 2    # a.phone (0.95), b -> doctors (0.92)
    assert s.pct == pytest.approx(100 * 2 / 10)
    verdicts = {(m.file, m.field): m.verdict for m in s.mistakes}
    assert verdicts[("b.csv", None)] == "wrong" and verdicts[("b.csv", "visitDate")] == "wrong"
    assert verdicts[("d.csv", "fullName")] == "missed"
    assert ("a.csv", "age") not in verdicts and ("a.csv", "fullName") not in verdicts


def test_scoring_a_wrong_legacy_id_a_constant_where_a_column_was_expected_and_the_threshold():
    expected = {"files": {"p.csv": {"table": "patients", "legacy_id": "pid", "fields": {
        "phone": "tel", "gender": "sex"}}}}
    profile = Profile(tables=[TableMap("p.csv", "patients", legacy_id="row", fields={
        "phone": _fm("phone", [], 1.0, value="0"),               # a constant, column expected
        "gender": _fm("gender", ["kind"], ASKS_BELOW - 0.01),    # wrong, but asked
        "address": _fm("address", ["addr"], ASKS_BELOW),         # extra, at the threshold
    })])
    s = score_export("x", expected, [("p.csv", "p")], profile, known_tables())
    assert (s.ids_right, s.ids_total) == (0, 1)
    assert (s.right, s.wrong, s.missed, s.extra) == (0, 2, 0, 1)
    assert s.wrong_unasked == 2    # the constant (1.0) and the extra at 0.9


def test_scoring_refuses_a_source_the_expected_mapping_does_not_name():
    with pytest.raises(KeyError, match="new.csv"):
        score_export("x", {"files": {}}, [("new.csv", "new")], Profile(), known_tables())
