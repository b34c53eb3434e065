"""Same-person clusters looked for in an export, over its records as mapped (names joined,
phones normalised): reads the export's person tables once more (see persons.py)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .mapping import map_chunk
from .persons import PersonCluster, clusters


@dataclass(frozen=True)
class PersonFields:
    """Which HMSync fields of a table say who a person is."""
    name: str = "fullName"
    phone: str = "phone"
    age: str = "age"
    address: str = "address"


def find_clusters(migration, cancel=None) -> list[PersonCluster]:
    """Candidate clusters in every table with a person key (patients), over the records
    as mapped (names joined, phones normalised). Reads the export once more."""
    pf = PersonFields()
    out: list[PersonCluster] = []
    by_table: dict[str, list[pd.DataFrame]] = {}
    for st, tm in migration.plan:
        target = migration.targets[tm.target]
        if not target.person_key or pf.name not in tm.fields:
            continue
        for chunk in st.iter_chunks(migration.chunk_rows):
            if cancel is not None:
                cancel.check()
            mc = map_chunk(chunk, tm, target, migration.profile.ctx)

            def col(f):
                v = mc.values.get(f)
                if v is None:
                    return [""] * len(mc)
                return v.astype(object).where(v.notna(), "").astype(str).tolist()
            by_table.setdefault(tm.target, []).append(pd.DataFrame({
                "file": st.name, "line": mc.lines, "legacy_id": mc.legacy_id.astype(str)
                .to_numpy(), "name": col(pf.name), "phone": col(pf.phone),
                "age": col(pf.age), "address": col(pf.address)}))
    for table, frames in by_table.items():
        out.extend(clusters(table, pd.concat(frames, ignore_index=True)))
    return out
