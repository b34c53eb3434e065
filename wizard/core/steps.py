"""A field's steps as the mapping table and the mapping editor see them: one step looked up,
replaced or described in plain words."""
from __future__ import annotations

from typing import TypeVar

from .mapping import FieldMap
from .transforms import Step, StepDefaults

S = TypeVar("S", bound=Step)


def get_step(fm: FieldMap, kind: type[S]) -> S | None:
    """A field's first step of ``kind`` (DateStep, CaseStep, ...), or None."""
    return next((s for s in fm.typed_steps if isinstance(s, kind)), None)


def set_step(fm: FieldMap, kind: type[Step], step: Step | None) -> None:
    """Replace a field's step of ``kind`` with ``step`` (or add it, or with None remove
    it). The field's other steps keep the form the profile wrote them in."""
    new = None if step is None else step.to_raw()
    steps = []
    placed = False
    for raw, typed in zip(fm.steps, fm.typed_steps):
        if isinstance(typed, kind):
            if new is not None and not placed:
                steps.append(new)
                placed = True
            continue
        steps.append(raw)
    if new is not None and not placed:
        steps.append(new)
    fm.steps = steps


def describe_steps(fm: FieldMap, defaults: StepDefaults | dict | None = None) -> str:
    """The steps of a field in plain words. ``defaults``: the profile's (its ``date_order``
    and ``timezone``, which a date step without its own takes)."""
    if isinstance(defaults, dict):
        defaults = StepDefaults(**defaults)
    defaults = defaults or StepDefaults()
    return ", ".join(s.describe(defaults) for s in fm.typed_steps)
