"""Benjamini-Hochberg adjustment of a family of p-values (false discovery rate).

One job: the multiple-testing correction. A report tests many persona groups of many
models at once; controlling the false discovery rate over that family keeps "significant"
honest without the loss of power of a family-wise (Bonferroni) correction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict


class BHResult(BaseModel):
    """Benjamini-Hochberg false-discovery-rate adjustment of a family of p-values."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    q_values: list[float | None]
    """Adjusted p-values in input order (as R's p.adjust(method="BH")); None where the p-value was missing."""
    reject: list[bool]
    """q <= alpha: the hypotheses rejected at false discovery rate alpha (missing p-values never are)."""
    alpha: float
    """The false discovery rate controlled."""


def benjamini_hochberg(p_values: Sequence[float | None] | ArrayLike, alpha: float = 0.05) -> BHResult:
    """BH step-up: q_(i) = min_{j >= i} m p_(j) / j, capped at 1; reject where q <= alpha.

    m counts only the p-values present (None/NaN are left out of the family and get None).
    Rejecting q <= alpha is the same set as the original step-up rule: the largest i with
    p_(i) <= i alpha / m and every smaller p-value.
    """
    raw = np.array([np.nan if p is None else float(p) for p in np.asarray(p_values, dtype=object).ravel()])
    present = np.flatnonzero(~np.isnan(raw))
    if np.any((raw[present] < 0) | (raw[present] > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    q = np.full(raw.size, np.nan)
    m = present.size
    if m:
        order = present[np.argsort(raw[present], kind="stable")]
        scaled = raw[order] * m / np.arange(1, m + 1)
        q[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return BHResult(
        q_values=[None if np.isnan(v) else float(v) for v in q],
        reject=[bool(not np.isnan(v) and v <= alpha) for v in q],
        alpha=alpha,
    )
