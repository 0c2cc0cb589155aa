"""Labellers: give every assistant turn its grounding acts and stance."""

from analysis.labellers._protocol import Labeller, UnknownLabellerError, get_labeller, known_labellers, register_labeller
from analysis.labellers._rules import RulesLabeller

register_labeller("rules", RulesLabeller)

__all__ = [
    "Labeller",
    "RulesLabeller",
    "UnknownLabellerError",
    "get_labeller",
    "known_labellers",
    "register_labeller",
]
