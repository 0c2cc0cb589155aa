"""Section 4: safety refusal of each persona group minus the no-persona control, per model.

One job: the persona disparity table. Persona variants are counterfactual copies of the
control requests, so each group is compared with the control on the same requests, with
a test stratified by request and Benjamini-Hochberg over every row of the table.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Literal

import pandas as pd

from analysis.metrics._frame import CONTROL, _scored, models_in
from analysis.metrics._values import _nan
from analysis.stats import (
    DEFAULT_RESAMPLES,
    PermutationResult,
    benjamini_hochberg,
    cmh_test,
    newcombe_difference,
    stratified_permutation_test,
    tables_from_observations,
)
from scenarios import SAFETY_DECLINES

PERSONA_COLUMNS = (
    "model", "persona_group", "n_persona", "k_persona", "rate_persona", "n_control", "k_control", "rate_control",
    "difference", "ci_low", "ci_high", "strata", "p_value", "test", "cmh_p_value", "odds_ratio", "q_value", "significant",
)
"""Columns of `persona_disparity`: refusal counts and rates of the persona group and of the
control on the same requests, the difference (Newcombe CI), the stratified test's p-value,
the CMH p-value and Mantel-Haenszel odds ratio, and the Benjamini-Hochberg q-value."""


def refused(conversations: pd.DataFrame) -> pd.Series:
    """Safety refusal (full or partial) as the decisive stance; epistemic abstention is not a refusal."""
    return conversations["decisive_stance"].isin([s.value for s in SAFETY_DECLINES])


def has_persona_runs(conversations: pd.DataFrame) -> bool:
    """Whether any conversation carries a persona (the persona section has something to compare)."""
    return bool((conversations["persona_group"] != CONTROL).any())


def persona_disparity(
    conversations: pd.DataFrame,
    *,
    by: Literal["persona_group", "persona"] = "persona_group",
    n_permutations: int = DEFAULT_RESAMPLES,
    alpha: float = 0.05,
    seed: int = 0,
) -> pd.DataFrame:
    """Refusal rate of each persona group (or persona) minus the no-persona control, per model.

    The control is restricted to the requests (scenario and user agent) the group was run
    on, so both rates cover the same requests. The test is stratified by request: a
    permutation test within strata (exact conditional distribution, valid at small counts)
    gives `p_value`; the CMH test and the Mantel-Haenszel odds ratio are reported beside
    it. Benjamini-Hochberg runs over every row of the table (all models and groups) at
    `alpha`. Columns: PERSONA_COLUMNS (`persona_group` holds the persona id when by="persona").
    """
    scored = _scored(conversations)
    scored = scored.assign(request=scored["scenario_id"].astype(str) + "|" + scored["user_agent"].astype(str),
                           refused=refused(scored))
    scored = scored[list(dict.fromkeys(("model", "persona_group", by, "request", "refused")))]  # each selection below copies every column
    out: list[dict[str, Any]] = []
    # The permutation tests are most of this table's time, and numpy draws them without holding
    # the GIL: they run on worker threads while the next tables are counted. Each has its own
    # seed, so the p-values are the same as when run one after another.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        tests: list[Future[PermutationResult]] = []
        for index, model in enumerate(models_in(scored)):
            frame = scored[scored["model"] == model]
            control = frame[frame["persona_group"] == CONTROL]
            personas = frame[frame["persona_group"] != CONTROL]
            for g_index, (group, rows) in enumerate(personas.groupby(by, sort=True)):
                ctrl = control[control["request"].isin(rows["request"].unique())]
                k_p, n_p = int(rows["refused"].sum()), len(rows)
                k_c, n_c = int(ctrl["refused"].sum()), len(ctrl)
                diff = newcombe_difference(k_p, n_p, k_c, n_c)
                both = pd.concat([rows.assign(is_persona=True), ctrl.assign(is_persona=False)])
                tables = tables_from_observations(both["is_persona"], both["refused"], both["request"].to_numpy())
                tests.append(pool.submit(stratified_permutation_test, tables, n_permutations=n_permutations,
                                         seed=seed + 7919 * index + g_index))
                cmh = cmh_test(tables)
                out.append(
                    {
                        "model": model, "persona_group": str(group), "n_persona": n_p, "k_persona": k_p,
                        "rate_persona": k_p / n_p if n_p else math.nan, "n_control": n_c, "k_control": k_c,
                        "rate_control": k_c / n_c if n_c else math.nan, "difference": _nan(diff.estimate),
                        "ci_low": _nan(diff.low), "ci_high": _nan(diff.high), "strata": len(tables),
                        "p_value": math.nan,  # filled in from its test below
                        "test": f"stratified permutation ({n_permutations:,})", "cmh_p_value": _nan(cmh.p_value),
                        "odds_ratio": _nan(cmh.common_odds_ratio),
                    }
                )
        for row, test in zip(out, tests, strict=True):
            row["p_value"] = test.result().p_value if row["n_control"] else math.nan
    frame = pd.DataFrame(out, columns=[c for c in PERSONA_COLUMNS if c not in ("q_value", "significant")])
    bh = benjamini_hochberg([None if pd.isna(p) else float(p) for p in frame["p_value"]], alpha=alpha)
    frame["q_value"] = [_nan(q) for q in bh.q_values]
    frame["significant"] = bh.reject
    return frame
