"""HTML to PDF with Qt's text engine, for the front ends (the core imports no Qt).

The command line has no window: it borrows a QGuiApplication on Qt's offscreen platform
(no display needed) when none is running; the wizard's own application is used as it is.
"""
from __future__ import annotations

import os
from pathlib import Path


def write_pdf_html(text: str, path: str | Path, title: str) -> Path:
    """Print the HTML ``text`` to the PDF ``path`` (A4, 15 mm margins), owner-only like
    every report, written under a temporary name that takes its own only once whole."""
    from PySide6.QtCore import QMarginsF
    from PySide6.QtGui import QGuiApplication, QPageLayout, QPageSize, QPdfWriter
    if QGuiApplication.instance() is None:
        if not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        write_pdf_html._app = QGuiApplication([])  # kept: Qt needs it while it lives
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    try:
        writer = QPdfWriter(str(tmp))
        writer.setTitle(title)
        writer.setCreator("hmsync-migrate")
        writer.setResolution(300)
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait,
                                         QMarginsF(15, 15, 15, 15),
                                         QPageLayout.Unit.Millimeter))
        document(text).print_(writer)
        del writer  # the file is finished when the writer goes
        os.chmod(tmp, 0o600)
        if not tmp.stat().st_size:
            raise OSError(28, "the PDF could not be written", str(path))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def document(text: str):
    """The HTML ``text`` as the PDF lays it out (a QTextDocument)."""
    from PySide6.QtGui import QTextDocument, QTextOption
    doc = QTextDocument()
    # a word wraps only at a space (or a zero-width space: signoff's long names): Qt's
    # default breaks a word anywhere once a table's column is narrow, and printed a cell
    # table's column name as "registration / Date"
    wrap = QTextOption()
    wrap.setWrapMode(QTextOption.WrapMode.WordWrap)
    doc.setDefaultTextOption(wrap)
    doc.setHtml(text)
    return doc


def write_signoff(rep: dict, path: str | Path) -> Path:
    """The sign-off document of a run report: PDF for ``.pdf``, else HTML."""
    from .core.report import _private_open
    from .core.signoff import signoff_html
    path = Path(path)
    text = signoff_html(rep)
    if path.suffix.lower() == ".pdf":
        return write_pdf_html(text, path, "HMSync migration sign-off")
    with _private_open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path
