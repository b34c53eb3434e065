"""Replaces pyinstaller-hooks-contrib's hook (which collects every phonenumbers submodule):
the wizard parses, validates and formats numbers, so the geocoding, carrier and time-zone
data (24 MB of modules) are left out. See EXCLUDES in installer.spec."""
from PyInstaller.utils.hooks import collect_submodules

_UNUSED = ("phonenumbers.geocoder", "phonenumbers.geodata", "phonenumbers.carrier",
           "phonenumbers.carrierdata", "phonenumbers.timezone", "phonenumbers.tzdata")

hiddenimports = collect_submodules(
    "phonenumbers", filter=lambda name: not name.startswith(_UNUSED))
