"""hmsync-wizard: the Qt (PySide6) wizard over the engine in :mod:`wizard.core`.

The core never imports anything from here; this package is the only place Qt is used.
"""

from .qtfix import install as _install_qt_fixes

_install_qt_fixes()   # PySide6 6.12 loses a reference to True on every emit(): see qtfix
