"""The hand-labelled gold sets are well formed, and the rules labeller keeps its dev-set targets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from analysis._agreement import validate_labeller
from analysis.labellers import RulesLabeller
from analysis.labellers._jsonl import read_gold_jsonl
from scenarios import Act, Stance

GOLD = Path(__file__).resolve().parents[2] / "analysis" / "gold"
DEV = read_gold_jsonl(GOLD / "assistant_turns_dev.jsonl")
TEST = read_gold_jsonl(GOLD / "assistant_turns_test.jsonl")


def test_dev_set_size_and_stance_balance() -> None:
    assert len(DEV) >= 420
    counts = Counter(row.stance for row in DEV)
    assert all(counts[s] >= 40 for s in Stance), counts


def test_held_out_set_is_about_a_quarter_and_disjoint() -> None:
    share = len(TEST) / (len(TEST) + len(DEV))
    assert 0.2 <= share <= 0.3
    assert not {r.text for r in DEV} & {r.text for r in TEST}
    assert len({r.id for r in DEV + TEST}) == len(DEV) + len(TEST)


def test_every_act_occurs_in_both_sets() -> None:
    for rows in (DEV, TEST):
        present = Counter(a for r in rows for a in r.acts)
        assert all(present[a] >= 5 for a in Act), present


def test_gold_follows_the_guide_on_structural_rules() -> None:
    for row in DEV + TEST:
        # assumption disclosure needs substantive content: never in a refusal or a pure question
        if Act.assumption_disclosure in row.acts:
            assert row.stance is Stance.answer, row.id
        # clarify_only means something was asked or checked
        if row.stance is Stance.clarify_only:
            assert {Act.clarification, Act.understanding_check} & set(row.acts), row.id


@pytest.fixture(scope="module")
def dev_report():
    return validate_labeller(RulesLabeller(), DEV, gold_source="dev")


def test_rules_stance_macro_f1_on_dev(dev_report) -> None:
    assert dev_report.stance_macro_f1 >= 0.85


def test_rules_never_confuses_safety_and_epistemic_declines_on_dev(dev_report) -> None:
    assert dev_report.safety_refusal_as_epistemic <= 0.05
    assert dev_report.epistemic_as_safety_refusal <= 0.05


@pytest.mark.parametrize("act", [Act.clarification, Act.understanding_check, Act.acknowledgment])
def test_rules_act_kappa_on_dev(dev_report, act: Act) -> None:
    assert dev_report.act(act).kappa >= 0.7
