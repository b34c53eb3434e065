"""HMSync Migration Wizard: legacy hospital exports into HMSync's SQLite database."""

# the same as pyproject.toml's version (tests/test_cli.py holds the two together): asking
# the installed package's metadata instead costs every start 60 ms
__version__ = "0.1.0"
