"""Drawing resamples of clusters (conversations): the engine under every bootstrap.

One job: turn per-cluster numerators and denominators into the sums of many resamples,
fast and within bounded memory. It is apart from the intervals it feeds (`_bootstrap`)
because its tricks (multinomial draws over distinct pairs, complex-number gathers, blocks
of `_BLOCK_ELEMENTS`) are about speed only and must not change any draw for a seed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

DEFAULT_RESAMPLES = 10_000
"""Bootstrap resamples / permutations unless a caller asks otherwise."""

_BLOCK_ELEMENTS = 1 << 22
"""Resampled indices drawn at once (16 MB of int32 plus 64 MB gathered): bounds memory for 10k x 20k clusters."""


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


def _two_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    first, second = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(first), np.random.default_rng(second)
