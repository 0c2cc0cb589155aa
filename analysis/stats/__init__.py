"""The statistics every report figure rests on, in one package, in numpy and closed forms.

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

This module only re-exports; the work is in private modules, one job each:
`_intervals` (the Interval record, Wilson and Newcombe), `_resample` (drawing resamples of
clusters), `_bootstrap` (percentile-bootstrap intervals), `_stratified` (2x2xK tables, CMH
and the permutation test), `_fdr` (Benjamini-Hochberg) and `_reliability` (aptitude and
unreliability). Import from `analysis.stats`, never from those modules.
"""

from __future__ import annotations

from analysis._agreement import cohen_kappa
from analysis.stats._bootstrap import _percentile_interval as _percentile_interval
from analysis.stats._bootstrap import bootstrap_gap, bootstrap_ratio, bootstrap_ratio_difference
from analysis.stats._bootstrap import bootstrap_gap_to_reported_rate as bootstrap_gap_to_reported_rate
from analysis.stats._fdr import BHResult, benjamini_hochberg
from analysis.stats._intervals import Interval, newcombe_difference, wilson_bounds, wilson_interval
from analysis.stats._intervals import _z as _z
from analysis.stats._reliability import ReliabilitySummary, reliability_summary
from analysis.stats._resample import _BLOCK_ELEMENTS as _BLOCK_ELEMENTS
from analysis.stats._resample import DEFAULT_RESAMPLES as DEFAULT_RESAMPLES
from analysis.stats._resample import _clusters as _clusters
from analysis.stats._resample import _distinct_pairs as _distinct_pairs
from analysis.stats._resample import _ratio as _ratio
from analysis.stats._resample import _resampled_ratios as _resampled_ratios
from analysis.stats._resample import _resampled_sums as _resampled_sums
from analysis.stats._resample import _two_streams as _two_streams
from analysis.stats._stratified import (
    CMHResult,
    PermutationResult,
    chi2_sf_1df,
    cmh_test,
    stratified_permutation_test,
    tables_from_observations,
)
from analysis.stats._stratified import _as_tables as _as_tables
from analysis.stats._stratified import _mantel_haenszel_odds_ratio as _mantel_haenszel_odds_ratio

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
