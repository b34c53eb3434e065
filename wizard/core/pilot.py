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

from datetime import date

import numpy as np
import pandas as pd

from . import transforms as tf
from .mapping import ProfileError, map_chunk


FILTERS = ("patients", "registered", "department")


def _what(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a text", bool: "yes/no"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _id(value, where: str) -> str:
    """A legacy id as a profile may write it: a text, or a whole number (YAML reads an
    unquoted 101 as one)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProfileError(f"{where}: must be a legacy id (a text or a whole number), not "
                           f"{_what(value)}")
    return str(value)


def _day(value, where: str) -> str:
    if isinstance(value, (date, str)) or (isinstance(value, int) and
                                          not isinstance(value, bool)):
        return value.isoformat()[:10] if isinstance(value, date) else str(value)
    raise ProfileError(f"{where}: must be a date (2022-01-31), not {_what(value)}")


def pilot_spec(spec, where: str = "pilot") -> dict | None:
    """The pilot of a profile, its shape checked: a ProfileError naming the key for any
    other shape (a number where a list belongs was iterated or ended in "unexpected").
    ``patients`` takes a list of legacy ids, or one id (a one-element list: "101" is
    patient 101, where its characters "1", "0", "1" were piloted)."""
    if spec is None or spec == {}:
        return None
    if not isinstance(spec, dict):
        raise ProfileError(f"{where}: must be a mapping with one filter ({', '.join(FILTERS)})"
                           f", not {_what(spec)}")
    unknown = [str(k) for k in spec if k not in FILTERS]
    if unknown:
        raise ProfileError(f"{where}: unknown filter {sorted(unknown)} (use patients, "
                           "registered or department)")
    if len(spec) > 1:
        raise ProfileError(f"{where}: choose one filter (patients, registered or department)")
    (key, value), = spec.items()
    at = f"{where}: {key}"
    if key == "patients":
        ids = value if isinstance(value, list) else [value]
        return {"patients": [_id(x, at if x is value else f"{at}: item {i + 1}")
                             for i, x in enumerate(ids)]}
    if key == "registered":
        if not isinstance(value, dict):
            raise ProfileError(f"{at}: must be a mapping with from and/or to (e.g. "
                               f"{{from: 2022-01-01, to: 2022-03-31}}), not {_what(value)}")
        extra = [str(k) for k in value if k not in ("from", "to")]
        if extra:
            raise ProfileError(f"{at}: unknown key {sorted(extra)} (use from and to)")
        return {"registered": {k: _day(v, f"{at}: {k}") for k, v in value.items()
                               if v is not None}}
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ProfileError(f"{at}: must be a department's name (a text), not "
                           f"{_what(value)}")
    return {"department": str(value)}


class Pilot:
    def __init__(self, spec: dict | None):
        self.spec = pilot_spec(spec) or {}
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
