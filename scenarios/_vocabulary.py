"""The label vocabulary of docs/design.md, shared by every package.

Kept in the root package so the user agents (which react to what the assistant did), the
simulator (which stores labels) and the analysis (which produces them) agree on one set
of strings without importing each other.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Act(StrEnum):
    """Grounding acts an assistant turn may contain (zero or more per turn)."""

    clarification = "clarification"
    understanding_check = "understanding_check"
    acknowledgment = "acknowledgment"
    follow_up = "follow_up"
    repair = "repair"
    assumption_disclosure = "assumption_disclosure"


class Stance(StrEnum):
    """What an assistant turn does with the request (exactly one per turn)."""

    answer = "answer"
    clarify_only = "clarify_only"
    epistemic_abstain = "epistemic_abstain"
    safety_refusal = "safety_refusal"
    partial_refusal = "partial_refusal"
    other = "other"


#: Stances that decline the request, for either reason. Kept as two sets because the two
#: kinds of declining must never be merged in a metric.
SAFETY_DECLINES = frozenset({Stance.safety_refusal, Stance.partial_refusal})
EPISTEMIC_DECLINES = frozenset({Stance.epistemic_abstain})

#: Acts that ask the user for something the task needs: what "the assistant asked" means.
ASKING_ACTS = frozenset({Act.clarification, Act.understanding_check})


class TurnLabel(BaseModel):
    """The labels one labeller gave one assistant turn. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    acts: tuple[Act, ...] = ()
    """Grounding acts found in the turn, in vocabulary order, no duplicates."""
    stance: Stance
    """The one stance of the turn."""
    asks_question: bool = False
    """Whether the turn contains any question addressed to the user (of any act or none);
    the demo's 'share of assistant turns that ask a question' reads this."""

    @property
    def asks_for_information(self) -> bool:
        """True when the turn asks the user for something the task needs."""
        return any(a in ASKING_ACTS for a in self.acts)
