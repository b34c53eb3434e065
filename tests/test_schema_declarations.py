"""What the schema declares beyond fields (the same person twice, money totals and how they
are grouped, the pilot's chain of references) is applied to whichever table declares it,
and survives the reflection of a target's real schema."""
import sqlite3

from wizard.core.engine import Migration
from wizard.core.pilot import Pilot
from wizard.core.readers import open_sources
from wizard.core.schema import init_db, known_tables, reflect_targets
from wizard.core.suggest import suggest_profile


def _declarations(tables):
    return {n: (t.person_key, {f.name: (f.total, f.total_by) for f in t.fields.values()
                               if f.total or f.total_by})
            for n, t in tables.items()}


def test_hmsync_declares_its_person_key_and_money_totals():
    assert _declarations(known_tables()) == {
        "patients": (("fullName", "phone"), {}),
        "doctors": ((), {}),
        "visits": ((), {"consultationFee": (True, "doctorId")}),
        "bills": ((), {"amount": (True, None)}),
        "payments": ((), {"amount": (True, None)}),
        "pathology_tests": ((), {"price": (True, None)}),
    }


def test_declarations_survive_reflection_and_added_numbers_are_totalled(tmp_path):
    db = tmp_path / "t.db"
    init_db(db)
    con = sqlite3.connect(db)
    assert _declarations(reflect_targets(con)) == _declarations(known_tables())
    con.execute('ALTER TABLE visits ADD COLUMN "discount" REAL')
    con.execute('ALTER TABLE visits ADD COLUMN "room" TEXT')
    got = reflect_targets(con)["visits"].fields
    con.close()
    assert got["discount"].total and not got["room"].total
    assert got["consultationFee"].total_by == "doctorId"


def _migration(folder, target=None):
    tables, _ = open_sources([folder])
    return Migration(tables, suggest_profile(tables, known_tables(), source_system="hcp"),
                     target)


def test_the_same_person_check_follows_the_declaring_table(mini_export):
    with open(mini_export / "doctors.csv", "ab") as f:  # D1 again: other case and spaces
        f.write(b" D3, dr. asha RAO ,Cardiology,LIC3,+919800000001,2021-01-01\r\n")
    m = _migration(mini_export)
    m.targets["patients"].person_key = ()
    m.targets["doctors"].person_key = ("fullName", "phone")
    res = m.validate()
    w = res.problems[res.problems.severity == "warning"]
    assert list(zip(w.file, w.line, w.rule, w.field)) == [
        ("doctors.csv", 4, "doctors.person.possible_duplicate", "fullName")]
    assert "D1" in w.message.iloc[0]
    # a key naming a field the table lacks is not applied
    m = _migration(mini_export)
    m.targets["patients"].person_key = ("fullName", "email")
    assert not (m.validate().problems.severity == "warning").any()


def test_totals_are_those_the_schema_declares_grouped_as_declared(mini_export,
                                                                  empty_target):
    m = _migration(mini_export, empty_target)
    bills = m.targets["bills"].fields
    bills["amount"].total_by = "patientId"
    m.targets["visits"].fields["consultationFee"].total_by = None
    m.targets["pathology_tests"].fields["price"].total = False
    m.make_backup()
    res = m.run()
    assert res.passed, [c for c in (x.to_dict() for x in res.verification.checks) if not c["passed"]]
    totals = {c["name"]: c for c in (x.to_dict() for x in res.verification.checks)
              if c["name"].startswith("totals: ")}
    assert set(totals) == {"totals: visits.consultationFee", "totals: bills.amount",
                           "totals: payments.amount", "totals: amounts per patient"}
    per = totals["totals: amounts per patient"]
    assert per["detail"] == "2 patients compared"
    assert per["per_patient"] == {"101": {"source": 650.0, "hmsync": 650.0},
                                  "102": {"source": 300.0, "hmsync": 300.0}}


def test_the_pilot_chain_follows_the_references():
    p = Pilot({"patients": ["101"]})
    assert p.links == {"patients": {}, "visits": {"patientId": "patients"},
                       "bills": {"visitId": "visits", "patientId": "patients"},
                       "payments": {"billId": "bills"},
                       "pathology_tests": {"visitId": "visits", "patientId": "patients"}}
    assert set(p.ids) == {"patients", "visits", "bills"}
    # a schema whose payments refer to nothing of the pilot: reference data, all of them
    targets = known_tables()
    targets["payments"].fields["billId"].references = None
    p.prepare([], targets, {})
    assert "payments" not in p.links and set(p.ids) == {"patients", "visits"}
