"""Validate a labeller against human dialogue corpora (MRDA, ESConv, Persuasion for Good).

The corpora stay where the user keeps them (downloaded separately and read at run time:
their licences keep their text out of this repository; `$GROUNDSIM_SHARED_DATA` or
`--data-dir` names the folder). Each helper-role utterance is labelled with the
previous utterance of another speaker as context, its tags are mapped to acts by the
corpus's YAML mapping, and only the acts the corpus annotates are scored.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from analysis._agreement import ValidationReport, compare_labels, label_turns, labeller_id
from analysis.labellers._tag_mapping import TagMappingError, load_tag_mapping
from scenarios import Act, Labeller

#: Environment variable naming the folder that holds `<corpus>/<split>.jsonl.gz`.
DATA_DIR_ENV = "GROUNDSIM_SHARED_DATA"


def default_data_dir() -> Path:
    """`$GROUNDSIM_SHARED_DATA`: the folder holding `<corpus>/<split>.jsonl.gz`."""
    configured = os.environ.get(DATA_DIR_ENV)
    if not configured:
        raise TagMappingError(f"no data folder: set {DATA_DIR_ENV} (or pass --data-dir) to the folder holding the corpus files")
    return Path(configured)


def corpus_rows(corpus: str, split: str, data_dir: Path | None = None) -> Iterator[dict[str, Any]]:
    """Rows of `<data_dir>/<corpus>/<split>.jsonl.gz` in file order."""
    path = (data_dir or default_data_dir()) / corpus / f"{split}.jsonl.gz"
    if not path.is_file():
        raise TagMappingError(f"corpus file not found: {path} (set {DATA_DIR_ENV} to the folder holding it)")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def scored_helper_utterances(corpus: str, split: str, data_dir: Path | None = None) -> Iterator[tuple[str, str | None, set[Act]]]:
    """(text, previous utterance of another speaker, acts from the tags) of every scored helper utterance.

    Rows the mapping excludes (MRDA z/x/untagged) and rows of non-helper roles are skipped,
    but still serve as the context of the next one. Validation and training read corpora
    through this one walk.
    """
    mapping = load_tag_mapping(corpus)
    last_by_speaker: tuple[str, str] | None = None  # (speaker, text) of the latest utterance
    previous_other: dict[str, str] = {}
    conversation = None
    for row in corpus_rows(corpus, split, data_dir):
        if row["conversation_id"] != conversation:
            conversation, last_by_speaker, previous_other = row["conversation_id"], None, {}
        speaker, text = row["speaker"], row["text"]
        if last_by_speaker is not None and last_by_speaker[0] != speaker:
            previous_other[speaker] = last_by_speaker[1]
        last_by_speaker = (speaker, text)
        if row["role"] not in mapping.helper_roles:
            continue
        acts = mapping.acts_from_tags(row["tags"])
        if acts is None:
            continue
        yield text, previous_other.get(speaker), acts


def validate_on_corpus(
    labeller: Labeller,
    corpus: str,
    *,
    split: str | None = None,
    data_dir: Path | None = None,
    limit: int | None = None,
) -> ValidationReport:
    """Per-act precision, recall, F1 and kappa of `labeller` against a corpus's mapped tags.

    `split` defaults to the mapping's `validation_split`; `limit` caps the number of
    scored utterances (for quick runs). Rows excluded by the mapping (MRDA z/x/untagged)
    and rows of non-helper roles are skipped, but still serve as context.
    """
    mapping = load_tag_mapping(corpus)
    split = split or mapping.validation_split
    gold: list[set[Act]] = []
    pairs: list[tuple[str, str | None]] = []
    for text, previous, acts in scored_helper_utterances(corpus, split, data_dir):
        gold.append(acts)
        pairs.append((text, previous))
        if limit is not None and len(gold) >= limit:
            break
    predicted = [label.acts for label in label_turns(labeller, pairs)]
    return compare_labels(
        gold,
        predicted,
        labeller=labeller_id(labeller),
        gold_source=f"{corpus}/{split} (tag mapping v{mapping.version})",
        covered_acts=mapping.covered_acts,
    )
