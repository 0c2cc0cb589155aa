"""Aptitude and unreliability over repeated runs of each scenario (Laban et al., Lost in Conversation).

One job: summarise how a model's score spreads over repeats of the same scenario. It
follows the paper's definitions (90th percentile, 90th minus 10th) so the figures are
comparable with it, with bootstrap intervals that resample scenarios.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict

from analysis.stats._bootstrap import _percentile_interval, bootstrap_ratio
from analysis.stats._intervals import Interval
from analysis.stats._resample import DEFAULT_RESAMPLES


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
