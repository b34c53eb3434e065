"""Where a legacy server's password comes from when its URL has none: the environment
(``HMSYNC_SOURCE_PASSWORD``), else the system keyring through the optional ``keyring``
library (service ``hmsync-migration-wizard``, user name the URL without its password),
else the operator types it. A password found is held in this process's memory only;
what the wizard keeps and shows is the URL without it.

The keyring is optional: without the library, or without a keyring on the system, the
lookup says so in the operator's words (:func:`keyring_status`) and the caller asks."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

PASSWORD_ENV = "HMSYNC_SOURCE_PASSWORD"
#: the keyring's service name; the user name under it is the URL without its password
SERVICE = "hmsync-migration-wizard"


@dataclass(frozen=True)
class Found:
    """A password looked up for a URL, and where it came from (``environment`` or
    ``keyring``); ``note`` says why the keyring gave none, if it was asked."""
    password: str | None = field(default=None, repr=False)
    source: str = ""
    note: str = ""


def _keyring():
    """The keyring library, or why it cannot be used."""
    try:
        import keyring
    except ImportError:
        return None, ("the keyring library is not installed (pip install keyring), so the "
                      "system keyring cannot be asked")
    return keyring, ""


def keyring_status() -> str:
    """'' when a system keyring can be asked, else why not (said to the operator)."""
    kr, why = _keyring()
    if kr is None:
        return why
    try:
        backend = kr.get_keyring()
    except Exception as e:  # noqa: BLE001 (a backend that fails to load: said, not raised)
        return f"the system keyring cannot be opened ({type(e).__name__})"
    if type(backend).__module__.startswith("keyring.backends.fail") or \
            getattr(backend, "priority", 1) <= 0:
        return "no system keyring is available here (the keyring library found no backend)"
    return ""


def from_keyring(bare_url: str) -> Found:
    """The password kept in the system keyring for ``bare_url`` (none: why, in ``note``)."""
    kr, why = _keyring()
    if kr is None:
        return Found(note=why)
    try:
        pw = kr.get_password(SERVICE, bare_url)
    except Exception as e:  # noqa: BLE001 (NoKeyringError, a locked keyring, D-Bus ...)
        name = type(e).__name__
        if name == "NoKeyringError":
            return Found(note="no system keyring is available here (the keyring library "
                              "found no backend)")
        return Found(note=f"the system keyring could not be read ({name})")
    if pw is None:
        return Found(note=f"the system keyring holds no password for it (service "
                          f"'{SERVICE}', user name the URL without its password)")
    return Found(pw, "keyring")


def look_up(bare_url: str) -> Found:
    """The password for ``bare_url`` from the environment, else the system keyring."""
    pw = os.environ.get(PASSWORD_ENV)
    if pw:
        return Found(pw, "environment")
    return from_keyring(bare_url)
