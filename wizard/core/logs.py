"""Where the wizard logs, and how: counts, files and line numbers, never patient data.

Unexpected exceptions are written as the exception type and the code location of each
frame only — not the exception message or local values, which may quote a record.
"""
from __future__ import annotations

import os
import traceback
from datetime import datetime
from pathlib import Path


def log_dir() -> Path:
    env = os.environ.get("HMSYNC_WIZARD_LOG_DIR")
    if env:
        return Path(env)
    from platformdirs import user_log_dir
    return Path(user_log_dir("hmsync-wizard", "HMSync"))


def log_file() -> Path:
    d = log_dir()
    d.mkdir(parents=True, exist_ok=True)
    return d / "wizard.log"


def log_line(message: str) -> None:
    try:
        path = log_file()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(f"{datetime.now().isoformat(timespec='seconds')} {message}\n")
    except OSError:
        pass


#: innermost and outermost frames an error's line in the log keeps of a deep stack
FRAMES_KEPT = 12


def log_exception(exc: BaseException, context: str = "") -> Path:
    frames = [f"{Path(f.filename).name}:{f.lineno} in {f.name}"
              for f in reversed(traceback.extract_tb(exc.__traceback__))]
    if len(frames) > 2 * FRAMES_KEPT:  # a runaway recursion: a thousand frames, one line
        frames[FRAMES_KEPT:-FRAMES_KEPT] = [f"({len(frames) - 2 * FRAMES_KEPT} frames)"]
    where = " <- ".join(frames)
    detail = getattr(exc, "log_detail", "")  # e.g. the helper process's side, no data
    log_line(f"ERROR {context}: {type(exc).__name__} at {where}" +
             (f"; {detail}" if detail else ""))
    return log_file()
