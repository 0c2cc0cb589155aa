"""Which stored human baseline rows a report sets beside the models, read from the store by SQL.

One job: read and choose the human side (tables owned by analysis.baselines). The
choice (corpus, role, source) is explicit and explained in notes, because a gap only
means something when model and human are measured by one instrument; the per-conversation
counts behind the chosen rows are returned only when they reproduce the stored rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis._queries import Queryable, has_table
from analysis.metrics._frame import ACT_NAMES, ANY_GROUNDING
from analysis.metrics._values import _float

BASELINE_COLUMNS = (
    "corpus", "split", "role", "is_helper", "act", "source", "rate", "ci_low", "ci_high", "n_with_act", "n_turns",
    "n_conversations", "labeller_version",
)
"""Columns of the `baselines` table this module reads (others are ignored)."""
TAGS_SOURCE = "tags"
"""`source` of baseline rows mapped from a corpus's own tags (other rows name the labeller)."""


def load_baselines(store: Queryable) -> pd.DataFrame | None:
    """Every stored human baseline row (BASELINE_COLUMNS), or None when the table does not exist yet.

    An empty frame means the table exists but no corpus was imported (`groundsim baselines import`).
    """
    if not has_table(store, "baselines"):
        return None
    frame = pd.DataFrame(store.query("SELECT * FROM baselines ORDER BY corpus, role, act, source"))
    for column in BASELINE_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame


@dataclass(frozen=True)
class BaselineChoice:
    """Which human baseline rows a report sets beside the models, and why."""

    rows: pd.DataFrame
    """One row per act: act, rate, ci_low, ci_high, n_turns, n_conversations (empty when nothing matched)."""
    corpus: str | None
    """Corpus name."""
    role: str | None
    """The role whose turns were counted (the helper role unless asked otherwise)."""
    split: str | None
    """Splits the rates cover (e.g. `dev+train`)."""
    source: str | None
    """`tags` or the labeller's name."""
    labeller_version: str | None
    """The labeller's (or tag mapping's) version of those rows."""
    notes: tuple[str, ...]
    """Plain sentences about the choice (defaults taken, mismatched labeller versions, nothing found)."""

    @property
    def found(self) -> bool:
        return not self.rows.empty


def select_baseline(
    baselines: pd.DataFrame | None,
    *,
    corpus: str | None,
    labeller: str,
    labeller_version: str,
    source: Literal["labeller", "tags"] = "labeller",
) -> BaselineChoice:
    """Pick the human rows to set beside the models: one corpus, role and source.

    `corpus` is `CORPUS` or `CORPUS:ROLE`; without a role the corpus's helper role (the
    importer's `is_helper`) is used. Without a corpus the one with the most helper turns is
    chosen. `source="labeller"` (the default) takes the rows our labeller produced on the
    human text, so model and human are measured by one instrument; `tags` takes the rows
    mapped from the corpus's own tags.
    """
    empty = pd.DataFrame(columns=["act", "rate", "ci_low", "ci_high", "n_turns", "n_conversations"])
    wanted_source = TAGS_SOURCE if source == "tags" else labeller

    def nothing(note: str, corpus_name: str | None = None, role: str | None = None) -> BaselineChoice:
        return BaselineChoice(empty, corpus_name, role, None, wanted_source, None, (note,))

    if baselines is None:
        return nothing("the database has no baselines table yet (it predates `groundsim baselines import`)")
    frame = baselines[baselines["source"].astype(str) == wanted_source]
    if frame.empty:
        return nothing(f"no human baselines with source {wanted_source} are stored")
    notes: list[str] = []
    wanted_corpus, _, wanted_role = (corpus or "").partition(":")
    if not wanted_corpus:
        helpers = frame[frame["is_helper"].fillna(False).astype(bool)]
        totals = (helpers if not helpers.empty else frame).groupby("corpus")["n_turns"].max()
        wanted_corpus = str(totals.sort_values(ascending=False, kind="stable").index[0])
        notes.append(f"no --baseline given: using {wanted_corpus}, the stored corpus with the most helper turns")
    frame = frame[frame["corpus"].astype(str) == wanted_corpus]
    if frame.empty:
        return nothing(f"no human baselines with source {wanted_source} for corpus {wanted_corpus}", wanted_corpus)
    if wanted_role:
        frame = frame[frame["role"].astype(str) == wanted_role]
    else:
        helpers = frame[frame["is_helper"].fillna(False).astype(bool)]
        frame = helpers if not helpers.empty else frame
        roles = sorted(frame["role"].astype(str).unique())
        wanted_role = roles[0]
        if len(roles) > 1:
            notes.append(f"{wanted_corpus} has several helper roles ({', '.join(roles)}): using {wanted_role}")
        frame = frame[frame["role"].astype(str) == wanted_role]
    if frame.empty:
        return nothing(f"no human baselines for role {wanted_role} of {wanted_corpus}", wanted_corpus, wanted_role)
    version = str(frame["labeller_version"].iloc[0])
    if source == "labeller" and version != labeller_version:
        notes.append(
            f"the human turns were labelled by {labeller}@{version} but the models by {labeller}@{labeller_version}: "
            "re-import the corpus so one instrument measures both"
        )
    rows = frame[["act", "rate", "ci_low", "ci_high", "n_turns", "n_conversations"]].reset_index(drop=True)
    return BaselineChoice(rows, wanted_corpus, wanted_role, str(frame["split"].iloc[0]), wanted_source, version, tuple(notes))


HumanClusters = dict[str, tuple[np.ndarray, np.ndarray]]
"""act -> (turns with the act, turns) per human conversation: the clusters of the gap's bootstrap."""


def human_clusters(store: Queryable, choice: BaselineChoice, acts: Sequence[str] = ACT_NAMES) -> HumanClusters:
    """Per-conversation counts behind a chosen baseline, read from the stored human turns.

    Counts readable turns of the chosen role, with our labeller's labels (or the mapped tag
    acts for source `tags`), as the importer does. An act is returned only when its counts
    reproduce the stored rate (to 1e-9), so the gap is never computed from data other than
    the baseline shown; otherwise the caller falls back to the stored summary.
    """
    if not choice.found or not has_table(store, "human_turns"):
        return {}
    if choice.source == TAGS_SOURCE:
        rows = store.query(
            "SELECT conversation_id, tag_acts AS acts FROM human_turns "
            "WHERE corpus = ? AND role = ? AND readable AND tag_acts IS NOT NULL",
            [choice.corpus, choice.role],
        )
    else:
        if not has_table(store, "human_turn_labels"):
            return {}
        rows = store.query(
            "SELECT h.conversation_id, l.acts FROM human_turns h JOIN human_turn_labels l "
            "ON l.corpus = h.corpus AND l.conversation_id = h.conversation_id AND l.turn = h.turn "
            "WHERE h.corpus = ? AND h.role = ? AND h.readable AND l.labeller = ? AND l.labeller_version = ?",
            [choice.corpus, choice.role, choice.source, choice.labeller_version],
        )
    if not rows:
        return {}
    frame = pd.DataFrame(rows)
    stored = {str(r["act"]): _float(r["rate"]) for r in choice.rows.to_dict("records")}
    out: HumanClusters = {}
    for act in acts:
        if act not in stored:
            continue
        has = frame["acts"].map(lambda a, act=act: bool(len(a)) if act == ANY_GROUNDING else act in list(a))
        grouped = has.groupby(frame["conversation_id"]).agg(["sum", "size"])
        num, den = grouped["sum"].to_numpy(float), grouped["size"].to_numpy(float)
        if den.sum() > 0 and abs(num.sum() / den.sum() - stored[act]) <= 1e-9:
            out[act] = (num, den)
    return out
