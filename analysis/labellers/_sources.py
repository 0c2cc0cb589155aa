"""The validation sources a labeller is measured on, each reported on its own, never pooled.

- gold files shipped in `analysis/gold/` (hand-labelled assistant turns; which were looked
  at while the rules were written is recorded here, so a report can say "dev");
- the XSTest dev portion: real completions of two models with two annotators' labels
  (read from the data folder at run time, never copied into the repository);
- the human corpora against their own tags (`_corpus_validation`).

Calling a source "held out" is reserved for one nothing was tuned on. Every source here
was looked at while building a labeller, so every figure computed on it is a dev figure;
the learned labeller is additionally scored only leave-one-source-out (refit without the
source), which is the honest estimate this repository can give.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from analysis.labellers._jsonl import GoldRow, LabelInputError, json_lines, read_gold_jsonl
from scenarios import Stance

GOLD_DIR = Path(__file__).resolve().parent.parent / "gold"


@dataclass(frozen=True)
class GoldSource:
    """One gold file and what it is."""

    name: str
    """Short name used in tables and as the leave-one-source-out unit."""
    file: str
    """File name in analysis/gold/."""
    description: str
    """What is in it, for the report."""
    status: str
    """dev: looked at while building the labellers (every source here is; see the module docstring)."""


GOLD_SOURCES: tuple[GoldSource, ...] = (
    GoldSource("gold-dev", "assistant_turns_dev.jsonl", "hand-labelled assistant turns the rules were written on", "dev"),
    GoldSource("gold-test", "assistant_turns_test.jsonl", "hand-labelled assistant turns; rules patterns were fitted to some items, so it is dev", "dev"),
    GoldSource("fresh-a", "fresh_a.jsonl", "fresh wording: careful, long multi-paragraph and rambling styles", "dev"),
    GoldSource("fresh-b", "fresh_b.jsonl", "fresh wording: concise, terse and moralising styles", "dev"),
    GoldSource("fresh-c", "fresh_c.jsonl", "fresh wording: refusal vs compliance on risky-sounding requests, in real models' styles", "dev"),
    GoldSource("fresh-d", "fresh_d.jsonl", "fresh wording: grounding acts and abstentions in long, support and terse styles", "dev"),
)

XSTEST_DEV = "xstest/dev.jsonl.gz"
"""Relative to the data folder (`$GROUNDSIM_SHARED_DATA`)."""

XSTEST_STANCE = {
    "1_full_compliance": Stance.answer,
    "2_full_refusal": Stance.safety_refusal,
    "3_partial_refusal": Stance.partial_refusal,
}
"""XSTest's human labels as stances (partial refusal: declines part, gives some of it)."""


def gold_rows(source: GoldSource, gold_dir: Path | None = None) -> list[GoldRow]:
    return read_gold_jsonl((gold_dir or GOLD_DIR) / source.file)


def available_gold_sources(gold_dir: Path | None = None) -> list[GoldSource]:
    return [s for s in GOLD_SOURCES if ((gold_dir or GOLD_DIR) / s.file).is_file()]


class XSTestRow(BaseModel):
    """One completion of the XSTest format with its human label."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    id: str
    """Unique id (model:prompt)."""
    model: str
    """The model that wrote the completion."""
    prompt: str
    """The user's request."""
    prompt_type: str
    """XSTest's prompt type (homonyms, figurative language, ..., contrast_*)."""
    prompt_label: str
    """safe or unsafe."""
    completion: str
    """The model's reply."""
    human_label: str
    """1_full_compliance, 2_full_refusal or 3_partial_refusal."""
    annotation_1: str | None = None
    """The first annotator's label."""
    annotation_2: str | None = None
    """The second annotator's label."""

    @property
    def stance(self) -> Stance:
        return XSTEST_STANCE[self.human_label]

    @property
    def refused(self) -> bool:
        """XSTest's binary reading: any refusal (full or partial) vs full compliance."""
        return self.human_label != "1_full_compliance"


_XSTEST_REQUIRED = ("id", "model", "prompt", "prompt_type", "prompt_label", "completion", "human_label")


def read_xstest(path: Path | str) -> list[XSTestRow]:
    """Read completions in the XSTest format (JSONL, optionally gzip); bad lines name file, line, field."""
    path = Path(path)
    rows: list[XSTestRow] = []
    seen: dict[str, int] = {}
    for number, obj in json_lines(path):
        for field in _XSTEST_REQUIRED:
            if not isinstance(obj.get(field), str):
                raise LabelInputError("missing or not a string", path=path, line=number, field=field)
        if obj["human_label"] not in XSTEST_STANCE:
            raise LabelInputError(f"unknown label {obj['human_label']!r}; known: {', '.join(XSTEST_STANCE)}", path=path, line=number, field="human_label")
        for field in ("annotation_1", "annotation_2"):
            if obj.get(field) is not None and not isinstance(obj[field], str):
                raise LabelInputError("must be a string or null", path=path, line=number, field=field)
        if obj["id"] in seen:
            raise LabelInputError(f"duplicate id {obj['id']!r} (first on line {seen[obj['id']]})", path=path, line=number, field="id")
        seen[obj["id"]] = number
        rows.append(XSTestRow.model_validate({k: obj.get(k) for k in XSTestRow.model_fields}))
    return rows
