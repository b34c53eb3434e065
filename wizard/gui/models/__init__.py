"""Table models (QAbstractTableModel) for every table in the wizard that can grow."""
from PySide6.QtCore import Qt

#: a model returns [(label, value), ...] for a cell edited with a drop-down
OptionsRole = Qt.ItemDataRole.UserRole + 1
#: the value behind a cell (not its display text)
ValueRole = Qt.ItemDataRole.UserRole + 2
