"""Labellers: give every assistant turn its grounding acts and stance."""

from analysis.labellers._embed import EmbedLabeller
from analysis.labellers._jsonl import GoldRow, LabelInputError, label_jsonl, read_gold_jsonl
from analysis.labellers._judge import JudgeError, JudgeLabeller, JudgeVerdict, judge_messages, parse_verdict
from analysis.labellers._protocol import LABELLERS, LabellerContext, UnknownLabellerError, get_labeller, known_labellers
from analysis.labellers._rules import RulesLabeller
from analysis.labellers._tag_mapping import TagMapping, known_corpora, load_tag_mapping
from scenarios import Labeller

__all__ = [
    "LABELLERS",
    "EmbedLabeller",
    "GoldRow",
    "JudgeError",
    "JudgeLabeller",
    "JudgeVerdict",
    "LabelInputError",
    "Labeller",
    "LabellerContext",
    "RulesLabeller",
    "TagMapping",
    "UnknownLabellerError",
    "get_labeller",
    "judge_messages",
    "known_corpora",
    "known_labellers",
    "label_jsonl",
    "load_tag_mapping",
    "parse_verdict",
    "read_gold_jsonl",
]
