"""Readers: formats, encodings, delimiters, provenance, and clear errors for bad files."""
import json
import os

import pandas as pd
import pytest

from wizard.core.readers import CORRUPT, LINE, SourceError, open_source, open_sources

HEADER = "patientId,firstName,notes\r\n"
ROWS = ['1,Asha,"fine, thanks"\r\n', '2,"O""Brien","line one\r\nline two"\r\n',
        "3,Zoë,plain\r\n"]


def read_all(path, chunk_rows=2):
    (t,) = open_source(path)
    chunks = list(t.iter_chunks(chunk_rows=chunk_rows))
    import pandas as pd
    return t, pd.concat(chunks, ignore_index=True)


def test_csv_quoted_commas_quotes_newlines_and_physical_lines(tmp_path):
    p = tmp_path / "patients.csv"
    p.write_bytes((HEADER + "".join(ROWS)).encode("utf-8"))
    t, df = read_all(p)
    assert t.format == "csv" and t.delimiter == "," and t.encoding == "utf-8"
    assert list(df["firstName"]) == ["Asha", "O'Brien".replace("'", '"'), "Zoë"]
    assert df["notes"][1] == "line one\r\nline two"
    # record 3 starts on physical line 5 because record 2 spans two lines
    assert list(df[LINE]) == [2, 3, 5]
    assert list(df[CORRUPT]) == ["", "", ""]


@pytest.mark.parametrize("encoding,expected", [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
                                               ("cp1252", "cp1252")])
def test_encodings_detected(tmp_path, encoding, expected):
    p = tmp_path / "patients.csv"
    text = HEADER + "".join(ROWS) + "4,Chloé Müller,café\r\n" * 50
    p.write_bytes(text.encode(encoding))
    t, df = read_all(p)
    assert t.encoding == expected
    assert t.columns == ["patientId", "firstName", "notes"]
    assert "Chloé Müller" in set(df["firstName"])


@pytest.mark.parametrize("delim,ext", [("\t", ".tsv"), ("|", ".txt"), (";", ".csv"),
                                       ("\t", ".csv")])
def test_delimiters_sniffed(tmp_path, delim, ext):
    p = tmp_path / f"visits{ext}"
    p.write_text(delim.join(["visitId", "fee", "notes"]) + "\n" +
                 delim.join(["V1", "500", "a, b"]) + "\n", encoding="utf-8")
    t, df = read_all(p)
    assert t.delimiter == delim
    assert df["notes"][0] == "a, b"


def test_headers_padded_with_spaces(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("patientId, firstName, lastName\n1, Asha, Rao\n", encoding="utf-8")
    t, df = read_all(p)
    assert t.columns == ["patientId", "firstName", "lastName"]
    assert df["lastName"][0] == "Rao"


def test_ragged_rows_flagged_not_crashing(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("a,b,c\n1,2,3\n1,2,3,4\n1,2\n", encoding="utf-8")
    t, df = read_all(p)
    assert len(df) == 3
    assert df[CORRUPT][0] == ""
    assert "4 fields" in df[CORRUPT][1] and "2 fields" in df[CORRUPT][2]
    assert list(df[LINE]) == [2, 3, 4]


def test_bad_bytes_inside_utf8_file_flag_the_record(tmp_path):
    p = tmp_path / "p.csv"
    body = b"a,b\n" + "1,Zoë\n".encode() * 30000 + b"2,bad\xff\xfebyte\n3,fine\n"
    p.write_bytes(body)
    t, df = read_all(p, chunk_rows=7000)
    bad = df[df[CORRUPT] != ""]
    assert list(bad["a"]) == ["2"] and int(bad[LINE].iloc[0]) == 30002


def test_json_array_and_ndjson_with_lines(tmp_path):
    recs = [{"patientId": 1, "name": "A", "age": 30.0}, {"patientId": 2, "name": "B",
                                                          "tags": ["x"]}]
    p = tmp_path / "patients.json"
    p.write_text("[\n" + ",\n".join(json.dumps(r) for r in recs) + "\n]\n", encoding="utf-8")
    t, df = read_all(p)
    assert t.format == "json" and list(df[LINE]) == [2, 3]
    assert list(df["age"]) == ["30", ""] and df["tags"][1] == '["x"]'
    q = tmp_path / "visits.ndjson"
    q.write_text(json.dumps(recs[0]) + "\n\nnot json\n" + json.dumps(recs[1]) + "\n")
    t, df = read_all(q)
    assert t.format == "ndjson" and list(df[LINE]) == [1, 3, 4]
    assert "not a valid JSON record" in df[CORRUPT][1]


def test_a_minified_json_array_numbers_its_records_by_place(tmp_path):
    """A whole array on one line (what most APIs and JSON.stringify write): a line would
    name every record, so each is known as "record N", its place in the array."""
    recs = [{"patientId": i, "name": n} for i, n in enumerate("ABC", 1)]
    p = tmp_path / "patients.json"
    p.write_text(json.dumps(recs), encoding="utf-8")
    t, df = read_all(p)
    assert list(df[LINE]) == [1, 2, 3] and list(df["name"]) == ["A", "B", "C"]
    assert t.location(2) == "record 2"


def test_records_sharing_a_line_after_the_layout_was_told_are_refused_by_line(tmp_path):
    """One record per line for the first 2,000 (what tells the layout), then two on one
    line: refused with the record and line named, never a run mixing two numberings."""
    recs = [json.dumps({"patientId": i}) for i in range(1, 2003)]
    p = tmp_path / "patients.json"
    p.write_text("[\n" + ",\n".join(recs[:-1]) + ", " + recs[-1] + "\n]\n", encoding="utf-8")
    t = open_source(p)[0]
    assert t.location_name == "line"
    with pytest.raises(SourceError) as e:
        list(t.iter_chunks())
    assert "record 2002 starts on line 2002" in str(e.value)


def test_excel_every_sheet_is_a_table(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["patientId", "firstName", "registrationDate", "age"])
    import datetime
    ws.append([101, "Asha", datetime.date(2022, 1, 15), 42])
    ws2 = wb.create_sheet("doctors")
    ws2.append(["doctorId", "fullName"])
    ws2.append(["D1", "Dr. Rao"])
    wb.create_sheet("empty")
    p = tmp_path / "export.xlsx"
    wb.save(p)
    tables = open_source(p)
    assert [t.name for t in tables] == ["export.xlsx#patients", "export.xlsx#doctors"]
    df = tables[0].sample()
    assert df["patientId"][0] == "101" and df["registrationDate"][0] == "2022-01-15"
    assert df["age"][0] == "42" and int(df[LINE][0]) == 2


@pytest.mark.parametrize("name,content,needle", [
    ("empty.csv", b"", "empty"),
    ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    ("data.parquet", b"PAR1", "unknown format"),
    ("broken.xlsx", b"PK\x03\x04 this is no workbook", "Excel"),
    ("cut.json", b'[\n{"a": 1},\n{"a": 2', "cut off"),
    ("scalar.json", b'"just a string"', "not JSON"),
])
def test_bad_files_give_clear_errors(tmp_path, name, content, needle):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(SourceError) as e:
        (t,) = open_source(p)
        list(t.iter_chunks())
    assert name in str(e.value) and needle.lower() in str(e.value).lower()


def test_unclosed_quote_names_the_line(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text('a,b\n1,"ok"\n2,"never closed\n3,x\n', encoding="utf-8")
    t = open_source(p)[0]
    # an unclosed quote swallows the rest of the file into one field: still a record,
    # never a crash, and its start line is right
    import pandas as pd
    df = pd.concat(list(t.iter_chunks()))
    assert list(df[LINE]) == [2, 3]


def test_folder_skips_non_tables_and_reports_them(tmp_path):
    (tmp_path / "patients.csv").write_text("patientId\n1\n")
    (tmp_path / "manifest.json").write_text('{\n "not": "a table"\n}')
    (tmp_path / "readme.md").write_text("ignored: not a supported extension")
    tables, errors = open_sources([tmp_path])
    assert [t.name for t in tables] == ["patients.csv"]
    assert len(errors) == 1 and "manifest.json" in str(errors[0])


def test_chunks_bound_memory_and_count_matches(tmp_path):
    p = tmp_path / "big.csv"
    with open(p, "w", newline="") as f:
        f.write("id,v\n")
        for i in range(12345):
            f.write(f"{i},x\n")
    (t,) = open_source(p)
    sizes = [len(c) for c in t.iter_chunks(chunk_rows=1000)]
    assert max(sizes) == 1000 and sum(sizes) == 12345
    assert t.estimate_rows() == 12345


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_chunk_handed_on_leaves_no_records_for_the_collector(tmp_path, fmt):
    """While the caller holds a chunk, the reader keeps none of the chunk's per-record
    lists alive: a cycle collection there (the engine runs one per chunk) would walk them
    all. (JSON's records are dicts of plain values, which the collector never walks.)"""
    import gc
    recs = [{"id": str(i), "a": f"x{i}", "b": "y", "c": "z", "d": "w"} for i in range(6000)]
    p = tmp_path / f"big.{fmt}"
    if fmt == "csv":
        p.write_text("id,a,b,c,d\n" + "".join(",".join(r.values()) + "\n" for r in recs))
    else:
        import pandas as pd
        pd.DataFrame(recs).to_excel(p, index=False)
    (t,) = open_source(p)
    it = t.iter_chunks(chunk_rows=5000)
    chunk = next(it)
    del recs
    gc.collect()
    per_record = sum(1 for o in gc.get_objects()
                     if type(o) is list and len(o) == 5 and all(type(v) is str for v in o))
    assert len(chunk) == 5000 and per_record < 500
    assert len(next(it)) == 1000


def test_file_hash_and_line_estimate_come_from_one_read_and_follow_changes(tmp_path):
    import os
    from wizard.core.readers import file_sha256, open_source
    p = tmp_path / "patients.csv"
    p.write_text("id,name\n1,a\n2,b\n")
    (st,) = open_source(p)
    assert st.sha256() == file_sha256(p) and st.estimate_rows() == 2
    with open(p, "a") as f:
        f.write("3,c\n")
    os.utime(p, ns=(1, 1))  # a changed file, even within the same clock tick
    assert st.sha256() == file_sha256(p) and st.estimate_rows() == 3


def test_a_stray_nul_marks_its_record_not_the_whole_file(tmp_path):
    p = tmp_path / "patients.csv"
    p.write_bytes(b"id,name\n1,Asha\n2,Ra\x00vi\n3,Meera\n")
    (st,) = open_source(p)
    (chunk,) = list(st.iter_chunks())
    assert chunk["id"].tolist() == ["1", "2", "3"]
    assert chunk[LINE].tolist() == [2, 3, 4]
    assert chunk[CORRUPT].tolist() == ["", "the record has a NUL character (binary data)", ""]
    assert "\x00" not in chunk["name"].iloc[1]


BOM_NOTE = ("field '{}' holds a byte-order mark (U+FEFF), an invisible character that "
            "belongs only at the start of a file: remove it and read the file again")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("chunk_rows", [2, 7_000])  # a sample; the byte search of the file
def test_a_byte_order_mark_where_a_joined_export_begins_is_taken_off(tmp_path, encoding,
                                                                      chunk_rows):
    """Two exports joined together (cat a.csv b.csv): the second one's mark begins a line.
    Kept, it began the first field, patient "\ufeff2", whose visits were then orphans."""
    first = "id,name\r\n1,Asha\r\n".encode(encoding)
    second = '2,Ravi\r\n"3","Meera"\r\n'.encode(encoding)
    if encoding == "utf-8":
        first, second = b"\xef\xbb\xbf" + first, b"\xef\xbb\xbf" + second
    p = tmp_path / "patients.csv"
    p.write_bytes(first + second + "4,Noor\r\n".encode("utf-16-le" if encoding == "utf-16"
                                                     else encoding))
    (t,) = open_source(p)
    df = pd.concat(t.iter_chunks(chunk_rows=chunk_rows), ignore_index=True)
    assert df["id"].tolist() == ["1", "2", "3", "4"]
    assert df["name"].tolist() == ["Asha", "Ravi", "Meera", "Noor"]
    assert df[LINE].tolist() == [2, 3, 4, 5] and set(df[CORRUPT]) == {""}


@pytest.mark.parametrize("chunk_rows", [2, 7_000])
def test_a_byte_order_mark_inside_a_value_marks_its_record_damaged(tmp_path, chunk_rows):
    """Anywhere but where a line begins, the mark is in a value, where it would stay unseen:
    the record is damaged, the field named (a mark on a line inside a value over several
    lines, too)."""
    p = tmp_path / "patients.csv"
    p.write_text("id,name,notes,ward\n1,Asha,ok,A\n2,\ufeffRavi,ok,B\n"
                 '3,Meera,"first\n\ufeffsecond",C\n"\ufeff4",Noor,ok,D\n5,Lee,ok,E\n',
                 encoding="utf-8")
    (t,) = open_source(p)
    df = pd.concat(t.iter_chunks(chunk_rows=chunk_rows), ignore_index=True)
    assert df[LINE].tolist() == [2, 3, 4, 6, 7]
    notes = df[CORRUPT].tolist()
    assert notes[0] == notes[4] == ""
    assert notes[1] == BOM_NOTE.format("name")
    assert notes[2].startswith("line 5, inside a value over several lines, begins with a "
                               "byte-order mark (U+FEFF)")
    assert notes[3] == BOM_NOTE.format("id")


def test_a_byte_order_mark_in_a_json_record_marks_it_damaged(tmp_path):
    """NDJSON takes a mark off where a line begins (joined exports); one in a value, as
    text or escaped, marks its record damaged, naming the field; in a JSON array too."""
    p = tmp_path / "patients.ndjson"
    p.write_bytes(b'\xef\xbb\xbf{"id": "1"}\n\xef\xbb\xbf{"id": "2"}\n'
                  b'{"id": "3", "name": "\\ufeffMeera"}\n'
                  b'{"id": "4", "tags": ["a", "\xef\xbb\xbfb"]}\n{"id": "\\\\ufeff5"}\n')
    (t,) = open_source(p)
    df = pd.concat(t.iter_chunks(), ignore_index=True)
    assert df["id"].tolist() == ["1", "2", "3", "4", "\\ufeff5"]
    assert df[CORRUPT].tolist() == ["", "", BOM_NOTE.format("name"), BOM_NOTE.format("tags"),
                                    ""]
    p = tmp_path / "visits.json"
    p.write_text('[{"id": "V1"}, {"id": "V2", "note": "\ufeffx"}, {"id": "V3"}]',
                 encoding="utf-8")
    (t,) = open_source(p)
    (df,) = list(t.iter_chunks())
    assert df[CORRUPT].tolist() == ["", BOM_NOTE.format("note"), ""]


@pytest.mark.parametrize("block", [3, 1 << 20])
@pytest.mark.parametrize("name", ["patients.ndjson", "patients.json", "export.json"])
def test_a_name_twice_in_a_json_record_marks_it_damaged(tmp_path, monkeypatch, block, name):
    """{"id": "2", "id": "3"}: the json module kept the last value without a word. The
    record is damaged, naming the field (or the field whose object has a name twice: a
    name inside a value may be data, not shown); in NDJSON, an array, an object of
    arrays, and wherever the blocks of an array end."""
    from wizard.core.readers import json_records
    monkeypatch.setattr(json_records, "JSON_BLOCK", block)
    recs = ['{"id": "1", "name": "Asha"}', '{"id": "2", "name": "Ravi", "id": "3"}',
            '{"id": "4", "name": "Noor", "ward": {"bed": 1, "bed": 2}}',
            '{"id": "5", "name": "Meera"}']
    text = {"patients.ndjson": "\n".join(recs) + "\n", "patients.json": "[" + ",\n".join(recs)
            + "]", "export.json": '{"patients": [' + ",\n".join(recs) + "]}"}[name]
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    (t,) = open_source(p)
    df = pd.concat(t.iter_chunks(), ignore_index=True)
    assert df["id"].tolist() == ["1", "3", "4", "5"] and df[LINE].tolist() == [1, 2, 3, 4]
    assert df[CORRUPT].tolist() == [
        "", "the record has field 'id' twice: which of its values is right cannot be told "
        "(only the last would be kept); correct the file",
        "field 'ward' holds an object with a name twice: which of its values is right cannot "
        "be told (only the last would be kept); correct the file", ""]


@pytest.mark.parametrize("name", ["visits.ndjson", "visits.json", "export.json"])
def test_undecodable_bytes_in_a_json_record_mark_it_damaged_and_are_replaced(tmp_path, name):
    """A byte that is not UTF-8 in a UTF-8 JSON file: an array's record was read without a
    note, its value holding a lone surrogate that no database or file can take (validate
    stopped with an unexpected UnicodeEncodeError); NDJSON noted it but kept the value.
    Now each such byte is U+FFFD, as in CSV, and the record is damaged."""
    recs = [f'{{"id": "V{i}", "note": "Zoë Ünal"}}'.encode() for i in range(1, 6)]
    recs[2] = b'{"id": "V3", "note": "R\xe9vi", "R\xe9": 1}'
    text = {"visits.ndjson": b"\n".join(recs) + b"\n", "visits.json": b"[" + b",\n".join(recs)
            + b"]", "export.json": b'{"visits": [' + b",\n".join(recs) + b"]}"}[name]
    p = tmp_path / name
    p.write_bytes(text)
    (t,) = open_source(p)
    assert t.encoding == "utf-8"
    df = pd.concat(t.iter_chunks(), ignore_index=True)
    assert df["note"].tolist()[2] == "R\ufffdvi"
    assert df[CORRUPT].tolist() == ["", "", "the record has bytes that are not valid utf-8 "
                                    "text", "", ""]
    for col in df.columns:  # every name and value can be written as UTF-8
        (col + "".join(map(str, df[col]))).encode("utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-16"])
def test_a_nul_far_into_the_file_is_found_in_any_encoding(tmp_path, encoding):
    """The reader searches chunks for a NUL only when the file may hold one: a byte search
    of the whole file decides (not of its start), and UTF-16 is always searched."""
    p = tmp_path / "patients.csv"
    rows = [f"{i},Name {i} " + "x" * 40 for i in range(1, 40_001)]  # about 2 MB
    rows[35_000] = "35001,Ra\x00vi"
    p.write_text("id,name\n" + "\n".join(rows) + "\n", encoding=encoding)
    (st,) = open_source(p)
    for chunk_rows in (7_000, 1_000):  # the byte search of the file; each chunk searched
        bad = [(line, c) for ch in st.iter_chunks(chunk_rows)
               for line, c in zip(ch[LINE].tolist(), ch[CORRUPT].tolist()) if c]
        assert bad == [(35_002, "the record has a NUL character (binary data)")]
    (fresh,) = open_source(p)
    fresh.sha256()  # the audit trail's read of the file notes the NUL byte on the way
    assert fresh._nul_bytes[1] is True and fresh.has_nul_bytes()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_as_not_a_regular_file(tmp_path):
    """A named pipe given as a source read as "the file is empty" (its size is 0); in a
    folder it was left out without a word. Never opened: that would wait for a writer."""
    os.mkfifo(tmp_path / "patients.csv")
    (tmp_path / "visits.csv").write_text("id,patientId\nV1,1\n")
    with pytest.raises(SourceError) as e:
        open_source(tmp_path / "patients.csv")
    assert str(e.value) == ("patients.csv: this is not a regular file (a named pipe, a device "
                            "or a socket): the wizard reads exports saved as files")
    tables, errors = open_sources([tmp_path])
    assert [t.name for t in tables] == ["visits.csv"]
    assert [str(e) for e in errors] == [str(e.value)]


def test_a_link_in_an_export_folder_to_a_file_outside_it_is_refused(tmp_path):
    """A link in the export folder to a file elsewhere (another export's, an older one's)
    was read as one of the export's files without a note, and a link to nothing was left
    out unsaid. Both are errors naming the target; a link within the folder is followed,
    and a link named on its own is the operator's choice."""
    export, old = tmp_path / "export", tmp_path / "old"
    export.mkdir(), old.mkdir()
    (old / "patients.csv").write_text("id,name\n1,Asha\n")
    (export / "visits.csv").write_text("id,patientId\nV1,1\n")
    try:
        (export / "patients.csv").symlink_to(old / "patients.csv")
    except OSError:
        pytest.skip("no symbolic links here")
    (export / "current_visits.csv").symlink_to("visits.csv")
    (export / "doctors.csv").symlink_to(tmp_path / "nowhere.csv")
    (export / "bills.csv").symlink_to("bills.json")  # a loop of links
    (export / "bills.json").symlink_to("bills.csv")
    tables, errors = open_sources([export])
    assert [t.name for t in tables] == ["current_visits.csv", "visits.csv"]
    nowhere = tmp_path / "nowhere.csv"
    assert [str(e) for e in errors] == [
        "bills.csv: this is a link to a file that does not exist (bills.json)",
        "bills.json: this is a link to a file that does not exist (bills.csv)",
        f"doctors.csv: this is a link to a file that does not exist ({nowhere})",
        f"patients.csv: this is a link to a file outside the folder "
        f"({(old / 'patients.csv').resolve()}): name that file on its own to read it, or copy "
        "it into the folder"]
    (t,) = open_source(export / "patients.csv")
    assert t.columns == ["id", "name"]


def test_a_sample_does_not_read_the_whole_file(tmp_path, monkeypatch):
    p = tmp_path / "patients.csv"
    p.write_text("id,name\n" + "".join(f"{i},Name {i}\n" for i in range(1, 20_001)))
    (st,) = open_source(p)

    def whole_file(self):
        raise AssertionError("the whole file was read for a sample")

    monkeypatch.setattr(type(st), "has_nul_bytes", whole_file)
    assert st.sample(20)["id"].tolist() == [str(i) for i in range(1, 21)]


def test_a_nul_in_the_header_line_refuses_the_file_at_line_1(tmp_path):
    p = tmp_path / "patients.csv"
    p.write_bytes(b"id,na\x00me\n1,Asha\n")
    with pytest.raises(SourceError) as e:
        open_source(p)
    assert e.value.line == 1 and "NUL" in str(e.value)


VISITS = "visitId,patientId,doctorId,visitDate,fee,diagnosis,notes\n"


def test_a_quote_left_open_cannot_swallow_records_silently(tmp_path):
    """The open quote on line 3 takes line 4's visit into its notes, up to the next quote:
    the reader still returns whole records, so V3 would vanish without a trace. The record
    is damaged, and says which line it swallowed."""
    p = tmp_path / "visits.csv"
    p.write_text(VISITS +
                 "V1,P1,D1,2022-01-01,300,Flu,fine\n"
                 'V2,P1,D1,2022-01-02,300,Flu,"left open\n'
                 'V3,P2,D1,2022-01-03,300,Cold,"quoted"\n'
                 "V4,P2,D1,2022-01-04,300,Cold,fine\n", encoding="utf-8")
    t, df = read_all(p, chunk_rows=10)
    assert list(df["visitId"]) == ["V1", "V2", "V4"]  # V3 is inside V2's notes
    assert list(df[LINE]) == [2, 3, 5]
    note = df[CORRUPT][1]
    assert "line 4" in note and "quote left open on line 3" in note
    assert list(df[CORRUPT][[0, 2]]) == ["", ""]
    # never closed: the rest of the file is swallowed, and said so too
    p.write_text(VISITS + 'V1,P1,D1,2022-01-01,300,Flu,"never closed\n'
                 "V2,P1,D1,2022-01-02,300,Flu,fine\n", encoding="utf-8")
    t, df = read_all(p, chunk_rows=10)
    assert list(df["visitId"]) == ["V1"] and "line 3" in df[CORRUPT][0]


def test_a_quote_left_open_that_a_later_records_quote_closes_is_found(tmp_path):
    """The open quote of line 2 ends at the first quote of line 3's record: the forgiving
    reader then reads one record of the right width holding both, and patient 103 would
    vanish. Its quotes do not pair up, and the record says so; notes over several lines
    with doubled quotes are whole. Files of few columns too."""
    p = tmp_path / "patients.csv"
    p.write_text("patientId,firstName,lastName,phone,age,gender,address,registered\n"
                 '102,Ravi,Shah,+919620168493,50,M,"2 MG Road, Ward 9,2022-02-16\n'
                 '103,Mina,Das,+919620168494,30,F,"3 Hill St",2021-01-05\n'
                 '104,Asha,Rao,+919620168495,41,F,"4 Hill St\nsaid ""near the temple""",'
                 "2021-01-05\n", encoding="utf-8")
    t, df = read_all(p, chunk_rows=2)
    assert list(df["patientId"]) == ["102", "104"] and list(df[LINE]) == [2, 4]
    assert "quotes do not pair up" in df[CORRUPT][0] and "line 2" in df[CORRUPT][0]
    assert df[CORRUPT][1] == "" and df["address"][1] == '4 Hill St\nsaid "near the temple"'
    p = tmp_path / "doctors.csv"
    p.write_text('doctorId,name,notes\nD1,Rao,"open\nD2,Iyer,"x"\nD3,Sen,fine\n',
                 encoding="utf-8")
    t, df = read_all(p, chunk_rows=10)
    assert list(df["doctorId"]) == ["D1", "D3"] and "quotes do not pair up" in df[CORRUPT][0]
    # a record the open quote makes too wide says why, beside its width
    p.write_text('doctorId,name,notes\nD1,Rao,"open\nD2,"Iyer",x\nD3,Sen,fine\n',
                 encoding="utf-8")
    t, df = read_all(p, chunk_rows=10)
    assert list(df["doctorId"]) == ["D1", "D3"]
    assert df[CORRUPT][0].startswith("the record has 4 fields where the header has 3, and its "
                                     "quotes do not pair up: is a quote left open on line 2?")


def test_notes_over_several_lines_are_not_taken_for_swallowed_records(tmp_path):
    p = tmp_path / "visits.csv"
    p.write_text(VISITS +
                 'V1,P1,D1,2022-01-01,300,Flu,"BP 150/95, review in 2 weeks\n'
                 'then: rest, fluids, paracetamol, vitamin C, zinc, a walk, sleep"\n'
                 'V2,P1,D1,2022-01-02,300,Flu,"first line\n'
                 'second, third, fourth, fifth, sixth, seventh"\n', encoding="utf-8")
    t, df = read_all(p, chunk_rows=10)
    assert list(df["visitId"]) == ["V1", "V2"]
    assert list(df[CORRUPT]) == ["", ""]


def test_utf8_records_in_a_file_read_as_cp1252_are_damaged_not_garbled(tmp_path):
    """A file whose start is cp1252 is read as cp1252; records further down saved as UTF-8
    would come in as 'JosÃ©'. They are damaged records instead; cp1252 text stays whole."""
    p = tmp_path / "patients.csv"
    head = b"patientId,firstName,city\n"
    rows = [f"{i},Jos\u00e9,S\u00e3o Paulo\n".encode("cp1252" if i < 300 else "utf-8")
            for i in range(400)]
    p.write_bytes(head + b"".join(rows))
    t, df = read_all(p, chunk_rows=150)
    assert t.encoding == "cp1252"
    bad = df[df[CORRUPT] != ""]
    assert list(bad["patientId"]) == [str(i) for i in range(300, 400)]
    assert "mixes encodings" in bad[CORRUPT].iloc[0]
    assert set(df["firstName"][:300]) == {"Jos\u00e9"}


def test_rows_of_delimiters_alone_are_skipped_as_blank_lines(tmp_path):
    """Spreadsheets leave ',,,,' rows at the end of an export: no data, no record (they
    counted as records without an id). A row with anything in it, even past the header's
    width, stays a record."""
    p = tmp_path / "patients.csv"
    p.write_text("patientId,name,city\n1,Asha,Pune\n,,\n,\n,,,x\n2,Ravi,Goa\n,,\n",
                 encoding="utf-8")
    t, df = read_all(p, chunk_rows=3)
    assert list(df[LINE]) == [2, 5, 6] and list(df["patientId"]) == ["1", "", "2"]
    assert "4 fields" in df[CORRUPT][1]


@pytest.mark.parametrize("first", ["sep=;", '"sep=;";;', "SEP=;"])
def test_excels_sep_line_names_the_delimiter_and_lines_keep_their_numbers(tmp_path, first):
    """Excel writes (and reads) a first line "sep=;" naming the delimiter: the column names
    are on line 2, and every record keeps the line number a text editor shows."""
    p = tmp_path / "patients.csv"
    p.write_bytes(f"{first}\r\npatientId;name;city\r\n1;Asha;Pune\r\n2;\"Ravi\r\nK\";Goa\r\n"
                  "3;Mira;Agra;extra\r\n4;Anu;Delhi\r\n".encode("utf-8"))
    t, df = read_all(p, chunk_rows=2)
    assert t.delimiter == ";" and t.columns == ["patientId", "name", "city"]
    assert list(df[LINE]) == [3, 4, 6, 7] and list(df["patientId"]) == ["1", "2", "3", "4"]
    assert df["name"][1] == "Ravi\r\nK" and "4 fields" in df[CORRUPT][2]
    assert t.estimate_rows() == 5  # physical lines after the header: an upper bound


def test_a_sep_line_the_column_names_contradict_gives_way(tmp_path):
    """'sep=,' over names separated by ';' (and none by ','): the names' delimiter is read,
    not one column named 'patientId;name'."""
    p = tmp_path / "patients.csv"
    p.write_text("sep=,\npatientId;name\n1;Asha, R.\n", encoding="utf-8")
    t, df = read_all(p)
    assert t.delimiter == ";" and list(df["name"]) == ["Asha, R."] and list(df[LINE]) == [3]


def test_a_sep_line_with_nothing_after_it_names_line_2(tmp_path):
    p = tmp_path / "patients.csv"
    p.write_text("sep=,\n\n1,Asha\n", encoding="utf-8")
    with pytest.raises(SourceError) as e:
        open_source(p)
    assert e.value.line == 2 and "after 'sep='" in e.value.problem


JSON_TEXT = ('[\n {"id": 1, "fee": 12345678, "note": "a\\nb"},\n'
             ' {"id": 2,\n  "fee": 2.5},\n\n 789.25e+1,\n {"id": "x", "name": "Ré"}\n]\n')


@pytest.mark.parametrize("block", [1, 3, 7, 50, 1 << 20])
def test_a_json_array_reads_the_same_a_block_at_a_time(tmp_path, monkeypatch, block):
    """Records, their lines and their notes do not depend on where the blocks end (a
    number or a name cut in two by a block's end reads whole)."""
    from wizard.core.readers import json_records
    p = tmp_path / "visits.json"
    p.write_text(JSON_TEXT, encoding="utf-8")
    (t,) = open_source(p)
    monkeypatch.setattr(json_records, "JSON_BLOCK", block)
    got = list(json_records._iter_json_array(t))
    assert got == [(2, {"id": 1, "fee": 12345678, "note": "a\nb"}, ""),
                   (3, {"id": 2, "fee": 2.5}, ""),
                   (6, None, "the array element is not a record (an object with fields)"),
                   (7, {"id": "x", "name": "Ré"}, "")]


@pytest.mark.parametrize("block", [2, 1 << 20])
@pytest.mark.parametrize("text,line,needle", [
    ('[\n{"a": 1},\n{"a": 2', 3, "cut off"),
    ('[\n{"a": 1},\n{"a": 2}', 3, "no closing"),
    ('[\n{"a": 1},\n{"a": }\n,{"a": 3}]', 3, "damaged"),
    ('[\n{"a": 1}\n{"a": 2}]', 3, "expected ',' or ']'"),
])
def test_a_damaged_json_array_names_its_line_whatever_the_blocks(tmp_path, monkeypatch, block,
                                                                  text, line, needle):
    from wizard.core.readers import json_records
    p = tmp_path / "visits.json"
    p.write_text(text, encoding="utf-8")
    monkeypatch.setattr(json_records, "JSON_BLOCK", block)
    with pytest.raises(SourceError) as e:
        open_source(p)  # (its columns come from the first records)
    assert e.value.line == line and needle in e.value.problem


def test_a_big_json_array_is_not_read_whole(tmp_path, monkeypatch):
    import tracemalloc

    from wizard.core.readers import json_records
    p = tmp_path / "visits.json"
    p.write_text("[" + ",\n".join(json.dumps({"id": i, "note": "x" * 200})
                                  for i in range(20_000)) + "]", encoding="utf-8")
    (t,) = open_source(p)
    monkeypatch.setattr(json_records, "JSON_BLOCK", 16_384)
    tracemalloc.start()
    try:
        n = sum(1 for _ in json_records._iter_json_array(t))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert n == 20_000 and p.stat().st_size > 4_000_000 and peak < 500_000


def test_a_json_object_of_arrays_gives_a_table_per_array(tmp_path):
    """{"patients": [...], "visits": [...]} (or an API's {"data": [...]}): each array of
    records is a table, named like a workbook's sheets; other members are passed over."""
    p = tmp_path / "export.json"
    p.write_text('{"exported": "2026-11-01", "meta": {"rows": [1, 2]},\n'
                 ' "patients": [\n  {"patientId": "1", "name": "Asha"},\n'
                 '  {"patientId": "2", "name": "Ravi"}\n ],\n'
                 ' "tags": ["a", "b"],\n'
                 ' "visits": [{"visitId": "V1", "patientId": "1"}]}\n', encoding="utf-8")
    tables = open_source(p)
    assert [(t.name, t.stem, t.columns) for t in tables] == [
        ("export.json#patients", "patients", ["patientId", "name"]),
        ("export.json#visits", "visits", ["visitId", "patientId"])]
    patients = list(tables[0].iter_chunks())[0]
    assert list(patients[LINE]) == [3, 4] and list(patients["name"]) == ["Asha", "Ravi"]
    visits = list(tables[1].iter_chunks())[0]
    assert list(visits[LINE]) == [7] and list(visits["visitId"]) == ["V1"]


def test_a_one_line_json_object_of_records_is_no_record_per_line(tmp_path):
    p = tmp_path / "api.json"
    p.write_text('{"data":[{"a":1},{"a":2},{"a":3}],"next":null}', encoding="utf-8")
    (t,) = open_source(p)
    assert t.name == "api.json#data" and list(next(t.iter_chunks())["a"]) == ["1", "2", "3"]
    q = tmp_path / "lines.json"  # a record per line stays a record per line
    q.write_text('{"a": 1, "b": [{"c": 2}]}\n{"a": 3, "b": []}\n', encoding="utf-8")
    (t,) = open_source(q)
    assert t.format == "ndjson" and len(next(t.iter_chunks())) == 2


@pytest.mark.parametrize("text,line", [
    ('{"patients": [\n{"a": 1},\n{"a": 2}\n],\n"visits": [\n{"v": }\n]}', 6),
    ('{"patients": [\n{"a": 1},\n{"a": }\n]}', 3),  # in the first table
])
def test_a_damaged_json_object_of_arrays_names_the_line(tmp_path, text, line):
    p = tmp_path / "export.json"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as e:
        open_source(p)
    assert e.value.line == line and "damaged" in e.value.problem


def _patched_workbook(path, rows, replace=(), at="A1"):
    """A one-sheet workbook ("bills") of these rows from cell ``at``, its sheet's XML then
    edited (openpyxl writes no formula values: Excel's own forms are written in here)."""
    import zipfile
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "bills"
    col, row = openpyxl.utils.cell.coordinate_from_string(at)
    first = openpyxl.utils.cell.column_index_from_string(col)
    for r, values in enumerate(rows, start=row):
        for c, v in enumerate(values, start=first):
            if v is not None:
                ws.cell(r, c, v)
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    for old, new in replace:
        assert old in parts[sheet], old
        parts[sheet] = parts[sheet].replace(old, new)
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def test_excel_lines_are_row_numbers_when_the_table_starts_lower_down(tmp_path):
    """A sheet whose column names are on row 3 (a title above, empty rows): each record's
    line is its row in Excel, and a formula's row is the record that holds it."""
    p = _patched_workbook(tmp_path / "bills.xlsx", [
        ["billId", "fee", "total"], ["B1", 100, 200], ["B2", 150, "=B5*2"], ["B3", 10, 20]],
        at="B3")
    (t,) = open_source(p)
    df = t.sample()
    assert list(df[LINE]) == [4, 5, 6] and list(df["billId"]) == ["B1", "B2", "B3"]
    assert list(df[CORRUPT].str.startswith("cell D5 holds a formula")) == [False, True, False]


def test_excel_error_results_and_empty_text_results(tmp_path):
    """#DIV/0! read as an empty cell would lose the fact; a formula whose result is empty
    text, as Excel saves it (<v></v> with t="str"), is an empty value, not a missing one."""
    p = _patched_workbook(tmp_path / "bills.xlsx", [
        ["billId", "fee", "total"], ["B1", 100, "=1/0"], ["B2", 150, '=IF(1,"","x")']],
        replace=[(b"<f>1/0</f><v />", b"<f>1/0</f><v>#DIV/0!</v>"),
                 (b'<c r="C2">', b'<c r="C2" t="e">'),
                 (b'<c r="C3">', b'<c r="C3" t="str">'),
                 (b'IF(1,"","x")</f><v />', b'IF(1,"","x")</f><v></v>')])
    (t,) = open_source(p)
    df = t.sample()
    assert df[CORRUPT][0] == ("cell C2 (#DIV/0!) holds an error instead of a value: correct "
                              "the formula in the workbook")
    assert df[CORRUPT][1] == "" and df["total"][1] == ""


def test_column_names_from_formulas_with_no_value_refuse_the_sheet(tmp_path):
    p = _patched_workbook(tmp_path / "bills.xlsx", [
        ["=\"bill\"&\"Id\"", '="fee"'], ["B1", 100]])
    with pytest.raises(SourceError) as e:
        open_source(p)
    assert e.value.line == 1 and "row 1, above the records, has formula cells with nothing " \
        "to read" in e.value.problem


def _workbook_with_formulas(path, saved_values: bool):
    """A sheet whose 'total' column is formulas, written the way a script writes them (no
    saved value), or as Excel saves them (each with its value)."""
    import zipfile
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "bills"
    ws.append(["billId", "fee", "total"])
    ws.append(["B1", 100, "=B2*2"])
    ws.append(["B2", 150, 300])
    ws.append([None, None, "=B3*2"])  # a row of formulas alone is no blank row
    wb.save(path)
    if saved_values:
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        parts[sheet] = parts[sheet].replace(b"<f>B2*2</f><v />", b"<f>B2*2</f><v>200</v>") \
            .replace(b"<f>B3*2</f><v />", b"<f>B3*2</f><v>300</v>")
        with zipfile.ZipFile(path, "w") as z:
            for n, data in parts.items():
                z.writestr(n, data)
    return path


def test_formulas_with_no_saved_value_mark_their_rows_damaged(tmp_path):
    """A workbook written by a script holds formulas without their values: read as empty
    cells, the totals would be lost without a word. Their rows are damaged, cells named."""
    (t,) = open_source(_workbook_with_formulas(tmp_path / "bills.xlsx", saved_values=False))
    df = t.sample()
    assert list(df[LINE]) == [2, 3, 4] and list(df["total"]) == ["", "300", ""]
    assert df[CORRUPT][0].startswith("cell C2 holds a formula with no saved value")
    assert df[CORRUPT][1] == "" and df[CORRUPT][2].startswith("cell C4 holds a formula")


def test_formulas_with_saved_values_read_as_their_values(tmp_path):
    (t,) = open_source(_workbook_with_formulas(tmp_path / "bills.xlsx", saved_values=True))
    df = t.sample()
    assert list(df["total"]) == ["200", "300", "300"] and set(df[CORRUPT]) == {""}
    assert t.formula_gaps() == {}


def _edit_part(path, part, edit):
    import zipfile
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[part] = edit(parts[part])
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def _doctype(declaration: bytes, before: bytes, entity_at: bytes):
    """An edit that declares a document type and uses an entity it names in a part of the
    XML the cells' reader skips (a sheet's header, workbook.xml's extensions)."""
    def edit(xml: bytes) -> bytes:
        at = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
        xml = xml[:at] + declaration + xml[at:]
        return xml.replace(before, entity_at + before, 1)
    return edit


SHEET_PART, BOOK_PART = "xl/worksheets/sheet1.xml", "xl/workbook.xml"
FOOTER = b"<headerFooter><oddHeader>&clinic;</oddHeader></headerFooter>"
EXTENSION = b'<extLst><ext uri="x"><x>&clinic;</x></ext></extLst>'


@pytest.mark.parametrize("part,edit", [
    (SHEET_PART, _doctype(b'<!DOCTYPE worksheet SYSTEM "names.dtd">', b"</worksheet>", FOOTER)),
    (SHEET_PART, _doctype(b'<!DOCTYPE worksheet [<!ENTITY clinic "North">]>', b"</worksheet>",
                          FOOTER)),
    (SHEET_PART, _doctype(b"<!DOCTYPE worksheet>", b"</worksheet>", b"")),
    (BOOK_PART, _doctype(b'<!DOCTYPE workbook SYSTEM "names.dtd">', b"<workbookPr",
                         EXTENSION)),
    ("xl/_rels/workbook.xml.rels", _doctype(b"<!DOCTYPE Relationships>", b"</Rel", b"")),
], ids=["sheet-external", "sheet-entity", "sheet-bare", "workbook-external", "relationships"])
def test_a_document_type_in_a_workbook_refuses_it_not_its_formula_check(tmp_path, part, edit):
    """A DOCTYPE whose entity the formula check's XML parser could not read turned the check
    off without a word, while the cells' reader, which skips that part, read the formula
    as an empty cell. Workbooks never declare one: refused, naming the part; what it
    declares is never read (no entity expanded, no file fetched)."""
    from wizard.core.readers import formula_gaps
    p = _edit_part(_workbook_with_formulas(tmp_path / "bills.xlsx", saved_values=False),
                   part, edit)
    with pytest.raises(SourceError) as e:
        open_source(p)
    assert str(e.value).startswith(f"bills.xlsx: part '{part}' of the workbook declares a "
                                   "document type (<!DOCTYPE>)")
    with pytest.raises(SourceError):
        formula_gaps(p, "bills")


def test_xml_the_formula_check_cannot_read_refuses_the_workbook(tmp_path):
    """No DOCTYPE, but an entity the XML parser does not know, in the sheet's header that
    the cells' reader skips: the check cannot be done, and says so (it gave up quietly)."""
    p = _edit_part(_workbook_with_formulas(tmp_path / "bills.xlsx", saved_values=False),
                   SHEET_PART, _doctype(b"", b"</worksheet>", FOOTER))
    with pytest.raises(SourceError) as e:
        open_source(p)
    assert str(e.value).startswith(f"bills.xlsx: sheet 'bills': part '{SHEET_PART}' cannot be "
                                   "searched for formulas with no saved value (XML error: "
                                   "undefined entity")


@pytest.mark.parametrize("block", [1, 2, 5, 1 << 20])
def test_a_json_object_of_tables_reads_the_same_a_block_at_a_time(tmp_path, monkeypatch,
                                                                   block):
    """A number cut by a block's end (123. | 45) is read whole, not as 123 and a stray '.'."""
    from wizard.core.readers import json_records
    monkeypatch.setattr(json_records, "JSON_BLOCK", block)
    p = tmp_path / "export.json"
    p.write_text('{"total": 123.45, "n": -7e-2,\n "patients": [{"id": "1"}, {"id": "2"}]}',
                 encoding="utf-8")
    (t,) = open_source(p)
    assert t.name == "export.json#patients" and list(t.sample()["id"]) == ["1", "2"]


@pytest.mark.parametrize("text,line,needle", [
    ('{"patients": [{"id": "1"}],\n "patients": [{"id": "2"}]}', 2, "two arrays of records "
     "are named 'patients'"),
    ('{"patients": [\n {"id": "1"\n  "name": "x"},\n {"id": "2"}\n]}', 3, "damaged"),
    ('{"patients": [\n {"id": "1"}\n]}\n{"more": 1}\n', 4, "goes on after"),
    ('{"data": []}', None, "arrays (data) are empty"),
])
def test_a_json_object_of_tables_that_cannot_be_read_whole_is_refused(tmp_path, text, line,
                                                                      needle):
    """Two arrays of one name (one would be lost), damage in the first record, text after
    the object, nothing but empty arrays: each refused, with its line."""
    p = tmp_path / "export.json"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as e:
        open_source(p)
    assert e.value.line == line and needle in e.value.problem


@pytest.mark.parametrize("name,text", [
    ("a.json", '[{"id": "1", "name": "R\\ud800y"}, {"id": "2", "name": "ok \\ud83d\\ude00"}]'),
    ("b.ndjson", '{"id": "1", "name": "R\\ud800y"}\n{"id": "2", "name": "ok \\ud83d\\ude00"}\n'),
])
def test_half_a_character_pair_escaped_in_json_damages_its_record_only(tmp_path, name, text):
    """\\ud800 alone is valid JSON but no text SQLite or a file can hold (it stopped the whole
    run with an unexpected UnicodeEncodeError): that record is damaged; a whole pair (an
    emoji) is text like any other."""
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    (t,) = open_source(p)
    df = t.sample()
    assert df[CORRUPT][0].startswith("the record has an escaped character that is not valid")
    assert df["name"][0] == "R\ufffdy" and df[CORRUPT][1] == "" and df["name"][1] == "ok 😀"


def test_a_formula_with_no_value_is_found_where_cells_do_not_say_their_place(tmp_path):
    """r="C3" may be left out of a sheet's XML (streaming writers do): the cell's place is
    counted, and its record is still marked, not read as an empty cell."""
    import re
    import zipfile
    p = _patched_workbook(tmp_path / "bills.xlsx", [
        ["billId", "fee", "total"], ["B1", 100, 200], ["B2", 150, "=B3*2"]])
    with zipfile.ZipFile(p) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = re.sub(rb' r="[A-Z]*[0-9]+"', b"", parts[sheet])
    assert b' r="' not in parts[sheet]
    with zipfile.ZipFile(p, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    (t,) = open_source(p)
    df = t.sample()
    assert list(df["billId"]) == ["B1", "B2"] and df[CORRUPT][0] == ""
    assert df[CORRUPT][1].startswith("cell C3 holds a formula with no saved value")


def test_half_a_character_pair_in_an_array_name_is_replaced_not_a_crash(tmp_path):
    p = tmp_path / "export.json"
    p.write_text('{"pat\\ud800": [{"id": "1"}]}', encoding="utf-8")
    (t,) = open_source(p)
    assert t.name == "export.json#pat\ufffd" and list(t.sample()["id"]) == ["1"]
    t.name.encode("utf-8")  # shown, logged and stored as any name is


def test_repeated_column_names_get_names_of_their_own(tmp_path):
    """id,id,id.1: the second id was named id.1, like the third, and reading the file
    stopped with an unexpected TypeError (a column name stood for two columns); now the
    third, whose own name is taken, becomes id.1.1."""
    p = tmp_path / "t.csv"
    p.write_text("id,id,id.1,name\n1,2,3,a\n", encoding="utf-8")
    (t,) = open_source(p)
    assert t.columns == ["id", "id.1", "id.1.1", "name"]
    chunk = next(t.iter_chunks())
    assert chunk["id.1"].tolist() == ["2"] and chunk["id.1.1"].tolist() == ["3"]


def test_a_utf8_file_read_with_a_code_page_chosen_for_it_says_to_choose_utf8(tmp_path):
    """A profile's encoding: cp1252, left from an earlier copy, on a file now saved as
    UTF-8: the records say the chosen encoding may be the mistake, not only a mixed file."""
    from wizard.core.readers import open_sources
    p = tmp_path / "patients.csv"
    p.write_bytes("patientId,firstName\n1,Jos\u00e9\n2,Ren\u00e9e\n".encode("utf-8"))
    tables, errors = open_sources([p], encodings=lambda path: "cp1252")
    assert not errors
    df = pd.concat(list(tables[0].iter_chunks()))
    bad = df[df[CORRUPT] != ""]
    assert list(bad["patientId"]) == ["1", "2"]
    assert "the encoding chosen for it: if the whole file is UTF-8, choose utf-8" in \
        bad[CORRUPT].iloc[0]
