"""The same person registered twice under different legacy ids, spelt a little differently
("Jon Smith" and "John Smith" with one phone number): candidate clusters for the operator
to review, never merged unasked. Exact repeats (same name and phone) stay the validation's
possible_duplicate warning.

Two records are candidates when their names are alike (rapidfuzz, word order ignored) and
they share a phone number, or the same age and an alike address. Candidates are looked for
inside blocks (one phone; one age and the name's first letter), so an export of 100,000
patients compares thousands of pairs, not billions. Pairs joined through one record form
a cluster.

The operator's decision on a cluster is kept in the profile (``person_decisions``): keep
both, merge into one (the others are left out and what refers to them points at the one
kept), or leave one out.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from .corrections import operator
from .errors import ProfileError

#: names at least this alike (0-100, rapidfuzz's token_sort_ratio) make a candidate pair
NAME_SCORE = 85
#: addresses at least this alike count as the same, with the same age
ADDRESS_SCORE = 80
#: a block larger than this is compared by names only within its first letters (the
#: comparisons grow with the square of a block)
BLOCK_MAX = 2_000

KEEP_BOTH, MERGE, LEAVE_OUT = "keep_both", "merge", "leave_out"
DECISIONS = (KEEP_BOTH, MERGE, LEAVE_OUT)


@dataclass(frozen=True)
class PersonRecord:
    file: str
    line: int
    legacy_id: str
    name: str
    phone: str
    age: str
    address: str


@dataclass(frozen=True)
class PersonCluster:
    table: str
    members: tuple[PersonRecord, ...]
    why: str            # "names 92% alike, same phone number"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(m.legacy_id for m in self.members)


@dataclass(frozen=True)
class PersonDecision:
    """What the operator decided for a cluster: ``keep`` is the record kept (merge) or the
    one left out (leave_out)."""
    table: str
    ids: tuple[str, ...]
    decision: str
    keep: str = ""
    who: str = ""
    when: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["ids"] = list(self.ids)
        return d

    @classmethod
    def from_dict(cls, d, where: str) -> "PersonDecision":
        if not isinstance(d, dict) or not d.get("table") or not isinstance(d.get("ids"), list) \
                or d.get("decision") not in DECISIONS:
            raise ProfileError(f"{where}: each decision needs a table, ids (a list) and a "
                               f"decision ({', '.join(DECISIONS)})")
        if d["decision"] != KEEP_BOTH and str(d.get("keep") or "") not in map(str, d["ids"]):
            raise ProfileError(f"{where}: 'keep' must be one of the ids for "
                               f"{d['decision']}")
        return cls(str(d["table"]), tuple(str(x) for x in d["ids"]), d["decision"],
                   str(d.get("keep") or ""), str(d.get("who") or ""), str(d.get("when") or ""))

    @property
    def left_out(self) -> tuple[str, ...]:
        """The legacy ids this decision leaves out of the import."""
        if self.decision == MERGE:
            return tuple(x for x in self.ids if x != self.keep)
        if self.decision == LEAVE_OUT:
            return (self.keep,)
        return ()

    @property
    def aliases(self) -> dict[str, str]:
        """Legacy id -> the id what refers to it points at instead (a merge's)."""
        return {x: self.keep for x in self.left_out} if self.decision == MERGE else {}


def decided_now(table: str, ids, decision: str, keep: str = "") -> PersonDecision:
    return PersonDecision(table, tuple(ids), decision, keep, operator(),
                          datetime.now().astimezone().isoformat(timespec="seconds"))


def _norm(s) -> str:
    return " ".join(str(s or "").lower().split())


def candidate_pairs(records: pd.DataFrame) -> list[tuple[int, int, str]]:
    """Pairs of row positions that look like one person, with why. ``records`` has the
    columns name, phone, age, address (text; '' where unknown)."""
    name = records["name"].map(_norm).to_numpy(dtype=object)
    phone = records["phone"].map(_norm).to_numpy(dtype=object)
    age = records["age"].map(_norm).to_numpy(dtype=object)
    addr = records["address"].map(_norm).to_numpy(dtype=object)
    # an address's numbers (house, ward, PIN) must be the same: "12 MG Road" and "21 MG
    # Road" are alike as text, and two homes
    nums = [tuple(re.findall(r"\d+", a)) for a in addr]
    found: dict[tuple[int, int], str] = {}

    def compare(block: np.ndarray, why, extra=None):
        if len(block) < 2:
            return
        names = name[block].tolist()
        scores = process.cdist(names, names, scorer=fuzz.token_sort_ratio,
                               score_cutoff=NAME_SCORE, dtype=np.uint8)
        ii, jj = np.nonzero(np.triu(scores, 1))
        for i, j in zip(ii.tolist(), jj.tolist()):
            a, b = int(block[i]), int(block[j])
            if not names[i] or names[i] == names[j] and phone[a] == phone[b]:
                continue     # no name; or an exact repeat: the validation's warning
            if extra is not None and not extra(a, b):
                continue
            key = (min(a, b), max(a, b))
            if key not in found:
                found[key] = why(int(scores[i, j]))

    def blocks(keys: np.ndarray):
        s = pd.Series(np.arange(len(keys)))
        for k, g in s.groupby(pd.Series(keys)):
            if k and len(g) > 1:
                yield g.to_numpy()

    for block in blocks(phone):
        compare(block, lambda sc: f"names {sc}% alike, same phone number")
    first = np.array([n[:1] for n in name], dtype=object)
    by_age = np.array([f"{a}\x1f{f}" if a else "" for a, f in zip(age, first)], dtype=object)
    for block in blocks(by_age):
        for part in np.array_split(block, max(1, len(block) // BLOCK_MAX + 1)):
            compare(part, lambda sc: f"names {sc}% alike, same age and address",
                    lambda a, b: bool(addr[a]) and nums[a] == nums[b] and
                    fuzz.token_sort_ratio(addr[a], addr[b]) >= ADDRESS_SCORE)
    return [(a, b, why) for (a, b), why in sorted(found.items())]


def clusters(table: str, records: pd.DataFrame) -> list[PersonCluster]:
    """Candidate clusters among ``records`` (columns file, line, legacy_id, name, phone,
    age, address), largest first."""
    pairs = candidate_pairs(records)
    parent = list(range(len(records)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    why: dict[int, str] = {}
    for a, b, w in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra
        why.setdefault(a, w)
    groups: dict[int, list[int]] = {}
    for a, b, _ in pairs:
        for x in (a, b):
            groups.setdefault(find(x), [])
    for x in {x for a, b, _ in pairs for x in (a, b)}:
        groups[find(x)].append(x)
    out = []
    rec = records.reset_index(drop=True)
    for root, members in groups.items():
        members = sorted(set(members))
        reason = next((w for a, b, w in pairs if a in members), "")
        out.append(PersonCluster(table, tuple(
            PersonRecord(str(rec.at[m, "file"]), int(rec.at[m, "line"]),
                         str(rec.at[m, "legacy_id"]), str(rec.at[m, "name"]),
                         str(rec.at[m, "phone"]), str(rec.at[m, "age"]),
                         str(rec.at[m, "address"])) for m in members), reason))
    out.sort(key=lambda c: (-len(c.members), c.members[0].file, c.members[0].line))
    return out


def undecided(found: list[PersonCluster], decisions: list[PersonDecision]
              ) -> list[PersonCluster]:
    """The clusters no decision covers yet."""
    done = {(d.table, frozenset(d.ids)) for d in decisions}
    return [c for c in found if (c.table, frozenset(c.ids)) not in done]
