"""Labellers: give every assistant turn its grounding acts and stance."""

from analysis.labellers._embed import EmbedLabeller
from analysis.labellers._judge import JudgeError, JudgeLabeller, JudgeVerdict, judge_messages, parse_verdict
from analysis.labellers._protocol import LABELLERS, LabellerContext, UnknownLabellerError, get_labeller, known_labellers
from analysis.labellers._rules import RulesLabeller
from scenarios import Labeller

__all__ = [
    "LABELLERS",
    "EmbedLabeller",
    "JudgeError",
    "JudgeLabeller",
    "JudgeVerdict",
    "Labeller",
    "LabellerContext",
    "RulesLabeller",
    "UnknownLabellerError",
    "get_labeller",
    "judge_messages",
    "known_labellers",
    "parse_verdict",
]
