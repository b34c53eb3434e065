"""A pilot: import a subset first, with its relationships closed over, and the rest later.

In a profile::

    pilot:
      patients: ["101", "102"]                              # a list of legacy patient ids
      registered: {from: 2022-01-01, to: 2022-03-31}        # or patients registered then
      department: Cardiology                                # or patients seen in a department

The chosen patients come with their visits, the bills of those visits (or patients), the
payments of those bills and their pathology tests. Doctors are reference data: all of them
come along. Everything else is *deferred*: neither imported nor rejected, left for the full
run, which then recognises the pilot's records as already imported.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import transforms as tf
from .mapping import ProfileError, map_chunk


class Pilot:
    def __init__(self, spec: dict | None):
        self.spec = spec or {}
        unknown = set(self.spec) - {"patients", "registered", "department"}
        if unknown:
            raise ProfileError(f"pilot: unknown filter {sorted(unknown)} (use patients, "
                               "registered or department)")
        if len(self.spec) > 1:
            raise ProfileError("pilot: choose one filter (patients, registered or department)")
        self.active = bool(self.spec)
        self.ids: dict[str, set[str]] = {t: set() for t in ("patients", "visits", "bills")}

    def prepare(self, plan, targets, ctx) -> None:
        """For a department pilot: find the patients seen by that department's doctors."""
        if "department" not in self.spec:
            return
        want = str(self.spec["department"]).strip().lower()
        doctors: set[str] = set()
        for st, tm in plan:
            if tm.target != "doctors":
                continue
            field = "department" if "department" in tm.fields else "specialty"
            if field not in tm.fields:
                raise ProfileError("pilot by department: the doctors' department (or "
                                   "specialty) is not mapped")
            for chunk in st.iter_chunks():
                mc = map_chunk(chunk, tm, targets["doctors"], ctx)
                dep = tf.as_text(mc.values[field].where(mc.values[field].notna(), ""))
                hit = (dep.str.strip().str.lower() == want).to_numpy()
                doctors.update(mc.legacy_id[hit].tolist())
        self._chosen: set[str] = set()
        for st, tm in plan:
            if tm.target != "visits" or "doctorId" not in tm.fields:
                continue
            for chunk in st.iter_chunks():
                mc = map_chunk(chunk, tm, targets["visits"], ctx)
                d = mc.values["doctorId"]
                hit = d.isin(doctors).to_numpy()
                if "patientId" in mc.values:
                    self._chosen.update(x for x in mc.values["patientId"][hit].tolist() if x)

    def mask(self, table: str, mc) -> np.ndarray:
        """Which records of a chunk belong to the pilot."""
        n = len(mc)
        if not self.active or table == "doctors":
            return np.ones(n, dtype=bool)
        v = mc.values

        def member(field, ids):
            if field not in v:
                return np.zeros(n, dtype=bool)
            return v[field].isin(ids).to_numpy() if ids else np.zeros(n, dtype=bool)

        if table == "patients":
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
            self.ids["patients"].update(ids[m].tolist())
            return m
        if table == "visits":
            m = member("patientId", self.ids["patients"])
            self.ids["visits"].update(mc.legacy_id[m].tolist())
            return m
        if table == "bills":
            m = member("visitId", self.ids["visits"]) | member("patientId", self.ids["patients"])
            self.ids["bills"].update(mc.legacy_id[m].tolist())
            return m
        if table == "payments":
            return member("billId", self.ids["bills"])
        if table == "pathology_tests":
            return member("visitId", self.ids["visits"]) | member("patientId",
                                                                   self.ids["patients"])
        return np.ones(n, dtype=bool)
