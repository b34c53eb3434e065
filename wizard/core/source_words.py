"""What the legacy tables are read from, in the words an operator uses: a file of an
export, or a table of a legacy database. The pages and notes that count them say "file"
or "table" accordingly ("Every table was read", not "Every file was read", for a database).
No Qt."""
from __future__ import annotations

from pathlib import Path

from .readers.database import DatabaseTable, is_database_file, is_server_url


def source_noun(tables) -> str:
    """"table" when every legacy table is a database's, "file" when none is, else "file
    or table"."""
    kinds = {isinstance(t, DatabaseTable) for t in tables}
    if kinds == {True}:
        return "table"
    return "file or table" if True in kinds else "file"


def unreadable_noun(errors) -> str:
    """What a source that cannot be read is: "file", or "source" when one of them is a
    database (its file or its server)."""
    def database(path) -> bool:
        # (a URL kept as a Path has lost one slash: "postgresql:/host/his")
        text = str(path).replace(":/", "://", 1).replace(":///", "://", 1)
        if text.startswith("sqlite:") or is_server_url(text):
            return True
        return "://" not in text and is_database_file(Path(text))
    return "source" if any(database(getattr(e, "path", "")) for e in errors) else "file"
