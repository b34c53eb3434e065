"""The packaged application (issue 6): build the PyInstaller bundle and smoke-test it.

Runs ``build/smoke_test.sh``: it builds the one-folder bundle and its archive
(``build/build_linux.sh`` on ``installer.spec``, with this test's Python), unpacks the archive
alone into a temporary folder, and runs the frozen ``hmsync-migrate`` and ``hmsync-wizard``
there with a clean environment (``--version``; init-db + run of the bundled demo export,
every check passed; schema, and an upgrade through the bundled Alembic scripts; the wizard's
offscreen ``--demo --walkthrough`` writes PNGs; the bundle itself is left unchanged).

Building is part of the suite (about 1-2 minutes on 2 cores). The test is skipped only when
PyInstaller is not installed and cannot be installed (no network, no pip), and off Linux
(the smoke test is a bash script for the Linux bundle; see build/windows/README.md).
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "build" / "smoke_test.sh"
PYINSTALLER = "pyinstaller>=6.10,<7"      # as in pyproject's `test` and `build` extras


def _pyinstaller_missing() -> str | None:
    """None when PyInstaller is importable (installing it if needed), else why not."""
    if importlib.util.find_spec("PyInstaller") is not None:
        return None
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                        "--disable-pip-version-check", PYINSTALLER],
                       capture_output=True, text=True)
    importlib.invalidate_caches()
    if r.returncode == 0 and importlib.util.find_spec("PyInstaller") is not None:
        return None
    why = (r.stderr or r.stdout).strip().splitlines()
    return (f"PyInstaller is not installed and `pip install {PYINSTALLER}` failed "
            f"(exit {r.returncode}: {why[-1] if why else 'no output'})")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the bundle smoke test builds and runs the Linux bundle")
def test_frozen_bundle_smoke(tmp_path):
    missing = _pyinstaller_missing()
    if missing:
        pytest.skip(missing)
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "PYTHONPATH", "HMSYNC_WIZARD_LOG_DIR")}
    env.update(HMSYNC_BUILD_PYTHON=sys.executable, PYTHON=sys.executable,
               TMPDIR=str(tmp_path))
    r = subprocess.run(["bash", str(SMOKE)], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=1800)
    log = f"--- stdout\n{r.stdout[-4000:]}\n--- stderr\n{r.stderr[-12000:]}"
    assert r.returncode == 0, f"build/smoke_test.sh failed (exit {r.returncode})\n{log}"
    assert "smoke: PASS" in r.stderr, log
