"""Bad input never surprises the readers or the CLI: every file ends in a clear SourceError
(exit 2 with one line naming the file) or a correct result — never another exception, a
hang or unbounded memory.

Property tests (hypothesis) cover valid CSV round trips, mutated and random files of every
format, and JSON nesting around Python's recursion limit; pathological files (100k columns,
1 MB and 20 MB fields, nesting 200k deep, a zip bomb, a 30 MB line) run in child processes
under a deadline, with their peak memory measured.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.core.readers import CORRUPT, LINE, SourceError, open_source

from .helpers import ROOT, assert_clean_exit, cli

FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])
PER_EXAMPLE_S = 20


@contextmanager
def time_limit(seconds: float, what: str = "reading"):
    """Fails (instead of hanging) when the body runs longer than ``seconds``."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"{what} took more than {seconds} s: a hang")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def read_everything(path: Path):
    """open_source + iter_chunks: (tables, frames per table), or the SourceError.

    Anything else propagates and fails the test. Checks the frames' shape on the way."""
    try:
        with time_limit(PER_EXAMPLE_S):
            tables = open_source(path)
            out = []
            for t in tables:
                frames = list(t.iter_chunks(chunk_rows=7))
                check_frames(t, frames)
                out.append((t, frames))
            return out
    except SourceError as e:
        assert path.name in str(e) and str(e).strip(), e
        return e


def check_frames(t, frames):
    prev = 0
    for f in frames:
        assert list(f.columns) == list(t.columns) + [LINE, CORRUPT]
        lines = f[LINE].tolist()
        assert all(isinstance(x, int) and x >= 1 for x in lines), lines[:5]
        assert lines == sorted(lines) and (not lines or lines[0] >= prev), lines[:5]
        prev = lines[-1] if lines else prev
        for c in t.columns:
            assert all(isinstance(v, str) for v in f[c].tolist()), c
        assert all(isinstance(v, str) for v in f[CORRUPT].tolist())
    assert len(t.columns) == len(set(t.columns))


# --- a valid CSV reads back exactly --------------------------------------------------------------
NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
               min_size=1, max_size=12)
# (a NUL or a byte-order mark in a value marks its record damaged: test_readers.py)
VALUE = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="\x00\ufeff"), max_size=40)
CP1252_SAFE = "abcXYZ 019,;\"'\n\r\tÀÉÈÜÖÄßñçàéèüöäÿ-=+@"


@FUZZ
@given(data=st.data(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
       delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_valid_csv_reads_back_exactly(tmp_path, data, encoding, delimiter):
    ncol = data.draw(st.integers(2, 6), "ncol")
    header = data.draw(st.lists(NAME, min_size=ncol, max_size=ncol, unique=True), "header")
    value = VALUE if encoding != "cp1252" else st.text(alphabet=CP1252_SAFE, max_size=30)
    rows = data.draw(st.lists(st.lists(value, min_size=ncol, max_size=ncol), max_size=25),
                     "rows")
    rows = [r for r in rows if any(v != "" for v in r)]  # an empty record is a blank line
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    starts, line = [], 2
    for r in rows:
        starts.append(line)
        w.writerow(r)
        line += 1 + sum(v.count("\n") + v.count("\r") - v.count("\r\n") for v in r)
    text = buf.getvalue()
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode(encoding))
    res = read_everything(path)
    assert not isinstance(res, SourceError), res
    ((t, frames),) = res
    assert t.columns == header and t.delimiter == delimiter
    got = pd.concat(frames, ignore_index=True) if frames else None
    n = 0 if got is None else len(got)
    assert n == len(rows)
    if n:
        assert got[header].values.tolist() == rows
        assert got[LINE].tolist() == starts
        assert set(got[CORRUPT]) == {""}


# --- mutated and random files of every format -----------------------------------------------------
def _seeds() -> dict[str, bytes]:
    header = "patientId,firstName,lastName,phone,notes\r\n"
    rows = "".join(f'{i},Zoë,O"Brien{i},+9198{i:08d},"line one\r\nline, two"\r\n'.replace(
        'O"Brien', "O'Brien") for i in range(12))
    recs = [{"patientId": i, "name": f"Zoë {i}", "tags": ["a", {"b": i}], "fee": 1.5 * i}
            for i in range(8)]
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["patientId", "name", "registered"])
    for i in range(10):
        ws.append([i, f"N{i}", "2022-01-0" + str(1 + i % 9)])
    xb = io.BytesIO()
    wb.save(xb)
    return {
        ".csv": (header + rows).encode("utf-8"),
        ".tsv": (header + rows).replace(",", "\t").encode("utf-16"),
        ".txt": (header + rows).replace(",", "|").encode("cp1252"),
        ".json": ("[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in recs)
                  + "\n]\n").encode("utf-8"),
        ".ndjson": "".join(json.dumps(r) + "\n" for r in recs).encode("utf-8"),
        ".xlsx": xb.getvalue(),
    }


SEEDS = _seeds()


@st.composite
def mutated(draw):
    ext = draw(st.sampled_from(sorted(SEEDS)))
    b = bytearray(SEEDS[ext])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "nul", "insert", "cp1252", "flip", "dup",
                                     "utf16-odd", "quote"]))
        pos = draw(st.integers(0, max(len(b) - 1, 0)))
        if kind == "truncate":
            del b[pos:]
        elif kind == "nul":
            b[pos:pos] = b"\x00" * draw(st.integers(1, 3))
        elif kind == "insert":
            b[pos:pos] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "cp1252":
            b[pos:pos] = "café Müller – naïve".encode("cp1252")
        elif kind == "flip" and b:
            b[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "dup":
            b[pos:pos] = b[pos:pos + draw(st.integers(1, 200))]
        elif kind == "utf16-odd":
            b[:0] = codecs.BOM_UTF16_LE
            b.append(0x41)
        elif kind == "quote":
            b[pos:pos] = b'"'
    return ext, bytes(b)


ANY_FILE = st.one_of(mutated(), st.tuples(st.sampled_from(sorted(SEEDS)),
                                          st.binary(max_size=3000)))


@settings(FUZZ, max_examples=100)
@given(case=ANY_FILE)
def test_readers_end_in_a_result_or_a_source_error(tmp_path, case):
    ext, content = case
    path = tmp_path / f"patients{ext}"
    path.write_bytes(content)
    read_everything(path)


@settings(FUZZ, max_examples=40)
@given(case=ANY_FILE)
def test_cli_inspect_and_validate_exit_cleanly(tmp_path, case):
    ext, content = case
    path = tmp_path / f"patients{ext}"
    path.write_bytes(content)
    with time_limit(PER_EXAMPLE_S, "inspect"):
        rc, out, err = cli("inspect", path)
    assert_clean_exit(rc, out, err, allowed=(0, 2))
    if rc == 2:
        assert path.name in err
    with time_limit(PER_EXAMPLE_S * 2, "validate"):
        rc, out, err = cli("validate", path, "--quiet")
    assert_clean_exit(rc, out, err)


@pytest.mark.parametrize("ext", [".json", ".ndjson"])
@pytest.mark.parametrize("where", ["array", "object"])
def test_json_nesting_around_the_recursion_limit(tmp_path, ext, where):
    """Every depth from well below to well above Python's recursion limit (the limit that
    counts is the stack depth where the reader happens to be, so the window is swept)."""
    path = tmp_path / f"deep{ext}"
    for depth in range(900, 1100):
        nested = "[" * depth + "]" * depth if where == "array" else \
            '{"a": ' * depth + "1" + "}" * depth
        rec = '{"patientId": 1, "x": %s}' % nested
        text = ("[\n" + rec + ',\n{"patientId": 2, "x": 3}\n]\n') if ext == ".json" else \
            (rec + '\n{"patientId": 2, "x": 3}\n')
        path.write_text(text)
        res = read_everything(path)
        if not isinstance(res, SourceError):
            ((t, frames),) = res
            df = pd.concat(frames, ignore_index=True)
            assert "2" in set(df["patientId"]), depth  # the flat record is always read


# --- pathological files, in a child process: deadline and peak memory ---------------------------
def _wide_csv(p):
    p.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" +
                 ",".join("1" for _ in range(100_000)) + "\n")


def _wide_json(p):
    p.write_text("[\n" + json.dumps({f"k{i}": i for i in range(100_000)}) + "\n]\n")


def _field_csv(size):
    def make(p):
        with open(p, "w") as f:
            f.write("patientId,notes\n1,short\n2,\"")
            chunk = "abc,def\n\"\"" * 1000
            for _ in range(size // len(chunk)):
                f.write(chunk)
            f.write("\"\n3,after\n")
    return make


def _deep_json(p):
    d = 200_000
    p.write_text('[\n{"patientId": 1, "x": ' + "[" * d + "]" * d + "}\n]\n")


def _deep_ndjson(p):
    d = 200_000
    p.write_text('{"patientId": 1}\n{"patientId": 2, "x": ' + "[" * d + "]" * d + "}\n")


def _huge_int_json(p):
    p.write_text('[\n{"patientId": 1, "n": ' + "7" * 5000 + "}\n]\n")


def _long_line_csv(p):
    with open(p, "w") as f:
        for _ in range(30):
            f.write("x" * (1 << 20))


def _late_nul_and_cp1252_csv(p):
    with open(p, "wb") as f:
        f.write(b"patientId,name\n")
        for i in range(30_000):
            f.write(f"{i},Zoë Müller\n".encode())
        f.write("30000,Caf\xe9 \x00 late\n".encode("latin-1"))
        f.write(b"30001,fine\n")


def _zip_bomb_xlsx(p, rows=200_000):
    """A workbook whose sheet unpacks to ~150 MB from a few hundred KB."""
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["patientId", "name"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                z.writestr(info, src.read(info.filename))
                continue
            zi = zipfile.ZipInfo(info.filename)
            zi.compress_type = zipfile.ZIP_DEFLATED
            with z.open(zi, "w", force_zip64=True) as f:
                f.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                        b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                f.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>patientId</t></is></c>'
                        b'</row>')
                block = (b"<row>" + b"<c><v>1</v></c>" * 50 + b"</row>") * 1000
                for _ in range(rows // 1000):
                    f.write(block)
                f.write(b"</sheetData></worksheet>")
    assert p.stat().st_size < 2 << 20


def _garbage_xlsx(p):
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", b"<not really>")
        z.writestr("xl/workbook.xml", os.urandom(5000))


# name -> (file name, builder, expected: "error:<needle>" or "ok")
PATHOLOGICAL = {
    "100k columns (csv)": ("wide.csv", _wide_csv, "error:columns"),
    "100k fields (json)": ("wide.json", _wide_json, "error:fields"),
    "1 MB field": ("big.csv", _field_csv(1 << 20), "ok"),
    "20 MB field": ("huge.csv", _field_csv(20 << 20), "error:damaged"),
    "nested 200k deep (json)": ("deep.json", _deep_json, "error:nested too deeply"),
    "nested 200k deep (ndjson)": ("deep.ndjson", _deep_ndjson, "ok"),
    "5000-digit number": ("number.json", _huge_int_json, "ok"),
    "30 MB line": ("line.csv", _long_line_csv, "error:"),
    "late NUL and cp1252 bytes": ("mixed.csv", _late_nul_and_cp1252_csv, "ok"),
    "zip bomb": ("bomb.xlsx", _zip_bomb_xlsx, "error:zip bomb"),
    "garbage workbook": ("garbage.xlsx", _garbage_xlsx, "error:Excel"),
}
MEMORY_MB = 350      # peak RSS allowed above a child that inspects a tiny file
DEADLINE_S = 60


def _run_cli_child(args, workdir: Path) -> dict:
    out, err = workdir / "stdout.txt", workdir / "stderr.txt"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        p = subprocess.Popen([sys.executable, "-m", "wizard.cli", *map(str, args)],
                             stdout=fo, stderr=fe, cwd=str(ROOT))
        t0 = time.monotonic()
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > DEADLINE_S:
                p.kill()
                p.wait()
                return {"hang": True, "stderr": err.read_text(errors="replace")[-2000:]}
            time.sleep(0.02)
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"hang": False, "rc": p.returncode, "rss_mb": ru.ru_maxrss / 1024,
            "seconds": time.monotonic() - t0, "stdout": out.read_text(errors="replace"),
            "stderr": err.read_text(errors="replace")}


@pytest.fixture(scope="module")
def pathological(tmp_path_factory):
    root = tmp_path_factory.mktemp("patho")
    tiny = root / "tiny"
    tiny.mkdir()
    (tiny / "t.csv").write_text("a,b\n1,2\n")
    base = _run_cli_child(["inspect", tiny / "t.csv", "--no-sample"], tiny)

    def one(name):
        fname, build, _ = PATHOLOGICAL[name]
        d = root / name.replace(" ", "_").replace("(", "").replace(")", "")
        d.mkdir()
        build(d / fname)
        r = _run_cli_child(["inspect", d / fname, "--no-sample"], d)
        r["path"] = d / fname
        return r

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(PATHOLOGICAL, pool.map(one, PATHOLOGICAL)))
    return {"base_mb": base["rss_mb"], "results": results}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_file_clear_outcome_bounded_time_and_memory(pathological, name):
    fname, _, expected = PATHOLOGICAL[name]
    r = pathological["results"][name]
    assert not r["hang"], f"{name}: no answer within {DEADLINE_S} s; {r['stderr']}"
    assert "Traceback" not in r["stdout"] + r["stderr"] and "unexpected" not in r["stderr"], \
        r["stderr"]
    extra = r["rss_mb"] - pathological["base_mb"]
    assert extra < MEMORY_MB, f"{name}: peak memory {r['rss_mb']:.0f} MB " \
        f"({extra:.0f} MB above a tiny file)"
    if expected.startswith("error:"):
        assert r["rc"] == 2, (r["rc"], r["stdout"][-500:], r["stderr"])
        line = r["stderr"].strip().splitlines()[-1]
        assert line.startswith("error: ") and fname in line, line
        assert expected[6:].lower() in line.lower(), line
    else:
        assert r["rc"] == 0, r["stderr"]
        assert fname in r["stdout"]


def test_pathological_results_are_correct_not_just_quiet(pathological):
    """Where the outcome is a result, it is the right one (read again in this process)."""
    res = pathological["results"]
    (t,) = open_source(res["1 MB field"]["path"])
    df = pd.concat(list(t.iter_chunks()), ignore_index=True)
    assert df["patientId"].tolist() == ["1", "2", "3"] and df[LINE].tolist()[:2] == [2, 3]
    assert df["notes"][1] == 'abc,def\n"' * ((1 << 20) // 10000 * 1000)
    assert df["notes"][2] == "after"
    (t,) = open_source(res["5000-digit number"]["path"])
    df = pd.concat(list(t.iter_chunks()), ignore_index=True)
    assert df["n"][0] == "7" * 5000
    (t,) = open_source(res["late NUL and cp1252 bytes"]["path"])
    df = pd.concat(list(t.iter_chunks()), ignore_index=True)
    assert len(df) == 30_002 and df["name"][0] == "Zoë Müller"
    bad = df[df[CORRUPT] != ""]
    assert bad["patientId"].tolist() == ["30000"], bad.head()
    (t,) = open_source(res["nested 200k deep (ndjson)"]["path"])
    df = pd.concat(list(t.iter_chunks()), ignore_index=True)
    assert df["patientId"][0] == "1" and df[CORRUPT][0] == "" and df[CORRUPT][1] != ""


@pytest.mark.parametrize("ext", [".xlsx", ".csv", ".json", ".ndjson"])
@pytest.mark.parametrize("replacement", [b"", b"PK\x03\x04garbage", b"\xff\xfe\x00\xd8A"])
def test_file_damaged_after_it_was_opened(tmp_path, ext, replacement):
    """The export changes under the wizard (copied over, cut short) between inspection and
    reading: a SourceError or a result, never the reader's own exception."""
    path = tmp_path / f"patients{ext}"
    path.write_bytes(SEEDS[ext])
    tables = open_source(path)
    path.write_bytes(replacement)
    for t in tables:
        try:
            with time_limit(PER_EXAMPLE_S):
                check_frames(t, list(t.iter_chunks(chunk_rows=5)))
        except SourceError as e:
            assert path.name in str(e)
