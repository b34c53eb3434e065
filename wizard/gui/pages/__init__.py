"""The wizard's pages, one QWizardPage subclass per module, in the order they are shown."""
from enum import IntEnum


class PageId(IntEnum):
    START = 0
    TARGET = 1
    SOURCES = 2
    MAPPING = 3
    VALIDATION = 4
    BACKUP = 5
    IMPORT = 6
    VERIFICATION = 7


TITLES = {PageId.START: "Start", PageId.TARGET: "HMSync database",
          PageId.SOURCES: "Legacy exports", PageId.MAPPING: "Column mapping",
          PageId.VALIDATION: "Validation", PageId.BACKUP: "Backup",
          PageId.IMPORT: "Import", PageId.VERIFICATION: "Verification"}
