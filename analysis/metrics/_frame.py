"""The conversation frame every metric starts from: one row per stored conversation.

One job: load (or build) that frame and select from it. Everything is computed from it
in memory, so the report and the explorer compute every figure the same way and tests
can build the frame from a fixture database or by hand. A conversation counts in a rate
only when it was *scored* (complete, with an outcome other than `error`; docs/design.md:
errors are kept, never counted in rates), and sections 1-3 use only the no-persona
control (`control_only`) so a persona run does not multiply the weight of its scenarios.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from analysis._queries import ColumnQueryable
from analysis.baselines import ANY_ACT
from scenarios import ASKING_ACTS, Act

CONTROL = "control"
"""persona_group (and persona) of the no-persona control conversations."""
ANY_GROUNDING = ANY_ACT
"""Pseudo-act `any`: the turn has at least one grounding act (the baselines' and the replay's `any`, so the gap compares like with like)."""
ACT_NAMES: tuple[str, ...] = (*(a.value for a in Act), ANY_GROUNDING)
"""Rows of the grounding table, in vocabulary order, then the aggregate."""


NOT_RATED = ("error", "ungraded")
"""Outcomes kept and counted but never in a rate: infrastructure errors, answers no judge graded."""

def _act_column(act: str) -> str:
    return f"n_{act}"


def load_conversations(
    store: ColumnQueryable, labeller: str, labeller_version: str, *, run_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per stored conversation, with its outcome and label counts under one labeller.

    Fetched column-wise (Arrow): a dict per row, and a datetime per timestamp, would cost
    seconds at 100,000 conversations.

    Columns:
    - conversation_id, run_id, model, scenario_id, scenario_kind, scenario_pack, scenario_subtype,
      user_agent, persona, persona_group, repeat, status, started_at, finished_at: as stored.
    - outcome, ternary, simpleqa_grade, check_passed: this labeller's outcome (NaN/None when
      it has not scored the conversation: run `annotate`).
    - assistant_turns: assistant turns this labeller labelled.
    - n_<act> for every act (clarification, ..., assumption_disclosure): assistant turns
      containing that act; n_any: turns with at least one grounding act.
    - decisive_stance: stance of the last assistant turn whose stance is not `other` (None if none).
    - first_answer_turn: turn_index of the first assistant turn with stance `answer` (NaN if none).
    - clarified_before_answer: some assistant turn before the first answer attempt (or any
      turn, if it never answered) has a clarification or understanding_check act or the
      clarify_only stance. A question inside the answering turn itself does not count:
      "proactive" means before committing to an answer.
    - scored: status is complete and the outcome is present and not `error` (what rates count).
    """
    return conversations_frame(store.query_arrow(*conversations_query(labeller, labeller_version, run_ids)).to_pandas())


def conversations_query(
    labeller: str, labeller_version: str, run_ids: Sequence[str] | None = None
) -> tuple[str, list[Any]]:
    """The SQL and parameters behind `load_conversations`."""
    act_counts = ",\n".join(
        f"count(*) FILTER (WHERE list_contains(lab.acts, '{a.value}')) AS {_act_column(a.value)}" for a in Act
    )
    asking = ", ".join(f"'{a.value}'" for a in sorted(ASKING_ACTS))
    where = ""
    params: list[Any] = [labeller, labeller_version, labeller, labeller_version]
    if run_ids:
        where = f"WHERE c.run_id IN ({', '.join('?' for _ in run_ids)})"
        params += list(run_ids)
    coalesced = ",\n".join(f"coalesce(p.{_act_column(a)}, 0) AS {_act_column(a)}" for a in ACT_NAMES)
    sql = f"""
        WITH lab AS (
            SELECT l.conversation_id, l.turn_index, l.acts, l.stance
            FROM turn_labels l
            JOIN turns t ON t.conversation_id = l.conversation_id AND t.turn_index = l.turn_index
            WHERE t.role = 'assistant' AND l.labeller = ? AND l.labeller_version = ?
        ),
        firsts AS (
            SELECT conversation_id, min(turn_index) FILTER (WHERE stance = 'answer') AS first_answer_turn
            FROM lab GROUP BY conversation_id
        ),
        per_conv AS (
            SELECT lab.conversation_id,
                   count(*) AS assistant_turns,
                   {act_counts},
                   count(*) FILTER (WHERE len(lab.acts) > 0) AS {_act_column(ANY_GROUNDING)},
                   arg_max(lab.stance, lab.turn_index) FILTER (WHERE lab.stance <> 'other') AS decisive_stance,
                   any_value(f.first_answer_turn) AS first_answer_turn,
                   coalesce(bool_or((list_has_any(lab.acts, [{asking}]) OR lab.stance = 'clarify_only')
                            AND (f.first_answer_turn IS NULL OR lab.turn_index < f.first_answer_turn)), false)
                       AS clarified_before_answer
            FROM lab JOIN firsts f USING (conversation_id)
            GROUP BY lab.conversation_id
        )
        SELECT c.conversation_id, c.run_id, c.model, c.scenario_id, c.scenario_kind,
               s.pack AS scenario_pack, s.subtype AS scenario_subtype,
               c.user_agent, c.persona, c.persona_group, c.repeat, c.status, c.started_at, c.finished_at,
               o.outcome, o.ternary, o.simpleqa_grade, o.check_passed,
               coalesce(p.assistant_turns, 0) AS assistant_turns,
               {coalesced},
               p.decisive_stance, p.first_answer_turn,
               coalesce(p.clarified_before_answer, false) AS clarified_before_answer
        FROM conversations c
        LEFT JOIN scenarios s ON s.run_id = c.run_id AND s.scenario_id = c.scenario_id
        LEFT JOIN outcomes o ON o.conversation_id = c.conversation_id AND o.labeller = ? AND o.labeller_version = ?
        LEFT JOIN per_conv p ON p.conversation_id = c.conversation_id
        {where}
        ORDER BY c.model, c.scenario_id, c.conversation_id
        """
    return sql, params


CONVERSATION_COLUMNS = (
    "conversation_id", "run_id", "model", "scenario_id", "scenario_kind", "scenario_pack", "scenario_subtype",
    "user_agent", "persona", "persona_group", "repeat", "status", "started_at", "finished_at",
    "outcome", "ternary", "simpleqa_grade", "check_passed", "assistant_turns",
    *(_act_column(a) for a in ACT_NAMES), "decisive_stance", "first_answer_turn", "clarified_before_answer",
)
"""The columns of `load_conversations` (before the derived `scored`)."""


_TEXT_COLUMNS = (
    "conversation_id", "run_id", "model", "scenario_id", "scenario_kind", "scenario_pack", "scenario_subtype",
    "user_agent", "persona", "persona_group", "status", "outcome", "simpleqa_grade", "decisive_stance",
)
_INTEGER_COLUMNS = ("repeat", "ternary", "first_answer_turn")
"""Stored as INTEGER (possibly NULL); Arrow hands them over as int32, Python rows as int."""


def conversations_frame(rows: Sequence[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """The conversation frame, with `scored` derived, from row dicts (a test's) or the query's columns.

    Both inputs end in the same dtypes, so every figure is the same whichever way the rows
    came: an INTEGER column is int64, or float64 with NaN when a value is missing (what
    pandas makes of Python ints and None); a text column with no value at all holds None
    (object), as built from dicts, where Arrow would give a typed column of NaN.
    """
    if isinstance(rows, pd.DataFrame):
        frame = rows.reindex(columns=list(CONVERSATION_COLUMNS))
    else:
        frame = pd.DataFrame(list(rows), columns=list(CONVERSATION_COLUMNS))
    for column in _TEXT_COLUMNS:
        if frame[column].isna().all():
            frame[column] = pd.Series(None, index=frame.index, dtype=object)
    for column in _INTEGER_COLUMNS:
        values = pd.to_numeric(frame[column])
        frame[column] = values.astype("int64") if pd.api.types.is_integer_dtype(values) else values.astype(float)
    for column in ("assistant_turns", *(_act_column(a) for a in ACT_NAMES)):
        frame[column] = pd.to_numeric(frame[column]).fillna(0).astype(int)
    frame["clarified_before_answer"] = frame["clarified_before_answer"].eq(True)  # missing (no labels) = did not clarify
    frame["scored"] = (frame["status"] == "complete") & frame["outcome"].notna() & ~frame["outcome"].isin(NOT_RATED)
    return frame


def control_only(conversations: pd.DataFrame) -> pd.DataFrame:
    """The no-persona control conversations (what sections 1-3 and the alignment tax use)."""
    return conversations[conversations["persona_group"] == CONTROL]


def models_in(conversations: pd.DataFrame) -> list[str]:
    """Model ids in sorted order (the order of every table and chart)."""
    return sorted(conversations["model"].dropna().astype(str).unique())


def _scored(conversations: pd.DataFrame) -> pd.DataFrame:
    return conversations[conversations["scored"]]
