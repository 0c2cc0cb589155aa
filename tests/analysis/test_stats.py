"""analysis.stats against textbook values and the properties the report relies on.

Published figures are written out with their source; where a closed form exists the test
also recomputes it by hand, so a wrong constant and a wrong formula fail differently.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import _agreement
from analysis import stats as _stats
from analysis.stats import (
    benjamini_hochberg,
    bootstrap_gap,
    bootstrap_ratio,
    bootstrap_ratio_difference,
    chi2_sf_1df,
    cmh_test,
    cohen_kappa,
    newcombe_difference,
    reliability_summary,
    stratified_permutation_test,
    tables_from_observations,
    wilson_bounds,
    wilson_interval,
)

Z95 = 1.959963984540054  # standard normal 97.5th percentile

# --- Wilson --------------------------------------------------------------------------------


def test_wilson_matches_the_closed_form_by_hand() -> None:
    k, n = 81, 263
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    interval = wilson_interval(k, n)
    assert interval.estimate == pytest.approx(p)
    assert interval.low == pytest.approx(centre - half, abs=1e-12)
    assert interval.high == pytest.approx(centre + half, abs=1e-12)


# Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison
# of seven methods", Statistics in Medicine 17:857-872, Table I, method 3 (score, no CC).
NEWCOMBE_1998_WILSON = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), NEWCOMBE_1998_WILSON)
def test_wilson_matches_newcombes_published_table(k: int, n: int, low: float, high: float) -> None:
    interval = wilson_interval(k, n)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


def test_wilson_with_no_trials_is_undefined_not_zero() -> None:
    interval = wilson_interval(0, 0)
    assert (interval.estimate, interval.low, interval.high) == (None, None, None)
    low, high = wilson_bounds([0, 3], [0, 10])
    assert np.isnan(low[0]) and np.isnan(high[0])
    assert low[1] == pytest.approx(wilson_interval(3, 10).low)
    assert high[1] == pytest.approx(wilson_interval(3, 10).high)


def test_wilson_rejects_impossible_counts_and_widens_with_confidence() -> None:
    with pytest.raises(ValueError):
        wilson_interval(5, 4)
    narrow, wide = wilson_interval(30, 100, 0.90), wilson_interval(30, 100, 0.99)
    assert wide.low < narrow.low < 0.30 < narrow.high < wide.high


# Newcombe RG (1998), "Interval estimation for the difference between independent
# proportions: comparison of eleven methods", Statistics in Medicine 17:873-890,
# Table II, method 10 (score-based hybrid), examples (a) and (b).
@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2", "low", "high"),
    [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)],
)
def test_newcombe_difference_matches_published_examples(
    k1: int, n1: int, k2: int, n2: int, low: float, high: float
) -> None:
    interval = newcombe_difference(k1, n1, k2, n2)
    assert interval.estimate == pytest.approx(k1 / n1 - k2 / n2)
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


# --- Cochran-Mantel-Haenszel ---------------------------------------------------------------

# R documentation of stats::mantelhaen.test, example "Penicillin and Rabbits" (Agresti 1990,
# pp. 231-237). R's array(c(0,0,6,5, 3,0,3,6, 6,2,0,4, 5,6,1,0, 2,5,0,0), dim = c(2,2,5))
# is column-major, rows Delay (None, 1.5h), columns Response (Cured, Died); here each
# stratum is written row by row: [[cured, died] immediate, [cured, died] delayed].
RABBITS = [
    [[0, 6], [0, 5]],
    [[3, 3], [0, 6]],
    [[6, 0], [2, 4]],
    [[5, 1], [6, 0]],
    [[2, 0], [5, 0]],
]


def test_cmh_matches_r_mantelhaen_test_on_the_rabbits_example() -> None:
    # R: Mantel-Haenszel chi-squared = 3.9286, df = 1, p-value = 0.04747;
    # common odds ratio 7, 95 percent confidence interval 1.027 47.73.
    result = cmh_test(RABBITS)
    assert result.statistic == pytest.approx(3.9286, abs=5e-5)
    assert result.p_value == pytest.approx(0.04747, abs=5e-6)
    assert result.common_odds_ratio == pytest.approx(7.0)
    assert result.odds_ratio_low == pytest.approx(1.027, abs=5e-4)
    assert result.odds_ratio_high == pytest.approx(47.73, abs=5e-3)
    assert result.strata_used == 5


def test_cmh_by_hand_on_the_rabbits_example() -> None:
    t = np.array(RABBITS, dtype=float)
    a, b, c, d = t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1]
    n = a + b + c + d
    delta = np.sum(a - (a + b) * (a + c) / n)
    variance = np.sum((a + b) * (c + d) * (a + c) * (b + d) / (n**2 * (n - 1)))
    uncorrected = cmh_test(RABBITS, correct=False)
    assert uncorrected.statistic == pytest.approx(delta**2 / variance)
    assert cmh_test(RABBITS).statistic == pytest.approx((abs(delta) - 0.5) ** 2 / variance)
    assert uncorrected.p_value == pytest.approx(chi2_sf_1df(delta**2 / variance))


def test_cmh_with_one_stratum_is_the_scaled_pearson_chi_square() -> None:
    # For K = 1 the uncorrected CMH statistic is (n - 1) / n times Pearson's X^2.
    a, b, c, d = 20, 10, 5, 30
    n = a + b + c + d
    pearson = n * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    assert cmh_test([[a, b], [c, d]], correct=False).statistic == pytest.approx((n - 1) / n * pearson)


def test_chi2_sf_1df_known_quantiles() -> None:
    assert chi2_sf_1df(3.841458820694124) == pytest.approx(0.05, abs=1e-12)
    assert chi2_sf_1df(6.634896601021214) == pytest.approx(0.01, abs=1e-12)
    assert chi2_sf_1df(0.0) == 1.0


def test_cmh_without_information_is_undefined() -> None:
    result = cmh_test([[[1, 0], [0, 0]], [[0, 3], [0, 2]]])  # one stratum of 1, one with no events
    assert result.statistic is None and result.p_value is None
    assert result.strata_used == 1


def test_tables_from_observations_layout() -> None:
    group = [True, True, False, False, True, False]
    event = [True, False, True, False, False, False]
    strata = ["r2", "r2", "r2", "r2", "r1", "r1"]
    tables = tables_from_observations(group, event, strata)
    assert tables.tolist() == [[[0, 1], [0, 1]], [[1, 1], [1, 1]]]


# --- Stratified permutation test -----------------------------------------------------------


def _exact_upper_tail(tables: list[list[list[int]]]) -> float:
    """P(sum of a_k >= observed) under independent hypergeometrics, by convolution (by hand)."""
    dist = {0: 1.0}
    for (a, b), (c, d) in tables:
        events, group, n = a + c, a + b, a + b + c + d
        pmf = {
            x: math.comb(events, x) * math.comb(n - events, group - x) / math.comb(n, group)
            for x in range(0, min(events, group) + 1)
        }
        merged: dict[int, float] = {}
        for s, ps in dist.items():
            for x, px in pmf.items():
                merged[s + x] = merged.get(s + x, 0.0) + ps * px
        dist = merged
    observed = sum(t[0][0] for t in tables)
    return sum(p for s, p in dist.items() if s >= observed)


def test_permutation_test_reproduces_the_exact_conditional_test() -> None:
    # R documentation: mantelhaen.test(Rabbits, exact = TRUE, alternative = "greater") => p = 0.020
    exact = _exact_upper_tail(RABBITS)
    assert exact == pytest.approx(0.020, abs=5e-4)
    result = stratified_permutation_test(RABBITS, n_permutations=200_000, alternative="greater", seed=1)
    assert result.p_value == pytest.approx(exact, abs=0.002)
    assert result.statistic == pytest.approx(
        16 - sum((a + b) * (a + c) / (a + b + c + d) for (a, b), (c, d) in RABBITS)
    )


def test_permutation_test_is_deterministic_for_a_seed() -> None:
    first = stratified_permutation_test(RABBITS, n_permutations=2000, seed=7)
    again = stratified_permutation_test(RABBITS, n_permutations=2000, seed=7)
    other = stratified_permutation_test(RABBITS, n_permutations=2000, seed=8)
    assert first.p_value == again.p_value
    assert first.p_value != other.p_value
    assert 0.0 < first.p_value < 0.1


def test_permutation_test_is_calibrated_under_the_null() -> None:
    rng = np.random.default_rng(123)
    replications = 400
    p_values = []
    for i in range(replications):
        strata = 8
        base = rng.uniform(0.1, 0.6, strata)  # strata differ; groups do not
        n1, n0 = rng.integers(30, 120, strata), rng.integers(30, 120, strata)
        a, c = rng.binomial(n1, base), rng.binomial(n0, base)
        tables = np.stack([np.stack([a, n1 - a], axis=1), np.stack([c, n0 - c], axis=1)], axis=1)
        p_values.append(stratified_permutation_test(tables, n_permutations=2000, seed=i).p_value)
    p = np.sort(np.array(p_values))
    ks = float(np.max(np.abs(p - np.arange(1, replications + 1) / replications)))
    assert ks < 0.09  # Kolmogorov-Smirnov distance to Uniform(0, 1); 5% critical value ~0.068
    assert 0.02 <= float(np.mean(p < 0.05)) <= 0.09


def test_permutation_test_detects_a_real_effect() -> None:
    rng = np.random.default_rng(5)
    group = np.repeat([True, False], 300)
    strata = np.tile(np.arange(10), 60)
    event = rng.random(600) < np.where(group, 0.5, 0.3)
    tables = tables_from_observations(group, event, strata)
    assert stratified_permutation_test(tables, n_permutations=5000).p_value < 0.001
    assert cmh_test(tables).p_value < 0.001
    assert stratified_permutation_test(tables, n_permutations=5000, alternative="less").p_value > 0.9


# --- Benjamini-Hochberg --------------------------------------------------------------------

# Benjamini Y, Hochberg Y (1995), "Controlling the false discovery rate", JRSS B 57:289-300,
# section 4.1: 15 p-values from a study of myocardial infarction treatments; at q* = 0.05
# the procedure rejects the four hypotheses with p <= 0.0095 (Bonferroni rejects three).
BH_1995 = [
    0.0001,
    0.0004,
    0.0019,
    0.0095,
    0.0201,
    0.0278,
    0.0298,
    0.0344,
    0.0459,
    0.3240,
    0.4262,
    0.5719,
    0.6528,
    0.7590,
    1.000,
]


def test_bh_rejects_the_four_hypotheses_of_the_1995_paper() -> None:
    result = benjamini_hochberg(BH_1995, alpha=0.05)
    assert result.reject == [True] * 4 + [False] * 11


def test_bh_q_values_by_hand() -> None:
    q = benjamini_hochberg(BH_1995).q_values
    m = 15
    # q_(i) = min over j >= i of m p_(j) / j
    assert q[0] == pytest.approx(m * 0.0001 / 1)
    assert q[3] == pytest.approx(m * 0.0095 / 4)
    assert q[4] == pytest.approx(m * 0.0201 / 5)
    assert q[5] == pytest.approx(m * 0.0298 / 7)  # the step-down minimum reaches past p_(6)
    assert q[6] == pytest.approx(m * 0.0298 / 7)
    assert q[-1] == pytest.approx(1.0)


def test_bh_keeps_input_order_and_skips_missing_values() -> None:
    result = benjamini_hochberg([0.04, None, 0.01, float("nan"), 0.03], alpha=0.05)
    assert result.q_values[1] is None and result.q_values[3] is None
    assert result.q_values[0] == pytest.approx(0.04)  # m = 3 present p-values
    assert result.q_values[2] == pytest.approx(0.03)
    assert result.q_values[4] == pytest.approx(0.04)
    assert result.reject == [True, False, True, False, True]


# --- Cluster bootstrap ---------------------------------------------------------------------


def _correlated_conversations(rng: np.random.Generator, n: int, mean: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Acts and turns per conversation; each conversation has its own act rate (strong clustering)."""
    turns = rng.integers(2, 12, n)
    rate = rng.beta(2 * mean, 2 * (1 - mean), n)
    return rng.binomial(turns, rate), turns


def test_bootstrap_contains_the_point_estimate_and_is_deterministic() -> None:
    acts, turns = _correlated_conversations(np.random.default_rng(0), 300)
    interval = bootstrap_ratio(acts, turns, n_resamples=2000, seed=3)
    assert interval.estimate == pytest.approx(acts.sum() / turns.sum())
    assert interval.low < interval.estimate < interval.high
    assert bootstrap_ratio(acts, turns, n_resamples=2000, seed=3) == interval
    assert bootstrap_ratio(acts, turns, n_resamples=2000, seed=4) != interval


def test_bootstrap_narrows_with_more_conversations() -> None:
    rng = np.random.default_rng(1)
    small = bootstrap_ratio(*_correlated_conversations(rng, 200), n_resamples=2000)
    large = bootstrap_ratio(*_correlated_conversations(rng, 3200), n_resamples=2000)
    ratio = (large.high - large.low) / (small.high - small.low)
    assert 0.15 < ratio < 0.4  # ~ sqrt(200 / 3200) = 0.25


def test_resampling_conversations_not_turns_keeps_coverage() -> None:
    """With correlated turns, a turn-level bootstrap under-covers; the cluster bootstrap does not."""
    rng = np.random.default_rng(7)
    replications, true_rate = 120, 0.3
    cluster_hits = turn_hits = 0
    width_ratio = []
    for r in range(replications):
        acts, turns = _correlated_conversations(rng, 150, true_rate)
        by_conversation = bootstrap_ratio(acts, turns, n_resamples=1000, seed=r)
        per_turn = np.concatenate([np.r_[np.ones(a), np.zeros(t - a)] for a, t in zip(acts, turns, strict=True)])
        by_turn = bootstrap_ratio(per_turn, None, n_resamples=1000, seed=r)
        cluster_hits += by_conversation.low <= true_rate <= by_conversation.high
        turn_hits += by_turn.low <= true_rate <= by_turn.high
        width_ratio.append((by_conversation.high - by_conversation.low) / (by_turn.high - by_turn.low))
    assert cluster_hits / replications >= 0.88
    assert turn_hits / replications <= 0.85
    assert float(np.mean(width_ratio)) > 1.4


def test_bootstrap_handles_large_inputs_in_blocks() -> None:
    acts, turns = _correlated_conversations(np.random.default_rng(2), 20_000)
    interval = bootstrap_ratio(acts, turns, n_resamples=500, seed=0)
    assert interval.low < interval.estimate < interval.high
    assert interval.high - interval.low < 0.02


@pytest.mark.parametrize("kind", ["counts", "fractions", "one", "with_nan"])
def test_distinct_pairs_are_what_np_unique_returns(kind: str) -> None:
    # The resampling draws from these pairs in this order: any difference would change every interval.
    rng = np.random.default_rng(5)
    num = rng.integers(0, 6, 5000).astype(float)
    den = rng.integers(1, 4, 5000).astype(float)
    if kind == "fractions":
        num, den = np.round(rng.normal(size=5000), 1), np.ones(5000)
    elif kind == "one":
        num, den = num[:1], den[:1]
    elif kind == "with_nan":
        num[::7] = np.nan
    pairs, counts = _stats._distinct_pairs(num, den)
    expected_pairs, expected_counts = np.unique(np.stack([num, den], axis=1), axis=0, return_counts=True)
    np.testing.assert_array_equal(pairs, expected_pairs)
    np.testing.assert_array_equal(counts, expected_counts)


def test_bootstrap_without_data_or_denominator_is_undefined() -> None:
    empty = bootstrap_ratio([], [])
    assert (empty.estimate, empty.low, empty.high) == (None, None, None)
    zero = bootstrap_ratio([0, 0], [0, 0], n_resamples=100)
    assert zero.estimate is None and zero.low is None
    with pytest.raises(ValueError):
        bootstrap_ratio([1, 2], [3])


def test_bootstrap_difference_between_independent_groups() -> None:
    rng = np.random.default_rng(11)
    acts_a, turns_a = _correlated_conversations(rng, 400, 0.45)
    acts_b, turns_b = _correlated_conversations(rng, 400, 0.15)
    diff = bootstrap_ratio_difference(acts_a, turns_a, acts_b, turns_b, n_resamples=2000)
    assert diff.estimate == pytest.approx(acts_a.sum() / turns_a.sum() - acts_b.sum() / turns_b.sum())
    assert 0 < diff.low < diff.estimate < diff.high
    same = bootstrap_ratio_difference(acts_a, turns_a, acts_a, turns_a, n_resamples=2000)
    assert same.estimate == 0 and same.low < 0 < same.high  # independent streams: not a zero-width interval
    a_only = bootstrap_ratio(acts_a, turns_a, n_resamples=2000)
    assert diff.high - diff.low > a_only.high - a_only.low  # both groups' noise


def test_bootstrap_gap_is_one_minus_model_over_human() -> None:
    rng = np.random.default_rng(12)
    model_acts, model_turns = _correlated_conversations(rng, 500, 0.1)
    human_acts, human_turns = _correlated_conversations(rng, 500, 0.4)
    gap = bootstrap_gap(model_acts, model_turns, human_acts, human_turns, n_resamples=2000)
    expected = 1 - (model_acts.sum() / model_turns.sum()) / (human_acts.sum() / human_turns.sum())
    assert gap.estimate == pytest.approx(expected)
    assert gap.low < gap.estimate < gap.high
    assert gap.low > 0.5 and gap.high < 0.9
    no_human_acts = bootstrap_gap(model_acts, model_turns, np.zeros(10), np.ones(10), n_resamples=100)
    assert no_human_acts.estimate is None and no_human_acts.low is None


# --- Aptitude / unreliability --------------------------------------------------------------


def test_reliability_follows_laban_et_al_percentiles() -> None:
    # Per scenario over its repeats: A = P90, U = P90 - P10 (numpy linear interpolation).
    ids = ["s1"] * 10 + ["s2"] * 10 + ["s3"] * 10
    scores = [1] * 9 + [0] + [1] * 5 + [0] * 5 + [1] * 10
    # s1: sorted [0, 1 x9]: P10 at position 0.9 -> 0.9, P90 -> 1: A = 1, U = 0.1
    # s2: [0 x5, 1 x5]: P10 -> 0, P90 -> 1: A = 1, U = 1
    # s3: all 1: A = 1, U = 0
    summary = reliability_summary(ids, scores, n_resamples=500)
    assert summary.n_scenarios == 3 and summary.n_runs == 30 and summary.min_repeats == 10
    assert summary.aptitude.estimate == pytest.approx(1.0)
    assert summary.unreliability.estimate == pytest.approx((0.1 + 1.0 + 0.0) / 3)
    assert summary.average.estimate == pytest.approx((0.9 + 0.5 + 1.0) / 3)
    assert summary.unreliability.low <= summary.unreliability.estimate <= summary.unreliability.high


def test_reliability_of_nothing_is_undefined() -> None:
    summary = reliability_summary([], [])
    assert summary.n_scenarios == 0 and summary.aptitude.estimate is None


# --- Kappa is shared, not duplicated -------------------------------------------------------


def test_cohen_kappa_is_the_agreement_modules_function() -> None:
    assert cohen_kappa is _agreement.cohen_kappa
    # Two raters, 10 items: p_o = 0.8, p_e = 0.5 -> kappa = 0.6
    assert cohen_kappa(list("aaaaabbbbb"), list("aaaabbbbba")) == pytest.approx(0.6)


def test_gap_to_a_reported_rate_bootstraps_the_model_and_draws_the_human_side_from_its_ci() -> None:
    num = [0, 1, 2, 0, 1, 3, 0, 1]
    den = [4, 4, 4, 4, 4, 4, 4, 4]
    point = _stats.bootstrap_gap_to_reported_rate(num, den, 0.5, math.nan, math.nan, n_resamples=2000, seed=3)
    assert point.estimate == pytest.approx(1 - (8 / 32) / 0.5)
    assert point.method == "cluster_bootstrap+normal_human"
    assert point.low < point.estimate < point.high
    wide = _stats.bootstrap_gap_to_reported_rate(num, den, 0.5, 0.3, 0.7, n_resamples=2000, seed=3)
    assert wide.estimate == point.estimate
    assert (wide.high - wide.low) > (point.high - point.low)
    again = _stats.bootstrap_gap_to_reported_rate(num, den, 0.5, 0.3, 0.7, n_resamples=2000, seed=3)
    assert (again.low, again.high) == (wide.low, wide.high)
    for undefined in (0.0, math.nan):
        missing = _stats.bootstrap_gap_to_reported_rate(num, den, undefined, 0.1, 0.2, n_resamples=100, seed=0)
        assert missing.estimate is None and missing.low is None
