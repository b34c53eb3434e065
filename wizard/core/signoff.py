"""The sign-off report: one document the consultant and the clinic sign, made from the run
report (JSON) alone, so that it can be made again later from the file kept.

Plain HTML that a browser shows and Qt's text engine prints to PDF (the front ends do
that; the core imports no Qt). It holds no patient value: the run report holds counts,
file names, lines and field names only.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from .nested_cells import left_inside
from .verify import CheckKind
from .words import counted, plural

#: the fields of a table's reconciliation shown, in order, with their heading; those
#: another part of a run adds (a delta sync's, a filter's) appear when the report has them
RECORD_COLUMNS = [("source_rows", "source"), ("imported", "imported"),
                  ("updated", "updated"), ("unchanged", "unchanged"),
                  ("duplicates", "duplicates"), ("rejected", "rejected"),
                  ("filtered", "filtered"), ("deferred", "outside the pilot"),
                  ("conflicts", "conflicts"), ("warnings", "with warnings")]
#: shown even when every table's is 0
ALWAYS = {"source_rows", "imported", "duplicates", "rejected", "warnings", "non_empty",
          "left_behind", "not_accounted"}
CELL_COLUMNS = [("non_empty", "non-empty"), ("imported", "imported"),
                ("updated", "of them updated"),
                ("rejected", "rejected"), ("duplicates", "duplicates"),
                ("left_behind", "left behind"), ("filtered", "filtered"),
                ("deferred", "outside the pilot"), ("blanked", "blanked"),
                ("not_accounted", "NOT accounted for")]

_CSS = """body{font-family:Arial,Helvetica,sans-serif;font-size:10pt;color:#1d2733}
h1{font-size:16pt;margin-bottom:2pt}h3{font-size:10pt;margin:8pt 0 2pt 0}h2{font-size:12pt;margin-top:14pt;margin-bottom:4pt;
border-bottom:1px solid #c9d2dc}table{border-collapse:collapse;margin:2pt 0}
td,th{border:1px solid #c9d2dc;padding:2pt 5pt;text-align:left;vertical-align:top}
th{background:#eef2f6}td.num{text-align:right}.pass{color:#17702e;font-weight:bold}
.fail{color:#b3261e;font-weight:bold}.meta td:first-child{font-weight:bold;width:30%}
.hash{font-family:monospace;font-size:8pt}.sig td{height:34pt;width:50%}
.small{font-size:8pt;color:#556}table.cells td,table.cells th{font-size:8pt}
table.cells td,table.cells th{padding:1pt 2pt}table.cells th{font-size:7pt}"""


def _e(x) -> str:
    return html.escape("" if x is None else str(x))


#: a name this long is given places to wrap (shorter ones are left whole, as typed)
WRAP_FROM = 20
_BREAK_AFTER = re.compile(r"([/\\_\-])(?=.)")
_BREAK_AFTER_DOTS = re.compile(r"([/\\_\-.])(?=.)")
_UNBROKEN = re.compile(r"[^\u200b\s]{%d,}" % (2 * WRAP_FROM))


def _name(x, dots: bool = False) -> str:
    """A file name, path or column name, escaped, that wraps at its separators (/, \\, _,
    -; and . with ``dots``: a JSON path, a table's field) rather than overflowing its
    column: the PDF breaks words at spaces only (pdf.py), so each separator of a long name
    is followed by a zero-width space, a place to break that prints nothing. A short name
    is left as it is."""
    text = "" if x is None else str(x)
    if len(text) < WRAP_FROM:
        return _e(text)
    text = (_BREAK_AFTER_DOTS if dots else _BREAK_AFTER).sub("\\1\u200b", text)
    # a part still too long for a narrow column gets a place to break every WRAP_FROM
    return _e(_UNBROKEN.sub(lambda m: "\u200b".join(
        m.group()[i:i + WRAP_FROM] for i in range(0, len(m.group()), WRAP_FROM)), text))


def _n(x) -> str:
    if x is None:
        return ""
    if isinstance(x, float):
        return f"{x:,.2f}"
    if isinstance(x, int):
        return f"{x:,}"
    return _e(x)


def _size(n) -> str:
    if n is None:
        return "unreadable"
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


def _duration(s) -> str:
    if s is None:
        return ""
    s = int(round(s))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return (f"{h} h " if h else "") + (f"{m} min " if h or m else "") + f"{sec} s"


def _table(head: list[str], rows: list[list[str]], num_from: int = 1, kind: str = "") -> str:
    if not rows:
        return "<p>None.</p>"
    out = [f'<table width="100%" class="{kind}"><tr>' +
           "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(
            f'<td class="num">{c}</td>' if i >= num_from else f"<td>{c}</td>"
            for i, c in enumerate(r)) + "</tr>")
    return "".join(out) + "</table>"


def signoff_html(rep: dict) -> str:
    """The sign-off document of the run report ``rep``."""
    ok = bool(rep.get("passed"))
    verdict = (f'<span class="{"pass" if ok else "fail"}">'
               f'{"PASSED" if ok else "FAILED"}</span>')
    backup = rep.get("backup") or {}
    profile = rep.get("profile") or {}
    meta = [("Status", _e(rep.get("status")) + " — verification " + verdict),
            ("Operator", _e(rep.get("operator"))), ("Machine", _e(rep.get("machine"))),
            ("Tool", f"hmsync-migrate {_e(rep.get('tool_version'))}"),
            ("Started", _e(rep.get("started"))), ("Finished", _e(rep.get("finished"))),
            ("Duration", _e(_duration(rep.get("duration_s")))),
            ("Target database", _name(rep.get("target"))),
            ("Run in the audit trail", _e(rep.get("run_id") or "none (nothing committed)")),
            ("Mapping profile", _e(profile.get("name")) + (
                f' <span class="hash">SHA-256 {_e(profile.get("sha256"))}</span>'
                if profile.get("sha256") else "")),
            ("Backup before the import", (_name(rep.get("backup_path")) or "none") + (
                f' <span class="hash">SHA-256 {_e(rep.get("backup_sha256") or backup.get("sha256"))}</span>'
                if rep.get("backup_sha256") or backup.get("sha256") else ""))]
    # records left out by validation are no failure of the verification, but the first
    # thing a signatory must see beside it
    rejected = sum(int((t or {}).get("rejected") or 0)
                   for t in (rep.get("tables") or {}).values())
    left_out = (f' — <span class="fail">{_e(counted(rejected, "record"))} rejected, not '
                "imported (listed below)</span>") if rejected else ""
    parts = [f"<h1>HMSync migration sign-off — {verdict}{left_out}</h1>",
             '<table class="meta">' + "".join(f"<tr><td>{_e(k)}</td><td>{v}</td></tr>"
                                                for k, v in meta) + "</table>"]
    # source files
    files = rep.get("source_files") or [{"file": s} for s in rep.get("sources", [])]
    folders = sorted({str(Path(f["file"]).parent) for f in files if f.get("file")})
    # each file's SHA-256 whole on a row of its own: a hash broken over lines cannot be
    # compared by eye or copied, and beside the names it left them too little room
    rows = "".join(
        f"<tr><td>{_name(f.get('table', ''))}</td><td>"
        f"{_name(Path(f['file']).name if f.get('file') else '')}</td>"
        f"<td>{_e(_size(f.get('size')))}</td></tr>"
        f'<tr><td colspan="3"><span class="hash">SHA-256 {_e(f.get("sha256"))}</span>'
        "</td></tr>" for f in files)
    parts.append("<h2>Legacy files read</h2>" + (
        f"<p>From {', '.join(_name(f) for f in folders)}</p>" if folders else "") + (
        '<table width="100%"><tr><th>legacy table</th><th>file</th><th>size</th></tr>'
        f"{rows}</table>" if files else "<p>None.</p>"))
    # records
    tables = rep.get("tables") or {}
    shown = [(k, h) for k, h in RECORD_COLUMNS if k in ALWAYS or
             any(t.get(k) for t in tables.values())]
    recon = {c.get("table"): c for c in rep.get("checks", [])
             if c.get("kind") == CheckKind.RECONCILIATION.value}
    parts.append("<h2>Reconciliation: records</h2>" + _table(
        ["HMSync table"] + [h for _, h in shown] + ["result"],
        [[_e(t)] + [_n(s.get(k)) for k, _ in shown] + [
            '<span class="pass">balances</span>' if recon.get(t, {}).get("passed")
            else '<span class="fail">does not balance</span>']
         for t, s in tables.items()], kind="cells"))
    # cells
    cells = rep.get("cells") or {}
    if cells:
        every = [c for tc in cells.get("tables", []) for c in tc.get("columns", [])]
        kinds = [(k, h) for k, h in CELL_COLUMNS if k in ALWAYS or
                 any(c.get(k) for c in every)]
        per_table = []
        for tc in cells.get("tables", []):
            rows = [[_name(c["column"], dots=True), _e(_role(c))] + [_n(c.get(k, 0)) for k, _ in kinds] +
                    ['<span class="pass">yes</span>' if c.get("balances") else
                     '<span class="fail">NO</span>'] for c in tc.get("columns", [])]
            per_table.append(f"<h3>{_name(tc['source'])} → {_e(tc['target'])}</h3>" + _table(
                ["column", "goes to"] + [h for _, h in kinds] + ["balances"], rows,
                num_from=2, kind="cells"))
        lost = cells.get("not_accounted", 0)
        parts.append("<h2>Reconciliation: cells</h2><p>Every non-empty cell of every column "
                     "of a mapped legacy table: imported into a field (or kept beside the "
                     "record), in a rejected record, in a duplicate, in a column left "
                     "behind on purpose, filtered out, outside the pilot, or blanked by a "
                     "warning. " + (f'<span class="fail">{counted(lost, "cell")} '
                                    f'{plural(lost, "is", "are")} not accounted '
                                    "for.</span>" if lost else
                                    '<span class="pass">Every cell is accounted for.</span>')
                     + "</p>" + "".join(per_table))
        blanked = [(tc["source"], b) for tc in cells.get("tables", [])
                   for b in tc.get("blanked", [])]
        if blanked:
            parts.append("<h2>Values blanked by a warning</h2>" + _table(
                ["legacy table", "line", "HMSync field"],
                [[_name(s), _n(b["line"]), _e(b["field"])] for s, b in blanked], num_from=1))
    # totals
    trows = []
    every = [(c, c["all_rows"]) for c in rep.get("checks", []) if c.get("all_rows")]
    # the parts a run has: the records a filter or a pilot left out shown apart
    extra = [(k, h) for k, h in (("filtered", "filtered out"),
                                 ("deferred", "outside the pilot"))
             if any(float(a.get(k) or 0) for _, a in every)]
    for c, a in every:
        trows.append([_name(f"{a['table']}.{a['field']}", dots=True), _n(float(a["source"])),
                      _n(float(a["imported"])), _n(float(a["rejected"])),
                      _n(float(a["duplicates"]))] +
                     [_n(float(a.get(k) or 0)) for k, _ in extra] +
                     [_n(float(a["hmsync"])) if a.get("hmsync") is not None else "",
                      '<span class="pass">agrees</span>' if c["passed"] else
                      '<span class="fail">differs</span>'])
    parts.append("<h2>Totals over every row of the legacy files</h2>" + _table(
        ["total of", "legacy files", "imported", "rejected", "duplicates"] +
        [h for _, h in extra] + ["HMSync", "result"], trows, kind="cells"))
    # updates and conflicts (a delta sync's)
    updated = sum(int(t.get("updated", 0) or 0) for t in tables.values())
    conflicts = rep.get("conflicts") or []
    n_conf = len(conflicts) if isinstance(conflicts, list) else int(conflicts or 0)
    n_conf = n_conf or sum(int(t.get("conflicts", 0) or 0) for t in tables.values())
    delta = rep.get("delta")
    gone = sum(int(g.get("count", 0)) for g in ((delta or {}).get("gone") or {}).values())
    parts.append("<h2>Updates and conflicts</h2><p>" + (
        f"{counted(updated, 'record')} updated; {counted(n_conf, 'conflict')} (changed in "
        "HMSync since "
        "the last migration too), listed in the run report." if (updated or n_conf) else
        "No record already in HMSync was updated by this run, and no conflict was "
        "found.") + (f" {counted(gone, 'record')} an earlier run imported "
                     f"{plural(gone, 'is', 'are')} no longer in the "
                     "export: they stay in HMSync, never deleted." if gone else "")
        + "</p>" + _delta_tables(tables, delta))
    # left behind
    left = []
    for item in rep.get("left_behind") or []:
        left.append([_name(item["table"]), _e(", ".join(item["columns"])),
                     "left behind on purpose (the profile's leave_behind)"])
    for item in rep.get("kept") or []:
        left.append([_name(item["table"]), _e(", ".join(item["columns"])),
                     "kept beside the records in migration_extras (HMSync has no field "
                     "for them): counted as imported"])
    for tc in cells.get("tables", []):
        undecided = [c["column"] for c in tc.get("columns", []) if c.get("role") == "unmapped"]
        if undecided:
            left.append([_name(tc["source"]), _e(", ".join(undecided)),
                         '<span class="fail">no field reads them and nobody left them '
                         "behind: their values are not in HMSync</span>"])
        inside = left_inside(tc.get("columns", []))
        if inside:
            left.append([_name(tc["source"]), _e(", ".join(inside)),
                         "keys inside JSON objects that no field reads: their values are "
                         "not in HMSync"])
    for s in rep.get("unmapped_sources") or []:
        left.append([_name(s), "the whole file", "not mapped by the profile"])
    parts.append("<h2>Columns and files left behind</h2>" + _table(
        ["legacy table", "columns", "why"], left, num_from=9))
    # checks
    parts.append("<h2>Checks</h2>" + _table(
        ["result", "check", "detail"],
        [['<span class="pass">PASS</span>' if c["passed"] else
          '<span class="fail">FAIL</span>', _e(c["name"]), _e(c.get("detail"))]
         for c in rep.get("checks", [])], num_from=9))
    # signatures
    parts.append(
        "<h2>Sign-off</h2><p>We have reviewed this report and accept the migration as "
        "described.</p><table class=\"sig\" width=\"100%\"><tr><th>Migration consultant"
        "</th><th>For the clinic</th></tr>"
        + "".join(f"<tr><td>{w}:<br><br></td><td>{w}:<br><br></td></tr>"
                  for w in ("Name", "Role", "Signature", "Date")) + "</table>")
    parts.append(f'<p class="small">Made from run report version '
                 f'{_e(rep.get("report_version", 1))}, generated {_e(rep.get("generated"))}. '
                 "It holds no patient values: counts, files, lines and field names only.</p>")
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>HMSync '
            f"migration sign-off</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>")


def _delta_tables(tables: dict, delta: dict | None) -> str:
    """A re-run's records per table by what became of them, and its conflicts (masked)."""
    from .delta_summary import conflict_rows, conflicts_total, delta_rows
    rows = delta_rows(tables, delta)
    if not rows:
        return ""
    out = _table(["HMSync table", "inserted (new)", "updated", "unchanged", "conflicts",
                  "of those, HMSync's kept", "gone from the export"],
                 [[_e(r.table), _n(r.inserted), _n(r.updated), _n(r.unchanged),
                   _n(r.conflicts), _n(r.kept), _n(r.gone)] for r in rows], kind="cells")
    listed, total = conflict_rows(delta), conflicts_total(delta)
    if total:
        more = f" (the first {len(listed):,} of {total:,})" if total > len(listed) else ""
        out += (f"<h3>Conflicts{_e(more)}: values masked</h3>" + _table(
            ["HMSync table", "legacy id", "fields: HMSync's → the export's", "resolution"],
            [[_e(c.table), _e(c.legacy_id), _e(c.fields or c.reason), _e(c.resolution)]
             for c in listed], num_from=9, kind="cells"))
    return out


def _role(c: dict) -> str:
    role = c.get("role")
    if role == "field":
        return ", ".join(c.get("fields") or [])
    return {"legacy_id": "legacy id", "kept": "kept beside the record",
            "left_behind": "left behind", "unmapped": "nothing"}.get(role, role or "")
