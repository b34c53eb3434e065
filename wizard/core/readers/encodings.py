"""Whether an 8-bit export's code page is certain, and if not, the candidates.

A file that is not valid UTF-8 was written in some legacy code page, and the bytes alone
rarely say which: 0xF8 is "ř" in cp1250 (Czech) and "ø" in cp1252, 0xF1 "ń" and "ñ". A
detector guessing from a small sample mislabels them both ways, and a wrong guess reads
every record without a single error ("Dvoøák"). So the guess is not applied silently.

The rule, measurable on the file's first bytes: every code page of :data:`CANDIDATES` that
decodes them as *plausible text* is a candidate; when the candidates produce more than one
text, the encoding is unsure and a person chooses. Plausible text has no control
characters, no word that mixes scripts (Latin with Cyrillic or Greek: "Koі", cp1251 read
for cp1250), and no symbol inside or at the edge of a word ("Ma³gorzata", "£ukasz":
cp1250's "ł" and "Ł" read as cp1252). When exactly one text is plausible, it is taken, and
the run's notes say which code page was assumed.
"""
from __future__ import annotations

import bisect
import os
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

#: the 8-bit code pages legacy systems write; their order breaks ties when all agree
SINGLE_BYTE = ("cp1252", "cp1250", "iso8859-2", "iso8859-15", "cp1254", "cp1251", "cp1253")
#: multi-byte legacy encodings: an 8-bit code page reads their bytes as accented Latin
MULTI_BYTE = ("shift_jis", "gb18030")
CANDIDATES = SINGLE_BYTE + MULTI_BYTE

#: non-letters that may touch a word: quotes, dashes, Spanish marks, the ellipsis
_WORD_EDGE_OK = set("‘’‚‛“”„«»‹›–—¿¡…·'")
#: a run of text around a non-ASCII character, up to the next space or delimiter
_TOKEN = re.compile(r'[^\s,;|"\x00-\x1f]*[^\x00-\x7f][^\s,;|"\x00-\x1f]*')
_MAX_SAMPLES = 4


@dataclass(frozen=True)
class EncodingCandidate:
    """One code page that reads the file as text, and what it makes of the bytes where the
    candidates disagree: the distinct characters, and a few short fragments (a character
    and its neighbours, never a whole value) with the number of the line they are on."""
    encoding: str
    chars: str
    samples: tuple[tuple[int, str], ...] = ()

    def words(self) -> str:
        frag = ", ".join(f'"{s}" (line {n})' for n, s in self.samples)
        return f"{self.encoding}: {' '.join(self.chars)}" + (f" — e.g. {frag}" if frag else "")


@dataclass(frozen=True)
class EncodingDoubt:
    """A file whose code page is unsure: the candidates, the commonest first."""
    candidates: tuple[EncodingCandidate, ...]
    lines: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict, hash=False,
                                                          compare=False)

    @property
    def encodings(self) -> list[str]:
        return [c.encoding for c in self.candidates]

    def words(self) -> str:
        return "; ".join(c.words() for c in self.candidates)


@lru_cache(maxsize=4096)
def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    word = name.split(" ", 1)[0]
    if word in ("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH", "IDEOGRAPHIC"):
        return "CJK"
    return word


def _odd_word(tok: str) -> bool:
    """A word that mixes scripts, or that a symbol touches."""
    if len({_script(c) for c in tok if c.isalpha() and ord(c) > 0x7F} |
           ({"LATIN"} if any(c.isascii() and c.isalpha() for c in tok) else set())) > 1:
        return True
    for i, c in enumerate(tok):
        if ord(c) < 0x80 or c.isalpha() or c.isdigit() or c in _WORD_EDGE_OK:
            continue
        before = tok[i - 1] if i else ""
        after = tok[i + 1] if i + 1 < len(tok) else ""
        if before.isalpha() or after.isalpha():
            return True
    return False


def implausible(text: str) -> int:
    """How many places of decoded text do not read as text a legacy system wrote (see
    the module's doc): lines with control characters, and words mixing scripts or
    touching a symbol (each word counted once, however often it recurs)."""
    bad = sum(1 for line in text.splitlines() if _CONTROL.search(line))
    return bad + sum(1 for tok in set(_TOKEN.findall(text)) if _odd_word(tok))


def plausible(text: str) -> bool:
    return implausible(text) == 0


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _legacy_lines(head: bytes) -> bytes:
    """The sample without the lines that are valid UTF-8 with non-ASCII text: a file that
    mixes encodings has its UTF-8 records flagged one by one by the reader; they say
    nothing about the code page of the rest (each line left empty, the numbers kept)."""
    out = []
    for line in head.split(b"\n"):
        if not line.isascii():
            try:
                line.decode("utf-8")
                line = b""
            except UnicodeDecodeError:
                pass
        out.append(line)
    return b"\n".join(out)


def _decodes(head: bytes, encoding: str) -> str | None:
    try:
        return head.decode(encoding)
    except UnicodeDecodeError as e:
        if e.start >= len(head) - 4 and encoding not in SINGLE_BYTE:
            return head[:e.start].decode(encoding)  # the sample ends inside a character
        return None


def encoding_doubt(head: bytes, guess: str) -> tuple[str, EncodingDoubt | None]:
    """The code page to read an 8-bit file with, and the doubt when it is unsure. ``guess``
    is the detector's answer, a candidate too."""
    # the Western default first, as before: while unsure, a file is read provisionally
    # with the first candidate (a person chooses before anything is imported)
    order = list(CANDIDATES) + ([guess] if guess not in CANDIDATES else [])
    head = _legacy_lines(head)
    scored: dict[str, tuple[int, str]] = {}
    for enc in order:
        text = _decodes(head, enc)
        if text is not None and text not in [t for _, t in scored.values()]:
            scored[enc] = (implausible(text), text)  # (the same text: the commoner name)
    if not scored:
        return guess, None  # nothing decodes: the reader flags records one by one
    # the best, and those nearly as good: one odd symbol must not settle it silently
    best = min(n for n, _ in scored.values())
    words = max(len(_TOKEN.findall(next(iter(scored.values()))[1])), 1)
    slack = max(2, words // 50) if best else 0
    texts = {enc: t for enc, (n, t) in scored.items() if n <= best + slack}
    if len(texts) == 1:
        return next(iter(texts)), None
    return next(iter(texts)), _doubt(texts)


def _doubt(texts: dict[str, str]) -> EncodingDoubt:
    """The candidates, each with the characters and fragments where they disagree: the
    texts are compared token by token (every 8-bit code page keeps the ASCII bytes, so
    the tokens line up)."""
    per_enc = {enc: list(_TOKEN.finditer(t)) for enc, t in texts.items()}
    lines_of = {enc: t for enc, t in texts.items()}
    breaks = {enc: [m.start() for m in re.finditer("\n", t)] for enc, t in texts.items()}
    cands, lines = [], {}
    n_tokens = min(len(v) for v in per_enc.values())
    encs = list(per_enc)
    # the places where the readings differ, each distinct one once (names recur)
    differ: dict[tuple, int] = {}
    for i in range(n_tokens):
        words = tuple(per_enc[e][i].group() for e in encs)
        if words not in differ and any(w != words[0] for w in words):
            differ[words] = i
    for k, (enc, toks) in enumerate(per_enc.items()):
        chars: list[str] = []
        samples: list[tuple[int, str]] = []
        shown: list[tuple[int, str]] = []
        for words, i in differ.items():
            mine = words[k]
            others = words[:k] + words[k + 1:]
            line = bisect.bisect_left(breaks[enc], toks[i].start()) + 1
            if len(shown) < _MAX_SAMPLES and line not in [n for n, _ in shown]:
                shown.append((line, _line(lines_of[enc], toks[i].start())))
            for j, c in enumerate(mine):
                if ord(c) < 0x80 or all(j < len(o) and o[j] == c for o in others):
                    continue
                if c not in chars:
                    chars.append(c)
                    if len(samples) < _MAX_SAMPLES:
                        samples.append((line, mine[max(j - 1, 0):j + 2]))
        cands.append(EncodingCandidate(enc, "".join(chars), tuple(samples)))
        lines[enc] = tuple(shown)
    # the lines each candidate shows: the same line numbers for all, side by side
    numbers = sorted({n for v in lines.values() for n, _ in v})[:_MAX_SAMPLES]
    side = {}
    for enc, t in texts.items():
        split = t.split("\n")
        side[enc] = tuple((n, split[n - 1].rstrip("\r") if n - 1 < len(split) else "")
                          for n in numbers)
    return EncodingDoubt(tuple(cands), side)


def _line(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start:end if end != -1 else len(text)].rstrip("\r")


@dataclass
class EncodingChoices:
    """The encodings the operator chose: per file (its name, or its path as given) and one
    for every file of an 8-bit code page (``for_all``: a Unicode file is never read as
    another encoding because of it)."""
    per_file: dict[str, str] = field(default_factory=dict)
    for_all: str | None = None

    def __bool__(self) -> bool:
        return bool(self.per_file or self.for_all)

    def of(self, path) -> str | None:
        """The encoding chosen for this file by name or path (None: none named)."""
        from pathlib import Path
        path = Path(path)
        for key in (str(path), path.name):
            if key in self.per_file:
                return self.per_file[key]
        try:
            resolved = path.resolve()
        except OSError:
            return None
        for key, enc in self.per_file.items():
            if os.sep in key or "/" in key:
                try:
                    if Path(key).resolve() == resolved:
                        return enc
                except OSError:
                    continue
        return None


def unsure_words(name: str, doubt: EncodingDoubt) -> str:
    """One file's refusal, in words: the candidates and what each makes of its bytes."""
    lines = [f"{name}: the encoding is unsure: {len(doubt.candidates)} code pages read it "
             "as text, differently:"]
    lines += [f"    {c.words()}" for c in doubt.candidates]
    lines.append(f"    choose one: --encoding {name}=ENC, or encoding: ENC in the profile's "
                 f"table, ENC one of {', '.join(doubt.encodings)}")
    return "\n".join(lines)
