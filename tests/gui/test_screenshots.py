"""A screenshot of every page, through the same walkthrough ``--demo --walkthrough`` runs,
and the entry point itself in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from wizard.gui.app import demo_session
from wizard.gui.pages import PageId
from wizard.gui.walkthrough import Walkthrough

pytestmark = pytest.mark.gui


def distinct_colours(img: QImage, step: int = 7) -> int:
    seen = set()
    for y in range(0, img.height(), step):
        for x in range(0, img.width(), step):
            seen.add(img.pixel(x, y))
    return len(seen)


def test_screenshot_of_every_page(qtbot, make_wizard, answers, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    wiz = make_wizard(demo_session(scratch))
    out = tmp_path / "shots"
    out.mkdir()
    walk = Walkthrough(wiz, out)
    with qtbot.waitSignal(walk.finished, timeout=180_000) as blocker:
        walk.start(answers)
    assert blocker.args == [0]
    assert len(walk.shots) == len(PageId)
    for path in walk.shots:
        img = QImage(str(path))
        assert not img.isNull(), path.name
        assert img.width() >= 900 and img.height() >= 600, path.name
        assert path.stat().st_size > 20_000, path.name
        assert distinct_colours(img) > 12, path.name     # not a blank grey window
    assert (out / "migration-report.pdf").read_bytes()[:4] == b"%PDF"
    assert answers.errors() == []


def _run(args, tmp_path, timeout=300):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               HMSYNC_WIZARD_SETTINGS=str(tmp_path / "settings.ini"),
               HMSYNC_WIZARD_LOG_DIR=str(tmp_path / "logs"))
    return subprocess.run([sys.executable, "-m", "wizard.gui.app", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_version(tmp_path):
    import wizard
    r = _run(["--version"], tmp_path)
    assert r.returncode == 0
    assert r.stdout.strip() == f"hmsync-wizard {wizard.__version__}"


@pytest.mark.slow
def test_demo_walkthrough_entry_point(tmp_path):
    out = tmp_path / "shots"
    r = _run(["--demo", "--walkthrough", str(out)], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert len(list(out.glob("*.png"))) == len(PageId)
    assert "verification passed" in r.stderr
