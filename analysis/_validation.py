"""A labeller measured on every validation source, one row per source, never pooled.

Sources: the gold files (`labellers._sources.GOLD_SOURCES`), the XSTest dev portion (real
completions of two models, human labels; refusal-vs-compliance accuracy and kappa, per
model and per prompt type) and each human corpus's dev split against its own tags (per-act
kappa on the acts its tags define). A learned labeller is scored leave-one-source-out on the
sources it is trained on (`refit`), so no figure comes from text its weights saw. Every
source here was looked at while the labellers were built, so every row is marked dev.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from analysis._agreement import ValidationReport, cohen_kappa, compare_labels, label_turns, labeller_id
from analysis.labellers import XSTEST_DEV, LabelInputError, XSTestRow, available_gold_sources, gold_rows, read_xstest, validate_on_corpus
from scenarios import Act, Labeller, Stance, TurnLabel

CORPORA = ("mrda", "esconv")
COMPARABLE_KAPPA = 0.4
"""Below this kappa against a corpus's tags, a human-gap row for that act is not comparable."""


Refit = Callable[[Path | None, Path | None, Callable[[str], None] | None], dict[str, tuple[list[Any], list[TurnLabel]]]]
"""A learned labeller's `leave_one_source_out(data_dir, gold_dir, on_fold)`: per source, its items and their labels."""


def refit_of(labeller: Labeller) -> Refit | None:
    """How a labeller trained on the dev sources is scored on them (None: it is scored as shipped)."""
    return getattr(labeller, "leave_one_source_out", None)


class SourceFigures(BaseModel):
    """A labeller's agreement on one validation source. Version 1."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    source: str
    """gold-dev, fresh-a, ..., xstest-dev, mrda/dev, esconv/dev."""
    kind: str
    """gold (assistant turns), xstest (real completions, stance only) or corpus (human turns vs tags)."""
    status: str
    """dev: looked at while building the labellers; nothing in this repository is held out."""
    method: str
    """as shipped, or leave-one-source-out (refit without this source)."""
    items: int
    """Turns compared."""
    stance_macro_f1: float | None = None
    """Six-way stance macro-F1 (gold sources)."""
    stance_kappa: float | None = None
    """Six-way stance kappa (gold sources)."""
    act_kappa: dict[str, float | None] = {}
    """Per act Cohen's kappa, for the acts the source labels."""
    refusal_accuracy: float | None = None
    """Refusal (full or partial) vs compliance accuracy against the human label (XSTest)."""
    refusal_kappa: float | None = None
    """Kappa of the same binary decision (XSTest)."""
    refusal_accuracy_by_group: dict[str, float] = {}
    """The same accuracy per model and per prompt type (`model:NAME`, `type:NAME`)."""


def _gold_figures(name: str, method: str, report: ValidationReport) -> SourceFigures:
    return SourceFigures(
        source=name, kind="gold", status="dev", method=method, items=report.items,
        stance_macro_f1=report.stance_macro_f1, stance_kappa=report.stance_kappa,
        act_kappa={row.label: row.kappa for row in report.acts},
    )


def _refused(stance: Stance) -> bool:
    return stance in (Stance.safety_refusal, Stance.partial_refusal)


def xstest_figures(rows: Sequence[XSTestRow], labels: Sequence[TurnLabel], method: str) -> SourceFigures:
    """Refusal-vs-compliance agreement with XSTest's human labels, overall and per group."""
    gold = [r.refused for r in rows]
    pred = [_refused(label.stance) for label in labels]
    groups: dict[str, list[bool]] = defaultdict(list)
    for row, g, p in zip(rows, gold, pred, strict=True):
        groups[f"model:{row.model}"].append(g == p)
        groups[f"type:{row.prompt_type}"].append(g == p)
    return SourceFigures(
        source="xstest-dev", kind="xstest", status="dev", method=method, items=len(rows),
        refusal_accuracy=sum(g == p for g, p in zip(gold, pred, strict=True)) / len(rows) if rows else None,
        refusal_kappa=cohen_kappa(gold, pred),
        refusal_accuracy_by_group={k: sum(v) / len(v) for k, v in sorted(groups.items())},
    )


def _refit_figures(refit: Refit, data_dir: Path | None, gold_dir: Path | None, on_step: Callable[[str], None] | None) -> list[SourceFigures]:
    out = []
    for source, (items, labels) in refit(data_dir, gold_dir, on_step).items():
        if source == "xstest-dev":
            rows = read_xstest(data_dir / XSTEST_DEV)  # type: ignore[operator]
            out.append(xstest_figures(rows, labels, "leave-one-source-out"))
            continue
        report = compare_labels(
            [e.acts or () for e in items], [label.acts for label in labels], labeller="refit without this source", gold_source=source,
            gold_stances=[e.stance for e in items], predicted_stances=[label.stance for label in labels],
        )
        out.append(_gold_figures(source, "leave-one-source-out", report))
    return out


def validate_by_source(
    labeller: Labeller,
    *,
    data_dir: Path | None = None,
    gold_dir: Path | None = None,
    corpora: Sequence[str] = CORPORA,
    corpus_limit: int | None = None,
    on_step: Callable[[str], None] | None = None,
) -> list[SourceFigures]:
    """One row per source. A labeller fit on the dev sources (it has `leave_one_source_out`) is scored that way."""
    refit = refit_of(labeller)
    figures: list[SourceFigures] = []
    if refit is not None:
        figures += _refit_figures(refit, data_dir, gold_dir, on_step)
    else:
        for source in available_gold_sources(gold_dir):
            if on_step:
                on_step(source.name)
            rows = gold_rows(source, gold_dir)
            labels = label_turns(labeller, [(r.text, r.previous) for r in rows])
            report = compare_labels(
                [r.acts for r in rows], [label.acts for label in labels], labeller=labeller_id(labeller), gold_source=source.name,
                gold_stances=[r.stance for r in rows], predicted_stances=[label.stance for label in labels],
            )
            figures.append(_gold_figures(source.name, "as shipped", report))
        if data_dir is not None and (data_dir / XSTEST_DEV).is_file():
            if on_step:
                on_step("xstest-dev")
            rows = read_xstest(data_dir / XSTEST_DEV)
            figures.append(xstest_figures(rows, label_turns(labeller, [(r.completion, r.prompt) for r in rows]), "as shipped"))
    for corpus in corpora:
        if data_dir is None or not (data_dir / corpus).is_dir():
            continue
        if on_step:
            on_step(f"{corpus}/dev")
        report = validate_on_corpus(labeller, corpus, split="dev", data_dir=data_dir, limit=corpus_limit)
        figures.append(SourceFigures(source=f"{corpus}/dev", kind="corpus", status="dev", method="as shipped (never trained on corpora)",
                                     items=report.items, act_kappa={row.label: row.kappa for row in report.acts}))
    return figures


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def figures_table(labeller: str, figures: Sequence[SourceFigures]) -> str:
    """Plain text: one line per source, then XSTest's groups."""
    acts = [a.value for a in Act]
    head = f"{'source':12} {'status':6} {'items':>5} {'stanceF1':>8} {'refusal':>7} " + " ".join(f"{a[:8]:>8}" for a in acts) + "  method"
    lines = [f"Labeller {labeller}: agreement per validation source (kappa per act; every source is dev)", head]
    for f in figures:
        kappas = " ".join(f"{_num(f.act_kappa.get(a)) if a in f.act_kappa else '':>8}" for a in acts)
        lines.append(f"{f.source:12} {f.status:6} {f.items:5d} {_num(f.stance_macro_f1):>8} {_num(f.refusal_accuracy):>7} {kappas}  {f.method}")
    for f in figures:
        if f.refusal_accuracy_by_group:
            groups = ", ".join(f"{k} {v:.3f}" for k, v in f.refusal_accuracy_by_group.items())
            lines.append(f"{f.source} refusal accuracy by group (kappa {_num(f.refusal_kappa)}): {groups}")
    return "\n".join(lines)


def save_figures(path: Path, labeller: str, figures: Sequence[SourceFigures]) -> Path:
    path.write_text(json.dumps({"labeller": labeller, "figures": [f.model_dump() for f in figures]}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_figures(path: Path) -> tuple[str, list[SourceFigures]]:
    """Figures saved by `save_figures` (the report's Method section reads them)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data["labeller"], [SourceFigures.model_validate(f) for f in data["figures"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LabelInputError(f"not a validation figures file ({exc})", path=path) from None
