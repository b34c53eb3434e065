"""Suggest a mapping profile from legacy tables: names, synonyms, fuzzy match and content.

Every suggestion carries a confidence (0..1) and a reason an operator can read.
"""
from __future__ import annotations

import re

import pandas as pd
from rapidfuzz import fuzz

from . import transforms as tf
from .mapping import FieldMap, NoteKind, Profile, ProfileNote, TableMap
from .readers import SourceTable
from .schema import TargetTable


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


TABLE_SYNONYMS = {
    "patients": ["patient", "patients", "pat", "pts", "persons", "patientmaster", "registrations",
                 "patmaster", "clients"],
    "doctors": ["doctor", "doctors", "physicians", "physician", "consultants", "staff",
                "doctormaster", "providers", "dr"],
    "visits": ["visit", "visits", "encounters", "encounter", "appointments", "consultations",
               "opd", "opvisits"],
    "bills": ["bill", "bills", "invoices", "invoice", "billing"],
    "payments": ["payment", "payments", "receipts", "receipt", "transactions", "collections"],
    "pathology_tests": ["pathologytests", "pathology", "labtests", "lab", "tests", "test",
                        "investigations", "labresults", "labs"],
}

LEGACY_ID = {
    "patients": ["patientid", "patid", "patientno", "mrn", "uhid", "patientcode", "pid"],
    "doctors": ["doctorid", "docid", "drid", "doctorcode", "doctorno", "consultantid"],
    "visits": ["visitid", "encounterid", "visitno", "appointmentid", "opdno", "vid"],
    "bills": ["billid", "invoiceid", "billno", "invoiceno"],
    "payments": ["paymentid", "receiptid", "receiptno", "paymentno", "transactionid"],
    "pathology_tests": ["testid", "labid", "orderid", "labtestid", "investigationid"],
}

_PATIENT_REF = LEGACY_ID["patients"]
_DOCTOR_REF = LEGACY_ID["doctors"] + ["doctor", "consultant"]
_VISIT_REF = LEGACY_ID["visits"]
_BILL_REF = LEGACY_ID["bills"]
_PHONE = ["phone", "phonenumber", "phoneno", "mobile", "mobileno", "mobilenumber", "contact",
          "contactno", "contactnumber", "tel", "telephone", "cell", "cellphone"]
_NAME = ["fullname", "name", "patientname", "patname", "doctorname", "drname", "pname",
         "docname", "doctorfullname", "patfullname"]

FIELD_SYNONYMS = {
    ("patients", "firstName"): ["firstname", "fname", "first", "givenname", "forename"],
    ("patients", "lastName"): ["lastname", "lname", "last", "surname", "familyname"],
    ("patients", "fullName"): _NAME,
    ("patients", "phone"): _PHONE,
    ("patients", "age"): ["age", "ageyears", "ageinyears", "patage"],
    ("patients", "gender"): ["gender", "sex", "gen"],
    ("patients", "address"): ["address", "addr", "address1", "residence", "homeaddress"],
    ("patients", "registrationDate"): ["registrationdate", "regdate", "registeredon",
                                       "dateofregistration", "createdon", "createdat",
                                       "regdt", "registrationdt"],
    ("doctors", "fullName"): _NAME,
    ("doctors", "specialty"): ["specialty", "speciality", "specialization", "specialisation"],
    ("doctors", "licenseNumber"): ["licensenumber", "licenseno", "license", "licence",
                                   "licencenumber", "licenceno", "registrationnumber", "mcino",
                                   "regno"],
    ("doctors", "phone"): _PHONE,
    ("doctors", "joinDate"): ["joindate", "joiningdate", "dateofjoining", "doj", "startdate",
                              "joinedon"],
    ("doctors", "department"): ["department", "dept", "unit", "ward"],
    ("visits", "patientId"): _PATIENT_REF,
    ("visits", "doctorId"): _DOCTOR_REF,
    ("visits", "visitDate"): ["visitdate", "date", "visitedon", "consultationdate",
                              "encounterdate", "visitdt", "appointmentdate"],
    ("visits", "consultationFee"): ["consultationfee", "fee", "fees", "consultfee", "charges",
                                    "consultationcharges", "opdfee"],
    ("visits", "diagnosis"): ["diagnosis", "dx", "complaint", "diag"],
    ("visits", "notes"): ["notes", "remarks", "comments", "note", "remark"],
    ("bills", "visitId"): _VISIT_REF,
    ("bills", "patientId"): _PATIENT_REF,
    ("bills", "billDate"): ["billdate", "invoicedate", "date", "billdt", "billedon"],
    ("bills", "amount"): ["amount", "total", "billamount", "netamount", "totalamount"],
    ("bills", "status"): ["status", "billstatus", "paymentstatus"],
    ("payments", "billId"): _BILL_REF,
    ("payments", "paidOn"): ["paidon", "paymentdate", "paiddate", "date", "receiptdate"],
    ("payments", "amount"): ["amount", "paidamount", "amountpaid", "paymentamount"],
    ("payments", "mode"): ["mode", "paymentmode", "method", "paymentmethod", "paymenttype"],
    ("pathology_tests", "visitId"): _VISIT_REF,
    ("pathology_tests", "patientId"): _PATIENT_REF,
    ("pathology_tests", "testCode"): ["testcode", "code", "investigationcode"],
    ("pathology_tests", "testName"): ["testname", "test", "description", "investigation"],
    ("pathology_tests", "orderedOn"): ["orderedon", "orderdate", "testdate", "date",
                                       "ordereddate"],
    ("pathology_tests", "resultValue"): ["resultvalue", "result", "value", "reading"],
    ("pathology_tests", "resultUnit"): ["resultunit", "unit", "units", "uom"],
    ("pathology_tests", "price"): ["price", "cost", "charge", "amount", "testprice", "fee"],
}
BIRTH_DATE = ["dob", "dateofbirth", "birthdate", "birthdt", "bdate"]


def suggest_table(st: SourceTable, targets: dict[str, TargetTable]) -> tuple[str | None, float,
                                                                             str]:
    """The HMSync table a legacy table most likely feeds: (table, confidence, reason)."""
    stem = norm(st.stem)
    cols = {norm(c) for c in st.columns}
    best, score, why = None, 0.0, ""
    for t in targets:
        names = TABLE_SYNONYMS.get(t, [norm(t)])
        s = max(fuzz.ratio(stem, n) / 100 for n in names)
        reason = f"file name resembles '{t}'"
        if any(len(n) >= 4 and n in stem for n in names) and s < 0.9:
            s, reason = 0.9, f"file name contains '{t}'"
        if stem in names or stem.rstrip("s") in names:
            s, reason = 1.0, f"file name is '{t}'"
        # content: the table's own id column, and how many of its fields match by name
        if cols & set(LEGACY_ID.get(t, [])) and s < 0.9:
            own = [c for c in cols if c in LEGACY_ID.get(t, [])]
            children = {"patients": ("doctorid", "visitid"), "doctors": ("patientid",),
                        "visits": ("billid",), "bills": ("paymentid",)}
            if not any(c in cols for c in children.get(t, ())):
                s, reason = max(s, 0.8), f"has the id column '{own[0]}'"
        if s > score:
            best, score, why = t, s, reason
    if score < 0.75:
        return None, score, "no HMSync table resembles this file"
    return best, round(score, 2), why


#: non-empty values a column's content is judged on: the share that fits is known to a
#: point or two from a thousand, and a sample of 5,000 cost a tenth of a second per export
CONTENT_VALUES = 1_000


def _content_ok(kind: str, sample: pd.Series) -> float:
    """How well a column's sample fits a field kind (share of non-empty values, among the
    first CONTENT_VALUES of them)."""
    if kind not in _CHECKED_KINDS:  # any content fits: only an empty sample is unsure
        return 1.0 if any(v.strip() for v in tf.as_text(sample).tolist()) else 0.5
    first = []
    for v in tf.as_text(sample).tolist():
        v = v.strip()
        if v:
            first.append(v)
            if len(first) == CONTENT_VALUES:
                break
    s = pd.Series(first, dtype=object)
    if s.empty:
        return 0.5
    if kind == "date":
        r = tf.parse_dates(s)
        fit = 1 - float(r.bad.mean())
        if fit < SERIAL_SHARE and tf.excel_serial_share(first) >= SERIAL_SHARE:
            fit = 1 - float(tf.parse_dates(s, excel_serial=True).bad.mean())
        return fit
    if kind in ("int", "float"):
        r = tf.number(s)
        return 1 - float(r.bad.mean())
    if kind == "phone":
        return float(s.map(tf._ascii_digits).str.replace(r"[\s\-().+]", "", regex=True)
                     .str.fullmatch(r"[0-9]{7,15}").mean())
    if kind == "enum":
        low = s.str.lower()
        return float(low.isin(list(tf.GENDER_MAP) + ["m", "f", "o"]).mean())
    return 1.0


_CHECKED_KINDS = ("date", "int", "float", "phone", "enum")
#: a date column whose sample is this much Excel day numbers is read as such
SERIAL_SHARE = 0.9
BIRTH_SERIAL_FROM = 3_000  # 1908: the oldest patients' birth dates


def suggest_fields(st: SourceTable, table: str, target: TargetTable, sample: pd.DataFrame,
                   profile: Profile) -> TableMap:
    tm = TableMap(st.name, table)
    by_norm = {norm(c): c for c in st.columns}
    used: set[str] = set()
    # the legacy id column
    for cand in LEGACY_ID.get(table, []) + ["id"]:
        if cand in by_norm:
            tm.legacy_id = by_norm[cand]
            used.add(tm.legacy_id)
            break
    scored = []
    for f in target.mappable:
        names = [norm(f.name)] + FIELD_SYNONYMS.get((table, f.name), [])
        for c in st.columns:
            if c in used:
                continue
            n = norm(c)
            if n == norm(f.name):
                s, why = 1.0, "same name"
            elif n in names:
                s, why = 0.95, "known synonym"
            else:
                r = max(fuzz.ratio(n, x) for x in names) / 100
                if r < 0.8:
                    continue
                s, why = 0.8 * r, "similar name"
            fit = _content_ok(f.kind, sample[c]) if c in sample else 1.0
            if fit < 0.5 and why == "similar name":
                continue  # a look-alike name whose content does not fit either
            s = s * (0.7 + 0.3 * fit)
            scored.append((s, f.name, c, why + ("" if fit > 0.9 else ", content partly fits")))
    scored.sort(key=lambda x: -x[0])
    for s, fname, col, why in scored:
        if fname in tm.fields or col in used:
            continue
        tm.fields[fname] = FieldMap(fname, [col], confidence=round(s, 2), reason=why)
        used.add(col)
    _composites(st, table, target, tm, by_norm, sample)
    _content_fill(st, target, tm, sample, used)
    add_type_steps(target, tm, sample, profile)
    matched = [f.confidence or 0 for f in tm.fields.values()]
    tm.confidence = round(sum(matched) / len(matched), 2) if matched else 0.0
    return tm


def _composites(st, table, target, tm: TableMap, by_norm, sample: pd.DataFrame):
    fields = target.fields
    first = next((by_norm[n] for n in FIELD_SYNONYMS.get(("patients", "firstName"), [])
                  if n in by_norm), None)
    last = next((by_norm[n] for n in FIELD_SYNONYMS.get(("patients", "lastName"), [])
                 if n in by_norm), None)
    if "fullName" in fields and "fullName" not in tm.fields and first and last:
        tm.fields["fullName"] = FieldMap("fullName", [first, last], [tf.ConcatStep(" ").to_raw()],
                                         None, 0.9, "first and last name joined")
    if "fullName" in tm.fields and len(tm.fields["fullName"].columns) == 1:
        full = tm.fields["fullName"].columns[0]
        if "firstName" in fields and "firstName" not in tm.fields:
            tm.fields["firstName"] = FieldMap("firstName", [full],
                                              [tf.SplitStep(" ", "first").to_raw()], None, 0.6,
                                              "first word of the full name")
        if "lastName" in fields and "lastName" not in tm.fields:
            tm.fields["lastName"] = FieldMap("lastName", [full],
                                             [tf.SplitStep(" ", "rest").to_raw()], None, 0.6,
                                             "words after the first of the full name")
    if "age" in fields and "age" not in tm.fields:
        dob = next((by_norm[n] for n in BIRTH_DATE if n in by_norm), None)
        if dob:
            serial = dob in sample and \
                tf.excel_serial_share(tf.as_text(sample[dob].head(1000)).tolist(),
                                      BIRTH_SERIAL_FROM) \
                >= SERIAL_SHARE
            tm.fields["age"] = FieldMap("age", [dob], [
                tf.AgeFromDateStep(excel_serial=serial).to_raw()], None, 0.85,
                "age computed from the birth date" + (" (Excel date numbers)" if serial
                                                      else ""))


def _content_fill(st, target, tm, sample, used):
    """Fields no name matched, filled from a column whose content clearly fits."""
    for f in target.mappable:
        if f.name in tm.fields or f.kind not in ("phone", "enum") or not f.required:
            continue
        for c in st.columns:
            if c in used or c not in sample:
                continue
            if _content_ok(f.kind, sample[c]) > 0.95 and \
                    tf.as_text(sample[c]).str.strip().ne("").mean() > 0.5:
                tm.fields[f.name] = FieldMap(f.name, [c], confidence=0.5,
                                             reason="content looks like a " + f.kind)
                used.add(c)
                break


def add_type_steps(target: TargetTable, tm: TableMap, sample: pd.DataFrame, profile: Profile):
    """Give each single-column field without steps the steps its HMSync type needs (date
    order from the values, phone region, the gender value map)."""
    for name, fm in tm.fields.items():
        f = target.fields[name]
        if fm.steps or len(fm.columns) != 1 or fm.columns[0] not in sample:
            continue
        col = sample[fm.columns[0]]
        if f.kind == "date":
            if tf.excel_serial_share(tf.as_text(col.head(1000)).tolist()) >= SERIAL_SHARE:
                fm.steps = [tf.DateStep(region_date_order(profile.phone_region),
                                        excel_serial=True).to_raw()]
                profile.notes.append(ProfileNote(
                    f"{tm.source}.{fm.columns[0]}: the values are Excel date numbers (45213 "
                    "is 2023-10-14), read as such", NoteKind.CHECK))
                continue
            order, why = tf.infer_date_order(col)
            if order == "YMD":  # no day/month dates in the sample: the region's convention
                order = profile.date_order if profile.date_order not in ("auto", "YMD") else \
                    region_date_order(profile.phone_region)
            elif order is None:
                order = profile.date_order if profile.date_order != "auto" else "DMY"
                profile.notes.append(ProfileNote(
                    f"{tm.source}.{fm.columns[0]}: date order {why}; set to {order}",
                    NoteKind.CHECK))
            fm.steps = [tf.DateStep(order).to_raw()]
        elif f.kind == "phone":
            fm.steps = [tf.PhoneStep(profile.phone_region).to_raw()]
        elif f.kind == "enum" and name == "gender":
            fm.steps = [tf.MapStep(dict(tf.GENDER_MAP)).to_raw()]


MONTH_FIRST_REGIONS = {"US", "PH", "FM", "MH", "PW", "BZ"}


def region_date_order(region: str | None) -> str:
    """Day/month order customary in a region: month first in the US and a few others."""
    return "MDY" if (region or "").upper() in MONTH_FIRST_REGIONS else "DMY"


def suggest_profile(sources: list[SourceTable], targets: dict[str, TargetTable],
                    name: str = "Legacy export", source_system: str = "legacy",
                    phone_region: str | None = None, sample_rows: int = 5000) -> Profile:
    """A complete profile for these legacy tables, with a confidence on every choice."""
    profile = Profile(name=name, source_system=source_system)
    samples = {}
    for st in sources:
        samples[st.name] = st.sample(sample_rows)
    if phone_region is None:
        found = []
        for st in sources:
            for c in st.columns:
                if norm(c) in _PHONE:
                    r = tf.infer_phone_region(samples[st.name][c])
                    if r:
                        found.append(r)
        phone_region = max(set(found), key=found.count) if found else "IN"
    profile.phone_region = phone_region
    for st in sources:
        table, conf, why = suggest_table(st, targets)
        if table is None:
            profile.notes.append(ProfileNote(f"{st.name}: {why}; not mapped"))
            continue
        tm = suggest_fields(st, table, targets[table], samples[st.name], profile)
        tm.confidence = round(min(conf, 1.0) * 0.5 + (tm.confidence or 0) * 0.5, 2)
        profile.tables.append(tm)
    return profile

