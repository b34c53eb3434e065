"""The wizard's log: written where HMSYNC_WIZARD_LOG_DIR says, rotated so that it never
grows without end, the newest lines kept, every file private to its owner."""
import os
import stat

from wizard.core import logs


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_a_line_is_stamped_and_written_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(tmp_path / "a"))
    logs.log_line("import into t.db: 5 records (100%)")
    path = tmp_path / "a" / "wizard.log"
    assert logs.log_file() == path
    (line,) = _lines(path)
    stamp, text = line.split(" ", 1)
    assert text == "import into t.db: 5 records (100%)"
    assert len(stamp) == 19 and stamp[10] == "T"  # 2026-01-31T12:00:00
    # the place is read on every call: another folder, another file
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(tmp_path / "b"))
    logs.log_line("second")
    assert [ln.split(" ", 1)[1] for ln in _lines(tmp_path / "b" / "wizard.log")] == ["second"]
    assert len(_lines(path)) == 1


def test_the_log_rotates_and_keeps_the_newest_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    monkeypatch.setattr(logs, "BACKUPS", 3)
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(tmp_path))
    for i in range(400):  # about 40 bytes a line: 16,000 bytes, eight files' worth
        logs.log_line(f"line {i:05d}")
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["wizard.log", "wizard.log.1", "wizard.log.2", "wizard.log.3"]
    for name in files:
        p = tmp_path / name
        assert p.stat().st_size <= 2_000
        if os.name == "posix":
            assert stat.S_IMODE(p.stat().st_mode) == 0o600
    kept = []
    for name in reversed(files):  # oldest first
        kept += [ln.split(" ", 1)[1] for ln in _lines(tmp_path / name)]
    # the newest lines, in order, with none missing; the oldest are gone
    assert kept[-1] == "line 00399"
    assert kept == [f"line {i:05d}" for i in range(400 - len(kept), 400)]
    assert len(kept) < 400


def test_an_exception_is_logged_by_type_and_place_only(tmp_path, monkeypatch):
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(tmp_path))
    try:
        raise ValueError("Ravi Kumar +919811111111")
    except ValueError as e:
        where = logs.log_exception(e, "test")
    text = where.read_text(encoding="utf-8")
    assert "ERROR test: ValueError at test_logs.py:" in text
    assert "Ravi" not in text and "+9198" not in text


def test_a_log_that_cannot_be_written_is_silent(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(blocker / "logs"))  # under a file
    logs.log_line("nothing happens")


def test_a_file_renamed_by_another_process_is_not_written_on(tmp_path, monkeypatch):
    """The command line and the wizard may share the log: each finds it by its name."""
    monkeypatch.setenv("HMSYNC_WIZARD_LOG_DIR", str(tmp_path))
    logs.log_line("first")
    (tmp_path / "wizard.log").rename(tmp_path / "wizard.log.1")  # the other one rotated
    logs.log_line("second")
    assert [ln.split(" ", 1)[1] for ln in _lines(tmp_path / "wizard.log")] == ["second"]
    assert [ln.split(" ", 1)[1] for ln in _lines(tmp_path / "wizard.log.1")] == ["first"]
