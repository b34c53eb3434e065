"""Excel workbooks (read with python-calamine, a sheet a table), and the scan of a sheet's
XML for formulas that left no value the reader sees."""
from __future__ import annotations

import re
from pathlib import Path

from .base import (_CHUNK_READERS, _FORMULA_SCANS, SourceError, SourceTable, _cell,
                   _clean_header, _frame)


MAX_SHEET_CELLS = 50_000_000
# A workbook is a zip archive, and the Excel reader unpacks a whole sheet into memory.
# Real sheets pack 5-20 times; a part packed far tighter than that, or huge once unpacked,
# is a zip bomb (or not an export), refused before anything is unpacked.
MAX_PART_BYTES = 2 << 30
MAX_PACK_RATIO = 100
RATIO_FROM_BYTES = 32 << 20


def _calamine_failure(e: BaseException, broad: bool = True) -> bool:
    """An error of the Excel reader on a damaged workbook: a Rust panic (which pyo3 raises
    as a BaseException), its own error types and OSError, or (``broad``) any Exception."""
    if type(e).__name__ == "PanicException":
        return True
    if broad:
        return isinstance(e, Exception)
    import python_calamine as pc
    own = tuple(getattr(pc, n) for n in ("CalamineError", "PasswordError", "XmlError",
                                         "ZipError") if isinstance(getattr(pc, n, None), type))
    return isinstance(e, own + (OSError,))


def _check_workbook_archive(path: Path) -> None:
    """Refuses a workbook whose parts unpack like a zip bomb, or whose XML declares a
    document type."""
    import zipfile
    try:
        if not zipfile.is_zipfile(path):
            return  # .xls (not a zip) or garbage: the Excel reader says what it is
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except Exception:  # a damaged archive: the Excel reader says what is wrong with it
        return
    for zi in parts:
        big = zi.file_size > MAX_PART_BYTES
        bomb = zi.file_size > RATIO_FROM_BYTES and \
            zi.file_size > MAX_PACK_RATIO * max(zi.compress_size, 1)
        if big or bomb:
            raise SourceError(path, f"part '{zi.filename}' unpacks to "
                              f"{zi.file_size / 2**20:,.0f} MB from "
                              f"{zi.compress_size / 2**10:,.0f} KB: "
                              + ("packed like a zip bomb" if bomb else "too large")
                              + ", not a spreadsheet export")
    try:
        with zipfile.ZipFile(path) as z:
            for zi in parts:
                if zi.filename.lower().endswith(_XML_PARTS):
                    _refuse_doctype(path, z, zi.filename)
    except SourceError:
        raise
    except Exception:  # a damaged part: the Excel reader says what is wrong with it
        return


#: the parts of a workbook that hold XML
_XML_PARTS = (".xml", ".rels")


class _PrologRead(Exception):
    """The XML's first element begins: a document type can only be declared before it."""


def _has_doctype(f) -> bool:
    """Whether an XML part declares a document type (<!DOCTYPE ...>). Read up to its first
    element only; the parser stops where a declaration begins, so nothing it declares (an
    entity, a reference to another file) is ever read or expanded."""
    from xml.parsers import expat
    parser = expat.ParserCreate()
    found = []

    def doctype(*_):
        found.append(True)
        raise _PrologRead

    def element(*_):
        raise _PrologRead

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = element
    try:
        while block := f.read(1 << 14):
            parser.Parse(block, False)
        parser.Parse(b"", True)
    except _PrologRead:
        pass
    except expat.ExpatError:
        pass  # not XML before its first element: the Excel reader says what is wrong
    return bool(found)


def _refuse_doctype(path: Path, z, part: str) -> None:
    """A workbook's XML never declares a document type (Excel and LibreOffice write none).
    One can name entities and other files that the cells' reader and the formula check
    each take their own way (the check could not read the sheet and found nothing):
    refused before either reads the part."""
    with z.open(part) as f:
        if _has_doctype(f):
            raise SourceError(path, f"part '{part}' of the workbook declares a document type "
                              "(<!DOCTYPE>), which workbooks never do and the wizard does "
                              "not read: open the workbook in Excel or LibreOffice, save it, "
                              "and import it again")


def _open_excel(path: Path, layout=None) -> list[SourceTable]:
    """The tables of a workbook, one a sheet with a header; ``layout(sheet)``: the row of
    the column names a person chose (layout.Layout), else the first row with a value."""
    from python_calamine import CalamineWorkbook
    _check_workbook_archive(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except BaseException as e:  # calamine raises its own error types for damaged files
        if not _calamine_failure(e):
            raise
        raise SourceError(path, f"this is not a readable Excel workbook ({type(e).__name__})")
    tables = []
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            if sheet.total_height * max(sheet.total_width, 1) > MAX_SHEET_CELLS:
                raise SourceError(path, f"sheet '{name}' is too large "
                                  f"({sheet.total_height} rows x {sheet.total_width} columns)")
            header = None
            chosen = layout(name) if layout else None
            want = chosen.header_row if chosen is not None else None
            if want == 0:
                raise SourceError(path, f"sheet '{name}': header_row 0 (no column names) is "
                                  "for text files; a sheet is read from the row of its "
                                  "column names: choose that row")
            for header_row, row in enumerate(sheet.iter_rows(), start=1):
                if want is not None and header_row == want or \
                        want is None and any(_cell(v).strip() for v in row):
                    header = row
                    break
            if want is not None and (header is None or not any(_cell(v).strip()
                                                               for v in header)):
                raise SourceError(path, f"sheet '{name}': row {want}, chosen as the column "
                                  "names, is empty", line=want)
        except SourceError:
            raise
        except BaseException as e:
            if not _calamine_failure(e):
                raise
            raise SourceError(path, f"sheet '{name}' cannot be read ({type(e).__name__})")
        t = SourceTable(path, f"{path.name}#{name}", "xlsx", sheet=name,
                        header_line=header_row if header is not None else 1)
        t.layout = chosen
        gaps = t.formula_gaps()
        above = [r for r in gaps if header is None or r <= header_row]
        if above:  # the column names come from formulas that left no value to read
            r = min(above)
            raise SourceError(path, f"sheet '{name}': row {r}, above the records, has "
                              f"formula cells with nothing to read in them "
                              f"({_formula_note(gaps[r])})", line=r)
        if header is None:
            continue  # an empty sheet is not a table
        t.columns = _clean_header([_cell(v) for v in header], t)
        while t.columns and t.columns[-1].startswith("column") and \
                not _cell(header[len(t.columns) - 1]).strip():
            t.columns.pop()
        tables.append(t)
    if not tables:
        raise SourceError(path, "the workbook has no sheet with data")
    return tables


def _excel_value(v) -> str:
    if hasattr(v, "isoformat"):
        s = v.isoformat()
        return s[:10] if s.endswith("T00:00:00") else s.replace("T", " ")
    return _cell(v)


#: the opening tag of a formula in a sheet's XML, with or without a namespace prefix
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]|\st=[\"']e[\"']")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)$")


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _column_name(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


_BOOK_RELS = "xl/_rels/workbook.xml.rels"


def _unsearchable(path: Path, sheet: str, part: str, e: Exception) -> SourceError:
    what = f"XML error: {e}" if isinstance(e, SyntaxError) else \
        "a row or cell number that is not one"
    return SourceError(path, f"sheet '{sheet}': part '{part}' cannot be searched for formulas "
                       f"with no saved value ({what}): open the workbook in Excel or "
                       "LibreOffice, save it, and import it again")


def _sheet_part(path: Path, z, sheet: str) -> str | None:
    """The archive's part that holds a sheet's cells (workbook.xml names it, its
    relationships say where it is)."""
    import xml.etree.ElementTree as ET

    def parsed(part: str):
        _refuse_doctype(path, z, part)  # (before ElementTree reads it)
        try:
            return ET.fromstring(z.read(part))
        except ET.ParseError as e:
            raise _unsearchable(path, sheet, part, e) from None

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_ns = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    book = parsed("xl/workbook.xml")
    rid = next((s.get(f"{rel_ns}id") for s in book.iter(f"{main}sheet")
                if s.get("name") == sheet), None)
    rels = parsed(_BOOK_RELS)
    for r in rels:
        if r.get("Id") == rid:
            target = r.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None


def formula_gaps(path: Path, sheet: str) -> dict[int, list[tuple[str, str]]]:
    """The cells of a sheet whose formula left no value its reader sees, by row number, as
    (cell, error value or "" for none): a workbook written by a program that does not
    calculate (a script's, say) saves no values, and an error result (#DIV/0!) reads as an
    empty cell. Excel and LibreOffice save every value. A sheet without formulas costs one
    byte search of its part. XML this search cannot read is a SourceError, not "no gaps":
    the cells' reader skips parts of a sheet (its header and footer, say) and may read
    the cells all the same, and the check would be lost without a word."""
    import zipfile
    part = "xl/workbook.xml"
    try:
        with zipfile.ZipFile(path) as z:
            part = _sheet_part(path, z, sheet)
            if part is None or part not in z.namelist():
                return {}
            _refuse_doctype(path, z, part)
            with z.open(part) as f:  # a byte search first: most exports have no formula
                tail, found = b"", False
                while block := f.read(1 << 20):
                    if _FORMULA_TAG.search(tail + block):
                        found = True
                        break
                    tail = block[-64:]
            if not found:
                return {}
            import xml.etree.ElementTree as ET
            gaps: dict[int, list[tuple[str, str]]] = {}
            row = col = 0  # where the cells are (r="C5" may be left out: the next one)
            rows_of = None  # sheetData: the rows read are let go as they end
            with z.open(part) as f:
                for event, el in ET.iterparse(f, events=("start", "end")):
                    tag = el.tag.rsplit("}", 1)[-1]
                    if event == "start":
                        if tag == "sheetData":
                            rows_of = el
                        elif tag == "row":
                            row = int(el.get("r") or row + 1)
                            col = 0
                        elif tag == "c":
                            m = _CELL_REF.match(el.get("r", ""))
                            col = _column_number(m.group(1)) if m else col + 1
                        continue
                    if tag != "c":
                        if tag == "row" and rows_of is not None:
                            rows_of.clear()
                        continue
                    kids = {k.tag.rsplit("}", 1)[-1]: k for k in el}
                    v = kids.get("v")
                    text = (v.text or "").strip() if v is not None else None
                    kind = el.get("t", "n")
                    problem = None
                    if kind == "e":  # an error result (#DIV/0!, #REF!): read as empty
                        problem = text or "#N/A"
                    elif "f" in kids and not text and "is" not in kids and \
                            not (kind == "str" and v is not None):
                        problem = ""  # no saved value (an empty text result has <v/>)
                    if problem is not None:
                        gaps.setdefault(row, []).append((f"{_column_name(col)}{row}", problem))
            return gaps
    except (zipfile.BadZipFile, KeyError, OSError):
        return {}  # not a workbook of XML parts (.xls, .ods), or damaged: its reader says
    except (SyntaxError, ValueError) as e:  # (ElementTree's ParseError is a SyntaxError)
        raise _unsearchable(path, sheet, part, e) from None


def _excel_chunks(t: SourceTable, chunk_rows: int):
    """Chunks of a sheet; a workbook that stops being readable (replaced or damaged since
    it was opened) is a SourceError, not the Excel reader's own exception."""
    it = _excel_chunks_raw(t, chunk_rows)
    while True:
        try:
            chunk = next(it)
        except StopIteration:
            return
        except SourceError:
            raise
        except BaseException as e:
            if not _calamine_failure(e, broad=False):
                raise
            raise SourceError(t.path, f"sheet '{t.sheet}' cannot be read "
                              f"({type(e).__name__})") from None
        yield chunk


def _excel_chunks_raw(t: SourceTable, chunk_rows: int):
    from python_calamine import CalamineWorkbook
    _check_workbook_archive(t.path)
    wb = CalamineWorkbook.from_path(str(t.path))
    sheet = wb.get_sheet_by_name(t.sheet)
    ncol = len(t.columns)
    rows, lines, corrupt = [], [], []
    header_seen = False
    gaps = t.formula_gaps()
    # the reader's rows start at the sheet's row 1, whatever row its first value is in: a
    # record's line is its row number in Excel
    n = 0
    chosen = t.layout.header_row if t.layout is not None else None
    for n, row in enumerate(sheet.iter_rows(), start=1):
        if chosen is not None and n <= chosen:
            header_seen = n == chosen  # (the rows above the chosen names are no records)
            continue
        vals = [_excel_value(v) for v in row]
        if not header_seen:
            if any(v.strip() for v in vals):
                header_seen = True
            continue
        gap = gaps.get(n) if gaps else None
        if not gap and not any(v.strip() for v in vals):
            continue
        note = ""
        if len(vals) > ncol and any(v.strip() for v in vals[ncol:]):
            note = "the row has values beyond the last named column"
        if gap:
            note = (f"{note}; " if note else "") + _formula_note(gap)
        rows.append((vals + [""] * ncol)[:ncol])
        lines.append(n)
        corrupt.append(note)
        if len(rows) >= chunk_rows:  # (the rows go before the frame is handed on)
            frame = _frame([list(c) for c in zip(*rows)], t.columns, lines, corrupt)
            rows, lines, corrupt = [], [], []
            yield frame
            del frame
    # rows below the last one with a value whose formulas have no saved value: the sheet's
    # reader ends before them
    for r in sorted(k for k in gaps if k > n) if gaps and header_seen else []:
        rows.append([""] * ncol)
        lines.append(r)
        corrupt.append(_formula_note(gaps[r]))
    if rows:
        yield _frame([list(c) for c in zip(*rows)], t.columns, lines, corrupt)


def _formula_note(cells: list[tuple[str, str]]) -> str:
    """What is wrong with a row's formula cells: (cell, its error value or "" for none)."""
    parts = []
    empty = [c for c, err in cells if not err]
    if empty:
        more = f" and {len(empty) - 5} more" if len(empty) > 5 else ""
        parts.append(f"{'cell' if len(empty) == 1 else 'cells'} {', '.join(empty[:5])}{more} "
                     f"{'holds a formula' if len(empty) == 1 else 'hold formulas'} with no "
                     "saved value (the workbook was written by a program that does not "
                     "calculate): open it in Excel or LibreOffice, save it, and import it again")
    errors = [(c, err) for c, err in cells if err]
    if errors:
        more = f" and {len(errors) - 5} more" if len(errors) > 5 else ""
        parts.append(f"{'cell' if len(errors) == 1 else 'cells'} "
                     + ", ".join(f"{c} ({err})" for c, err in errors[:5]) + more
                     + f" {'holds an error' if len(errors) == 1 else 'hold errors'} instead of "
                     "a value: correct the formula in the workbook")
    return "; ".join(parts)


_CHUNK_READERS["xlsx"] = _excel_chunks
_FORMULA_SCANS["xlsx"] = formula_gaps
