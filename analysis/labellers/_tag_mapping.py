"""Human-corpus tags -> groundsim acts, from one YAML file per corpus in analysis/tag_mappings/.

The mapping is data so that a reader can check it against the vocabulary table of docs/design.md and
the corpus documentation without reading code, and so a new corpus is one new file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from scenarios import Act, GroundsimError

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "tag_mappings"
_COMPONENT_SPLIT = re.compile(r"[\^.]")


class TagMappingError(GroundsimError):
    """A tag-mapping file that is missing or malformed, or an unknown corpus."""


class TagMapping(BaseModel):
    """How one corpus's own tags become groundsim acts. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    corpus: str
    """Corpus name as in the unified utterance format (`mrda`, `esconv`, ...)."""
    version: int = 1
    """Version of this mapping; stored with human baselines computed from it."""
    helper_roles: tuple[str, ...]
    """Roles whose utterances play the assistant's part (their rows are labelled and scored)."""
    exclude_tags: tuple[str, ...] = ()
    """Tag components that make a row unreadable (MRDA `z`, `x`): excluded from every rate."""
    exclude_untagged: bool = True
    """Whether a row with no tags at all is excluded (rather than read as 'no act')."""
    acts: dict[Act, tuple[str, ...]]
    """For each act, the tags (or tag components) that mean it."""
    covered_acts: tuple[Act, ...]
    """Acts the corpus annotates: only these are scored, since a corpus without a tag for an
    act cannot tell whether a row has it."""
    validation_split: str = "dev"
    """The split of the corpus files used to validate labellers (the test split is withheld)."""

    @model_validator(mode="after")
    def _consistent(self) -> TagMapping:
        missing = [a.value for a in self.acts if a not in self.covered_acts]
        if missing:
            raise ValueError(f"acts mapped but not in covered_acts: {', '.join(missing)}")
        return self

    def components(self, tags: Iterable[str]) -> set[str]:
        """The tag components of a row: `s^bk|s` arrives as ["s^bk", "s"] -> {s, bk}; text after ':' is a quote's label."""
        parts: set[str] = set()
        for tag in tags:
            for label in tag.split("|"):
                head = label.split(":", 1)[0]
                parts.add(head)
                parts.update(p for p in _COMPONENT_SPLIT.split(head) if p)
        return parts

    def acts_from_tags(self, tags: Iterable[str]) -> set[Act] | None:
        """Acts the tags mean, or None when the row is excluded (unlabelled, non-speech, untagged)."""
        tag_list = list(tags)
        if not tag_list:
            return None if self.exclude_untagged else set()
        comps = self.components(tag_list)
        if comps & set(self.exclude_tags):
            return None
        return {act for act, names in self.acts.items() if comps & set(names)}


def known_corpora() -> list[str]:
    """Corpora that have a mapping file."""
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


@cache
def load_tag_mapping(corpus: str) -> TagMapping:
    """Read and validate `analysis/tag_mappings/<corpus>.yaml`."""
    path = MAPPINGS_DIR / f"{corpus}.yaml"
    if not path.is_file():
        raise TagMappingError(f"no tag mapping for corpus {corpus!r}; known: {', '.join(known_corpora())}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        mapping = TagMapping.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise TagMappingError(f"{path}: invalid tag mapping: {exc}") from None
    if mapping.corpus != corpus:
        raise TagMappingError(f"{path}: declares corpus {mapping.corpus!r}, expected {corpus!r}")
    return mapping


def acts_from_tags(corpus: str, tags: Iterable[str]) -> set[Act] | None:
    """Map one row's tags of `corpus` to acts; None = excluded row (e.g. MRDA z/x/untagged)."""
    return load_tag_mapping(corpus).acts_from_tags(tags)
