"""Every command that takes a path works on that file, whatever its name: characters that
mean something in a URI (``#``, ``?``, ``%``, ``%25``), spaces, non-ASCII letters, a
leading ``-``, a ``;``. Row counts prove which file was read or written, and no other file
appears (``file:clinic#2/hmsync.db`` once opened a stray ``clinic`` and backed it up)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import MINI_CLEAN, write_mini
from wizard.core.backup import make_backup
from wizard.core.engine import Migration
from wizard.core.readers import open_sources
from wizard.core.schema import DATA_TABLES, init_db, known_tables
from wizard.core.suggest import suggest_profile

from .helpers import assert_clean_exit, cli

NAMES = ["clinic#2", "what?", "50%", "a%25b", "with space", "क्लिनिक", "-lead", "a;b"]
COMMANDS = ["init-db", "backup", "restore", "verify", "schema", "run", "validate",
            "inspect", "suggest", "mapping-doc"]


def counts(db: Path) -> dict[str, int]:
    con = sqlite3.connect(str(db))  # a plain file name: no URI parsing in the check itself
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
                for t in DATA_TABLES}
    finally:
        con.close()


def tree(root: Path) -> set[Path]:
    return set(root.rglob("*"))


class Place:
    """A folder and a database named ``name``, an export inside it, ``root`` around it."""

    def __init__(self, root: Path, name: str):
        self.root = root
        self.dir = root / name
        self.dir.mkdir()
        self.db = self.dir / f"{name}.db"
        self.export = write_mini(self.dir / f"{name} export")
        self.name = name

    def out(self, suffix: str) -> Path:
        return self.dir / f"{self.name}{suffix}"

    def migrated(self) -> Path:
        init_db(self.db)
        tables, _ = open_sources([self.export])
        Migration(tables, suggest_profile(tables, known_tables()), self.db).run(no_backup=True)
        assert counts(self.db) == MINI_CLEAN
        return self.db


def new_files(before: set[Path], after: set[Path], allowed: list[Path]) -> list[Path]:
    """Files that appeared outside the outputs the command was asked to write."""
    return sorted(p for p in after - before
                  if not any(p == a or a in p.parents for a in allowed))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", NAMES)
def test_every_command_works_on_the_file_it_is_given(tmp_path, name, command):
    place = Place(tmp_path, name)
    if command not in ("init-db", "inspect"):
        place.migrated()
    allowed: list[Path] = []
    before = tree(tmp_path)

    if command == "init-db":
        db = place.out(" new.db")
        rc, out, err = cli("init-db", db)
        assert_clean_exit(rc, out, err, (0,))
        assert counts(db) == {t: 0 for t in DATA_TABLES}
        allowed = [db]
    elif command == "backup":
        folder = place.out(" backups")
        rc, out, err = cli("backup", place.db, "--dir", folder)
        assert_clean_exit(rc, out, err, (0,))
        made = [p for p in folder.iterdir() if p.suffix == ".db"]
        assert len(made) == 1 and str(made[0]) in out
        assert counts(made[0]) == MINI_CLEAN
        assert "(0 rows)" not in out
        allowed = [folder]
    elif command == "restore":
        folder = place.out(" backups")
        good = make_backup(place.db, folder).path
        allowed = [folder]
        before = tree(tmp_path)
        con = sqlite3.connect(str(place.db))
        con.execute("DELETE FROM payments")
        con.commit()
        con.close()
        rc, out, err = cli("restore", good, "--target", place.db, "--dir", folder)
        assert_clean_exit(rc, out, err, (0,))
        assert counts(place.db) == MINI_CLEAN
        assert counts(good) == MINI_CLEAN
    elif command == "verify":
        report = place.out(" verify.json")
        rc, out, err = cli("verify", place.db, "--report", report)
        assert_clean_exit(rc, out, err, (0, 1))
        said = {w[0]: int(w[1].replace(",", "")) for w in map(str.split, out.splitlines())
                if len(w) == 3 and w[2] == "rows"}
        assert {t: said.get(t) for t in MINI_CLEAN} == MINI_CLEAN
        assert report.is_file()
        allowed = [report]
    elif command == "schema":
        old = place.out(" v1.db")
        init_db(old, version=1)
        allowed = [old, place.out(" backups")]
        before = tree(tmp_path)
        rc, out, err = cli("schema", place.db)
        assert_clean_exit(rc, out, err, (0,))
        assert "matches" in out
        rc, out, err = cli("schema", old, "--upgrade", "--backup-dir", place.out(" backups"))
        assert_clean_exit(rc, out, err, (0,))
        con = sqlite3.connect(str(old))
        cols = {r[1] for r in con.execute("PRAGMA table_info(doctors)")}
        con.close()
        assert "department" in cols
    elif command == "run":
        target = place.out(" target.db")
        init_db(target)
        report, issues, rejected, backups = (place.out(s) for s in (
            " report.json", " issues.csv", " rejected", " backups"))
        allowed = [target, report, report.with_suffix(".html"), issues, rejected, backups]
        before = tree(tmp_path)
        rc, out, err = cli("run", place.export, "--target", target, "--report", report,
                           "--issues", issues, "--rejected", rejected, "--backup-dir", backups)
        assert_clean_exit(rc, out, err, (0, 1))
        assert counts(target) == MINI_CLEAN, err
        assert report.is_file() and issues.is_file() and any(rejected.iterdir())
        assert [p for p in backups.iterdir() if p.suffix == ".db"]
    elif command == "validate":
        issues, rejected = place.out(" issues.csv"), place.out(" rejected")
        allowed = [issues, rejected]
        rc, out, err = cli("validate", place.export, "--target", place.db,
                           "--issues", issues, "--rejected", rejected)
        assert_clean_exit(rc, out, err, (0, 1))
        assert issues.is_file() and any(rejected.iterdir())
        assert counts(place.db) == MINI_CLEAN
    elif command == "inspect":
        odd = place.out(" patients.csv")
        odd.write_bytes((place.export / "patients.csv").read_bytes())
        before = tree(tmp_path)
        rc, out, err = cli("inspect", odd, "--no-sample")
        assert_clean_exit(rc, out, err, (0,))
        assert "12 records" in out
    elif command == "suggest":
        profile = place.out(" profile.yaml")
        rc, out, err = cli("suggest", place.export, "-o", profile, "--target", place.db)
        assert_clean_exit(rc, out, err, (0,))
        assert "patients" in profile.read_text(encoding="utf-8")
        allowed = [profile]
    elif command == "mapping-doc":
        profile, doc = place.out(" profile.yaml"), place.out(" mapping.html")
        suggest_profile(*[open_sources([place.export])[0]], known_tables()).save(profile)
        before = tree(tmp_path)
        rc, out, err = cli("mapping-doc", place.export, "--profile", profile, "-o", doc)
        assert_clean_exit(rc, out, err, (0,))
        assert "patients" in doc.read_text(encoding="utf-8")
        allowed = [doc]

    assert new_files(before, tree(tmp_path), allowed) == []
    if command not in ("init-db", "inspect"):
        assert counts(place.db) == MINI_CLEAN


def test_a_relative_name_that_reads_as_a_uri_is_still_that_file(tmp_path, monkeypatch):
    """SQLite reads a file name that begins ``file:`` as a URI even unasked (a build option
    of most Linux distributions): ``file:clinic.db?mode=x``, given relative, is that file."""
    monkeypatch.chdir(tmp_path)
    export = write_mini(tmp_path / "export")
    name = "file:clinic.db?mode=x"
    before = tree(tmp_path)
    for args in (("init-db", "--schema-version", "1", name),
                 ("schema", name, "--upgrade", "--backup-dir", "backups"),
                 ("run", export, "--target", name, "--no-backup", "--vacuum"),
                 ("schema", name),
                 ("backup", name, "--dir", "backups"),
                 ("verify", name)):
        rc, out, err = cli(*args)
        assert_clean_exit(rc, out, err, (0, 1))
    assert counts(tmp_path / name) == MINI_CLEAN
    assert new_files(before, tree(tmp_path), [tmp_path / name, tmp_path / "backups"]) == []


def test_a_file_name_that_is_not_utf8_is_still_that_file(tmp_path):
    """Linux file names are bytes: one that is not UTF-8 reaches the program as Python's
    surrogate escapes, and its URI carries the byte itself."""
    import os
    name = os.fsdecode(b"clinic\xff#.db")
    db = tmp_path / name
    before = tree(tmp_path)
    for args in (("init-db", db), ("backup", db, "--dir", tmp_path / "backups"),
                 ("verify", db), ("schema", db)):
        rc, out, err = cli(*args)
        assert_clean_exit(rc, out, err, (0,))
    assert counts(db) == {t: 0 for t in DATA_TABLES}
    assert new_files(before, tree(tmp_path), [db, tmp_path / "backups"]) == []
