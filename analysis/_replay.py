"""Human-turn replay: the Grounding Gaps method (Shaikh et al., NAACL 2024).

At each helper turn of a sampled human conversation the model writes its own turn given
the same history; the human turn and the model turn are labelled by one labeller; base
rates of each act for both, and Cohen's kappa of the present/absent decisions at the same
positions, say how far the model grounds where people do.

Method choices (stored with every row so a report can state them):
- Conversations are sampled with `random.Random(seed)` from those with at least one
  replayable position, in sorted-id order; `max_positions` (optional) samples that many
  positions per conversation with a seed derived from (seed, conversation id).
- A position is a readable turn of a helper role with at least one earlier readable turn of
  another speaker (a turn that opens the conversation has nothing to answer, so it is
  skipped).
- The history is the last `history_turns` readable turns before the position (default 10,
  bounded so long meetings fit small context windows), seen from the helper's speaker: its
  own turns are `assistant` messages, everyone else's `user` messages (prefixed with the
  speaker's name when the conversation has more than two speakers, as in MRDA meetings);
  consecutive messages of one side are merged. A system prompt names the role.
- The labeller gets the previous turn of another speaker as context, for both texts.

Rows are keyed by (corpus, conversation, turn, model, labeller, labeller version): a rerun
skips stored positions, and a rerun with another labeller relabels the stored model text
instead of calling the model again.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from analysis._agreement import cohen_kappa
from analysis._queries import Queryable, WritableStore, has_table
from analysis.baselines import ANY_ACT, HumanTurn
from analysis.stats import bootstrap_ratio
from scenarios import Act, ChatModel, GroundsimError, Labeller

DEFAULT_HISTORY_TURNS = 10
"""Human turns of history given to the model at each position."""
DEFAULT_SYSTEM_PROMPT = (
    "You are the {role} in the conversation below. Write your next message in it: only that message, as you would send it."
)
"""System prompt of every replay call; `{role}` becomes the helper's role (e.g. supporter)."""


class ReplayError(GroundsimError):
    """A replay that cannot start (no replayable position, bad options)."""


class ReplayPosition(BaseModel):
    """One helper turn to replay: what the model sees and what the human wrote."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    corpus: str
    """Corpus name."""
    split: str
    """Split of the conversation."""
    conversation_id: str
    """Conversation identifier."""
    turn: int
    """The human helper turn's index (the schema's `turn`)."""
    speaker: str
    """The human helper's speaker code."""
    role: str
    """The helper's role."""
    human_text: str
    """What the human wrote at this position."""
    previous_text: str
    """The turn just before (another speaker's): the labeller's context for both texts."""
    messages: tuple[dict[str, str], ...]
    """Chat messages given to the model (system prompt first when there is one)."""
    history_turns: int
    """How many human turns the history holds."""
    system_prompt: str | None
    """The system prompt as sent (None when disabled)."""


class ReplayRun(BaseModel):
    """What one `replay` call did."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    positions: int
    """Positions asked for."""
    already_stored: int
    """Positions this model and labeller had already (skipped)."""
    relabelled: int
    """Positions whose stored model text was labelled again by this labeller (no model call)."""
    generated: int
    """Positions the model wrote a turn for and that were stored."""
    errors: int
    """Positions whose model call failed after retries (not stored: a rerun tries again)."""
    cost_usd: float
    """Cost of the calls made."""
    error_messages: list[str] = []
    """The first few error messages."""


# -- positions ------------------------------------------------------------------------------


def _messages(history: Sequence[HumanTurn], speaker: str, multi_party: bool) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for t in history:
        role = "assistant" if t.speaker == speaker else "user"
        content = f"{t.speaker}: {t.text}" if multi_party and role == "user" else t.text
        if out and out[-1]["role"] == role:
            out[-1] = {"role": role, "content": out[-1]["content"] + "\n" + content}
        else:
            out.append({"role": role, "content": content})
    return out


def replay_positions(
    turns: Sequence[HumanTurn],
    helper_roles: dict[str, set[str]],
    *,
    sample: int,
    seed: int = 0,
    history_turns: int = DEFAULT_HISTORY_TURNS,
    max_positions: int | None = None,
    system_prompt: str | None = DEFAULT_SYSTEM_PROMPT,
) -> list[ReplayPosition]:
    """The positions to replay: `sample` seeded conversations, each helper turn (or a seeded subset)."""
    if sample < 1:
        raise ReplayError("--sample must be at least 1")
    if history_turns < 1:
        raise ReplayError("--history-turns must be at least 1")
    by_conversation: dict[tuple[str, str], list[HumanTurn]] = defaultdict(list)
    for t in turns:
        if t.readable:
            by_conversation[(t.corpus, t.conversation_id)].append(t)
    candidates: dict[tuple[str, str], list[int]] = {}
    for key, conv in sorted(by_conversation.items()):
        conv.sort(key=lambda t: t.turn)
        eligible = [
            i for i, t in enumerate(conv)
            if t.role in helper_roles.get(t.corpus, set()) and any(p.speaker != t.speaker for p in conv[:i])
        ]
        if eligible:
            candidates[key] = eligible
    if not candidates:
        raise ReplayError("no replayable position: no helper turn follows a turn of another speaker (check --role)")
    keys = sorted(candidates)
    chosen = keys if sample >= len(keys) else sorted(random.Random(seed).sample(keys, sample))
    positions: list[ReplayPosition] = []
    for key in chosen:
        conv = by_conversation[key]
        indices = candidates[key]
        if max_positions is not None and len(indices) > max_positions:
            indices = sorted(random.Random(f"{seed}:{key[0]}:{key[1]}").sample(indices, max_positions))
        multi_party = len({t.speaker for t in conv}) > 2
        for i in indices:
            target = conv[i]
            history = conv[max(0, i - history_turns) : i]
            prompt = system_prompt.replace("{role}", target.role) if system_prompt else None
            messages = _messages(history, target.speaker, multi_party)
            if prompt:
                messages.insert(0, {"role": "system", "content": prompt})
            previous = next(p.text for p in reversed(conv[:i]) if p.speaker != target.speaker)
            positions.append(
                ReplayPosition(
                    corpus=target.corpus, split=target.split, conversation_id=target.conversation_id, turn=target.turn,
                    speaker=target.speaker, role=target.role, human_text=target.text, previous_text=previous,
                    messages=tuple(messages), history_turns=len(history), system_prompt=prompt,
                )
            )
    return positions


# -- replay ---------------------------------------------------------------------------------

_TS = pa.timestamp("us", tz="UTC")
REPLAY_SCHEMA = pa.schema([
    ("corpus", pa.string()), ("split", pa.string()), ("conversation_id", pa.string()), ("turn", pa.int32()),
    ("speaker", pa.string()), ("role", pa.string()), ("model", pa.string()), ("seed", pa.int64()),
    ("temperature", pa.float64()), ("max_tokens", pa.int32()), ("history_turns", pa.int32()), ("system_prompt", pa.string()),
    ("human_text", pa.string()), ("model_text", pa.string()), ("labeller", pa.string()), ("labeller_version", pa.string()),
    ("human_acts", pa.list_(pa.string())), ("human_stance", pa.string()), ("model_acts", pa.list_(pa.string())),
    ("model_stance", pa.string()), ("prompt_tokens", pa.int32()), ("completion_tokens", pa.int32()),
    ("cost_usd", pa.float64()), ("latency_ms", pa.float64()), ("created_at", _TS),
])


def _stored(store: WritableStore, model: str, corpora: Sequence[str]) -> dict[tuple[str, str, int], list[dict[str, Any]]]:
    """Stored rows of this model for these corpora, by position."""
    placeholders = ", ".join("?" for _ in corpora)
    rows = store.query(
        f"SELECT * FROM replay_turns WHERE model = ? AND corpus IN ({placeholders}) ORDER BY created_at", [model, *corpora]
    )
    out: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[(r["corpus"], r["conversation_id"], r["turn"])].append(r)
    return out


def _write(store: WritableStore, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = pa.Table.from_pylist(rows, schema=REPLAY_SCHEMA)
    key = ("corpus", "conversation_id", "turn", "model", "labeller", "labeller_version")
    match = " AND ".join(f"t.{k} = n.{k}" for k in key)
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("incoming_replay", table)
            con.execute(
                f"INSERT INTO replay_turns ({', '.join(table.column_names)}) SELECT * FROM incoming_replay n "
                f"WHERE NOT EXISTS (SELECT 1 FROM replay_turns t WHERE {match})"
            )
            con.unregister("incoming_replay")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def _row(position: ReplayPosition, model: str, labeller: Labeller, model_text: str, extra: dict[str, Any]) -> dict[str, Any]:
    human = labeller.label(position.human_text, position.previous_text)
    machine = labeller.label(model_text, position.previous_text)
    return {
        "corpus": position.corpus, "split": position.split, "conversation_id": position.conversation_id, "turn": position.turn,
        "speaker": position.speaker, "role": position.role, "model": model, "history_turns": position.history_turns,
        "system_prompt": position.system_prompt, "human_text": position.human_text, "model_text": model_text,
        "labeller": labeller.name, "labeller_version": labeller.version,
        "human_acts": [a.value for a in human.acts], "human_stance": human.stance.value,
        "model_acts": [a.value for a in machine.acts], "model_stance": machine.stance.value,
        "created_at": datetime.now(UTC), **extra,
    }


async def replay(
    store: WritableStore,
    chat: ChatModel,
    positions: Sequence[ReplayPosition],
    *,
    model: str,
    labeller: Labeller,
    seed: int = 0,
    temperature: float | None = 0.7,
    max_tokens: int | None = 256,
    concurrency: int = 4,
    flush_every: int = 8,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReplayRun:
    """Have `model` write every position's turn, label both turns, store them in batches.

    A failed call is counted, not stored, and the replay goes on; a killed replay loses
    at most the positions in flight and the unwritten batch (under `flush_every`).
    """
    store.migrate()
    stored = _stored(store, model, sorted({p.corpus for p in positions}))
    pending: list[dict[str, Any]] = []
    done = already = relabelled = generated = errors = 0
    cost = 0.0
    messages_seen: list[str] = []
    todo: list[ReplayPosition] = []
    for p in positions:
        previous_rows = stored.get((p.corpus, p.conversation_id, p.turn), [])
        if any(r["labeller"] == labeller.name and r["labeller_version"] == labeller.version for r in previous_rows):
            already += 1
        elif previous_rows:
            old = previous_rows[0]
            keep = ("seed", "temperature", "max_tokens", "prompt_tokens", "completion_tokens", "cost_usd", "latency_ms")
            pending.append(_row(p, model, labeller, old["model_text"], {k: old[k] for k in keep}))
            relabelled += 1
        else:
            todo.append(p)
    _write(store, pending)
    pending = []
    done = already + relabelled
    total = len(positions)
    if on_progress:
        on_progress(done, total)

    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(p: ReplayPosition) -> tuple[ReplayPosition, Any, Exception | None]:
        async with gate:
            try:
                completion = await chat.complete(model, [dict(m) for m in p.messages], temperature=temperature, max_tokens=max_tokens, seed=seed)
                return p, completion, None
            except GroundsimError as exc:
                return p, None, exc

    for next_done in asyncio.as_completed([one(p) for p in todo]):
        p, completion, exc = await next_done
        done += 1
        if exc is not None:
            errors += 1
            if len(messages_seen) < 5:
                messages_seen.append(f"{p.conversation_id} turn {p.turn}: {exc}")
        else:
            cost += completion.cost_usd or 0.0
            extra = {
                "seed": seed, "temperature": temperature, "max_tokens": max_tokens, "prompt_tokens": completion.prompt_tokens,
                "completion_tokens": completion.completion_tokens, "cost_usd": completion.cost_usd, "latency_ms": completion.latency_ms,
            }
            pending.append(_row(p, model, labeller, completion.text, extra))
            generated += 1
            if len(pending) >= flush_every:
                _write(store, pending)
                pending = []
        if on_progress:
            on_progress(done, total)
    _write(store, pending)
    return ReplayRun(
        positions=total, already_stored=already, relabelled=relabelled, generated=generated, errors=errors,
        cost_usd=cost, error_messages=messages_seen,
    )


# -- summary --------------------------------------------------------------------------------


def replay_summary(
    store: Queryable, corpus: str | None = None, model: str | None = None, labeller: str | None = None, *, n_resamples: int = 2000, seed: int = 0
) -> list[dict[str, Any]]:
    """Per corpus, model, labeller and act: human and model base rates with CIs, Cohen's kappa, n.

    Keys of each dict: corpus, model, labeller (`name@version`), act (vocabulary order, then
    `any` = at least one grounding act), n (positions), n_conversations, human_count,
    model_count, human_rate, model_rate, human_ci_low/high and model_ci_low/high (95%
    bootstrap over conversations), kappa (None when undefined, e.g. neither side ever has
    the act). `labeller` filters by name (`rules`) or `name@version`.
    """
    tables = [{"n": int(has_table(store, "replay_turns"))}]
    if not tables or not tables[0]["n"]:
        return []
    where, params = [], []
    for column, value in (("corpus", corpus), ("model", model)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if labeller is not None:
        where.append("(labeller = ? OR labeller || '@' || labeller_version = ?)")
        params += [labeller, labeller]
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    rows = store.query(
        f"SELECT corpus, model, labeller || '@' || labeller_version AS labeller, conversation_id, turn, human_acts, model_acts "
        f"FROM replay_turns {clause} ORDER BY corpus, model, labeller, conversation_id, turn",
        params,
    )
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["corpus"], r["model"], r["labeller"])].append(r)
    out: list[dict[str, Any]] = []
    for (corpus_name, model_name, labeller_name), group in sorted(groups.items()):
        for act in [*(a.value for a in Act), ANY_ACT]:
            def has(acts: Sequence[str], act: str = act) -> bool:
                return bool(acts) if act == ANY_ACT else act in acts

            human = [has(r["human_acts"]) for r in group]
            machine = [has(r["model_acts"]) for r in group]
            per_conv: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
            for r, h, m in zip(group, human, machine, strict=True):
                cell = per_conv[r["conversation_id"]]
                cell[0] += h
                cell[1] += m
                cell[2] += 1
            dens = [c[2] for c in per_conv.values()]
            h_ci = bootstrap_ratio([c[0] for c in per_conv.values()], dens, n_resamples=n_resamples, seed=seed)
            m_ci = bootstrap_ratio([c[1] for c in per_conv.values()], dens, n_resamples=n_resamples, seed=seed)
            out.append({
                "corpus": corpus_name, "model": model_name, "labeller": labeller_name, "act": act,
                "n": len(group), "n_conversations": len(per_conv), "human_count": sum(human), "model_count": sum(machine),
                "human_rate": h_ci.estimate, "human_ci_low": h_ci.low, "human_ci_high": h_ci.high,
                "model_rate": m_ci.estimate, "model_ci_low": m_ci.low, "model_ci_high": m_ci.high,
                "kappa": cohen_kappa(human, machine),
            })
    return out
