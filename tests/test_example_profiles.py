"""The hand-written example profiles (docs/examples/) against the columns of the real
exports they were written for, as the mapping corpus records them (tests/corpus/*/
tables.yaml, committed; the data itself is not): every table, column and looked-up table
they name is there, so a profile cannot drift from its export unseen."""
from pathlib import Path

import pytest
import yaml

from wizard.core.mapping import Profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {"synthea-profile.yaml": "synthea-csv",
            "mimic4-fhir-profile.yaml": "mimic4-fhir-ndjson",
            "openhospital-profile.yaml": "openhospital-demo-sql-csv"}


def _tables(corpus: str) -> dict[str, list[str]]:
    doc = yaml.safe_load((ROOT / "tests" / "corpus" / corpus / "tables.yaml").read_text())
    return {name: t["columns"] for name, t in doc["tables"].items()}


@pytest.mark.parametrize("example, corpus", sorted(EXAMPLES.items()))
def test_an_example_profile_names_only_what_its_export_has(example, corpus):
    profile = Profile.load(ROOT / "docs" / "examples" / example)
    tables = _tables(corpus)
    for tm in profile.tables:
        assert tm.source in tables, f"{example}: no table {tm.source} in {corpus}"
        cols = set(tables[tm.source])
        named = (tm.read_columns() | set(tm.keep) | set(tm.leave_behind) |
                 set(tm.nul_empty))
        assert named <= cols, f"{example}: {tm.source}: not in the file: {named - cols}"
        lookups = [fm.lookup for fm in tm.fields.values() if fm.lookup is not None]
        for lk in lookups + list(tm.lookups.values()):
            assert lk.table in tables, f"{example}: lookup into a missing {lk.table}"
            missing = set(lk.other_columns()) - set(tables[lk.table])
            assert not missing, f"{example}: {lk.table} has no {missing}"


def test_the_examples_use_what_real_exports_needed():
    """Each example shows filters, computed fields and lookups; between them, nested JSON,
    named lookups, a computed legacy id, placeholders where a value is missing and NUL
    flags: what hand-writing them asked of the language."""
    loaded = {e: Profile.load(ROOT / "docs" / "examples" / e) for e in EXAMPLES}
    for e, p in loaded.items():
        assert any(tm.where for tm in p.tables), e
        assert any(fm.expr for tm in p.tables for fm in tm.fields.values()), e
        assert any(fm.lookup or tm.lookups for tm in p.tables for fm in tm.fields.values()), e
    fhir = loaded["mimic4-fhir-profile.yaml"].table_for("Patient.ndjson")
    assert "last_encounter" in fhir.lookups and "name[0].family" in fhir.fields["lastName"].expr
    oh = loaded["openhospital-profile.yaml"]
    assert oh.table_for("oh_opd.csv").id_expr == "'OPD-' || OPD_ID"
    assert oh.table_for("oh_patient.csv").fields["phone"].value == "+910000000000"
    assert oh.table_for("oh_patient.csv").nul_empty
