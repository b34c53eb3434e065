"""HMSync Migration Wizard: legacy hospital exports into HMSync's SQLite database."""

# the one place the version is written (pyproject.toml reads it from here): asking the
# installed package's metadata costs every start 60 ms, and a frozen bundle has none
__version__ = "0.1.0"
