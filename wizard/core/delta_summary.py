"""A re-run's delta in the rows the wizard's pages show: per HMSync table, what became of
its records (inserted, updated, unchanged, conflicts, gone from the export), and the
conflicts one by one. Read from the report's plain form (``tables`` and ``delta``) so a
validation's preview and a finished run are shown alike. Values arrive masked. No Qt here.
"""
from __future__ import annotations

from dataclasses import dataclass

#: a conflict's resolution, in the words the pages use
RESOLUTIONS = {
    "listed": "listed: HMSync's values kept, decide later",
    "legacy-wins": "the export's values written",
    "hmsync-wins": "HMSync's values kept (not asked again)",
    "skip": "skipped: HMSync's values kept, listed again next time",
}


@dataclass(frozen=True)
class DeltaRow:
    table: str
    inserted: int      # new records
    updated: int       # changed in the export, written
    unchanged: int     # as last synced
    conflicts: int     # changed in the export and in HMSync since
    kept: int          # of the conflicts: HMSync's values kept
    gone: int          # imported earlier, no longer in the export (kept in HMSync)


@dataclass(frozen=True)
class ConflictRow:
    table: str
    legacy_id: str
    fields: str        # "field: before → after; …", masked
    resolution: str    # in words (RESOLUTIONS)
    reason: str


def delta_rows(tables: dict[str, dict], delta: dict | None) -> list[DeltaRow]:
    """One row per HMSync table, and a total when there are several; [] on a first run
    (``delta`` None)."""
    if delta is None:
        return []
    gone = delta.get("gone") or {}
    rows = [DeltaRow(t, int(s.get("inserted", s.get("imported", 0))), int(s.get("updated", 0)),
                     int(s.get("unchanged", 0)), int(s.get("conflicts", 0)),
                     int(s.get("conflicts_kept", 0)), int((gone.get(t) or {}).get("count", 0)))
            for t, s in tables.items()]
    rows += [DeltaRow(t, 0, 0, 0, 0, 0, int(g.get("count", 0)))
             for t, g in gone.items() if t not in tables]
    if len(rows) > 1:
        rows.append(DeltaRow("Total", *(sum(getattr(r, k) for r in rows) for k in (
            "inserted", "updated", "unchanged", "conflicts", "kept", "gone"))))
    return rows


def conflict_rows(delta: dict | None) -> list[ConflictRow]:
    """The conflicts the report lists (the first of them when there are many: see
    :func:`conflicts_total`)."""
    out = []
    for c in (delta or {}).get("conflicts") or []:
        fields = "; ".join(f"{f}: {v.get('before')} → {v.get('after')}"
                           for f, v in (c.get("fields") or {}).items())
        res = c.get("resolution") or "listed"
        out.append(ConflictRow(c.get("table", ""), str(c.get("legacy_id", "")), fields,
                               RESOLUTIONS.get(res, res), c.get("reason") or ""))
    return out


def conflicts_total(delta: dict | None) -> int:
    d = delta or {}
    return int(d.get("conflicts_total", len(d.get("conflicts") or [])))
