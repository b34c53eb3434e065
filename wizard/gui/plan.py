"""The migration plan: what the operator chose so far and what the engine found.

A plain object (no Qt) that every page reads and writes; the pages hold no business logic
of their own. It also reads and writes the migration project file (``*.hmsync-migration``,
JSON) so that work survives closing the program.

Nothing here runs for long on its own: the long steps (reading, validating, backing up,
importing, restoring) are engine calls the pages hand to workers, with a snapshot of the
plan (:meth:`MigrationPlan.make_migration` deep-copies the profile).
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core import rules as R
from ..core.backup import BackupResult, connect
from ..core.engine import CancelToken, Migration, MigrationError, RunResult, ValidationResult
from ..core.mapping import FieldMap, Profile, ProfileError, TableMap, check_profile
from ..core.readers import LINE, SourceError, SourceTable
from ..core.schema import DATA_TABLES, TargetTable, known_tables, reflect_targets, table_counts
from ..core.transforms import parse_step

PROJECT_SUFFIX = ".hmsync-migration"
PROJECT_FORMAT = "hmsync-migration"
PROJECT_VERSION = 1
SAMPLE_ROWS = 500      # records read per table for suggestions, previews and value maps
GUI_CHUNK_ROWS = 5_000  # smaller chunks than the CLI: smoother progress, quicker cancel


class ProjectError(Exception):
    """A project file that cannot be used; the message is for the operator."""


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
    from ..core.schema_check import SchemaError, compare
    path = Path(path)
    if not path.is_file():
        raise ProjectError(f"{path} does not exist")
    try:
        con = connect(path, readonly=True)
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
    tables: list[SourceTable]
    errors: list[SourceError]
    counts: dict[str, int]
    samples: dict[str, pd.DataFrame]


def count_rows(st: SourceTable, cancel: CancelToken | None = None) -> int:
    n = 0
    for chunk in st.iter_chunks(GUI_CHUNK_ROWS * 4):
        if cancel:
            cancel.check()
        n += len(chunk)
    return n


def read_sources(paths: list[Path], progress=None, cancel: CancelToken | None = None
                 ) -> SourcesRead:
    """Open files and folders, count every table's records and keep a sample of each."""
    from ..core.engine import Progress
    from ..core.readers import open_sources
    tables, errors = open_sources(paths)
    counts, samples, ok = {}, {}, []
    for i, st in enumerate(tables):
        if cancel:
            cancel.check()
        if progress:
            progress(Progress("read", "", st.name, i, len(tables)))
        try:
            samples[st.name] = st.sample(SAMPLE_ROWS)
            counts[st.name] = count_rows(st, cancel)
        except SourceError as e:
            errors.append(e)
            continue
        except (UnicodeDecodeError, OSError) as e:
            errors.append(SourceError(st.path, f"reading stopped: {e}"))
            continue
        ok.append(st)
    if progress:
        progress(Progress("read", "", "", len(tables), len(tables)))
    return SourcesRead(ok, errors, counts, samples)


def find_record(st: SourceTable, line: int, cancel: CancelToken | None = None
                ) -> dict[str, str] | None:
    """The whole legacy record that starts on ``line`` of ``st``, column -> value."""
    for chunk in st.iter_chunks(GUI_CHUNK_ROWS * 4):
        if cancel:
            cancel.check()
        hit = chunk[chunk[LINE] == line]
        if len(hit):
            row = hit.iloc[0]
            return {c: ("" if pd.isna(row[c]) else str(row[c])) for c in st.columns}
        if len(chunk) and int(chunk[LINE].iloc[-1]) > line:
            return None
    return None


# --- mapping steps -------------------------------------------------------------------------
def get_step(fm: FieldMap, name: str) -> dict | None:
    """The options of a field's step ``name`` ({} for an option-less step), or None."""
    for s in fm.steps:
        n, o = parse_step(s)
        if n == name:
            return dict(o)
    return None


def set_step(fm: FieldMap, name: str, options: dict | None) -> None:
    """Replace (or add, or with None remove) a field's step ``name``."""
    new = None if options is None else ({name: options} if options else name)
    steps = []
    placed = False
    for s in fm.steps:
        if parse_step(s)[0] == name:
            if new is not None and not placed:
                steps.append(new)
                placed = True
            continue
        steps.append(s)
    if new is not None and not placed:
        steps.append(new)
    fm.steps = steps


def describe_steps(fm: FieldMap, defaults: dict | None = None) -> str:
    """The steps of a field in plain words. ``defaults``: the profile's ``date_order`` and
    ``timezone``, which a date step without its own takes."""
    defaults = defaults or {}
    words = []
    for s in fm.steps:
        n, o = parse_step(s)
        # times with a zone become the clinic's time there (the step's zone, else the profile's)
        zone = o.get("timezone") or defaults.get("timezone")
        local = f", local time {zone}" if zone else ""
        serial = ", Excel day numbers read" if o.get("excel_serial") is True else ""
        if n == "date":
            order = o.get("order", o.get("value", defaults.get("date_order") or "auto"))
            word = {"DMY": "date, day first", "MDY": "date, month first",
                    "YMD": "date, year first"}.get(str(order).upper(), "date, order detected")
            words.append(word + serial + local)
        elif n == "phone":
            words.append(f"phone, region {o.get('region', o.get('value', '?'))}")
        elif n == "map":
            m = o.get("values", o)
            words.append(f"value map ({len(m)} values)")
        elif n == "concat":
            words.append("joined")
        elif n == "split":
            words.append(f"{o.get('part', 'first')} word(s)")
        elif n == "default":
            words.append(f"default '{o.get('value', '')}'")
        elif n == "age_from_date":
            words.append("age from birth date" + serial + local)
        elif n in ("upper", "lower", "title"):
            words.append({"upper": "UPPER CASE", "lower": "lower case",
                          "title": "Title Case"}[n])
        else:
            words.append(n)
    return ", ".join(words)


# --- rules ------------------------------------------------------------------------------
_CHECK_BY_PART = {v: k for k, v in R.CODE_PART.items()}
ALWAYS_LOCKED = {"corrupt", "id_missing", "excluded", "duplicate"}


def rule_check(code: str) -> str | None:
    """The check of a rule code: 'patients.age.range' -> 'range'."""
    for part, check in sorted(_CHECK_BY_PART.items(), key=lambda x: -len(x[0])):
        if code.endswith("." + part):
            return check
    return None


def rule_is_locked(code: str, targets: dict[str, TargetTable]) -> bool:
    """True for rules a profile cannot relax: HMSync could not store the record.
    (Mirrors the engine's ``locked`` cases.)"""
    check = rule_check(code)
    if check is None:
        return False
    if check in ALWAYS_LOCKED:
        return True
    if check in ("format", "required"):
        parts = code.split(".")
        if len(parts) >= 3:
            f = targets.get(parts[0], TargetTable(parts[0])).fields.get(parts[1])
            return bool(f is not None and not f.nullable)
    return False


def rule_description(code: str) -> str:
    check = rule_check(code)
    return R.RULES[check].description if check in R.RULES else ""


# --- the plan ------------------------------------------------------------------------------
@dataclass
class MigrationPlan:
    name: str = "Legacy export"
    source_system: str = "legacy"
    source_paths: list[Path] = field(default_factory=list)
    tables: list[SourceTable] = field(default_factory=list)
    read_errors: list[SourceError] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
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
    project_path: Path | None = None
    dirty: bool = False
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
        added = False
        for p in paths:
            p = Path(p).resolve()
            if p not in self.source_paths:
                self.source_paths.append(p)
                added = True
        if added:
            self.dirty = True
        return added

    def remove_source(self, path: Path):
        path = Path(path).resolve()
        self.source_paths = [p for p in self.source_paths if p != path]
        self.dirty = True

    def apply_sources_read(self, r: SourcesRead, key: str):
        self.tables, self.read_errors = r.tables, r.errors
        self.row_counts, self.samples = r.counts, r.samples
        self.sources_read_key = key

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
        self.dirty = True

    def table_map(self, source_name: str) -> TableMap | None:
        if self.profile is None:
            return None
        st = self.table(source_name)
        return self.profile.table_for(source_name, st.stem if st else None)

    def set_table_target(self, source_name: str, target: str | None):
        """Feed a legacy table into another HMSync table (None: leave it out)."""
        from ..core.suggest import suggest_fields
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
        self.reviewed.add(source_name)
        self.dirty = True

    def set_field_source(self, source_name: str, field_name: str, columns: list[str] | None):
        """Feed an HMSync field from legacy column(s) (None: leave it unmapped). A new
        choice gets the transform its type needs (date order, phone region, value map)."""
        from ..core.suggest import add_type_steps
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

    def set_legacy_id(self, source_name: str, column: str | None):
        tm = self.table_map(source_name)
        if tm is not None and tm.legacy_id != column:
            tm.legacy_id = column or None
            self.dirty = True

    def mapped(self) -> list[tuple[SourceTable, TableMap]]:
        out = []
        for st in self.tables:
            tm = self.table_map(st.name)
            if tm is not None:
                out.append((st, tm))
        order = {t: i for i, t in enumerate(DATA_TABLES)}
        out.sort(key=lambda x: order.get(x[1].target, 99))
        return out

    def mapping_problems(self) -> list[str]:
        if self.profile is None or not self.mapped():
            return ["No legacy table is mapped to an HMSync table yet."]
        return check_profile(self.profile, [s for s, _ in self.mapped()], self.targets)

    def profile_key(self) -> str:
        text = self.profile.to_text() if self.profile is not None else ""
        return hashlib.sha256(f"{text}\n{self.target}\n{self.sources_read_key}".encode()
                              ).hexdigest()

    def load_profile(self, path: Path):
        self.profile = Profile.load(path)
        self.profile_path = Path(path)
        self.reviewed = {t.name for t in self.tables}
        self.dirty = True

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
        return any(isinstance(e, dict) and str(e.get("table")) == table and
                   str(e.get("legacy_id")) == str(legacy_id)
                   for e in self.ensure_profile().exclude)

    def set_excluded(self, table: str, legacy_id: str, excluded: bool):
        p = self.ensure_profile()
        p.exclude = [e for e in p.exclude if not (
            isinstance(e, dict) and str(e.get("table")) == table and
            str(e.get("legacy_id")) == str(legacy_id))]
        if excluded:
            p.exclude.append({"table": table, "legacy_id": str(legacy_id)})
        self.dirty = True

    @property
    def validation_current(self) -> bool:
        return self.validation is not None and self.validation_key == self.profile_key()

    # --- engine -------------------------------------------------------------------------
    def make_migration(self, with_target: bool = True) -> Migration:
        """A Migration over a snapshot of the profile (safe to hand to a worker)."""
        return Migration([s for s, _ in self.mapped()], copy.deepcopy(self.ensure_profile()),
                         self.target if with_target else None, chunk_rows=GUI_CHUNK_ROWS)

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
        from ..core.backup import data_counts
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
    def load_project(cls, path: Path) -> "MigrationPlan":
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise ProjectError(f"{path.name} cannot be read ({e.strerror}).") from None
        except (ValueError, UnicodeDecodeError):
            raise ProjectError(f"{path.name} is not a migration project file (it is not "
                               "valid JSON).") from None
        if not isinstance(d, dict) or d.get("format") != PROJECT_FORMAT:
            raise ProjectError(f"{path.name} is not a migration project file.")
        if int(d.get("version", 0)) > PROJECT_VERSION:
            raise ProjectError(f"{path.name} was saved by a newer version of the wizard; "
                               "update the wizard to open it.")
        plan = cls(name=str(d.get("name") or "Legacy export"),
                   source_system=str(d.get("source_system") or "legacy"))
        plan.source_paths = [Path(p) for p in d.get("sources") or []]
        plan.target = Path(d["target"]) if d.get("target") else None
        plan.backup_dir = Path(d["backup_dir"]) if d.get("backup_dir") else None
        plan.profile_path = Path(d["profile_path"]) if d.get("profile_path") else None
        try:
            if d.get("profile"):
                plan.profile = Profile.from_dict(d["profile"], f"{path.name} (mapping)")
            elif plan.profile_path is not None:
                plan.profile = Profile.load(plan.profile_path)
        except ProfileError as e:
            raise ProjectError(f"The mapping saved in {path.name} cannot be used: {e}") from None
        ch = d.get("choices") or {}
        plan.reviewed = set(ch.get("reviewed_sources") or [])
        plan.errors_acknowledged = bool(ch.get("errors_acknowledged"))
        plan.project_path = path
        return plan
