"""Tests on K 2x2 tables stratified by request: Cochran-Mantel-Haenszel and an exact permutation test.

One job: compare a group (a persona) with its reference (the control) on the same
requests. Refusal of the same requests with and without a persona is compared within
each request, so the test is stratified: Cochran-Mantel-Haenszel (with the
Mantel-Haenszel common odds ratio), or a permutation test within strata whose null
distribution is exact at small counts. The correction over many groups is in `_fdr`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict

from analysis.stats._intervals import _z
from analysis.stats._resample import _BLOCK_ELEMENTS, DEFAULT_RESAMPLES


def chi2_sf_1df(statistic: float) -> float:
    """P(X > statistic) for a chi-square with 1 degree of freedom: erfc(sqrt(x / 2))."""
    return math.erfc(math.sqrt(max(statistic, 0.0) / 2.0))


def tables_from_observations(group: ArrayLike, event: ArrayLike, strata: Sequence[Hashable] | ArrayLike) -> np.ndarray:
    """Count per-observation rows (one per conversation) into K 2x2 tables, one per stratum.

    group: True for the group of interest (persona, model A), False for the reference
    (control); event: True for the outcome counted (refused); strata: the request or
    scenario each observation belongs to. Returns shape (K, 2, 2) in the layout
    `cmh_test` expects, strata in sorted order.
    """
    g = np.asarray(group, dtype=bool).ravel()
    e = np.asarray(event, dtype=bool).ravel()
    s = np.asarray(strata).ravel()
    if not g.size == e.size == s.size:
        raise ValueError("group, event and strata need one entry per observation")
    _, inverse = np.unique(s, return_inverse=True)
    tables = np.zeros((int(inverse.max()) + 1 if inverse.size else 0, 2, 2), dtype=np.int64)
    np.add.at(tables, (inverse.ravel(), (~g).astype(int), (~e).astype(int)), 1)
    return tables


def _as_tables(tables: ArrayLike) -> np.ndarray:
    t = np.asarray(tables, dtype=np.float64)
    if t.ndim == 2:
        t = t[np.newaxis]
    if t.ndim != 3 or t.shape[1:] != (2, 2):
        raise ValueError(f"expected tables of shape (K, 2, 2), got {t.shape}")
    if np.any(t < 0):
        raise ValueError("counts must be >= 0")
    return t


class CMHResult(BaseModel):
    """Cochran-Mantel-Haenszel test of conditional independence in K 2x2 tables, with the MH odds ratio."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    statistic: float | None
    """The CMH chi-square (1 df); None when no stratum carries information (total variance 0)."""
    p_value: float | None
    """Two-sided p-value from the chi-square with 1 df; None with the statistic."""
    common_odds_ratio: float | None
    """Mantel-Haenszel estimate sum(a d / n) / sum(b c / n); inf when the denominator is 0, None when both are."""
    odds_ratio_low: float | None
    """Lower bound of the Robins-Breslow-Greenland CI of the common odds ratio (None when undefined)."""
    odds_ratio_high: float | None
    """Upper bound of that CI (None when undefined)."""
    confidence: float
    """Coverage of the odds-ratio interval."""
    continuity_correction: bool
    """Whether 0.5 was taken off |sum(a - E[a])| before squaring (as R's mantelhaen.test, correct=TRUE)."""
    strata_used: int
    """Strata with at least 2 observations (strata with fewer carry no information and are dropped)."""


def cmh_test(tables: ArrayLike, *, correct: bool = True, confidence: float = 0.95) -> CMHResult:
    """Cochran-Mantel-Haenszel test for K 2x2 tables (stratified by request or scenario).

    tables[k] = [[a, b], [c, d]]: row 0 the group of interest (a = events, b = non-events),
    row 1 the reference group (c = events, d = non-events). With n = a + b + c + d,
    E[a] = (a+b)(a+c)/n, Var[a] = (a+b)(c+d)(a+c)(b+d) / (n^2 (n-1)) and
    X^2 = (|sum(a - E[a])| - 0.5)^2 / sum(Var[a]) (the 0.5 only when `correct` and the
    deviation is at least 0.5, as R does). Matches R's `mantelhaen.test` for 2x2xK.
    """
    t = _as_tables(tables)
    t = t[t.sum(axis=(1, 2)) >= 2]
    a, b, c, d = t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1]
    n = a + b + c + d
    row1, col1 = a + b, a + c
    delta = float(np.sum(a - row1 * col1 / n)) if n.size else 0.0
    variance = float(np.sum(row1 * (c + d) * col1 * (b + d) / (n * n * (n - 1)))) if n.size else 0.0
    statistic = p_value = None
    if variance > 0:
        yates = 0.5 if correct and abs(delta) >= 0.5 else 0.0
        statistic = (abs(delta) - yates) ** 2 / variance
        p_value = chi2_sf_1df(statistic)
    odds, low, high = _mantel_haenszel_odds_ratio(a, b, c, d, n, confidence)
    return CMHResult(
        statistic=statistic,
        p_value=p_value,
        common_odds_ratio=odds,
        odds_ratio_low=low,
        odds_ratio_high=high,
        confidence=confidence,
        continuity_correction=correct,
        strata_used=int(n.size),
    )


def _mantel_haenszel_odds_ratio(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray, n: np.ndarray, confidence: float
) -> tuple[float | None, float | None, float | None]:
    """MH common odds ratio and its Robins-Breslow-Greenland (1986) log-scale interval."""
    r, s = a * d / n, b * c / n
    big_r, big_s = float(r.sum()), float(s.sum())
    if big_r == 0 and big_s == 0:
        return None, None, None
    if big_s == 0:
        return math.inf, None, None
    odds = big_r / big_s
    if big_r == 0:
        return odds, None, None
    p, q = (a + d) / n, (b + c) / n
    var_log = (
        float(np.sum(p * r)) / (2 * big_r**2)
        + float(np.sum(p * s + q * r)) / (2 * big_r * big_s)
        + float(np.sum(q * s)) / (2 * big_s**2)
    )
    half = _z(confidence) * math.sqrt(var_log)
    return odds, math.exp(math.log(odds) - half), math.exp(math.log(odds) + half)


class PermutationResult(BaseModel):
    """A stratified permutation test of "the group label does not matter within a stratum"."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    statistic: float
    """Observed events in the group of interest minus their expectation under the null, summed over strata."""
    p_value: float
    """(1 + permutations at least as extreme) / (1 + permutations): never 0, valid for any count."""
    n_permutations: int
    """Permutations drawn."""
    alternative: str
    """`two-sided` (|deviation|), `greater` (more events in the group of interest) or `less`."""


def stratified_permutation_test(
    tables: ArrayLike,
    *,
    n_permutations: int = DEFAULT_RESAMPLES,
    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
    seed: int = 0,
) -> PermutationResult:
    """Permute group labels within strata and compare the events in the group of interest.

    Same table layout as `cmh_test`. Shuffling the labels of stratum k keeps its group sizes
    and event total fixed, so the permuted count of events in the group of interest is
    exactly Hypergeometric(events_k, non_events_k, group_size_k); drawing those counts is
    the same distribution as shuffling row by row, vectorised. The statistic is
    sum_k (a_k - E[a_k]), i.e. the CMH numerator, so no large-sample approximation is needed.
    """
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"unknown alternative {alternative!r}")
    t = _as_tables(tables).astype(np.int64)
    t = t[t.sum(axis=(1, 2)) >= 1]
    events = t[:, 0, 0] + t[:, 1, 0]
    n = t.sum(axis=(1, 2))
    group_size = t[:, 0, 0] + t[:, 0, 1]
    expected = float(np.sum(group_size * events / n)) if n.size else 0.0
    observed = float(t[:, 0, 0].sum()) - expected
    rng = np.random.default_rng(seed)
    permuted = np.empty(n_permutations)
    rows_per_block = max(1, _BLOCK_ELEMENTS // max(1, n.size))
    for start in range(0, n_permutations, rows_per_block):
        stop = min(n_permutations, start + rows_per_block)
        draws = rng.hypergeometric(events, n - events, group_size, size=(stop - start, n.size))
        permuted[start:stop] = draws.sum(axis=1) - expected
    tolerance = 1e-9  # the statistic is discrete: ties count as "at least as extreme"
    if alternative == "two-sided":
        extreme = np.abs(permuted) >= abs(observed) - tolerance
    elif alternative == "greater":
        extreme = permuted >= observed - tolerance
    else:
        extreme = permuted <= observed + tolerance
    p_value = (1.0 + float(extreme.sum())) / (1.0 + n_permutations)
    return PermutationResult(
        statistic=observed, p_value=p_value, n_permutations=n_permutations, alternative=alternative
    )
