"""Counts in words: one record, two records, wherever an operator reads a count."""
import json

from wizard.cli import main
from wizard.core.signoff import signoff_html
from wizard.core.words import counted, plural


def test_one_is_singular_and_every_other_count_reads_as_before():
    assert counted(1, "record") == "1 record"
    assert counted(0, "record") == "0 records"
    assert counted(1204, "record") == "1,204 records"
    assert counted(1204, "record", thousands=False) == "1204 records"
    assert plural(1, "was", "were") == "was" and plural(3, "was", "were") == "were"
    assert plural(2, "person") == "people"


def test_the_command_line_says_one_error(tmp_path, capsys):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "patients.csv").write_text(
        "patientId,fullName,phoneNumber,age,gender\n"
        "1,Asha Rao,+919811111111,40,F\n"
        "2,Ravi Das,+919822222222,500,M\n", encoding="utf-8")
    profile = tmp_path / "p.yaml"
    profile.write_text(json.dumps({"name": "t", "source_system": "t", "tables": {
        "patients.csv": {"target": "patients", "legacy_id": "patientId", "fields": {
            "fullName": "fullName", "phone": "phoneNumber", "age": "age",
            "gender": "gender"}}}}))
    rc = main(["validate", str(folder), "--profile", str(profile)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "\n1 error, 0 warnings" in out and "1 errors" not in out


def test_the_signoff_says_one_record_updated():
    rep = {"report_version": 2, "status": "committed", "tables": {
        "patients": {"source_rows": 3, "imported": 0, "duplicates": 3, "rejected": 0,
                     "updated": 1, "conflicts": 1}},
        "checks": [], "cells": {"tables": [], "not_accounted": 1},
        "delta": {"gone": {"patients": {"count": 1}}}}
    doc = signoff_html(rep)
    assert "1 record updated; 1 conflict (changed in HMSync" in doc
    assert "1 record an earlier run imported is no longer in the export" in doc
    assert "1 cell is not accounted for" in doc
    assert "1 records" not in doc
