"""A run's cell accounting kept in the audit trail (``migration_cells``, one row per legacy
table), and read back by ``verify TARGET``: it is given no legacy export to count cells
from, so it shows what each committed run counted from the files when it imported. No Qt.
"""
from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field

#: a column's cells by where they went, as cells.ColumnCells names them
KINDS = ("non_empty", "imported", "rejected", "duplicates", "left_behind", "filtered",
         "deferred", "blanked", "not_accounted")

#: a money total's parts, as cells.MoneyTotal names them: source = the others
MONEY_PARTS = ("source", "imported", "rejected", "duplicates", "deferred", "filtered")

#: what verify says of the cells, whatever it finds
FROM_THE_RUNS = ("cells: counted by each run from its legacy files when it imported (kept in "
                 "migration_cells); verify reads no legacy file, so it shows those counts")
NONE_KEPT = ("cells: not accounted here: verify reads no legacy file, and no run in this "
             "database kept its cell accounting (made by an earlier version of the wizard); "
             "the run's JSON report holds it (cells)")


@dataclass
class RunCells:
    """One committed run's cells, per legacy table (cells.TableCells as a dict)."""
    run_id: int
    source_system: str | None
    finished: str | None
    tables: list[dict] = field(default_factory=list)

    def total(self, kind: str) -> int:
        return sum(int(c.get(kind, 0)) for t in self.tables for c in t.get("columns", []))

    @property
    def balances(self) -> bool:
        return all(c.get("balances") for t in self.tables for c in t.get("columns", []))

    def unbalanced(self) -> list[str]:
        """"table.column" of the columns whose cells do not balance."""
        return [f"{t.get('source')}.{c.get('column')}" for t in self.tables
                for c in t.get("columns", []) if not c.get("balances")]

    def words(self) -> str:
        n = self.total("non_empty")
        parts = [f"{self.total(k):,} {k.replace('_', ' ')}" for k in KINDS[1:]
                 if self.total(k) or k in ("imported", "not_accounted")]
        if self.total("updated"):  # (a part of the imported: a re-run's updated records)
            parts[0] += f" ({self.total('updated'):,} of them updated)"
        return (f"{n:,} non-empty cells in {len(self.tables)} legacy table(s) = "
                + " + ".join(parts))

    def totals(self) -> list[dict]:
        """Each money total over every row, as the run counted it: its files' parts summed
        per HMSync table and field ([]: none, or a run of a version that kept none)."""
        out: dict[tuple, dict] = {}
        for t in self.tables:
            for m in t.get("totals") or []:
                key = (m.get("table"), m.get("field"))
                got = out.setdefault(key, {"table": key[0], "field": key[1],
                                           **{k: 0.0 for k in MONEY_PARTS}})
                for k in MONEY_PARTS:
                    got[k] += float(m.get(k) or 0)
                got["misread"] = got.get("misread", 0) + int(m.get("misread") or 0)
        for m in out.values():
            m["balances"] = math.isclose(m["source"], sum(m[k] for k in MONEY_PARTS[1:]),
                                         abs_tol=0.005) and not m["misread"]
        return list(out.values())

    def totals_words(self, m: dict) -> str:
        """A total over every row as the run's check says it, the parts it has."""
        parts = [f"imported {m['imported']:,.2f}", f"rejected {m['rejected']:,.2f}",
                 f"duplicates {m['duplicates']:,.2f}"]
        parts += [f"{words} {m[k]:,.2f}" for k, words in
                  (("deferred", "outside the pilot"), ("filtered", "filtered out")) if m[k]]
        misread = m.get("misread") or 0
        return f"legacy files {m['source']:,.2f} = " + " + ".join(parts) + (
            f"; {misread:,} value(s) read at 10, 100, ... times (or a tenth, ...) what the "
            "cell shows" if misread else "")

    def to_dict(self) -> dict:
        return {"run_id": self.run_id, "source_system": self.source_system,
                "finished": self.finished, "balances": self.balances,
                "totals": {k: self.total(k) for k in KINDS}, "tables": self.tables,
                "money": self.totals()}


def record(con: sqlite3.Connection, run_id: int, cells) -> None:
    """Keep a run's cell accounting (``cells.CellAccounting``), inside its transaction."""
    if cells is None:
        return
    con.executemany(
        'INSERT INTO migration_cells ("runId", "sourceTable", "tableName", cells) '
        'VALUES (?, ?, ?, ?)',
        ((run_id, t.source, t.target, json.dumps(t.to_dict(), ensure_ascii=False))
         for t in cells.tables))


def read(con: sqlite3.Connection) -> list[RunCells]:
    """The cell accounting of every committed run that kept one, oldest first."""
    if not con.execute("SELECT 1 FROM sqlite_master WHERE name='migration_cells'").fetchone():
        return []
    runs: dict[int, RunCells] = {}
    for run_id, system, finished, cells in con.execute(
            'SELECT r.id, r."sourceSystem", r."finishedAt", c.cells FROM migration_cells c '
            'JOIN migration_runs r ON r.id = c."runId" WHERE r.status = \'committed\' '
            'ORDER BY r.id, c.id'):
        rc = runs.setdefault(run_id, RunCells(run_id, system, finished))
        try:
            rc.tables.append(json.loads(cells))
        except ValueError:  # (written by us; a hand-edited row is shown as not balancing)
            rc.tables.append({"source": "?", "columns": [{"column": "?", "balances": False}]})
    return list(runs.values())
