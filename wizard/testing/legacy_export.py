"""Generate a deliberately dirty "HealthCare Plus" legacy export with its ground truth.

Writes patients, doctors, visits, bills, payments and pathology_tests tables plus
manifest.json, which records every injected defect (file, 1-based physical line the
record starts on, field, kind, legacy id) and the figures a correct migration must
reproduce (`rows`, `clean_rows`, `defective_rows`, `normalisable`,
`clean_fee_total_by_doctor`).

Deterministic for a given seed: the same arguments give byte-identical files. With the
defaults (csv, utf-8, no extra defects) the tables are the ones the team's reference
generator writes for the same seed; the manifest has the same schema plus a few keys
describing the variant (format, encoding, extra_defects, files).

    python -m wizard.testing.legacy_export --out /tmp/hcplus --patients 5000 --visits 20000
    python -m wizard.testing.legacy_export --out /tmp/x --format xlsx --extra-defects

A record with no entry in manifest["defects"] is clean: a correct validator must not
reject it. Variant spellings counted under manifest["normalisable"] (gender "male",
dates like 15/01/2022, phone numbers with spaces or a national 0 prefix) are valid data
that a mapping should normalise, not reject.

Formats (one file per table unless noted; `line` in the manifest is always where the
record starts in that file):
  csv     UTF-8 (or --encoding), CRLF, minimal quoting; header on line 1
  tsv     the same with tab delimiters, files named *.tsv
  json    one array per file, one object per physical line: "[", "{...},", ..., "]"
  ndjson  one object per line, no header (the first record is line 1)
  xlsx    one workbook export.xlsx, one sheet per table; `line` is the sheet row
          (header is row 1) and `file` is "export.xlsx#<table>"
Values are always strings, as in the CSV, so every format carries identical records.

--extra-defects adds two defect kinds:
  ragged_row  a visits record with one extra field (field "(record)"); in JSON/NDJSON
              the extra value is under a key that no other record has, "column8"
  cascade     a bill whose visitId is a defective visit (field "visitId"), and a
              payment of such a bill (field "billId"); neither counts as clean
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sys
import zipfile
from datetime import date, datetime, timedelta

FIRST = ["John", "Jane", "Rajesh", "Priya", "Amit", "Sunita", "Mohammed", "Fatima", "Li",
         "Wei", "José", "María", "Zoë", "Chloé", "Anil", "Kavya", "Arjun", "Meera", "Omar",
         "Aisha", "Peter", "Anna", "Søren", "Ingrid", "Kwame", "Ama", "Yuki", "Hiro"]
LAST = ["Doe", "Smith", "Kumar", "Sharma", "Patel", "Singh", "Khan", "Ali", "Chen",
        "Wang", "García", "Müller", "O'Brien", "Nguyen", "Iyer", "Reddy", "Mensah",
        "Tanaka", "Johansson", "Kowalski", "Dubois", "Rossi"]
STREETS = ["Main St", "Oak Ave", "MG Road", "Park Lane", "Station Rd", "Lake View",
           "Hill Rd", "Church St", "Market St", "Ring Road"]
SPECIALTIES = ["Cardiology", "Pediatrics", "General Medicine", "Orthopedics",
               "Dermatology", "Gynecology", "ENT", "Neurology", "Oncology", "Psychiatry"]
DIAGNOSES = ["Hypertension", "Common Cold", "Type 2 Diabetes", "Migraine", "Asthma",
             "Fracture", "Dermatitis", "Gastritis", "Anxiety", "Back Pain", "Otitis"]
NOTES = ["Follow-up visit", "Prescribed antibiotics", "Refer to specialist",
         "BP 150/95, review in 2 weeks", 'Patient said "feels better"',
         "Fasting sugar high;\nrepeat test", "", "New complaint, see history"]
TESTS = [("CBC", "Complete Blood Count", 350), ("LFT", "Liver Function Test", 600),
         ("HBA1C", "Glycated Haemoglobin", 450), ("LIPID", "Lipid Profile", 500),
         ("TSH", "Thyroid Stimulating Hormone", 400), ("URINE", "Urine Routine", 150)]
PAY_MODES = ["CASH", "CARD", "UPI", "INSURANCE", "CHEQUE"]
GENDERS = ["M", "F", "M", "F", "O", "male", "Female", "f", "m"]
UNITS = ["g/dL", "mg/dL", "%", "U/L"]
# What a ragged visits record carries after its last column (never empty, so that the
# extra field survives in every format, including an Excel cell).
RAGGED_TAILS = ["x", "1", "N/A", "see attached", "Dr. note, unsigned", 'old "ref" 12']

START = date(2022, 1, 1)

# Tables in the order manifest["rows"] lists them, with their columns.
TABLES = {
    "doctors": ["doctorId", "fullName", "specialty", "licenseNumber", "phoneNumber",
                "joinDate"],
    "patients": ["patientId", "firstName", "lastName", "phoneNumber", "age", "gender",
                 "address", "registrationDate"],
    "visits": ["visitId", "patientId", "doctorId", "visitDate", "consultationFee",
               "diagnosis", "notes"],
    "bills": ["billId", "visitId", "patientId", "billDate", "amount", "status"],
    "payments": ["paymentId", "billId", "paidOn", "amount", "mode"],
    "pathology_tests": ["testId", "visitId", "patientId", "testCode", "testName",
                        "orderedOn", "resultValue", "resultUnit", "price"],
}
PATIENT_DEFECTS = {"missing_name": "firstName", "missing_phone": "phoneNumber",
                   "age_out_of_range": "age", "age_not_a_number": "age",
                   "invalid_gender": "gender", "invalid_date": "registrationDate",
                   "duplicate_id": "patientId"}
VISIT_DEFECTS = {"orphan_patient": "patientId", "orphan_doctor": "doctorId",
                 "negative_fee": "consultationFee", "fee_not_a_number": "consultationFee",
                 "missing_visit_date": "visitDate"}
DEFECT_KINDS = [*PATIENT_DEFECTS, *VISIT_DEFECTS]
EXTRA_DEFECT_KINDS = ["ragged_row", "cascade"]

FORMATS = ("csv", "tsv", "json", "ndjson", "xlsx")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252")
XLSX_NAME = "export.xlsx"
XLSX_MAX_ROWS = 1_048_576  # Excel's limit per sheet, header included
_FIXED_TIME = datetime(2022, 1, 1)  # workbook properties and zip entries: reproducible

GENERATOR = "wizard.testing.legacy_export"


def file_name(table: str, fmt: str = "csv") -> str:
    """What manifest["defects"][i]["file"] says for a record of `table` in `fmt`."""
    if fmt == "xlsx":
        return f"{XLSX_NAME}#{table}"
    return f"{table}.{fmt}"


def _record(header: list[str], row: list[str]) -> dict:
    """A row as a JSON object; values past the header go under column<N> (1-based)."""
    obj = dict(zip(header, row))
    for n in range(len(header), len(row)):
        obj[f"column{n + 1}"] = row[n]
    return obj


# --- writers: each knows the line (or sheet row) the next record starts on ------------------
class _DelimitedSink:
    def __init__(self, path: str, label: str, header: list[str], delimiter: str,
                 encoding: str):
        self.label = label
        self._f = open(path, "w", newline="", encoding=encoding)
        self._w = csv.writer(self._f, delimiter=delimiter, lineterminator="\r\n")
        self._w.writerow(header)
        self.line = 2

    def write(self, row: list[str]) -> int:
        start = self.line
        self._w.writerow(row)
        self.line += 1 + sum(v.count("\n") for v in row)
        return start

    def close(self):
        self._f.close()


class _JsonArraySink:
    def __init__(self, path: str, label: str, header: list[str]):
        self.label = label
        self._header = header
        self._f = open(path, "w", newline="\n", encoding="utf-8")
        self._f.write("[")
        self._sep = "\n"
        self.line = 2

    def write(self, row: list[str]) -> int:
        start = self.line
        self._f.write(self._sep)
        self._f.write(json.dumps(_record(self._header, row), ensure_ascii=False))
        self._sep = ",\n"
        self.line += 1
        return start

    def close(self):
        self._f.write("\n]\n")
        self._f.close()


class _NdjsonSink:
    def __init__(self, path: str, label: str, header: list[str]):
        self.label = label
        self._header = header
        self._f = open(path, "w", newline="\n", encoding="utf-8")
        self.line = 1

    def write(self, row: list[str]) -> int:
        start = self.line
        self._f.write(json.dumps(_record(self._header, row), ensure_ascii=False) + "\n")
        self.line += 1
        return start

    def close(self):
        self._f.close()


class _FixedTimeZip(zipfile.ZipFile):
    """A ZipFile whose entries carry a fixed timestamp, so the workbook is reproducible."""

    def _info(self, name: str, size: int = 0) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, date_time=_FIXED_TIME.timetuple()[:6])
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o600 << 16
        zi.file_size = size  # lets open(..., "w") choose zip64 for huge sheets
        return zi

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        zi = self._info(arcname or os.path.basename(filename), os.path.getsize(filename))
        with open(filename, "rb") as src, self.open(zi, "w") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


class _XlsxBook:
    """One write-only workbook; sheets stream rows to openpyxl's temporary files."""

    def __init__(self, path: str):
        from openpyxl import Workbook
        self.path = path
        self.wb = Workbook(write_only=True)

    def sheet(self, table: str, header: list[str]) -> "_XlsxSheet":
        return _XlsxSheet(self, table, header)

    def save(self):
        from openpyxl.writer.excel import ExcelWriter
        props = self.wb.properties
        props.creator = GENERATOR
        props.created = props.modified = _FIXED_TIME
        archive = _FixedTimeZip(self.path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        ExcelWriter(self.wb, archive).save()  # closes the archive


class _XlsxSheet:
    def __init__(self, book: _XlsxBook, table: str, header: list[str]):
        self.label = file_name(table, "xlsx")
        self._ws = book.wb.create_sheet(table)
        self._ws.append(header)
        self.line = 2

    def _text(self, v: str):
        if v.startswith("="):  # openpyxl would store it as a formula: keep it text
            from openpyxl.cell import WriteOnlyCell
            cell = WriteOnlyCell(self._ws, value=v)
            cell.data_type = "s"
            return cell
        return v

    def write(self, row: list[str]) -> int:
        start = self.line
        if any(v.startswith("=") for v in row):
            row = [self._text(v) for v in row]
        self._ws.append(row)
        self.line += 1
        return start

    def close(self):
        pass


def _open_sinks(out_dir: str, fmt: str, encoding: str):
    """{table: sink} in TABLES order, and the workbook to save (xlsx only)."""
    sinks, book = {}, None
    try:
        if fmt == "xlsx":
            book = _XlsxBook(os.path.join(out_dir, XLSX_NAME))
        for table, header in TABLES.items():
            path = os.path.join(out_dir, f"{table}.{fmt}")
            label = file_name(table, fmt)
            if fmt in ("csv", "tsv"):
                sinks[table] = _DelimitedSink(path, label, header,
                                              "," if fmt == "csv" else "\t", encoding)
            elif fmt == "json":
                sinks[table] = _JsonArraySink(path, label, header)
            elif fmt == "ndjson":
                sinks[table] = _NdjsonSink(path, label, header)
            else:
                sinks[table] = book.sheet(table, header)
    except BaseException:
        for s in sinks.values():
            s.close()
        raise
    return sinks, book


# --- values ---------------------------------------------------------------------------------
def _phone(rng: random.Random, variant: int) -> str:
    digits = "9" + "".join(rng.choice("0123456789") for _ in range(9))
    if variant == 0:
        return "+91" + digits
    if variant == 1:
        return "+91 " + digits[:5] + " " + digits[5:]
    return "0" + digits  # national format: needs a default region to normalise


def _fmt_date(d: date, variant: int) -> str:
    if variant == 0:
        return d.isoformat()
    if variant == 1:
        return d.strftime("%d/%m/%Y")
    return d.strftime("%Y-%m-%d 00:00:00")


def _check_args(patients, visits, doctors, dirty, fmt, encoding):
    for name, v in (("patients", patients), ("visits", visits), ("doctors", doctors)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise ValueError(f"{name} must be a whole number >= 0, not {v!r}")
    if not 0 <= dirty <= 1:
        raise ValueError(f"dirty is a share of records, between 0 and 1, not {dirty!r}")
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(ENCODINGS)}, not {encoding!r}")
    if encoding != "utf-8" and fmt not in ("csv", "tsv"):
        raise ValueError(f"encoding applies to csv and tsv only; {fmt} is always utf-8")
    if visits and not doctors:
        raise ValueError("visits need at least one doctor")
    if fmt == "xlsx" and max(patients, visits, doctors) + 1 > XLSX_MAX_ROWS:
        raise ValueError(f"an Excel sheet holds at most {XLSX_MAX_ROWS - 1} records")


# --- the generator --------------------------------------------------------------------------
def generate(out_dir, patients: int = 5000, visits: int = 20000, doctors: int = 40,
             seed: int = 445, dirty: float = 0.02, fmt: str = "csv",
             encoding: str = "utf-8", extra_defects: bool = False) -> dict:
    """Write the export and manifest.json into out_dir; return the manifest.

    Raises ValueError for arguments that cannot make an export (unknown format, an
    encoding other than utf-8 for json/ndjson/xlsx, visits without a doctor or without
    a single clean patient, more records than an Excel sheet holds).
    """
    _check_args(patients, visits, doctors, dirty, fmt, encoding)
    out_dir = os.fspath(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    rng = random.Random(seed)
    # Extra defects draw from their own stream, so that the main stream — and with it
    # every patient and doctor, and every visit's values — stays the same with or
    # without them.
    xrng = random.Random(f"{GENERATOR}:extra:{seed}") if extra_defects else None
    ragged_share = dirty / 4
    defects: list[dict] = []
    normalisable = {"gender": 0, "date": 0, "phone": 0}
    counts: dict[str, int] = {}

    def defect(file, line, field, kind, key):
        defects.append({"file": file, "line": line, "field": field, "kind": kind,
                        "id": key})

    sinks, book = _open_sinks(out_dir, fmt, encoding)
    try:
        # doctors ---------------------------------------------------------------------------
        w = sinks["doctors"]
        doctor_ids = []
        for i in range(1, doctors + 1):
            did = f"D{i}"
            doctor_ids.append(did)
            name = f"Dr. {rng.choice(FIRST)} {rng.choice(LAST)}"
            join = START - timedelta(days=rng.randint(30, 2000))
            w.write([did, name, rng.choice(SPECIALTIES), f"LIC{12344 + i}",
                     _phone(rng, 0), join.isoformat()])
        counts["doctors"] = doctors

        # patients --------------------------------------------------------------------------
        w = sinks["patients"]
        reg_dates: dict[str, date] = {}  # clean patients only: id -> registration date
        clean_ids: list[str] = []        # the same keys, in order, for rng.choice
        pid = 100
        for _ in range(patients):
            pid += 1
            key = str(pid)
            fn, ln = rng.choice(FIRST), rng.choice(LAST)
            ph_variant = rng.choice([0, 0, 0, 1, 2])
            normalisable["phone"] += ph_variant != 0
            ph = _phone(rng, ph_variant)
            age = str(rng.randint(0, 95))
            g_raw = rng.choice(GENDERS)
            normalisable["gender"] += g_raw not in ("M", "F", "O")
            reg = START + timedelta(days=rng.randint(0, 700))
            d_variant = rng.choice([0, 0, 0, 1, 2])
            normalisable["date"] += d_variant != 0
            addr = f"{rng.randint(1, 999)} {rng.choice(STREETS)}, Ward {rng.randint(1, 30)}"
            row = [key, fn, ln, ph, age, g_raw, addr, _fmt_date(reg, d_variant)]
            kind = field = None
            if rng.random() < dirty:
                kind = rng.choice(list(PATIENT_DEFECTS))
                field = PATIENT_DEFECTS[kind]
                if kind == "missing_name":
                    row[1], row[2] = "", ""
                elif kind == "missing_phone":
                    row[3] = ""
                elif kind == "age_out_of_range":
                    row[4] = rng.choice(["-3", "151", "420"])
                elif kind == "age_not_a_number":
                    row[4] = rng.choice(["abc", "4O", "N/A"])
                elif kind == "invalid_gender":
                    row[5] = rng.choice(["X", "unknown", "9"])
                elif kind == "invalid_date":
                    row[7] = rng.choice(["2022-02-30", "31/31/2022", "yesterday"])
                elif clean_ids:  # duplicate_id: reuses an earlier clean patient's id
                    row[0] = key = rng.choice(clean_ids)
                else:
                    kind = None
            line = w.write(row)
            if kind:
                defect(w.label, line, field, kind, key)
            else:
                reg_dates[key] = reg
                clean_ids.append(key)
        counts["patients"] = patients
        if visits and not clean_ids:
            raise ValueError("no clean patient to attach visits to: "
                             "raise patients or lower dirty")

        # visits, bills, payments, pathology tests ------------------------------------------
        wv, wb, wp, wt = (sinks[t] for t in ("visits", "bills", "payments",
                                              "pathology_tests"))
        fee_by_doctor: dict[str, int] = {}
        n_bills = n_pay = n_tests = 0

        for i in range(1, visits + 1):
            vid = f"V{i}"
            p = rng.choice(clean_ids)
            doc = rng.choice(doctor_ids)
            vdate = reg_dates[p] + timedelta(days=rng.randint(0, 300))
            vday = vdate.isoformat()
            fee = rng.choice([300, 400, 500, 750, 1000])
            row = [vid, p, doc, vday, str(fee), rng.choice(DIAGNOSES), rng.choice(NOTES)]
            kind = field = None
            if rng.random() < dirty:
                kind = rng.choice(list(VISIT_DEFECTS))
                field = VISIT_DEFECTS[kind]
                if kind == "orphan_patient":
                    row[1] = str(10_000_000 + i)
                elif kind == "orphan_doctor":
                    row[2] = "D9999"
                elif kind == "negative_fee":
                    row[4] = "-500"
                elif kind == "fee_not_a_number":
                    row[4] = "five hundred"
                else:
                    row[3] = ""
            elif xrng is not None and xrng.random() < ragged_share:
                kind, field = "ragged_row", "(record)"
                row.append(xrng.choice(RAGGED_TAILS))
            line = wv.write(row)
            if kind:
                defect(wv.label, line, field, kind, vid)
            if kind and kind != "ragged_row":
                # The reference writes nothing more for a defective visit; with extra
                # defects, half of them get a bill anyway (from the extra stream).
                if xrng is None or xrng.random() >= 0.5:
                    continue
                r = xrng
            else:
                r = rng
                if not kind:
                    fee_by_doctor[doc] = fee_by_doctor.get(doc, 0) + fee
                if rng.random() >= 0.5:  # no bill
                    r = None
            if r is not None:  # a bill, often paid
                n_bills += 1
                bid = f"B{n_bills}"
                amount = f"{fee + r.choice([0, 0, 150, 600]):.2f}"
                paid = r.random() < 0.8
                line = wb.write([bid, vid, p, vday, amount, "PAID" if paid else "UNPAID"])
                if kind:
                    defect(wb.label, line, "visitId", "cascade", bid)
                if paid:
                    n_pay += 1
                    pay_id = f"P{n_pay}"
                    line = wp.write([pay_id, bid, vday, amount, r.choice(PAY_MODES)])
                    if kind:
                        defect(wp.label, line, "billId", "cascade", pay_id)
            if kind and kind != "ragged_row":
                continue
            if rng.random() < 0.2:
                code, name, price = rng.choice(TESTS)
                result = f"{rng.uniform(0.5, 200):.1f}"
                unit = rng.choice(UNITS)
                if not kind:  # a ragged visit's test is drawn (same stream) but not written
                    n_tests += 1
                    wt.write([f"T{n_tests}", vid, p, code, name, vday, result, unit,
                              str(price)])
        counts.update(visits=visits, bills=n_bills, payments=n_pay, pathology_tests=n_tests)
    except BaseException:
        for s in sinks.values():
            s.close()
        raise
    for s in sinks.values():
        s.close()
    if book is not None:
        book.save()

    by_file: dict[str, int] = {}
    for d in defects:
        by_file[d["file"]] = by_file.get(d["file"], 0) + 1
    label = {t: file_name(t, fmt) for t in TABLES}
    manifest = {
        "generator": GENERATOR, "seed": seed, "dirty": dirty,
        "format": fmt, "encoding": encoding, "extra_defects": bool(extra_defects),
        "files": label,
        "rows": counts,
        "defective_rows": by_file,
        "clean_rows": {"patients": len(clean_ids), "doctors": doctors,
                       "visits": visits - by_file.get(label["visits"], 0),
                       "bills": n_bills - by_file.get(label["bills"], 0),
                       "payments": n_pay - by_file.get(label["payments"], 0),
                       "pathology_tests": n_tests},
        "clean_fee_total_by_doctor": dict(sorted(fee_by_doctor.items())),
        "normalisable": normalisable,
        "defects": defects,
    }
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m wizard.testing.legacy_export",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder to write the export into")
    ap.add_argument("--patients", type=int, default=5000)
    ap.add_argument("--visits", type=int, default=20000)
    ap.add_argument("--doctors", type=int, default=40)
    ap.add_argument("--seed", type=int, default=445)
    ap.add_argument("--dirty", type=float, default=0.02,
                    help="share of records given a defect (default 0.02)")
    ap.add_argument("--format", dest="fmt", choices=FORMATS, default="csv",
                    help="file format (default csv)")
    ap.add_argument("--encoding", choices=ENCODINGS, default="utf-8",
                    help="text encoding of csv/tsv files (default utf-8)")
    ap.add_argument("--extra-defects", action="store_true",
                    help="also inject ragged_row and cascade defects")
    a = ap.parse_args(argv)
    try:
        m = generate(a.out, patients=a.patients, visits=a.visits, doctors=a.doctors,
                     seed=a.seed, dirty=a.dirty, fmt=a.fmt, encoding=a.encoding,
                     extra_defects=a.extra_defects)
    except ValueError as e:
        ap.error(str(e))  # exits 2
    except OSError as e:
        print(f"{ap.prog}: error: cannot write the export: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"out": a.out, "rows": m["rows"], "defective_rows": m["defective_rows"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
