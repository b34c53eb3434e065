"""hmsync-migrate: the headless migration, for rehearsals in staging and scripted cutovers.

Exit codes: 0 success; 1 problems found (validate) or verification failed / errors left
records out (run, verify); 2 could not run (bad file, bad profile, locked database, ...).
"""
from __future__ import annotations

import argparse
import atexit
import os
import signal
import sys
import textwrap
from pathlib import Path
from typing import NoReturn

from . import __version__
from .core import logs
from .core.words import counted, plural

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILED = 0, 1, 2


def _err(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)


def _session(args, target: str | None = None):
    """The migration session of a command: its sources and target named, nothing read."""
    from .core.session import MigrationSession
    session = MigrationSession(name=getattr(args, "name", None) or "Legacy export",
                               source_system=getattr(args, "source_system", None) or "legacy")
    session.add_sources(args.source)
    session.encodings = _encodings(args)
    session.layouts = _layouts(args)
    for p in session.source_paths:
        if isinstance(p, str):  # a server's URL, without its password
            _ask_password(p)
    if target:
        session.target = Path(target).resolve()
    if getattr(args, "profile", None):
        session.profile_path = Path(args.profile)
    return session


def _encodings(args):
    """--encoding FILE=ENC (repeatable) and --encoding ENC (every 8-bit file), checked."""
    import codecs
    from .core.errors import OperatorError
    from .core.readers.encodings import EncodingChoices
    out = EncodingChoices()
    for v in getattr(args, "encoding", None) or []:
        name, _, enc = v.rpartition("=")
        try:
            codecs.lookup(enc)
        except LookupError:
            raise OperatorError(f"--encoding {v}: '{enc}' is not an encoding Python knows "
                                "(cp1250, cp1252, iso8859-2, utf-8, ...)") from None
        if name:
            out.per_file[name] = enc
        else:
            out.for_all = enc
    return out
def _ask_password(url: str) -> None:
    """A server's password, when neither the URL, the environment nor the system keyring
    gives one: asked on the terminal (never echoed, never kept beyond this process)."""
    from .core.readers.credentials import from_keyring
    from .core.readers.credentials import PASSWORD_ENV
    from .core.readers.server import needs_password, remember_password
    if not needs_password(url):
        return
    print(f"note: no password for {url} in the URL, in {PASSWORD_ENV} or in the system "
          f"keyring: {from_keyring(url).note}", file=sys.stderr)
    if not sys.stdin.isatty():
        return  # the server says whether it needs one; set PASSWORD_ENV for scripts
    import getpass
    try:
        remember_password(url, getpass.getpass(f"password for {url} "
                                               f"(or set {PASSWORD_ENV}): "))
    except (EOFError, KeyboardInterrupt):
        pass


def _open(session, progress=None) -> None:
    """Read the sources (files that cannot be read and stop nothing are named)."""
    session.open_sources([], progress)
    for e in session.left_out():
        print(f"skipped: {e}", file=sys.stderr)


def _use_profile(session, args) -> None:
    """The profile named by --profile, else the suggestion; then the one rule for files
    that could not be read."""
    if getattr(args, "profile", None):
        session.load_profile(args.profile)
        session.reread_encodings()  # the profile's tables may name an encoding
    else:
        session.check_encodings()  # (a suggestion from misread text would be wrong too)
        print("note: no --profile given; using the suggested mapping (hmsync-migrate suggest "
              "writes it to a file you can review)", file=sys.stderr)
        session.suggest_profile()
    session.check_sources()
    session.check_encodings()
    for u in session.require_confirmed(getattr(args, "accept_suggestions", False)):
        print(f"note: accepted without review: {u.as_taken()}", file=sys.stderr)


class _Printer:
    """Progress on stderr: counts and table names only, never record contents."""

    def __init__(self, quiet=False):
        self.quiet = quiet
        self.last = None

    def __call__(self, p):
        if self.quiet:
            return
        key = (p.stage, p.table, p.source)
        if p.done == p.total and key != self.last and p.total:
            # (a table scripts read: "records" is its unit, whatever the count)
            print(f"  {p.stage:8} {p.table:16} {p.source:28} {p.done:>10,} records",
                  file=sys.stderr)
            self.last = key


# --- commands ------------------------------------------------------------------------------
def cmd_inspect(args) -> int:
    from .core.readers import CORRUPT, LINE, SourceError, open_source
    from .core.readers.server import source_location
    code = EXIT_OK
    paths = []
    for p in args.paths:
        try:
            p = source_location(p)  # a sqlite:/// URL is its file
        except SourceError as e:
            _err(f"{e.path}: {e.problem}")
            code = EXIT_FAILED
            continue
        if isinstance(p, str):  # a server's URL, without its password
            _ask_password(p)
            paths.append(p)
            continue
        paths += sorted(x for x in p.iterdir() if x.is_file()) if p.is_dir() else [p]
    encodings, layouts = _encodings(args), _layouts(args)
    for p in paths:
        try:
            if isinstance(p, str):
                from .core.readers.server import open_server
                tables = open_server(p)
            else:
                tables = open_source(p, encodings.of(p), encodings.for_all,
                                     lambda sheet, p=p: layouts.of(p, sheet))
            if tables and tables[0].encoding_source == "unsure":
                from .core.readers.encodings import unsure_words
                _err(unsure_words(str(p), tables[0].encoding_doubt))
                code = EXIT_FAILED
                continue
            for t in tables:
                n, damaged = 0, []
                for chunk in t.iter_chunks():
                    n += len(chunk)
                    bad = chunk[CORRUPT].to_numpy() != ""
                    if bad.any():
                        damaged += chunk[LINE].to_numpy()[bad].tolist()
                sample = t.sample(args.rows)
                print(f"{t.name}")
                print(f"  format {t.format}" + (f", encoding {t.encoding}" if t.encoding else "")
                      + (f", delimiter {t.delimiter!r}" if t.delimiter else "")
                      + (f", column names on {t.location_name} {t.header_line}"
                         if t.header_line > 1 else
                         ", no column names (the first line is a record)"
                         if t.header_line == 0 else "")
                      + f", {counted(n, 'record')}, {counted(len(t.columns), 'column')}")
                print(f"  columns: {', '.join(t.columns)}")
                from .core.readers.layout import NO_HEADER, layout_hint
                hint = layout_hint(t)
                if hint is not None and hint.header_row == NO_HEADER:
                    print(f"  note: the column names look like values (a number, a date): "
                          f"the file may have no line of column names; try --header-row "
                          f"{t.name}=0 (columns column_1, column_2, ...)")
                elif hint is not None:  # offered, never applied: the sample below shows why
                    print(f"  note: read as one column; the column names may be on line "
                          f"{hint.header_row} ({hint.describe()}): try --header-row "
                          f"{t.name}={hint.header_row}")
                if damaged:  # the sample below shows them padded or cut: say so first
                    more = f" and {len(damaged) - 10:,} more" if len(damaged) > 10 else ""
                    print(f"  {len(damaged):,} damaged record(s) (rejected by validate and "
                          f"run), on {t.location_name}(s) "
                          f"{', '.join(map(str, damaged[:10]))}{more}")
                if args.rows and not args.no_sample:
                    cols = list(t.columns)
                    for row in sample[cols].head(args.rows).itertuples(index=False):
                        print("   | " + " | ".join(str(v)[:24] for v in row))
        except SourceError as e:  # the whole path: inspect may be given files from anywhere
            _err(f"{e.path}" + (f", line {e.line}" if e.line else "") + f": {e.problem}")
            code = EXIT_FAILED
    return code


def cmd_suggest(args) -> int:
    from .core.outputs import Outputs
    session = _session(args, args.target)
    session.check_outputs(Outputs(document=Path(args.output)))
    _open(session)
    session.check_sources()
    session.check_encodings()
    if args.target:
        from .core.backup import connect_to_read
        from .core.schema import reflect_targets
        con = connect_to_read(Path(args.target))
        try:
            targets = reflect_targets(con)
        finally:
            con.close()
        if targets:
            from .core.session import TargetInfo
            session.target_info = TargetInfo(Path(args.target), {}, targets, [], None)
    p = session.suggest_profile(phone_region=args.phone_region)
    out = Path(args.output)
    p.save(out)
    for tm in p.tables:
        print(f"{tm.source:28} -> {tm.target:16} {len(tm.fields):2} "
              f"{plural(len(tm.fields), 'field')}, confidence "
              f"{tm.confidence:.2f}")
    for n in p.notes:
        print(f"note: {n}")
    for u in p.unconfirmed():  # never applied unasked: listed for a person to confirm
        print(f"review: {u}")
    for problem in session.mapping_problems(unconfirmed=False):  # what a run would refuse
        print(f"warning: {problem}")
    print(f"profile written to {out}")
    return EXIT_OK


def cmd_validate(args) -> int:
    from .core.outputs import Outputs
    from .core.report import write_problems, write_rejected
    session = _session(args, args.target)
    session.check_outputs(Outputs(issues=_path(args.issues), rejected=_path(args.rejected)))
    _open(session)
    _use_profile(session, args)
    res = session.validate(progress=_Printer(args.quiet))
    # files first: a console closed meanwhile (| head) must not lose them
    if args.issues:
        write_problems(res.problems, args.issues)
    files = write_rejected([s for s, _ in session.mapped()], res.problems, args.rejected) \
        if args.rejected else []
    _print_summary(res)
    if args.issues:
        print(f"problems written to {args.issues}")
    if args.rejected:
        print(f"rejected records written to {args.rejected} "
              f"({counted(len(files), 'file')})")
    return EXIT_PROBLEMS if res.errors else EXIT_OK


def _path(p) -> Path | None:
    return Path(p) if p else None


def _print_summary(res) -> None:
    print(f"{'HMSync table':16} {'source':>9} {'valid':>9} {'dupl.':>7} {'rejected':>9} "
          f"{'warned':>7} {'filtered':>9}")
    for t, s in res.stats.items():
        print(f"{t:16} {s.source_rows:9,} {s.valid:9,} {s.duplicates:7,} {s.rejected:9,} "
              f"{s.warnings:7,} {s.filtered:9,}" + (f"  ({s.deferred:,} outside the pilot)"
                                                    if s.deferred else ""))
    for t, s in res.stats.items():
        for src, w in s.where.items():
            print(f"{t}: {src} filtered by: where {w}")
    summ = res.summary()
    if len(summ):
        print("\nproblems by rule:")
        for r in summ.itertuples(index=False):
            print(f"  {r.severity:7} {r.rule:42} {r.count:7,}")
    for n in res.notes:
        print(f"note: {n}")
    for s in res.unmapped_sources:
        print(f"note: {s} is not mapped by the profile and was left out")
    print(f"\n{counted(res.errors, 'error')}, {counted(res.warnings, 'warning')}")


def cmd_init_db(args) -> int:
    from .core.schema import init_db
    try:
        init_db(args.file, version=args.schema_version)
    except FileExistsError as e:
        _err(str(e))
        return EXIT_FAILED
    print(f"created empty HMSync database {args.file}")
    return EXIT_OK


def cmd_backup(args) -> int:
    from .core.backup import make_backup
    b = make_backup(args.target, args.dir)
    print(f"backup {b.path}\n  verified: integrity ok, row counts equal ({sum(b.counts.values()):,}"
          f" rows)\n  size {b.size:,} bytes\n  sha256 {b.sha256}")
    return EXIT_OK


def cmd_restore(args) -> int:
    from .core.backup import restore
    r = restore(args.backup, args.target, args.dir, force=args.force)
    if r.safety_backup:
        print(f"the state before the restore was backed up to {r.safety_backup.path}")
    print(f"restored {r.target} from {r.restored_from} "
          f"({counted(sum(r.counts.values()), 'row')}); "
          "verified")
    return EXIT_OK


def cmd_run(args) -> int:
    from .core.engine import CancelToken
    from .core.outputs import Outputs
    html = args.html or (Path(args.report).with_suffix(".html") if args.report else None)
    outputs = Outputs(report=_path(args.report), html=_path(html), issues=_path(args.issues),
                      rejected=_path(args.rejected), backup_dir=_path(args.backup_dir),
                      signoff=_path(args.signoff))
    session = _session(args, args.target)
    session.check_outputs(outputs)
    _open(session)
    _use_profile(session, args)
    session.set_on_conflict(args.on_conflict)
    session.set_allow_untracked(args.allow_untracked)
    job = session.prepare_import(dry_run=args.dry_run, no_backup=args.no_backup,
                                 operator=args.operator, back_up_first=not args.no_backup,
                                 full_integrity_check=args.full_integrity_check)
    for words in job.schema_differences:
        print(f"note: the target differs from HMSync's schema: {words} "
              f"(hmsync-migrate schema {args.target} --upgrade)", file=sys.stderr)
    if args.no_backup:
        print("WARNING: --no-backup: no backup is made; use this only for a throwaway "
              "database", file=sys.stderr)
    else:
        b = job.back_up(args.backup_dir)
        session.apply_backup(b)
        print(f"backup {b.path} verified (sha256 {b.sha256[:16]}…)")
    outcome = job.run(progress=_Printer(args.quiet), cancel=CancelToken())
    session.apply_import(outcome)
    res = outcome.result
    vacuumed = False
    if args.vacuum and res.committed:
        from .core.errors import OperatorError
        from .core.schema_check import optimise
        try:
            optimise(args.target, vacuum=True)
            vacuumed = True
        except OperatorError as e:  # the import stands: say so, and go on to the reports
            print(f"warning: the import was committed (run {res.run_id}), but {e}",
                  file=sys.stderr)
    try:  # files first: a console closed meanwhile (| head) must not lose them
        session.write_outputs(outcome, outputs)
        if args.signoff:
            from .pdf import write_signoff
            write_signoff(outcome.report, args.signoff)
    except OSError as e:
        what = (f"the import was committed (run {res.run_id})" if res.committed else
                "nothing was imported")
        _err(f"{what}, but {e.filename or 'a report file'} could not be written "
             f"({e.strerror}); `hmsync-migrate verify {args.target}` checks the target again")
        return EXIT_FAILED
    _print_summary(res.validation)
    print()
    for c in res.verification.checks:
        print(f"  {'PASS' if c.passed else 'FAIL'}  {c.name}: {c.detail}")
    cells = _cells_line(outcome.report)
    if cells:
        print(f"\n{cells}")
    delta = res.delta
    if delta is not None:
        up = sum(1 for c in delta.changes if c.kind == "updated")
        print(f"\ndelta: {up} record(s) updated, {len(delta.conflicts)} conflict(s), "
              f"{sum(len(v) for v in delta.gone.values())} record(s) gone from the export "
              "(kept in HMSync)")
    print(f"\n{res.status}" + (f" (run {res.run_id})" if res.run_id else ""))
    if vacuumed:
        print("VACUUM done: the database file is compacted")
    if args.report:
        print(f"report written to {args.report} and {html}")
    if args.signoff:
        print(f"sign-off report written to {args.signoff}")
    if not res.passed:
        return EXIT_PROBLEMS
    if res.validation.errors:
        return EXIT_PROBLEMS
    if delta is not None and delta.unresolved:
        print(f"{delta.unresolved} conflict(s) left as HMSync has them (listed in the "
              "report); choose with --on-conflict", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK


def cmd_verify(args) -> int:
    from .core.outputs import Outputs, check_outputs
    from .core.report import write_json
    from .core.nested_cells import left_inside
    from .core.verify import verify_target
    if args.report:  # before the checks: a report that cannot be written is said first
        check_outputs(Outputs(report=Path(args.report)),
                      [(Path(args.target), "the HMSync database")])
    found = verify_target(args.target)
    for c in found.checks:
        print(f"  {'PASS' if c.passed else 'FAIL'}  {c.name}: {c.detail}")
    for t, n in found.counts.items():
        print(f"  {t:16} {n:10,} rows")  # (a table scripts read: "rows" a heading)
    print(found.cells_note)
    for rc in found.cells:
        for t in rc.tables:
            cols = t.get("columns", [])
            n = sum(int(c.get("non_empty", 0)) for c in cols)
            lost = sum(int(c.get("not_accounted", 0)) for c in cols)
            print(f"  run {rc.run_id}, {t.get('source')} -> {t.get('target')}: {n:,} "
                  f"non-empty cells in {len(cols)} column(s), {lost:,} not accounted")
            inside = left_inside(cols)
            if inside:
                print(f"    left behind inside objects (no field reads them): "
                      f"{', '.join(inside)}")
    if args.report:
        try:
            write_json(found.to_dict(), args.report)
        except OSError as e:
            _err(f"{args.report} could not be written ({e.strerror}); the checks above "
                 "are the verification's result")
            return EXIT_FAILED
    return EXIT_OK if found.passed else EXIT_PROBLEMS


def cmd_schema(args) -> int:
    from .core.schema_check import at_risk, compare, upgrade
    diffs = compare(args.target)
    if not args.upgrade:
        if not diffs:
            print(f"{args.target}: the schema matches HMSync's")
            return EXIT_OK
        print(f"{args.target}: {len(diffs)} difference(s) from HMSync's schema")
        for d in diffs:
            print(f"  [{d.action}] {d.words}")
        risky = [d for d in diffs if d.action == "destructive"]
        if risky:
            print("destructive (needs --upgrade --force):")
            for line in at_risk(Path(args.target), risky):
                print(f"  {line}")
        return EXIT_PROBLEMS
    r = upgrade(args.target, force=args.force, backup_folder=args.backup_dir,
                vacuum=args.vacuum, no_backup=args.no_backup)
    if r.backup:
        print(f"backup {r.backup.path} verified")
    print(f"schema version {r.from_version or 'none'} -> {r.to_version}")
    for a in r.applied:
        print(f"  {a}")
    for k in r.kept:
        print(f"  kept: {k}")
    for n in r.notes:
        print(f"warning: {n}", file=sys.stderr)
    print(f"every row kept ({counted(sum(r.counts_after.values()), 'row')})")
    return EXIT_OK


def _cells_line(rep: dict) -> str | None:
    """One line: every cell of the mapped files accounted for, or how many are not."""
    cells = rep.get("cells")
    if not cells:
        return None
    n = sum(c["non_empty"] for t in cells["tables"] for c in t["columns"])
    lost = cells.get("not_accounted", 0)
    return (f"cells: {n:,} non-empty legacy cells, every one accounted for" if not lost else
            f"cells: {lost:,} of {n:,} non-empty legacy cells NOT accounted for (columns no "
            "field reads and not left behind on purpose)")


def cmd_signoff(args) -> int:
    import json
    from .core.errors import ReportError
    from .core.outputs import Outputs, check_outputs
    from .pdf import write_signoff
    src = Path(args.report)
    check_outputs(Outputs(signoff=Path(args.output)), [(src, "the run report")])
    try:
        rep = json.loads(src.read_text(encoding="utf-8"))
    except OSError as e:
        raise ReportError(f"{src}: cannot be read ({e.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ReportError(f"{src}: is not a JSON run report ({e})") from None
    if not isinstance(rep, dict) or not isinstance(rep.get("checks"), list) or \
            not isinstance(rep.get("tables"), dict):
        raise ReportError(f"{src}: is not a run report (no checks or tables in it)")
    write_signoff(rep, args.output)
    print(f"sign-off report written to {args.output}")
    return EXIT_OK


def cmd_mapping_doc(args) -> int:
    from .core.outputs import Outputs
    from .core.report import _private_open, mapping_document
    session = _session(args)
    session.check_outputs(Outputs(document=Path(args.output)))
    _open(session)
    session.load_profile(args.profile)
    session.reread_encodings()  # its examples are the data's: read as the profile says
    session.check_sources()
    session.check_encodings()
    with _private_open(Path(args.output), "w", encoding="utf-8") as f:
        f.write(mapping_document(session.profile, session.tables))
    print(f"mapping document written to {args.output}")
    return EXIT_OK


def cmd_profile_help(args) -> int:
    from .core.reference import help_text
    try:
        print(help_text(args.topic), end="")
    except LookupError as e:
        print(f"error: {e.args[0]}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


# --- entry point ---------------------------------------------------------------------------
EXIT_CODES = """exit codes:
  0  success
  1  problems found (validate), or verification failed / errors left records out (run,
     verify)
  2  could not run: one line names the file, the line and the problem"""


def _command(sub, name: str, summary: str, description: str, examples: list[str], fn):
    """A subcommand with its summary (in the command list), what it does, examples and
    the exit codes (in its --help)."""
    epilog = "examples:\n" + "\n".join(f"  hmsync-migrate {e}" for e in examples) + \
        "\n\n" + EXIT_CODES
    p = sub.add_parser(name, help=summary, description=textwrap.fill(description, 79),
                       epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(fn=fn)
    COMMAND_PARSERS[name] = p
    return p


#: each command's own parser, which reports what it does not know with its own usage
COMMAND_PARSERS: dict[str, argparse.ArgumentParser] = {}


SOURCE_HELP = ("legacy export folder(s) or file(s): CSV/TSV, JSON/NDJSON, Excel; or a legacy "
               "database: an SQLite file (legacy.db, sqlite:///legacy.db) or a server's "
               "SQLAlchemy URL (postgresql+psycopg://user@host/db; the password from "
               "HMSYNC_SOURCE_PASSWORD, else asked)")
PROFILE_HELP = ("mapping profile (YAML or JSON) from `suggest`, reviewed; without it the "
                "suggested mapping is used")
QUIET_HELP = "print no progress lines (the summary is still printed)"
ACCEPT_HELP = ("take suggested choices nobody confirmed (`review: true`) as they are; each is "
               "named in the notes. Without it they stop the command")


def _encoding_option(p) -> None:
    p.add_argument("--encoding", action="append", metavar="[FILE=]ENC",
                   help="read FILE (its name or path) with the encoding ENC (cp1250, cp1252, "
                        "...); without FILE=, every file of an 8-bit code page. Needed where "
                        "several code pages read a file differently (repeatable)")
    p.add_argument("--delimiter", action="append", metavar="TABLE=D",
                   help="read the legacy table TABLE (a file's name) with the delimiter D "
                        "(comma, semicolon, tab, pipe, colon, space, or the character) "
                        "instead of the detected one (repeatable)")
    p.add_argument("--header-row", action="append", metavar="TABLE=N",
                   help="the column names of TABLE (a file's name, or book.xlsx#Sheet) are "
                        "on line (row) N: the lines above are a title, not records; N=0: a "
                        "text file with no column names (its first line is a record, its "
                        "columns column_1, column_2, ...) (repeatable)")


def _layouts(args):
    """--delimiter TABLE=D and --header-row TABLE=N, checked, as the session's choices."""
    from .core.errors import OperatorError
    from .core.readers.layout import (Layout, LayoutChoices, LayoutError, delimiter_from,
                                      header_row_from)
    out = LayoutChoices()
    for flag, values in (("--delimiter", getattr(args, "delimiter", None)),
                         ("--header-row", getattr(args, "header_row", None))):
        for v in values or []:
            name, eq, value = v.partition("=")
            if not eq or not name:
                raise OperatorError(f"{flag} {v}: expected TABLE=VALUE (the file's name, "
                                    "then = and the value)")
            try:
                have = out.per_table.get(name, Layout())
                out.per_table[name] = Layout(
                    delimiter_from(value, f"{flag} {v}"), have.header_row) \
                    if flag == "--delimiter" else \
                    Layout(have.delimiter, header_row_from(value, f"{flag} {v}"))
            except LayoutError as e:
                raise OperatorError(str(e)) from None
    return out


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="hmsync-migrate", description=__doc__.splitlines()[0],
        epilog="A rehearsal: suggest -> (review the profile) -> validate -> run.\n"
               "`hmsync-migrate COMMAND --help` describes each command.\n\n" + EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"hmsync-migrate {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(sub, "inspect", "describe legacy export files",
                 "Per legacy table: format, encoding, delimiter, columns, record count and "
                 "a few sample records. Reads only; writes nothing.",
                 ["inspect export/", "inspect export/patients.csv --no-sample"], cmd_inspect)
    p.add_argument("paths", nargs="+", metavar="PATH", help=SOURCE_HELP)
    p.add_argument("--rows", type=int, default=3, help="sample rows to print (default 3)")
    _encoding_option(p)
    p.add_argument("--no-sample", action="store_true",
                   help="print no record contents (for output that may be shared)")

    p = _command(sub, "suggest", "suggest a mapping profile for a legacy export",
                 "Reads the export and writes a mapping profile: which legacy file feeds which "
                 "HMSync table and which column which field, each choice with its "
                 "confidence. Review it (or open it in the wizard) before a run.",
                 ["suggest export/ -o profile.yaml",
                  "suggest export/ -o profile.yaml --phone-region GB --source-system hcplus"],
                 cmd_suggest)
    p.add_argument("source", nargs="+", metavar="SOURCE", help=SOURCE_HELP)
    p.add_argument("-o", "--output", required=True, metavar="PROFILE",
                   help="profile file to write (.yaml or .json)")
    p.add_argument("--target", metavar="DB",
                   help="HMSync database whose (possibly newer) schema to map to")
    p.add_argument("--name", default="Legacy export",
                   help="a name for the migration, kept in the profile")
    p.add_argument("--source-system", default="legacy", metavar="NAME",
                   help="name of the legacy system; legacy ids are unique within it, and "
                        "re-runs recognise records by it (default: legacy)")
    _encoding_option(p)
    p.add_argument("--phone-region", metavar="CC",
                   help="default phone region, a two-letter country code (e.g. IN); "
                        "inferred if absent")

    p = _command(sub, "validate", "check a legacy export; writes nothing to HMSync",
                 "Reads every record, maps it and checks it against HMSync's rules and "
                 "relationships; prints the problems by rule. With --target, records "
                 "already in that database are recognised.",
                 ["validate export/ --profile profile.yaml --issues problems.xlsx",
                  "validate export/ --profile profile.yaml --target hmsync.db "
                  "--rejected rejected/"], cmd_validate)
    p.add_argument("source", nargs="+", metavar="SOURCE", help=SOURCE_HELP)
    p.add_argument("--profile", metavar="PROFILE", help=PROFILE_HELP)
    p.add_argument("--issues", metavar="FILE",
                   help="write every problem (file, line, field, value, rule) to this CSV or "
                        "XLSX file")
    p.add_argument("--rejected", metavar="FOLDER",
                   help="write the rejected records, unchanged, to this folder")
    p.add_argument("--target", metavar="DB",
                   help="HMSync database to check already-imported records against")
    _encoding_option(p)
    p.add_argument("--accept-suggestions", action="store_true", help=ACCEPT_HELP)
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)

    p = _command(sub, "init-db", "create an empty HMSync database",
                 "Creates an HMSync database with no records (never over an existing file).",
                 ["init-db staging.db"], cmd_init_db)
    p.add_argument("file", metavar="DB", help="the database file to create")
    p.add_argument("--schema-version", type=int, default=2, choices=[1, 2],
                   help="HMSync's schema version to create (default 2, the current one)")

    p = _command(sub, "backup", "back up an HMSync database (online, verified)",
                 "Copies the database while it may be in use (SQLite's online backup), then "
                 "checks the copy: integrity, row counts, SHA-256. The copy is owner-only.",
                 ["backup hmsync.db", "backup hmsync.db --dir /safe/place"], cmd_backup)
    p.add_argument("target", metavar="DB", help="the HMSync database to back up")
    p.add_argument("--dir", metavar="FOLDER",
                   help="folder for the backup (default: beside the database)")

    p = _command(sub, "restore", "restore an HMSync database from a backup",
                 "Checks the backup against the SHA-256 recorded when it was made, backs up "
                 "the database as it is now, then puts the backup back in its place and checks "
                 "the result.",
                 ["restore backup-20261207-101500.db --target hmsync.db"], cmd_restore)
    p.add_argument("backup", metavar="BACKUP", help="the backup file to restore")
    p.add_argument("--target", required=True, metavar="DB",
                   help="the HMSync database to restore into")
    p.add_argument("--dir", metavar="FOLDER",
                   help="folder for the safety backup of the current state (default: beside "
                        "the database)")
    p.add_argument("--force", action="store_true",
                   help="restore a backup that has no record of its SHA-256 (.sha256 beside "
                        "it), unchecked")

    p = _command(sub, "run", "validate, back up, import and verify in one go",
                 "Validates the export, makes a verified backup of the target, imports the "
                 "valid records in one transaction, verifies the result and commits (or "
                 "rolls everything back). Re-runs recognise records already imported.",
                 ["run export/ --target hmsync.db --profile profile.yaml --report run.json",
                  "run export/ --target staging.db --profile profile.yaml --dry-run",
                  "run export/ --target hmsync.db --profile profile.yaml --operator 'A. Rao' "
                  "--issues problems.xlsx --rejected rejected/"], cmd_run)
    p.add_argument("source", nargs="+", metavar="SOURCE", help=SOURCE_HELP)
    p.add_argument("--target", required=True, metavar="DB",
                   help="the HMSync database to import into")
    p.add_argument("--profile", metavar="PROFILE", help=PROFILE_HELP)
    _encoding_option(p)
    p.add_argument("--report", metavar="FILE",
                   help="write the report as JSON here (and HTML beside it)")
    p.add_argument("--html", metavar="FILE", help="write the HTML report here")
    p.add_argument("--dry-run", action="store_true",
                   help="everything but the commit: the target is left as it was")
    p.add_argument("--no-backup", action="store_true",
                   help="skip the backup (throwaway databases only)")
    p.add_argument("--backup-dir", metavar="FOLDER",
                   help="folder for the backup (default: beside the target)")
    p.add_argument("--issues", metavar="FILE",
                   help="write every problem to this CSV or XLSX file")
    p.add_argument("--rejected", metavar="FOLDER",
                   help="write the rejected records, unchanged, to this folder")
    p.add_argument("--accept-suggestions", action="store_true", help=ACCEPT_HELP)
    p.add_argument("--operator", metavar="NAME",
                   help="who runs the migration (the audit trail and the report)")
    p.add_argument("--vacuum", action="store_true",
                   help="VACUUM the target after a committed import (indexes and ANALYZE "
                        "are always done)")
    p.add_argument("--on-conflict", choices=["legacy-wins", "hmsync-wins", "skip"],
                   help="a re-run: a record changed both in the export and in HMSync since "
                        "the last run is overwritten with the export's values "
                        "(legacy-wins), left as HMSync has it and not asked about again "
                        "(hmsync-wins), or left and listed again next time (skip); "
                        "without it, conflicts are listed, left as HMSync has them, and "
                        "the run exits 1")
    p.add_argument("--allow-untracked", action="store_true",
                   help="a re-run: go ahead where a file without a legacy id column feeds "
                        "a table an earlier run filled (its changed records come in as "
                        "new ones; the notes say so)")
    p.add_argument("--full-integrity-check", action="store_true",
                   help="after the commit, SQLite's whole integrity_check (every index "
                        "entry against its row too) instead of quick_check; the backup and "
                        "`verify TARGET` always run the whole check")
    p.add_argument("--quiet", action="store_true", help=QUIET_HELP)
    p.add_argument("--signoff", metavar="FILE",
                   help="write the sign-off report (a .pdf, else HTML) here: the run, its "
                        "files and hashes, records and cells accounted for, signatures")

    p = _command(sub, "signoff", "the sign-off report of a run report",
                 "The document the consultant and the clinic sign (PDF for a .pdf name, "
                 "else HTML), made from the JSON report a run wrote.",
                 ["signoff run.json -o signoff.pdf"], cmd_signoff)
    p.add_argument("report", metavar="REPORT.json", help="the JSON report of a run")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the sign-off report to write (.pdf or .html)")

    p = _command(sub, "verify", "check an HMSync database after an import",
                 "Integrity, relationships and what the audit trail says, without the "
                 "legacy export: the cells are shown as each run counted them from its "
                 "files.", ["verify hmsync.db --report verify.json"], cmd_verify)
    p.add_argument("target", metavar="DB", help="the HMSync database to check")
    p.add_argument("--report", metavar="FILE", help="write the checks as JSON here")

    p = _command(sub, "schema", "compare a target with HMSync's schema; --upgrade it",
                 "Lists, in plain words, how the database's schema differs from HMSync's. "
                 "--upgrade applies additive changes after a verified backup, in one "
                 "transaction; destructive ones only with --force, after listing what they "
                 "affect.", ["schema hmsync.db", "schema hmsync.db --upgrade"], cmd_schema)
    p.add_argument("target", metavar="DB", help="the HMSync database to compare")
    p.add_argument("--upgrade", action="store_true",
                   help="apply additive changes (after a verified backup, in one transaction)")
    p.add_argument("--force", action="store_true", help="also apply destructive changes")
    p.add_argument("--vacuum", action="store_true", help="VACUUM after the upgrade")
    p.add_argument("--backup-dir", metavar="FOLDER",
                   help="folder for the backup (default: beside the database)")
    p.add_argument("--no-backup", action="store_true", help="throwaway databases only")

    p = _command(sub, "mapping-doc", "write the mapping document a client approves",
                 "An HTML page: every legacy file and column, the HMSync field it feeds and "
                 "how it is transformed.",
                 ["mapping-doc export/ --profile profile.yaml -o mapping.html"],
                 cmd_mapping_doc)
    p.add_argument("source", nargs="+", metavar="SOURCE", help=SOURCE_HELP)
    p.add_argument("--profile", required=True, metavar="PROFILE",
                   help="the mapping profile to describe")
    _encoding_option(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="the HTML file to write")

    p = _command(sub, "profile-help", "the profile reference: keys, steps, functions, rules",
                 "Prints docs/profile-reference.md: every key, step, option, expression "
                 "function and rule a mapping profile can use, each with an example; or one "
                 "topic of it, or the entry of one name.",
                 ["profile-help", "profile-help functions", "profile-help where",
                  "profile-help age_at"], cmd_profile_help)
    p.add_argument("topic", nargs="?", metavar="TOPIC",
                   help="keys, defaults, tables, fields, steps, expressions, lookups, pilot, "
                        "rules, severities, or a name (where, regexp_replace, range, ...)")
    return ap


def main(argv=None) -> int:
    from .core.errors import Cancelled, OperatorError
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:  # said with the command's usage, not the program's
        COMMAND_PARSERS[args.command].error("unrecognized arguments: " + " ".join(unknown))
    if argv is None:  # the program itself, not a caller in its own process (a test, the
        from .core.prepare import allow_fork  # wizard): the reading helper may be forked
        allow_fork()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return args.fn(args)
    except SystemExit as e:
        return int(e.code or 0)
    except OperatorError as e:
        _err(str(e))
        return EXIT_FAILED
    except (KeyboardInterrupt, Cancelled):
        _err("cancelled; everything was rolled back and the database is unchanged")
        return EXIT_FAILED
    except MemoryError:
        _err("out of memory")
        return EXIT_FAILED
    except Exception as e:  # never a traceback on the operator's screen
        where = logs.log_exception(e, context=f"hmsync-migrate {args.command}")
        _err(f"unexpected {type(e).__name__}. An import is all or nothing: check the target's "
             f"audit trail with `hmsync-migrate verify TARGET`. Details (no patient data) are "
             f"in {where}")
        return EXIT_FAILED


class _ClosedConsoleTolerant:
    """A console stream that ignores being closed by its reader (``run ... | head -1``):
    the command goes on, writes its files and returns its own exit code, where a
    BrokenPipeError after the commit would have ended it before the report was written."""

    def __init__(self, stream):
        self._stream = stream
        self.closed_by_reader = False

    def write(self, text):
        if self.closed_by_reader:
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self.closed_by_reader = True
            return len(text)

    def flush(self):
        if self.closed_by_reader:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self.closed_by_reader = True

    def __getattr__(self, name):
        return getattr(self._stream, name)


def run_program() -> NoReturn:
    """The ``hmsync-migrate`` program: ``main()``, then an exit that leaves freeing every
    object to the operating system (with pandas and a big run's heap in memory, Python's
    own clean-up takes a fifth of a second, measured; mypy exits the same way). The exit
    handlers still run first, and the output is flushed."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is not None:
            setattr(sys, name, _ClosedConsoleTolerant(getattr(sys, name)))
    code = main()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started without it (a scheduler's job): print() skipped it
            continue
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (| head): nothing more can go there
            pass
    os._exit(code)


if __name__ == "__main__":
    run_program()
