"""The statistics every report figure rests on, in one module, in numpy and closed forms.

Why these methods:
- Rates of conversations (refusal, success, ...) get Wilson score intervals: they stay
  inside [0, 1] and keep close to nominal coverage at small n and near 0 or 1, where the
  Wald interval fails (Agresti & Coull 1998; Newcombe 1998).
- Rates per turn (acts per assistant turn) are ratios of sums whose turns are correlated
  within a conversation, so their intervals come from a percentile bootstrap that resamples
  whole conversations (clusters), never single turns: resampling turns treats them as
  independent and gives intervals that are too narrow.
- Persona disparity compares refusal of the same requests with and without a persona, so
  the test is stratified by request: Cochran-Mantel-Haenszel (with the Mantel-Haenszel
  common odds ratio), or an exact-distribution permutation test within strata; many persona
  groups are corrected with Benjamini-Hochberg.
- Aptitude and unreliability follow Laban et al., *LLMs Get Lost In Multi-Turn Conversation*.

Undefined quantities (no trials, a zero denominator) are `None` in the pydantic records,
so they serialise as JSON null and DuckDB NULL; the vectorised `wilson_bounds` returns NaN
instead, as numpy and pandas expect. scipy is not needed: normal quantiles come from
`statistics.NormalDist` and the 1-df chi-square tail from `math.erfc`.

Cohen's kappa lives in `analysis._agreement` and is re-exported here, not duplicated.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from statistics import NormalDist
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict

from analysis._agreement import cohen_kappa

__all__ = [
    "BHResult",
    "CMHResult",
    "Interval",
    "PermutationResult",
    "ReliabilitySummary",
    "benjamini_hochberg",
    "bootstrap_gap",
    "bootstrap_ratio",
    "bootstrap_ratio_difference",
    "chi2_sf_1df",
    "cmh_test",
    "cohen_kappa",
    "newcombe_difference",
    "reliability_summary",
    "stratified_permutation_test",
    "tables_from_observations",
    "wilson_bounds",
    "wilson_interval",
]

DEFAULT_RESAMPLES = 10_000
"""Bootstrap resamples / permutations unless a caller asks otherwise."""

_BLOCK_ELEMENTS = 1 << 22
"""Resampled indices drawn at once (16 MB of int32 plus 64 MB gathered): bounds memory for 10k x 20k clusters."""


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


# --- Wilson score interval -----------------------------------------------------------------


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


# --- Cluster bootstrap ---------------------------------------------------------------------


def _clusters(numerators: ArrayLike, denominators: ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
    num = np.asarray(numerators, dtype=np.float64).ravel()
    den = np.ones_like(num) if denominators is None else np.asarray(denominators, dtype=np.float64).ravel()
    if num.shape != den.shape:
        raise ValueError(f"{num.size} numerators but {den.size} denominators")
    if np.any(den < 0):
        raise ValueError("denominators must be >= 0")
    return num, den


def _ratio(num_sum: float, den_sum: float) -> float | None:
    return num_sum / den_sum if den_sum > 0 else None


def _distinct_pairs(num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (numerator, denominator) rows in lexicographic order, and how often each occurs.

    What `np.unique(np.stack([num, den], axis=1), axis=0, return_counts=True)` returns, but
    through one stable lexsort of the two columns: np.unique compares rows as structured
    records, about 15 times slower (tens of ms per 100,000 conversations, for every interval).
    Non-finite values keep np.unique, whose NaN handling the resampling was written against.
    """
    if num.size == 0 or not (np.isfinite(num).all() and np.isfinite(den).all()):
        return np.unique(np.stack([num, den], axis=1), axis=0, return_counts=True)
    order = np.lexsort((den, num))  # by numerator, then denominator
    sorted_num, sorted_den = num[order], den[order]
    starts = np.empty(num.size, dtype=bool)
    starts[0] = True
    starts[1:] = (sorted_num[1:] != sorted_num[:-1]) | (sorted_den[1:] != sorted_den[:-1])
    first = np.flatnonzero(starts)
    pairs = np.stack([sorted_num[first], sorted_den[first]], axis=1)
    return pairs, np.diff(np.append(first, num.size))


def _resampled_sums(
    num: np.ndarray, den: np.ndarray, n_resamples: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Sums of numerators and denominators over `n_resamples` resamples of the clusters.

    Each resample draws len(num) clusters with replacement; blocks of resamples keep the
    index matrix within `_BLOCK_ELEMENTS` so 10k resamples of 20k clusters fit in memory.

    Conversations usually take few distinct (numerator, denominator) pairs (counts of turns
    and acts). Then a resample only needs how many clusters of each distinct pair it drew,
    which is Multinomial(n, share of each pair): the same distribution as drawing n indices,
    at a cost of n_resamples x distinct pairs instead of n_resamples x n (100,000
    conversations: milliseconds instead of minutes).
    """
    n = num.size
    pairs, counts = _distinct_pairs(num, den)
    if len(pairs) * 4 <= n:
        drawn = rng.multinomial(n, counts / n, size=n_resamples).astype(np.float64)
        sums_by_pair = drawn @ pairs
        return sums_by_pair[:, 0].copy(), sums_by_pair[:, 1].copy()
    # One gather instead of two: numerator and denominator ride as the real and imaginary
    # parts of one complex128 (two exact float64s), which cuts the memory traffic.
    paired = num + 1j * den
    sums = np.empty(n_resamples, dtype=np.complex128)
    rows_per_block = max(1, _BLOCK_ELEMENTS // n)
    for start in range(0, n_resamples, rows_per_block):
        stop = min(n_resamples, start + rows_per_block)
        idx = rng.integers(0, n, size=(stop - start, n), dtype=np.int32 if n < 2**31 else np.int64)
        sums[start:stop] = paired[idx].sum(axis=1)
    return sums.real.copy(), sums.imag.copy()


def _resampled_ratios(num: np.ndarray, den: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    num_sums, den_sums = _resampled_sums(num, den, n_resamples, rng)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den_sums > 0, num_sums / np.where(den_sums > 0, den_sums, 1.0), np.nan)


def _percentile_interval(estimate: float | None, draws: np.ndarray, confidence: float) -> Interval:
    """Percentile interval of the finite draws (resamples with an undefined statistic are dropped)."""
    _z(confidence)  # validates
    finite = draws[np.isfinite(draws)]
    if estimate is None or finite.size == 0:
        return Interval(estimate=estimate, low=None, high=None, confidence=confidence, method="cluster_bootstrap")
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return Interval(
        estimate=estimate, low=float(low), high=float(high), confidence=confidence, method="cluster_bootstrap"
    )


def bootstrap_ratio(
    numerators: ArrayLike,
    denominators: ArrayLike | None = None,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile-bootstrap CI of sum(numerators) / sum(denominators), resampling clusters.

    One entry per conversation, e.g. numerators = acts in its assistant turns, denominators
    = its assistant turns: the estimate is acts per assistant turn over all conversations,
    and the interval reflects that turns of one conversation move together. Without
    denominators each cluster counts 1 (a per-conversation mean). Deterministic for a seed;
    resamples whose denominator sums to 0 are dropped. No clusters -> all None.
    """
    num, den = _clusters(numerators, denominators)
    if num.size == 0:
        return _percentile_interval(None, np.empty(0), confidence)
    estimate = _ratio(float(num.sum()), float(den.sum()))
    draws = _resampled_ratios(num, den, n_resamples, np.random.default_rng(seed))
    return _percentile_interval(estimate, draws, confidence)


def _two_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    first, second = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(first), np.random.default_rng(second)


def bootstrap_ratio_difference(
    numerators_a: ArrayLike,
    denominators_a: ArrayLike | None,
    numerators_b: ArrayLike,
    denominators_b: ArrayLike | None,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """CI of ratio(A) - ratio(B) for two independent groups of clusters (model A - model B, tuned - base).

    Each group is resampled on its own (independent random streams from one seed), so the
    interval carries the sampling noise of both. For runs paired by scenario this is
    conservative. Either group empty -> all None.
    """
    num_a, den_a = _clusters(numerators_a, denominators_a)
    num_b, den_b = _clusters(numerators_b, denominators_b)
    if num_a.size == 0 or num_b.size == 0:
        return _percentile_interval(None, np.empty(0), confidence)
    ra, rb = _ratio(float(num_a.sum()), float(den_a.sum())), _ratio(float(num_b.sum()), float(den_b.sum()))
    estimate = None if ra is None or rb is None else ra - rb
    rng_a, rng_b = _two_streams(seed)
    draws = _resampled_ratios(num_a, den_a, n_resamples, rng_a) - _resampled_ratios(num_b, den_b, n_resamples, rng_b)
    return _percentile_interval(estimate, draws, confidence)


def bootstrap_gap(
    model_numerators: ArrayLike,
    model_denominators: ArrayLike | None,
    human_numerators: ArrayLike,
    human_denominators: ArrayLike | None,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """CI of the gap 1 - rate(model) / rate(human), resampling the conversations of each side.

    The Grounding Gaps headline ("77.5% less likely") is this gap. Undefined (None) when the
    human rate is 0; resamples whose human rate is 0 are dropped.
    """
    num_m, den_m = _clusters(model_numerators, model_denominators)
    num_h, den_h = _clusters(human_numerators, human_denominators)
    if num_m.size == 0 or num_h.size == 0:
        return _percentile_interval(None, np.empty(0), confidence)
    rm, rh = _ratio(float(num_m.sum()), float(den_m.sum())), _ratio(float(num_h.sum()), float(den_h.sum()))
    estimate = None if rm is None or not rh else 1.0 - rm / rh
    rng_m, rng_h = _two_streams(seed)
    model_draws = _resampled_ratios(num_m, den_m, n_resamples, rng_m)
    human_draws = _resampled_ratios(num_h, den_h, n_resamples, rng_h)
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = np.where(human_draws > 0, 1.0 - model_draws / np.where(human_draws > 0, human_draws, 1.0), np.nan)
    return _percentile_interval(estimate, draws, confidence)


def bootstrap_gap_to_reported_rate(
    model_numerators: ArrayLike,
    model_denominators: ArrayLike | None,
    human_rate: float,
    human_ci_low: float,
    human_ci_high: float,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """CI of 1 - rate(model) / rate(human) when the human side is known only as a rate and its 95% CI.

    A baseline imported as figures has no conversations to resample: the model side is
    bootstrapped over its conversations, the human side drawn from a normal whose 95% interval
    is the reported one (a point mass when the CI is missing). Undefined (None) when the human
    rate is missing or 0.
    """
    num, den = _clusters(model_numerators, model_denominators)
    model_rate = float(num.sum()) / float(den.sum()) if num.size and den.sum() > 0 else math.nan
    if not human_rate or math.isnan(human_rate) or human_rate <= 0 or math.isnan(model_rate):
        return _percentile_interval(None, np.empty(0), confidence)
    estimate = 1.0 - model_rate / human_rate
    model_rng, human_rng = _two_streams(seed)
    model_draws = _resampled_ratios(num, den, n_resamples, model_rng)
    sd = 0.0
    if not (math.isnan(human_ci_low) or math.isnan(human_ci_high)):
        sd = (human_ci_high - human_ci_low) / (2 * _z(0.95))
    human_draws = human_rate + sd * human_rng.standard_normal(n_resamples) if sd > 0 else np.full(n_resamples, human_rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        draws = np.where(human_draws > 0, 1.0 - model_draws / np.where(human_draws > 0, human_draws, 1.0), np.nan)
    interval = _percentile_interval(estimate, draws, confidence)
    return interval.model_copy(update={"method": "cluster_bootstrap+normal_human"})


# --- Stratified 2x2xK: Cochran-Mantel-Haenszel and permutation -----------------------------


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


# --- Benjamini-Hochberg --------------------------------------------------------------------


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


# --- Aptitude and unreliability (Laban et al.) ---------------------------------------------


class ReliabilitySummary(BaseModel):
    """Aptitude and unreliability over repeated runs of each scenario (Laban et al., Lost in Conversation)."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    n_scenarios: int
    """Scenarios with at least one scored run."""
    n_runs: int
    """Scored runs (conversations) over all scenarios."""
    min_repeats: int
    """Fewest runs any scenario has; with 1, that scenario's unreliability is 0 by construction."""
    average: Interval
    """Mean over scenarios of the per-scenario mean score (P in the paper)."""
    aptitude: Interval
    """Mean over scenarios of the per-scenario 90th percentile score (A^90)."""
    unreliability: Interval
    """Mean over scenarios of the per-scenario 90th minus 10th percentile score (U^90_10)."""


def reliability_summary(
    scenario_ids: Sequence[Hashable] | ArrayLike,
    scores: ArrayLike,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = 0,
) -> ReliabilitySummary:
    """Aptitude and unreliability as defined in Laban et al. (2025), Sec. "Metrics".

    For each scenario i with run scores S_i (here 1 = success, 0 = not, or any score in
    [0, 1]): A_i = percentile_90(S_i), U_i = percentile_90(S_i) - percentile_10(S_i),
    P_i = mean(S_i), with numpy's default linear interpolation (type 7, as R's default).
    The reported figures are the unweighted means over scenarios of A_i, U_i and P_i; their
    intervals are percentile bootstraps that resample scenarios. With binary scores,
    interpolation makes U_i fractional: 9 of 10 successes give A = 1, U = 1 - 0.9 = 0.1;
    5 of 10 give A = 1, U = 1; 10 of 10 give A = 1, U = 0.
    """
    ids = np.asarray(scenario_ids).ravel()
    values = np.asarray(scores, dtype=np.float64).ravel()
    if ids.size != values.size:
        raise ValueError(f"{ids.size} scenario ids but {values.size} scores")
    if ids.size == 0:
        empty = _percentile_interval(None, np.empty(0), confidence)
        return ReliabilitySummary(
            n_scenarios=0, n_runs=0, min_repeats=0, average=empty, aptitude=empty, unreliability=empty
        )
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    groups = np.split(values[order], np.cumsum(counts)[:-1])
    p90 = np.array([np.percentile(g, 90) for g in groups])
    p10 = np.array([np.percentile(g, 10) for g in groups])
    means = np.array([g.mean() for g in groups])
    seeds = np.random.SeedSequence(seed).spawn(3)

    def summarise(per_scenario: np.ndarray, stream: np.random.SeedSequence) -> Interval:
        return bootstrap_ratio(
            per_scenario, None, n_resamples=n_resamples, confidence=confidence, seed=int(stream.generate_state(1)[0])
        )

    return ReliabilitySummary(
        n_scenarios=len(groups),
        n_runs=int(values.size),
        min_repeats=int(counts.min()),
        average=summarise(means, seeds[0]),
        aptitude=summarise(p90, seeds[1]),
        unreliability=summarise(p90 - p10, seeds[2]),
    )
