"""Per-turn act rates of each role of a corpus, from its tags and from each labeller.

One job: count turns with each act and put a bootstrap interval on the rate. Intervals
resample conversations (turns of one conversation move together), via
analysis.stats.bootstrap_ratio. Pure computation on turns already built, so the whole
import can be checked and computed before the database is opened for writing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from analysis.baselines._turns import HumanTurn, mapping_for
from analysis.stats import bootstrap_ratio
from scenarios import Act

ANY_ACT = "any"
"""Pseudo-act: the turn has at least one of the acts the source measures."""
TAGS_SOURCE = "tags"
"""`source` of rates computed from the corpus's own tags."""


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
