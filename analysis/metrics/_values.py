"""Coercions of figures to plain floats (None and missing values to NaN) shared by every metric table.

One job: one convention for "undefined" in the tables. The statistics return None for
an undefined figure and pandas holds NaN; every table converts through these helpers so
a missing rate looks the same in the report, the explorer and the tests.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def _ratio(num: np.ndarray, den: np.ndarray) -> float | None:
    return float(num.sum() / den.sum()) if den.sum() > 0 else None


def _float(value: Any) -> float:
    try:
        return math.nan if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return math.nan


def _nan(value: float | None) -> float:
    return math.nan if value is None else float(value)
