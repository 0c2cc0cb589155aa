"""The interval record every statistic returns, and the closed-form intervals (Wilson, Newcombe).

One job: intervals that need no resampling. Rates of conversations get Wilson score
intervals because they stay inside [0, 1] and keep close to nominal coverage at small n
and near 0 or 1, where the Wald interval fails (Agresti & Coull 1998; Newcombe 1998);
Newcombe's hybrid score interval is their closed-form companion for a difference of two
rates. `Interval` and the normal quantile `_z` live here because every other module of
the package builds on them.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict


class Interval(BaseModel):
    """A point estimate with a two-sided confidence interval."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    estimate: float | None
    """The point estimate on the full data; None when undefined (no trials, zero denominator)."""
    low: float | None
    """Lower bound; None when the interval is undefined."""
    high: float | None
    """Upper bound; None when the interval is undefined."""
    confidence: float
    """Nominal two-sided coverage, e.g. 0.95."""
    method: str
    """How it was computed: `wilson`, `newcombe` or `cluster_bootstrap`."""


def _z(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_bounds(k: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised Wilson score bounds for proportions k/n (NaN where n == 0).

    low, high = (p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n), p = k/n.
    For DataFrame columns; `wilson_interval` is the scalar form with a record.
    """
    k_arr = np.asarray(k, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise ValueError("need 0 <= k <= n")
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_arr / n_arr
        denom = 1.0 + z * z / n_arr
        centre = (p + z * z / (2.0 * n_arr)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n_arr + z * z / (4.0 * n_arr * n_arr)) / denom
        low = np.where(n_arr > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        high = np.where(n_arr > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> Interval:
    """Wilson score interval for k successes in n trials; all None when n == 0 (nothing observed)."""
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return Interval(estimate=None, low=None, high=None, confidence=confidence, method="wilson")
    low, high = wilson_bounds(k, n, confidence)
    return Interval(estimate=k / n, low=float(low), high=float(high), confidence=confidence, method="wilson")


def newcombe_difference(k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95) -> Interval:
    """CI for p1 - p2 of two independent proportions from their Wilson intervals.

    Newcombe (1998), method 10 ("hybrid score"): with (l_i, u_i) the Wilson bounds,
    low = d - sqrt((p1 - l1)^2 + (u2 - p2)^2), high = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
    The closed-form companion of Wilson for "persona group minus control" bars.
    """
    a, b = wilson_interval(k1, n1, confidence), wilson_interval(k2, n2, confidence)
    if a.estimate is None or b.estimate is None:
        return Interval(estimate=None, low=None, high=None, confidence=confidence, method="newcombe")
    p1, l1, u1 = a.estimate, a.low or 0.0, a.high or 0.0
    p2, l2, u2 = b.estimate, b.low or 0.0, b.high or 0.0
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Interval(estimate=d, low=low, high=high, confidence=confidence, method="newcombe")
