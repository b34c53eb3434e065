"""The mapping page's lookup picker: another legacy table, its key column, the matching
column here, the column taken and an aggregate, previewed on the sample and applied to the
selected field."""
from __future__ import annotations

import os

import pytest

from wizard.core.readers import LINE
from wizard.core.session import MigrationSession
from wizard.gui.models.mapping import SOURCE
from wizard.gui.pages import PageId

from .helpers import go_next, wait_page

pytestmark = pytest.mark.gui


def _page(qtbot, make_wizard, demo):
    export, db = demo
    s = MigrationSession(source_system="demo-hms")
    s.source_paths = [export]
    s.target = db.resolve()
    wiz = make_wizard(s)
    for pid in (PageId.START, PageId.TARGET, PageId.SOURCES):
        go_next(qtbot, wiz, pid)
    page = wait_page(qtbot, wiz, PageId.MAPPING)
    page.select_table("bills.csv")
    page.side.setCurrentWidget(page.lookups)
    page.view.selectRow(page.model.row_of("amount"))
    return wiz, page


def _choose(combo, data):
    i = combo.findData(data)
    assert i >= 0, data
    combo.setCurrentIndex(i)


def test_the_picker_previews_a_bills_paid_sum_and_applies_it(qtbot, make_wizard, demo):
    wiz, page = _page(qtbot, make_wizard, demo)
    lp = page.lookups
    assert "amount" in lp.box.title() and lp.isEnabled()
    _choose(lp.table, "payments.csv")
    _choose(lp.key, "billId")
    _choose(lp.by, "billId")
    _choose(lp.column, "amount")
    _choose(lp.aggregate, "sum")
    qtbot.waitUntil(lambda: lp.preview_model.rowCount() > 0, timeout=5_000)
    bills = wiz.session.samples["bills.csv"]
    pays = wiz.session.samples["payments.csv"]
    paid = pays.assign(a=pays["amount"].astype(float)).groupby(
        pays["billId"].str.strip())["a"].sum()
    frame = lp.preview_model.frame
    for bid, got in zip(frame["key"], frame["looked up"]):
        want = paid.get(bid)
        assert (got == "" if want is None else float(got) == pytest.approx(want)), bid
    found = sum(b in paid.index for b in bills["billId"].str.strip()[:len(frame)])
    assert lp.status.text().startswith(f"The first {len(frame)} records: {found} found")
    # a column the other table lacks in its filter: refused, nothing to apply
    lp.where.setText("MODE = 'UPI'")
    lp.refresh()
    assert "no column 'MODE'" in lp.status.text() and not lp.apply.isEnabled()
    lp.where.setText("mode = 'UPI'")
    lp.refresh()
    assert lp.apply.isEnabled()
    if os.environ.get("HMSYNC_SCREENSHOTS_LOOKUP"):  # (for a person to look at)
        wiz.resize(1280, 720)
        wiz.grab().save(os.environ["HMSYNC_SCREENSHOTS_LOOKUP"])
    lp.apply.click()
    fm = wiz.session.table_map("bills.csv").fields["amount"]
    assert (fm.lookup.table, fm.lookup.key, fm.lookup.by, fm.lookup.column,
            fm.lookup.aggregate, fm.lookup.where) == ("payments.csv", "billId", "billId",
                                                       "amount", "sum", "mode = 'UPI'")
    row = page.model.row_of("amount")
    assert page.model.data(page.model.index(row, SOURCE)).startswith("sum of payments.csv")
    # shown again as chosen when the field is selected again
    page.view.selectRow(page.model.row_of("billDate"))
    page.view.selectRow(page.model.row_of("amount"))
    assert lp.table.currentData() == "payments.csv" and lp.aggregate.currentData() == "sum"
    assert lp.where.text() == "mode = 'UPI'"


def test_the_picker_takes_a_named_lookup_of_the_table(qtbot, make_wizard, demo, tmp_path):
    """A table with named lookups (lookups:) offers them: the field takes one as it is
    (expr: its name), its values previewed as the run looks them up."""
    from wizard.core.lookups import Lookup
    wiz, page = _page(qtbot, make_wizard, demo)
    lp = page.lookups
    assert not lp.named.isVisibleTo(lp)   # no named lookup: nothing to offer
    tm = wiz.session.table_map("bills.csv")
    tm.lookups = {"paid": Lookup.from_dict(
        {"table": "payments.csv", "key": "billId", "by": "billId", "column": "amount",
         "aggregate": "sum"}, "test")}
    page.view.selectRow(page.model.row_of("billDate"))
    page.view.selectRow(page.model.row_of("amount"))
    assert lp.named.isVisibleTo(lp) and lp.table.isEnabled()
    _choose(lp.named, "paid")
    assert not lp.table.isEnabled()
    qtbot.waitUntil(lambda: lp.preview_model.rowCount() > 0, timeout=5_000)
    bills = wiz.session.samples["bills.csv"]
    pays = wiz.session.samples["payments.csv"]
    paid = pays.assign(a=pays["amount"].astype(float)).groupby(
        pays["billId"].str.strip())["a"].sum()
    frame = lp.preview_model.frame
    for bid, got in zip(bills["billId"].str.strip(), frame["looked up"]):
        want = paid.get(bid)
        assert (got == "" if want is None else float(got) == pytest.approx(want)), bid
    assert "from the lookup 'paid'" in lp.status.text() and lp.apply.isEnabled()
    if os.environ.get("HMSYNC_SCREENSHOTS_DIR"):  # (for a person to look at)
        wiz.resize(1280, 720)
        wiz.grab().save(os.path.join(os.environ["HMSYNC_SCREENSHOTS_DIR"],
                                     "lookup-named.png"))
    lp.apply.click()
    fm = wiz.session.table_map("bills.csv").fields["amount"]
    assert fm.expr == "paid" and fm.lookup is None
    # shown again as chosen when the field is selected again
    page.view.selectRow(page.model.row_of("billDate"))
    page.view.selectRow(page.model.row_of("amount"))
    assert lp.named.currentData() == "paid" and not lp.table.isEnabled()


def test_the_main_preview_shows_a_looked_up_field_as_the_run_computes_it(
        qtbot, make_wizard, demo):
    wiz, page = _page(qtbot, make_wizard, demo)
    wiz.session.set_field_lookup("bills.csv", "amount", {
        "table": "payments.csv", "key": "billId", "by": "billId", "column": "amount",
        "aggregate": "sum"})
    page.select_table("payments.csv")
    page.select_table("bills.csv")
    qtbot.waitUntil(lambda: page.preview_model.rowCount() > 0, timeout=5_000)
    if os.environ.get("HMSYNC_SCREENSHOTS_PREVIEW"):  # (for a person to look at)
        wiz.resize(1280, 720)
        page.view.selectRow(page.model.row_of("amount"))
        wiz.grab().save(os.environ["HMSYNC_SCREENSHOTS_PREVIEW"])
    bills = wiz.session.samples["bills.csv"]
    pays = wiz.session.samples["payments.csv"]
    paid = pays.assign(a=pays["amount"].astype(float)).groupby(
        pays["billId"].str.strip())["a"].sum()
    bill_of = dict(zip(bills[LINE].tolist(), bills["billId"].str.strip().tolist()))
    frame = page.preview_model.frame
    found = 0
    for line, got in zip(frame[LINE], frame["amount"]):
        want = paid.get(bill_of[int(line)])
        if want is None:
            assert got is None or got == "" or got != got, (line, got)
            continue
        found += 1
        assert float(str(got).replace(",", "")) == pytest.approx(want), (line, got)
    assert found  # (the demo's first bills are paid)
    # the preview's index is a copy's: the run still builds its own from the whole table
    assert wiz.session.table_map("bills.csv").fields["amount"].lookup.index is None
