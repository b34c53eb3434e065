"""No output may destroy an input: every command that writes a file or folder is given,
as that output, each thing the migration reads or must keep — the target (also through a
symbolic and a hard link), a legacy file (also through a symbolic link), the export folder,
the profile — and must refuse before anything runs: exit 2, the path named, every input
byte for byte as it was, no backup made."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from wizard.core.schema import init_db
from wizard.resources import demo_export

from .helpers import assert_clean_exit, cli, file_sha256


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("collide")
    export = root / "export"
    shutil.copytree(demo_export(), export)
    target = root / "hmsync.db"
    init_db(target)
    profile = root / "profile.yaml"
    rc, out, err = cli("suggest", export, "-o", profile)
    assert rc == 0, err
    links = root / "links"
    links.mkdir()
    os.symlink(target, links / "target-symlink.db")
    os.link(target, links / "target-hardlink.db")
    os.symlink(export / "patients.csv", links / "patients-symlink.csv")
    return root, export, target, profile


INPUTS = {
    "target": lambda r, e, t, p: t,
    "target through a symbolic link": lambda r, e, t, p: r / "links" / "target-symlink.db",
    "target through a hard link": lambda r, e, t, p: r / "links" / "target-hardlink.db",
    "target spelt another way": lambda r, e, t, p: r / "export" / ".." / "hmsync.db",
    "a legacy file": lambda r, e, t, p: e / "patients.csv",
    "a legacy file through a symbolic link": lambda r, e, t, p: r / "links" /
    "patients-symlink.csv",
    "the export folder": lambda r, e, t, p: e,
    "the profile": lambda r, e, t, p: p,
}

#: command line with OUT where the output goes
COMMANDS = {
    "run --report": ["run", "{export}", "--target", "{target}", "--profile", "{profile}",
                     "--report", "OUT"],
    "run --html": ["run", "{export}", "--target", "{target}", "--profile", "{profile}",
                   "--html", "OUT"],
    "run --issues": ["run", "{export}", "--target", "{target}", "--profile", "{profile}",
                     "--issues", "OUT"],
    "run --rejected": ["run", "{export}", "--target", "{target}", "--profile", "{profile}",
                       "--rejected", "OUT"],
    "run --backup-dir": ["run", "{export}", "--target", "{target}", "--profile", "{profile}",
                         "--backup-dir", "OUT"],
    "validate --issues": ["validate", "{export}", "--profile", "{profile}", "--target",
                          "{target}", "--issues", "OUT"],
    "validate --rejected": ["validate", "{export}", "--profile", "{profile}", "--target",
                            "{target}", "--rejected", "OUT"],
    "suggest -o": ["suggest", "{export}", "--target", "{target}", "-o", "OUT"],
    "mapping-doc -o": ["mapping-doc", "{export}", "--profile", "{profile}", "-o", "OUT"],
}



def _state(root: Path) -> dict:
    return {str(p.relative_to(root)): file_sha256(p) for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink()}


#: suggest reads no profile: writing a new suggestion over one is its job
CASES = [(c, w) for c in sorted(COMMANDS) for w in sorted(INPUTS)
         if (c, w) != ("suggest -o", "the profile")]


@pytest.mark.parametrize("command,what", CASES)
def test_an_output_never_overwrites_an_input(world, command, what):
    root, export, target, profile = world
    out = INPUTS[what](root, export, target, profile)
    args = [a.format(export=export, target=target, profile=profile) if a != "OUT" else out
            for a in COMMANDS[command]]
    before = _state(root)
    rc, stdout, err = cli(*args)
    assert_clean_exit(rc, stdout, err, allowed=(2,))
    assert _state(root) == before, f"{command} with {what} changed a file"
    assert not list(root.rglob("backup-*.db")), "a backup was made before the refusal"
    assert str(out) in err or os.path.realpath(out) in err or out.name in err, err


def test_a_report_beside_the_export_is_still_allowed(world, tmp_path):
    """The check refuses inputs, not reasonable outputs: a report in a folder of its own,
    beside the export, is written."""
    root, export, target, profile = world
    db = tmp_path / "t.db"
    shutil.copy2(target, db)
    rc, out, err = cli("run", export, "--target", db, "--profile", profile, "--report",
                       tmp_path / "reports" / "r.json", "--no-backup", "--quiet")
    assert_clean_exit(rc, out, err, allowed=(0, 1))
    assert (tmp_path / "reports" / "r.json").is_file()
