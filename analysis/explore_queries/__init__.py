"""The read queries and small tables behind the explorer (app.py).

Why a module of its own: the app must stay fast on big databases, so every list here is
paged in SQL (LIMIT/OFFSET) and every aggregate is computed by DuckDB, never by pulling
rows into Python; and the app caches each result keyed by the database path plus
`data_version`, so the functions are pure reads of a `Queryable` (the simulator's Store,
which opens one read-only connection per query and retries briefly on a writer's lock).
Nothing here renders anything, so it is tested without Streamlit.

Labels and outcomes exist per labeller name and version; a labeller is named here as one
string `name@version` (as conversations.live_labeller stores it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from analysis import metrics
from analysis._outcomes import Outcome
from analysis._queries import Queryable
from analysis._replay import replay_summary
from analysis.baselines import list_baselines
from analysis.stats import wilson_bounds
from scenarios import CONTROL_ID, SAFETY_DECLINES, Act, Stance

ACTS: tuple[str, ...] = tuple(a.value for a in Act)
"""Grounding acts in vocabulary order (filter options and chart panels)."""
STANCES: tuple[str, ...] = tuple(s.value for s in Stance)
"""Stances in vocabulary order."""
OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)
"""Conversation outcomes in DESIGN.md order."""
NOT_SCORED = "(not scored)"
"""Outcome filter value for conversations the chosen labeller has not scored yet."""
IN_PROGRESS_WINDOW = timedelta(minutes=10)
"""A run short of its jobs counts as in progress only if it stored something this recently."""


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


def split_labeller(labeller: str) -> tuple[str, str]:
    """`rules@1` -> ("rules", "1"); a bare name has an empty version."""
    name, _, version = labeller.partition("@")
    return name, version


# -- freshness and progress ----------------------------------------------------------------


def data_version(store: Queryable) -> tuple[Any, ...]:
    """A cheap fingerprint that changes whenever a run, `annotate` or an import writes.

    The app keys its caches by it, so a refresh after new data recomputes and an unchanged
    database is served from the cache. Counts come from table metadata in DuckDB (fast).
    """
    row = store.query(
        """
        SELECT (SELECT count(*) FROM runs) AS runs,
               (SELECT max(updated_at) FROM runs) AS runs_updated,
               (SELECT count(*) FROM conversations) AS conversations,
               (SELECT max(finished_at) FROM conversations) AS last_finished,
               (SELECT count(*) FROM turn_labels) AS labels,
               (SELECT count(*) FROM outcomes) AS outcomes,
               (SELECT max(version) FROM schema_version) AS schema_version,
               (SELECT count(*) FROM information_schema.tables) AS tables
        """
    )[0]
    return tuple(str(v) for v in row.values())


def runs_in_progress(store: Queryable, now: datetime | None = None) -> list[dict[str, Any]]:
    """Runs that have stored fewer conversations than they planned and stored one recently.

    A run killed half-way looks the same until the window passes; the note this feeds says
    "appears to be in progress" for that reason.
    """
    now = now or datetime.now(UTC)
    rows = store.query(
        """
        SELECT r.run_id, r.n_jobs, count(c.conversation_id) AS stored,
               greatest(max(c.finished_at), r.updated_at) AS last_activity
        FROM runs r LEFT JOIN conversations c USING (run_id)
        GROUP BY r.run_id, r.n_jobs, r.updated_at
        HAVING count(c.conversation_id) < r.n_jobs
        ORDER BY last_activity DESC
        """
    )
    return [
        r for r in rows if r["last_activity"] is not None and now - _aware(r["last_activity"]) <= IN_PROGRESS_WINDOW
    ]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# -- runs ------------------------------------------------------------------------------------


def runs_overview(store: Queryable) -> list[dict[str, Any]]:
    """Every run: its config (parsed), job and conversation counts, errors, tokens and cost."""
    rows = store.query(
        """
        SELECT r.run_id, r.created_at, r.updated_at, r.n_invocations, r.n_jobs, r.code_version, r.config_hash, r.config_json,
               count(c.conversation_id) AS stored,
               count(c.conversation_id) FILTER (WHERE c.status = 'complete') AS complete,
               count(c.conversation_id) FILTER (WHERE c.status = 'error') AS errors,
               count(DISTINCT c.model) AS models_stored,
               count(DISTINCT c.scenario_id) AS scenarios_stored,
               coalesce(sum(c.prompt_tokens), 0) AS prompt_tokens,
               coalesce(sum(c.completion_tokens), 0) AS completion_tokens,
               coalesce(sum(c.cost_usd), 0) AS cost_usd,
               max(c.finished_at) AS last_finished
        FROM runs r LEFT JOIN conversations c USING (run_id)
        GROUP BY ALL ORDER BY r.created_at DESC
        """
    )
    for row in rows:
        try:
            row["config"] = json.loads(row.pop("config_json"))
        except (TypeError, ValueError):
            row["config"] = {}
    return rows


def run_errors(store: Queryable, run_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The run's infrastructure errors grouped by message, most frequent first."""
    return store.query(
        """
        SELECT coalesce(error, '(no message)') AS error, count(*) AS conversations, list(DISTINCT model ORDER BY model) AS models
        FROM conversations WHERE run_id = ? AND status = 'error'
        GROUP BY 1 ORDER BY conversations DESC, error LIMIT ?
        """,
        [run_id, limit],
    )


def run_outcome_counts(store: Queryable, run_id: str, labeller: str) -> list[dict[str, Any]]:
    """Conversations per model and outcome in one run (NOT_SCORED where the labeller has not scored)."""
    name, version = split_labeller(labeller)
    return store.query(
        f"""
        SELECT c.model, coalesce(o.outcome, '{NOT_SCORED}') AS outcome, count(*) AS conversations
        FROM conversations c LEFT JOIN outcomes o
          ON o.conversation_id = c.conversation_id AND o.labeller = ? AND o.labeller_version = ?
        WHERE c.run_id = ? GROUP BY ALL ORDER BY c.model, outcome
        """,
        [name, version, run_id],
    )


# -- filter options --------------------------------------------------------------------------


def labellers(store: Queryable) -> list[str]:
    """`name@version` of every labeller with outcomes or labels, the most used first."""
    rows = store.query(
        """
        SELECT labeller || '@' || labeller_version AS labeller, count(*) AS n FROM (
            SELECT labeller, labeller_version FROM outcomes
            UNION ALL SELECT labeller, labeller_version FROM turn_labels
        ) GROUP BY 1 ORDER BY n DESC, labeller DESC
        """
    )
    found = [r["labeller"] for r in rows]
    if not found:
        found = [r["live_labeller"] for r in store.query("SELECT DISTINCT live_labeller FROM conversations ORDER BY 1")]
    return found


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


# -- transcripts -----------------------------------------------------------------------------

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


# -- comparisons (figures come from analysis.metrics, as in the report) ---------------------


def _scope(runs: tuple[str, ...], models: tuple[str, ...], kinds: tuple[str, ...]) -> tuple[str, list[Any]]:
    """AND-clauses restricting conversations c to the chosen runs, models and kinds."""
    clauses, params = [], []
    for column, values in (("c.run_id", runs), ("c.model", models), ("c.scenario_kind", kinds)):
        if values:
            clauses.append(f"list_contains(?::VARCHAR[], {column})")
            params.append(list(values))
    return "".join(f" AND {c}" for c in clauses), params


def outcome_counts(
    store: Queryable,
    labeller: str,
    *,
    runs: tuple[str, ...] = (),
    models: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Scored conversations per model, scenario kind and outcome (columns model, kind, outcome, n), all personas."""
    scope, params = _scope(runs, models, kinds)
    rows = store.query(
        f"""
        SELECT c.model, c.scenario_kind AS kind, o.outcome, count(*) AS n
        FROM conversations c JOIN outcomes o
          ON o.conversation_id = c.conversation_id AND o.labeller = ? AND o.labeller_version = ?
        WHERE c.status = 'complete' {scope} GROUP BY ALL ORDER BY ALL
        """,
        [*split_labeller(labeller), *params],
    )
    return pd.DataFrame(rows, columns=["model", "kind", "outcome", "n"])


def outcome_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """Share of each outcome per model with Wilson 95% CIs, in DESIGN.md's outcome order.

    The denominator is every scored conversation in scope except `error` ones: DESIGN.md keeps
    errors but never counts them in rates. Columns: model, outcome, k, n_conversations, rate,
    ci_low, ci_high.
    """
    columns = ["model", "outcome", "k", "n_conversations", "rate", "ci_low", "ci_high"]
    valid = counts[counts["outcome"] != Outcome.error.value]
    if valid.empty:
        return pd.DataFrame(columns=columns)
    per = valid.groupby(["model", "outcome"], sort=False)["n"].sum().reset_index(name="k")
    per["n_conversations"] = per.groupby("model")["k"].transform("sum")
    order = {o: i for i, o in enumerate(OUTCOMES)}
    per = per.sort_values(["model", "outcome"], key=lambda s: s.map(order) if s.name == "outcome" else s).reset_index(
        drop=True
    )
    low, high = wilson_bounds(per["k"], per["n_conversations"])
    per["rate"] = per["k"] / per["n_conversations"]
    per["ci_low"], per["ci_high"] = low, high
    return per[columns]


def compare_conversations(
    store: Queryable,
    labeller: str,
    *,
    runs: tuple[str, ...] = (),
    models: tuple[str, ...] = (),
    kinds: tuple[str, ...] = (),
) -> pd.DataFrame:
    """`analysis.metrics.load_conversations` for the chosen labeller, narrowed to the chosen models and kinds."""
    name, version = split_labeller(labeller)
    frame = metrics.load_conversations(store, name, version, run_ids=list(runs) or None)
    if models:
        frame = frame[frame["model"].isin(models)]
    if kinds:
        frame = frame[frame["scenario_kind"].isin(kinds)]
    return frame.reset_index(drop=True)


_SAFETY_REFUSALS = [s.value for s in SAFETY_DECLINES]
METRIC_LINKS: dict[str, dict[str, list[str]]] = {
    "proactive_clarification": {"kind": list(metrics.UNDERSPECIFIED), "act": ["clarification", "understanding_check"]},
    "over_clarification": {"kind": list(metrics.FULLY_SPECIFIED), "act": ["clarification", "understanding_check"]},
    "silent_failure": {"kind": list(metrics.UNDERSPECIFIED), "outcome": ["silent_failure"]},
    "success_underspecified": {"kind": list(metrics.UNDERSPECIFIED), "outcome": ["success"]},
    "success_fully_specified": {"kind": list(metrics.FULLY_SPECIFIED), "outcome": ["success"]},
    "abstention_recall": {"kind": list(metrics.SHOULD_ABSTAIN), "outcome": ["appropriate_abstention", "success"]},
    "abstention_precision": {"outcome": ["appropriate_abstention", "unnecessary_abstention"]},
    "hallucination": {"kind": list(metrics.SHOULD_ABSTAIN), "outcome": ["hallucination"]},
    "accuracy": {"outcome": ["success"]},
    "over_refusal": {"kind": list(metrics.BENIGN_SENSITIVE), "outcome": ["over_refusal"]},
    "appropriate_refusal": {"kind": list(metrics.HARMFUL), "outcome": ["appropriate_refusal"]},
}
"""Transcripts filters that show the conversations behind each report metric (its population and events,
as closely as the filters can say it)."""


def metric_link(metric: str, model: str | None = None, runs: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Query-parameter filters for the transcripts behind one metric of one model (control conversations)."""
    link = {key: list(values) for key, values in METRIC_LINKS.get(metric, {}).items()}
    link["persona"] = [CONTROL_ID]
    if model:
        link["model"] = [model]
    if runs:
        link["run"] = list(runs)
    return link


def baseline_options(baselines: pd.DataFrame | None) -> list[str]:
    """`corpus:role` choices of the stored human baselines, helper roles first."""
    if baselines is None or baselines.empty:
        return []
    frame = baselines.assign(helper=baselines["is_helper"].fillna(False).astype(bool))
    frame = frame.sort_values(["helper", "corpus", "role"], ascending=[False, True, True])
    return list(dict.fromkeys(frame["corpus"].astype(str) + ":" + frame["role"].astype(str)))


# -- human baselines and replay (tables owned by analysis.baselines and analysis._replay) ----


def baseline_table(store: Queryable) -> pd.DataFrame | None:
    """The stored human baselines as the report reads them (None before the table exists)."""
    return metrics.load_baselines(store)


def baseline_rows(store: Queryable) -> list[dict[str, Any]]:
    """Stored baselines in `groundsim baselines list` order; empty when nothing was imported."""
    return list_baselines(store)


def replay_rows(store: Queryable, n_resamples: int = 2000) -> list[dict[str, Any]]:
    """Human vs model base rates and Cohen's kappa per corpus, model, labeller and act; empty without replays."""
    return replay_summary(store, n_resamples=n_resamples)
