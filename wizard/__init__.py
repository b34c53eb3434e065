"""HMSync Migration Wizard: legacy hospital exports into HMSync's SQLite database."""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("hmsync-migration-wizard")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
