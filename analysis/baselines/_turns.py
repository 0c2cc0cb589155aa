"""Grouping utterances into speaker turns, the unit every human rate counts.

One job: build `HumanTurn`s and decide which role is the helper. A model's assistant
turn corresponds to a human speaker turn (consecutive utterances of one speaker), so the
rates are per turn; the schema's promises (unique positions, one speaker per turn, one
split per conversation) are checked on the way because a broken corpus would otherwise
give wrong rates silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from analysis.baselines._read import CorpusFormatError, Utterance
from analysis.labellers import TagMapping, known_corpora, load_tag_mapping
from scenarios import Act, GroundsimError


class CorpusRoleError(GroundsimError):
    """A helper role that is unknown, or cannot be told for a corpus without a mapping."""


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
