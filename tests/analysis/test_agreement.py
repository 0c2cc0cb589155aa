"""The agreement maths, checked against hand-computed textbook examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis._agreement import binary_agreement, cohen_kappa, compare_labels, kappa_from_table, validate_labeller
from analysis.labellers._jsonl import GoldRow
from scenarios import Act, Stance, TurnLabel


def _pairs(table: list[list[int]], labels: list[str]) -> tuple[list[str], list[str]]:
    """Expand a contingency table (rows: rater A, columns: rater B) into two label lists."""
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [labels[i]] * count
            b += [labels[j]] * count
    return a, b


def test_kappa_textbook_grant_example() -> None:
    # 50 grant proposals; both say yes to 20, A yes/B no 5, A no/B yes 10, both no 15.
    # p_o = 35/50 = 0.70; p_e = 0.5*0.6 + 0.5*0.4 = 0.50; kappa = (0.70-0.50)/(1-0.50) = 0.40.
    a, b = _pairs([[20, 5], [10, 15]], ["yes", "no"])
    assert cohen_kappa(a, b) == pytest.approx(0.40)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # Same 60% agreement, different marginals (the classic "kappa paradox" pair):
        # p_e = 0.6*0.7 + 0.4*0.3 = 0.54 -> 0.06/0.46
        ([[45, 15], [25, 15]], 0.06 / 0.46),
        # p_e = 0.6*0.3 + 0.4*0.7 = 0.46 -> 0.14/0.54
        ([[25, 35], [5, 35]], 0.14 / 0.54),
    ],
)
def test_kappa_same_agreement_different_marginals(table: list[list[int]], expected: float) -> None:
    a, b = _pairs(table, ["yes", "no"])
    assert cohen_kappa(a, b) == pytest.approx(expected)
    assert kappa_from_table(np.array(table, dtype=float)) == pytest.approx(expected)


def test_kappa_three_categories_by_hand() -> None:
    # n = 20; diagonal 5+4+3 = 12 -> p_o = 0.6.
    # Row totals (A) 8, 6, 6; column totals (B) 7, 7, 6.
    # p_e = (8*7 + 6*7 + 6*6) / 400 = 134/400 = 0.335; kappa = (0.6-0.335)/0.665 = 0.398496...
    a, b = _pairs([[5, 1, 2], [1, 4, 1], [1, 2, 3]], ["x", "y", "z"])
    assert len(a) == 20
    assert cohen_kappa(a, b) == pytest.approx((0.6 - 0.335) / 0.665)


def test_kappa_perfect_and_chance_and_undefined() -> None:
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"]) == pytest.approx(1.0)
    # Agreement exactly at chance: A alternates, B always says "a" half the time in step.
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"]) == pytest.approx(0.0)
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # p_e = 1: undefined
    assert cohen_kappa([], []) is None
    with pytest.raises(ValueError):
        cohen_kappa(["a"], ["a", "b"])


def test_binary_agreement_precision_recall_f1() -> None:
    gold = [True, True, True, False, False, False, False, True]
    pred = [True, True, False, True, False, False, False, False]
    row = binary_agreement("clarification", gold, pred)
    # tp = 2, fp = 1, fn = 2, tn = 3
    assert (row.gold_count, row.predicted_count, row.true_positives) == (4, 3, 2)
    assert row.precision == pytest.approx(2 / 3)
    assert row.recall == pytest.approx(2 / 4)
    assert row.f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    # p_o = 5/8; p_e = (4*3 + 4*5)/64 = 0.5; kappa = 0.125/0.5 = 0.25
    assert row.kappa == pytest.approx(0.25)


def test_binary_agreement_edge_cases() -> None:
    never = binary_agreement("repair", [False, False], [False, False])
    assert never.precision is None and never.recall is None and never.f1 is None
    missed = binary_agreement("repair", [True, False], [False, False])
    assert missed.precision is None and missed.recall == 0.0 and missed.f1 == 0.0
    assert not math.isnan(missed.kappa or 0.0)


def test_compare_labels_stances_confusion_and_rates() -> None:
    gold = [Stance.safety_refusal] * 4 + [Stance.epistemic_abstain] * 5 + [Stance.answer]
    pred = [Stance.safety_refusal] * 3 + [Stance.epistemic_abstain] + [Stance.epistemic_abstain] * 4 + [Stance.safety_refusal, Stance.answer]
    report = compare_labels(
        [()] * 10,
        [()] * 10,
        labeller="fake@1",
        gold_source="unit",
        gold_stances=gold,
        predicted_stances=pred,
    )
    assert report.stance_confusion["safety_refusal"]["epistemic_abstain"] == 1
    assert report.stance_confusion["epistemic_abstain"]["safety_refusal"] == 1
    assert report.safety_refusal_as_epistemic == pytest.approx(1 / 4)
    assert report.epistemic_as_safety_refusal == pytest.approx(1 / 5)
    assert report.stance_accuracy == pytest.approx(8 / 10)
    # macro-F1 over the three stances that occur: safety 3/4 & 3/4, epistemic 4/5 & 4/5, answer 1.
    assert report.stance_macro_f1 == pytest.approx((0.75 + 0.8 + 1.0) / 3)
    text = report.to_text()
    assert "stance confusion" in text and "safety_refusal labelled epistemic_abstain: 25.0%" in text


def test_compare_labels_covered_acts_only() -> None:
    report = compare_labels(
        [{Act.acknowledgment}, set()],
        [{Act.acknowledgment, Act.follow_up}, {Act.follow_up}],
        labeller="fake@1",
        gold_source="corpus",
        covered_acts=[Act.acknowledgment],
    )
    assert [r.label for r in report.acts] == ["acknowledgment"]
    assert report.act(Act.acknowledgment).precision == 1.0
    with pytest.raises(KeyError):
        report.act(Act.follow_up)
    assert report.stances == [] and "stance" not in report.to_text().split("\n")[2]


class _EchoLabeller:
    """Labels every turn as an answer, with a clarification when it has a question mark."""

    name = "echo"
    version = "0"

    def label(self, text: str, previous: str | None = None) -> TurnLabel:
        acts = (Act.clarification,) if "?" in text else ()
        return TurnLabel(acts=acts, stance=Stance.answer)


def test_validate_labeller_uses_labeller_identity_and_gold() -> None:
    rows = [
        GoldRow(id="1", text="Which city?", acts=(Act.clarification,), stance=Stance.clarify_only),
        GoldRow(id="2", text="Paris is the capital.", stance=Stance.answer),
    ]
    report = validate_labeller(_EchoLabeller(), rows, gold_source="tiny")
    assert report.labeller == "echo@0" and report.items == 2
    assert report.act(Act.clarification).kappa == pytest.approx(1.0)
    assert report.stance(Stance.answer).precision == pytest.approx(0.5)
    assert report.stance(Stance.clarify_only).recall == 0.0
