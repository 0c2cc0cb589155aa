"""How far a labeller agrees with gold labels: precision, recall, F1 and Cohen's kappa.

The same arithmetic serves every comparison groundsim makes (a labeller against our gold
assistant turns, against human-corpus tags mapped to our acts, one labeller against
another), so it lives here once, in numpy, with no dependency on a metrics library.
Acts are compared one at a time as present/absent; the stance as one six-way label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict

from scenarios import Act, Stance, TurnLabel

if TYPE_CHECKING:
    from analysis.labellers._jsonl import GoldRow
    from scenarios import Labeller


def cohen_kappa(gold: Sequence[object], predicted: Sequence[object]) -> float | None:
    """Cohen's kappa of two nominal labelings of the same items.

    kappa = (p_o - p_e) / (1 - p_e), with p_o the observed agreement and p_e the agreement
    expected by chance from each rater's marginals. None when it is undefined (no items,
    or both raters used one and the same category for everything, so p_e = 1).
    """
    if len(gold) != len(predicted):
        raise ValueError(f"gold has {len(gold)} labels, predicted {len(predicted)}")
    if not gold:
        return None
    categories = sorted({*gold, *predicted}, key=repr)
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)), dtype=np.float64)
    np.add.at(table, ([index[g] for g in gold], [index[p] for p in predicted]), 1.0)
    return kappa_from_table(table)


def kappa_from_table(table: np.ndarray) -> float | None:
    """Cohen's kappa from a square contingency table (rows: rater A, columns: rater B)."""
    total = float(table.sum())
    if total == 0:
        return None
    observed = float(np.trace(table)) / total
    expected = float(table.sum(axis=1) @ table.sum(axis=0)) / (total * total)
    if np.isclose(expected, 1.0):
        return None
    return (observed - expected) / (1.0 - expected)


class BinaryAgreement(BaseModel):
    """Agreement on one label treated as present/absent (one act, or one stance vs the rest)."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    label: str
    """The act or stance this row is about."""
    gold_count: int
    """Items the gold labels give this label."""
    predicted_count: int
    """Items the labeller gives this label."""
    true_positives: int
    """Items both give it."""
    precision: float | None
    """true_positives / predicted_count; None when the labeller never gives it."""
    recall: float | None
    """true_positives / gold_count; None when the gold never has it."""
    f1: float | None
    """Harmonic mean of precision and recall; 0.0 when either is 0, None when both are undefined."""
    kappa: float | None
    """Cohen's kappa of the present/absent decision over all items; None when undefined."""


def binary_agreement(label: str, gold: Sequence[bool], predicted: Sequence[bool]) -> BinaryAgreement:
    """Precision, recall, F1 and kappa for one present/absent decision."""
    if len(gold) != len(predicted):
        raise ValueError(f"gold has {len(gold)} labels, predicted {len(predicted)}")
    g = np.asarray(gold, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    tp = int(np.sum(g & p))
    gold_count, predicted_count = int(g.sum()), int(p.sum())
    precision = tp / predicted_count if predicted_count else None
    recall = tp / gold_count if gold_count else None
    if precision is None and recall is None:
        f1 = None
    elif not precision or not recall:
        f1 = 0.0
    else:
        f1 = 2 * precision * recall / (precision + recall)
    table = np.array(
        [[np.sum(g & p), np.sum(g & ~p)], [np.sum(~g & p), np.sum(~g & ~p)]],
        dtype=np.float64,
    )
    return BinaryAgreement(
        label=label,
        gold_count=gold_count,
        predicted_count=predicted_count,
        true_positives=tp,
        precision=precision,
        recall=recall,
        f1=f1,
        kappa=kappa_from_table(table),
    )


class ValidationReport(BaseModel):
    """A labeller's agreement with a set of gold labels."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    labeller: str
    """Name and version of the labeller, e.g. `rules@2`."""
    gold_source: str
    """Where the gold labels came from (a file, or a corpus and split)."""
    items: int
    """How many turns (or utterances) were compared."""
    acts: list[BinaryAgreement]
    """One row per act the gold labels cover, in vocabulary order."""
    stances: list[BinaryAgreement] = []
    """One row per stance (one-vs-rest); empty when the gold has no stance (human corpora)."""
    stance_accuracy: float | None = None
    """Share of items whose stance matches; None without gold stances."""
    stance_macro_f1: float | None = None
    """Unweighted mean F1 over the stances present in gold or predictions."""
    stance_kappa: float | None = None
    """Cohen's kappa of the six-way stance."""
    stance_confusion: dict[str, dict[str, int]] = {}
    """Counts: gold stance -> predicted stance -> items."""
    safety_refusal_as_epistemic: float | None = None
    """Share of gold safety_refusal turns labelled epistemic_abstain (target <= 0.05)."""
    epistemic_as_safety_refusal: float | None = None
    """Share of gold epistemic_abstain turns labelled safety_refusal (target <= 0.05)."""

    def act(self, act: Act | str) -> BinaryAgreement:
        """The row for one act (KeyError when the gold did not cover it)."""
        for row in self.acts:
            if row.label == str(act):
                return row
        raise KeyError(str(act))

    def stance(self, stance: Stance | str) -> BinaryAgreement:
        """The row for one stance (KeyError when stances were not compared)."""
        for row in self.stances:
            if row.label == str(stance):
                return row
        raise KeyError(str(stance))

    def to_text(self) -> str:
        """A plain-text rendering for terminals and reports."""
        lines = [f"Labeller {self.labeller} vs {self.gold_source}: {self.items} items", ""]
        lines += _table("act", self.acts)
        if self.stances:
            lines += ["", *_table("stance", self.stances)]
            lines += [
                "",
                f"stance accuracy {_fmt(self.stance_accuracy)}  macro-F1 {_fmt(self.stance_macro_f1)}  "
                f"kappa {_fmt(self.stance_kappa)}",
                f"safety_refusal labelled epistemic_abstain: {_pct(self.safety_refusal_as_epistemic)}; "
                f"epistemic_abstain labelled safety_refusal: {_pct(self.epistemic_as_safety_refusal)}",
                "",
                "stance confusion (rows: gold, columns: predicted)",
            ]
            lines += _confusion_lines(self.stance_confusion)
        return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _table(title: str, rows: Iterable[BinaryAgreement]) -> list[str]:
    head = f"{title:<22} {'gold':>5} {'pred':>5} {'prec':>6} {'rec':>6} {'F1':>6} {'kappa':>6}"
    out = [head, "-" * len(head)]
    for r in rows:
        out.append(
            f"{r.label:<22} {r.gold_count:>5} {r.predicted_count:>5} {_fmt(r.precision):>6} "
            f"{_fmt(r.recall):>6} {_fmt(r.f1):>6} {_fmt(r.kappa):>6}"
        )
    return out


_SHORT = {
    "answer": "ans",
    "clarify_only": "clar",
    "epistemic_abstain": "epist",
    "safety_refusal": "safety",
    "partial_refusal": "partial",
    "other": "other",
}


def _confusion_lines(confusion: dict[str, dict[str, int]]) -> list[str]:
    names = [s.value for s in Stance]
    out = [f"{'':<18}" + "".join(f"{_SHORT[n]:>8}" for n in names)]
    for g in names:
        row = confusion.get(g, {})
        out.append(f"{g:<18}" + "".join(f"{row.get(p, 0):>8}" for p in names))
    return out


def compare_labels(
    gold_acts: Sequence[Iterable[Act]],
    predicted_acts: Sequence[Iterable[Act]],
    *,
    labeller: str,
    gold_source: str,
    covered_acts: Iterable[Act] | None = None,
    gold_stances: Sequence[Stance] | None = None,
    predicted_stances: Sequence[Stance] | None = None,
) -> ValidationReport:
    """Compare per-item act sets (and, when given, stances) with gold labels.

    `covered_acts` limits the act rows to the acts the gold source actually annotates: a
    human corpus with no follow_up tag cannot say whether a turn is a follow_up, so the
    labeller's follow_up verdicts are not scored against it. Default: every act.
    """
    if len(gold_acts) != len(predicted_acts):
        raise ValueError(f"{len(gold_acts)} gold items but {len(predicted_acts)} predicted")
    covered = [a for a in Act if covered_acts is None or a in set(covered_acts)]
    gold_sets = [set(a) for a in gold_acts]
    pred_sets = [set(a) for a in predicted_acts]
    act_rows = [binary_agreement(a.value, [a in g for g in gold_sets], [a in p for p in pred_sets]) for a in covered]
    fields: dict[str, object] = {}
    if gold_stances is not None:
        if predicted_stances is None or len(predicted_stances) != len(gold_stances):
            raise ValueError("gold and predicted stances must both be given, one per item")
        fields = _stance_fields(list(gold_stances), list(predicted_stances))
    return ValidationReport(
        labeller=labeller,
        gold_source=gold_source,
        items=len(gold_sets),
        acts=act_rows,
        **fields,  # type: ignore[arg-type]
    )


def _stance_fields(gold: list[Stance], predicted: list[Stance]) -> dict[str, object]:
    rows = [binary_agreement(s.value, [g == s for g in gold], [p == s for p in predicted]) for s in Stance]
    seen = [r for r in rows if r.gold_count or r.predicted_count]
    f1s = [r.f1 or 0.0 for r in seen]
    confusion: dict[str, dict[str, int]] = {s.value: {t.value: 0 for t in Stance} for s in Stance}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g.value][p.value] += 1
    n = len(gold)

    def rate(src: Stance, dst: Stance) -> float | None:
        total = sum(confusion[src.value].values())
        return confusion[src.value][dst.value] / total if total else None

    return {
        "stances": rows,
        "stance_accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / n if n else None,
        "stance_macro_f1": float(np.mean(f1s)) if f1s else None,
        "stance_kappa": cohen_kappa([g.value for g in gold], [p.value for p in predicted]),
        "stance_confusion": confusion,
        "safety_refusal_as_epistemic": rate(Stance.safety_refusal, Stance.epistemic_abstain),
        "epistemic_as_safety_refusal": rate(Stance.epistemic_abstain, Stance.safety_refusal),
    }


def labeller_id(labeller: Labeller) -> str:
    """`name@version`, the identity stored with every label."""
    return f"{labeller.name}@{labeller.version}"


def label_turns(labeller: Labeller, pairs: Sequence[tuple[str, str | None]]) -> list[TurnLabel]:
    """Label (text, previous) pairs, in one batch when the labeller offers `label_many(texts)`."""
    batch = getattr(labeller, "label_many", None)
    if callable(batch):
        return list(batch([text for text, _ in pairs]))
    return [labeller.label(text, previous) for text, previous in pairs]


def validate_labeller(labeller: Labeller, gold_rows: Sequence[GoldRow], *, gold_source: str = "gold") -> ValidationReport:
    """Label every gold turn with `labeller` and compare acts and stance with the gold."""
    predicted = label_turns(labeller, [(row.text, row.previous) for row in gold_rows])
    return compare_labels(
        [row.acts for row in gold_rows],
        [label.acts for label in predicted],
        labeller=labeller_id(labeller),
        gold_source=gold_source,
        gold_stances=[row.stance for row in gold_rows],
        predicted_stances=[label.stance for label in predicted],
    )
