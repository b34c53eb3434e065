"""Detection of a text export's encoding and delimiter, from the first bytes of the file."""
from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

from .base import SNIFF_BYTES, SourceError
from .encodings import EncodingDoubt, encoding_doubt


_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f]")


def detect_encoding(path: Path, head: bytes) -> str:
    return detect_encoding_doubt(path, head)[0]


def detect_encoding_doubt(path: Path, head: bytes) -> tuple[str, EncodingDoubt | None]:
    """The encoding to read a file with, and the doubt when it is an 8-bit code page that
    is not certain (see :mod:`.encodings`); None when the file is Unicode or one code
    page alone reads it as text."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", None
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", None
    # UTF-16 without BOM: every other byte NUL in ASCII-heavy text
    if len(head) >= 4 and head[1:200:2].count(0) > 0.4 * len(head[1:200:2]) and head[0] != 0:
        return "utf-16-le", None
    if len(head) >= 4 and head[0:200:2].count(0) > 0.4 * len(head[0:200:2]) and head[1] != 0:
        return "utf-16-be", None
    nul = head.count(0)
    # binary: NULs, with other control bytes or many of them; a stray NUL in a text export
    # is its record's problem (the reader marks that record damaged)
    if nul and (nul * 10 > len(head) or _CONTROL_BYTES.search(head)):
        raise SourceError(path, "this is not a text export (it contains binary data)")
    text = head.decode("utf-8", errors="replace")
    if len(head) >= SNIFF_BYTES:  # the sample may end inside a multi-byte character
        text = text[:-4]
    invalid = text.count("\ufffd")
    if not invalid:
        return "utf-8", None
    valid_multibyte = sum(1 for ch in text if ord(ch) > 127) - invalid
    if valid_multibyte > invalid:
        return "utf-8", None  # UTF-8 with a few damaged records: those are flagged one by one
    from charset_normalizer import from_bytes
    best = from_bytes(head, cp_isolation=["cp1252", "latin_1", "cp1250", "iso8859_15"]).best()
    enc = (best.encoding if best else "cp1252").replace("_", "-")
    if enc in ("latin-1", "iso8859-1"):
        enc = "cp1252"  # its superset: the same letters, and Windows' quotes and dashes
    return encoding_doubt(head, enc)


#: the first line Excel writes and reads to name a CSV file's delimiter ("sep=;"), as
#: written, or quoted and padded by a later save ("sep=;";;;)
_SEP_LINE = re.compile(r'^"?sep=([^\w\s"]|\t)"?(?:\1)*\s*$', re.IGNORECASE)


def _first_line(text: str) -> str:
    end = len(text)
    for sep in ("\n", "\r"):
        i = text.find(sep)
        if i != -1:
            end = min(end, i)
    return text[:end]


def detect_delimiter(path: Path, sample_text: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    header = _first_line(sample_text)
    # delimiters inside quoted names ("a;b") are part of a name, not separators
    unquoted = re.sub(r'"(?:[^"]|"")*"', "", header)
    counts = {d: unquoted.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        try:
            return csv.Sniffer().sniff(sample_text[:20000], delimiters=",\t;|").delimiter
        except csv.Error:
            return ","
    return best



def _decode_sample(head: bytes, encoding: str) -> str:
    dec = codecs.getincrementaldecoder(encoding)(errors="replace")
    return dec.decode(head, final=False)
