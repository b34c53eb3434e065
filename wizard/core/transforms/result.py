"""What a column transform gives back, and the error a step that cannot be applied raises."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MappingProblem


class TransformError(MappingProblem):
    """A step in a profile that cannot be applied (unknown name, bad options)."""

    advice = "Change the transform on the Column mapping page."


@dataclass
class Result:
    values: pd.Series
    bad: np.ndarray | None = None       # cells that could not be converted
    note: str | None = None             # e.g. an ambiguity the operator should know about
    null: np.ndarray | None = None      # cells without a value (when cheaply known)
    array: np.ndarray | None = None     # the values as float64 (NaN) or datetime64 (NaT)


def _bad_or(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a | b
