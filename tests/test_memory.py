"""The engine keeps its processes' memory close to what they hold (glibc on Linux)."""
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# frees one 16 MB block (glibc then serves blocks up to that size from its heap), then
# allocates 2 MB blocks with small arrays kept between them, frees the blocks, and prints
# how much the process grew
SCRIPT = """
import sys
import numpy as np
from wizard.core import memory
if sys.argv[1] == "on":
    assert memory.return_large_blocks()
def rss_kb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
big = np.ones(16 << 20, dtype=np.uint8)
del big
before = rss_kb()
blocks, kept = [], []
for _ in range(40):
    blocks.append(np.ones(2 << 20, dtype=np.uint8))
    kept.append(np.ones(200_000, dtype=np.uint8))
del blocks
print(rss_kb() - before)
"""


def grew_kb(setting: str) -> int:
    out = subprocess.run([sys.executable, "-c", SCRIPT, setting], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return int(out)


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="glibc's allocator only")
def test_freed_large_blocks_go_back_to_the_system():
    # 80 MB were allocated and freed; 8 MB stay in use
    assert grew_kb("off") > 60_000   # glibc's own behaviour: the heap keeps them
    assert grew_kb("on") < 20_000
