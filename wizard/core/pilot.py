"""A pilot: import a subset first, with its relationships closed over, and the rest later.

In a profile::

    pilot:
      patients: ["101", "102"]                              # a list of legacy patient ids
      registered: {from: 2022-01-01, to: 2022-03-31}        # or patients registered then
      department: Cardiology                                # or patients seen in a department

The chosen patients come with every record that refers to them, and every record that
refers to one of those, and so on, as the schema's references say: for HMSync, their
visits, the bills of those visits (or patients), the payments of those bills and their
pathology tests. Tables no chain of references leads from the patients to (the doctors) are
reference data: all their records come along. Everything else is *deferred*: neither
imported nor rejected, left for the full run, which then recognises the pilot's records as
already imported.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from . import transforms as tf
from .errors import ProfileError
from .mapping import map_chunk
from .pilot_spec import pilot_spec
from .schema import DATA_TABLES, known_tables

#: the table the pilot's filters choose records of; the rest of the pilot follows from it
ROOT = "patients"
#: the table whose department (or specialty) a pilot by department asks about
STAFF = "doctors"


class Pilot:
    def __init__(self, spec: dict | None):
        self.spec = pilot_spec(spec) or {}
        self.active = bool(self.spec)
        #: table -> its references to tables of the pilot (field -> parent table)
        self.links: dict[str, dict[str, str]] = {}
        #: legacy ids of the pilot's records, of the tables a pilot's table refers to
        self.ids: dict[str, set[str]] = {}
        self._chain(known_tables())  # HMSync's, until prepare() has the run's targets

    def _chain(self, targets) -> None:
        """The pilot's tables, from the schema's references: the root, then (parents before
        children) every table with a reference to one of them."""
        links: dict[str, dict[str, str]] = {ROOT: {}}
        for t in DATA_TABLES:
            refs = targets[t].references if t in targets else {}
            mine = {f: p for f, p in refs.items() if p in links}
            if mine and t != ROOT:
                links[t] = mine
        self.links = links
        self.ids = {p: set() for refs in links.values() for p in refs.values()}

    def prepare(self, plan, targets, ctx) -> None:
        """Learn the pilot's tables from the targets; for a department pilot, find the
        patients seen by that department's doctors."""
        self._chain(targets)
        if "department" not in self.spec:
            return
        want = str(self.spec["department"]).strip().lower()
        doctors: set[str] = set()
        for st, tm in plan:
            if tm.target != STAFF:
                continue
            field = "department" if "department" in tm.fields else "specialty"
            if field not in tm.fields:
                raise ProfileError("pilot by department: the doctors' department (or "
                                   "specialty) is not mapped")
            for chunk in st.iter_chunks():
                mc = map_chunk(chunk, tm, targets[STAFF], ctx)
                dep = tf.as_text(mc.values[field].where(mc.values[field].notna(), ""))
                hit = (dep.str.strip().str.lower() == want).to_numpy()
                doctors.update(mc.legacy_id[hit].tolist())
        self._chosen: set[str] = set()
        for st, tm in plan:  # the records that refer to such a doctor and to a patient
            refs = targets[tm.target].references
            by = next((f for f, p in refs.items() if p == STAFF and f in tm.fields), None)
            to = [f for f, p in refs.items() if p == ROOT]
            if by is None or not to:
                continue
            for chunk in st.iter_chunks():
                mc = map_chunk(chunk, tm, targets[tm.target], ctx)
                hit = mc.values[by].isin(doctors).to_numpy()
                for f in to:
                    if f in mc.values:
                        self._chosen.update(x for x in mc.values[f][hit].tolist() if x)

    def mask(self, table: str, mc) -> np.ndarray:
        """Which records of a chunk belong to the pilot."""
        n = len(mc)
        if not self.active or table not in self.links:
            return np.ones(n, dtype=bool)
        v = mc.values

        def member(field, ids):
            if field not in v:
                return np.zeros(n, dtype=bool)
            return v[field].isin(ids).to_numpy() if ids else np.zeros(n, dtype=bool)

        if table == ROOT:
            ids = mc.legacy_id
            if "patients" in self.spec:
                m = ids.isin({str(x) for x in self.spec["patients"]}).to_numpy()
            elif "registered" in self.spec:
                r = self.spec["registered"] or {}
                d = v.get("registrationDate", pd.Series([None] * n))
                text = d.where(d.notna(), "").astype(str).str[:10]
                lo, hi = str(r.get("from", "0000")), str(r.get("to", "9999"))
                m = ((text >= lo) & (text <= hi) & (text != "")).to_numpy()
            else:
                m = ids.isin(self._chosen).to_numpy()
        else:  # a record of the pilot's tables belongs when a record it refers to does
            m = np.zeros(n, dtype=bool)
            for f, parent in self.links[table].items():
                m |= member(f, self.ids[parent])
        if table in self.ids:
            self.ids[table].update(mc.legacy_id[m].tolist())
        return m
