"""Label stored assistant turns and score stored conversations, incrementally.

Only what this labeller (name and version) has not done yet is computed, so rerunning
does nothing new, and a new labeller version relabels without touching the old labels.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from analysis._outcomes import score_conversation
from analysis._queries import WritableStore
from analysis.labellers import JudgeError, Labeller
from scenarios import Scenario, ScoredOutcome, TurnLabel
from simulator.store import LABEL_SCHEMA


@dataclass
class AnnotateSummary:
    labelled_turns: int
    scored_conversations: int
    labeller: str
    label_errors: int = 0


def outcome_row(scenario: Scenario, status: str, assistant: list[tuple[str, TurnLabel]]) -> ScoredOutcome:
    """The outcome of one conversation (the `OutcomeScorer` live scoring and `annotate` share)."""
    return score_conversation(scenario, assistant, stop_reason="error" if status == "error" else "user_done").scored()


def annotate(store: WritableStore, labeller: Labeller, *, batch_size: int = 5000, on_progress: Callable[[int, int], None] | None = None) -> AnnotateSummary:
    """Label every unlabelled assistant turn, then score every unscored conversation."""
    name, version = labeller.name, labeller.version
    todo = store.query(
        """
        SELECT t.conversation_id, t.turn_index, t.content, p.content AS previous
        FROM turns t
        LEFT JOIN turns p ON p.conversation_id = t.conversation_id AND p.turn_index = t.turn_index - 1
        WHERE t.role = 'assistant' AND NOT EXISTS (
            SELECT 1 FROM turn_labels l WHERE l.conversation_id = t.conversation_id AND l.turn_index = t.turn_index
              AND l.labeller = ? AND l.labeller_version = ?)
        ORDER BY t.conversation_id, t.turn_index
        """,
        [name, version],
    )
    labelled = 0
    errors: list[dict[str, Any]] = []
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        now = datetime.now(UTC)
        labels: list[TurnLabel | None] = []
        for row in chunk:
            try:
                labels.append(labeller.label(row["content"], row["previous"]))
            except JudgeError as exc:
                # Kept as an error (the turn stays unlabelled and is retried next time).
                labels.append(None)
                errors.append({"conversation_id": row["conversation_id"], "turn_index": row["turn_index"], "labeller": name,
                               "labeller_version": version, "error": exc.reason, "raw": exc.raw, "created_at": now})
        table = pa.Table.from_pylist(
            [
                {
                    "conversation_id": row["conversation_id"],
                    "turn_index": row["turn_index"],
                    "labeller": name,
                    "labeller_version": version,
                    "acts": [a.value for a in label.acts],
                    "stance": label.stance.value,
                    "asks_question": label.asks_question,
                    "labelled_at": now,
                }
                for row, label in zip(chunk, labels, strict=True)
                if label is not None
            ],
            schema=LABEL_SCHEMA,
        )
        labelled += store.add_labels(table)
        if on_progress:
            on_progress(min(start + batch_size, len(todo)), len(todo))

    rows = store.query(
        """
        SELECT c.conversation_id, c.status, s.scenario_json, t.content, l.acts, l.stance, l.asks_question
        FROM conversations c
        JOIN scenarios s ON s.run_id = c.run_id AND s.scenario_id = c.scenario_id
        LEFT JOIN turns t ON t.conversation_id = c.conversation_id AND t.role = 'assistant'
        LEFT JOIN turn_labels l ON l.conversation_id = t.conversation_id AND l.turn_index = t.turn_index
             AND l.labeller = ? AND l.labeller_version = ?
        WHERE NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.conversation_id = c.conversation_id
                          AND o.labeller = ? AND o.labeller_version = ?)
          -- a conversation with an unlabelled turn (e.g. a judge error) waits for its label
          AND NOT EXISTS (SELECT 1 FROM turns u WHERE u.conversation_id = c.conversation_id AND u.role = 'assistant'
                          AND NOT EXISTS (SELECT 1 FROM turn_labels ul WHERE ul.conversation_id = u.conversation_id
                                          AND ul.turn_index = u.turn_index AND ul.labeller = ? AND ul.labeller_version = ?))
        ORDER BY c.conversation_id, t.turn_index
        """,
        [name, version, name, version, name, version],
    )
    scenarios: dict[str, Scenario] = {}
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        conv = grouped.setdefault(row["conversation_id"], {"status": row["status"], "scenario_json": row["scenario_json"], "turns": []})
        if row["content"] is not None and row["stance"] is not None:
            conv["turns"].append((row["content"], TurnLabel(acts=tuple(row["acts"]), stance=row["stance"], asks_question=row["asks_question"])))
    now = datetime.now(UTC)
    outcome_rows = []
    for conversation_id, conv in grouped.items():
        key = conv["scenario_json"]
        if key not in scenarios:
            scenarios[key] = Scenario.model_validate(json.loads(key))
        outcome_rows.append(
            {
                "conversation_id": conversation_id,
                "labeller": name,
                "labeller_version": version,
                **outcome_row(scenarios[key], conv["status"], conv["turns"]).model_dump(),
                "scored_at": now,
            }
        )
    if errors:
        store.add_label_errors(pa.Table.from_pylist(errors))
    scored = store.add_outcomes(pa.Table.from_pylist(outcome_rows)) if outcome_rows else 0
    return AnnotateSummary(labelled_turns=labelled, scored_conversations=scored, labeller=f"{name}@{version}", label_errors=len(errors))
