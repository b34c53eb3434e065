"""Comparisons of a text with a number in a profile's expressions (expr.py).

Cells, and a lookup's values, are texts; SQLite orders any text after any number, so
``visits > 0`` held for a count of "0" and ``AGE < 18`` never held. Where one side of a
comparison is a number (a number written in the expression, or a function that gives one:
``number()``, ``length()``, ``age_at()``, ...) the other side is read as ``number()`` reads
a text, and the two numbers compared. A text that is no number fails the record with
``<``, ``<=``, ``>`` and ``>=`` (its file and line named: an order has no answer), and is
simply unequal with ``=``, ``==``, ``!=`` and ``<>``. Two texts compare as texts, as
before (``number(A) > number(B)`` compares their numbers).

The rewrite is made on the expression's text, before SQLite reads it: a comparison whose
two sides are each a single operand (a column, a path, a literal, a function call, a part
in brackets) between boundaries (the start, ``(``, ``,``, AND, OR, NOT, WHEN, THEN, ELSE,
END) becomes ``hmsync_compare(left, 'op', right)``; anything more tangled (``a || b > 0``)
is left to SQLite, as it was.
"""
from __future__ import annotations

import re

#: the function a comparison is rewritten to call (registered by expr.py)
FUNCTION = "hmsync_compare"

_TOKEN = re.compile(r"""(?P<text>'(?:[^']|'')*')|(?P<quoted>"(?:[^"]|"")*")"""
                    r"""|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"""
                    r"""|(?P<name>[^\W\d]\w*)"""
                    r"""|(?P<op><=|>=|<>|!=|==|\|\||->>|->|<<|>>)|(?P<space>\s+)|(?P<other>.)""",
                    re.S)
COMPARISONS = {"<", "<=", ">", ">=", "=", "==", "!=", "<>"}
_ORDERS = {"<", "<=", ">", ">="}
#: functions whose value is a number
NUMERIC_FUNCTIONS = {"number", "abs", "round", "length", "instr", "age_at", "days_between",
                     "julianday", "json_array_length"}
#: words that are no operand of their own
_KEYWORDS = {"and", "or", "not", "when", "then", "else", "end", "case", "is", "in", "like",
             "glob", "regexp", "between", "escape", "collate", "null", "true", "false",
             "exists", "as", "cast", "current_date", "current_time", "current_timestamp"}
_BEFORE = {"(", ",", "and", "or", "not", "when", "then", "else"}
#: operators that bind tighter than a comparison: an operand may be a chain of them
_ARITHMETIC = {"+", "-", "*", "/", "%"}
_TIGHTER = _ARITHMETIC | {"||", "<<", ">>", "&", "|", "->", "->>"}
_AFTER = {")", ",", "and", "or", "then", "else", "end", "when"}


class _Tok:
    __slots__ = ("kind", "text", "start", "end")

    def __init__(self, kind, text, start, end):
        self.kind, self.text, self.start, self.end = kind, text, start, end

    @property
    def word(self) -> str:
        return self.text.lower() if self.kind in ("name", "op", "other") else ""


def _tokens(sql: str) -> list[_Tok]:
    out = []
    for m in _TOKEN.finditer(sql):
        if m.lastgroup != "space":
            out.append(_Tok(m.lastgroup, m.group(), m.start(), m.end()))
    return out


def _match_forward(toks, i) -> int | None:
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].text == "(":
            depth += 1
        elif toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def _match_backward(toks, i) -> int | None:
    depth = 0
    for j in range(i, -1, -1):
        if toks[j].text == ")":
            depth += 1
        elif toks[j].text == "(":
            depth -= 1
            if depth == 0:
                return j
    return None


def _operand_before(toks, i) -> tuple[int, bool] | None:
    """The operand ending at token ``i``: (its first token, whether it is a number)."""
    if i < 0:
        return None
    t = toks[i]
    if t.text == ")":
        k = _match_backward(toks, i)
        if k is None:
            return None
        if k > 0 and toks[k - 1].kind in ("name", "quoted"):
            name = toks[k - 1].text.lower()
            if name in _KEYWORDS:
                return None
            return k - 1, name in NUMERIC_FUNCTIONS
        return k, False
    if t.kind == "number":
        if i > 0 and toks[i - 1].text in ("-", "+") and \
                (i == 1 or toks[i - 2].word in _BEFORE):
            return i - 1, True
        return i, True
    if t.kind in ("text", "quoted") or (t.kind == "name" and t.word not in _KEYWORDS):
        return i, False
    return None


def _operand_after(toks, i) -> tuple[int, bool] | None:
    """The operand starting at token ``i``: (its last token, whether it is a number)."""
    if i >= len(toks):
        return None
    t = toks[i]
    if t.text in ("-", "+") and i + 1 < len(toks) and toks[i + 1].kind == "number":
        return i + 1, True
    if t.kind == "number":
        return i, True
    if t.text == "(":
        k = _match_forward(toks, i)
        return None if k is None else (k, False)
    if t.kind in ("name", "quoted") and i + 1 < len(toks) and toks[i + 1].text == "(":
        if t.word in _KEYWORDS:
            return None
        k = _match_forward(toks, i + 1)
        return None if k is None else (k, t.text.lower() in NUMERIC_FUNCTIONS)
    if t.kind in ("text", "quoted") or (t.kind == "name" and t.word not in _KEYWORDS):
        return i, False
    return None


def rewrite(sql: str) -> str:
    """``sql`` with each comparison of a number and another single operand made by
    ``hmsync_compare`` (see the module's docstring); the rest as it was."""
    toks = _tokens(sql)
    spans = []   # (start char, end char, left text, op, right text)
    for i, t in enumerate(toks):
        if t.kind not in ("op", "other") or t.text not in COMPARISONS:
            continue
        left = _operand_before(toks, i - 1)
        right = _operand_after(toks, i + 1)
        if left is None or right is None:
            continue
        (a, a_num), (b, b_num) = left, right
        # an operand of several parts (a || b, n + 1): its value is a number when they
        # are added, subtracted, multiplied or divided
        while a > 1 and toks[a - 1].text in _TIGHTER and \
                (more := _operand_before(toks, a - 2)) is not None:
            a_num = a_num or toks[a - 1].text in _ARITHMETIC or more[1]
            a = more[0]
        while b + 2 < len(toks) and toks[b + 1].text in _TIGHTER and \
                (more := _operand_after(toks, b + 2)) is not None:
            b_num = b_num or toks[b + 1].text in _ARITHMETIC or more[1]
            b = more[0]
        if a_num == b_num:  # two numbers, or neither known to be one: SQLite's own
            continue
        if (a > 0 and toks[a - 1].word not in _BEFORE) or \
                (b + 1 < len(toks) and toks[b + 1].word not in _AFTER):
            continue
        if spans and spans[-1][1] > toks[a].start:
            continue  # (overlaps the one before: not two operands apart)
        spans.append((toks[a].start, toks[b].end, sql[toks[a].start:t.start].strip(),
                      t.text, sql[t.end:toks[b].end].strip()))
    for start, end, lhs, op, rhs in reversed(spans):
        sql = f"{sql[:start]}{FUNCTION}({lhs}, '{op}', {rhs}){sql[end:]}"
    return sql


def compare(a, op: str, b, to_number):
    """``a op b`` as the module's docstring says: 1, 0, or None (an empty side).
    ``to_number``: how a text is read as a number (expr.number's rule); a ValueError for an
    order between a number and a text that is none."""
    if a is None or b is None:
        return None
    if isinstance(a, bytes):
        a = a.decode("utf-8", "replace")
    if isinstance(b, bytes):
        b = b.decode("utf-8", "replace")
    a_num, b_num = isinstance(a, (int, float)), isinstance(b, (int, float))
    if a_num != b_num:
        try:
            a, b = (a, to_number(b)) if a_num else (to_number(a), b)
        except ValueError:
            if op in _ORDERS:
                raise ValueError(f"a text that is no number is compared with {op} with a "
                                 "number (read as number() reads it; to compare texts, "
                                 "write the number in quotes)") from None
            return 1 if op in ("!=", "<>") else 0
        if a is None or b is None:
            return None
    if op in ("=", "=="):
        return int(a == b)
    if op in ("!=", "<>"):
        return int(a != b)
    return int({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])
