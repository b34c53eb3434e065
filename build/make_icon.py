"""Render resources/icons/app.svg into a Windows .ico (16-256 px, PNG-compressed entries).

    python build/make_icon.py OUT.ico

Run by installer.spec at build time (offscreen Qt from the build environment), so no binary
icon file is kept in the repository.
"""
from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
    from PySide6.QtGui import QIcon
    img = QIcon(str(svg)).pixmap(QSize(size, size)).toImage()
    if img.isNull() or img.width() != size:
        raise SystemExit(f"make_icon: could not render {svg} at {size} px "
                         "(is the SVG icon plugin missing?)")
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    img.save(buf, "PNG")
    buf.close()
    return bytes(data)


def write_ico(pngs: dict[int, bytes], out: Path) -> None:
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = [], []
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size            # 0 means 256 in an ICO directory
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset))
        blobs.append(png)
        offset += len(png)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(header + b"".join(entries) + b"".join(blobs))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication
    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841
    svg = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app.svg"
    write_ico({s: render_png(svg, s) for s in SIZES}, Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
