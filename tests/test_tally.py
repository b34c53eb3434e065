"""Cell accounting from the reader pass's tally (core/tally.py): the legacy files are read
once, and the accounting still catches what a second read caught — a column no field
reads, a rejected record's cells, money over every row — with the same figures."""
import pytest

from wizard.core import cells, tally
from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.schema import init_db, known_tables
from wizard.core.suggest import suggest_profile
from wizard.testing.legacy_export import generate


def _run(folder, target, edit=None, **kw):
    tables, _ = open_sources([folder])
    profile = suggest_profile(tables, known_tables(), source_system="hcp")
    profile.confirm_all()
    if edit:
        edit(profile)
    return Migration(tables, profile, target, **kw).run(no_backup=True)


@pytest.fixture
def no_second_read(monkeypatch):
    """Fails a test whose accounting reads a legacy file again."""
    def refuse(*a, **k):
        raise AssertionError("a legacy file was read a second time")
    monkeypatch.setattr(cells, "_read_again", refuse)


def _figures(res):
    acc = res.verification.cells
    return ([t.to_dict() for t in acc.tables], [m.to_dict() for m in acc.totals],
            acc.spot.compared, acc.spot.differ, acc.spot.missing)


def _check(res, name):
    return next(c for c in res.verification.checks if c.name == name)


def test_a_column_no_field_reads_is_caught_without_a_second_read(
        mini_export, empty_target, no_second_read):
    def first_name_only(profile):  # a wrong mapping: the surname goes nowhere
        tm = profile.table_for("patients.csv")
        tm.fields["fullName"].columns = ["firstName"]
        tm.fields["fullName"].steps = []
        tm.fields.pop("lastName", None)

    res = _run(mini_export, empty_target, first_name_only)
    assert not res.passed and not res.committed
    pats = next(t for t in res.verification.cells.tables if t.source == "patients.csv")
    last = pats.columns["lastName"]
    assert last.role == "unmapped" and last.non_empty == 11
    assert last.not_accounted == 3 and last.rejected == 8 and not last.balances
    check = _check(res, "cells: patients.csv")
    assert not check.passed and "lastName" in check.detail


def test_a_rejected_records_cells_and_money_without_a_second_read(
        mini_export, empty_target, no_second_read):
    res = _run(mini_export, empty_target)
    assert res.committed and res.passed
    visits = next(t for t in res.verification.cells.tables if t.source == "visits.csv")
    fee = visits.columns["consultationFee"]
    assert fee.rejected > 0 and fee.imported > 0 and fee.balances
    money = next(m for m in res.verification.cells.totals if m.field == "consultationFee")
    # (the figures test_cells.py checks by a second read)
    assert money.imported == 1550 and money.rejected == 700 and money.source == 2250
    assert res.verification.cells.spot.compared > 0


def test_the_tally_gives_the_figures_of_a_second_read(tmp_path, monkeypatch):
    """A dirty export, read in small chunks (several per table, records on many lines):
    the same cells, totals and spot check as reading the files again."""
    export = tmp_path / "export"
    generate(export, patients=300, visits=1200, doctors=12, seed=7, dirty=0.08)
    (export / "manifest.json").unlink()
    got = {}
    for how in ("tally", "read again"):
        if how == "read again":
            monkeypatch.setattr(tally.Tally, "get", lambda self, source: None)
        db = tmp_path / f"{how}.db"
        init_db(db)
        res = _run(export, db, chunk_rows=250, parallel=False)
        assert res.committed and res.passed
        got[how] = _figures(res)
    tables, totals, compared, differ, missing = got["tally"]
    assert (tables, totals) == got["read again"][:2]
    assert compared == got["read again"][2] and not differ and not missing
    assert sum(c["rejected"] for t in tables for c in t["columns"]) > 0


def test_the_helper_process_tallies_the_same(tmp_path, no_second_read):
    export = tmp_path / "export"
    generate(export, patients=200, visits=600, doctors=8, seed=3, dirty=0.08)
    (export / "manifest.json").unlink()
    got = []
    for parallel in (False, True):
        db = tmp_path / f"{parallel}.db"
        init_db(db)
        res = _run(export, db, chunk_rows=200, parallel=parallel)
        assert res.committed and res.passed
        got.append(_figures(res))
    assert got[0] == got[1]


def test_a_sample_too_thin_is_drawn_by_reading_again(mini_export, empty_target, monkeypatch):
    """Fewer records kept as read than the spot check wants, and more of them in HMSync:
    the table is read again, and the spot check compares as many as before."""
    monkeypatch.setattr(tally, "CANDIDATES", 1)
    monkeypatch.setattr(cells, "CANDIDATES", 1)
    read = []
    real = cells._read_again
    monkeypatch.setattr(cells, "_read_again",
                        lambda st, *a: read.append(st.name) or real(st, *a))
    res = _run(mini_export, empty_target)
    assert res.committed and res.passed
    assert "patients.csv" in read and "doctors.csv" in read
    assert res.verification.cells.spot.compared == 2 + 3 + 3 + 2 + 1 + 1


def test_money_is_held_in_cents_only_when_exact():
    import numpy as np
    from wizard.core.tally import ChunkTally, Squeezed, _compact

    def back(arr):
        t = ChunkTally(("a",), 2, None, len(arr),
                       Squeezed.of(np.zeros((len(arr), 1), np.uint8)))
        t.money["fee"] = Squeezed.of(_compact(np.asarray(arr, dtype=float)))
        return t.money["fee"].array().dtype.kind, t.numbers("fee")

    kind, got = back([12.34, np.nan, -500.0, 0.1 + 0.2 - 0.3 + 0.05])
    assert kind == "f"  # 0.05000000000000002 is no whole number of cents
    kind, got = back([12.34, np.nan, -500.0, 1999.99])
    assert kind == "i" and np.isnan(got[1])
    assert got[[0, 2, 3]].tolist() == [12.34, -500.0, 1999.99]
    kind, got = back([1 / 3, 5.0])
    assert kind == "f" and got[0] == 1 / 3
    kind, got = back([3e9, 1.0])  # too big for int32 cents
    assert kind == "f" and got[0] == 3e9


def test_a_tallys_lines_and_cells_come_back_as_read():
    import numpy as np
    import pandas as pd
    from wizard.core.readers import LINE
    from wizard.core.readers.base import CORRUPT
    from wizard.core.tally import Tallier

    lines = np.array([2, 3, 5, 6, 300, 301, 70000], dtype=np.int64)  # records over lines
    chunk = pd.DataFrame({"a": ["x", "", " ", "y", "z", "", "w"],
                          "b": ["1", "2", "3", "", "", "", "7"],
                          LINE: lines, CORRUPT: [""] * 7})
    t = Tallier().raw(("f.csv", "patients"), chunk)
    assert t.lines.tolist() == lines.tolist()
    assert t.non_empty("a").tolist() == [True, False, False, True, True, False, True]
    assert t.non_empty("b").tolist() == [True, True, True, False, False, False, True]
    assert not t.non_empty("absent").any()
    consecutive = chunk.assign(**{LINE: np.arange(10, 17)})
    assert Tallier().raw(("f.csv", "patients"), consecutive).lines.tolist() == \
        list(range(10, 17))
