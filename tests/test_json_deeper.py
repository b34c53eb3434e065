"""A JSON file whose records sit deeper than the readers go (an array inside an object
inside the file's object, an array of arrays) is refused naming where the records are and
what the operator can do; the shapes the readers take are read as before."""
import json

import pytest

from wizard.cli import main
from wizard.core.readers import open_sources

RECS = [{"id": "P1", "firstName": "Asha"}, {"id": "P2", "firstName": "Ravi"}]


def _write(tmp_path, value):
    p = tmp_path / "export.json"
    p.write_text(json.dumps(value, indent=1), encoding="utf-8")
    return p


@pytest.mark.parametrize("value, where", [
    ({"data": {"records": RECS}}, "data.records"),
    ({"patient": {"name": "x", "labResults": RECS, "vitals": RECS}},
     "patient.labResults, patient.vitals"),
    ([RECS[:1], RECS[1:]], "the file's array[0], the file's array[1]"),
    ({"records": [RECS[:1], RECS[1:]]}, "records[0], records[1]"),
])
def test_records_deeper_than_the_readers_go_are_named_in_the_refusal(tmp_path, value,
                                                                      where):
    p = _write(tmp_path, value)
    tables, (error,) = open_sources([p])
    assert not tables
    text = str(error)
    assert f"arrays of records at {where})" in text
    assert "Save each such array as a file of its own" in text


def test_inspect_says_it_on_one_line_and_exits_2(tmp_path, capsys):
    p = _write(tmp_path, {"data": {"records": RECS}})
    assert main(["inspect", str(p)]) == 2
    err = capsys.readouterr().err
    assert "data.records" in err and "Traceback" not in err


def test_an_array_of_records_in_the_files_object_is_read_as_before(tmp_path):
    p = _write(tmp_path, {"records": [{"patient": RECS[0], "visits": RECS}]})
    tables, errors = open_sources([p])
    (t,) = tables
    assert not errors
    assert t.name == "export.json#records" and t.columns == ["patient", "visits"]
