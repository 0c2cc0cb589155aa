"""What every section builder needs: the options, the store, and the conversation frame loaded once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Literal

import pandas as pd

from analysis import metrics
from analysis._queries import Queryable
from analysis._validation import SourceFigures, load_figures
from analysis.labellers import Labeller
from analysis.report._document import Paragraph
from analysis.report._facts import FACTS

VALIDATION_DIR = Path(__file__).resolve().parent.parent / "labellers" / "weights"
"""Where the shipped per-source validation figures of the built-in labellers are."""
GOLD_DIR = Path(__file__).resolve().parent.parent / "gold"
"""analysis/gold: the hand-labelled assistant turns the labeller is validated on."""


def _package_version() -> str:
    try:
        return metadata.version("groundsim")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class ReportOptions:
    """What `groundsim report` was asked for."""

    labeller: str = "hybrid"
    """Labeller name: its labels and outcomes are what the report measures."""
    labeller_version: str = ""
    """Its version (the installed labeller's); outcomes of other versions are ignored."""
    baseline: str | None = None
    """Human corpus to compare with, `CORPUS` or `CORPUS:ROLE`; None picks the largest stored."""
    baseline_source: Literal["labeller", "tags"] = "labeller"
    """`labeller`: human turns labelled by the same labeller (one instrument); `tags`: the corpus's own tags."""
    pairs: tuple[tuple[str, str], ...] = ()
    """(base model, tuned model) pairs for the alignment tax."""
    n_resamples: int = 10_000
    """Bootstrap resamples and permutations per interval or test."""
    seed: int = 0
    """Seed of every resampling, so a report is reproducible."""
    alpha: float = 0.05
    """False discovery rate of the Benjamini-Hochberg correction."""
    db_label: str = ""
    """How the database is named in the report (its path)."""
    code_version: str = field(default_factory=lambda: _package_version())
    """Version of the groundsim that writes the report (the CLI passes version + git commit)."""
    gold_dir: Path = GOLD_DIR
    """Where the gold files for the labeller validation are."""
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    """When the report was written (UTC)."""
    validation_file: Path | None = None
    """Per-source validation figures (`validate-labeller --save`); None: the shipped file for this labeller, if any."""

    @property
    def labeller_id(self) -> str:
        return f"{self.labeller}@{self.labeller_version}"


@dataclass
class ReportContext:
    """The options, the store, and the frames computed once and shared by the sections."""

    store: Queryable
    options: ReportOptions
    conversations: pd.DataFrame
    """Every conversation (all personas) under the chosen labeller (`metrics.load_conversations`)."""
    cited: list[str] = field(default_factory=list)
    """Fact keys cited so far, in order of first citation (listed again in Method)."""
    labeller: Labeller | None = None
    """The labeller instance the Method section validates (None: build it from the options' name)."""
    persona_table: pd.DataFrame | None = None
    """The persona section's disparity table, reused by the alignment tax."""
    baseline_label: str = "none"
    """The human baseline the grounding section chose, in words, for the report's header."""

    @cached_property
    def validation(self) -> list[SourceFigures] | None:
        """The labeller's per-source validation figures, when a figures file for exactly this labeller exists."""
        opts = self.options
        path = opts.validation_file or VALIDATION_DIR / f"{opts.labeller}_v{opts.labeller_version}.validation.json"
        if not path.is_file():
            return None
        labeller, figures = load_figures(path)
        return figures if labeller == opts.labeller_id else None

    def corpus_kappa(self, corpus: str, act: str) -> float | None:
        """The labeller's kappa on `act` against `corpus`'s own tags (dev split), when measured."""
        for f in self.validation or ():
            if f.kind == "corpus" and f.source.split("/")[0] == corpus:
                return f.act_kappa.get(act)
        return None

    @cached_property
    def control(self) -> pd.DataFrame:
        """The no-persona control conversations, for sections with `population = "control"` (selected once: it copies every column)."""
        return metrics.control_only(self.conversations)

    @property
    def models(self) -> list[str]:
        return metrics.models_in(self.conversations)

    def fact(self, key: str) -> Paragraph:
        """A citation paragraph for one of docs/design.md's facts, remembered for the Method section."""
        if key not in self.cited:
            self.cited.append(key)
        fact = FACTS[key]
        return Paragraph(fact.text, kind="fact", source=fact.source)

    @property
    def stats_kwargs(self) -> dict[str, int]:
        return {"n_resamples": self.options.n_resamples, "seed": self.options.seed}
