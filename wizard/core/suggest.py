"""Suggest a mapping profile from legacy tables: which file feeds which HMSync table, which
column feeds which field, each choice with a confidence and a reason an operator can read.

How a choice is made:

- **Names as words.** A column or file name is split into words (``PAT_FNAME`` -> pat,
  fname; ``visitStartDate`` -> visit, start, date), and each word is brought to one
  vocabulary: abbreviations (fname -> first name, dob -> birth date), the words of the
  standards and systems hospitals export from (HL7/FHIR subject, encounter, period; OMOP
  person, visit_occurrence; MIMIC hadm, admittime, itemid; Synthea START, PROVIDER) and a
  few common languages (paciente, Patient, médico, Aufnahme, fecha, Alter ...). A field
  is then matched by phrases of that vocabulary.
- **Content gates names.** A column's values must fit the field's kind before its name
  counts: a date is never a phone, a code column is a gender only where its values are a
  gender code set, money must read as numbers. A column that is mostly empty scores less.
- **Files as one decision.** Every file is scored against every HMSync table by its name
  *and* by how many of the table's characteristic fields its columns fill; each table then
  takes the file that fits it best (files with the same columns are parts of one table),
  and a file that fits no table, or only one another file fits better, is left out with a
  note. A reference field with no name match is filled from a column whose values are the
  referenced file's ids.

Nothing under 90% is applied unasked: the profile marks it ``review: true`` (the review
gate, :mod:`wizard.core.session`).
"""
from __future__ import annotations

import datetime
import functools
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from . import transforms as tf
from .mapping import REVIEW_BELOW, FieldMap, NoteKind, Profile, ProfileNote, TableMap
from .readers import CORRUPT, LINE, SourceTable
from .schema import TargetTable
from .readers.layout import headerless_hint
from .suggest_nested import (NOT_THE_RECORDS, NestedPath, as_expressions, nested_columns,
                             unread_keys)
from .vocabulary import ALIASES
from .words import counted
from .vocabulary import STOP as _STOP


# --- names as words ---------------------------------------------------------------------------
_WORD_SPLIT = re.compile(r"[\W_]+")  # (any script's letters: Imię, Płeć, Doğum)
# (Greek names are written in camel case too, ΗμερομηνίαΏρα; Cyrillic ones are split
# alike, though the vocabulary knows no Cyrillic words yet)
_CAMEL = re.compile(r"(?<=[a-zß-ÿά-ώа-яё])(?=[A-ZÀ-ÖΆ-ΩА-ЯЁ])"
                    r"|(?<=[A-ZÀ-ÖΆ-ΩА-ЯЁ])(?=[A-ZÀ-ÖΆ-ΩА-ЯЁ][a-zß-ÿά-ώа-яё])"
                    r"|(?<=[A-Za-zÀ-ÿ])(?=[0-9])|(?<=[0-9])(?=[A-Za-zÀ-ÿ])")


def _unaccented(w: str) -> str:
    """téléphone -> telephone: a word as written without its accents."""
    t = unicodedata.normalize("NFKD", w)
    return "".join(ch for ch in t if not unicodedata.combining(ch))


def singular(w: str) -> str:
    """An English plural's singular, as far as names of tables and columns need it
    (records -> record, studies -> study); other words unchanged."""
    if len(w) < 4 or not w.endswith("s") or w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("ies"):
        return w[:-3] + "y"
    return w[:-1]


_ACRONYMS = re.compile(r"(?<![A-Z])([A-Z]{2,})s(?![a-z])")
#: a database's table prefix (TBLHASTA, tbl_patients, tblPatients): no word of the name
_TABLE_PREFIX = re.compile(r"^(?:TBL_?(?=[A-Z])|tbl_?(?=[A-Za-z])|Tbl_?(?=[A-Z]))")
_ID_AFTER_CAPS = re.compile(r"(?<=[A-Z]{2})(Id|id)(?![a-z])")


@functools.lru_cache(maxsize=4096)
def words(name: str) -> tuple[str, ...]:
    """A name as the vocabulary's words: ``PAT_FNAME`` -> (patient, first, name);
    ``PATIENTID`` -> (patient, id): a word written without separators is cut into known
    words where it is made of them."""
    out: list[str] = []
    # an acronym's plural (doctorIDs) is one word, not "I" and "Ds"
    # an id after an upper-case word (PACIENTASid) is a word of its own
    name = _ID_AFTER_CAPS.sub(r" \1", _ACRONYMS.sub(r"\1S", _TABLE_PREFIX.sub("", str(name))))
    for part in _camel_parts(name):
        w = part.lower()
        if not w or w in _STOP:
            continue
        if w in ALIASES:
            out.extend(ALIASES[w])
            continue
        if singular(w) in ALIASES:
            out.extend(ALIASES[singular(w)])
            continue
        plain = _unaccented(w)
        if plain != w and (plain in ALIASES or singular(plain) in ALIASES):
            out.extend(ALIASES.get(plain) or ALIASES[singular(plain)])
            continue
        pieces = _segment(w)
        if pieces is None and (len(w) >= 5 and w[1:] in ALIASES and w[1:] not in _STOP or
                               len(w) == 3 and w.endswith("id") and part[:1].isupper()):
            # a table's letter glued to a known word (Pemri, Dtelefoni, vTerapia)
            out.extend(ALIASES[w[1:]])
            continue
        if pieces is None and len(w) >= 6 and not w.isdigit():
            near = _misspelt(w)
            if near:  # a typing slip in the export's header (admisson_ID, conatct_No)
                out.extend(ALIASES[near])
                continue
        for piece in pieces or (w,):
            out.extend(ALIASES.get(piece, (piece,)))
    # a word said twice in a row says it once (DateTime: date, date; total_amount), but a
    # table's noun twice is two things (LAB_EXA: the lab's exam, a test's test)
    nouns = TABLE_NOUN.values()
    return tuple(w for i, w in enumerate(out) if i == 0 or w != out[i - 1] or w in nouns)


def _camel_parts(name: str) -> list[str]:
    """The parts of a name split at its case changes and separators, rejoined where two
    parts make a known word together: FName is fname (a first name), not F and Name;
    appoIntment (a slip of the shift key) is appointment."""
    parts = [p for p in _WORD_SPLIT.split(_CAMEL.sub(" ", name)) if p]
    out: list[str] = []
    i = 0
    while i < len(parts):
        if i + 1 < len(parts) and not parts[i].isdigit() and not parts[i + 1].isdigit():
            joined = (parts[i] + parts[i + 1]).lower()
            if joined in ALIASES and (len(parts[i]) == 1 or len(parts[i + 1]) == 1 or
                                      parts[i + 1][:1].isupper() and
                                      parts[i].lower() not in ALIASES and
                                      parts[i + 1].lower() not in ALIASES):
                out.append(parts[i] + parts[i + 1])
                i += 2
                continue
        out.append(parts[i])
        i += 1
    return out


@functools.lru_cache(maxsize=4096)
def _misspelt(w: str) -> str | None:
    """The one word of eight letters or more the vocabulary knows that ``w`` is a letter
    away from (one added, dropped, changed, or two swapped) after the same first three
    letters, or None (none, or several): features is no misspelt facture."""
    if len(w) < MISSPELT_FROM:
        return None
    near = [k for k in _LONG_WORDS if abs(len(k) - len(w)) <= 1 and k[:3] == w[:3] and
            OSA.distance(k, w, score_cutoff=1) <= 1]
    return near[0] if len(near) == 1 else None


#: the shortest words read as a slip of a known one, and the shortest known words they may
#: be a slip of: shorter ones are other words as often (County, Branch, ContractNo)
MISSPELT_FROM = 8


#: pieces a word run together may be cut into: every word the vocabulary knows, of three
#: letters or more ("id" too), so that PATIENTID and ADMITTIME are read as two words
def _pieces() -> frozenset:
    known = {w for w in ALIASES if len(w) >= 3} | {"id"}
    known |= {v for vs in ALIASES.values() for v in vs if len(v) >= 3}
    return frozenset(known)


@functools.lru_cache(maxsize=4096)
def _segment(w: str) -> tuple[str, ...] | None:
    """``w`` as the fewest known words that make it up exactly (None: it is not)."""
    if len(w) < 5:
        return None
    known = _PIECES
    best: list[tuple[str, ...] | None] = [None] * (len(w) + 1)
    best[0] = ()
    for end in range(1, len(w) + 1):
        for start in range(max(0, end - 20), end):
            head = best[start]
            if head is not None and w[start:end] in known:
                cand = head + (w[start:end],)
                if best[end] is None or len(cand) < len(best[end]):
                    best[end] = cand
    found = best[len(w)]
    return found if found is not None and len(found) > 1 else None


_PIECES = _pieces()
_LONG_WORDS = tuple(w for w in ALIASES if len(w) >= MISSPELT_FROM and w.isascii())


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _key(ws) -> str:
    return "".join(ws)


# --- the vocabulary of each field ------------------------------------------------------------
#: the noun of each HMSync table (as :func:`words` gives it)
TABLE_NOUN = {"patients": "patient", "doctors": "doctor", "visits": "visit", "bills": "bill",
              "payments": "payment", "pathology_tests": "test"}

_DATE_BAD = {"end", "birth", "death", "updated", "modified", "expiry", "expiration",
             "deceased", "dod", "changed", "last"}

#: (table, field) -> phrases (each in the vocabulary's words); the first phrases are the
#: field's own names. A phrase marked "~" is a likely name, never a sure one (a patient's
#: admission date as the date of registration): a column it names is asked about.
FIELD_PHRASES: dict[tuple[str, str], list[str]] = {
    ("patients", "firstName"): ["first name", "patient first name", "first"],
    ("patients", "lastName"): ["last name", "patient last name", "last"],
    ("patients", "fullName"): ["full name", "name", "patient name", "patient full name"],
    ("patients", "phone"): ["phone", "phone number", "patient phone", "patient phone number"],
    ("patients", "age"): ["age", "patient age", "age year", "age years"],
    ("patients", "gender"): ["gender", "patient gender"],
    ("patients", "address"): ["address", "patient address", "home address", "address line"],
    ("patients", "registrationDate"): ["registration date", "registration", "created date",
                                       "created", "date registration", "first visit date",
                                       "patient since", "~visit date"],
    ("doctors", "fullName"): ["full name", "name", "doctor name", "doctor full name"],
    ("doctors", "specialty"): ["specialty", "doctor specialty", "specialty description"],
    ("doctors", "licenseNumber"): ["license number", "license", "registration number",
                                   "license id", "doctor license", "doctor registration",
                                   "registration doctor"],
    ("doctors", "phone"): ["phone", "phone number", "doctor phone"],
    ("doctors", "joinDate"): ["join date", "date join", "start date", "doctor since",
                              "~created", "~created date"],
    ("doctors", "department"): ["department", "doctor department", "department name"],
    ("visits", "patientId"): ["patient id", "patient", "patient number", "patient code",
                              "medical record number", "patient reference"],
    ("visits", "doctorId"): ["doctor id", "doctor", "doctor number", "doctor code",
                             "doctor reference"],
    ("visits", "visitDate"): ["visit date", "date", "appointment date", "visit start date",
                              "visit start", "appointment time",
                              "start", "start date", "date start", "visit date start",
                              "visit time", "start time", "visit date time", "date time",
                              "~created", "~created date"],
    ("visits", "consultationFee"): ["consultation fee", "fee", "visit fee", "visit cost",
                                    "~amount", "~visit amount",
                                    "base cost", "visit base cost", "consultation cost",
                                    "consultation charge", "cost", "price", "visit price"],
    ("visits", "diagnosis"): ["diagnosis", "visit diagnosis", "reason description",
                              "diagnosis description", "primary diagnosis"],
    # the reason for a visit is what the patient came with, not what the doctor found
    ("visits", "notes"): ["note", "visit note", "description", "visit description",
                          "treatment plan", "treatment", "clinical note", "reason",
                          "visit reason", "reason visit"],
    ("bills", "visitId"): ["visit id", "visit", "visit number", "visit reference",
                           "appointment id", "appointment"],
    ("bills", "patientId"): ["patient id", "patient", "patient number", "patient reference"],
    ("bills", "billDate"): ["bill date", "date", "service date", "date service",
                            "bill created date", "date bill", "created date"],
    ("bills", "amount"): ["amount", "bill amount", "total", "total amount", "amount cost",
                          "cost", "total cost", "bill total", "net amount", "amount due",
                          "amount billed", "bill cost", "~fee", "~bill fee"],
    ("bills", "status"): ["status", "bill status", "payment status", "claim status",
                          "~paid", "~paid status"],
    ("payments", "billId"): ["bill id", "bill", "bill number", "bill reference"],
    ("payments", "paidOn"): ["paid date", "payment date", "date paid", "paid", "date",
                             "date payment", "payment time"],
    ("payments", "amount"): ["amount", "paid amount", "payment amount", "amount paid",
                             "total paid"],
    ("payments", "mode"): ["method", "payment method", "payment type", "type", "paid by"],
    ("pathology_tests", "visitId"): ["visit id", "visit", "visit number", "visit reference",
                                     "appointment id"],
    ("pathology_tests", "patientId"): ["patient id", "patient", "patient number",
                                       "patient reference"],
    ("pathology_tests", "testCode"): ["test code", "code", "test id code", "item id",
                                      "code id", "test id"],
    ("pathology_tests", "testName"): ["test name", "name", "test", "description", "test type",
                                      "type test",
                                      "test description", "code description",
                                      "test type description", "item description",
                                      "specimen type description"],
    ("pathology_tests", "orderedOn"): ["order date", "date order", "test date", "date",
                                       "chart date", "specimen date", "collection date",
                                       "result date", "date test", "order time"],
    ("pathology_tests", "resultValue"): ["value", "test value", "value result",
                                         "value number", "result value"],
    ("pathology_tests", "resultUnit"): ["unit", "value unit", "unit result", "test unit"],
    ("pathology_tests", "price"): ["price", "test price", "cost", "fee", "charge", "~amount",
                                   "~test amount"],
}
FIELD_PHRASES[("patients", "(birth)")] = ["birth date", "date birth", "birth"]

#: what makes a file one table's: its fields that characterise it, by weight
SIGNATURE = {
    "patients": {"fullName": 2, "firstName": 1, "lastName": 1, "gender": 2, "age": 1,
                 "phone": 1, "address": 1},
    "doctors": {"fullName": 2, "specialty": 3, "licenseNumber": 2, "department": 1},
    "visits": {"patientId": 3, "visitDate": 3, "doctorId": 2, "diagnosis": 1,
               "consultationFee": 1},
    "bills": {"amount": 3, "billDate": 1, "visitId": 2, "patientId": 1, "status": 1},
    "payments": {"billId": 3, "amount": 2, "paidOn": 1, "mode": 2},
    "pathology_tests": {"testName": 2, "testCode": 2, "resultValue": 3, "resultUnit": 2,
                        "patientId": 1, "orderedOn": 1},
}


# --- content ----------------------------------------------------------------------------------
#: non-empty values a column's content is judged on: the share that fits is known to a
#: point or two from a thousand, and a sample of 5,000 cost a tenth of a second per export
CONTENT_VALUES = 1_000
#: records a column's fill and uniqueness are judged on (and dates, a third of them)
JUDGED_ROWS = 1_000
#: a date column whose sample is this much Excel day numbers is read as such
SERIAL_SHARE = 0.9
BIRTH_SERIAL_FROM = 3_000  # 1908: the oldest patients' birth dates
#: a time's zone (Z, +05:30) after its minutes or seconds, and a fraction of a second
_ZONE = re.compile(r"(?<=:\d\d)(?:[.,]\d+)?\s?(?:[Zz]|UTC|GMT|[+-]\d\d:?\d\d)$")
_GENDER_WORDS = {"m", "f", "o", "u", "male", "female", "man", "woman", "boy", "girl", "other",
                 "unknown", "masculino", "femenino", "männlich", "weiblich", "w", "h", "d",
                 "homme", "femme", "mann", "frau", "x"}
#: minimum share of a sample that must fit a field's kind before its name counts
_FIT_NEEDED = {"date": 0.8, "int": 0.8, "float": 0.8, "phone": 0.8, "enum": 0.9}
_KIND_WORD = {"date": "date", "int": "whole number", "float": "number", "phone": "phone number",
              "enum": "gender code"}


def _first_values(sample: pd.Series) -> list[str]:
    first = []
    for v in tf.as_text(sample).tolist():
        v = v.strip()
        if v:
            first.append(v)
            if len(first) == CONTENT_VALUES:
                break
    return first


def _date_fit(values: list[str]) -> float:
    values = values[:JUDGED_ROWS // 3]
    s = pd.Series([_ZONE.sub("", v) for v in values], dtype=object)
    fit = 1 - float(tf.parse_dates(s).bad.mean())
    if fit < SERIAL_SHARE and tf.excel_serial_share(values) >= SERIAL_SHARE:
        fit = 1 - float(tf.parse_dates(s, excel_serial=True).bad.mean())
    if fit < SERIAL_SHARE and tf.unix_time_share(values) >= SERIAL_SHARE:
        # read in any zone here: only whether they are dates counts, not which day
        fit = 1 - float(tf.parse_dates(s, unix_time=True, tz="UTC").bad.mean())
    return fit


def _content_ok(kind: str, sample: pd.Series, coded_gender: bool = False) -> float:
    """How well a column's sample fits a field kind (share of non-empty values, among the
    first CONTENT_VALUES of them). ``coded_gender``: numbers (1/2) may be a gender code
    (only where the column's name says gender)."""
    first = _first_values(sample)
    if not first:
        return 0.5
    if kind not in _CHECKED_KINDS:  # any content fits
        return 1.0
    s = pd.Series(first, dtype=object)
    if kind == "date":
        return _date_fit(first)
    if kind in ("int", "float"):
        r = tf.number(s)
        return 1 - float(r.bad.mean())
    if kind == "phone":
        digits = s.map(tf._ascii_digits).str.replace(r"[\s\-().+]", "", regex=True)
        fit = float(digits.str.fullmatch(r"[0-9]{7,15}").mean())
        if fit and _date_fit(first[:200]) > 0.5:  # 1955-09-01 is a date, not a phone
            return 0.0
        return fit
    if kind == "enum":
        low = s.str.lower().str.strip()
        known = _GENDER_WORDS | ({"1", "2", "3", "0", "9"} if coded_gender else set())
        return float(low.isin(known).mean())
    return 1.0


_CHECKED_KINDS = ("date", "int", "float", "phone", "enum")
#: words that make a column an identifier (of its record, or of the one it refers to)
_IDENT = {"id", "number", "code", "reference"}


# --- a column for a field ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Match:
    score: float
    field: str
    column: str
    why: str
    named: bool = False   # the column is named as the field (its name's score, 0.95 or more)


@functools.lru_cache(maxsize=None)
def _phrases(table: str, field: str) -> tuple[str, tuple[tuple[str, frozenset, int, bool], ...]]:
    """A field's own name (as a key) and its phrases, each as (key, word set, length)."""
    own = words(field)
    phrases = [(tuple(p.lstrip("~").split()), p.startswith("~"))
               for p in FIELD_PHRASES.get((table, field), [])] or [(own, False)]
    return _key(own), tuple((_key(ph), frozenset(ph), len(ph), weak) for ph, weak in phrases)


@functools.lru_cache(maxsize=None)
def _other_nouns(table: str) -> frozenset:
    """The nouns of HMSync's other tables (a column named for one describes that record)."""
    return frozenset(set(TABLE_NOUN.values()) - {TABLE_NOUN.get(table)})


@functools.lru_cache(maxsize=None)
def _phrase_words(table: str, field: str) -> frozenset:
    _, phrases = _phrases(table, field)
    return frozenset(w for _, ph_set, _, _ in phrases for w in ph_set)


#: the most a "~" phrase (a likely name) makes a column's match
WEAK_NAME = 0.8


@functools.lru_cache(maxsize=None)
def _name_score(col_words: tuple[str, ...], table: str, field: str) -> tuple[float, str]:
    """How well a column's words name a field (0..1) and why. The table's own noun in a
    column's name (PAT_BDATE in a patients file: every column is the patient's) is read
    with and without it."""
    noun = TABLE_NOUN.get(table)
    if noun in col_words and len(col_words) > 1:
        bare = tuple(w for w in col_words if w != noun)
        return max(_plain_name_score(col_words, table, field),
                   _plain_name_score(bare, table, field), key=lambda x: x[0])
    return _plain_name_score(col_words, table, field)


@functools.lru_cache(maxsize=None)
def _plain_name_score(col_words: tuple[str, ...], table: str, field: str
                      ) -> tuple[float, str]:
    if not col_words:
        return 0.0, ""
    own, phrases = _phrases(table, field)
    key = _key(col_words)
    if key == own:
        return 1.0, "same name"
    have = set(col_words)
    best, why = 0.0, ""
    for ph_key, ph_set, n, weak in phrases:
        if key == ph_key:
            s, said = (WEAK_NAME, "a likely name") if weak else (0.95, "known name")
        elif ph_set <= have:
            s = 0.7 + 0.22 * n / len(col_words)
            s, said = min(s, WEAK_NAME) if weak else s, "name contains " + " ".join(
                sorted(ph_set))
        else:
            continue
        if s > best:
            best, why = s, said
            if s == 0.95:
                break
    if best or len(key) < 5:
        return best, why
    for ph_key, _, _, _ in phrases:
        r = fuzz.ratio(key, ph_key) / 100
        if r >= 0.88 and 0.75 * r > best:
            best, why = 0.75 * r, "similar name"
    return best, why


def _nested_words(path: NestedPath) -> tuple[str, ...]:
    """A key inside a column's objects named by itself (contact.address.city: city), and by
    the key holding it where it is an id alone (appointment.patient.id: patient id)."""
    last = words(path.keys[-1])
    if len(path.keys) > 1 and set(last) <= {"id", "number", "code", "key"}:
        return words(path.keys[-2]) + last
    if set(last) - _DIGITS <= {"line"} or path.keys[-1].lower() in _GENERIC_KEYS:
        # a line of what holds it (address.line1: the address's first line), or its text
        # (diagnosis.display: the diagnosis, as FHIR's codings write it)
        holder = path.keys[-2] if len(path.keys) > 1 else path.column
        return words(holder) + last
    return last


#: keys that name a value of what holds them, not a thing of their own
_GENERIC_KEYS = {"display", "text", "value", "description", "label", "title", "name"}


#: a key inside a column's objects names a field this much less surely than a column does
#: (below REVIEW_BELOW: a value read inside an object is always confirmed by a person)
NESTED_AT = 0.89


class _Columns:
    """A legacy table's columns with their words and, once asked, their content fits."""

    def __init__(self, st: SourceTable, sample: pd.DataFrame,
                 nested: dict[str, NestedPath] | None = None):
        self.st, self.sample = st, sample
        self.words = {c: words(c) for c in st.columns}
        # a key inside a column's JSON objects is named by its keys (contact.phone: phone)
        self.nested = nested or {}
        self.words.update({c: _nested_words(p) for c, p in self.nested.items()})
        self._fit: dict[tuple, float] = {}
        self._filled: dict[str, float] = {}
        self.matches: dict[str, list[_Match]] = {}   # table -> every match, best first

        self._values: dict[str, pd.Series] = {}

    def values(self, col: str, whole: bool = False) -> pd.Series:
        """The column's non-empty values, stripped: of the first JUDGED_ROWS records of the
        sample (what a column's fill and uniqueness are judged on), or of the ``whole``
        sample (the ids that references are looked up in)."""
        k = (col, whole)
        if k not in self._values:
            if col not in self.sample:
                v = pd.Series([], dtype=object)
            else:
                v = tf.as_text(self.sample[col] if whole else
                               self.sample[col].head(JUDGED_ROWS)).str.strip()
            self._values[k] = v[v.ne("")]
        return self._values[k]

    def prefix(self) -> set[str]:
        """The words (nearly) every column's name starts with: a table's abbreviation in
        exports that prefix their columns (BLL_ID, BLL_DATE, BLL_AMOUNT: {bll})."""
        if not hasattr(self, "_prefix"):
            firsts = [cw[0] for cw in self.words.values() if len(cw) > 1]
            self._prefix = set()
            if len(self.words) >= 4 and firsts:
                top = max(set(firsts), key=firsts.count)
                if firsts.count(top) >= 0.8 * len(self.words):
                    self._prefix = {top}
        return self._prefix

    def filled(self, col: str) -> float:
        if col not in self._filled:
            n = min(len(self.sample), JUDGED_ROWS)
            self._filled[col] = len(self.values(col)) / n if col in self.sample and n \
                else 0.0
        return self._filled[col]

    def other_kind(self, col: str, kind: str) -> bool:
        """The values are recognisably of another kind than ``kind`` (dates where a phone
        or a number belongs, phone numbers where a date belongs, free text where a code
        belongs): no name makes such a column the field."""
        if kind in ("phone", "int", "float"):
            return self.fit(col, "date") > 0.5
        if kind == "date":
            return self.fit(col, "phone") > 0.5
        if kind == "enum":  # free text or ids, not a code with some odd values
            return self.fit(col, "enum") < 0.5 and self.values(col).nunique() > 12
        return False

    def unique_ids(self, col: str) -> bool:
        """Filled in (nearly) every record of the sample, and (nearly) never twice: an
        export's own ids may repeat by mistake (the duplicates validation finds), a
        reference to a parent repeats as a rule."""
        k = ("unique", col)
        if k not in self._fit:
            v = self.values(col)
            self._fit[k] = bool(len(v)) and v.nunique() >= 0.9 * len(v) and \
                len(v) >= 0.9 * min(len(self.sample), JUDGED_ROWS)
        return self._fit[k]

    def fit(self, col: str, kind: str, coded_gender: bool = False) -> float:
        k = (col, kind, coded_gender)
        if k not in self._fit:
            self._fit[k] = _content_ok(kind, self.sample[col], coded_gender) \
                if col in self.sample else 1.0
        return self._fit[k]


def _score_fields(cols: _Columns, table: str, target: TargetTable,
                  skip: set[str]) -> list[_Match]:
    """Every (field, column) whose name and content fit, best first (but ``skip``'s)."""
    if table not in cols.matches:
        cols.matches[table] = _all_matches(cols, table, target)
    return [m for m in cols.matches[table] if m.column not in skip]


#: words of a column about another person than the record's (their phone is not its)
_ANOTHER_PERSON = {"emergency", "kin", "relative", "guardian", "father", "mother",
                   "spouse", "parent", "insurer", "employer"}
#: fields that hold a person's name (a word or a few)
_NAME_FIELDS = ("firstName", "lastName", "fullName")
#: words of what a column beside "first", "last" or "family" names instead of a person
_NOT_A_NAME = {"history", "medical", "date", "updated", "modified", "login", "seen",
               "diagnosis", "treatment", "visit", "payment", "test", "amount"}


def _prose(cols: _Columns, c: str) -> bool:
    """Most values are sentences (five words or more), not names."""
    v = cols.values(c).head(200)
    return len(v) > 0 and float((v.str.split().str.len() >= 5).mean()) >= 0.5


def _all_matches(cols: _Columns, table: str, target: TargetTable) -> list[_Match]:
    out = []
    # a prefix all columns share (LAB_ in a lab file) says nothing of any one column's
    # field; another table's noun is kept (ADM_PAT_ID: the patient)
    strip = cols.prefix() - _other_nouns(table)
    objects = {p.column for p in cols.nested.values()}
    for f in target.mappable:
        if f.references and f.references == table:  # a table's own id is its legacy id
            continue
        own = words(f.name)
        for c, cw in cols.words.items():
            if c in objects and f.kind != "ref":
                continue  # a column of JSON objects is read by its keys (address.city); a
                # reference may be one (FHIR's subject: {"reference": "Patient/1"})
            cw = cw[1:] if len(cw) > 1 and cw[0] in strip else cw  # the prefix, once
            s, why = _name_score(cw, table, f.name)
            if s < 0.6 and f.references == "patients" and table != "patients" and \
                    set(cw) & _NATIONAL_ID and len(cw) <= 2 and \
                    not set(cw) & _other_nouns("patients"):  # (DoktorSSN: the doctor's)
                # a person's national number in a record of theirs (a Brazilian lab's
                # cpf beside each result): who the patient is, asked
                s, why = 0.85, "a person's national number: the patient's"
            if s < 0.6:
                continue
            named = s >= 0.95  # (named as the field, or as the vocabulary says it)
            if why == "same name" and norm(c) != norm(f.name):
                why = "known name"  # SEX for gender: the same meaning, not the same name
            if f.kind == "date" and _DATE_BAD & set(cw) and not _DATE_BAD & set(own):
                continue  # an end, birth or update date is not the field's date
            if f.kind == "ref" and not (set(cw) & _IDENT or
                                        cw == (TABLE_NOUN.get(f.references, ""),) or
                                        f.references == "patients" and
                                        set(cw) & _NATIONAL_ID and
                                        not set(cw) & _other_nouns("patients")):
                continue  # a patient's name or gender is no reference to the patient
            if f.kind == "text" and f.name in ("fullName", "testName") and \
                    set(cw) & {"id", "number"}:
                continue  # (a test's number, Test_No, is no test's name)
            if f.name == "status" and set(cw) & _MONEY:
                continue  # the amount paid says how much, not whether
            if f.kind == "text" and f.name in ("notes", "diagnosis") and _id_lists(cols, c):
                continue  # ["66f374c4...", ...]: the ids of other records, not words
            if f.name == "department" and any("city" in w for k, w in cols.words.items()
                                              if k != c):
                # beside a town, a département may be the region of an address (Littoral,
                # Ouémé) as well as a ward
                s = min(s, 0.85)
                why += ", beside a city: a region, perhaps"
            if f.name == "testName" and set(re.findall(r"[a-z]+", c.lower())) & _LAB_WORDS:
                s = min(s, 0.85)  # (laboratorio: which laboratory did it, perhaps)
                why += ", may name the laboratory"
            if f.name == "mode" and table == "payments" and not _ways_to_pay(cols, c):
                s = min(s, 0.85)  # Payment_Type: Drugs, Lab Tests (what for, not how)
                why += ", its values are no ways to pay"
            if f.name in _NAME_FIELDS and (set(cw) & _NOT_A_NAME or _prose(cols, c) or
                                           cols.fit(c, "date") >= 0.8):
                continue  # a family's medical history is no family name, a day no name
            if table in ("patients", "doctors") and set(cw) & _ANOTHER_PERSON:
                continue  # a guardian's phone, an emergency contact's name
            if f.kind in ("text", "enum", "float", "int") and "date" in cw and \
                    cols.fit(c, "date") >= 0.8:
                continue  # the day a result was delivered is not the result
            if f.kind != "ref" and (set(cw) & _other_nouns(table)) - _phrase_words(table,
                                                                                 f.name):
                continue  # the patient's name in a lab result is not the test's name
            fit = cols.fit(c, f.kind, coded_gender=s >= 0.9) if f.kind in _CHECKED_KINDS \
                else 1.0
            need = _FIT_NEEDED.get(f.kind)
            if need is not None and fit < need:
                # a column named as the field with dirty values is still the field (its bad
                # values are what validation reports), but asked; a look-alike name, or
                # values of another kind altogether (dates in a phone column), is no match
                if s < 0.9 or cols.other_kind(c, f.kind):
                    continue
                s = min(s, 0.85)
                why += f", only {fit:.0%} of the sample reads as a {_KIND_WORD[f.kind]}"
            if c in cols.nested:
                s *= NESTED_AT  # the record's own column named alike is its field first
            filled = cols.filled(c)
            if filled == 0.0 and len(cols.sample):
                s *= 0.5
                why += ", empty in the sample"
            elif filled < 0.5:
                s *= 0.8 + 0.2 * filled
                why += ", mostly empty"
            out.append(_Match(round(s, 3), f.name, c, why, named))
    out.sort(key=lambda m: (-m.score, m.field, m.column))
    return out


def _choose_legacy_id(cols: _Columns, table: str, others: set[str]) -> tuple[str | None, float]:
    """The column holding a record's own id: named as the table's id (1.0), as the file's
    (0.9) or just id (0.95), with values that are unique in the sample."""
    noun = TABLE_NOUN.get(table)
    stem = {singular(w) for w in words(cols.st.stem)}
    best, score = None, 0.0
    for c, cw in cols.words.items():
        if not cw:
            continue
        national = table in ("patients", "doctors") and bool(set(cw) & _NATIONAL_ID)
        # (the id word first where a language says "number of the patient": NUM_PATIENT)
        ident = cw[-1] in ("id", "number", "code") or cw[0] == "id" or \
            cw[0] in ("number", "code") and len(cw) == 2
        if national and not ident and (not cols.sample.empty and c in cols.sample and
                                       cols.unique_ids(c)) and score < 0.85:
            # a person's tax or national number, unique: an id where there is no other
            # (a person's own record id, if any, comes first)
            best, score = c, 0.85
            continue
        if not ident or "row" in cw:
            continue
        if table == "pathology_tests" and "code" in cw:
            continue  # a test's code (TESTCODE, LOINC) says which test, not which result
        rest = {singular(w) for w in cw} - {"id", "number", "code"}
        if not rest:
            s = 0.95
        elif noun in rest and not rest & (others - {noun}):
            s = 1.0 if len(rest) == 1 else 0.9
        elif rest and (rest <= stem or rest <= cols.prefix()):
            s = 0.9  # named as the file (ADMISSION_ID), or as its columns' prefix (BLL_ID)
        elif table == "doctors" and rest == {"staff"}:
            s = 0.9  # a doctor's staff number (staffID)
        else:
            continue
        if c in cols.sample and len(cols.sample) and not cols.unique_ids(c):
            continue  # repeats (or gaps): a reference, not the record's own id
        if s > score:
            best, score = c, s
    return best, score


#: words of a column holding money
_MONEY = {"amount", "cost", "price", "fee"}
#: words of a column holding codes of a kind, never a reference to a record
_CODED = {"type", "status", "category", "class", "kind", "level", "priority", "flag",
          "quantity", "qty", "count", "dose", "duration", "minutes", "hours", "days", "age",
          "amount", "cost", "price", "fee", "unit", "units"}
#: words of a column a record may be known by besides its id (an account, a login)
_KEYISH = {"id", "number", "code", "reference", "account", "login", "username", "license"}
#: words of a person's tax or national identity number (codice fiscale, CPF, DNI, NIK, SSN)
_NATIONAL_ID = {"fiscale", "fiscal", "ssn", "cpf", "dni", "nik", "nhs", "aadhaar", "aadhar",
                "cedula", "cédula", "curp", "rut", "nir", "kimlik", "bsn", "personnummer",
                "pesel", "nino", "snils", "nif", "nie", "tckn", "ktp", "passport", "tax",
                "asmens", "personal", "cnp", "egn", "oib", "emso", "amka", "αμκα",
                "rodne"}


#: a second column naming a field this well makes the choice between them a person's
RIVAL_FROM = 0.9


def suggest_fields(st: SourceTable, table: str, target: TargetTable, sample: pd.DataFrame,
                   profile: Profile, cols: _Columns | None = None) -> TableMap:
    """A legacy table's columns matched to one HMSync table's fields."""
    tm = TableMap(st.name, table)
    cols = cols or _Columns(st, sample)
    nouns = set(TABLE_NOUN.values())
    tm.legacy_id, _ = _choose_legacy_id(cols, table, nouns)
    used: set[str] = {tm.legacy_id} if tm.legacy_id else set()
    for m in _score_fields(cols, table, target, used):
        if m.field in tm.fields or m.column in used:
            continue
        tm.fields[m.field] = FieldMap(m.field, [m.column], confidence=round(m.score, 2),
                                      reason=m.why)
        used.add(m.column)
    _composites(cols, table, target, tm, used)
    _by_content(cols, table, target, tm, used, profile.phone_region)
    # two columns that both name a field well (Amount and Total on a bill): the one taken
    # may be the wrong one, so a person says which
    for m in _score_fields(cols, table, target, used):
        fm = tm.fields.get(m.field)
        # (a column named as the field itself is a rival however empty the sample leaves it)
        if fm is None or m.score < RIVAL_FROM and not m.named or \
                len(fm.columns) != 1 or fm.steps and any(
                isinstance(st, dict) and "concat" in st for st in fm.steps):
            continue
        if not fm.review and (fm.confidence or 0) >= REVIEW_BELOW:
            fm.confidence = round(REVIEW_BELOW - 0.01, 2)
            fm.reason = f"{fm.reason}; {m.column} fits it too ({m.why})"
    _total_of_parts(cols, table, tm, used)
    _amounts_apart(cols, table, tm)
    _bill_date_otherwise(cols, table, tm, used)
    _names_by_email(cols, table, tm, profile)
    _notes_together(cols, table, target, tm, used)
    add_type_steps(target, tm, sample, profile)
    _date_with_its_time(cols, target, tm, used)
    matched = [f.confidence or 0 for f in tm.fields.values()]
    tm.confidence = round(sum(matched) / len(matched), 2) if matched else 0.0
    for fm in tm.fields.values():  # never applied unasked (the review gate)
        if fm.confidence is not None and fm.confidence < REVIEW_BELOW:
            fm.review = True
    return tm


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", _unaccented(text).lower())


def _names_by_email(cols: _Columns, table: str, tm: TableMap, profile: Profile) -> None:
    """E-mail addresses begin with the family-name column's values (or its initial
    before the other's) far more often than with the given-name column's: the two may hold
    each other's names (a Flemish practice's familienaam holds "Cedric", e-mails
    cedric.bral@), or the clinic writes addresses family name first (rossi.mario@): the
    names are asked, and a note says why; nothing is swapped unasked."""
    if table not in ("patients", "doctors"):
        return
    first, last = tm.fields.get("firstName"), tm.fields.get("lastName")
    if not first or not last or len(first.columns) != 1 or len(last.columns) != 1 or \
            first.steps or last.steps:
        return
    mails = [c for c, cw in cols.words.items() if {"email", "mail"} & set(cw)]
    if not mails:
        return
    f, l = first.columns[0], last.columns[0]
    rows = cols.sample[[f, l, mails[0]]].head(JUDGED_ROWS).astype(str)
    given_first = family_first = 0
    for gv, fv, mail in rows.itertuples(index=False):
        local = _letters(mail.split("@")[0]) if "@" in mail else ""
        g, fam = _letters(gv), _letters(fv)
        if not local or len(g) < 2 or len(fam) < 2:
            continue
        # (the name itself, or its initial before the other: glequesne@ for Glenn Le Quesne)
        given_first += local.startswith(g) or local.startswith(g[0] + fam)
        family_first += local.startswith(fam) or local.startswith(fam[0] + g)
    if family_first < 2 or family_first < 3 * given_first:
        return
    for fm in (first, last, tm.fields.get("fullName")):
        if fm is not None:
            fm.confidence = min(fm.confidence or 0, 0.75)
            fm.review = True
            fm.reason = (f"{fm.reason}; the e-mail addresses begin with {l}'s values "
                         f"({family_first} of them, {given_first} with {f}'s)")
    _note(profile, ProfileNote(
        f"{tm.source}: the e-mail addresses begin with {l}'s values, not {f}'s: either "
        f"the two hold each other's names, or the clinic writes addresses family name "
        "first; look at a few records and swap the two on the mapping page if need be",
        NoteKind.CHECK))


#: a bill with no billing date is dated, in this order, by the end of the stay it bills
#: (when a hospital bills), by its payment, or by the record's creation
_BILL_DAYS = (("end", "the end of the stay it bills"), ("payment", "its payment"),
              ("paid", "its payment"), ("created", "the record's creation"))


def _bill_date_otherwise(cols: _Columns, table: str, tm: TableMap, used: set[str]) -> None:
    """A bill with no billing date takes the day it was most likely made out (asked):
    a hospital's bill the stay's discharge, a clinic's invoice the day it was paid."""
    if table != "bills" or "billDate" in tm.fields:
        return
    for word, said in _BILL_DAYS:
        for c, cw in cols.words.items():
            if c in used or word not in cw or set(cw) & {"birth", "due", "death"} or \
                    cols.filled(c) < 0.5 or cols.fit(c, "date") < 0.6:
                continue
            tm.fields["billDate"] = FieldMap(
                "billDate", [c], confidence=0.7, review=True,
                reason=f"no billing date: {c}, {said}")
            used.add(c)
            return


#: the money a record's total is of: the field that takes the total where it is the sum of
#: other columns (a receipt's fee + prescription; a net price + its VAT)
_TOTALS = {"bills": "amount", "payments": "amount"}


#: the most numeric columns searched for one summing others
TOTAL_COLUMNS = 12
#: a number that is no charge's total, whatever it sums: a balance, what was owed
_NOT_A_TOTAL = {"balance", "before", "after", "due", "remaining", "outstanding", "owed",
                "previous", "opening", "closing"}


def _money_columns(cols: _Columns, skip: set[str]) -> dict[str, pd.Series]:
    """Columns of plain numbers (ids and codes apart), as numbers, empty as 0."""
    got = {}
    for c, cw in cols.words.items():
        if c in skip or c not in cols.sample or set(cw) & {"id", "number", "code"} or \
                set(w.lower() for w in re.findall(r"[A-Za-z]+", c)) & _NOT_A_TOTAL or \
                not len(cols.values(c)):
            continue  # (a running balance sums the amount and what was owed before)
        v = pd.to_numeric(tf.as_text(cols.sample[c].head(JUDGED_ROWS)).str.strip()
                          .replace("", "0"), errors="coerce")
        if float(v.notna().mean()) >= 0.95 and float((v != 0).mean()) >= 0.2:
            got[c] = v.fillna(0)
    return got


def _amounts_apart(cols: _Columns, table: str, tm: TableMap) -> None:
    """A bill or payment with several amounts (total_amount, final_amount after a
    discount, paid_amount): the one taken is asked, the others named in the reason."""
    fm = tm.fields.get(_TOTALS.get(table, ""))
    if fm is None or len(fm.columns) != 1 or fm.review:
        return
    # (an amount, or a cost after a discount: discounted_cost beside total_cost; never a
    # unit's price, a tax or what was paid)
    others = [c for c, cw in cols.words.items() if c not in fm.columns and
              ("amount" in cw or "discounted" in cw and set(cw) & _MONEY)
              and not set(cw) & (_NOT_A_TOTAL | {"discount", "tax", "paid", "payment"})
              and c not in cols.nested]
    if others:
        fm.confidence = min(fm.confidence or 0, round(REVIEW_BELOW - 0.01, 2))
        fm.review = True
        fm.reason = f"{fm.reason}; {', '.join(others)} may be the amount too"


def _total_of_parts(cols: _Columns, table: str, tm: TableMap, used: set[str]) -> None:
    """A column that is, record by record, the sum of two or three others is the total:
    the amount, whatever the name of the column the names chose (biaya_resep, the
    prescription's cost, beside total_bayar = biaya_periksa + biaya_resep). Asked."""
    field_name = _TOTALS.get(table)
    if field_name is None:
        return
    fm = tm.fields.get(field_name)
    if fm is not None and (len(fm.columns) != 1 or fm.steps or fm.expr or fm.lookup):
        return
    if fm is not None and (fm.reason or "").startswith("same name"):
        return  # a column called "amount" is the amount
    taken = set(fm.columns) if fm else set()
    money = _money_columns(cols, (used - taken) | {tm.legacy_id or ""})
    if not 3 <= len(money) <= TOTAL_COLUMNS:
        return  # (a wide sheet of charges is no sum to search: asked by names alone)
    names = list(money)
    for total in names:
        parts = [c for c in names if c != total]
        for k in (2, 3):
            for combo in itertools.combinations(parts, k):
                summed = sum(money[c] for c in combo)
                if float(((summed - money[total]).abs() < 0.005).mean()) < 0.95 or \
                        float((money[total] == 0).mean()) > 0.5 or any(
                        float((money[total] != money[c]).mean()) < 0.2 for c in combo):
                    continue  # (a total is mostly more than any one of its parts)
                if fm and fm.columns == [total]:
                    return
                why = f"the sum of {' + '.join(combo)} in every record: the total"
                if fm is not None:
                    used.discard(fm.columns[0])
                    why += f" ({fm.columns[0]} is one of its parts)" \
                        if fm.columns[0] in combo else f" (rather than {fm.columns[0]})"
                tm.fields[field_name] = FieldMap(field_name, [total], confidence=0.85,
                                                 reason=why, review=True)
                used.add(total)
                return


#: a person's name as written: two to four words, each capitalised (Anna Kowalska, J. Paul)
_PERSON_NAME = re.compile(r"^(?:[^\W\d_][\w'’.\-]*\s+){1,3}[^\W\d_][\w'’.\-]*$")
#: content alone is never sure: a column no name matched is asked at most this sure
BY_CONTENT = 0.75


def _by_content(cols: _Columns, table: str, target: TargetTable, tm: TableMap,
                used: set[str], region: str | None, phones: bool = True) -> None:
    """A person's fields no column name matched, taken from a column whose values can only
    be that (asked): gender codes, phone numbers, birth dates, people's names. What
    columns are called in a language the vocabulary lacks (NRKADR, PLEC) does not matter to
    what their values are."""
    if table not in ("patients", "doctors"):
        return
    fields = target.fields
    free = [c for c in cols.st.columns if c not in used and c in cols.sample and
            cols.filled(c) >= 0.5 and not set(cols.words[c]) & _ANOTHER_PERSON]
    # (dates the sample's first rows parse as, away from today: born decades apart)

    def take(field: str, col: str, why: str, steps=None) -> None:
        tm.fields[field] = FieldMap(field, [col], steps or [], None, BY_CONTENT,
                                    f"no column is named so; {col}'s values are {why}",
                                    review=True)
        used.add(col)
        free.remove(col)

    if "gender" in fields and "gender" not in tm.fields:
        for c in free:
            v = cols.values(c).str.lower()
            if 2 <= v.nunique() <= 4 and cols.fit(c, "enum") >= 0.98:
                take("gender", c, "gender codes")
                break
    if phones and "phone" in fields and "phone" not in tm.fields:
        for c in free:
            v = cols.values(c)
            if cols.fit(c, "phone") >= 0.9 and v.nunique() >= 0.5 * len(v) and \
                    _valid_share(v, region or "US") >= 0.8:
                # (valid numbers of the export's region, not a run of digits or a
                # social security or coordinate that fits the shape)
                take("phone", c, "phone numbers")
                break
    if "age" in fields and "age" not in tm.fields:
        this_year = datetime.date.today().year
        for c in free:
            if cols.fit(c, "date") < 0.9:
                continue
            years = pd.to_datetime(tf.parse_dates(cols.values(c).head(CONTENT_VALUES)
                                                  ).values, errors="coerce").dt.year.dropna()
            if len(years) >= 2 and years.between(1900, this_year).all() and \
                    years.max() - years.min() >= 15 and this_year - years.median() >= 10:
                take("age", c, "birth dates, decades apart",
                     [tf.AgeFromDateStep().to_raw()])
                break
    if "fullName" in fields and "fullName" not in tm.fields and \
            not {"firstName", "lastName"} & set(tm.fields):
        for c in free:
            v = cols.values(c)
            if len(v) >= 2 and v.nunique() >= 0.8 * len(v) and \
                    float(v.str.match(_PERSON_NAME).mean()) >= 0.9 and \
                    float(v.map(lambda x: x[:1].isupper()).mean()) >= 0.9:
                take("fullName", c, "people's names")
                break


def _notes_together(cols: _Columns, table: str, target: TargetTable, tm: TableMap,
                    used: set[str]) -> None:
    """A visit's notes from every free-text column that names them (the complaint and the
    doctor's remarks, the reason and the notes), joined (asked): one note column chosen
    would leave the other's text behind."""
    fm = tm.fields.get("notes")
    if table != "visits" or fm is None or len(fm.columns) != 1 or fm.steps:
        return
    found = [m for m in _score_fields(cols, table, target, used)
             if m.field == "notes" and m.column not in fm.columns]
    more = list(dict.fromkeys(m.column for m in found if m.score >= 0.85))
    if not more:
        maybe = list(dict.fromkeys(m.column for m in found if m.score >= 0.8))
        if maybe:  # (HuongDanDieuTri, the treatment's instructions: notes too? asked)
            fm.confidence = min(fm.confidence or 0, 0.85)
            fm.reason = f"{fm.reason}; {', '.join(maybe)} may hold notes too"
            fm.review = True
        return
    fm.columns = fm.columns + more
    fm.steps = [tf.ConcatStep("; ").to_raw()]
    fm.confidence = min(fm.confidence or 0, 0.85)
    fm.reason = f"{fm.reason}; with {', '.join(more)}, which name notes too"
    fm.review = True
    used.update(more)


_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?$")
_TIME_IN_DATE = re.compile(r"\d{1,2}:\d{2}")


def _date_with_its_time(cols: _Columns, target: TargetTable, tm: TableMap,
                        used: set[str]) -> None:
    """A date field from a column of days alone, beside the one column of times of day
    the file has (data 04/08/2024, horario 17:00): the two are joined (asked). With
    several time columns (booked, seen, left) which is the field's is a person's choice,
    and nothing is joined."""
    times = [c for c in cols.st.columns if c not in used and c in cols.sample and
             len(cols.values(c)) and
             float(cols.values(c).str.match(_TIME_OF_DAY).mean()) >= 0.9]
    if len(times) != 1:
        # several times of day (start, end), or hours and minutes in columns of their own
        # (laikas_val, laikas_min): which make the time is a person's to say
        parts = times or [c for c in cols.st.columns if c not in used and c in cols.sample
                          and "date" in cols.words[c] and len(cols.values(c)) and
                          float(cols.values(c).str.fullmatch(r"\d{1,2}").mean()) >= 0.9]
        for name, fm in tm.fields.items():
            if parts and target.fields[name].kind == "date" and len(fm.columns) == 1 and \
                    name in ("visitDate", "orderedOn", "paidOn", "billDate"):
                fm.confidence = min(fm.confidence or 0, 0.85)
                fm.reason = f"{fm.reason}; {', '.join(parts)} may hold its time of day"
                fm.review = True
        return
    for name, fm in tm.fields.items():
        if target.fields[name].kind != "date" or len(fm.columns) != 1 or \
                fm.columns[0] not in cols.sample or not fm.steps or len(fm.steps) != 1:
            continue
        days = cols.values(fm.columns[0])
        if not len(days) or float(days.str.contains(_TIME_IN_DATE).mean()) > 0.1 or \
                isinstance(fm.steps[0], dict) and \
                (fm.steps[0].get("date") or {}).get("unix_time"):
            continue  # the column has its times already (a Unix time is an instant)
        fm.columns = [fm.columns[0], times[0]]
        fm.steps = [tf.ConcatStep(" ").to_raw()] + list(fm.steps)
        fm.confidence = min(fm.confidence or 0, 0.85)
        fm.reason = f"{fm.reason}; with the time of day in {times[0]}"
        fm.review = True
        used.add(times[0])
        return


#: what a status column holds (estado is a state beside an address, a status elsewhere)
_STATUS_WORDS = {"active", "inactive", "ativo", "inativo", "activo", "inactivo", "aktiv",
                 "inaktiv", "actif", "inactif", "pending", "pendiente", "pendente", "closed",
                 "open", "cancelled", "canceled", "paid", "unpaid", "yes", "no", "sim",
                 "nao", "não", "si", "sí", "1", "0", "true", "false"}


def _state_not_status(cols: _Columns, c: str, cw: tuple[str, ...]) -> bool:
    """A column the vocabulary reads as status (Portuguese and Spanish "estado") is the
    state of an address when its values are places, not statuses (" RJ", "Bahia")."""
    if cw != ("status",) or c not in cols.sample or norm(c) == "status":
        return False  # (a column called "status" is one, whatever its values)
    raw = cols.values(c)
    v = raw.str.lower()
    if not len(v) or float(v.isin(_STATUS_WORDS).mean()) >= 0.2:
        return False
    # many places, or a state's two-letter code (SP, RJ) however few the sample holds,
    # where the file has a city or a postcode beside it (AC/IN alone are statuses' codes)
    beside = any({"city", "zip"} & set(w) for k, w in cols.words.items() if k != c)
    return v.nunique() >= 3 or beside and bool(raw.str.fullmatch(r"[A-Z]{2}").all())


_DIGITS = set("0123456789") | {str(n) for n in range(10, 20)}


def _bare_name(cols: _Columns, c: str, table: str, beside: FieldMap | None = None) -> bool:
    """The column is called "name" and nothing else but the file's prefix, its people's
    noun or what the other name column ``beside`` is called too (ptName beside ptLname,
    emp_name beside emp_lname, nome beside cognome, nomMed beside prenomMed)."""
    own = {TABLE_NOUN.get(table, ""), "patient", "doctor", "staff"} | cols.prefix()
    if beside is not None and c in beside.columns:
        return False  # (the other name column itself: no name beside itself)
    if beside is not None and len(beside.columns) == 1:
        own |= set(cols.words.get(beside.columns[0], ())) - {"name"}
    return tuple(w for w in cols.words.get(c, ()) if w not in own) == ("name",)


def _codes(cols: _Columns, c: str) -> bool:
    """The column holds codes (digits alone: kd_kec 101), not the names of places."""
    v = cols.values(c)
    v = v[v.ne("")]
    return len(v) > 0 and float(v.str.fullmatch(r"\d+").mean()) >= 0.8


def _second_surname(cols: _Columns, last: FieldMap, used: set[str]) -> str | None:
    """The one other column named as a family name beside ``last``'s, the two told apart
    by which surname each is (the father's and the mother's: apellido_pat and
    apellido_mat, primer and segundo apellido), or None: a guardian's or a previous
    family name is another person's, or another time's."""
    def order(c: str) -> bool:
        return bool(set(re.findall(r"[a-z]+|\d", c.lower())) & _SURNAME_ORDER)
    if not order(last.columns[0]):
        return None
    others = [c for c, cw in cols.words.items() if c not in used and c not in last.columns
              and {"last", "name"} <= set(cw) and not set(cw) & _NOT_A_NAME and order(c)
              and _name_score(cw, "patients", "lastName")[0] >= 0.8]
    return others[0] if len(others) == 1 else None


#: the words that say which of two surnames a column holds
_SURNAME_ORDER = {"pat", "mat", "paterno", "materno", "paterna", "materna", "primer",
                  "primero", "segundo", "second", "first", "1", "2", "paternal", "maternal"}


def _composites(cols: _Columns, table: str, target: TargetTable, tm: TableMap,
                used: set[str]) -> None:
    """Fields made of several columns: a full name of first and last names, an address of
    its parts, an age from a birth date."""
    fields = target.fields
    first = tm.fields.get("firstName")
    last = tm.fields.get("lastName")
    full = tm.fields.get("fullName")
    if "fullName" in fields and "firstName" not in fields and first is None:
        # a table with a full name only (doctors): its first and last name columns, found
        # with the patients' words for them, are joined into it
        named = {}
        for part in ("firstName", "lastName"):
            found = [(_name_score(tuple(w for w in cw if w not in cols.prefix()) or cw,
                                  "patients", part)[0], c) for c, cw in cols.words.items()
                     if c not in used or (full is not None and c in full.columns)]
            found = [x for x in found if x[0] >= 0.9]
            if found:
                named[part] = FieldMap(part, [max(found)[1]], confidence=round(max(found)[0], 2))
        bare = full is not None and len(full.columns) == 1 and len(named) == 1 and \
            _bare_name(cols, full.columns[0], table, next(iter(named.values())))
        if "firstName" in named and "lastName" not in named and bare:
            # a bare "name" beside a first name is the family name (French Prénom and Nom)
            named["lastName"] = FieldMap("lastName", list(full.columns), confidence=0.85)
            full = None
        elif "lastName" in named and "firstName" not in named and bare:
            # and beside a family name it is the given name (Italian nome and cognome)
            named["firstName"] = FieldMap("firstName", list(full.columns), confidence=0.85)
            full = None
        if len(named) == 2:
            first, last = named["firstName"], named["lastName"]
    if first and last is None and full is not None and len(full.columns) == 1 and \
            _bare_name(cols, full.columns[0], table, first) and "lastName" in fields:
        # a bare "name" beside a first name is the family name (French Prénom and Nom)
        last = FieldMap("lastName", list(full.columns), confidence=0.85,
                        reason="a bare name beside the first name: the family name",
                        review=True)
        tm.fields["lastName"] = last
        full = None
    if last and first is None and full is not None and len(full.columns) == 1 and \
            _bare_name(cols, full.columns[0], table, last) and "firstName" in fields:
        # and beside a family name it is the given name (Italian nome and cognome)
        first = FieldMap("firstName", list(full.columns), confidence=0.85,
                         reason="a bare name beside the family name: the given name",
                         review=True)
        tm.fields["firstName"] = first
        full = None
    if "fullName" in fields and first and last and (
            full is None or (full.confidence or 0) < 0.95):
        if full is not None:
            used.discard(full.columns[0])
        second = _second_surname(cols, last, used) if len(last.columns) == 1 else None
        if second and last is tm.fields.get("lastName"):
            # Spanish and Portuguese two surnames (apellido_pat, apellido_mat): the family
            # name is both, in their order, and so is the full name's end (asked)
            last.columns = last.columns + [second]
            last.steps = [tf.ConcatStep(" ").to_raw()]
            last.confidence = min(last.confidence or 0, 0.85)
            last.reason = f"{last.reason}; with {second}, the second surname"
            last.review = True
            used.add(second)
        # a middle name or patronymic between them (Russian otchestvo, "third_name")
        middle = [c for c, cw in cols.words.items() if c not in used and cw and
                  cw[0] == "middle" and set(cw) <= {"middle", "name", TABLE_NOUN.get(table)}]
        tm.fields["fullName"] = FieldMap("fullName", first.columns + middle[:1] + last.columns,
                                         [tf.ConcatStep(" ").to_raw()], None,
                                         round(min(first.confidence or 0, last.confidence or 0,
                                                   0.95), 2),
                                         "first and last name joined" +
                                         (f", {middle[0]} between" if middle else ""))
        used.update(first.columns + last.columns + middle[:1])
    if "address" in fields and "address" not in tm.fields and table in ("patients",
                                                                        "doctors"):
        # no street: the town, region or postcode alone is what the export has of it
        alone = [c for part in ("district", "city", "state", "zip")
                 for c, cw in cols.words.items()
                 if c not in used and cw and part in cw and
                 len(set(cw) - {part, "number", "code", TABLE_NOUN.get(table, "")}) == 0]
        alone = list(dict.fromkeys(alone))
        if alone:
            tm.fields["address"] = FieldMap(
                "address", alone, [tf.ConcatStep(", ").to_raw()] if len(alone) > 1 else [],
                None, 0.8, "no street column: the address is " + ", ".join(alone),
                review=True)
            used.update(alone)
    elif "address" in fields and "address" in tm.fields:
        parts = [c for part in ("house", "district", "city", "state", "zip", "country")
                 for c, cw in cols.words.items()
                 if c not in used and cw and (part in cw or part == "state" and
                                              _state_not_status(cols, c, cw)) and
                 len(set(cw) - {part, "status", "number", "address", "code",
                                TABLE_NOUN.get(table, "")}) == 0 and
                 not (part not in ("house", "zip") and _codes(cols, c))]
        parts = list(dict.fromkeys(parts))
        # a state is a place beside a town or a postcode; alone it may be the record's
        # state (a registration's 退号, cancelled) as well as a city: asked
        towns = any({"city", "zip", "district"} & set(cols.words[c]) for c in parts)
        lone_state = [c for c in parts if "state" in cols.words[c] and not towns]
        fm = tm.fields["address"]
        if lone_state and fm.columns:
            fm.confidence = min(fm.confidence or 0, 0.85)
            fm.review = True
        # numbered lines (address_1 .. address_5, ADDR_LINE2) are one address, in order
        lines = [c for c, cw in cols.words.items()
                 if c not in used and any(w.isdigit() for w in cw) and
                 set(w for w in cw if not w.isdigit()) <= {"address", "line"} and
                 "address" in cw and len(fm.columns) == 1 and
                 set(cols.words[fm.columns[0]]) - {"address", "line"} <= _DIGITS]
        if lines:
            order = {c: i for i, c in enumerate(cols.st.columns)}
            fm.columns = sorted(fm.columns + lines, key=lambda c: order.get(c, 0))
            fm.steps = [tf.ConcatStep(", ").to_raw()]
            fm.reason = (fm.reason or "") + "; the address's other lines " + ", ".join(lines)
            used.update(lines)
        if parts and (loose := [c for c, cw in cols.words.items()
                                if (c not in used or c == tm.legacy_id) and
                                cw == ("number",)]):
            # a bare "numero" beside the street and the town: the house's number, perhaps
            fm.confidence = min(fm.confidence or 0, 0.85)
            fm.review = True
            fm.reason = (fm.reason or "") + f"; {loose[0]} may be the house number"
        if parts:
            fm.columns = fm.columns + parts
            fm.steps = [tf.ConcatStep(", ").to_raw()]
            fm.reason = (fm.reason or "") + "; with " + ", ".join(parts) + (
                f" ({lone_state[0]} may be the record's state, not a place)"
                if lone_state else "")
            used.update(parts)
    stored = tm.fields.get("age")
    if stored is not None and (stored.steps or len(stored.columns) != 1):
        stored = None
    if "age" in fields and ("age" not in tm.fields or stored is not None):
        # an age as stored was the age on some past day (the export's, the registration's);
        # a birth date gives today's, so where both are there the birth date is offered
        best = _birth_date(cols, used)
        if best is None:  # a birth year alone (OMOP's year_of_birth)
            year_now = datetime.date.today().year
            for c, cw in cols.words.items():
                # a birth year, or a birth date column holding years alone (DataNasc: 1996)
                if c in used or "birth" not in cw:
                    continue
                v = pd.to_numeric(cols.values(c).head(CONTENT_VALUES), errors="coerce")
                # four-digit years: the field, even where some are wrong (shifted into the
                # future, say: validation rejects what they give, and the reason says so)
                if stored is None and len(v) and \
                        float(v.between(1000, 2999).mean()) >= _FIT_NEEDED["int"]:
                    ahead = float((v > year_now).mean())
                    tm.fields["age"] = FieldMap(
                        "age", [c], [tf.AgeFromYearStep().to_raw()], None, 0.85,
                        "age from the birth year alone (at this year's birthday)" +
                        (f", {ahead:.0%} of the sample are years to come" if ahead else ""),
                        review=True)
                    used.add(c)
                    break
        if best:
            dob = best[1]
            serial = dob in cols.sample and tf.excel_serial_share(
                tf.as_text(cols.sample[dob].head(1000)).tolist(), BIRTH_SERIAL_FROM) \
                >= SERIAL_SHARE
            tm.fields["age"] = FieldMap("age", [dob], [
                tf.AgeFromDateStep(excel_serial=serial).to_raw()], None, 0.85,
                "age computed from the birth date" + (" (Excel date numbers)" if serial
                                                      else "") +
                (f"; {stored.columns[0]} holds an age as of some past day" if stored else ""),
                review=bool(stored))
            used.add(dob)
            if stored is not None:
                used.discard(stored.columns[0])


def _birth_date(cols: _Columns, used=()) -> tuple[float, str] | None:
    """(score, column) of the column most surely holding birth dates, or None."""
    best = None
    for c, cw in cols.words.items():
        if c in used:
            continue
        s, _ = _name_score(cw, "patients", "(birth)")
        if s < 0.85 or (best is not None and s <= best[0]):
            continue
        if cols.fit(c, "date") >= 0.5 or tf.excel_serial_share(
                cols.values(c).head(1000).tolist(), BIRTH_SERIAL_FROM) >= SERIAL_SHARE:
            best = (s, c)
    return best


# --- a file for a table -----------------------------------------------------------------------
def _table_name_score(st: SourceTable, table: str) -> float:
    score = _stem_score(st.stem, table)
    if not score and st.sheet and not any(
            _stem_score(st.sheet, t) for t in TABLE_NOUN if t != table):
        # a sheet named for nothing HMSync has (doctors.xlsx's "Logins") is what its
        # workbook's name says, less surely: a workbook names all its sheets at once
        score = 0.8 * _stem_score(st.path.stem, table)
    return score


#: things a file named for a table's noun may hold instead of its records (patient_packages,
#: doctor_schedule, patient_allergies): HMSync has no table for them
_OTHER_THINGS = {"history", "package", "schedule", "shift", "roster", "login", "account", "user",
                 "document", "image", "photo", "attachment", "insurance", "policy", "plan",
                 "contact", "relative", "kin", "allergy", "medication", "prescription",
                 "drug", "diet", "vaccination", "immunization", "consent", "leave",
                 "availability", "slot", "salary", "payroll", "rating", "review",
                 "feedback", "message", "notification", "token", "session", "setting",
                 "permission", "role", "audit", "expense", "stock",
                 "inventory", "supply", "asset", "equipment", "purchase", "type", "category",
                 "status",
                 "template", "catalog", "catalogue", "group"}

#: staff who are neither doctors nor patients: a file of them is neither (their notes and
#: assessments may still be visits)
_OTHER_STAFF = {"nurse", "receptionist", "accountant", "pharmacist", "cashier", "cleaner",
                "driver", "technician", "midwife", "porter", "guard"}

#: of those, the ones a file of people may be named for (users.json holding the doctors)
_PEOPLE_THINGS = {"user", "account", "login", "role", "contact", "group", "type", "status",
                  "category", "relative", "kin"}


#: common laboratory tests, by the short names a laboratory's tables are named with
_LAB_TESTS = {"cbc", "fbc", "hba1c", "psa", "tsh", "pth", "widal", "lipid", "lipidprofile",
              "urinalysis", "urine", "glucose", "sugar", "bloodsugar", "haemoglobin",
              "hemoglobin", "creatinine", "electrolytes", "lft", "rft", "kft", "esr", "crp",
              "malaria", "hiv", "hbsag", "vdrl", "pylori", "culture", "serology",
              "haematology", "hematology", "biochemistry", "immunology", "thyroid",
              "semen", "stool", "sputum", "troponin", "ferritin", "vitamin", "coagulation",
              "inr", "bilirubin", "cholesterol", "triglycerides", "uric", "ogtt", "rbs",
              "fbs", "ppbs", "hcg", "pregnancy", "genexpert", "xray", "ultrasound"}


def _names_a_test(ws: tuple[str, ...]) -> bool:
    return bool(set(ws) & _LAB_TESTS) or _key(ws) in _LAB_TESTS


def _follows(ws: tuple[str, ...], first: str, then: str) -> bool:
    return any(a == first and singular(b) == then for a, b in zip(ws, ws[1:]))


def _stem_score(stem: str, table: str) -> float:
    noun = TABLE_NOUN.get(table)
    ws = words(stem)
    if not ws or noun is None:
        return 0.0
    if table == "doctors" and {"staff", "user"} & {singular(w) for w in ws} and \
            noun not in ws:
        # the staff, doctors among them: the doctors where no file is named for them (the
        # second-source rule keeps a staff file beside a doctors file out)
        return 0.7
    if table == "visits" and ("history" in ws or _follows(ws, "medical", "record")):
        # a patient's history, their medical records: what happened at each visit
        return 0.8
    if table == "visits" and "appointment" in ws:
        # bookings: visits, perhaps, but some never took place; a file of the visits
        # themselves (with their diagnoses) fits better
        return 0.6
    if table == "pathology_tests" and noun not in ws and _names_a_test(ws):
        return 0.8  # a laboratory's table per test (psa.csv, lipid_profile.csv, widal.csv)
    if noun in ws:
        after = {singular(w) for w in ws[len(ws) - ws[::-1].index(noun):]}
        if after & _OTHER_THINGS:
            return 0.6  # a patient's packages, a doctor's schedule: things of the noun's
        return 1.0 if ws[-1] == noun or len(ws) <= 2 else 0.85
    key = _key(ws)
    return 0.8 if fuzz.partial_ratio(noun, key) >= 90 and len(key) >= len(noun) else 0.0


def _table_fit(st: SourceTable, table: str, target: TargetTable, cols: _Columns,
               refs: dict[str, str] | None = None) -> tuple[float, str]:
    """How well a file fits an HMSync table, by its name and by the fields its columns
    fill (0..1), and why. ``refs``: HMSync table -> a column of this file holding the ids
    of the file that feeds that table (see :func:`_references_by_value`)."""
    name = _table_name_score(st, table)
    sig = SIGNATURE.get(table, {})
    first = st.columns[0] if st.columns else None

    def own_records(column: str, ref: str | None) -> bool:
        # MedBilling's BillingID numbers its own bills: no bill a payment points to
        return bool(ref) and column == first and cols.unique_ids(first) and \
            _table_name_score(st, ref) >= 0.8

    got = {}
    for f in target.mappable:
        col = (refs or {}).get(f.references) if f.references and f.references != table \
            else None
        if col and f.name in sig and not own_records(col, f.references):
            got[f.name] = col
    for m in _score_fields(cols, table, target, set()):
        if m.field in sig and m.field not in got and m.column not in got.values() and \
                not own_records(m.column, target.fields[m.field].references):
            got[m.field] = m.column
    if "age" in sig and "age" not in got:
        born = _birth_date(cols, set(got.values()))
        if born:
            got["age"] = born[1]  # an age computed from the birth date
    if table in ("patients", "doctors"):
        # a person's fields known by their values alone (gender codes, birth dates, names),
        # whatever language the columns are named in; phones need the export's region
        scratch = TableMap(st.name, table)
        scratch.fields = {f: FieldMap(f, [c]) for f, c in got.items()}
        _by_content(cols, table, target, scratch, set(got.values()), None, phones=False)
        for f, fm in scratch.fields.items():
            if f in sig and f not in got:
                got[f] = fm.columns[0]
    weight = sum(sig.values()) or 1
    content = sum(sig[f] for f in got) / weight
    own, sure = _choose_legacy_id(cols, table, set(TABLE_NOUN.values()))
    if own is not None:
        # an id named as this table's (visit_id in a visits file) is strong evidence; one
        # named as the file, or just "id", says only that the file holds records of its
        # own, whichever table they are. Not capped here: of two files with their own ids,
        # the one filling more of the table's fields fits it better.
        content += 0.25 if sure == 1.0 else 0.1
    score = max(0.5 * name + 0.5 * content, 0.9 * content) if name else 0.85 * content
    if not name and (_name_words(st) & (_OTHER_THINGS - _PEOPLE_THINGS) or
                     table in ("patients", "doctors") and _name_words(st) & _OTHER_STAFF):
        score *= 0.6  # named for a thing HMSync has no table for (expenses, stock_logs)
    elif not name and (any(_table_name_score(st, t) == 1.0 for t in TABLE_NOUN
                           if t != table) or _names_a_test(words(st.stem))):
        score *= 0.8  # named as another table (payment.csv, with a doctor and a date; a
        # laboratory's psa.csv)
    if name == 1.0 and own is not None and sure != 0.95 and (
            table not in _KNOWN_BY or
            any(cols.filled(got[f]) > 0 for f in got.keys() & _KNOWN_BY[table])):
        # named as the table, with the table's own id column, and holding what its records
        # are known by (the patients' family doctors, id_pacjenta and id_lekarza, are no
        # patients; a pathology order's bill, with no test named, is no test)
        score = max(score, 0.95)
    if table in _EVENTS and not _links_found(cols, table, target, refs):
        score = min(score, 0.7)  # linked to no patient: a catalogue of tests, not tests
    named = _bare_names(cols) if table in _EVENTS and "patientId" in got else []
    doubt = ""
    if named:
        # a person named beside the patient pointed to: whose records are these? (a
        # hospital's visitors, posjeta: ime, prezime, pacijent_id; or the patient's name
        # repeated on each visit)
        score = min(score, REVIEW_BELOW - 0.01)
        doubt = f"; {', '.join(named)} name someone beside the patient"
    why = (f"file name says {TABLE_NOUN.get(table)}; " if name else "") + \
        (f"columns fill {', '.join(sorted(got))}" if got else "no characteristic column") + \
        doubt
    return round(min(score, 1.0), 3), why


#: words of a way to pay, in the languages of the corpus (a payment's mode)
_PAY_WORDS = {"cash", "card", "credit", "debit", "visa", "mastercard", "amex", "cheque",
              "check", "upi", "bank", "transfer", "online", "insurance", "mobile", "mpesa",
              "m-pesa", "momo", "money", "paypal", "gcash", "wallet", "voucher", "neft",
              "rtgs", "imps", "paytm", "phonepe", "gpay", "bkash", "nagad", "esewa",
              "khalti", "efectivo", "tarjeta", "transferencia", "pix", "boleto", "dinheiro",
              "cartao", "cartão", "especes", "espèces", "carte", "virement",
              "bar", "überweisung", "ueberweisung", "nakit", "kredi", "kart", "havale",
              "tunai", "qris", "ovo", "gopay", "gotowka", "gotówka", "karta", "przelew",
              "nhif", "nhis", "hmo", "tpa", "scheme", "eft", "pos", "net", "netbanking",
              "contanti", "bancomat", "assegno", "ec", "girocard", "lastschrift", "tien",
              "chuyen", "khoan", "momo", "zalopay", "vnpay",
              "deposit", "ach", "wire", "contado", "debito", "débito", "crédito", "credito"}


_RECORD_ID = re.compile(r"[0-9a-fA-F]{24}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def _id_lists(cols: _Columns, c: str) -> bool:
    """The column's values are JSON lists of record ids (MongoDB ObjectIds, UUIDs):
    references to other records, however its name reads (a list of numbers may be codes,
    ICD-9's 401 and 250)."""
    v = cols.values(c)
    v = v[v.ne("")].head(50)
    if v.empty or not bool(v.str.startswith("[").all()):
        return False

    def ids_only(text: str) -> bool:
        try:
            items = json.loads(text)
        except ValueError:
            return False
        return isinstance(items, list) and all(
            isinstance(x, str) and _RECORD_ID.fullmatch(x) for x in items)
    return bool(v.map(ids_only).all())


#: a column's words naming a laboratory (the vocabulary reads them as a test)
_LAB_WORDS = {"lab", "labs", "laboratorio", "laboratory", "labor", "laboratorium",
              "laboratoire"}


def _ways_to_pay(cols: _Columns, c: str) -> bool:
    """The column's values are ways to pay (Cash, Card, UPI) or unknown (none in the
    sample); what was paid for (Drugs, Lab Tests) is not."""
    v = cols.values(c).str.lower()
    distinct = v[v.ne("")].drop_duplicates().head(30)
    if distinct.empty:
        return True
    known = distinct.map(lambda x: bool(set(re.split(r"[^\w-]+", x)) & _PAY_WORDS))
    return float(known.mean()) >= 0.3


#: the fields that name a person
_NAMES = {"fullName", "firstName", "lastName"}


def _bare_names(cols: _Columns) -> list[str]:
    """Columns naming a person, the first and the last name, with no word of whose."""
    named = [c for c, cw in cols.words.items()
             if cw in (("first", "name"), ("last", "name"), ("given", "name"),
                       ("family", "name"), ("surname",))]
    return named if len(named) >= 2 else []


#: a table -> the fields one of which its records are known by
_KNOWN_BY = {"patients": _NAMES, "doctors": _NAMES,
             "pathology_tests": {"testName", "testCode", "resultValue"}}
#: a file fits a table from this score on; under REVIEW_BELOW it is asked
TABLE_FROM = 0.5
#: a file whose best table another file took fits a second table only this well
PASSED_OVER_FROM = 0.75


def suggest_table(st: SourceTable, targets: dict[str, TargetTable],
                  sample: pd.DataFrame | None = None) -> tuple[str | None, float, str]:
    """The HMSync table a legacy table most likely feeds, on its own: (table, confidence,
    reason). :func:`suggest_profile` decides over the whole export instead."""
    sample = st.sample(200) if sample is None else sample
    cols = _Columns(st, sample)
    fits = sorted(((*_table_fit(st, t, targets[t], cols), t) for t in targets),
                  key=lambda x: -x[0])
    if not fits or fits[0][0] < TABLE_FROM:
        return None, fits[0][0] if fits else 0.0, "no HMSync table resembles this file"
    score, why, table = fits[0]
    return table, score, why


def _same_columns(a: SourceTable, b: SourceTable) -> bool:
    """Parts of one table: (mostly) the same columns, whatever their order or spelling (a
    register kept as a workbook and as a CSV, a year's file beside the next)."""
    x, y = {_key(words(c)) for c in a.columns}, {_key(words(c)) for c in b.columns}
    return len(x & y) >= 0.6 * len(x | y)


def _names_agree(a: SourceTable, b: SourceTable) -> bool:
    """Two files' names do not say they hold other things (staffs.csv beside patients.csv:
    the same columns, other people)."""
    sa, sb = _name_words(a), _name_words(b)
    if not sa or not sb:
        return True  # a name that says nothing ("Sheet1", "export_2") contradicts nothing
    return bool(sa & sb) or fuzz.ratio(_key(sorted(sa)), _key(sorted(sb))) >= 70


#: words of a file's or sheet's name that say nothing of what it holds
_BLAND = {"sheet", "sheets", "hoja", "tabelle", "blatt", "feuil", "planilha", "export",
          "exports", "data", "table", "tables", "file", "list", "dump", "backup", "copy",
          "new", "old", "final", "csv", "xlsx", "json", "information"}


def _name_words(st: SourceTable) -> set[str]:
    """The telling words of a legacy table's name: its file's and its sheet's, singular,
    without numbers and bland words (Patient1.xlsx#Sheet1 -> {patient})."""
    out = set()
    for part in st.name.split("#"):
        for w in words(Path(part).stem if "." in part else part):
            w = singular(w)
            if not w.isdigit() and w not in _BLAND:
                out.add(w)
    return out


def _link_table(cols: _Columns) -> list[str] | None:
    """The columns of a link table (doctor_id, patient_id: which doctor sees which patient),
    a file of references to other tables' records and nothing of its own; None otherwise."""
    nouns = set(TABLE_NOUN.values())
    refs, things = [], set()
    for c, cw in cols.words.items():
        rest = {singular(w) for w in cw} - {"id", "number", "code"}
        # (the id word first in languages that say "id of the doctor": id_lekarza)
        if not cw or not {cw[0], cw[-1]} & {"id", "number", "code"} or not rest or \
                len(rest) > 1 and not rest <= nouns:
            return None
        if not rest <= nouns and "id" not in cw:
            return None  # (a phone number, a postal code: values, not references)
        refs.append(c)
        things |= rest
    if len(refs) < 2 or not things & nouns:
        return None
    # (a doctor's specialties, id_lekarza and id_specjalizacji: one side a table's records,
    # the other a thing of a list; with more columns, visit_id, patient_id, doctor_id,
    # diagnosis_id, the file has records of its own)
    return refs if things <= nouns or len(refs) == 2 else None


#: the id a reference names after a slash (FHIR's "Encounter/E-1", in JSON or not)
_TOKEN = re.compile(r"/([\w.\-]+)")


def _record_ids(cols: _Columns) -> set[str]:
    """The values of a table's own id column (the first column unique in the sample),
    for telling which files point to its records; empty when it has none."""
    for c in cols.st.columns:
        if c in cols.sample and cols.unique_ids(c) and cols.values(c).nunique() >= 2:
            return set(cols.values(c, whole=True).tolist())
    return set()


#: words that say a column is an identifier, not of what
_ID_WORDS = {"id", "number", "code", "key", "ref", "reference", "no", "nr", "num",
             "registration", "file", "card", "nhs", "emp", "employee", "record", "uhid",
             "mrn"}


def _points_to(child: _Columns, parent: _Columns, skip=()) -> str | None:
    """A column of ``child`` (not one of ``skip``) whose values hold ``parent``'s record ids
    (``Encounter/E-1`` holds E-1): its records belong to the parent's."""
    ids = _record_ids(parent)
    if not ids:
        return None
    # named for the parent (appointment_id beside appointments) or as a part of something:
    # small numbers overlap by chance (a patient number 1-300 "is" an appointment number)
    toward = {singular(w) for w in words(parent.st.stem)} | {"part", "parent"}
    # a prefix every column carries (OPD_ in an OPD file) names the child, not the parent
    prefix = child.prefix()
    for c in child.st.columns:
        named = {singular(w) for w in child.words[c]} - prefix
        if c in skip or c not in child.sample or not toward & named:
            continue
        head = [singular(w) for w in child.words[c] if w not in _ID_WORDS]
        if head and head[-1] not in toward:
            continue  # what the id is of comes last: visit_department_id is a department's
        v = child.values(c)
        if len(v) < 2 or v.nunique() < 2 or child.unique_ids(c) and c == child.st.columns[0]:
            continue
        if child.filled(c) < 0.5:
            continue  # most records belong to none (an out-patient record's admissionId)
        pointing = v.map(lambda x: x in ids or any(t in ids for t in _TOKEN.findall(x)))
        # (a reference is the id itself, or names it after a slash: never a number that
        # happens to sit inside a date or a time)
        if pointing.mean() >= 0.5:
            return c
    return None


def _copy_of(holder: _Columns, other: _Columns) -> bool:
    """Most of ``other``'s first records are ``holder``'s too (a copy, or an overlapping
    export): which of the two is the table's source is a person's choice."""
    n = JUDGED_ROWS
    shared = [c for c in other.st.columns if c in holder.sample and c in other.sample]
    if not shared or not len(other.sample) or not len(holder.sample):
        return False
    def rows(cols: _Columns) -> list[tuple]:
        part = cols.sample[shared].head(n)
        return list(zip(*(tf.as_text(part[c]).str.strip() for c in shared)))
    mine, theirs = set(rows(holder)), rows(other)
    return sum(r in mine for r in theirs) >= 0.5 * len(theirs)


def _not_more_of(holder: _Columns, other: _Columns) -> str | None:
    """Why ``other``, shaped like ``holder`` (same columns), is not more records of the
    same table, or None when it may be: it holds the same records (a copy, or an export
    overlapping the other: importing both would double them), or its records point to the
    holder's (an ICU stay that is ``partOf`` a hospital encounter: parts of those records,
    not more of them)."""
    n = JUDGED_ROWS
    shared = [c for c in other.st.columns if c in holder.sample and c in other.sample]
    if shared and len(other.sample) and len(holder.sample):
        def rows(cols: _Columns) -> list[tuple]:
            part = cols.sample[shared].head(n)
            return list(zip(*(tf.as_text(part[c]).str.strip() for c in shared)))
        mine, theirs = set(rows(holder)), rows(other)
        alike = sum(r in mine for r in theirs)
        if alike >= 0.5 * len(theirs):
            return f"{alike} of its first {len(theirs)} records are in {holder.st.name} too"
    c = _points_to(other, holder, skip=set(holder.st.columns))
    if c:
        return f"its {c} points to {holder.st.name}'s records: parts of them, not more"
    return None


#: a file this sure of a table lends its ids to the files that point to it
PARENT_FROM = 0.8


def _references_by_value(sources: list[SourceTable], targets: dict[str, TargetTable],
                         columns: dict[str, _Columns]) -> dict[str, dict[str, str]]:
    """file -> {HMSync table: column}: a column that repeats the ids of the file most
    surely feeding that table, and is named as that file's id column or for its table (a
    schedule's Código holding the patients' Código). A file with a patient column and a
    date is an event, whatever its name says."""
    parents: dict[str, tuple[str, set[str]]] = {}   # table -> (its file, the id column)
    nouns = set(TABLE_NOUN.values())
    for t in targets:
        best = None
        for st in sources:
            score, _ = _table_fit(st, t, targets[t], columns[st.name])
            if score >= PARENT_FROM and (best is None or score > best[0]):
                best = (score, st)
        if best:
            cols = columns[best[1].name]
            own, _ = _choose_legacy_id(cols, t, nouns)
            if own:
                parents[t] = (best[1].name, own)
    out: dict[str, dict[str, str]] = {}
    for t, (pname, pid) in parents.items():
        pcols = columns[pname]
        # the id, and any other column as unique that other files repeat under its name
        # (an account number the records link by, beside a row id)
        keys = [pid] + [c for c in _unique_columns(pcols) if c != pid]
        key_ids = {k: set(pcols.values(k, whole=True).tolist()) for k in keys}
        for st in sources:
            if st.name == pname:
                continue
            cols = columns[st.name]
            for c, cw in cols.words.items():
                if c not in cols.sample:
                    continue
                named = [k for k in keys if norm(c) == norm(k)] or \
                    ([pid] if TABLE_NOUN[t] in cw else [])
                v = cols.values(c)
                if len(v) < 2 or v.nunique() < 2:
                    continue
                if any(len(key_ids[k]) >= 2 and float(v.isin(key_ids[k]).mean()) >= 0.9
                       for k in named):
                    out.setdefault(st.name, {})[t] = c
                    break
    return out


def _unique_columns(cols: _Columns) -> list[str]:
    """A file's columns unique in its sample: the keys other files may link by."""
    return [c for c in cols.st.columns if c in cols.sample and cols.unique_ids(c)
            and cols.values(c).nunique() >= 2]


def _keys_others_use(chosen: dict[str, tuple[SourceTable, TableMap]],
                     mapped: list[tuple[str, SourceTable, TableMap]],
                     columns: dict[str, _Columns], targets: dict[str, TargetTable],
                     profile: Profile) -> None:
    """A table's legacy id is the key the other files link by: where they repeat another
    unique column of it under its own name (zhanghao, the account, beside a row id) and
    not the id chosen, that column becomes the id (asked), so that their references
    resolve."""
    nouns = set(TABLE_NOUN.values())
    keys_of: dict[str, set[str]] = {}
    for table in targets:
        if table not in chosen:
            continue
        st, tm = chosen[table]
        pcols = columns[st.name]
        current = set(pcols.values(tm.legacy_id, whole=True).tolist()) if tm.legacy_id \
            else set()

        def linked(ids: set[str]) -> bool:
            """Some other file's column holds these ids."""
            for other, ost, _ in mapped:
                ocols = columns[ost.name]
                if other != table and any(
                        c in ocols.sample and ocols.values(c).nunique() >= 2 and
                        float(ocols.values(c).isin(ids).mean()) >= 0.5 for c in ost.columns):
                    return True
            return False

        if current and linked(current):
            keys_of[table] = current
            continue  # the records are linked by the id chosen
        # keys named as ids first (a doctor's number before the doctor's name)
        cands = sorted((c for c in _unique_columns(pcols) if set(pcols.words[c]) & _KEYISH),
                       key=lambda c: not set(pcols.words[c]) & _IDENT)
        for key in cands:
            if key == tm.legacy_id or (set(pcols.words[key]) & nouns) - {TABLE_NOUN[table]}:
                continue  # (a patient_id in an admissions file is its link to the patient)
            ids = set(pcols.values(key, whole=True).tolist())
            if any(float(pd.Series(list(ids)).isin(k).mean()) >= 0.9
                   for k in keys_of.values()):
                continue  # another table's key: a link to its records, not this one's id
            users = []   # (HMSync table, the file, its map, its column)
            for other, ost, otm in mapped:
                if other == table:
                    continue
                ocols = columns[ost.name]
                for c in ost.columns:
                    if c in ocols.sample and norm(c) == norm(key):
                        v = ocols.values(c)
                        if len(v) >= 2 and float(v.isin(ids).mean()) >= 0.9 and \
                                float(v.isin(current).mean()) < 0.5:
                            users.append((other, ost, otm, c))
            if not users:
                continue
            was = tm.legacy_id
            tm.legacy_id = key
            tm.confidence = min(tm.confidence or 0, round(REVIEW_BELOW - 0.01, 2))
            names = sorted({ost.name for _, ost, _, _ in users})
            _note(profile, ProfileNote(
                f"{st.name}: legacy id {key}, the key {', '.join(names)} link by" +
                (f" (not {was})" if was else ""), NoteKind.CHECK))
            for other, ost, otm, c in users:
                ref = next((f for f in targets[other].mappable if f.references == table),
                           None)
                if ref is None:
                    continue
                fm = otm.fields.get(ref.name)
                ocols = columns[ost.name]
                if fm is not None and len(fm.columns) == 1 and fm.columns[0] in \
                        ocols.sample and float(ocols.values(fm.columns[0]).isin(ids).mean()) \
                        >= 0.5:
                    continue  # already a column holding the key
                otm.fields[ref.name] = FieldMap(ref.name, [c], confidence=0.85,
                                                reason=f"its values are {st.name}'s {key}",
                                                review=True)
            current = ids
            break
        keys_of[table] = current


#: a file fitting a table this well on its own may feed it beside the file taken first
SECOND_FROM = 0.8
#: words that make a file a table's bookings rather than its records
_BOOKING = {"appointment"}


#: a file of visit records with their diagnoses, named or not, fits visits this well at least
#: to be the visits beside a file of bookings (medical_records beside appointments)
RECORDS_FROM = 0.65


def _bookings_after_records(fits: list, by_name: dict[str, SourceTable],
                            columns: dict[str, _Columns], targets: dict[str, TargetTable],
                            refs: dict[str, dict[str, str]]) -> None:
    """Where a file fits visits well and names a diagnosis, a file of bookings
    (appointments) fitting visits better only by its fee and notes is not the visits: the
    records of what the doctor found are (an HMS's reports beside its appointments)."""
    def booked(name: str) -> bool:
        return bool(_BOOKING & set(words(by_name[name].stem)))

    def diagnosed(name: str) -> bool:
        return any(m.field == "diagnosis" and m.score >= REVIEW_BELOW
                   for m in _score_fields(columns[name], "visits", targets["visits"], set()))

    # (records linked to no patient are details of something else: MEDICAL_RECORD with
    # its AppointmentID alone is the appointment's diagnosis)
    bookings = {singular(w) for name in by_name if booked(name)
                for w in words(by_name[name].stem)} & _BOOKING

    def of_a_booking(name: str) -> bool:
        return not _links_found(columns[name], "visits", targets["visits"], refs.get(name)) \
            and any(set(cw) & bookings and set(cw) & _ID_WORDS
                    for cw in columns[name].words.values())

    records = [sc for sc, f, t, _ in fits if t == "visits" and sc >= RECORDS_FROM and
               not booked(f) and diagnosed(f) and not of_a_booking(f)]
    if not records:
        return
    for i, (sc, f, t, why) in enumerate(fits):
        if t == "visits" and booked(f) and not diagnosed(f) and sc >= min(records):
            fits[i] = (round(min(records) - 0.01, 3), f, t,
                       f"{why}; bookings, beside visit records with their diagnoses")


#: tables whose records belong to a patient (or a bill)
_EVENTS = ("visits", "bills", "payments", "pathology_tests")


def _links_found(cols: _Columns, table: str, target: TargetTable,
                 refs: dict[str, str] | None) -> bool:
    """Every required reference of the table (a test's patient) has a column here, by its
    name or by its values: records linked to nobody (results per test type) are no
    records of an event table."""
    found = {m.field for m in _score_fields(cols, table, target, set())}
    # (whose record it is: the patient's, the bill's; an export may have no doctors)
    return all(f.name in found or (refs or {}).get(f.references)
               for f in target.mappable
               if f.required and f.references and f.references not in (table, "doctors"))


def _statuses(cols: _Columns) -> bool:
    """A column holds each record's status (Pending, Cancelled, Completed), by its name or
    by its values: of bookings, some never took place."""
    for c, cw in cols.words.items():
        if "status" in cw and not _state_not_status(cols, c, cw):
            return True
        v = cols.values(c).str.lower()
        if len(v) and v.nunique() <= 12 and float(v.isin(_BOOKING_STATES).mean()) >= 0.5:
            return True
    return False


#: what a booking's status says (a column named otherwise: "Situação", "Durum")
_BOOKING_STATES = {"cancelled", "canceled", "pending", "scheduled", "confirmed", "completed",
                   "planlandı", "planlandi", "iptal edildi", "gerçekleşti", "gerceklesti",
                   "no-show", "no show", "noshow", "booked", "attended", "missed",
                   "cancelado", "cancelada", "pendiente", "agendado", "confirmado",
                   "realizado", "anulat", "programat", "iptal", "storniert", "annulé"}


def _register_of(holder: dict[str, str], fits: list, columns: dict[str, _Columns],
                 targets: dict[str, TargetTable]) -> tuple[str, str, str] | None:
    """(the doctors' file, the staff register, the key) where the file taken as the
    doctors holds no name but the ids of a staff register's records, which has the names:
    a subtype table (DOCTOR: EMPLOYEEID, YEARSOFEXPERIENCE beside EMPLOYEE: EMPLOYEEID,
    NAME, PHONE), whose register is the doctors' source."""
    marker = holder.get("doctors")
    if marker is None:
        return None
    named = {m.field for m in _score_fields(columns[marker], "doctors", targets["doctors"],
                                            set())}
    if "fullName" in named:
        return None
    for score, fname, t, _ in fits:
        if t != "doctors" or fname == marker or not _table_name_score(columns[fname].st, t):
            continue
        got = {m.field for m in _score_fields(columns[fname], t, targets[t], set())}
        if "fullName" not in got:
            continue
        pairs = [(key, key) for key in columns[marker].st.columns
                 if key in columns[fname].st.columns and set(words(key)) - _ID_WORDS]
        # (a bare "id" numbers each file's own rows); or each file's own first column, named
        # for its own records (DOCTOR.DoctorID, the EMPLOYEE.EmpID of each doctor): asked
        mine_first, theirs_first = columns[marker].st.columns[0], columns[fname].st.columns[0]
        if not pairs and all(_ID_WORDS & set(words(c)) and len(words(c)) >= 2
                             for c in (mine_first, theirs_first)):
            pairs.append((mine_first, theirs_first))
        for key, their_key in pairs:
            mine = columns[marker].values(key, True)
            theirs = columns[fname].values(their_key, True)
            if len(mine) and columns[fname].unique_ids(their_key) and \
                    float(mine.isin(set(theirs)).mean()) >= 0.95:
                if key != their_key and not _rows_agree(columns[marker], key,
                                                        columns[fname], their_key):
                    continue  # (1, 2, 3 in both: numbers meet by chance)
                return marker, fname, key if key == their_key else f"{key} = {their_key}"
    return None


def _rows_agree(a: _Columns, key_a: str, b: _Columns, key_b: str, only=None) -> bool:
    """Joined by these keys, a column of ``a`` and one of ``b`` hold the same values in
    most rows (the doctor's Specialization, the employee's JobTitle): the keys name the
    same records, not numbers that meet by chance."""
    left = a.sample.head(JUDGED_ROWS)
    right = b.sample.head(5 * JUDGED_ROWS)
    if key_a not in left or key_b not in right:
        return False
    joined = pd.DataFrame({"k": tf.as_text(left[key_a]).str.strip()}).merge(
        pd.DataFrame({"k": tf.as_text(right[key_b]).str.strip(),
                      "_row": range(len(right))}), on="k")
    if len(joined) < 2:
        return False
    for ca in a.st.columns:
        if ca == key_a or ca not in left or only is not None and ca not in only:
            continue
        va = tf.as_text(left[ca]).str.strip().str.lower()
        mine = dict(zip(tf.as_text(left[key_a]).str.strip(), va))
        for cb in b.st.columns:
            if cb == key_b or cb not in right:
                continue
            vb = tf.as_text(right[cb]).str.strip().str.lower().tolist()
            same = [mine[k] == vb[r] and mine[k] != "" for k, r in zip(joined.k, joined._row)]
            if sum(same) >= 0.8 * len(same):
                return True
    return False


#: what a register of people, patients and staff alike, is named (the vocabulary reads
#: person as patient)
_PEOPLE_WORDS = {"person", "persons", "people", "persona", "personas", "pessoa", "pessoas",
                 "personne", "personnes", "osoba", "osoby", "individual", "individuals",
                 "party", "parties", "contact", "contacts", "human", "humans"}


def _people_register(holder: dict[str, str], fits: list, columns: dict[str, _Columns],
                     targets: dict[str, TargetTable]) -> tuple[str, str, str] | None:
    """(the register, the patients' file, the key) where the file taken as the patients
    is a register of people (person: names, birth dates, phones) whose ids a file named
    for the patients points to by the register's own id column (patient.Person_Id), the
    patients' file having ids of its own: the patients are that file's records, known by
    its ids, their names in the register (patients and staff alike)."""
    reg = holder.get("patients")
    if reg is None or not set(re.findall(r"[a-z]+", reg.lower())) & _PEOPLE_WORDS:
        return None  # (a file named as the patients is theirs, whatever points to it)
    rcols = columns[reg]
    key = rcols.st.columns[0] if rcols.st.columns else None
    if key is None or not rcols.unique_ids(key) or not set(words(key)) - _ID_WORDS:
        return None  # (a bare "id" numbers each file's own rows)
    theirs = set(rcols.values(key, True).tolist())
    for score, fname, t, _ in fits:
        if t != "patients" or fname == reg or _table_name_score(columns[fname].st, t) < 1.0:
            continue
        cols = columns[fname]
        own, sure = _choose_legacy_id(cols, t, set(TABLE_NOUN.values()))
        if own is None or own == key or sure < 1.0 or key not in cols.st.columns:
            continue  # (its own id named as the patients': Patient_Id beside Person_Id)
        mine = cols.values(key, True)
        if len(mine) and float(mine.isin(theirs).mean()) >= 0.95:
            return reg, fname, key
    return None


#: the most columns beside its key a side table of one record's details has (PhoneNo)
SIDE_COLUMNS = 3


def _same_records(holder: _Columns, other: _Columns, own_h: str | None,
                  own_o: str | None) -> bool:
    """``other`` is keyed by the very id column ``holder`` is (PatientID, named for what
    it identifies), and its ids are the holder's: more about the same records (a side
    table of phone numbers), not records of their own."""
    if not own_h or own_o != own_h or not set(words(own_h)) - _ID_WORDS:
        return False
    rest = [c for c in other.st.columns if c != own_o]
    if len(rest) > SIDE_COLUMNS or any(other.fit(c, "date") >= 0.8 for c in rest):
        return False  # (records of their own have a day and more; a side table a detail)
    mine, theirs = other.values(own_o, True), holder.values(own_h, True)
    return len(mine) > 0 and float(mine.isin(set(theirs)).mean()) >= 0.95


def _second_source(holder: _Columns, other: _Columns, table: str, score: float) -> bool:
    """A file with other columns than the one feeding ``table``, fitting it well on its own,
    feeds it too (asked): outpatient visits beside admissions, a second patient list. Not
    a file of bookings beside the records, nor one whose records belong to the other's."""
    per_test = table == "pathology_tests" and _names_a_test(words(other.st.stem))
    if (score < SECOND_FROM and not per_test) or not _table_name_score(other.st, table):
        return False  # a second file for a table is named as one of its kind (a
        # laboratory's tables are one per test: each is named for its test)
    if table == "visits" and _BOOKING & set(words(other.st.stem)) and _statuses(other):
        return False  # (bookings with a status: some never took place)
    nouns = set(TABLE_NOUN.values())
    own_o, _ = _choose_legacy_id(other, table, nouns)
    own_h, _ = _choose_legacy_id(holder, table, nouns)
    # (their own ids are no pointers: numbered alike, they overlap by chance) — unless the
    # file is keyed by another column first and carries the holder's id by its very name
    # (ed_visits: ed_visit_id, then visit_id): details of the holder's records
    first = other.st.columns[0]
    if own_h and own_o == own_h and first != own_o and other.unique_ids(first) and \
            set(words(own_h)) - _ID_WORDS and \
            _points_to(other, holder, skip=set(other.st.columns) - {own_o}):
        return False
    if _same_records(holder, other, own_h, own_o):
        return False  # PatientsNo (PatientID, PhoneNo): the patients' phones, not patients
    return _points_to(other, holder, skip={own_o}) is None and \
        _points_to(holder, other, skip={own_h}) is None


# --- the whole export -------------------------------------------------------------------------
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
                _note(profile, ProfileNote(
                    f"{tm.source}.{fm.columns[0]}: the values are Excel date numbers (45213 "
                    "is 2023-10-14), read as such", NoteKind.CHECK))
                fm.review = True
                continue
            if tf.unix_time_share(tf.as_text(col.head(1000)).tolist()) >= SERIAL_SHARE:
                fm.steps = [tf.DateStep(unix_time=True).to_raw()]
                _note(profile, ProfileNote(
                    f"{tm.source}.{fm.columns[0]}: the values are Unix times (1652738400 is "
                    "2022-05-16 22:00 UTC), read as such; their day depends on the clinic's "
                    "time zone, which is needed" + (f": read in {profile.timezone}"
                                                    if profile.timezone else
                                                    ": give it (“Time zone” on the Column "
                                                    "mapping page; defaults: timezone)"),
                    NoteKind.CHECK))
                fm.review = True  # always asked: the zone decides the day of each record
                continue
            order, why = tf.infer_date_order(col)
            if order == "YMD":  # only ISO dates in the sample: nothing says day or month
                # first, so the run settles it from the data (with a note if it must
                # assume), rather than a region's custom deciding unseen
                order = profile.date_order if profile.date_order != "YMD" else "auto"
            elif order is None:
                order = profile.date_order if profile.date_order != "auto" else \
                    region_date_order(profile.phone_region)
                _note(profile, ProfileNote(
                    f"{tm.source}.{fm.columns[0]}: date order {why}; set to {order}",
                    NoteKind.CHECK))
                fm.review = True  # a guessed day/month order: a person decides
            fm.steps = [tf.DateStep(order).to_raw()]
            if _zoned(col) and not profile.timezone:
                _note(profile, _zone_note(tm.source, fm.columns[0]))
                fm.review = True
        elif f.kind == "phone":
            fm.steps = [tf.PhoneStep(profile.phone_region).to_raw()]
        elif f.kind == "enum" and name == "gender":
            values, decided, unknown = _gender_map(col)
            fm.steps = [tf.MapStep(values).to_raw()]
            if decided:  # a letter read in one language rather than another: asked
                fm.review = True
                _note(profile, ProfileNote(f"{tm.source}.{fm.columns[0]}: {decided}",
                                           NoteKind.CHECK))
            if unknown:  # validation rejects them, each located; the note says why early
                _note(profile, ProfileNote(f"{tm.source}.{fm.columns[0]}: {unknown}",
                                           NoteKind.CHECK))


def _zoned(col: pd.Series) -> bool:
    """Most of a date column's sample are times written with a zone (Z, +05:30)."""
    zoned = tf.as_text(col.head(200)).str.strip()
    zoned = zoned[zoned.ne("")]
    return bool(len(zoned)) and zoned.str.contains(_ZONE).mean() > 0.5


def _zone_note(source: str, column: str) -> ProfileNote:
    return ProfileNote(f"{source}.{column}: the times carry a time zone (such as Z, UTC); set "
                       "the clinic's time zone (defaults: timezone) so that each is read as "
                       "the clinic's local date", NoteKind.CHECK)


#: an assumed region is taken without asking when this share of the numbers are valid there
VALID_IN_REGION = 0.8


def _valid_share(values: pd.Series, region: str, look: int = 50) -> float:
    """The share of (up to ``look`` distinct) numbers that are valid numbers of ``region``."""
    import phonenumbers
    v = tf.as_text(values.head(JUDGED_ROWS)).str.strip()
    v = v[v.ne("")].drop_duplicates().head(look)
    if v.empty:
        return 1.0
    good = 0
    for n in v.tolist():
        try:
            good += phonenumbers.is_valid_number(phonenumbers.parse(n, region))
        except phonenumbers.NumberParseException:
            pass
    return good / len(v)


def _national_share(values: pd.Series) -> float:
    """The share of a phone column's numbers written without a country code."""
    v = tf.as_text(values.head(JUDGED_ROWS)).str.strip()
    v = v[v.ne("")]
    if v.empty:
        return 0.0
    return float((~v.str.match(r"^(?:\+|00)[1-9]")).mean())


def _check_region(profile: Profile, region: RegionEvidence,
                  samples: dict[str, pd.DataFrame], targets: dict[str, TargetTable]) -> None:
    """Numbers without a country code are read in the export's region; where nothing in
    the export says which, the region is a guess a person confirms, and the clinic's time
    zone is offered from the region where it has one."""
    for tm in profile.tables:
        for name, fm in tm.fields.items():
            f = targets[tm.target].fields.get(name)
            if f is None or f.kind != "phone" or len(fm.columns) != 1 or \
                    fm.columns[0] not in samples.get(tm.source, {}):
                continue
            col = samples[tm.source][fm.columns[0]]
            if region.source != "assumed" or _national_share(col) == 0:
                continue
            valid = _valid_share(col, region.region)
            _note(profile, ProfileNote(
                f"the phone numbers carry no country code and nothing in the export names "
                f"the country: read as {region.region}; set the region (defaults: "
                "phone_region, or on the Column mapping page) if the clinic is elsewhere",
                NoteKind.CHECK))
            if valid < VALID_IN_REGION:
                # the numbers do not look like the assumed region's: a person says where
                fm.review = True
                fm.reason = (f"{fm.reason}; " if fm.reason else "") + \
                    f"only {valid:.0%} of the sample are valid numbers of {region.region}, " \
                    f"the region {region.said.split(':')[0]}"
    if profile.timezone:
        return
    zoned = [(tm.source, fm.columns[0]) for tm in profile.tables
             for name, fm in tm.fields.items()
             if targets[tm.target].fields.get(name) is not None
             and targets[tm.target].fields[name].kind == "date" and len(fm.columns) == 1
             and fm.columns[0] in samples.get(tm.source, {})
             and _zoned(samples[tm.source][fm.columns[0]])]
    if not zoned:
        return
    zone, zones = zone_for(region)
    if zone:
        # the region's one zone: offered (the fields stay to be confirmed), said so
        profile.timezone = zone
        for source, column in zoned:
            if _zone_note(source, column) in profile.notes:
                profile.notes.remove(_zone_note(source, column))
        _note(profile, ProfileNote(
            f"times written with a zone ({', '.join(f'{s}.{c}' for s, c in zoned)}) are read "
            f"in {zone}, the time zone of {region.region} ({region.said}); confirm it is "
            "the clinic's", NoteKind.CHECK))
    elif zones:
        _note(profile, ProfileNote(
            f"{region.region} ({region.said}) has several time zones: "
            f"{', '.join(zones[:6])}{' …' if len(zones) > 6 else ''}; set the clinic's",
            NoteKind.CHECK))


def zone_for(region: RegionEvidence) -> tuple[str | None, tuple[str, ...]]:
    """(the region's one time zone or None, all its zones) when the region was read from
    the export or given; nothing for an assumed region."""
    if region.source == "assumed":
        return None, ()
    from .places import distinct_zones
    zones = distinct_zones(region.region)
    return (zones[0] if len(zones) == 1 else None), zones


#: words for the genders in the languages exports come in (lower case, as written and
#: without accents); single letters that differ between languages are decided per export
_GENDER_VOCAB = {
    "M": {"male", "man", "boy", "1", "masculino", "masc", "hombre", "varon", "varón",
          "männlich", "maennlich", "mann", "homme", "masculin", "maschio", "uomo", "nam",
          "laki-laki", "laki", "erkek", "мужской", "муж", "м"},
    "F": {"female", "woman", "girl", "2", "femenino", "feminino", "fem", "mujer", "weiblich",
          "frau", "femme", "féminin", "feminin", "femmina", "donna", "nữ", "nu", "perempuan",
          "kadın", "kadin", "женский", "жен", "ж"},
    "O": {"other", "3", "otro", "outro", "divers", "diverse", "autre", "altro", "non-binary",
          "nonbinary", "non binary", "non-binaire", "non binaire", "no binario", "não binário",
          "nao binario", "nichtbinär", "intersex"},
}


# (the numbers stay out: a code column is a gender only where its name says so)
_GENDER_WORDS.update(w for ws in _GENDER_VOCAB.values() for w in ws if not w.isdigit())
_GENDER_WORDS.update({"l", "p"})


def _gender_map(col: pd.Series) -> tuple[dict[str, str], str | None, str | None]:
    """The value map of a gender column: the usual codes and words, and the sample's own
    values read in their language; the single letters that differ between languages (M is
    a man in English and Portuguese, a woman, "mujer", beside Spanish H) decided by the
    letters the column holds. Also what was decided so (for a person to confirm) and the
    values that mean no gender HMSync knows, or None."""
    values = dict(tf.GENDER_MAP)
    seen = set(tf.as_text(col.head(JUDGED_ROWS)).str.strip().str.lower()) - {""}
    for code, words_ in _GENDER_VOCAB.items():
        for w in words_:
            if w in seen:
                values[w] = code
    said = []
    if {"h", "m"} <= seen and "f" not in seen:      # hombre / mujer
        values.update({"h": "M", "m": "F"})
        said.append("H and M read as hombre (M) and mujer (F)")
    elif "h" in seen and "f" in seen:              # homme / femme
        values["h"] = "M"
    if "w" in seen and "f" not in seen:            # männlich / weiblich
        values["w"] = "F"
        said.append("W read as weiblich (F)")
    if {"l", "p"} <= seen and "f" not in seen:      # laki-laki / perempuan
        values.update({"l": "M", "p": "F"})
        said.append("L and P read as laki-laki (M) and perempuan (F)")
    unknown = sorted(v for v in seen if v not in values)
    odd = (f"{counted(len(unknown), 'value')} "
           f"{'means' if len(unknown) == 1 else 'mean'} no gender HMSync knows (M, F, O): "
           f"{', '.join(unknown[:6])}{' …' if len(unknown) > 6 else ''}; map them, or their "
           "records are rejected") if unknown else None
    return values, "; ".join(said) or None, odd


def _note(profile: Profile, note: ProfileNote) -> None:
    """Add a note once (choosing the same column again must not say it twice)."""
    if note not in profile.notes:
        profile.notes.append(note)


MONTH_FIRST_REGIONS = {"US", "PH", "FM", "MH", "PW", "BZ"}


def region_date_order(region: str | None) -> str:
    """Day/month order customary in a region: month first in the US and a few others."""
    return "MDY" if (region or "").upper() in MONTH_FIRST_REGIONS else "DMY"


@dataclass(frozen=True)
class RegionEvidence:
    """Where the region of an export's phone numbers (and the clinic's country) came from:
    ``given`` by the operator, read from international ``phones`` (+55 ...), from a
    ``country`` column, or ``assumed`` (nothing in the export says)."""
    region: str
    source: str                 # given | phones | country | assumed
    said: str = ""              # what it was read from, in words


#: a country column names the region when this share of its sample names one country
COUNTRY_SHARE = 0.6


def _country_region(sources: list[SourceTable], samples: dict[str, pd.DataFrame]
                    ) -> tuple[str, str] | None:
    """(region, "file.column") from a column named country whose values mostly name one
    country (Brazil, BR, Deutschland)."""
    from .places import region_of
    for st in sources:
        for c in st.columns:
            if "country" not in words(c) or c not in samples[st.name]:
                continue
            v = tf.as_text(samples[st.name][c].head(JUDGED_ROWS)).str.strip()
            v = v[v.ne("")]
            if v.empty:
                continue
            regions = v.map(region_of).dropna()
            if regions.empty:
                continue
            top = regions.value_counts()
            if top.iloc[0] >= COUNTRY_SHARE * len(v):
                return str(top.index[0]), f"{st.name}.{c}"
    return None


def _region_evidence(sources: list[SourceTable], samples: dict[str, pd.DataFrame],
                     given: str | None) -> RegionEvidence:
    if given:
        return RegionEvidence(given, "given", "as given")
    r = _phone_region(sources, samples)
    if r:
        return RegionEvidence(r, "phones", "from the phone numbers' country codes")
    found = _country_region(sources, samples)
    if found:
        return RegionEvidence(found[0], "country", f"from the country column {found[1]}")
    return RegionEvidence("IN", "assumed", "assumed: nothing in the export names the country")


def _phone_region(sources: list[SourceTable], samples: dict[str, pd.DataFrame]) -> str | None:
    found = []
    for st in sources:
        sample = samples[st.name]
        for c in sample.columns:  # (with the keys inside a JSON source's objects)
            if c == LINE or c == CORRUPT:
                continue
            if "phone" in words(c) or _international(sample[c]):
                r = tf.infer_phone_region(sample[c])
                if r:
                    found.append(r)
    return max(set(found), key=found.count) if found else None


_INTERNATIONAL = re.compile(r"\+[1-9][0-9 ()./-]{6,18}")


def _international(values: pd.Series) -> bool:
    """Phone numbers written with their country code (+260 977 123456), whatever the
    column is called (column_4 of a file with no column names)."""
    v = tf.as_text(values.head(200)).str.strip()
    v = v[v.ne("")]
    return len(v) > 0 and float(v.str.fullmatch(_INTERNATIONAL).mean()) >= 0.8


#: what a column holding small ids may be named for besides a record HMSync keeps: its ids
#: match a visit's or a patient's by chance
_OTHER_OWNERS = {"clinic", "hospital", "branch", "department", "ward", "room", "bed",
                 "value", "created", "updated", "modified", "deleted", "author", "service",
                 "organization", "organisation", "insurance", "specialty", "category"}


def _fill_references(profile: Profile, chosen: dict[str, tuple[SourceTable, TableMap]],
                     mapped: list[tuple[str, SourceTable, TableMap]],
                     columns: dict[str, _Columns], targets: dict[str, TargetTable]) -> None:
    """A reference field no name matched, filled from a column whose values are the ids of
    the file that feeds the referenced table (asked: 85%)."""
    ids_of: dict[str, set[str]] = {}
    for table, (st, tm) in chosen.items():
        if tm.legacy_id:
            ids_of[table] = set(columns[st.name].values(tm.legacy_id, whole=True).tolist())
    for table, st, tm in mapped:
        cols = columns[st.name]
        used = {c for fm in tm.fields.values() for c in fm.columns} | {tm.legacy_id}
        for f in targets[table].mappable:
            if not f.references or f.name in tm.fields or f.references == table:
                continue
            parent = ids_of.get(f.references)
            if not parent or len(parent) < 2:
                continue
            best = None
            others = _OTHER_OWNERS | (set(TABLE_NOUN.values()) - {TABLE_NOUN[f.references]})
            for c in st.columns:
                if c in used or c not in cols.sample or set(cols.words[c]) & _CODED:
                    continue  # (a type, status or quantity's small numbers match ids by chance)
                if set(cols.words[c]) & others:
                    continue  # clinic_id, createdBy, resultId: named for another thing's id
                v = cols.values(c)
                if len(v) < 2 or v.nunique() < 2:
                    continue
                share = float(v.isin(parent).mean())
                if share >= 0.8 and (best is None or share > best[0]):
                    best = (share, c)
            if best:
                parent_file = chosen[f.references][0].name
                tm.fields[f.name] = FieldMap(f.name, [best[1]], confidence=0.85,
                                             reason=f"its values are {parent_file}'s ids",
                                             review=True)
                used.add(best[1])


def _numbered_apart(mapped: list[tuple[str, SourceTable, TableMap]],
                    columns: dict[str, _Columns], profile: Profile) -> None:
    """Files feeding one table whose own ids overlap (psa.csv and pth.csv both number
    their rows 1, 2, 3) would make each other's records duplicates: each file's ids are
    prefixed with its name (psa-1), asked."""
    by_table: dict[str, list[tuple[SourceTable, TableMap]]] = {}
    for table, st, tm in mapped:
        # only a laboratory's tables per test (psa.csv, pth.csv): records no other file
        # points to, each file of its own test whatever the export holds beside it; files
        # of one kind sharing ids (patients_1, patients_2) hold the same records twice,
        # which validation reports as duplicates, and other files refer to them by those ids
        if table == "pathology_tests" and _names_a_test(words(st.stem)) and tm.legacy_id \
                and tm.id_expr is None and len(tm.id_columns) == 1:
            by_table.setdefault(table, []).append((st, tm))
    for table, files in by_table.items():
        if len(files) < 2:
            continue
        seen: set[str] = set()
        clash = False
        for st, tm in files:
            ids = set(columns[st.name].values(tm.legacy_id, whole=True).tolist())
            clash = clash or bool(ids & seen)
            seen |= ids
        if not clash:
            continue
        prefixes = [re.sub(r"[^\w-]", "_", st.stem).replace("'", "_") for st, _ in files]
        if len(set(prefixes)) < len(prefixes):
            continue  # (psa 2023 and psa_2023 would still collide: left to a person)
        for (st, tm), prefix in zip(files, prefixes):
            col = tm.legacy_id
            ref = col if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", col) else \
                '"' + col.replace('"', '""') + '"'
            tm.id_expr = f"'{prefix}-' || {ref}"
            tm.confidence = min(tm.confidence or 0, round(REVIEW_BELOW - 0.01, 2))
        names = ", ".join(st.name for st, _ in files)
        example = prefixes[0] + "-"
        _note(profile, ProfileNote(
            f"{names} feed {table} and number their records alike: each file's legacy ids "
            f"are prefixed with its name ({example}…) so that no record is taken for another "
            "file's duplicate", NoteKind.CHECK))


def _not_the_records(column: str) -> bool:
    """An object of another person's or of the export's own, by the column's words or,
    run together (emergencycontact), by the longer of them inside its name."""
    low = column.lower()
    return bool(set(words(column)) & NOT_THE_RECORDS) or \
        any(len(w) >= 6 and w in low for w in NOT_THE_RECORDS)


def suggest_profile(sources: list[SourceTable], targets: dict[str, TargetTable],
                    name: str = "Legacy export", source_system: str = "legacy",
                    phone_region: str | None = None, sample_rows: int = 5000) -> Profile:
    """A complete profile for these legacy tables, with a confidence on every choice."""
    profile = Profile(name=name, source_system=source_system)
    samples = {st.name: st.sample(sample_rows) for st in sources}
    nested: dict[str, dict[str, NestedPath]] = {}
    for st in sources:
        samples[st.name], nested[st.name] = nested_columns(
            st, samples[st.name], skip=_not_the_records)
    region = _region_evidence(sources, samples, phone_region)
    profile.phone_region = region.region
    if region.source in ("phones", "country"):
        _note(profile, ProfileNote(f"phone region {region.region}, {region.said}"))
    columns = {st.name: _Columns(st, samples[st.name], nested[st.name]) for st in sources}
    # every file against every table, then each table takes the file that fits it best
    refs = _references_by_value(sources, targets, columns)
    links = {st.name: _link_table(columns[st.name]) for st in sources}
    fits = []
    for st in sources:
        if links[st.name]:
            continue
        for t in targets:
            score, why = _table_fit(st, t, targets[t], columns[st.name], refs.get(st.name))
            if score >= TABLE_FROM:
                fits.append((score, st.name, t, why))
    by_name = {st.name: st for st in sources}
    # of two files that both look like one table, one whose records point to the other's
    # (treatments with their appointment's id) holds details of those records: the other
    # is the table
    by_table: dict[str, list[int]] = {}
    best_fit: dict[str, float] = {}
    for i, (score, fname, t, why) in enumerate(fits):
        by_table.setdefault(t, []).append(i)
        best_fit[fname] = max(best_fit.get(fname, 0.0), score)
    for t, idx in by_table.items():
        for i in idx:
            for j in idx:
                si, ci, _, wi = fits[i]
                sj, cj, _, _ = fits[j]
                if i == j or si < sj or si - sj > 0.1 or \
                        _table_name_score(by_name[ci], t) or sj < best_fit[cj]:
                    continue  # one named as the table, or fitting it far better, keeps it;
                    # (the patients a visit points to are no visits, fit as they may)
                col = _points_to(columns[ci], columns[cj])
                if col and not _points_to(columns[cj], columns[ci]):
                    fits[i] = (round(sj - 0.01, 3), ci, t,
                               f"{wi}; its {col} points to {cj}'s records")
    _bookings_after_records(fits, by_name, columns, targets, refs)
    fits.sort(key=lambda x: (-x[0], x[1], x[2]))
    by_name = {st.name: st for st in sources}
    assigned: dict[str, tuple[str, float, str]] = {}   # file -> (table, score, why)
    holder: dict[str, str] = {}                        # table -> file
    passed_over: dict[str, tuple[str, str]] = {}       # file -> (table, the file taken)
    not_more: dict[str, tuple[str, str, str]] = {}     # file -> (table, file taken, why)
    second: dict[str, str] = {}                        # file -> the file first taken
    side: dict[str, tuple[str, str]] = {}              # file -> (the file it adds to, key)
    best_of: dict[str, str] = {}                       # file -> the table it fits best
    for score, fname, t, why in fits:
        best_of.setdefault(fname, t)
        if fname in assigned:
            continue
        if t in holder and not _same_columns(by_name[holder[t]], by_name[fname]):
            if best_of[fname] == t and _second_source(columns[holder[t]], columns[fname], t,
                                                      score) and \
                    _links_found(columns[fname], t, targets[t], refs.get(fname)):
                second[fname] = holder[t]
                assigned[fname] = (t, score, why)
                continue
            nouns = set(TABLE_NOUN.values())
            key = _choose_legacy_id(columns[holder[t]], t, nouns)[0]
            if fname not in side and _same_records(
                    columns[holder[t]], columns[fname], key,
                    _choose_legacy_id(columns[fname], t, nouns)[0]):
                side[fname] = (holder[t], key)
            passed_over.setdefault(fname, (t, holder[t]))
            continue
        if t in holder and fname not in not_more:
            why_not = _not_more_of(columns[holder[t]], columns[fname])
            if why_not:
                not_more[fname] = (t, holder[t], why_not)
                continue
        if fname in not_more:
            continue
        if t in holder and not _names_agree(by_name[holder[t]], by_name[fname]) and not (
                t == "pathology_tests" and
                all(_names_a_test(words(by_name[f].stem)) for f in (holder[t], fname))):
            # (other names, other things; but a laboratory's tables, one per test, are
            # alike by being named for tests)
            passed_over.setdefault(fname, (t, holder[t]))
            continue
        if fname in passed_over and score < PASSED_OVER_FROM and \
                _table_name_score(by_name[fname], t) < 1.0:
            # its best table went to another file: a weak second fit is no fit, unless the
            # file is named as this table (doctor.csv, with a person's columns)
            continue
        holder.setdefault(t, fname)
        assigned[fname] = (t, score, why)
    def hand_over(t: str, taken: str, score: float, why: str) -> None:
        """The table ``t`` is fed by ``taken`` instead, asked."""
        assigned.pop(taken, None)
        assigned[taken] = (t, round(min(score, REVIEW_BELOW - 0.01), 3), why)
        holder[t] = taken
        passed_over.pop(taken, None)

    people = _people_register(holder, fits, columns, targets)
    if people:  # patient.Person_Id: the patients' names are in a register of people
        reg, patients, key = people
        t = assigned.pop(reg)[0]
        hand_over(t, patients, max(sc for sc, fn, tt, _ in fits if fn == patients and tt == t),
                  f"its records are the {t}, their {key} {reg}'s people")
        _note(profile, ProfileNote(
            f"{reg}: a register of people ({key}) that {patients} points to: {patients} "
            f"feeds {t}, and their names, birth dates and phones are {reg}'s — take them "
            "with lookups by " + key + " (see the profile reference's Lookups)",
            NoteKind.CHECK))
    register = _register_of(holder, fits, columns, targets)
    if register:  # DOCTOR.csv (EMPLOYEEID, YEARSOFEXPERIENCE) says which staff are doctors
        marker, staff, key = register
        t, score, _ = assigned.pop(marker)
        hand_over(t, staff, score,
                  f"the {t} are the records of {staff} whose {key} {marker} lists")
        _note(profile, ProfileNote(
            f"{marker}: says which of {staff}'s records are {t} ({key}), and holds no "
            f"names: {staff} feeds {t} — its other records (nurses, clerks) are imported "
            f"as {t} too unless a filter leaves them out", NoteKind.CHECK))
    chosen: dict[str, tuple[SourceTable, TableMap]] = {}   # table -> the file taken first
    mapped: list[tuple[str, SourceTable, TableMap]] = []   # every file mapped, its table
    for st in sources:
        if st.name not in assigned:
            if links[st.name]:
                _note(profile, ProfileNote(
                    f"{st.name}: a link table ({', '.join(links[st.name])}) with nothing of "
                    "its own; not mapped"))
            elif st.name in not_more:
                t, other, why_not = not_more[st.name]
                _note(profile, ProfileNote(
                    f"{st.name}: shaped like {other} ({t}), but {why_not}; not mapped (map "
                    "it on the Legacy exports page, or in the profile, if it holds other "
                    "records)", NoteKind.CHECK))
            elif st.name in side:
                other, key = side[st.name]
                rest = [c for c in st.columns if c != key]
                _note(profile, ProfileNote(
                    f"{st.name}: more about {other}'s records, by {key} ({', '.join(rest)}); "
                    "not records of their own, so not mapped — a field of "
                    f"{other} can take a value from it with a lookup (see the profile "
                    "reference's Lookups)", NoteKind.CHECK))
            elif st.name in passed_over:
                t, other = passed_over[st.name]
                _note(profile, ProfileNote(
                    f"{st.name}: looks like {t} too, but {other} fits {t} better; not mapped "
                    "(choose it on the Legacy exports page, or in the profile, if it is the "
                    "one)"))
            else:
                _note(profile, ProfileNote(f"{st.name}: no HMSync table resembles this "
                                                 "file; not mapped"))
            continue
        table, conf, why = assigned[st.name]
        tm = suggest_fields(st, table, targets[table], samples[st.name], profile,
                            columns[st.name])
        tm.confidence = round(min(conf, 1.0) * 0.5 + (tm.confidence or 0) * 0.5, 2)
        rivals = [f for f, (t, _) in passed_over.items() if t == table and f not in side and
                  any(sc >= PASSED_OVER_FROM for sc, fn, tt, _ in fits
                      if fn == f and tt == table)]
        # (a copy of the file taken, its id column named otherwise, say: which copy is the
        # source is asked)
        rivals += [f for f, (t, other, _) in not_more.items()
                   if t == table and other == st.name and f not in rivals and
                   _copy_of(columns[st.name], columns[f])]
        if table == "visits" and "appointment" in words(st.stem):
            tm.confidence = min(tm.confidence, round(REVIEW_BELOW - 0.01, 2))
            _note(profile, ProfileNote(
                f"{st.name}: appointments are taken as visits; bookings that never took place "
                "(cancelled, no-show) would become visits too (a filter may leave them out)",
                NoteKind.CHECK))
        if headerless_hint(st) is not None:
            # its "column names" are a record's values (Consultation, P001): whatever they
            # seem to name, nothing is applied unasked
            tm.confidence = min(tm.confidence, round(REVIEW_BELOW - 0.01, 2))
            for fm in tm.fields.values():
                fm.confidence = min(fm.confidence or 0, 0.85)
                fm.review = True
            _note(profile, ProfileNote(
                f"{st.name}: its column names look like values (a number, a date): the file "
                "may have no line of column names, its first line a record; every choice "
                "for it is asked (read it with header_row: 0 to see)", NoteKind.CHECK))
        if table == "pathology_tests" and "testName" not in tm.fields and \
                _names_a_test(words(st.stem)):
            # a laboratory's table per test: each record's test is the one the file is
            # named for (asked: the operator may write it out, PSA for psa)
            tm.fields["testName"] = FieldMap("testName", [], value=st.stem, confidence=0.8,
                                             reason=f"the file's name: {st.stem}",
                                             review=True)
        named = _bare_names(columns[st.name])
        pointer = tm.fields["patientId"].columns if "patientId" in tm.fields else []
        if named and len(pointer) == 1 and "patients" in holder:
            # the patient's own names repeated on each visit are no one else's
            pcols = columns[holder["patients"]]
            pkey = _choose_legacy_id(pcols, "patients", set(TABLE_NOUN.values()))[0]
            if pkey and _rows_agree(columns[st.name], pointer[0], pcols, pkey, named):
                named = []
        if table in _EVENTS and named and "patientId" in tm.fields:
            tm.confidence = min(tm.confidence, round(REVIEW_BELOW - 0.01, 2))
            _note(profile, ProfileNote(
                f"{st.name}: {', '.join(named)} name a person beside the patient "
                f"{tm.fields['patientId'].columns[0]} points to: the patient's name again, "
                f"or someone else's (a visitor's)? Taken as {table}", NoteKind.CHECK))
        if st.name in second.values() or register and st.name == register[1]:
            tm.confidence = min(tm.confidence, round(REVIEW_BELOW - 0.01, 2))
        if st.name in second:
            tm.confidence = min(tm.confidence, round(REVIEW_BELOW - 0.01, 2))
            _note(profile, ProfileNote(
                f"{second[st.name]} and {st.name} both feed {table}: other columns, so "
                "other records (outpatients and admissions, say); both are mapped — confirm "
                "both, or leave one out", NoteKind.CHECK))
        elif rivals:  # two files look like one table: a person says which (or both)
            tm.confidence = min(tm.confidence, round(REVIEW_BELOW - 0.01, 2))
            _note(profile, ProfileNote(
                f"{', '.join(rivals)} and {st.name} " +
                ("both" if len(rivals) == 1 else "all") + f" look like {table}; {st.name} "
                "was taken", NoteKind.CHECK))
        profile.tables.append(tm)
        chosen.setdefault(table, (st, tm))
        mapped.append((table, st, tm))
    _keys_others_use(chosen, mapped, columns, targets, profile)
    _numbered_apart(mapped, columns, profile)
    _fill_references(profile, chosen, mapped, columns, targets)
    _check_region(profile, region, samples, targets)
    for tm in profile.tables:
        had_id = bool(tm.legacy_id)
        as_expressions(tm, nested.get(tm.source, {}))
        for col, keys in unread_keys(tm, nested.get(tm.source, {})).items():
            _note(profile, ProfileNote(
                f"{tm.source}: {col} is read in part; no field reads its "
                f"{', '.join(keys)}: they are imported nowhere (map them, or keep the "
                "column beside the record with keep:)", NoteKind.CHECK))
        # which table a file feeds, and the id its records are known by, are confirmed by
        # a person unless the suggestion is sure of them
        tm.review = tm.confidence < REVIEW_BELOW or not had_id
    return profile
