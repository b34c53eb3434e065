"""The errors an operator can act on, in one family.

Every exception the engine raises on purpose derives from :class:`OperatorError`: its
message is written for the person running the migration (file, line and problem; never a
patient's value), and ``advice`` says what to do next. The command line prints the message
and exits 2; the wizard shows the message with the advice. Anything else that escapes is a
defect, logged without patient data.

Each front end catches this one base class, so a new kind of error needs no edit there.
"""
from __future__ import annotations


class OperatorError(Exception):
    """Something the operator can fix; the message is for them."""

    #: what to do next, in a sentence (the wizard shows it under the message)
    advice = ""


class SourceProblem(OperatorError):
    """A legacy file or table that cannot be read as it is."""

    advice = ("Check that the file is a complete export (CSV, JSON or Excel) and that no "
              "other program is still writing it.")


class EncodingUnsure(SourceProblem):
    """Legacy files written in an 8-bit code page the bytes do not settle: each candidate
    reads them as text, differently. The message lists the candidates per file."""

    advice = ("Choose each file's encoding: the wizard's Legacy exports page shows the "
              "candidates side by side; on the command line, --encoding FILE=ENC (or "
              "--encoding ENC for every such file), or encoding: in the profile's table.")


class MappingProblem(OperatorError, ValueError):
    """A mapping profile (or one of its steps) that cannot be used."""

    advice = "Fix the mapping and try again."


class ProfileError(MappingProblem):
    """A profile that cannot be used; the message says where and why."""


class NeedsReview(MappingProblem):
    """Suggested mapping choices nobody has confirmed: never applied unasked."""

    advice = ("Confirm or change each on the Column mapping page (or delete `review: true` "
              "in the profile once checked), or accept them as they are with "
              "--accept-suggestions.")


class MigrationError(OperatorError):
    """The migration could not run; nothing was changed in the HMSync database."""

    advice = "Nothing was changed in the HMSync database."


class BackupError(OperatorError):
    """A backup or restore that could not be done."""

    advice = ("Choose another backup folder with enough free space, or close HMSync if it is "
              "running, then try again.")


class SchemaError(OperatorError):
    """The target's schema cannot be checked or upgraded."""

    advice = "Check that the file is an HMSync database."


class CannotVerify(OperatorError):
    """verify was given something it cannot check: no HMSync database, or one locked by
    another program."""

    advice = "Check that the file is an HMSync database and that HMSync is closed."


class OutputError(OperatorError):
    """A file or folder the migration was asked to write cannot (or must not) be written."""

    advice = "Choose another file or folder to write to."


class CannotWrite(OperatorError):
    """A database (or its journal beside it) that this user cannot write where it is."""

    advice = ("Copy the database to a folder you can write to, or ask for write access to "
              "its folder, then try again.")


class ProjectError(OperatorError):
    """A migration project file that cannot be used."""


class Cancelled(Exception):
    """The operator cancelled; everything was rolled back. (Not an error: no advice.)"""
