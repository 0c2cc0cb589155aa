"""Human baselines and replay, read for the explorer (tables owned by analysis.baselines and analysis._replay)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis import metrics
from analysis._queries import Queryable
from analysis._replay import replay_summary
from analysis.baselines import list_baselines


def baseline_options(baselines: pd.DataFrame | None) -> list[str]:
    """`corpus:role` choices of the stored human baselines, helper roles first."""
    if baselines is None or baselines.empty:
        return []
    frame = baselines.assign(helper=baselines["is_helper"].fillna(False).astype(bool))
    frame = frame.sort_values(["helper", "corpus", "role"], ascending=[False, True, True])
    return list(dict.fromkeys(frame["corpus"].astype(str) + ":" + frame["role"].astype(str)))


def baseline_table(store: Queryable) -> pd.DataFrame | None:
    """The stored human baselines as the report reads them (None before the table exists)."""
    return metrics.load_baselines(store)


def baseline_rows(store: Queryable) -> list[dict[str, Any]]:
    """Stored baselines in `groundsim baselines list` order; empty when nothing was imported."""
    return list_baselines(store)


def replay_rows(store: Queryable, n_resamples: int = 2000) -> list[dict[str, Any]]:
    """Human vs model base rates and Cohen's kappa per corpus, model, labeller and act; empty without replays."""
    return replay_summary(store, n_resamples=n_resamples)
