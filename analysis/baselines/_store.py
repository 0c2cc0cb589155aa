"""Importing a corpus into the store (all or nothing) and listing the stored baselines.

One job: the database side of human baselines. An import reads, labels and computes
everything first, then writes in one transaction that first deletes every row of the
imported corpora, so a re-import replaces rather than duplicates and a failure leaves
the store as it was. The text of the corpora goes only into the user's own database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from analysis._queries import Queryable, WritableStore, has_table
from analysis.baselines._compute import ANY_ACT, TAGS_SOURCE, BaselineRate, compute_baselines
from analysis.baselines._read import read_utterances
from analysis.baselines._turns import CorpusRoleError, build_turns, helper_roles_for
from scenarios import Act, Labeller


class ImportSummary(BaseModel):
    """What `import_corpus` stored."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    corpora: list[str]
    """Corpora imported (each replaced any earlier import of it)."""
    files: list[str]
    """Files read."""
    skipped_files: list[str]
    """Files in a folder that are not in the utterance schema (e.g. esconv/conversations.jsonl.gz)."""
    utterances: int
    """Rows read."""
    turns: int
    """Turns stored (all roles, readable or not)."""
    labelled_turns: int
    """Labeller verdicts stored (readable turns x labellers)."""
    baselines: list[BaselineRate]
    """The rates stored."""


_TS = pa.timestamp("us", tz="UTC")
_TURN_SCHEMA = pa.schema([
    ("corpus", pa.string()), ("split", pa.string()), ("conversation_id", pa.string()), ("turn", pa.int32()),
    ("speaker", pa.string()), ("role", pa.string()), ("text", pa.string()), ("n_utterances", pa.int32()),
    ("readable", pa.bool_()), ("tags", pa.list_(pa.string())), ("tag_acts", pa.list_(pa.string())),
    ("source_path", pa.string()), ("imported_at", _TS),
])
_LABEL_SCHEMA = pa.schema([
    ("corpus", pa.string()), ("conversation_id", pa.string()), ("turn", pa.int32()), ("labeller", pa.string()),
    ("labeller_version", pa.string()), ("acts", pa.list_(pa.string())), ("stance", pa.string()),
    ("asks_question", pa.bool_()), ("labelled_at", _TS),
])
_BASELINE_SCHEMA = pa.schema([
    ("corpus", pa.string()), ("split", pa.string()), ("role", pa.string()), ("is_helper", pa.bool_()), ("act", pa.string()),
    ("source", pa.string()), ("rate", pa.float64()), ("ci_low", pa.float64()), ("ci_high", pa.float64()),
    ("n_with_act", pa.int32()), ("n_turns", pa.int32()), ("n_conversations", pa.int32()),
    ("labeller_version", pa.string()), ("computed_at", _TS),
])


def import_corpus(
    store: WritableStore,
    path: Path | str,
    labellers: Sequence[Labeller],
    *,
    splits: Iterable[str] | None = None,
    helper_roles: Sequence[str] | None = None,
    n_resamples: int = 10_000,
    seed: int = 0,
    on_skip: Callable[[Path], None] | None = None,
) -> ImportSummary:
    """Read a corpus (file or folder), label its readable turns, compute and store its baselines.

    Everything is checked and computed before the database is opened for writing; the
    write is one transaction that first deletes every row of the imported corpora, so an
    import is all-or-nothing and a re-import never duplicates.
    """
    if len({lab.name for lab in labellers}) != len(labellers):
        raise CorpusRoleError("each labeller may be given once")
    utterances, used, skipped = read_utterances(path, splits=splits, on_skip=on_skip)
    turns = build_turns(utterances)
    corpora = sorted({t.corpus for t in turns})
    if helper_roles and len(corpora) > 1:
        raise CorpusRoleError(f"--role applies to one corpus, but {path} holds {', '.join(corpora)}: import them one at a time")
    helpers = {c: helper_roles_for(c, {t.role for t in turns if t.corpus == c}, helper_roles) for c in corpora}
    now = datetime.now(UTC)
    label_rows: list[dict[str, Any]] = []
    verdicts: dict[str, dict[tuple[str, str, int], tuple[str, ...]]] = {}
    for lab in labellers:
        mine = verdicts.setdefault(lab.name, {})
        for t in turns:
            if not t.readable:
                continue
            label = lab.label(t.text, t.previous_text)
            acts = tuple(a.value for a in label.acts)
            mine[(t.corpus, t.conversation_id, t.turn)] = acts
            label_rows.append({
                "corpus": t.corpus, "conversation_id": t.conversation_id, "turn": t.turn, "labeller": lab.name,
                "labeller_version": lab.version, "acts": list(acts), "stance": label.stance.value,
                "asks_question": label.asks_question, "labelled_at": now,
            })
    versions = {lab.name: lab.version for lab in labellers}
    rates: list[BaselineRate] = []
    for corpus in corpora:
        corpus_turns = [t for t in turns if t.corpus == corpus]
        corpus_labels = {name: {(c, n): a for (k, c, n), a in v.items() if k == corpus} for name, v in verdicts.items()}
        rates += compute_baselines(corpus_turns, corpus_labels, versions, helpers, n_resamples=n_resamples, seed=seed)
    turn_table = pa.Table.from_pylist(
        [
            {
                "corpus": t.corpus, "split": t.split, "conversation_id": t.conversation_id, "turn": t.turn, "speaker": t.speaker,
                "role": t.role, "text": t.text, "n_utterances": t.n_utterances, "readable": t.readable, "tags": list(t.tags),
                "tag_acts": None if t.tag_acts is None else [a.value for a in t.tag_acts], "source_path": t.source_path,
                "imported_at": now,
            }
            for t in turns
        ],
        schema=_TURN_SCHEMA,
    )
    label_table = pa.Table.from_pylist(label_rows, schema=_LABEL_SCHEMA)
    baseline_table = pa.Table.from_pylist([{**r.model_dump(), "computed_at": now} for r in rates], schema=_BASELINE_SCHEMA)
    _replace(store, corpora, {"human_turns": turn_table, "human_turn_labels": label_table, "baselines": baseline_table})
    return ImportSummary(
        corpora=corpora, files=[str(p) for p in used], skipped_files=[str(p) for p in skipped], utterances=len(utterances),
        turns=len(turns), labelled_turns=len(label_rows), baselines=rates,
    )


def _replace(store: WritableStore, corpora: Sequence[str], tables: dict[str, pa.Table]) -> None:
    store.migrate()
    placeholders = ", ".join("?" for _ in corpora)
    with store.connect() as con:
        con.execute("BEGIN TRANSACTION")
        try:
            for name, table in tables.items():
                con.execute(f"DELETE FROM {name} WHERE corpus IN ({placeholders})", list(corpora))
                con.register(f"incoming_{name}", table)
                con.execute(f"INSERT INTO {name} ({', '.join(table.column_names)}) SELECT * FROM incoming_{name}")
                con.unregister(f"incoming_{name}")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise


def _act_order(act: str) -> int:
    order = [a.value for a in Act] + [ANY_ACT]
    return order.index(act) if act in order else len(order)


def baseline_sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """Corpus, helper role first, role, act in vocabulary order (`any` last), `tags` before labellers."""
    return (row["corpus"], not row["is_helper"], row["role"], _act_order(row["act"]), row["source"] != TAGS_SOURCE, row["source"])


def list_baselines(store: Queryable, corpus: str | None = None, *, helper_only: bool = False) -> list[dict[str, Any]]:
    """Stored baselines ordered by corpus, helper role first, act (vocabulary order, `any` last), `tags` first.

    An empty list when nothing was imported yet (also for a database from before migration 3).
    """
    tables = [{"n": int(has_table(store, "baselines"))}]
    if not tables or not tables[0]["n"]:
        return []
    where, params = [], []
    if corpus is not None:
        where.append("corpus = ?")
        params.append(corpus)
    if helper_only:
        where.append("is_helper")
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    rows = store.query(f"SELECT * FROM baselines {clause}", params)
    rows.sort(key=baseline_sort_key)
    return rows
