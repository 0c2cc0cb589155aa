"""Percentile-bootstrap intervals of per-turn rates, their differences and the gap to a human rate.

One job: intervals for ratios of sums whose turns are correlated within a conversation.
Turns of one conversation move together, so these resample whole conversations
(clusters), never single turns: resampling turns treats them as independent and gives
intervals that are too narrow. The resampling itself is in `_resample`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from analysis.stats._intervals import Interval, _z
from analysis.stats._resample import DEFAULT_RESAMPLES, _clusters, _ratio, _resampled_ratios, _two_streams


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
