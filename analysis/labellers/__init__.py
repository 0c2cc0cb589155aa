"""Labellers: give every assistant turn its grounding acts and stance."""

from analysis.labellers._corpus_validation import validate_on_corpus
from analysis.labellers._embed import EmbedLabeller
from analysis.labellers._hybrid import HybridLabeller
from analysis.labellers._hybrid_model import WEIGHTS_PATH as HYBRID_WEIGHTS
from analysis.labellers._hybrid_model import HybridModel
from analysis.labellers._hybrid_training import leave_one_source_out, load_examples
from analysis.labellers._hybrid_training import train as train_hybrid
from analysis.labellers._jsonl import GoldRow, LabelInputError, label_jsonl, read_gold_jsonl
from analysis.labellers._judge import JudgeError, JudgeLabeller, JudgeVerdict, judge_messages, parse_verdict
from analysis.labellers._protocol import LABELLERS, LabellerContext, UnknownLabellerError, get_labeller, known_labellers
from analysis.labellers._rules import RulesLabeller
from analysis.labellers._sources import GOLD_SOURCES, XSTEST_DEV, GoldSource, XSTestRow, available_gold_sources, gold_rows, read_xstest
from analysis.labellers._tag_mapping import TagMapping, known_corpora, load_tag_mapping
from scenarios import Labeller

__all__ = [
    "GOLD_SOURCES",
    "HYBRID_WEIGHTS",
    "LABELLERS",
    "XSTEST_DEV",
    "EmbedLabeller",
    "GoldRow",
    "GoldSource",
    "HybridLabeller",
    "HybridModel",
    "JudgeError",
    "JudgeLabeller",
    "JudgeVerdict",
    "LabelInputError",
    "Labeller",
    "LabellerContext",
    "RulesLabeller",
    "TagMapping",
    "UnknownLabellerError",
    "XSTestRow",
    "available_gold_sources",
    "get_labeller",
    "gold_rows",
    "judge_messages",
    "known_corpora",
    "known_labellers",
    "label_jsonl",
    "leave_one_source_out",
    "load_examples",
    "load_tag_mapping",
    "parse_verdict",
    "read_gold_jsonl",
    "read_xstest",
    "train_hybrid",
    "validate_on_corpus",
]
