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

This module only re-exports; the work is in private modules, one job each: `_read`
(corpus files into utterances), `_turns` (utterances into speaker turns, helper roles),
`_compute` (per-turn rates with intervals) and `_store` (import into the database, list
what is stored). Import from `analysis.baselines`, never from those modules.
"""

from __future__ import annotations

from analysis.baselines._compute import ANY_ACT, TAGS_SOURCE, BaselineRate, compute_baselines, rates_for
from analysis.baselines._compute import _rate as _rate
from analysis.baselines._read import UTTERANCE_FIELDS, CorpusFormatError, Utterance, corpus_files, looks_like_utterances, read_utterances
from analysis.baselines._read import _json_lines as _json_lines
from analysis.baselines._read import _open_text as _open_text
from analysis.baselines._read import _parse as _parse
from analysis.baselines._store import _BASELINE_SCHEMA as _BASELINE_SCHEMA
from analysis.baselines._store import _LABEL_SCHEMA as _LABEL_SCHEMA
from analysis.baselines._store import _TS as _TS
from analysis.baselines._store import _TURN_SCHEMA as _TURN_SCHEMA
from analysis.baselines._store import ImportSummary, baseline_sort_key, import_corpus, list_baselines
from analysis.baselines._store import _act_order as _act_order
from analysis.baselines._store import _replace as _replace
from analysis.baselines._turns import CorpusRoleError, HumanTurn, annotated_roles, build_turns, helper_roles_for, mapping_for
from analysis.baselines._turns import _check_conversation as _check_conversation

__all__ = [
    "ANY_ACT",
    "TAGS_SOURCE",
    "UTTERANCE_FIELDS",
    "BaselineRate",
    "CorpusFormatError",
    "CorpusRoleError",
    "HumanTurn",
    "ImportSummary",
    "Utterance",
    "annotated_roles",
    "baseline_sort_key",
    "build_turns",
    "compute_baselines",
    "corpus_files",
    "helper_roles_for",
    "import_corpus",
    "list_baselines",
    "looks_like_utterances",
    "mapping_for",
    "rates_for",
    "read_utterances",
]
