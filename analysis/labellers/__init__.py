"""Labellers: give every assistant turn its grounding acts and stance."""

from analysis.labellers._embed import EmbedLabeller
from analysis.labellers._judge import JudgeError, JudgeLabeller, JudgeVerdict, judge_messages, parse_verdict
from analysis.labellers._protocol import Labeller, UnknownLabellerError, get_labeller, known_labellers, register_labeller
from analysis.labellers._rules import RulesLabeller

register_labeller("rules", RulesLabeller)
register_labeller("embed", EmbedLabeller)
register_labeller("judge", JudgeLabeller)

__all__ = [
    "EmbedLabeller",
    "JudgeError",
    "JudgeLabeller",
    "JudgeVerdict",
    "Labeller",
    "RulesLabeller",
    "UnknownLabellerError",
    "get_labeller",
    "judge_messages",
    "known_labellers",
    "parse_verdict",
    "register_labeller",
]
