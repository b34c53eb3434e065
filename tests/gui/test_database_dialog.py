"""Connect to a database… on the Legacy exports page: a connection test listing tables and
views with their record counts, a preview, and the database added as a source."""
from __future__ import annotations

import csv
import os
import sqlite3

import pytest
from PySide6.QtCore import Qt

from wizard.core.session import MigrationSession
from wizard.gui.pages import PageId

from .helpers import go_next, wait_page

pytestmark = pytest.mark.gui


def _legacy_db(export, path):
    """The demo export's CSV files as tables of an SQLite database, plus a view."""
    con = sqlite3.connect(path)
    for f in sorted(export.glob("*.csv")):
        with open(f, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh))
        cols = ", ".join(f'"{c}"' for c in rows[0])
        con.execute(f'CREATE TABLE "{f.stem}" ({cols})')
        con.executemany(f'INSERT INTO "{f.stem}" VALUES ({", ".join("?" * len(rows[0]))})',
                        [r for r in rows[1:] if len(r) == len(rows[0])])
    con.execute('CREATE VIEW "recent_visits" AS SELECT * FROM "visits" LIMIT 5')
    con.commit()
    con.close()
    return path


def _shoot(widget, name):
    """A 1280x720 picture for the README's walkthrough, when asked for
    (HMSYNC_SCREENSHOTS=folder)."""
    folder = os.environ.get("HMSYNC_SCREENSHOTS")
    if folder:
        widget.resize(1280, 720)
        widget.grab().save(os.path.join(folder, name))


def test_the_dialog_tests_the_connection_and_previews(qtbot, demo, tmp_path):
    from wizard.gui.database_dialog import DatabaseDialog
    export, _ = demo
    db = _legacy_db(export, tmp_path / "legacy.db")
    before = db.read_bytes(), db.stat().st_mtime_ns
    dlg = DatabaseDialog()
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.source.setText(f"sqlite:///{db}")
    assert not dlg.ok.isEnabled()
    dlg.test.click()
    qtbot.waitUntil(lambda: dlg.summary is not None, timeout=20_000)
    m = dlg.tables_model
    names = [m.data(m.index(r, 0)) for r in range(m.rowCount())]
    assert "patients" in names and "recent_visits" in names
    r = names.index("recent_visits")
    assert m.data(m.index(r, 1)) == "view" and m.data(m.index(r, 2)) == "5"
    with open(export / "patients.csv", encoding="utf-8-sig") as f:
        patients = sum(1 for _ in csv.reader(f)) - 1
    assert m.data(m.index(names.index("patients"), 2)) == f"{patients:,}"
    assert dlg.banner.state() == "ok" and "read-only" in dlg.banner.text()
    assert dlg.ok.isEnabled() and dlg.path() == db
    dlg.tables.selectRow(names.index("patients"))
    assert dlg.preview_model.rowCount() > 0 and "legacy.db#patients" in \
        dlg.preview_label.text()
    _shoot(dlg, "connect-database.png")
    # a change to the URL asks for a new test; a file that is not a database is named
    bad = tmp_path / "notes.db"
    bad.write_text("hello")
    dlg.source.setText(str(bad))
    assert not dlg.ok.isEnabled()
    dlg.test.click()
    qtbot.waitUntil(lambda: dlg.banner.state() == "error", timeout=20_000)
    assert "not an SQLite database" in dlg.banner.text() and dlg.summary is None
    dlg.close()
    assert (db.read_bytes(), db.stat().st_mtime_ns) == before


def test_the_page_adds_the_database_as_a_source(qtbot, make_wizard, answers, demo, tmp_path,
                                                monkeypatch):
    from wizard.gui import database_dialog
    export, target = demo
    db = _legacy_db(export, tmp_path / "legacy.db")

    def exec_(self):  # the operator types the URL, tests the connection and adds it
        self.source.setText(f"sqlite:///{db}")
        self.run_test()
        qtbot.waitUntil(lambda: self.summary is not None, timeout=20_000)
        return 1

    monkeypatch.setattr(database_dialog.DatabaseDialog, "exec", exec_)
    session = MigrationSession(source_system="x")
    session.target = target.resolve()
    wiz = make_wizard(session)
    go_next(qtbot, wiz, PageId.START)
    go_next(qtbot, wiz, PageId.TARGET)
    page = wiz.page(PageId.SOURCES)
    page.add_database.click()
    wait_page(qtbot, wiz, PageId.SOURCES)
    names = {t.name for t in wiz.session.tables}
    assert {"legacy.db#patients", "legacy.db#recent_visits"} <= names
    assert wiz.session.table_map("legacy.db#patients").target == "patients"
    page.view.selectRow(page.model.row_of("legacy.db#patients"))
    assert page.preview_model.rowCount() > 0
    assert page.preview_model.headerData(0, Qt.Orientation.Horizontal) == "rowid"
    # a database's tables are no files: the page says tables
    said = page.banner.text()
    assert said.startswith("Every table was read. 7 tables will be imported")
    assert "2 tables feed visits" in said and "file" not in said
    _shoot(wiz, "sources-database.png")


def test_the_words_for_a_database_source():
    """What the legacy tables are read from, named: tables of a database, files of an
    export, or both; a database that cannot be read is a source, not a file."""
    from pathlib import Path

    from wizard.core.readers.base import SourceError, SourceTable
    from wizard.core.readers.database import DatabaseTable
    from wizard.core.source_words import source_noun, unreadable_noun
    db = DatabaseTable(Path("legacy.db"), "legacy.db#patients", "sqlite")
    csv_ = SourceTable(Path("patients.csv"), "patients.csv", "csv")
    assert source_noun([db]) == "table" and source_noun([csv_]) == "file"
    assert source_noun([db, csv_]) == "file or table"
    assert unreadable_noun([SourceError(Path("x.csv"), "bad")]) == "file"
    assert unreadable_noun([SourceError("postgresql+psycopg://u@h/his", "refused")]) == "source"


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_a_servers_tables_are_listed_and_added_without_the_password(
        qtbot, make_wizard, answers, demo, tmp_path, monkeypatch, kind):
    import mariadbserver
    import pgserver
    mod = {"postgresql": pgserver, "mariadb": mariadbserver}[kind]
    why = mod.missing()
    if why:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the {kind} tests: {why}")
        pytest.skip(why)
    from wizard.gui import database_dialog
    export, target = demo
    monkeypatch.delenv("HMSYNC_SOURCE_PASSWORD", raising=False)
    server = mod.Server()
    try:
        server.create_database("his")
        c = server.connect("his")
        q = server.quote
        cur = c.cursor()
        cur.execute(f"CREATE TABLE patients (id integer PRIMARY KEY, {q('patientId')} text, "
                    f"{q('firstName')} text, {q('lastName')} text, {q('phoneNumber')} text, "
                    f"age integer, gender text, {q('registrationDate')} date)")
        cur.execute("INSERT INTO patients VALUES (1, 'P1', 'Zoë', 'Ångström', "
                    "'+919811111111', 40, 'F', '2022-01-15'), (2, 'P2', 'Ravi', 'Kumar', "
                    "'+919822222222', 35, 'M', '2022-02-01')")
        c.close()
        dlg = database_dialog.DatabaseDialog()
        qtbot.addWidget(dlg)
        dlg.show()
        dlg.source.setText(server.url("his"))
        dlg.password.setText(mod.PASSWORD)
        dlg.test.click()
        qtbot.waitUntil(lambda: dlg.summary is not None or dlg.banner.state() == "error",
                        timeout=30_000)
        assert dlg.summary is not None, dlg.banner.text()
        m = dlg.tables_model
        assert [m.data(m.index(r, 0)) for r in range(m.rowCount())] == ["patients"]
        assert m.data(m.index(0, 2)) == "2" and m.data(m.index(0, 4)) == "id"
        assert mod.PASSWORD not in dlg.banner.text() + str(dlg.path())
        assert dlg.preview_model.rowCount() == 2
        _shoot(dlg, f"connect-{kind}.png")
        url = dlg.path()
        dlg.close()

        def exec_(self):
            self.summary = database_dialog.DatabaseSummary("", tmp_path, source=url)
            return 1

        monkeypatch.setattr(database_dialog.DatabaseDialog, "exec", exec_)
        session = MigrationSession(source_system="x")
        session.target = target.resolve()
        wiz = make_wizard(session)
        go_next(qtbot, wiz, PageId.START)
        go_next(qtbot, wiz, PageId.TARGET)
        page = wiz.page(PageId.SOURCES)
        page.add_database.click()
        qtbot.waitUntil(lambda: not page.busy, timeout=30_000)
        assert {t.name for t in wiz.session.tables} == {"his#patients"}, \
            (page.banner.text(), [str(e) for e in wiz.session.read_errors])
        assert wiz.session.row_counts["his#patients"] == 2
        project = wiz.session.save_project(tmp_path / "p")
        assert mod.PASSWORD not in project.read_text()
        page.view.selectRow(0)
        page.remove.click()
        qtbot.waitUntil(lambda: not page.busy, timeout=30_000)
        assert not wiz.session.tables and not wiz.session.source_paths
    finally:
        server.stop()
