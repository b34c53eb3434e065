"""Money read once and as the cell shows it: Excel and JSON numbers are numbers, a number
step under the profile's defaults reads a text once, and a misread amount fails the totals
over every row instead of passing them."""
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
import yaml

from wizard.cli import main
from wizard.core import amounts
from wizard.core import transforms as tf
from wizard.core.numbercell import NumberCell
from wizard.core.readers import open_source


GERMAN = tf.StepDefaults(None, None, ",", ".", None)


def _numbers(values, decimal=",", thousands="."):
    r = tf.number(pd.Series(values, dtype=object), decimal, thousands)
    return [None if v is None else float(v) for v in r.values]


def test_a_number_the_source_held_is_not_read_by_the_rules_for_text():
    # a text "180.5" under decimal ',' thousands '.' is 1805 by those rules; the same
    # characters from a numeric cell are the number 180.5
    assert _numbers([NumberCell("180.5"), NumberCell("95"), "180,50", "1.250,00"]) == \
        [180.5, 95.0, 180.5, 1250.0]
    assert _numbers([180.5, 1250, "95,00"]) == [180.5, 1250.0, 95.0]
    assert _numbers(["180.5"]) == [1805.0]  # (a text: the profile's rules read it)


def test_a_number_step_under_defaults_reads_the_text_once():
    # the field's type (float) reads the step's floats again: they stay what the step read
    fm_steps = [tf.NumberStep(False, ",", ".")]
    s = pd.Series(["180,50", "95,00", "1.250,00", "-40,00"], dtype=object)
    for step in fm_steps:
        s = step.apply(s, GERMAN).values
    again = tf.number(s, GERMAN.decimal, GERMAN.thousands)
    assert [float(v) for v in again.values] == [180.5, 95.0, 1250.0, -40.0]


def test_a_steps_own_decimal_mark_is_not_the_thousands_it_inherits():
    step = tf.NumberStep(False, ".", tf.INHERIT)
    assert step.separators(GERMAN) == (".", None)
    assert [float(v) for v in step.apply(pd.Series(["180.5", "1250"]), GERMAN).values] == \
        [180.5, 1250.0]
    # said outright, it stands
    assert tf.NumberStep(False, ",", ".").separators(GERMAN) == (",", ".")
    assert tf.NumberStep(False, tf.INHERIT, None).separators(GERMAN) == (",", None)


def test_excel_numeric_cells_reach_the_mapping_as_numbers(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "bills"
    sheet.append(["billId", "amount"])
    sheet.append(["B1", 180.5])        # a numeric cell
    sheet.append(["B2", 1250])         # a whole number
    sheet.append(["B3", "1.250,00"])   # text
    sheet.append(["B4", "95,00"])      # text
    path = tmp_path / "book.xlsx"
    book.save(path)
    (t,) = open_source(path)
    chunk = next(t.iter_chunks())
    cells = chunk["amount"].tolist()
    assert [type(v) is NumberCell for v in cells] == [True, True, False, False]
    assert _numbers(chunk["amount"]) == [180.5, 1250.0, 1250.0, 95.0]


def test_json_numbers_are_numbers(tmp_path):
    path = tmp_path / "bills.json"
    path.write_text(json.dumps([{"id": "B1", "amount": 180.5}, {"id": "B2", "amount": "95,00"},
                                {"id": "B3", "amount": 7}]), encoding="utf-8")
    (t,) = open_source(path)
    chunk = next(t.iter_chunks())
    assert _numbers(chunk["amount"]) == [180.5, 95.0, 7.0]


@pytest.mark.parametrize("text, reading", [
    ("180,50", 180.5), ("180.50", 180.5), ("1.250,00", 1250.0), ("1,250.00", 1250.0),
    ("1.250.000", 1250000.0), ("-40,00", -40.0), ("CHF 95.-", float("nan")),
    ("0.250", 0.25), ("12", 12.0), ("1.250", "unsure"), ("1,250", "unsure"),
    ("1.2.3", float("nan")), ("", float("nan")), (NumberCell("1805.0"), 1805.0),
    ("€ 1.234,5", 1234.5), ("1'250.00", 1250.0),
])
def test_the_plain_reading_of_a_money_cell(text, reading):
    got = amounts.plain_reading(text)
    if isinstance(reading, float) and np.isnan(reading):
        assert isinstance(got, float) and np.isnan(got)
    else:
        assert got == reading


def test_a_column_is_read_as_its_cells_are():
    # (a column's common texts take a faster path: it reads them as the cell by cell one)
    cells = ["180,50", "95", "1.250,00", "1.250", "0,5", "-40,00", "12.5", "7,0001", "x",
             NumberCell("1.234"), "", "1,250.00", "1.250.000"]
    num, unsure = amounts.readings(pd.Series(cells, dtype=object))
    for c, got, u in zip(cells, num.tolist(), unsure.tolist()):
        want = amounts.plain_reading(c)
        if want == "unsure":
            assert u, c
        elif np.isnan(want):
            assert np.isnan(got) and not u, c
        else:
            assert got == want and not u, c


def test_a_power_of_ten_off_the_plain_reading_is_flagged():
    raw = pd.Series(["180,50", "95,00", "1.250,00", "1.250", "0", "12,00"], dtype=object)
    parsed = np.array([1805.0, 95.0, 125000.0, 1250.0, 0.0, 12.5])
    # 1805 is 10x, 125000 is 100x; "1.250" is unsure (not compared); 12.5 is off, but by
    # no power of ten (a different fault, not this check's)
    assert amounts.scaled(raw, parsed).tolist() == [True, False, True, False, False, False]


# --- whole runs -----------------------------------------------------------------------

def _export(tmp_path, fees, bills_xlsx=None):
    d = tmp_path / "export"
    d.mkdir()
    (d / "patienten.csv").write_bytes(
        "PatNr;Name;Telefon;Geschlecht\n1001;Anna Müller;+41441234567;w\n"
        "1002;Beat Keller;+41441234568;m\n".encode("cp1252"))
    (d / "aerzte.csv").write_bytes("Arzt;Name\nD1;Dr. Frei\n".encode("cp1252"))
    lines = ["KonsNr;PatNr;Arzt;Datum;Gebühr"] + [f"K-{i};1001;D1;14.03.2023;{fee}"
                                                  for i, fee in enumerate(fees, 1)]
    (d / "konsultationen.csv").write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    if bills_xlsx is not None:
        import openpyxl
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Rechnungen"
        sheet.append(["RechNr", "PatNr", "Betrag"])
        for i, v in enumerate(bills_xlsx, 1):
            sheet.append([f"R-{i}", "1002", v])
        book.save(d / "praxis.xlsx")
    return d


def _profile(tmp_path, defaults, fee_steps=None, bill_steps=None, xlsx=False):
    fee = {"column": "Gebühr"}
    if fee_steps is not None:
        fee["steps"] = fee_steps
    tables = {
        "patienten.csv": {"target": "patients", "encoding": "cp1252", "legacy_id": "PatNr",
                          "fields": {"fullName": {"column": "Name"},
                                     "phone": {"column": "Telefon"},
                                     "gender": {"column": "Geschlecht",
                                                "steps": [{"map": {"m": "M", "w": "F"}}]}}},
        "aerzte.csv": {"target": "doctors", "encoding": "cp1252", "legacy_id": "Arzt",
                       "fields": {"fullName": {"column": "Name"}}},
        "konsultationen.csv": {"target": "visits", "encoding": "cp1252",
                               "legacy_id": "KonsNr",
                               "fields": {"patientId": {"column": "PatNr"},
                                          "doctorId": {"column": "Arzt"},
                                          "visitDate": {"column": "Datum", "steps": [
                                              {"date": {"order": "DMY"}}]},
                                          "consultationFee": fee}},
    }
    if xlsx:
        amount = {"column": "Betrag"}
        if bill_steps is not None:
            amount["steps"] = bill_steps
        tables["praxis.xlsx#Rechnungen"] = {"target": "bills", "legacy_id": "RechNr",
                                            "fields": {"patientId": {"column": "PatNr"},
                                                       "amount": amount}}
    p = tmp_path / "profile.yaml"
    p.write_text(yaml.safe_dump({"name": "money", "source_system": "money-test",
                                 "defaults": defaults, "tables": tables}, allow_unicode=True),
                 encoding="utf-8")
    return p


def _run(tmp_path, export, profile, monkeypatch):
    monkeypatch.setenv("HMSYNC_WIZARD_PARALLEL", "0")  # (in this process: patches hold)
    db = tmp_path / "t.db"
    assert main(["init-db", str(db)]) == 0
    report = tmp_path / "r.json"
    rc = main(["run", str(export), "--profile", str(profile), "--target", str(db),
               "--no-backup", "--report", str(report)])
    con = sqlite3.connect(db)
    try:
        fees = sorted(v for (v,) in con.execute('SELECT "consultationFee" FROM visits'))
        bills = sorted(v for (v,) in con.execute("SELECT amount FROM bills"))
    finally:
        con.close()
    return rc, json.loads(report.read_text(encoding="utf-8")), fees, bills


GERMAN_DEFAULTS = {"decimal": ",", "thousands": "."}


def test_defaults_and_a_number_step_store_each_amount_once(tmp_path, monkeypatch):
    export = _export(tmp_path, ["180,50", "95,00", "1.250,00"], bills_xlsx=[180.5, 95, "80"])
    profile = _profile(tmp_path, GERMAN_DEFAULTS,
                       fee_steps=[{"number": {"decimal": ",", "thousands": "."}}],
                       bill_steps=[{"number": {"decimal": "."}}], xlsx=True)
    rc, rep, fees, bills = _run(tmp_path, export, profile, monkeypatch)
    assert fees == [95.0, 180.5, 1250.0]
    assert bills == [80.0, 95.0, 180.5]
    assert rc == 0, rep
    assert all(c["passed"] for c in rep["checks"])


def test_excel_numbers_without_a_step_are_stored_as_they_are(tmp_path, monkeypatch):
    export = _export(tmp_path, ["180,50"], bills_xlsx=[180.5, 1250, 0.25])
    profile = _profile(tmp_path, GERMAN_DEFAULTS, xlsx=True)
    rc, rep, fees, bills = _run(tmp_path, export, profile, monkeypatch)
    assert fees == [180.5]
    assert bills == [0.25, 180.5, 1250.0]


def test_the_totals_over_every_row_catch_an_amount_read_twice(tmp_path, monkeypatch):
    # the reading applied twice again (numbers no longer told from texts): the import's own
    # totals still agree with themselves; the plain reading of the cells does not
    import wizard.core.transforms.numbers as numbers
    monkeypatch.setattr(numbers, "held_numbers", lambda s: None)
    export = _export(tmp_path, ["180,50", "95,00"])
    profile = _profile(tmp_path, GERMAN_DEFAULTS,
                       fee_steps=[{"number": {"decimal": ",", "thousands": "."}}])
    rc, rep, fees, _ = _run(tmp_path, export, profile, monkeypatch)
    assert fees == []  # (verification failed: the import rolled back)
    same_reading = [c for c in rep["checks"] if c["name"].startswith("totals: visits")]
    assert same_reading and same_reading[0]["passed"]  # the fault this test stands in for
    every_row = [c for c in rep["checks"]
                 if c["name"] == "totals over every row: visits.consultationFee"]
    assert every_row and not every_row[0]["passed"]
    assert "2 values read at 10, 100" in every_row[0]["detail"]
    assert rc == 1  # (the run failed its verification and rolled back)


def test_a_misread_amount_is_a_warning_naming_file_line_and_field(tmp_path, monkeypatch):
    import wizard.core.transforms.numbers as numbers
    monkeypatch.setattr(numbers, "held_numbers", lambda s: None)
    export = _export(tmp_path, ["180,50", "95,00"])
    profile = _profile(tmp_path, GERMAN_DEFAULTS,
                       fee_steps=[{"number": {"decimal": ",", "thousands": "."}}])
    issues = tmp_path / "issues.csv"
    monkeypatch.setenv("HMSYNC_WIZARD_PARALLEL", "0")
    assert main(["validate", str(export), "--profile", str(profile),
                 "--issues", str(issues)]) == 0  # (warnings only)
    text = issues.read_text(encoding="utf-8-sig")
    rows = [r for r in text.splitlines() if "amount_scale" in r]
    assert len(rows) == 2
    assert all("konsultationen.csv" in r and "Gebühr" in r for r in rows)
    assert any(",2," in r or ";2;" in r for r in rows)  # the file's line 2


def test_an_amount_that_may_be_thousands_or_decimals_is_said(tmp_path, monkeypatch):
    export = _export(tmp_path, ["1.250", "80.50"])
    profile = _profile(tmp_path, {"decimal": "."})
    issues = tmp_path / "issues.csv"
    monkeypatch.setenv("HMSYNC_WIZARD_PARALLEL", "0")
    assert main(["validate", str(export), "--profile", str(profile),
                 "--issues", str(issues)]) == 0  # (warnings only)
    rows = [r for r in issues.read_text(encoding="utf-8-sig").splitlines()
            if "amount_unsure" in r]
    assert len(rows) == 1 and "konsultationen.csv" in rows[0]
    # with the thousands separator given, the profile says how to read it: no guess
    profile = _profile(tmp_path, {"decimal": ",", "thousands": "."})
    (tmp_path / "b").mkdir()
    export2 = _export(tmp_path / "b", ["1.250"])
    assert main(["validate", str(export2), "--profile", str(profile),
                 "--issues", str(issues)]) == 0
    assert "amount_unsure" not in issues.read_text(encoding="utf-8-sig")


def test_the_totals_over_every_row_count_the_amounts_no_number_reads(tmp_path, monkeypatch):
    # "180,50" under a decimal point is no number: rejected, and the total says it left
    # one value out rather than showing a sum that looks complete
    export = _export(tmp_path, ["180,50", "95.00"])
    profile = _profile(tmp_path, {"decimal": "."})
    rc, rep, fees, _ = _run(tmp_path, export, profile, monkeypatch)
    assert fees == [95.0] and rc == 1
    every_row = [c for c in rep["checks"]
                 if c["name"] == "totals over every row: visits.consultationFee"]
    assert "1 value not a number" in every_row[0]["detail"]
    assert every_row[0]["all_rows"]["unreadable"] == 1
