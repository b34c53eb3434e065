"""What the engine writes for people: problem lists (CSV/XLSX, safe in a spreadsheet),
quarantined records, the run report (JSON and a self-contained HTML page) and the
mapping document a client approves."""
from __future__ import annotations

import contextlib
import csv
import html
import json
import os
from datetime import datetime
from pathlib import Path

import pandas as pd

from .. import __version__
from .quarantine import ADDED_COLUMNS, quarantine_names  # noqa: F401 (imported from here)
from .verify import GROUP_KEY_PREFIX

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: what a spreadsheet may skip before a formula's first character (spaces, a line break,
#: the ideographic space), and the full-width signs it may read as = + - @
_SKIPPED_BEFORE = " \t\r\n\u3000"
_WIDE_SIGNS = str.maketrans({"\uff1d": "=", "\uff0b": "+", "\uff0d": "-", "\uff20": "@",
                             "\u2212": "-"})


def neutralise(value) -> str:
    """A cell that cannot run as a spreadsheet formula (OWASP CSV injection advice), also
    where spaces or a line break come first or the sign is a full-width one (＝1+1).
    Plain numbers stay as they are ("-500" is a number, not a formula)."""
    s = "" if value is None else str(value)
    head = s.lstrip(_SKIPPED_BEFORE)[:1].translate(_WIDE_SIGNS)
    if s.startswith(_FORMULA_START) or head in ("=", "+", "-", "@"):
        try:
            float(s)
            return s
        except ValueError:
            return "'" + s
    return s


@contextlib.contextmanager
def _private_open(path: Path, mode="w", **kw):
    """Write a file readable by its owner only (patient data), as a context manager.

    It is written under a temporary name beside it (``.NAME.partial``) that takes the
    file's name only once the file is whole: a write cut short (a full disk, the program
    killed) never leaves a problem list or report that looks complete, and never destroys
    the one an earlier run wrote there."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(tmp, 0o600)
    try:
        with os.fdopen(fd, mode, **kw) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_problems(problems: pd.DataFrame, path: str | Path) -> Path:
    """All problems to CSV (UTF-8 with BOM, for spreadsheets) or XLSX, formulas neutralised."""
    path = Path(path)
    safe = problems.copy()
    for c in safe.columns:
        if safe[c].dtype == object or str(safe[c].dtype).startswith("str"):
            safe[c] = safe[c].map(neutralise)
    if path.suffix.lower() == ".xlsx":
        with _private_open(path, "wb") as f:
            with pd.ExcelWriter(f, engine="openpyxl") as xw:
                safe.to_excel(xw, index=False, sheet_name="problems")
    else:
        with _private_open(path, "w", encoding="utf-8-sig", newline="") as f:
            # CRLF: a lone CR inside a value is then quoted, never a row break
            safe.to_csv(f, index=False, lineterminator="\r\n")
    return path


def write_rejected(sources, problems: pd.DataFrame, folder: str | Path, chunk_rows=50_000
                   ) -> list[Path]:
    """Rejected records, unchanged and in their original columns, one file per legacy
    table, each followed by the line it starts on in the legacy file and why it was
    rejected (see :mod:`.quarantine`: ``run`` on the folder imports them once fixed)."""
    from .readers import LINE
    folder = Path(folder)
    errs = problems[problems["severity"] == "error"]
    by_file = {f: set(g["line"].astype(int)) for f, g in errs.groupby("file")}
    reasons: dict[tuple[str, int], list[str]] = {}
    for f, line, rule, msg in zip(errs["file"], errs["line"].astype(int), errs["rule"],
                                  errs["message"]):
        said = reasons.setdefault((f, int(line)), [])
        if f"{rule}: {msg}" not in said:
            said.append(f"{rule}: {msg}")
    written = []
    names = quarantine_names([st.name for st in sources])
    for st in sources:
        lines = by_file.get(st.name)
        if not lines:
            continue
        out = folder / names[st.name]
        cols = [c for c in st.columns if c not in ADDED_COLUMNS]  # (a second round's)
        with _private_open(out, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow([neutralise(c) for c in cols] + list(ADDED_COLUMNS))
            for chunk in st.iter_chunks(chunk_rows):
                sel = chunk[chunk[LINE].isin(lines)]
                for row, line in zip(sel[cols].itertuples(index=False), sel[LINE]):
                    why = " | ".join(reasons.get((st.name, int(line)), []))
                    w.writerow([neutralise(v) for v in row] + [int(line), neutralise(why)])
        written.append(out)
    return written


# --- run report --------------------------------------------------------------------------
#: the JSON report's schema (docs/report-schema.md): raised when a field changes meaning;
#: fields are only ever added. 1 was the report before it carried a version.
REPORT_VERSION = 2


def _duration(started: str | None, finished: str | None) -> float | None:
    try:
        return (datetime.fromisoformat(finished) - datetime.fromisoformat(started)
                ).total_seconds()
    except (TypeError, ValueError):
        return None


def _source_files(sources) -> list[dict]:
    out = []
    for s in sources:
        try:
            size, sha = Path(s.path).stat().st_size, s.sha256()
        except OSError:
            size, sha = None, None
        out.append({"table": s.name, "file": str(s.path), "size": size, "sha256": sha})
    return out


def run_report(result, target, sources, dry_run: bool, schema_differences=(),
               corrections=(), person_decisions=(), profile=None) -> dict:
    """The report of an import, the same from the command line and the wizard
    (``schema_differences``: how the target differs from HMSync's schema, in words;
    ``profile``: the mapping used, for its hash and what it leaves behind)."""
    import platform
    v = result.validation
    tables = result.verification.tables
    cells = getattr(result.verification, "cells", None)
    rep = {
        "report_version": REPORT_VERSION,
        "tool": "hmsync-migrate", "tool_version": __version__,
        "generated": datetime.now().isoformat(timespec="seconds"),
        "status": result.status, "committed": result.committed, "dry_run": dry_run,
        "run_id": result.run_id, "operator": result.operator,
        "started": result.started, "finished": result.finished,
        "target": str(target),
        "backup_path": str(result.backup.path) if result.backup else None,
        "backup": result.backup.to_dict() if result.backup else None,
        "sources": [str(s.path) for s in sources],
        "tables": {t: {k: tables[t].get(k, 0) for k in (
            "source_rows", "imported", "duplicates", "rejected", "warnings", "deferred",
            "filtered") + tuple(k for k in ("inserted", "updated", "unchanged", "conflicts",
                                            "conflicts_kept") if k in tables[t])}
                   | {"where": tables[t].get("where") or {}}
                   for t in tables},
        "checks": [c.to_dict() for c in result.verification.checks],
        "passed": result.passed,
        "problems": {"errors": v.errors, "warnings": v.warnings,
                     "by_rule": v.summary().to_dict(orient="records")},
        "notes": v.notes, "unmapped_sources": v.unmapped_sources,
        "schema_differences": list(schema_differences),
        "timings_s": getattr(result, "timings", {}),
        # values the operator corrected by hand in the wizard: who, when, before, after
        "manual_corrections": [c.to_dict() for c in corrections],
        # same-person clusters the operator decided: keep both, merge, leave one out
        "person_decisions": [d.to_dict() for d in person_decisions],
        "machine": platform.node(),
        "duration_s": max(_duration(result.started, result.finished) or 0.0,
                          round(sum(getattr(result, "timings", {}).values()), 3)),
        "source_files": _source_files(sources),
        "backup_sha256": result.backup.sha256 if result.backup else None,
        "cells": cells.to_dict() if cells is not None else None,
        # a re-run: updates and conflicts (field names, masked values), records gone
        "delta": result.delta.to_dict() if getattr(result, "delta", None) else None,
    }
    if profile is not None:
        text = profile.to_text()
        rep["profile"] = {"name": profile.name, "source_system": profile.source_system,
                          "sha256": profile.sha256(text)}
        rep["left_behind"] = [{"table": tm.source, "columns": list(tm.leave_behind)}
                              for tm in profile.tables if tm.leave_behind]
        rep["kept"] = [{"table": tm.source, "columns": list(tm.keep)}
                       for tm in profile.tables if tm.keep]
    return rep


def write_json(data: dict, path: str | Path) -> Path:
    path = Path(path)
    with _private_open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False, default=str)
        f.write("\n")
    return path


_CSS = """body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:2em;color:#1d2733}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}table{border-collapse:collapse;
margin:.5em 0}td,th{border:1px solid #c9d2dc;padding:.3em .7em;text-align:left}
th{background:#eef2f6}td.num{text-align:right}.pass{color:#17702e;font-weight:600}
.fail{color:#b3261e;font-weight:600}.meta td:first-child{font-weight:600}"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


def report_html(rep: dict) -> str:
    ok = rep.get("passed")
    rows = []
    for t, s in rep.get("tables", {}).items():
        rows.append("<tr><td>" + _e(t) + "</td>" + "".join(
            f'<td class="num">{_e(s.get(k))}</td>' for k in ("source_rows", "imported",
                                                             "duplicates", "rejected",
                                                             "filtered", "warnings"))
            + "<td>" + _e("; ".join(f"{src}: where {w}" for src, w in
                                    (s.get("where") or {}).items())) + "</td></tr>")
    checks = "".join(
        f'<tr><td class="{"pass" if c["passed"] else "fail"}">{"PASS" if c["passed"] else "FAIL"}'
        f'</td><td>{_e(c["name"])}</td><td>{_e(c.get("detail"))}</td></tr>'
        for c in rep.get("checks", []))
    rules = "".join(f"<tr><td>{_e(r['table'])}</td><td>{_e(r['rule'])}</td><td>"
                    f"{_e(r['severity'])}</td><td class=num>{_e(r['count'])}</td></tr>"
                    for r in rep.get("problems", {}).get("by_rule", []))
    grouped = ""
    for c in rep.get("checks", []):  # totals per value (per doctor), a table each
        for key, per in c.items():
            if not key.startswith(GROUP_KEY_PREFIX) or not per or not isinstance(per, dict):
                continue
            title = c["name"].replace("totals: ", "", 1)
            what = key[len(GROUP_KEY_PREFIX):].replace("_", " ")
            grouped += (f"<h2>{_e(title[:1].upper() + title[1:])}</h2><table><tr><th>legacy "
                        f"{_e(what)}</th><th>source</th><th>HMSync</th></tr>" + "".join(
                            f"<tr><td>{_e(d)}</td><td class=num>{v['source']:,.2f}</td>"
                            f"<td class=num>{v['hmsync']:,.2f}</td></tr>"
                            for d, v in per.items()) + "</table>")
    notes = list(rep.get("notes") or []) + [
        f"{s} is not mapped by the profile and was left out"
        for s in rep.get("unmapped_sources") or []]
    fixes = rep.get("manual_corrections") or []
    fixes_html = ("<h2>Manual corrections</h2><table><tr><th>file</th><th>line</th><th>column"
                  "</th><th>before</th><th>after</th><th>who</th><th>when</th></tr>" + "".join(
                      "<tr>" + "".join(f"<td>{_e(c.get(k))}</td>" for k in (
                          "file", "line", "column", "before", "after", "who", "when"))
                      + "</tr>" for c in fixes) + "</table>") if fixes else ""
    notes_html = ("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes)
                  + "</ul>") if notes else ""
    meta = [("Status", rep.get("status")), ("Verification", "passed" if ok else "FAILED"),
            ("Target", rep.get("target")), ("Backup", rep.get("backup_path")),
            ("Run", rep.get("run_id")), ("Started", rep.get("started")),
            ("Finished", rep.get("finished")), ("Tool version", rep.get("tool_version"))]
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>HMSync migration report</title><style>{_CSS}</style></head><body>
<h1>HMSync migration report — <span class="{'pass' if ok else 'fail'}">{'PASSED' if ok else
                                                                       'FAILED'}</span></h1>
<table class="meta">{''.join(f'<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>' for k, v in meta)}
</table>
<h2>Reconciliation (source = imported + duplicates + rejected + filtered)</h2>
<table><tr><th>HMSync table</th><th>source rows</th><th>imported</th><th>duplicates</th>
<th>rejected</th><th>filtered</th><th>warnings</th><th>filter</th></tr>{''.join(rows)}</table>
<h2>Checks</h2><table><tr><th></th><th>check</th><th>detail</th></tr>{checks}</table>
{_delta_html(rep.get("delta"))}
{grouped}
<h2>Problems by rule</h2><table><tr><th>table</th><th>rule</th><th>severity</th><th>records</th>
</tr>{rules}</table>
{fixes_html}
{notes_html}
<p>Generated {_e(rep.get('generated'))} by hmsync-migrate {_e(rep.get('tool_version'))}.</p>
</body></html>"""


def _delta_html(delta: dict | None) -> str:
    """A re-run's updates, conflicts and records gone from the export (values masked)."""
    if not delta:
        return ""
    out = []
    for key, title in (("updates", "Records updated from the export"),
                       ("conflicts", "Conflicts: changed in the export and in HMSync")):
        items = delta.get(key) or []
        total = delta.get(f"{key}_total", len(items))
        if not total:
            continue
        more = f" (the first {len(items)} of {total})" if total > len(items) else ""
        out.append(f"<h2>{_e(title)}: {total}{_e(more)}</h2><table><tr><th>table</th>"
                   "<th>legacy id</th><th>fields (before → after, masked)</th>"
                   "<th>resolution</th></tr>" + "".join(
                       f"<tr><td>{_e(c['table'])}</td><td>{_e(c['legacy_id'])}</td><td>"
                       + _e("; ".join(f"{f}: {v['before']} → {v['after']}"
                                      for f, v in c["fields"].items()) or c.get("reason"))
                       + f"</td><td>{_e(c.get('resolution') or 'applied')}</td></tr>"
                       for c in items) + "</table>")
    gone = delta.get("gone") or {}
    if gone:
        out.append("<h2>Records gone from the export (kept in HMSync)</h2><table><tr>"
                   "<th>table</th><th>records</th><th>legacy ids</th></tr>" + "".join(
                       f"<tr><td>{_e(t)}</td><td class=num>{g['count']}</td><td>"
                       f"{_e(', '.join(g['legacy_ids']))}</td></tr>"
                       for t, g in gone.items()) + "</table>")
    return "\n".join(out)


def write_html(rep: dict, path: str | Path) -> Path:
    path = Path(path)
    with _private_open(path, "w", encoding="utf-8") as f:
        f.write(report_html(rep))
    return path


def mapping_document(profile, sources, targets=None) -> str:
    """The mapping a client approves, in plain words (wizard/core/mapdoc.py)."""
    from .mapdoc import mapping_document as document
    return document(profile, sources, targets, _CSS)
