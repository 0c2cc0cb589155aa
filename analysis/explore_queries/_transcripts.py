"""Transcripts: the filter, its options, the paged list and one conversation with its labels."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from analysis._queries import Queryable
from analysis.explore_queries._labels import ACTS, NOT_SCORED, OUTCOMES, STANCES, split_labeller


class TranscriptFilter(BaseModel):
    """What the Transcripts page lists: every non-empty field narrows the list (values OR-ed within a field)."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    labeller: str = "rules@1"
    """`name@version` whose outcomes and turn labels the outcome/act/stance filters use."""
    runs: tuple[str, ...] = ()
    """Run ids."""
    models: tuple[str, ...] = ()
    """Assistant model ids."""
    kinds: tuple[str, ...] = ()
    """Scenario kinds."""
    domains: tuple[str, ...] = ()
    """Scenario domains."""
    outcomes: tuple[str, ...] = ()
    """Outcomes under the labeller; `NOT_SCORED` matches conversations it has not scored."""
    personas: tuple[str, ...] = ()
    """Persona ids (`control` is the no-persona control)."""
    acts: tuple[str, ...] = ()
    """Some assistant turn has one of these acts (under the labeller)."""
    stances: tuple[str, ...] = ()
    """Some assistant turn has one of these stances (under the labeller)."""

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause over `conversations c` joined to `outcomes o`, and its parameters."""
        name, version = split_labeller(self.labeller)
        clauses: list[str] = []
        params: list[Any] = []
        for column, values in (
            ("c.run_id", self.runs),
            ("c.model", self.models),
            ("c.scenario_kind", self.kinds),
            ("c.scenario_domain", self.domains),
            ("c.persona", self.personas),
        ):
            if values:
                clauses.append(f"list_contains(?::VARCHAR[], {column})")
                params.append(list(values))
        if self.outcomes:
            scored = [o for o in self.outcomes if o != NOT_SCORED]
            parts = []
            if scored:
                parts.append("list_contains(?::VARCHAR[], o.outcome)")
                params.append(scored)
            if NOT_SCORED in self.outcomes:
                parts.append("o.outcome IS NULL")
            clauses.append("(" + " OR ".join(parts) + ")")
        if self.acts:
            clauses.append(
                "EXISTS (SELECT 1 FROM turn_labels l WHERE l.conversation_id = c.conversation_id "
                "AND l.labeller = ? AND l.labeller_version = ? AND list_has_any(l.acts, ?::VARCHAR[]))"
            )
            params += [name, version, list(self.acts)]
        if self.stances:
            clauses.append(
                "EXISTS (SELECT 1 FROM turn_labels l WHERE l.conversation_id = c.conversation_id "
                "AND l.labeller = ? AND l.labeller_version = ? AND list_contains(?::VARCHAR[], l.stance))"
            )
            params += [name, version, list(self.stances)]
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def filter_options(store: Queryable) -> dict[str, list[str]]:
    """Distinct runs, models, kinds, domains and personas, in one scan of conversations."""
    row = store.query(
        """
        SELECT list(DISTINCT run_id ORDER BY run_id) AS runs,
               list(DISTINCT model ORDER BY model) AS models,
               list(DISTINCT scenario_kind ORDER BY scenario_kind) AS kinds,
               list(DISTINCT scenario_domain ORDER BY scenario_domain) AS domains,
               list(DISTINCT persona ORDER BY persona) AS personas
        FROM conversations
        """
    )[0]
    options = {key: list(value or []) for key, value in row.items()}
    # Runs without conversations yet still deserve a place in the run filter.
    known = set(options["runs"])
    options["runs"] += [
        r["run_id"] for r in store.query("SELECT run_id FROM runs ORDER BY run_id") if r["run_id"] not in known
    ]
    options["outcomes"] = [*OUTCOMES, NOT_SCORED]
    options["acts"] = list(ACTS)
    options["stances"] = list(STANCES)
    return options


# -- the list --------------------------------------------------------------------------------

_FROM = """
FROM conversations c LEFT JOIN outcomes o
  ON o.conversation_id = c.conversation_id AND o.labeller = ? AND o.labeller_version = ?
"""


def count_transcripts(store: Queryable, flt: TranscriptFilter) -> int:
    """How many conversations the filter matches."""
    where, params = flt.where()
    return int(store.query(f"SELECT count(*) AS n {_FROM} {where}", [*split_labeller(flt.labeller), *params])[0]["n"])


def list_transcripts(
    store: Queryable, flt: TranscriptFilter, *, limit: int = 25, offset: int = 0
) -> list[dict[str, Any]]:
    """One page of matching conversations, newest first (ties by id, so pages are stable)."""
    where, params = flt.where()
    return store.query(
        f"""
        SELECT c.conversation_id, c.model, c.scenario_id, c.scenario_kind AS kind, c.scenario_domain AS domain,
               c.persona, c.user_agent, c.n_turns, c.status, coalesce(o.outcome, '{NOT_SCORED}') AS outcome,
               c.run_id, c.finished_at
        {_FROM} {where}
        ORDER BY c.finished_at DESC, c.conversation_id LIMIT ? OFFSET ?
        """,
        [*split_labeller(flt.labeller), *params, limit, offset],
    )


class Transcript(BaseModel):
    """A conversation as the Transcripts page shows it."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    conversation: dict[str, Any]
    """The conversations row."""
    turns: list[dict[str, Any]]
    """Turns in order, assistant turns with `acts` and `stance` (None when unlabelled)."""
    labels_from: str | None
    """`name@version` the turn labels come from (the chosen labeller, else the live one), None if no labels."""
    outcome: dict[str, Any] | None
    """The outcomes row under the chosen labeller (else the live one), or None if not scored."""
    scenario: dict[str, Any]
    """The scenario snapshot of the run (empty if missing)."""
    facts: list[dict[str, Any]]
    """The scenario's facts, each with `revealed_at` (first user turn index that revealed it, or None)."""


def get_transcript(store: Queryable, conversation_id: str, labeller: str) -> Transcript | None:
    """One conversation with labels, outcome, scenario and which facts were revealed when."""
    rows = store.query("SELECT * FROM conversations WHERE conversation_id = ?", [conversation_id])
    if not rows:
        return None
    conv = rows[0]
    labels_from = _pick_labeller(store, "turn_labels", conversation_id, labeller, conv["live_labeller"])
    name, version = split_labeller(labels_from or labeller)
    turns = store.query(
        """
        SELECT t.turn_index, t.role, t.content, t.latency_ms, t.prompt_tokens, t.completion_tokens, t.cost_usd,
               t.revealed_facts, l.acts, l.stance
        FROM turns t LEFT JOIN turn_labels l
          ON l.conversation_id = t.conversation_id AND l.turn_index = t.turn_index
         AND l.labeller = ? AND l.labeller_version = ?
        WHERE t.conversation_id = ? ORDER BY t.turn_index
        """,
        [name, version, conversation_id],
    )
    outcome_from = _pick_labeller(store, "outcomes", conversation_id, labeller, conv["live_labeller"])
    outcome = None
    if outcome_from is not None:
        o_name, o_version = split_labeller(outcome_from)
        found = store.query(
            "SELECT * FROM outcomes WHERE conversation_id = ? AND labeller = ? AND labeller_version = ?",
            [conversation_id, o_name, o_version],
        )
        outcome = found[0] if found else None
    snap = store.query(
        "SELECT scenario_json FROM scenarios WHERE run_id = ? AND scenario_id = ?",
        [conv["run_id"], conv["scenario_id"]],
    )
    try:
        scenario = json.loads(snap[0]["scenario_json"]) if snap else {}
    except ValueError:
        scenario = {}
    revealed: dict[str, int] = {}
    for turn in turns:
        for fact_id in turn["revealed_facts"] or []:
            revealed.setdefault(fact_id, turn["turn_index"])
    facts = [
        {
            "id": f.get("id", ""),
            "text": f.get("text", ""),
            "optional": bool(f.get("optional", False)),
            "revealed_at": revealed.get(f.get("id", "")),
        }
        for f in scenario.get("facts", []) or []
        if isinstance(f, dict)
    ]
    return Transcript(
        conversation=conv, turns=turns, labels_from=labels_from, outcome=outcome, scenario=scenario, facts=facts
    )


def _pick_labeller(store: Queryable, table: str, conversation_id: str, wanted: str, live: str) -> str | None:
    """The wanted labeller if it covered this conversation, else the live one, else any."""
    rows = store.query(
        f"SELECT DISTINCT labeller || '@' || labeller_version AS labeller FROM {table} WHERE conversation_id = ?",
        [conversation_id],
    )
    have = [r["labeller"] for r in rows]
    for candidate in (wanted, live):
        if candidate in have:
            return candidate
    return sorted(have)[0] if have else None
