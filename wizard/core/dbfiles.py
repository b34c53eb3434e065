"""Database files as SQLite must be told about them: a path as a URI that names exactly
that file, and why a file could not be written. Imported by the schema (creating a
database) and the backups alike, so it depends on neither."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote


def file_uri(path: str | Path, readonly: bool = False) -> str:
    """The SQLite URI of a file: every character that means something in a URI (``#``,
    ``?``, ``%``, a space, any non-ASCII letter) percent-encoded, so that any legal file
    name names that file and no other (``file:clinic#2/x.db`` would open ``clinic``).

    Not Path.as_uri(): it writes a Windows share (``\\\\server\\share``) as the URI's
    authority, which SQLite refuses; here the authority stays empty and the path keeps its
    two slashes (``file:////server/share/x.db``)."""
    path = Path(path).resolve().as_posix()
    if not path.startswith("/"):  # C:/clinic/x.db
        path = "/" + path
    return "file://" + quote(os.fsencode(path), safe="/:") + ("?mode=ro" if readonly else "")


def write_problem(path: Path) -> str | None:
    """Why this user cannot write the database ``path``, in words naming the file or folder;
    None when nothing stands in the way that can be seen beforehand. SQLite writes a journal
    beside the database (``NAME-journal``), so the folder must be writable too: a
    read-only folder showed only as "unable to open database file"."""
    path = Path(path).resolve()
    folder = path.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return f"{folder} is on a read-only file system"
    except (OSError, AttributeError):  # no statvfs (Windows): the checks below
        pass
    if path.exists() and not os.access(path, os.W_OK):
        return f"{path} is read-only for this user"
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"the folder {folder} is read-only for this user (SQLite writes its journal, "
                f"{path.name}-journal, beside the database)")
    return None
