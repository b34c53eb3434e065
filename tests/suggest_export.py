"""Suggesting a mapping for a small export written in a test (the suggestion tests')."""
from __future__ import annotations

from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile


def suggest(tmp_path, files: dict[str, str]):
    """The suggested profile of an export of ``files`` (name -> text) under ``tmp_path``."""
    export = tmp_path / "export"
    export.mkdir()
    for name, text in files.items():
        (export / name).write_text(text, encoding="utf-8")
    tables, errors = open_sources([export])
    assert not errors
    return suggest_profile(tables, known_tables())


def fields(profile, source):
    """Each suggested field of ``source``'s table and the columns it reads."""
    tm = profile.table_for(source)
    return None if tm is None else {f: fm.columns for f, fm in tm.fields.items()}
