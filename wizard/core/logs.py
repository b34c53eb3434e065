"""Where the wizard logs, and how: counts, files and line numbers, never patient data.

Unexpected exceptions are written as the exception type and the code location of each
frame only — not the exception message or local values, which may quote a record.

The log is ``wizard.log`` in :func:`log_dir`, kept by the standard :mod:`logging` module:
at ``MAX_BYTES`` it is renamed ``wizard.log.1`` (the one before that ``.2``, and so on) and
a new one begun, so that years of migrations keep the newest ``BACKUPS`` + 1 files and no
more. Every file is readable by its owner only.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import threading
import traceback
from pathlib import Path

#: a file is rotated once it would grow past this many bytes
MAX_BYTES = 1_000_000
#: rotated files kept besides the current one (wizard.log.1 ... wizard.log.5)
BACKUPS = 5

_logger = logging.getLogger("hmsync.wizard")
_logger.setLevel(logging.INFO)
_logger.propagate = False  # the wizard's log file only: not an application's root logger
_lock = threading.Lock()


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are created readable by their owner only (0600), and
    which stays silent when the file cannot be written: a log must never stop a
    migration.

    The file is closed after every line: the command line and the wizard may log at the
    same time, and each must find (and rotate) the file by its name, not write on into a
    file the other has renamed; Windows renames no file that is held open."""

    def emit(self, record):
        try:
            super().emit(record)
        finally:
            self.close_stream()

    def close_stream(self):
        self.acquire()
        try:
            if self.stream is not None:
                try:
                    self.stream.close()
                except OSError:
                    pass
                self.stream = None
        finally:
            self.release()

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, self.mode.replace("w", "a"), encoding=self.encoding,
                         errors=self.errors)

    def handleError(self, record):  # noqa: N802 (logging's name)
        pass


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


def _handler() -> logging.Handler:
    """The handler writing to :func:`log_file`; made again when the location changes (the
    environment variable is read on every call, as the file's place always was)."""
    path = str(log_file())
    with _lock:
        for h in list(_logger.handlers):
            if getattr(h, "baseFilename", None) == os.path.abspath(path):
                return h
            _logger.removeHandler(h)
            h.close()
        h = _PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                    encoding="utf-8", delay=True)
        h.setFormatter(logging.Formatter("%(asctime)s %(message)s",
                                         datefmt="%Y-%m-%dT%H:%M:%S"))
        _logger.addHandler(h)
        return h


def log_line(message: str) -> None:
    try:
        _handler()
    except OSError:
        return
    _logger.info(message)


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
