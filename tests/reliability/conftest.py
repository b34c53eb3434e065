"""Hypothesis keeps its caches outside the work tree (no .hypothesis/ folder to commit)."""
import tempfile
from pathlib import Path

from hypothesis import configuration

configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "hmsync-wizard-hypothesis")
