"""The command line and the wizard walk one migration sequence (wizard.core.session), so
the same export, mapping and target give the same run report, field for field."""
from __future__ import annotations

import json
import shutil

from wizard import cli
from wizard.core.schema import init_db
from wizard.core.session import MigrationSession

from .test_wizard_flow import run_to_verification

#: what differs between two runs of the same migration by its nature
VOLATILE = {"generated", "started", "finished", "timings_s", "target", "backup_path",
            "backup", "duration_s", "backup_sha256"}


def comparable(report: dict) -> dict:
    return {k: v for k, v in json.loads(json.dumps(report, default=str)).items()
            if k not in VOLATILE}


def test_cli_and_wizard_write_the_same_report(qtbot, make_wizard, answers, dirty, tmp_path):
    export = dirty[0].folder
    # an older HMSync schema: the report names the difference (the CLI's did, the wizard's
    # did not)
    db = tmp_path / "hmsync-v1.db"
    init_db(db, version=1)
    cli_db = tmp_path / "cli" / "hmsync.db"
    cli_db.parent.mkdir()
    shutil.copy2(db, cli_db)

    session = MigrationSession(source_system="hcplus")
    session.source_paths = [export]
    session.target = db.resolve()
    wiz = make_wizard(session)
    assert run_to_verification(qtbot, wiz).passed
    profile = tmp_path / "profile.yaml"
    wiz.session.save_profile(profile)
    gui_report = wiz.session.run_report

    report = tmp_path / "cli" / "report.json"
    code = cli.main(["run", str(export), "--target", str(cli_db), "--profile", str(profile),
                     "--report", str(report), "--backup-dir", str(tmp_path / "cli"),
                     "--quiet"])
    cli_report = json.loads(report.read_text(encoding="utf-8"))
    assert code == 1  # the dirty export's rejected records
    assert gui_report["tables"]["patients"]["rejected"] > 0  # a report with something in it
    assert gui_report["schema_differences"]
    assert comparable(gui_report) == comparable(cli_report)
    assert set(cli_report) == set(gui_report)
