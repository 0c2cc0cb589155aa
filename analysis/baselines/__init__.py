"""Human baselines: per-turn grounding-act rates of human dialogue corpora, by role.

A model's "fewer grounding acts" only means something beside people measured the same
way, so every rate here is per TURN (the schema's `turn` field: consecutive utterances of
one speaker), the unit a model's assistant turn corresponds to. An act counts once per
turn when any utterance of the turn has it. Two sources per corpus and role:

- `tags`: the corpus's own labels through its documented mapping
  (analysis/tag_mappings/<corpus>.yaml). Only the acts the corpus annotates are reported,
  plus `any` (the turn has at least one of those acts).
- a labeller (e.g. `rules`): our own instrument over the same turns (the text of the
  turn's utterances joined by spaces, the previous turn of another speaker as context),
  every act plus `any` (at least one grounding act of the vocabulary).

Which turns count: an utterance the mapping excludes (MRDA `z`, `x`, untagged) leaves the
denominator of both sources, so the two sources share one set of turns; a turn whose
utterances are all excluded is left out. A role the corpus never tags (ESConv seekers)
is not annotated rather than unreadable: its turns all count for the labeller and it has
no `tags` rows. Corpora without a mapping (the user's own) get labeller rows only.

Intervals are percentile bootstraps over conversations (turns of one conversation move
together), via analysis.stats.bootstrap_ratio. The helper role (the one set beside an
assistant) comes from the mapping's `helper_roles` (MRDA participant, ESConv supporter,
Persuasion for Good persuader) and can be overridden; every role gets rates.

One baseline set per corpus: importing a corpus again replaces all its rows (turns,
labels, baselines); `split` records which splits the rates cover (e.g. `dev` or
`dev+train`). The text of the corpora goes only into the user's own database.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError

from analysis._queries import Queryable, WritableStore, has_table
from analysis.labellers._tag_mapping import TagMapping, known_corpora, load_tag_mapping
from analysis.stats import bootstrap_ratio
from scenarios import Act, GroundsimError, InputFileError, Labeller

ANY_ACT = "any"
"""Pseudo-act: the turn has at least one of the acts the source measures."""
TAGS_SOURCE = "tags"
"""`source` of rates computed from the corpus's own tags."""
UTTERANCE_FIELDS = ("corpus", "split", "conversation_id", "position", "turn", "speaker", "role", "text", "tags")
"""Required fields of the unified utterance schema (../shared/data/README.md)."""


class CorpusFormatError(InputFileError):
    """A corpus file or row that does not follow the unified utterance schema: where and why."""



class CorpusRoleError(GroundsimError):
    """A helper role that is unknown, or cannot be told for a corpus without a mapping."""


class Utterance(BaseModel):
    """One row of the unified utterance schema (../shared/data/README.md)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, use_attribute_docstrings=True)

    corpus: StrictStr
    """Corpus name; also selects the tag mapping (`mrda`, `esconv`, `persuasion_for_good`)."""
    split: StrictStr
    """`train`, `dev`, `test`, or the user's own split name."""
    conversation_id: StrictStr
    """Conversation identifier, unique within the corpus."""
    position: StrictInt
    """0-based index of the utterance in its conversation."""
    turn: StrictInt
    """0-based speaker-turn index: consecutive utterances of one speaker share it."""
    speaker: StrictStr
    """The speaker as written in the source."""
    role: StrictStr
    """Corpus-specific role (participant, supporter, seeker, persuader, persuadee, ...)."""
    text: StrictStr
    """The utterance text."""
    tags: list[StrictStr]
    """The source's own labels, unmapped; empty where the source gives none."""
    source_path: str = ""
    """File the row came from (filled by the reader, for error messages and provenance)."""
    source_line: int = 0
    """1-based line in that file."""


class HumanTurn(BaseModel):
    """One speaker turn of a human conversation: the unit every human rate counts."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    corpus: str
    """Corpus name."""
    split: str
    """Split of the conversation."""
    conversation_id: str
    """Conversation identifier."""
    turn: int
    """The schema's turn index."""
    speaker: str
    """Who spoke the turn."""
    role: str
    """The speaker's role."""
    text: str
    """The readable utterances joined by spaces (all of them when none is readable)."""
    n_utterances: int
    """Utterances in the turn, readable or not."""
    readable: bool
    """Whether any utterance survives the mapping's exclusions: only readable turns are counted."""
    tags: tuple[str, ...]
    """Every tag of every utterance of the turn, in order."""
    tag_acts: tuple[Act, ...] | None
    """Acts the tags of readable utterances mean (union); None when the turn has no tag verdict
    (unreadable, an untagged role, or a corpus without a mapping)."""
    previous_text: str | None
    """Text of the nearest earlier readable turn of another speaker: the labeller's context."""
    source_path: str
    """File the turn's rows came from."""


class BaselineRate(BaseModel):
    """One per-turn act rate of one role of one corpus from one source."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    corpus: str
    """Corpus name."""
    split: str
    """Splits the rate covers, sorted and joined by `+` (e.g. `dev+train`)."""
    role: str
    """Role whose turns are counted."""
    is_helper: bool
    """Whether this role plays the assistant's part (the baseline a model is set beside)."""
    act: str
    """An act of the vocabulary, or `any`."""
    source: str
    """`tags` or the labeller's name."""
    rate: float | None
    """Turns with the act / turns; None without turns."""
    ci_low: float | None
    """Lower bound of the 95% bootstrap interval over conversations."""
    ci_high: float | None
    """Upper bound of that interval."""
    n_with_act: int
    """Turns with the act."""
    n_turns: int
    """Turns counted (the denominator)."""
    n_conversations: int
    """Conversations with at least one counted turn (the bootstrap's clusters)."""
    labeller_version: str
    """The labeller's version, or for `tags` the tag mapping's version."""


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



# -- reading --------------------------------------------------------------------------------


def corpus_files(path: Path | str) -> list[Path]:
    """A file, or every *.jsonl / *.jsonl.gz under a folder (recursively, sorted)."""
    root = Path(path)
    if root.is_file():
        return [root]
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and (p.name.endswith(".jsonl") or p.name.endswith(".jsonl.gz")))
        if not files:
            raise CorpusFormatError("folder holds no *.jsonl or *.jsonl.gz file", path=root)
        return files
    raise CorpusFormatError("no such file or folder", path=root)


def _open_text(path: Path) -> Any:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        with _open_text(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    yield number, json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise CorpusFormatError(f"not valid JSON ({exc.msg} at column {exc.colno})", path=path, line=number) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CorpusFormatError(f"cannot read: {exc}", path=path) from None


def looks_like_utterances(path: Path) -> bool:
    """Whether the first record of `path` has the schema's turn-level fields (cheap folder filter)."""
    for _, obj in _json_lines(path):
        return isinstance(obj, dict) and all(k in obj for k in ("conversation_id", "turn", "text"))
    return False


def _parse(obj: Any, path: Path, number: int) -> Utterance:
    if not isinstance(obj, dict):
        raise CorpusFormatError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=number)
    for name in UTTERANCE_FIELDS:
        if name not in obj:
            raise CorpusFormatError("missing required field", path=path, line=number, field=name)
    try:
        return Utterance.model_validate({**obj, "source_path": str(path), "source_line": number})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise CorpusFormatError(err["msg"].lower(), path=path, line=number, field=field) from None


def read_utterances(
    path: Path | str, *, splits: Iterable[str] | None = None, on_skip: Callable[[Path], None] | None = None
) -> tuple[list[Utterance], list[Path], list[Path]]:
    """Every utterance under `path` (optionally only these splits), the files read, the files skipped.

    A file named directly must be in the schema; in a folder, files whose first record
    lacks the schema's fields are skipped (and reported), so a corpus folder may keep its
    side files. Bad rows raise CorpusFormatError naming file, line and field.
    """
    root = Path(path)
    wanted = set(splits) if splits else None
    files = corpus_files(root)
    used: list[Path] = []
    skipped: list[Path] = []
    rows: list[Utterance] = []
    for file in files:
        if root.is_dir() and not looks_like_utterances(file):
            skipped.append(file)
            if on_skip:
                on_skip(file)
            continue
        used.append(file)
        for number, obj in _json_lines(file):
            row = _parse(obj, file, number)
            if wanted is None or row.split in wanted:
                rows.append(row)
    if not used:
        raise CorpusFormatError("no file here is in the utterance schema (see ../shared/data/README.md)", path=root)
    if not rows:
        what = f" of split {', '.join(sorted(wanted))}" if wanted else ""
        raise CorpusFormatError(f"no utterances{what} found", path=root)
    return rows, used, skipped


# -- turns ----------------------------------------------------------------------------------


def mapping_for(corpus: str) -> TagMapping | None:
    """The corpus's tag mapping, or None for a corpus without one (the user's own)."""
    return load_tag_mapping(corpus) if corpus in known_corpora() else None


def annotated_roles(utterances: Iterable[Utterance]) -> set[tuple[str, str]]:
    """(corpus, role) pairs with at least one tagged row: roles the corpus annotates."""
    return {(u.corpus, u.role) for u in utterances if u.tags}


def build_turns(utterances: Sequence[Utterance]) -> list[HumanTurn]:
    """Group utterances into turns, checking the schema's promises on the way.

    Within a conversation: positions are unique, turn indices never decrease with position,
    one turn has one speaker, and the conversation has one split. Input order does not
    matter (rows are sorted by position). Output: by corpus, conversation, turn.
    """
    tagged_roles = annotated_roles(utterances)
    mappings = {c: mapping_for(c) for c in sorted({u.corpus for u in utterances})}
    by_conversation: dict[tuple[str, str], list[Utterance]] = defaultdict(list)
    for u in utterances:
        by_conversation[(u.corpus, u.conversation_id)].append(u)
    turns: list[HumanTurn] = []
    for (corpus, conversation_id), rows in sorted(by_conversation.items()):
        rows.sort(key=lambda r: r.position)
        _check_conversation(rows)
        mapping = mappings[corpus]
        grouped: dict[int, list[Utterance]] = defaultdict(list)
        for r in rows:
            grouped[r.turn].append(r)
        last_readable: list[tuple[str, str]] = []  # (speaker, text) of readable turns so far
        for turn_index in sorted(grouped):
            parts = grouped[turn_index]
            first = parts[0]
            use_tags = mapping is not None and (corpus, first.role) in tagged_roles
            verdicts = [mapping.acts_from_tags(p.tags) if use_tags and mapping else set() for p in parts]
            readable_parts = [p for p, v in zip(parts, verdicts, strict=True) if v is not None]
            tag_acts: tuple[Act, ...] | None = None
            if use_tags and readable_parts:
                found = set().union(*(v for v in verdicts if v is not None))
                tag_acts = tuple(a for a in Act if a in found)
            text = " ".join(p.text for p in (readable_parts or parts))
            previous = next((t for s, t in reversed(last_readable) if s != first.speaker), None)
            turns.append(
                HumanTurn(
                    corpus=corpus,
                    split=first.split,
                    conversation_id=conversation_id,
                    turn=turn_index,
                    speaker=first.speaker,
                    role=first.role,
                    text=text,
                    n_utterances=len(parts),
                    readable=bool(readable_parts),
                    tags=tuple(t for p in parts for t in p.tags),
                    tag_acts=tag_acts,
                    previous_text=previous,
                    source_path=first.source_path,
                )
            )
            if readable_parts:
                last_readable.append((first.speaker, text))
    return turns


def _check_conversation(rows: Sequence[Utterance]) -> None:
    seen: dict[int, Utterance] = {}
    for r in rows:
        if r.position in seen:
            first = seen[r.position]
            raise CorpusFormatError(
                f"position {r.position} of conversation {r.conversation_id!r} repeats (first at {first.source_path}, line {first.source_line})",
                path=r.source_path, line=r.source_line, field="position",
            )
        seen[r.position] = r
    speaker_of: dict[int, str] = {}
    previous: Utterance | None = None
    for r in rows:
        if r.split != rows[0].split:
            raise CorpusFormatError(
                f"conversation {r.conversation_id!r} is in split {rows[0].split!r} elsewhere", path=r.source_path, line=r.source_line, field="split"
            )
        if previous is not None and r.turn < previous.turn:
            raise CorpusFormatError(
                f"turn {r.turn} comes after turn {previous.turn} (position {previous.position}) in conversation {r.conversation_id!r}",
                path=r.source_path, line=r.source_line, field="turn",
            )
        expected = speaker_of.setdefault(r.turn, r.speaker)
        if expected != r.speaker:
            raise CorpusFormatError(
                f"turn {r.turn} of conversation {r.conversation_id!r} has speakers {expected!r} and {r.speaker!r}; one turn is one speaker",
                path=r.source_path, line=r.source_line, field="speaker",
            )
        previous = r


def helper_roles_for(corpus: str, roles_present: Iterable[str], override: Sequence[str] | None = None) -> set[str]:
    """The helper role(s): `override` when given (each must occur), else the mapping's.

    A corpus without a mapping and with one role has that role as helper; with several,
    the caller must say which (CorpusRoleError lists them).
    """
    present = sorted(set(roles_present))
    if override:
        unknown = [r for r in override if r not in present]
        if unknown:
            raise CorpusRoleError(f"corpus {corpus!r} has no role {', '.join(map(repr, unknown))}; roles found: {', '.join(present)}")
        return set(override)
    mapping = mapping_for(corpus)
    if mapping is not None:
        return set(mapping.helper_roles) & set(present) or set(mapping.helper_roles)
    if len(present) == 1:
        return set(present)
    raise CorpusRoleError(
        f"corpus {corpus!r} has no tag mapping, so its helper role is unknown: pass --role (roles found: {', '.join(present)})"
    )


# -- rates ----------------------------------------------------------------------------------


def _rate(
    corpus: str, split: str, role: str, is_helper: bool, act: str, source: str, version: str,
    per_conversation: dict[str, tuple[int, int]], *, n_resamples: int, seed: int,
) -> BaselineRate:
    nums = [n for n, _ in per_conversation.values()]
    dens = [d for _, d in per_conversation.values()]
    interval = bootstrap_ratio(nums, dens, n_resamples=n_resamples, seed=seed)
    return BaselineRate(
        corpus=corpus, split=split, role=role, is_helper=is_helper, act=act, source=source,
        rate=interval.estimate, ci_low=interval.low, ci_high=interval.high,
        n_with_act=int(sum(nums)), n_turns=int(sum(dens)), n_conversations=len(per_conversation), labeller_version=version,
    )


def rates_for(
    turns: Sequence[HumanTurn],
    acts_of: Callable[[HumanTurn], Iterable[str] | None],
    acts: Sequence[str],
    *,
    corpus: str, split: str, role: str, is_helper: bool, source: str, version: str,
    n_resamples: int = 10_000, seed: int = 0,
) -> list[BaselineRate]:
    """Per-turn rate of each act (and `any`) over `turns`; a turn whose `acts_of` is None is not counted."""
    counts: dict[str, dict[str, list[int]]] = {a: {} for a in (*acts, ANY_ACT)}
    for t in turns:
        found = acts_of(t)
        if found is None:
            continue
        found_set = set(found) & set(acts)
        for a in (*acts, ANY_ACT):
            cell = counts[a].setdefault(t.conversation_id, [0, 0])
            cell[0] += int(bool(found_set) if a == ANY_ACT else a in found_set)
            cell[1] += 1
    return [
        _rate(corpus, split, role, is_helper, a, source, version, {k: (v[0], v[1]) for k, v in counts[a].items()}, n_resamples=n_resamples, seed=seed)
        for a in (*acts, ANY_ACT)
        if counts[a]
    ]


def compute_baselines(
    turns: Sequence[HumanTurn],
    labels: dict[str, dict[tuple[str, int], tuple[str, ...]]],
    labeller_versions: dict[str, str],
    helper_roles: dict[str, set[str]],
    *,
    n_resamples: int = 10_000,
    seed: int = 0,
) -> list[BaselineRate]:
    """Rates of every role of ONE corpus from its tags (where the mapping covers the role) and each labeller.

    `labels`: labeller name -> (conversation_id, turn) -> acts of the corpus's readable turns;
    `helper_roles`: corpus -> its helper role(s).
    """
    out: list[BaselineRate] = []
    by_corpus_role: dict[tuple[str, str], list[HumanTurn]] = defaultdict(list)
    for t in turns:
        by_corpus_role[(t.corpus, t.role)].append(t)
    for (corpus, role), group in sorted(by_corpus_role.items()):
        split = "+".join(sorted({t.split for t in turns if t.corpus == corpus}))
        is_helper = role in helper_roles.get(corpus, set())
        common = {"corpus": corpus, "split": split, "role": role, "is_helper": is_helper, "n_resamples": n_resamples, "seed": seed}
        mapping = mapping_for(corpus)
        if mapping is not None and any(t.tag_acts is not None for t in group):
            covered = [a.value for a in Act if a in mapping.covered_acts]
            out += rates_for(
                group, lambda t: None if t.tag_acts is None or not t.readable else [a.value for a in t.tag_acts], covered,
                source=TAGS_SOURCE, version=str(mapping.version), **common,
            )
        for name, verdicts in labels.items():
            out += rates_for(
                group, lambda t, v=verdicts: v.get((t.conversation_id, t.turn)) if t.readable else None, [a.value for a in Act],
                source=name, version=labeller_versions[name], **common,
            )
    return out


# -- import ---------------------------------------------------------------------------------

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


# -- queries --------------------------------------------------------------------------------


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
