"""Hostile mapping profiles: each is refused with a ProfileError that names the file (and
the line or key), at once, without exhausting memory or Python's recursion."""
from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time

import pytest

from wizard.core.mapping import MAX_PROFILE_DEPTH, Profile, ProfileError

from .helpers import ROOT, assert_clean_exit, cli

# 9 levels of 9 aliases each: 9**9 (387 million) strings once expanded, from 342 bytes
ALIAS_BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip([None, *"abcdefgh"], "abcdefghi"))


def test_a_yaml_alias_bomb_is_refused_at_once_naming_the_line(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 600
    # in a child with 2 GB of address space and a minute: before the fix it expanded
    # until it ran out of memory
    code = ("import sys\nfrom wizard.core.mapping import Profile, ProfileError\n"
            "try:\n    Profile.load(sys.argv[1])\nexcept ProfileError as e:\n"
            "    print(e)\n")
    t0 = time.monotonic()
    p = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60,
        cwd=str(ROOT), env=dict(os.environ, PYTHONPATH=str(ROOT)),
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)))
    assert p.returncode == 0, p.stderr[-2000:]
    assert f"{path}, line 1: YAML anchors and aliases" in p.stdout, p.stdout
    assert time.monotonic() - t0 < 30


@pytest.mark.parametrize("text,line", [
    ("name: &n Clinic\nsource_system: *n\n", 1),                        # an anchor, used
    ("name: Clinic\nnotes:\n  - &x a note\n", 3),                        # an anchor alone
    ("defaults: {phone_region: IN}\ntables:\n  a.csv:\n    target: patients\n"
     "    fields:\n      age: {<<: *base, column: a}\n", 6),              # a merge key
])
def test_anchors_and_aliases_are_refused_with_their_line(tmp_path, text, line):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError, match=f"p.yaml, line {line}: YAML anchors and aliases"):
        Profile.load(path)


@pytest.mark.parametrize("name,text", [
    ("flow.yaml", "notes: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    ("block.yaml", "".join(f"{' ' * i}- \n" for i in range(0, 3000, 2)).replace(
        "- \n", "-\n")),
    ("deep.json", '{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ("middling.json", '{"notes": ' + "[" * 500 + "]" * 500 + "}"),  # json reads this one
])
def test_deep_nesting_is_refused_cleanly(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ProfileError, match=f"nested more than {MAX_PROFILE_DEPTH} levels") \
            as e:
        Profile.load(path)
    assert len(str(e.value)) < 300


def test_deep_nesting_through_the_command_line_leaves_one_short_log_line(tmp_path):
    """Once a RecursionError: 'unexpected' on the screen and a 60 KB line in the log."""
    path = tmp_path / "deep.yaml"
    path.write_text("notes: " + "[" * 100_000 + "]" * 100_000 + "\n")
    export = tmp_path / "export"
    export.mkdir()
    (export / "patients.csv").write_text("patientId,firstName\n1,A\n")
    log = ROOT / "tests" / ".logs" / "wizard.log"
    size = log.stat().st_size if log.exists() else 0
    rc, out, err = cli("validate", export, "--profile", path)
    assert_clean_exit(rc, out, err, (2,))
    assert "nested more than" in err and len(err) < 2000
    if log.exists():
        with open(log, "rb") as f:
            f.seek(size)
            assert all(len(line) < 4000 for line in f)


def test_a_profile_the_size_of_a_data_file_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as f:
        f.truncate(17 << 20)
    with pytest.raises(ProfileError, match="is no mapping profile"):
        Profile.load(path)


def test_a_project_file_with_a_deep_mapping_is_refused(tmp_path):
    from wizard.core.errors import ProjectError
    from wizard.core.session import PROJECT_FORMAT, PROJECT_SUFFIX, MigrationSession
    for n, what in ((500, "nested more than"), (100_000, "not valid JSON")):
        path = tmp_path / f"p{n}{PROJECT_SUFFIX}"
        path.write_text('{"format": %s, "version": 1, "profile": {"notes": %s%s}}' % (
            json.dumps(PROJECT_FORMAT), "[" * n, "]" * n))
        with pytest.raises(ProjectError, match=what):
            MigrationSession.load_project(path)


# --- shapes a profile must not have ----------------------------------------------------------
def _profile_with(tmp_path, export, **changes):
    """The suggested profile of ``export``, with keys of the first table or of the profile
    replaced by ``changes`` (table.legacy_id=..., pilot=...), written as YAML."""
    import yaml
    from wizard.core.readers import open_sources
    from wizard.core.schema import known_tables
    from wizard.core.suggest import suggest_profile
    tables, _ = open_sources([export])
    d = suggest_profile(tables, known_tables()).to_dict()
    for key, value in changes.items():
        if key.startswith("table."):
            src = next(s for s, t in d["tables"].items() if t["target"] == "patients")
            d["tables"][src][key[6:]] = value
        elif key == "tables_as_list":
            d["tables"] = [{"source": value if i == 0 else s, **t}
                           for i, (s, t) in enumerate(d["tables"].items())]
        else:
            d[key] = value
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(d, sort_keys=False, allow_unicode=True))
    return path


@pytest.mark.parametrize("changes,needle", [
    # (a list of column names is a composite id; a list holding anything else is not)
    ({"table.legacy_id": ["patientId", {"column": "x"}]},
     r"table 'patients.csv': legacy_id: must be a column name \(a text\), not a mapping"),
    ({"table.legacy_id": {"column": "patientId"}}, "legacy_id: must be a column name"),
    ({"table.confidence": "high"}, "table 'patients.csv': confidence: must be a number"),
    ({"tables_as_list": ["patients.csv", "visits.csv"]},
     r"tables: table 1: source: must be a file name \(a text\), not a list"),
    ({"tables_as_list": None}, "tables: table 1: source: missing"),
    ({"pilot": {"patients": {"id": 101}}}, "pilot: patients: must be a legacy id"),
    ({"pilot": {"patients": ["101", ["102"]]}}, "pilot: patients: item 2: must be a legacy id"),
    ({"pilot": {"registered": "2022"}},
     "pilot: registered: must be a mapping with from and/or to"),
    ({"pilot": {"registered": {"from": ["2022"]}}}, "pilot: registered: from: must be a date"),
    ({"pilot": {"registered": {"since": "2022-01-01"}}}, "registered: unknown key"),
    ({"pilot": {"department": ["Cardiology"]}}, "pilot: department: must be a department"),
    ({"pilot": [101]}, "pilot: must be a mapping with one filter"),
])
def test_a_profile_of_the_wrong_shape_is_refused_naming_the_key(tmp_path, changes, needle):
    """Each ended in "unexpected TypeError/AttributeError" (or, for a pilot of one id
    written as a text, silently piloted the ids "1" and "0")."""
    from conftest import write_mini
    export = write_mini(tmp_path / "export")
    path = _profile_with(tmp_path, export, **changes)
    with pytest.raises(ProfileError, match=needle) as e:
        Profile.load(path)
    assert str(path) in str(e.value)
    for command in ("validate", "run"):
        args = ["--target", tmp_path / "none.db"] if command == "run" else []
        rc, out, err = cli(command, export, "--profile", path, *args)
        assert_clean_exit(rc, out, err, (2,))
        assert re.search(needle, err), err


@pytest.mark.parametrize("patients", [101, "101", ["101"], [101]])
def test_a_pilot_of_one_patient_takes_that_patient(tmp_path, patients):
    """One id, as a number or a text, is a pilot of that one patient (a one-element list):
    "101" piloted the ids "1" and "0", a number ended in "unexpected TypeError"."""
    from conftest import write_mini
    from wizard.core.engine import Migration
    from wizard.core.readers import open_sources
    from wizard.core.schema import init_db
    export = write_mini(tmp_path / "export")
    profile = Profile.load(_profile_with(tmp_path, export, pilot={"patients": patients}))
    assert profile.pilot == {"patients": ["101"]}
    target = tmp_path / "t.db"
    init_db(target)
    tables, _ = open_sources([export])
    res = Migration(tables, profile, target).run(no_backup=True)
    assert res.committed
    import sqlite3
    con = sqlite3.connect(target)
    ids = {r[0] for r in con.execute('SELECT "legacyId" FROM migration_legacy_ids WHERE '
                                     '"tableName" = \'patients\'')}
    con.close()
    assert ids == {"101"}


def test_a_pilot_by_registration_dates_round_trips(tmp_path):
    from conftest import write_mini
    export = write_mini(tmp_path / "export")
    path = _profile_with(tmp_path, export, pilot={"registered": {"from": "2022-01-01",
                                                                  "to": "2022-01-31"}})
    text = path.read_text().replace("'2022-01-01'", "2022-01-01")  # a YAML date, unquoted
    path.write_text(text)
    p = Profile.load(path)
    assert p.pilot == {"registered": {"from": "2022-01-01", "to": "2022-01-31"}}
    again = tmp_path / "again.yaml"
    p.save(again)
    assert Profile.load(again).pilot == p.pilot
