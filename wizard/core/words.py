"""Counts in words: "1 record", "2 records". One helper for every message an operator
reads (command line, report, wizard, sign-off), so that none says "1 records". A count
other than 1 reads exactly as before (a script reading "12 records" still finds it).
No Qt."""
from __future__ import annotations

#: nouns whose plural is not the noun and an "s"
_IRREGULAR = {"person": "people", "this": "these", "was": "were", "is": "are",
              "has": "have", "entry": "entries", "summary": "summaries",
              "match": "matches", "box": "boxes", "file or table": "files or tables"}


def plural(n, noun: str, many: str | None = None) -> str:
    """``noun`` for a count of ``n``: itself for 1, else ``many`` (by default the usual
    plural)."""
    if n == 1:
        return noun
    return many or _IRREGULAR.get(noun) or noun + "s"


def counted(n, noun: str, many: str | None = None, thousands: bool = True) -> str:
    """``n`` and its noun: "1 record", "1,204 records" (``thousands``: with a separator,
    as the counts are printed elsewhere)."""
    try:
        number = f"{int(n):,}" if thousands else str(int(n))
    except (TypeError, ValueError):
        number = str(n)
    return f"{number} {plural(n, noun, many)}"
