"""Writes docs/profile-reference.md from the code (wizard/core/reference.py).

    .venv/bin/python scripts/profile_reference.py          # write it
    .venv/bin/python scripts/profile_reference.py --check  # exit 1 if it is out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wizard.core.reference import markdown  # noqa: E402

DOC = ROOT / "docs" / "profile-reference.md"


def main(argv: list[str]) -> int:
    text = markdown()
    if "--check" in argv:
        same = DOC.is_file() and DOC.read_text(encoding="utf-8") == text
        print(f"{DOC.relative_to(ROOT)} is " + ("up to date" if same else
                                               "out of date: run scripts/profile_reference.py"))
        return 0 if same else 1
    DOC.write_text(text, encoding="utf-8")
    print(f"wrote {DOC.relative_to(ROOT)} ({len(text):,} characters)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
