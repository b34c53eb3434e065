"""HMSync tables and fields as the engine sees them: what a field holds and what it needs.

Plain data, without SQLAlchemy, so that a helper process preparing records can use them
without loading it; :mod:`wizard.core.schema` builds them from HMSync's schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TargetField:
    name: str
    kind: str                      # uuid, text, int, float, date, phone, enum, ref
    nullable: bool = True
    required: bool = False          # must have a value (NOT NULL or info["required"])
    default: str | None = None      # SQL default, as a plain value
    enum: list[str] | None = None
    min: float | None = None
    max: float | None = None
    references: str | None = None   # parent table for a ref
    label: str = ""
    known: bool = True              # defined in the wizard's HMSync schema
    total: bool = False             # a money amount: its total is compared after an import
    total_by: str | None = None     # and its totals per value of this (ref) field too


@dataclass
class TargetTable:
    name: str
    fields: dict[str, TargetField] = field(default_factory=dict)
    #: fields that, equal in two records, suggest one person registered under two legacy
    #: ids (a warning to review); a text field is compared without case or outer spaces
    person_key: tuple[str, ...] = ()

    @property
    def mappable(self) -> list[TargetField]:
        return [f for f in self.fields.values() if f.kind != "uuid"]

    @property
    def references(self) -> dict[str, str]:
        return {f.name: f.references for f in self.fields.values() if f.references}
