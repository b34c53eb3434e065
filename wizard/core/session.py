"""One migration session: the sequence of a migration, written once for both front ends.

    open the legacy sources -> load, suggest or edit a mapping -> validate -> back up
    -> import (one transaction) -> verify -> report

:class:`MigrationSession` holds what the operator chose so far and what the engine found,
and owns the migration project file (``*.hmsync-migration``, JSON) that lets work survive
closing the program. ``hmsync-migrate`` walks the sequence in one go; the wizard walks it a
page at a time, and keeps only presentation and the operator's clicks. Every rule of the
sequence (which unreadable file stops a run, the order tables are read in, which outputs may
be written, what a report holds) is decided here, once.

Long steps come in two halves so that a window can run them off its UI thread: a plain
function or a job built from a snapshot of the session (reading sources, validating,
importing), run anywhere, and an ``apply_*`` that takes its result back on the caller's
thread. The command line calls both halves in a row.

No Qt here: a test imports every core module with Qt made unimportable.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .backup import BackupResult, connect_to_read
from .engine import (CancelToken, Migration, MigrationError, Progress, ProgressFn, RunResult,
                     ValidationResult, plan_tables)
from .delta import DeltaOptions, OnConflict
from .errors import NeedsReview, ProjectError, SourceProblem
from . import corrections, persons
from . import transforms as tf
from .expr import Expression
from .lookups import Lookup
from .mapping import (Exclusion, FieldMap, Profile, ProfileError, TableMap, Unconfirmed,
                      check_nesting, check_profile)
from .outputs import Outputs, check_outputs
from .readers import LINE, SourceError, SourceTable
from .readers.encodings import EncodingChoices
from .readers.layout import Layout, LayoutChoices
from .readers.database import QueryWithoutDatabase, is_server_url
from .schema import DATA_TABLES, TargetTable, known_tables, reflect_targets, table_counts
from .source_words import source_noun
from .words import plural

PROJECT_SUFFIX = ".hmsync-migration"
PROJECT_FORMAT = "hmsync-migration"
PROJECT_VERSION = 1
SAMPLE_ROWS = 500      # records read per table for suggestions, previews and value maps
#: a window's chunks: smaller than the command line's, for smoother progress and a quicker
#: cancel
INTERACTIVE_CHUNK_ROWS = 5_000


def _codec(name: str) -> str:
    import codecs
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _encoding_for(path: Path, choices: EncodingChoices, profile) -> str | None:
    chosen = choices.of(path)
    if chosen or profile is None:
        return chosen
    tm = profile.table_for(path.name, path.stem) or next(
        (t for t in profile.tables if t.source.startswith(f"{path.name}#")), None)
    return tm.encoding if tm is not None else None


def _layout_for(path: Path, sheet: str | None, choices: LayoutChoices, profile):
    """The delimiter and header row chosen for a legacy table: by the operator, else by
    the profile's table that reads it (None: as detected)."""
    chosen = choices.of(path, sheet)
    if chosen is not None or profile is None:
        return chosen
    tm = profile.table_for(f"{path.name}#{sheet}" if sheet else path.name)
    return tm.layout if tm is not None else None


# --- the target database ----------------------------------------------------------------
@dataclass
class TargetInfo:
    path: Path
    counts: dict[str, int]
    targets: dict[str, TargetTable]
    differences: list            # schema_check.Difference: the schema against HMSync's
    schema_version: str | None

    @property
    def data_rows(self) -> int:
        return sum(self.counts.get(t, 0) for t in DATA_TABLES)

    @property
    def usable(self) -> bool:
        """At least one HMSync table is there to import into."""
        return any(t in self.targets for t in DATA_TABLES)

    @property
    def matches(self) -> bool:
        return not [d for d in self.differences if d.action != "keep"]

    @property
    def upgradable(self) -> list:
        """Differences an upgrade can fix without losing anything."""
        return [d for d in self.differences if d.action == "add"]

    @property
    def destructive(self) -> list:
        return [d for d in self.differences if d.action == "destructive"]

    def table_notes(self, table: str) -> list[str]:
        return [d.words for d in self.differences if d.table == table]


def inspect_target(path: str | Path) -> TargetInfo:
    """Tables, row counts and schema of an HMSync database (read-only), the schema compared
    with HMSync's by the engine (:func:`wizard.core.schema_check.compare`)."""
    import sqlite3
    from .schema_check import SchemaError, compare
    path = Path(path)
    if not path.is_file():
        raise ProjectError(f"{path} does not exist")
    try:
        con = connect_to_read(path)
        try:
            counts = table_counts(con)
            targets = reflect_targets(con)
            version = None
            if "hmsync_schema_info" in counts:
                row = con.execute("SELECT value FROM hmsync_schema_info WHERE key="
                                  "'schema_version'").fetchone()
                version = row[0] if row else None
        finally:
            con.close()
        differences = compare(path) if targets else []
    except (sqlite3.DatabaseError, SchemaError) as e:
        raise ProjectError(f"{path.name} cannot be opened as an SQLite database ({e}). "
                           "Choose an HMSync database file (.db).") from None
    return TargetInfo(path, counts, targets, differences, version)


# --- legacy tables -------------------------------------------------------------------------
@dataclass
class SourcesRead:
    """What reading the legacy sources found."""
    tables: list[SourceTable]
    errors: list[SourceError]          # files that could not be read as tables
    counts: dict[str, int]             # records per table (when counted)
    samples: dict[str, pd.DataFrame]   # the first records of each table (when sampled)
    #: per table, per column: the cells that hold something (when counted)
    filled: dict[str, dict[str, int]] = field(default_factory=dict)


def count_rows(st: SourceTable, cancel: CancelToken | None = None,
               filled: dict[str, int] | None = None) -> int:
    """The table's records; with ``filled``, also each column's cells that hold something
    (what leaving a column out would leave behind)."""
    n = 0
    for chunk in st.iter_chunks(INTERACTIVE_CHUNK_ROWS * 4):
        if cancel:
            cancel.check()
        n += len(chunk)
        if filled is not None:
            for c in st.columns:
                v = chunk[c]
                filled[c] = filled.get(c, 0) + int((v.notna() & v.astype(bool)).sum())
    return n


def read_sources(paths: list[Path], progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None, count: bool = True,
                 encodings=None, layouts=None) -> SourcesRead:
    """Open files and folders; with ``count``, count every table's records and keep a
    sample of each (what a window shows). A file that cannot be read is listed in
    ``errors``: whether that stops the migration is :meth:`MigrationSession.unreadable`'s
    to say. ``encodings``: :meth:`MigrationSession.encoding_chooser`'s answer;
    ``layouts``: :meth:`MigrationSession.layout_chooser`'s."""
    from .readers import open_sources
    choose, for_all = encodings or (None, None)
    tables, errors = open_sources(paths, choose, for_all, layouts)
    if not count:
        return SourcesRead(tables, errors, {}, {})
    counts, samples, ok, filled = {}, {}, [], {}
    for i, st in enumerate(tables):
        if cancel:
            cancel.check()
        if progress:
            progress(Progress("read", "", st.name, i, len(tables)))
        try:
            samples[st.name] = st.sample(SAMPLE_ROWS)
            filled[st.name] = {}
            counts[st.name] = count_rows(st, cancel, filled[st.name])
        except SourceError as e:
            errors.append(e)
            continue
        except (UnicodeDecodeError, OSError) as e:
            errors.append(SourceError(st.path, f"reading stopped: {e}"))
            continue
        ok.append(st)
    if progress:
        progress(Progress("read", "", "", len(tables), len(tables)))
    return SourcesRead(ok, errors, counts, samples, filled)


def find_record(st: SourceTable, line: int, cancel: CancelToken | None = None
                ) -> dict[str, str] | None:
    """The whole legacy record that starts on ``line`` of ``st``, column -> value."""
    for chunk in st.iter_chunks(INTERACTIVE_CHUNK_ROWS * 4):
        if cancel:
            cancel.check()
        hit = chunk[chunk[LINE] == line]
        if len(hit):
            row = hit.iloc[0]
            return {c: ("" if pd.isna(row[c]) else str(row[c])) for c in st.columns}
        if len(chunk) and int(chunk[LINE].iloc[-1]) > line:
            return None
    return None


@dataclass(frozen=True)
class LeftColumn:
    """A legacy column no HMSync field reads."""
    name: str
    filled: int | None        # its cells that hold something (None: not counted)
    on_purpose: bool          # the operator chose to leave it behind
    kept: bool = False        # kept beside the record (migration_extras)


# --- an import ready to run ------------------------------------------------------------------
@dataclass
class ImportOutcome:
    """What an import did, and the report both front ends write from it."""
    result: RunResult
    report: dict


@dataclass
class ImportJob:
    """An import over a snapshot of the session's choices, safe to run on another thread:
    :meth:`run` does the work, :meth:`MigrationSession.apply_import` takes the outcome."""
    migration: Migration
    schema_differences: list[str]
    dry_run: bool = False
    no_backup: bool = False
    operator: str | None = None
    #: the whole integrity_check after the commit, not only quick_check (see Verifier)
    full_integrity_check: bool = False

    @property
    def sources(self) -> list[SourceTable]:
        return [st for st, _ in self.migration.plan]

    def back_up(self, folder: str | Path | None = None) -> BackupResult:
        """Back up the target and verify the copy, for this import (see
        :meth:`MigrationSession.prepare_import`)."""
        return self.migration.make_backup(folder)

    def run(self, progress: ProgressFn | None = None, cancel: CancelToken | None = None
            ) -> ImportOutcome:
        from .report import run_report
        m = self.migration
        res = m.run(progress, cancel, dry_run=self.dry_run, no_backup=self.no_backup,
                    operator=self.operator, full_integrity_check=self.full_integrity_check)
        return ImportOutcome(res, run_report(res, m.target, self.sources, self.dry_run,
                                             schema_differences=self.schema_differences,
                                             corrections=m.profile.corrections,
                                             person_decisions=m.profile.person_decisions,
                                             profile=m.profile))


# --- the session -------------------------------------------------------------------------
@dataclass
class MigrationSession:
    """One migration's choices and findings (see the module's docstring)."""
    name: str = "Legacy export"
    source_system: str = "legacy"
    source_paths: list[Path] = field(default_factory=list)
    tables: list[SourceTable] = field(default_factory=list)
    read_errors: list[SourceError] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    column_fill: dict[str, dict[str, int]] = field(default_factory=dict)  # filled cells
    samples: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources_read_key: str | None = None
    reviewed: set[str] = field(default_factory=set)   # source names the mapping considered
    target: Path | None = None
    target_info: TargetInfo | None = None
    profile: Profile | None = None
    profile_path: Path | None = None
    backup_dir: Path | None = None
    backup: BackupResult | None = None
    validation: ValidationResult | None = None
    validation_key: str | None = None
    errors_acknowledged: bool = False
    run_result: RunResult | None = None
    run_report: dict | None = None
    restored: bool = False
    restore_result: object = None      # backup.RestoreResult of the last restore
    project_path: Path | None = None
    chunk_rows: int | None = None      # records per chunk (None: the engine's default)
    #: suggestions taken without a person's review (--accept-suggestions), said in notes
    accepted_unreviewed: list = field(default_factory=list)
    #: how a re-run treats records already in HMSync: conflicts, files without ids
    delta: DeltaOptions = field(default_factory=DeltaOptions)
    dirty: bool = False
    #: the operator's encodings for files whose code page is unsure (--encoding, the
    #: Legacy exports page); a profile's table may name one too
    encodings: EncodingChoices = field(default_factory=EncodingChoices)
    #: the operator's delimiters and header rows, per legacy table (the wizard's "Layout")
    layouts: LayoutChoices = field(default_factory=LayoutChoices)
    _current_key: tuple | None = field(default=None, repr=False, compare=False)

    # --- targets --------------------------------------------------------------------------
    @property
    def targets(self) -> dict[str, TargetTable]:
        if self.target_info is not None and self.target_info.targets:
            return self.target_info.targets
        return known_tables()

    def set_target(self, path: Path | None, info: TargetInfo | None = None):
        path = Path(path).resolve() if path else None
        if path != self.target:
            self.target = path
            self.backup = None
            self.validation_key = None
            self.run_result = None
            self.dirty = True
        self.target_info = info

    # --- sources --------------------------------------------------------------------------
    def sources_key(self) -> str:
        parts = []
        for p in self.source_paths:
            p = Path(p)
            try:
                files = sorted(x for x in p.iterdir() if x.is_file()) if p.is_dir() else [p]
            except OSError:
                files = [p]
            for f in files:
                try:
                    st = f.stat()
                    parts.append(f"{f}:{st.st_size}:{st.st_mtime_ns}")
                except OSError:
                    parts.append(f"{f}:missing")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def add_sources(self, paths) -> bool:
        from .readers.server import source_location
        added = False
        for p in paths:
            p = source_location(p)  # a sqlite:/// URL is its file; a server's URL stays
            p = p if isinstance(p, str) else p.resolve()
            if p not in self.source_paths:
                self.source_paths.append(p)
                added = True
        if added:
            self.dirty = True
        return added

    def remove_source(self, path: Path):
        path = path if is_server_url(path) else Path(path).resolve()
        self.source_paths = [p for p in self.source_paths if p != path]
        self.dirty = True

    def apply_sources_read(self, r: SourcesRead, key: str):
        self.tables, self.read_errors = r.tables, r.errors
        self.row_counts, self.samples = r.counts, r.samples
        self.column_fill = r.filled
        self.sources_read_key = key
        try:
            self._add_queries()
        except SourceError as e:  # a query that cannot run: said like an unreadable file
            self.read_errors.append(e)
        except QueryWithoutDatabase:
            pass  # no database among the sources yet: the mapping says its table is missing

    def open_sources(self, paths, progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None, count: bool = False) -> SourcesRead:
        """Add ``paths`` and read them in one go (the command line's way; a window reads
        on a worker with :func:`read_sources` and hands the result to
        :meth:`apply_sources_read`). Raises SourceProblem when nothing can be read."""
        self.add_sources(paths)
        r = read_sources(self.source_paths, progress, cancel, count=count,
                         encodings=self.encoding_chooser(), layouts=self.layout_chooser())
        self.apply_sources_read(r, self.sources_key())
        if not self.tables:
            raise SourceProblem("no readable legacy tables in " +
                                ", ".join(str(p) for p in self.source_paths) +
                                "".join(f"\n  {e}" for e in self.read_errors))
        return r

    # --- encodings ---------------------------------------------------------------------
    def encoding_of(self, path: Path) -> str | None:
        """The encoding chosen for a file: by the operator, else by the profile's table."""
        return _encoding_for(Path(path), self.encodings, self.profile)

    def encoding_chooser(self):
        """What :func:`read_sources` takes (a snapshot, for a worker): the choice per file,
        and the one for all."""
        choices, profile = copy.deepcopy(self.encodings), copy.deepcopy(self.profile)
        return (lambda path: _encoding_for(Path(path), choices, profile)), choices.for_all

    def choose_encoding(self, path: Path, encoding: str | None) -> None:
        """The operator's encoding for a file (None: back to detection), kept in the
        project and in the profile's table that reads the file; read again to apply it."""
        path = Path(path)
        if encoding:
            self.encodings.per_file[path.name] = encoding
        else:
            self.encodings.per_file.pop(path.name, None)
        for st in self.table_of_path(path):
            tm = self.table_map(st.name)
            if tm is not None:
                tm.encoding = encoding or None
        self.dirty = True

    # --- layouts (delimiter, header row) ---------------------------------------------------
    def layout_of(self, path: Path, sheet: str | None = None) -> Layout | None:
        """The delimiter and header row chosen for a legacy table (None: as detected)."""
        return _layout_for(Path(path), sheet, self.layouts, self.profile)

    def layout_chooser(self):
        """What :func:`read_sources` takes (a snapshot, for a worker): path -> sheet ->
        layout."""
        choices, profile = copy.deepcopy(self.layouts), copy.deepcopy(self.profile)
        return lambda path: (lambda sheet: _layout_for(Path(path), sheet, choices, profile))

    def choose_layout(self, name: str, layout: Layout | None) -> None:
        """The operator's delimiter and header row for a legacy table (None: back to the
        detection), kept in the project; read again to apply it. The table's columns change
        with it, so its mapping is suggested afresh when it is read (and takes the layout
        into the profile)."""
        if layout:
            self.layouts.per_table[name] = layout
        else:
            self.layouts.per_table.pop(name, None)
        tm = self.table_map(name)
        if tm is not None and self.profile is not None:
            self.profile.tables.remove(tm)
        self.reviewed.discard(name)
        self.dirty = True

    def reread_encodings(self) -> bool:
        """Open again the files whose chosen encoding, delimiter or header row differs from
        the way they were read (a profile loaded after the files were opened may name
        one). True if any was."""
        from .readers import open_source
        changed = False
        for path in dict.fromkeys(st.path for st in self.tables):
            want = self.encoding_of(path)
            have = self.table_of_path(path)
            laid = any((t.layout or None) != self.layout_of(path, t.sheet) for t in have)
            if not laid and (not want or all(t.encoding_source == "chosen" and
                                             t.encoding == _codec(want) for t in have)):
                continue
            new = open_source(path, want, layout=lambda sheet, p=path: self.layout_of(p, sheet))
            i = self.tables.index(have[0])
            self.tables[i:i] = new
            self.tables = [t for t in self.tables if t not in have]
            for t in have:
                self.samples.pop(t.name, None)
            changed = True
        return changed

    def unsure_encodings(self, tables: list[SourceTable] | None = None
                         ) -> list[SourceTable]:
        """The tables (of ``tables``; default: those the run reads, or every table read
        when nothing is mapped yet) read with an 8-bit code page nobody chose among the
        candidates that read it differently."""
        if tables is None:
            tables = [s for s, _ in self.mapped()] if self.profile is not None else self.tables
        return [t for t in tables if t.encoding_source == "unsure"]

    def check_encodings(self, tables: list[SourceTable] | None = None) -> None:
        """Refuse, listing each file with its candidates, while an encoding is unsure."""
        from .errors import EncodingUnsure
        from .readers.encodings import unsure_words
        unsure = self.unsure_encodings(tables)
        if unsure:
            seen = dict.fromkeys(t.path for t in unsure)
            first = {p: next(t for t in unsure if t.path == p) for p in seen}
            raise EncodingUnsure("\n".join(unsure_words(p.name, first[p].encoding_doubt)
                                           for p in seen))

    def encoding_notes(self) -> list[str]:
        """What the run assumed about each 8-bit file's encoding, for its notes."""
        out = []
        for path in dict.fromkeys(s.path for s, _ in self.mapped()):
            t = self.table_of_path(path)[0]
            if not t.legacy_code_page:
                continue
            if t.encoding_source == "chosen":
                out.append(f"{t.path.name}: read as {t.encoding}, as chosen")
            else:
                out.append(f"{t.path.name}: not UTF-8; read as {t.encoding}, the one legacy "
                           "code page that reads it as text (if letters look wrong, set the "
                           "table's encoding)")
        return out

    def unreadable(self) -> list[tuple[SourceError, str]]:
        """The files that could not be read and stop the migration, each with why it
        matters: a file named on its own (not found in a folder), or one the profile maps
        (its records would be missing from the import, the run passing without them).
        Files found in a folder that the profile does not map are only left out."""
        named = {Path(p).resolve() for p in self.source_paths if not Path(p).is_dir()}
        out = []
        for e in self.read_errors:
            if self.profile is not None and (
                    self.profile.table_for(e.path.name, e.path.stem,
                                           [t.name for t in self.tables]) is not None or any(
                        tm.source.startswith(f"{e.path.name}#") for tm in self.profile.tables)):
                out.append((e, "the profile maps this file: repair it, or take it out of the "
                               "profile, and run again"))
            elif e.path.resolve() in named:
                out.append((e, "this file was named as a source: repair it, or leave it out, "
                               "and run again"))
        return out

    def left_out(self) -> list[SourceError]:
        """Files found in a folder that could not be read and that nothing maps."""
        stopping = {id(e) for e, _ in self.unreadable()}
        return [e for e in self.read_errors if id(e) not in stopping]

    def check_sources(self) -> None:
        """Raise SourceProblem, naming each file, when an unreadable file stops the run."""
        bad = self.unreadable()
        if bad:
            raise SourceProblem("\n".join(f"{e} ({why})" for e, why in bad))

    def table(self, name: str) -> SourceTable | None:
        return next((t for t in self.tables if t.name == name), None)

    def table_of_path(self, path: Path) -> list[SourceTable]:
        return [t for t in self.tables if t.path == path]

    def unreviewed_tables(self) -> list[SourceTable]:
        return [t for t in self.tables if t.name not in self.reviewed]

    # --- mapping --------------------------------------------------------------------------
    def ensure_profile(self) -> Profile:
        if self.profile is None:
            self.profile = Profile(name=self.name, source_system=self.source_system)
        return self.profile

    def merge_suggestion(self, suggested: Profile):
        """Take a suggestion's table maps for tables the mapping has not considered yet."""
        p = self.ensure_profile()
        names = {t.name for t in self.unreviewed_tables()}
        if not p.tables:
            p.phone_region = suggested.phone_region
        for tm in suggested.tables:
            if tm.source in names and self.table_map(tm.source) is None:
                p.tables.append(tm)
        for n in suggested.notes:
            if n not in p.notes:
                p.notes.append(n)
        self.reviewed |= names
        self._name_encodings()
        self.dirty = True

    def table_map(self, source_name: str) -> TableMap | None:
        if self.profile is None:
            return None
        st = self.table(source_name)
        return self.profile.table_for(source_name, st.stem if st else None,
                                      [t.name for t in self.tables])

    def set_table_target(self, source_name: str, target: str | None):
        """Feed a legacy table into another HMSync table (None: leave it out)."""
        from .suggest import suggest_fields
        p = self.ensure_profile()
        tm = self.table_map(source_name)
        if tm is not None and target is not None and tm.target == target:
            return
        if tm is not None:
            p.tables.remove(tm)
        if target is not None:
            st = self.table(source_name)
            sample = self.samples.get(source_name)
            if sample is None:
                sample = st.sample(SAMPLE_ROWS)
            new = suggest_fields(st, target, self.targets[target], sample, p)
            p.tables.append(new)
            self._name_encodings()
        self.reviewed.add(source_name)
        self.dirty = True

    def set_field_source(self, source_name: str, field_name: str, columns: list[str] | None):
        """Feed an HMSync field from legacy column(s) (None: leave it unmapped). A new
        choice gets the transform its type needs (date order, phone region, value map)."""
        from .suggest import add_type_steps
        tm = self.table_map(source_name)
        if tm is None:
            return
        if not columns:
            tm.fields.pop(field_name, None)
        else:
            old = tm.fields.get(field_name)
            if old is not None and old.columns == list(columns) and old.value is None:
                return
            fm = FieldMap(field_name, list(columns), reason="chosen by you")
            target = self.targets[tm.target]
            sample = self.samples.get(source_name)
            if sample is not None and len(columns) == 1:
                add_type_steps(target, TableMap(tm.source, tm.target, fields={field_name: fm}),
                           sample, self.ensure_profile())
            tm.fields[field_name] = fm
        self.dirty = True

    def join_columns(self, source_name: str, field_name: str, columns: list[str],
                     sep: str = " "):
        """Feed a field from several legacy columns joined in this order (first + last
        name, an address of its parts), empty parts left out."""
        tm = self.table_map(source_name)
        if tm is None or not columns:
            return
        from .transforms import ConcatStep
        tm.fields[field_name] = FieldMap(field_name, list(columns), [ConcatStep(sep).to_raw()],
                                         reason="joined by you")
        self.dirty = True

    def take_part(self, source_name: str, field_name: str, column: str, sep: str = " ",
                  part: str | int = "first"):
        """Feed a field from a part of one legacy column (the first word of a full name, the
        last, all but the first, or the n-th, 0 the first)."""
        tm = self.table_map(source_name)
        if tm is None:
            return
        from .transforms import SplitStep
        step = SplitStep(sep, part)
        step.check()
        tm.fields[field_name] = FieldMap(field_name, [column], [step.to_raw()],
                                         reason="a part chosen by you")
        self.dirty = True

    def unmapped_columns(self, source_name: str) -> list[LeftColumn]:
        """The columns of a mapped legacy table that no field reads, with the cells that
        hold something (what is left behind) and whether that is the operator's choice."""
        tm = self.table_map(source_name)
        st = self.table(source_name)
        if tm is None or st is None:
            return []
        from .quarantine import ADDED_COLUMNS
        read = tm.read_columns() | set(ADDED_COLUMNS)  # (a quarantine file's own)
        fill = self.column_fill.get(source_name, {})
        return [LeftColumn(c, fill.get(c), c in tm.leave_behind, c in tm.keep)
                for c in st.columns if c not in read]

    def set_left_behind(self, source_name: str, column: str, left: bool) -> None:
        """Record that a column no field reads is left behind on purpose (or undo it)."""
        tm = self.table_map(source_name)
        if tm is None:
            return
        tm.leave_behind = [c for c in tm.leave_behind if c != column] + (
            [column] if left else [])
        if left:
            tm.keep = [c for c in tm.keep if c != column]
        self.dirty = True

    def set_kept(self, source_name: str, column: str, kept: bool) -> None:
        """Keep a column no field reads beside its records (migration_extras), or undo."""
        tm = self.table_map(source_name)
        if tm is None:
            return
        tm.keep = [c for c in tm.keep if c != column] + ([column] if kept else [])
        if kept:
            tm.leave_behind = [c for c in tm.leave_behind if c != column]
        self.dirty = True

    def set_field_value(self, source_name: str, field_name: str, value: str) -> None:
        """Fill an HMSync field with one value for every record (a placeholder for what
        the export lacks; counted per record by the checks)."""
        tm = self.table_map(source_name)
        if tm is None:
            return
        tm.fields[field_name] = FieldMap(field_name, [], value=str(value),
                                         reason="a fixed value, chosen by you")
        self.dirty = True

    def set_table_where(self, source_name: str, where: str | None) -> None:
        """Migrate only the records of a legacy table a filter keeps (None or "": all).
        A ProfileError, and nothing changed, if the filter cannot be used."""
        tm = self.table_map(source_name)
        if tm is None:
            return
        where = (where or "").strip() or None
        if where is not None:
            Expression(where, f"table '{source_name}': where")
        tm.where = where
        self.dirty = True

    def set_field_expr(self, source_name: str, field_name: str, expr: str) -> None:
        """Compute an HMSync field from the record's columns (see expr.py). A
        ProfileError, and nothing changed, if the expression cannot be used."""
        tm = self.table_map(source_name)
        if tm is None:
            return
        fm = FieldMap(field_name, [], expr=expr.strip(), reason="computed, as you wrote it")
        fm.columns = list(fm.expression.columns)
        tm.fields[field_name] = fm
        self.dirty = True

    def set_field_lookup(self, source_name: str, field_name: str, spec: dict) -> None:
        """Take an HMSync field from another legacy table by key (see lookups.py; ``spec``
        as a profile writes it). A ProfileError, and nothing changed, if it cannot be
        used."""
        tm = self.table_map(source_name)
        if tm is None:
            return
        lk = Lookup.from_dict(spec, f"field '{field_name}'")
        fm = FieldMap(field_name, lk.by_columns, reason="looked up, as you chose")
        fm.lookup = lk
        tm.fields[field_name] = fm
        self.dirty = True

    def set_on_conflict(self, choice: "OnConflict | str | None") -> None:
        """What a re-run does with records changed both in the export and in HMSync
        (None: list them, leave HMSync's values)."""
        how = OnConflict.parse(choice)
        if how != self.delta.on_conflict:
            self.delta = DeltaOptions(how, self.delta.allow_untracked)
            self.dirty = True

    def set_allow_untracked(self, allow: bool) -> None:
        """Run even where a file without a legacy id feeds a table an earlier run filled."""
        if allow != self.delta.allow_untracked:
            self.delta = DeltaOptions(self.delta.on_conflict, bool(allow))
            self.dirty = True

    def set_legacy_id(self, source_name: str, column: str | list[str] | None):
        """The legacy id: a column, a list of columns (a composite id), or None."""
        tm = self.table_map(source_name)
        if isinstance(column, dict):  # the profile's own {expr: ...}, chosen again
            return
        cols = [column] if isinstance(column, str) else list(column or [])
        if tm is not None and (tm.id_columns != cols or tm.id_expr is not None):
            tm.id_expr = None
            tm.legacy_id = cols[0] if len(cols) == 1 else None
            tm.legacy_key = cols if len(cols) > 1 else []
            self.dirty = True

    def mapped(self) -> list[tuple[SourceTable, TableMap]]:
        """The mapped legacy tables in the order the engine reads them."""
        if self.profile is None:
            return []
        return plan_tables(self.tables, self.profile)[0]

    def layout_hints(self) -> list[tuple[str, Layout]]:
        """Tables read as one column that look like a title block above a delimited table:
        (table, the layout that would read it so), offered, never applied."""
        from .readers.layout import layout_hint
        return [(st.name, h) for st in self.tables if (h := layout_hint(st)) is not None]

    @staticmethod
    def layout_hint_words(name: str, hint: Layout) -> str:
        from .readers.layout import NO_HEADER
        if hint.header_row == NO_HEADER:
            return (f"{name}'s column names look like values (a number, a date): the file "
                    "may have no line of column names, its first line a record: select it "
                    "and choose Layout… to look")
        return (f"{name} was read as one column; its column names may be on line "
                f"{hint.header_row} ({hint.describe()}): select it and choose Layout… to "
                "look")

    def table_warnings(self) -> list[str]:
        """What an operator should see about which file feeds which table before mapping
        columns, in plain words: HMSync tables no file feeds, tables two files feed, mapped
        files without a legacy id column (a re-run cannot recognise their records)."""
        mapped = self.mapped()
        out = [self.layout_hint_words(name, hint) for name, hint in self.layout_hints()]
        fed: dict[str, list[str]] = {}
        noun = source_noun(self.tables)   # (a database's tables are no files)
        for st, tm in mapped:
            fed.setdefault(tm.target, []).append(st.name)
        for table, names in fed.items():
            if len(names) > 1:
                out.append(f"{len(names)} {plural(len(names), noun)} feed {table}: "
                           f"{', '.join(names)} — right if "
                           "they are parts of one table, else leave all but one out")
        for st, tm in mapped:
            if not tm.id_columns:
                out.append(f"{st.name} has no legacy id column: choose one on the next page "
                           "(without it a second run cannot recognise these records)")
        if mapped:
            missing = [t for t in DATA_TABLES if t in self.targets and t not in fed]
            if missing:
                out.append(f"no {noun} feeds " + ", ".join(missing) + " (fine if the "
                           "export has none)")
        return out

    def mapping_problems(self, unconfirmed: bool = True) -> list[str]:
        """What stops the mapping from being used, in plain words ([]: nothing);
        ``unconfirmed``: suggested choices waiting for a person count too."""
        bad = [f"{e} ({why})" for e, why in self.unreadable()]
        bad += [f"{t.name}: the encoding is unsure ({', '.join(t.encoding_doubt.encodings)} "
                "read it differently): choose one on the Legacy exports page"
                for t in self.unsure_encodings()]
        if self.profile is not None and unconfirmed:
            bad += [f"needs review: {u} — confirm or change it" for u in self.unconfirmed()]
        if self.profile is None or not self.mapped():
            return bad + ["No legacy table is mapped to an HMSync table yet."]
        return bad + check_profile(self.profile, [s for s, _ in self.mapped()], self.targets)

    def unconfirmed(self) -> list[Unconfirmed]:
        """Suggested choices of the mapping nobody has confirmed yet (only those of the
        legacy tables read: a profile may map files this export does not have)."""
        if self.profile is None:
            return []
        if not self.tables:  # nothing read yet: every choice the profile marks
            return self.profile.unconfirmed()
        # the maps the run uses, however they name their files (a pattern, a stem)
        used = {id(tm) for _, tm in self.mapped()}
        return [u for tm in self.profile.tables if id(tm) in used
                for u in self.profile.unconfirmed(tm)] + self.undecided_columns()

    def undecided_columns(self) -> list[Unconfirmed]:
        """Columns with values that no field reads and nobody has decided about (map it,
        keep it, leave it behind): their cells would be lost unasked, and the run's cell
        accounting would fail on them after the import, so they are asked about first."""
        out = []
        for st, _ in self.mapped():
            sample = self.samples.get(st.name)
            for lc in self.unmapped_columns(st.name):
                if lc.on_purpose or lc.kept:
                    continue
                n = lc.filled
                if n is None:  # not counted: the sample says whether it holds anything
                    n = int(tf.as_text(sample[lc.name]).str.strip().ne("").sum()) \
                        if sample is not None and lc.name in sample else 1
                if n:
                    out.append(Unconfirmed(st.name, None, f"{st.name}: column {lc.name} "
                                           f"holds values no field reads: map it, keep it or "
                                           "leave it behind", column=lc.name))
        return out

    def require_confirmed(self, accept: bool = False) -> list[Unconfirmed]:
        """The review gate: raise NeedsReview, listing each, while suggested choices are
        unconfirmed, unless ``accept`` (``--accept-suggestions``) takes them as they are;
        what was taken is returned and said in the run's notes."""
        waiting = self.unconfirmed()
        if not waiting:
            return []
        if self.mapped() and check_profile(self.profile, [s for s, _ in self.mapped()],
                                           self.targets):
            return []  # a profile that does not fit the data is refused first, as such
        if not accept:
            raise NeedsReview(f"the mapping has {len(waiting)} suggested choice(s) nobody has "
                              "confirmed:\n  " + "\n  ".join(map(str, waiting)) +
                              "\nconfirm them, or pass --accept-suggestions to take them as "
                              "they are")
        self.profile.confirm_all()
        for u in waiting:  # undecided columns, taken as they are: left behind, said so
            tm = self.table_map(u.source) if u.column else None
            if tm is not None and u.column not in tm.leave_behind:
                tm.leave_behind.append(u.column)
        self.accepted_unreviewed = waiting
        self.dirty = True
        return waiting

    def confirm(self, source_name: str, field_name: str | None = None) -> None:
        """The operator confirms a suggested choice: which table a file feeds
        (``field_name`` None) or which column feeds a field."""
        tm = self.table_map(source_name)
        if tm is None:
            return
        if field_name is None:
            tm.review = False
        elif field_name in tm.fields:
            tm.fields[field_name].review = False
        self.dirty = True

    def suggest_profile(self, phone_region: str | None = None) -> Profile:
        """Suggest a mapping of every table read so far, and use it."""
        from .suggest import suggest_profile
        self.profile = suggest_profile(self.tables, self.targets, name=self.name,
                                       source_system=self.source_system,
                                       phone_region=phone_region)
        self.reviewed = {t.name for t in self.tables}
        self._name_encodings()
        self.dirty = True
        return self.profile

    def _name_encodings(self) -> None:
        """Write into each table map the 8-bit code page its file is read with, so that
        the profile reads the file the same way wherever it is used."""
        for st, tm in self.mapped():
            if st.legacy_code_page and st.encoding_source != "unsure" and not tm.encoding:
                tm.encoding = st.encoding
            if st.layout and tm.layout is None:  # and the layout a person chose for it
                tm.delimiter, tm.header_row = st.layout.delimiter, st.layout.header_row

    def profile_key(self) -> str:
        text = self.profile.to_text() if self.profile is not None else ""
        return hashlib.sha256(f"{text}\n{self.target}\n{self.sources_read_key}".encode()
                              ).hexdigest()

    def load_profile(self, path: Path):
        self.profile = Profile.load(path)
        self.profile_path = Path(path)
        self._add_queries()
        self.reviewed = {t.name for t in self.tables}
        self.dirty = True

    def _add_queries(self) -> None:
        """The profile's own queries, run on the legacy database, as legacy tables."""
        from .readers.database import query_tables
        if self.profile is None:
            return
        for st in query_tables(self.tables, self.profile.tables):
            self.tables.append(st)
            self.samples[st.name] = st.sample(SAMPLE_ROWS)
            self.row_counts[st.name] = st.estimate_rows()

    def save_profile(self, path: Path):
        self.ensure_profile().save(path)
        self.profile_path = Path(path)

    # --- validation decisions -----------------------------------------------------------
    def set_rule(self, code: str, severity: str | None):
        p = self.ensure_profile()
        if severity is None:
            p.rules.pop(code, None)
        else:
            p.rules[code] = severity
        self.dirty = True

    def is_excluded(self, table: str, legacy_id: str) -> bool:
        return Exclusion(table, str(legacy_id)) in self.ensure_profile().exclude

    def set_excluded(self, table: str, legacy_id: str, excluded: bool):
        p = self.ensure_profile()
        this = Exclusion(table, str(legacy_id))
        p.exclude = [e for e in p.exclude if e != this] + ([this] if excluded else [])
        self.dirty = True

    def set_correction(self, file: str, line: int, column: str, before: str, after: str,
                       table: str = "", legacy_id: str = "") -> None:
        """Import ``after`` instead of the legacy value of one record's column (the same
        value as in the file: the correction is dropped)."""
        p = self.ensure_profile()
        p.corrections = corrections.replace(p.corrections, corrections.made_now(
            file, line, column, before, after, table, legacy_id))
        self.dirty = True

    def decide_persons(self, table: str, ids, decision: str, keep: str = "") -> None:
        """The operator's decision on a same-person cluster (replacing an earlier one on
        the same records)."""
        p = self.ensure_profile()
        ids = tuple(str(x) for x in ids)
        p.person_decisions = [d for d in p.person_decisions
                              if (d.table, frozenset(d.ids)) != (table, frozenset(ids))]
        p.person_decisions.append(persons.decided_now(table, ids, decision, str(keep)))
        self.dirty = True

    def corrections_of(self, file: str, line: int) -> dict[str, corrections.Correction]:
        """The corrections of one record, by legacy column."""
        p = self.ensure_profile()
        return {c.column: c for c in p.corrections if c.file == file and c.line == line}

    @property
    def validation_current(self) -> bool:
        return self.validation is not None and self.validation_key == self.profile_key()

    # --- engine -------------------------------------------------------------------------
    def make_migration(self, with_target: bool = True) -> Migration:
        """A Migration over a snapshot of the profile (safe to hand to a worker). Raises
        SourceProblem when a file the run needs could not be read."""
        self.check_sources()
        kw = {} if self.chunk_rows is None else {"chunk_rows": self.chunk_rows}
        notes = [f"accepted without review (--accept-suggestions): {u.as_taken()}"
                 for u in self.accepted_unreviewed] + self.encoding_notes()
        return Migration(list(self.tables), copy.deepcopy(self.ensure_profile()),
                         self.target if with_target else None, notes=notes,
                         delta=self.delta, **kw)

    def validate(self, progress: ProgressFn | None = None, cancel: CancelToken | None = None
                 ) -> ValidationResult:
        """Check every record against HMSync's rules (writes nothing), in one go."""
        key = self.profile_key()
        res = self.make_migration().validate(progress, cancel)
        self.apply_validation(res, key)
        return res

    def apply_validation(self, res: ValidationResult, key: str) -> None:
        """Take a validation's result; ``key`` is :meth:`profile_key` when it started."""
        self.validation, self.validation_key = res, key
        self.dirty = True

    def schema_differences(self) -> list[str]:
        """How the target differs from HMSync's schema, in plain words."""
        from .schema_check import compare
        if self.target is None:
            return []
        return [d.words for d in compare(self.target) if d.action != "keep"]

    def make_backup(self, folder: str | Path | None = None) -> BackupResult:
        """Back up the target online and verify the copy (long: a worker may run it)."""
        from .backup import make_backup
        if self.target is None:
            raise MigrationError("no target database to back up")
        folder = Path(folder) if folder else (self.backup_dir or self.target.parent)
        return make_backup(self.target, folder)

    def apply_backup(self, backup: BackupResult) -> None:
        self.backup = backup
        self.dirty = True

    def restore_backup(self):
        """Put the backup back over the target (its current state backed up first; long:
        a worker may run it). Returns the backup module's RestoreResult."""
        from .backup import restore
        b = self.backup
        if b is None or self.target is None:
            raise MigrationError("there is no backup of this database to restore")
        return restore(b.path, self.target, self.backup_dir or Path(b.path).parent,
                       expected_sha256=b.sha256 or None)

    def apply_restore(self, result) -> None:
        self.restored = True
        self.restore_result = result
        if self.run_report is not None:  # the import it describes is undone: said in it
            self.run_report["restored"] = {
                "from": str(result.restored_from),
                "rows_now": int(sum(result.counts.values()))}
        self.validation_key = None     # the database changed: a new check would differ
        self.dirty = True

    def prepare_import(self, dry_run: bool = False, no_backup: bool = False,
                       operator: str | None = None, back_up_first: bool = False,
                       full_integrity_check: bool = False) -> ImportJob:
        """An import ready to run, over a snapshot of the mapping. It carries the verified
        backup of the target as it is now, and is refused without one, unless
        ``no_backup`` (throwaway databases) or ``back_up_first``: then the caller makes
        the backup with :meth:`ImportJob.back_up` once the mapping and the target have
        been checked, and before :meth:`ImportJob.run`."""
        if no_backup or back_up_first:
            m = self.make_migration()
        else:
            m = self.make_import()
        return ImportJob(m, self.schema_differences(), dry_run, no_backup, operator,
                         full_integrity_check)

    def apply_import(self, outcome: ImportOutcome) -> None:
        self.run_result, self.run_report = outcome.result, outcome.report
        self.restored = False
        self.validation_key = None     # the database changed: a new check would differ
        self.dirty = True

    def write_outputs(self, outcome: ImportOutcome, outputs: Outputs) -> list[Path]:
        """Write what the operator asked for after an import: the report (JSON, and HTML
        beside it), the problem list, the rejected records. Returns the paths written."""
        from .report import write_html, write_json, write_problems, write_rejected
        written = []
        rep, problems = outcome.report, outcome.result.validation.problems
        if outputs.report:
            written.append(write_json(rep, outputs.report))
        html = outputs.html or (Path(outputs.report).with_suffix(".html") if outputs.report
                                else None)
        if html:
            written.append(write_html(rep, html))
        if outputs.issues:
            written.append(write_problems(problems, outputs.issues))
        if outputs.rejected:
            written += write_rejected([s for s, _ in self.mapped()], problems, outputs.rejected)
        return written

    def check_outputs(self, outputs: Outputs) -> None:
        """Refuse, before anything runs, outputs that could not be written or that would
        overwrite an input: the target, a backup, a legacy file or folder."""
        check_outputs(outputs, self.inputs())

    def inputs(self) -> list[tuple[Path, str]]:
        """Every file and folder the migration reads or must keep, with what it is: the
        legacy sources, the target (and its journal files), the backup, the profile and
        the project file."""
        out = [(Path(p), "the export folder" if Path(p).is_dir() else "a legacy file")
               for p in self.source_paths]
        out += [(t.path, "a legacy file") for t in self.tables]
        out += [(e.path, "a legacy file") for e in self.read_errors]
        if self.target is not None:
            out += [(self.target, "the HMSync database")]
            out += [(Path(f"{self.target}{x}"), "the HMSync database's journal")
                    for x in ("-journal", "-wal", "-shm")]
        if self.backup is not None:
            out.append((Path(self.backup.path), "the backup"))
        if self.profile_path is not None:
            out.append((self.profile_path, "the mapping profile"))
        if self.project_path is not None:
            out.append((self.project_path, "the migration project file"))
        return out

    def make_import(self) -> Migration:
        """A Migration ready to run: it carries the verified backup made on the Backup page.

        The engine only runs after a backup made by the same Migration object; the wizard
        makes the backup on one page and imports on another (perhaps after the mapping
        changed), so it hands the engine its backup. The engine still refuses when the
        target changed since that backup (row counts). (Engine wish: a public
        ``Migration.use_backup(result)`` doing these checks.)"""
        if not self.backup_current():
            raise MigrationError("there is no verified backup of the database as it is now; "
                                 "make one on the Backup page")
        m = self.make_migration()
        m.use_backup(self.backup)
        return m

    def backup_current(self) -> bool:
        """A verified backup of this target exists and the target has not changed since."""
        from .backup import data_counts
        b = self.backup
        if b is None or not b.verified or self.target is None or b.target != self.target:
            return False
        if not Path(b.path).is_file():
            return False
        r = self.run_result
        if r is not None and r.committed and r.backup is b and \
                any(s.valid for s in r.validation.stats.values()):
            return False  # made before an import that added records: no need to count
        # counting rows takes a while at millions of records, and pages ask often: count
        # again only when the file has changed since the last count said "current"
        try:
            st = self.target.stat()
            wal = Path(str(self.target) + "-wal")  # in WAL mode, writes land there first
            ws = wal.stat() if wal.exists() else None
            key = (str(self.target), st.st_mtime_ns, st.st_size, id(b),
                   ws and (ws.st_mtime_ns, ws.st_size))
            if self._current_key == key:
                return True
            current = data_counts(self.target) == b.counts
        except Exception:
            return False
        self._current_key = key if current else None
        return current

    def mapped_row_total(self) -> int:
        return sum(self.row_counts.get(s.name, 0) for s, _ in self.mapped())

    # --- project files --------------------------------------------------------------------
    def to_project(self) -> dict:
        d = {"format": PROJECT_FORMAT, "version": PROJECT_VERSION, "name": self.name,
             "source_system": self.source_system,
             "sources": [str(p) for p in self.source_paths],
             "target": str(self.target) if self.target else None,
             "backup_dir": str(self.backup_dir) if self.backup_dir else None,
             "profile_path": str(self.profile_path) if self.profile_path else None,
             "profile": self.profile.to_dict() if self.profile is not None else None,
             "choices": {"reviewed_sources": sorted(self.reviewed),
                         "errors_acknowledged": self.errors_acknowledged}}
        if self.encodings.per_file:
            d["choices"]["encodings"] = dict(self.encodings.per_file)
        if self.layouts.per_table:
            d["choices"]["layouts"] = {k: v.to_dict()
                                       for k, v in self.layouts.per_table.items()}
        if self.delta != DeltaOptions():  # a re-run's choices, as the Import page asked
            d["choices"]["on_conflict"] = self.delta.on_conflict.value \
                if self.delta.on_conflict else None
            d["choices"]["allow_untracked"] = self.delta.allow_untracked
        if self.backup is not None:
            d["last_backup"] = self.backup.to_dict()
        return d

    def save_project(self, path: Path | None = None) -> Path:
        path = Path(path or self.project_path)
        if path.suffix != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.to_project(), f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
        self.project_path = path
        self.dirty = False
        return path

    @classmethod
    def load_project(cls, path: Path) -> "MigrationSession":
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ProjectError(f"{path.name} cannot be read ({e.strerror}).") from None
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ProjectError(f"{path.name} is not a migration project file (it is not "
                               "valid JSON).") from None
        if not isinstance(d, dict) or d.get("format") != PROJECT_FORMAT:
            raise ProjectError(f"{path.name} is not a migration project file.")
        version = d.get("version", 0)
        if isinstance(version, bool) or not isinstance(version, int):
            raise ProjectError(f"{path.name}: version must be a whole number, not "
                               f"{version!r}.")
        if version > PROJECT_VERSION:
            raise ProjectError(f"{path.name} was saved by a newer version of the wizard; "
                               "update the wizard to open it.")
        sources = d.get("sources") or []
        paths = {k: d.get(k) for k in ("target", "backup_dir", "profile_path")}
        if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
            raise ProjectError(f"{path.name}: sources must be a list of paths.")
        for k, v in paths.items():
            if v is not None and not isinstance(v, str):
                raise ProjectError(f"{path.name}: {k} must be a path.")
        plan = cls(name=str(d.get("name") or "Legacy export"),
                   source_system=str(d.get("source_system") or "legacy"))
        plan.source_paths = [p if is_server_url(p) else Path(p) for p in sources]
        plan.target = Path(d["target"]) if d.get("target") else None
        plan.backup_dir = Path(d["backup_dir"]) if d.get("backup_dir") else None
        plan.profile_path = Path(d["profile_path"]) if d.get("profile_path") else None
        try:
            if d.get("profile"):
                check_nesting(d["profile"], f"{path.name} (mapping)")
                plan.profile = Profile.from_dict(d["profile"], f"{path.name} (mapping)")
            elif plan.profile_path is not None:
                plan.profile = Profile.load(plan.profile_path)
        except ProfileError as e:
            raise ProjectError(f"The mapping saved in {path.name} cannot be used: {e}") from None
        ch = d.get("choices") or {}
        plan.reviewed = set(ch.get("reviewed_sources") or [])
        plan.errors_acknowledged = bool(ch.get("errors_acknowledged"))
        enc = ch.get("encodings") or {}
        if not isinstance(enc, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                for k, v in enc.items()):
            raise ProjectError(f"{path.name}: choices: encodings must map file names to "
                               "encodings.")
        plan.encodings.per_file = dict(enc)
        from .readers.layout import LayoutError
        lays = ch.get("layouts") or {}
        if not isinstance(lays, dict):
            raise ProjectError(f"{path.name}: choices: layouts must map legacy tables to a "
                               "delimiter and a header row.")
        try:
            plan.layouts.per_table = {str(k): Layout.from_dict(v, f"{path.name}: choices: "
                                                              f"layouts: {k}")
                                      for k, v in lays.items()}
        except LayoutError as e:
            raise ProjectError(str(e)) from None
        try:
            plan.delta = DeltaOptions(OnConflict.parse(ch.get("on_conflict")),
                                      ch.get("allow_untracked") is True)
        except MigrationError as e:
            raise ProjectError(f"{path.name}: choices: {e}") from None
        plan.project_path = path
        return plan
