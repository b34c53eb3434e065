"""The project's own dirty-export generator (wizard.testing.legacy_export).

Every check re-reads the written files with the standard library (csv, json) or
openpyxl, independently of the generator's own bookkeeping.
"""
import csv
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from wizard.testing import legacy_export as gen
from wizard.testing.legacy_export import TABLES, generate

SMALL = dict(patients=300, visits=1500, doctors=12, seed=2024, dirty=0.08)

HEADERS = {
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
ALL_KINDS = {"missing_name", "missing_phone", "age_out_of_range", "age_not_a_number",
             "invalid_gender", "invalid_date", "duplicate_id", "orphan_patient",
             "orphan_doctor", "negative_fee", "fee_not_a_number", "missing_visit_date"}


# --- reading the export back, independently ------------------------------------------------
def read_delimited(path, delimiter=",", encoding="utf-8"):
    """(header, [(first physical line, row)]) via csv.reader.line_num."""
    with open(path, newline="", encoding=encoding) as f:
        r = csv.reader(f, delimiter=delimiter)
        header = next(r)
        last, out = r.line_num, []
        for row in r:
            out.append((last + 1, row))
            last = r.line_num
    return header, out


def _obj_row(header, obj):
    assert all(h in obj for h in header), obj
    return [obj[h] for h in header] + [v for k, v in obj.items() if k not in header]


def read_json_array(path):
    text = Path(path).read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0] == "[" and lines[-2:] == ["]", ""], "not one object per line"
    objs = [(n, json.loads(s.removesuffix(","))) for n, s in enumerate(lines[1:-2], 2)]
    assert [o for _, o in objs] == json.loads(text)  # the file is also valid JSON
    return objs


def read_ndjson(path):
    with open(path, encoding="utf-8") as f:
        return [(n, json.loads(s)) for n, s in enumerate(f, 1)]


def read_xlsx(path):
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        out = {}
        for ws in wb.worksheets:
            rows = [["" if v is None else v for v in r]
                    for r in ws.iter_rows(values_only=True)]
            header = rows[0]
            while header and header[-1] == "":
                header.pop()
            recs = []
            for n, r in enumerate(rows[1:], 2):
                assert all(isinstance(v, str) for v in r), r  # numbers stay text
                while len(r) > len(header) and r[-1] == "":
                    r.pop()
                r += [""] * (len(header) - len(r))
                recs.append((n, r))
            out[ws.title] = (header, recs)
        return out
    finally:
        wb.close()


def read_export(out, fmt="csv", encoding="utf-8"):
    """{table: (header, [(line, row)])}."""
    out = Path(out)
    if fmt == "xlsx":
        return read_xlsx(out / "export.xlsx")
    tables = {}
    for t, header in HEADERS.items():
        path = out / f"{t}.{fmt}"
        if fmt in ("csv", "tsv"):
            tables[t] = read_delimited(path, "," if fmt == "csv" else "\t", encoding)
        else:
            objs = read_json_array(path) if fmt == "json" else read_ndjson(path)
            tables[t] = (header, [(n, _obj_row(header, o)) for n, o in objs])
    return tables


def file_label(t, fmt):
    return f"export.xlsx#{t}" if fmt == "xlsx" else f"{t}.{fmt}"


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).iterdir())}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """Small exports, generated once: key (fmt, encoding, extra) -> (folder, manifest)."""
    cache = {}

    def get(fmt="csv", encoding="utf-8", extra=False):
        key = (fmt, encoding, extra)
        if key not in cache:
            d = tmp_path_factory.mktemp(f"export-{fmt}-{encoding}-{int(extra)}")
            cache[key] = (d, generate(d, fmt=fmt, encoding=encoding, extra_defects=extra,
                                      **SMALL))
        return cache[key]
    return get


# --- a validator written from the documented semantics -------------------------------------
def _date_ok(s):
    for f in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d 00:00:00"):
        try:
            datetime.strptime(s, f)
            return True
        except ValueError:
            pass
    return False


def _int(s):
    return int(s) if re.fullmatch(r"-?\d+", s) else None


def _num(s):
    try:
        return float(s)
    except ValueError:
        return None


PHONE = re.compile(r"\+91\d{10}|\+91 \d{5} \d{5}|0\d{10}")


def problems(tables):
    """{(table, line): [fields]} for every record a strict validator would reject."""
    bad = {}

    def flag(t, line, field):
        bad.setdefault((t, line), []).append(field)

    doctors = set()
    for line, r in tables["doctors"][1]:
        doctors.add(r[0])
    patients = {}
    for line, r in tables["patients"][1]:
        pid, fn, ln, ph, age, g, _addr, reg = r
        if not fn or not ln:
            flag("patients", line, "firstName")
        if not PHONE.fullmatch(ph):
            flag("patients", line, "phoneNumber")
        a = _int(age)
        if a is None or not 0 <= a <= 150:
            flag("patients", line, "age")
        if g.lower() not in ("m", "f", "o", "male", "female"):
            flag("patients", line, "gender")
        if not _date_ok(reg):
            flag("patients", line, "registrationDate")
        if pid in patients:
            flag("patients", line, "patientId")
        elif ("patients", line) not in bad:
            patients[pid] = line
    n_cols = len(HEADERS["visits"])
    visits = set()
    for line, r in tables["visits"][1]:
        if len(r) != n_cols:
            flag("visits", line, "(record)")
            continue
        vid, pid, did, vdate, fee = r[:5]
        if pid not in patients:
            flag("visits", line, "patientId")
        if did not in doctors:
            flag("visits", line, "doctorId")
        if not _date_ok(vdate):
            flag("visits", line, "visitDate")
        f = _num(fee)
        if f is None or f < 0:
            flag("visits", line, "consultationFee")
        if ("visits", line) not in bad:
            visits.add(vid)
    bills = set()
    for line, r in tables["bills"][1]:
        if r[1] not in visits:
            flag("bills", line, "visitId")
        else:
            bills.add(r[0])
    for line, r in tables["payments"][1]:
        if r[1] not in bills:
            flag("payments", line, "billId")
    for line, r in tables["pathology_tests"][1]:
        if r[1] not in visits:
            flag("pathology_tests", line, "visitId")
    return bad


# --- tests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,encoding,extra", [("csv", "utf-8", False),
                                                ("csv", "utf-16", True),
                                                ("json", "utf-8", True),
                                                ("xlsx", "utf-8", True)])
def test_same_seed_gives_identical_files(tmp_path, fmt, encoding, extra):
    kw = dict(SMALL, patients=120, visits=500, fmt=fmt, encoding=encoding,
              extra_defects=extra)
    m1 = generate(tmp_path / "a", **kw)
    m2 = generate(tmp_path / "b", **kw)
    assert m1 == m2
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    other = generate(tmp_path / "c", **dict(kw, seed=kw["seed"] + 1))
    assert digest(tmp_path / "c") != digest(tmp_path / "a")
    assert other["defects"] != m1["defects"]


def test_layout_and_headers(exports):
    out, m = exports()
    names = {p.name for p in out.iterdir()}
    assert names == {f"{t}.csv" for t in HEADERS} | {"manifest.json"}
    tables = read_export(out)
    assert TABLES == HEADERS
    for t, header in HEADERS.items():
        assert tables[t][0] == header
    for i, (line, r) in enumerate(tables["doctors"][1], 1):
        assert r[0] == f"D{i}" and r[3] == f"LIC{12344 + i}"
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == m
    assert set(m) >= {"rows", "clean_rows", "defective_rows", "defects", "normalisable",
                      "clean_fee_total_by_doctor", "seed", "dirty"}
    assert m["seed"] == SMALL["seed"] and m["dirty"] == SMALL["dirty"]
    for d in m["defects"]:
        assert set(d) == {"file", "line", "field", "kind", "id"}
    assert {d["kind"] for d in m["defects"]} == ALL_KINDS  # all kinds occur at this size


def test_csv_bytes_are_utf8_crlf_with_quoted_fields(exports):
    out, _ = exports()
    raw = (out / "visits.csv").read_bytes()
    raw.decode("utf-8")
    assert raw.startswith(b"visitId,patientId,doctorId,visitDate,consultationFee,"
                          b"diagnosis,notes\r\n")
    assert b'"Fasting sugar high;\nrepeat test"\r\n' in raw   # a newline inside a field
    assert b'"Patient said ""feels better"""' in raw          # quotes doubled
    assert b'"BP 150/95, review in 2 weeks"' in raw           # a comma inside a field
    assert raw.endswith(b"\r\n")
    assert re.search(rb"[^\r]\n(?!repeat test)", raw) is None  # bare LF only inside notes
    assert "José".encode() in (out / "patients.csv").read_bytes() or \
        "Søren".encode() in (out / "patients.csv").read_bytes()


@pytest.mark.parametrize("extra", [False, True])
def test_manifest_counts_match_the_files(exports, extra):
    out, m = exports(extra=extra)
    tables = read_export(out)
    assert m["rows"] == {t: len(tables[t][1]) for t in m["rows"]}
    assert list(m["rows"]) == list(HEADERS)
    per_file = Counter(d["file"] for d in m["defects"])
    assert m["defective_rows"] == dict(per_file)
    for t in HEADERS:
        assert m["clean_rows"][t] + per_file.get(f"{t}.csv", 0) == m["rows"][t], t
    assert len({(d["file"], d["line"]) for d in m["defects"]}) == len(m["defects"])


@pytest.mark.parametrize("extra", [False, True])
def test_every_defect_points_at_its_record(exports, extra):
    out, m = exports(extra=extra)
    tables = read_export(out)
    by_line = {f"{t}.csv": {line: (header, r) for line, r in recs}
               for t, (header, recs) in tables.items()}
    for d in m["defects"]:
        header, r = by_line[d["file"]][d["line"]]
        assert r[0] == d["id"], d
        assert d["field"] == "(record)" or d["field"] in header, d


@pytest.mark.parametrize("extra", [False, True])
def test_defects_are_exactly_what_a_strict_validator_rejects(exports, extra):
    """Records without a manifest entry are clean; every entry names the failing field."""
    out, m = exports(extra=extra)
    found = problems(read_export(out))
    want = {(d["file"].removesuffix(".csv"), d["line"]): d for d in m["defects"]}
    assert set(found) == set(want)
    for key, d in want.items():
        assert d["field"] in found[key], (d, found[key])


def test_kind_semantics(exports):
    out, m = exports(extra=True)
    tables = read_export(out)
    rec = {t: {line: r for line, r in recs} for t, (_, recs) in tables.items()}
    first_clean_line = {}
    bad_lines = {(d["file"], d["line"]) for d in m["defects"]}
    for line, r in tables["patients"][1]:
        if ("patients.csv", line) not in bad_lines:
            first_clean_line.setdefault(r[0], line)
    bad_visits = {d["id"] for d in m["defects"] if d["file"] == "visits.csv"}
    cascade_bills = {d["id"] for d in m["defects"]
                     if d["file"] == "bills.csv" and d["kind"] == "cascade"}
    for d in m["defects"]:
        r = rec[d["file"].removesuffix(".csv")][d["line"]]
        k = d["kind"]
        if k == "missing_name":
            assert r[1] == r[2] == ""
        elif k == "missing_phone":
            assert r[3] == ""
        elif k == "age_out_of_range":
            assert not 0 <= int(r[4]) <= 150
        elif k == "age_not_a_number":
            assert _int(r[4]) is None
        elif k == "invalid_gender":
            assert r[5] in ("X", "unknown", "9")
        elif k == "invalid_date":
            assert not _date_ok(r[7])
        elif k == "duplicate_id":  # an earlier clean patient keeps the id
            assert first_clean_line[r[0]] < d["line"]
        elif k == "orphan_patient":
            assert r[1] not in first_clean_line
        elif k == "orphan_doctor":
            assert r[2] == "D9999"
        elif k == "negative_fee":
            assert float(r[4]) < 0
        elif k == "fee_not_a_number":
            assert _num(r[4]) is None
        elif k == "missing_visit_date":
            assert r[3] == ""
        elif k == "ragged_row":
            assert d["file"] == "visits.csv" and d["field"] == "(record)"
            assert len(r) == len(HEADERS["visits"]) + 1 and r[-1]
        elif k == "cascade" and d["file"] == "bills.csv":
            assert d["field"] == "visitId" and r[1] in bad_visits
        elif k == "cascade":
            assert d["file"] == "payments.csv" and d["field"] == "billId"
            assert r[1] in cascade_bills
        else:
            pytest.fail(f"unknown kind {d}")
    kinds = Counter(d["kind"] for d in m["defects"])
    assert kinds["ragged_row"] and kinds["cascade"]
    assert {d["file"] for d in m["defects"] if d["kind"] == "cascade"} == \
        {"bills.csv", "payments.csv"}
    # a ragged visit is defective too, so its bill cascades
    ragged = {d["id"] for d in m["defects"] if d["kind"] == "ragged_row"}
    assert any(r[1] in ragged for r in rec["bills"].values())


def test_extra_defects_leave_the_base_data_alone(exports):
    base_out, base = exports()
    extra_out, extra = exports(extra=True)
    for name in ("patients.csv", "doctors.csv"):
        assert (base_out / name).read_bytes() == (extra_out / name).read_bytes()
    b, e = read_export(base_out)["visits"][1], read_export(extra_out)["visits"][1]
    assert [r[:7] for _, r in b] == [r[:7] for _, r in e]
    assert base["normalisable"] == extra["normalisable"]
    base_kinds = [(d["kind"], d["id"]) for d in base["defects"]]
    assert [(d["kind"], d["id"]) for d in extra["defects"]
            if d["kind"] not in ("ragged_row", "cascade")] == base_kinds
    assert extra["clean_rows"]["visits"] < base["clean_rows"]["visits"]


@pytest.mark.parametrize("extra", [False, True])
def test_clean_fee_total_by_doctor(exports, extra):
    out, m = exports(extra=extra)
    bad = {d["line"] for d in m["defects"] if d["file"] == "visits.csv"}
    totals = Counter()
    for line, r in read_export(out)["visits"][1]:
        if line not in bad:
            totals[r[2]] += int(r[4])
    assert m["clean_fee_total_by_doctor"] == dict(sorted(totals.items()))
    assert list(m["clean_fee_total_by_doctor"]) == sorted(m["clean_fee_total_by_doctor"])


def test_normalisable_variants_occur_in_clean_records(exports):
    out, m = exports()
    bad = {d["line"] for d in m["defects"] if d["file"] == "patients.csv"}
    clean = [r for line, r in read_export(out)["patients"][1] if line not in bad]
    genders = Counter(r[5] for r in clean)
    assert {"male", "Female", "f", "m"} <= set(genders)
    dates = Counter("dmy" if re.fullmatch(r"\d\d/\d\d/\d{4}", r[7]) else
                    "midnight" if r[7].endswith(" 00:00:00") else "iso" for r in clean)
    phones = Counter("spaced" if " " in r[3] else "national" if r[3].startswith("0")
                     else "e164" for r in clean)
    assert dates["dmy"] and dates["midnight"] and phones["spaced"] and phones["national"]
    n = m["normalisable"]
    assert n["gender"] >= sum(c for g, c in genders.items() if g not in ("M", "F", "O"))
    assert n["date"] >= dates["dmy"] + dates["midnight"]
    assert n["phone"] >= phones["spaced"] + phones["national"]
    assert n["gender"] <= m["rows"]["patients"]


VARIANTS = [("tsv", "utf-8"), ("csv", "utf-8-sig"), ("csv", "utf-16"), ("csv", "cp1252"),
            ("tsv", "utf-16"), ("json", "utf-8"), ("ndjson", "utf-8"), ("xlsx", "utf-8")]


@pytest.mark.parametrize("fmt,encoding", VARIANTS)
def test_variant_carries_the_same_records(exports, fmt, encoding):
    base_out, base = exports(extra=True)
    out, m = exports(fmt, encoding, extra=True)
    ref, got = read_export(base_out), read_export(out, fmt, encoding)
    assert set(got) == set(HEADERS)
    for t in HEADERS:
        assert got[t][0] == HEADERS[t]
        assert [r for _, r in got[t][1]] == [r for _, r in ref[t][1]], t
    for k in ("rows", "clean_rows", "clean_fee_total_by_doctor", "normalisable"):
        assert m[k] == base[k], k
    assert m["format"] == fmt and m["encoding"] == encoding
    assert m["files"] == {t: file_label(t, fmt) for t in HEADERS}
    assert m["defective_rows"] == {file_label(f.removesuffix(".csv"), fmt): n
                                   for f, n in base["defective_rows"].items()}
    strip = lambda d: (d["field"], d["kind"], d["id"])  # noqa: E731
    assert [strip(d) for d in m["defects"]] == [strip(d) for d in base["defects"]]
    by_line = {file_label(t, fmt): dict(recs) for t, (_, recs) in got.items()}
    for d in m["defects"]:
        assert by_line[d["file"]][d["line"]][0] == d["id"], d


def test_variant_bytes(exports):
    out, _ = exports("csv", "utf-8-sig")
    assert (out / "patients.csv").read_bytes().startswith(b"\xef\xbb\xbfpatientId,")
    out, _ = exports("csv", "utf-16")
    raw = (out / "patients.csv").read_bytes()
    assert raw[:2] in (b"\xff\xfe", b"\xfe\xff") and raw.decode("utf-16").endswith("\r\n")
    out, _ = exports("csv", "cp1252")
    raw = (out / "patients.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # accented names are single cp1252 bytes
    assert raw.decode("cp1252").startswith("patientId,")
    out, _ = exports("tsv", "utf-8")
    assert (out / "visits.tsv").read_bytes().startswith(b"visitId\tpatientId\t")
    out, _ = exports("json", "utf-8")
    assert {p.name for p in out.iterdir()} == {f"{t}.json" for t in HEADERS} | \
        {"manifest.json"}
    out, _ = exports("ndjson", "utf-8")
    first = (out / "visits.ndjson").read_text(encoding="utf-8").split("\n", 1)[0]
    assert json.loads(first)["visitId"] == "V1"
    out, _ = exports("xlsx", "utf-8", extra=True)
    assert {p.name for p in out.iterdir()} == {"export.xlsx", "manifest.json"}
    import openpyxl
    wb = openpyxl.load_workbook(out / "export.xlsx", read_only=True)
    assert wb.sheetnames == list(HEADERS)
    wb.close()


def test_json_ragged_rows_carry_an_unnamed_key(exports):
    out, m = exports("ndjson", "utf-8", extra=True)
    objs = dict(read_ndjson(out / "visits.ndjson"))
    ragged = [d for d in m["defects"] if d["kind"] == "ragged_row"]
    assert ragged
    for d in ragged:
        assert set(objs[d["line"]]) == set(HEADERS["visits"]) | {"column8"}
    for line, o in objs.items():
        if line not in {d["line"] for d in ragged}:
            assert list(o) == HEADERS["visits"]


@pytest.mark.parametrize("kw,msg", [
    (dict(fmt="json", encoding="cp1252"), "csv and tsv only"),
    (dict(fmt="parquet"), "format"),
    (dict(encoding="latin-9"), "encoding"),
    (dict(dirty=1.5), "dirty"),
    (dict(patients=-1), "patients"),
    (dict(doctors=0), "doctor"),
    (dict(patients=0), "no clean patient"),
    (dict(fmt="xlsx", visits=2_000_000), "Excel"),
])
def test_bad_arguments_raise_value_error(tmp_path, kw, msg):
    with pytest.raises(ValueError, match=msg):
        generate(tmp_path, **dict(dict(patients=20, visits=50, doctors=3), **kw))


def test_small_edge_sizes(tmp_path):
    m = generate(tmp_path / "empty", patients=0, visits=0, doctors=0, fmt="json")
    assert m["rows"] == dict.fromkeys(HEADERS, 0) and m["defects"] == []
    assert (tmp_path / "empty" / "bills.json").read_text(encoding="utf-8") == "[\n]\n"
    m = generate(tmp_path / "one", patients=1, visits=3, doctors=1, dirty=0.0,
                 fmt="xlsx")
    assert m["clean_rows"]["visits"] == 3 and m["defects"] == []
    assert read_export(tmp_path / "one", "xlsx")["visits"][1][0][0] == 2


def test_cli_matches_the_api(tmp_path):
    args = ["--patients", "60", "--visits", "240", "--doctors", "5", "--seed", "9",
            "--dirty", "0.1", "--format", "tsv", "--encoding", "utf-8-sig",
            "--extra-defects"]
    p = subprocess.run([sys.executable, "-m", "wizard.testing.legacy_export",
                        "--out", str(tmp_path / "cli"), *args],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    m = generate(tmp_path / "api", patients=60, visits=240, doctors=5, seed=9, dirty=0.1,
                 fmt="tsv", encoding="utf-8-sig", extra_defects=True)
    assert summary["rows"] == m["rows"]
    assert summary["defective_rows"] == m["defective_rows"]
    assert digest(tmp_path / "cli") == digest(tmp_path / "api")


def test_cli_rejects_bad_arguments_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        gen.main(["--out", str(tmp_path), "--format", "xlsx", "--encoding", "utf-16"])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "Traceback" not in err[-1] and "csv and tsv only" in err[-1]
