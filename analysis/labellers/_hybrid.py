"""The `hybrid` labeller (the default): the rules as transparent features, a linear model on top.

Why: hand-written rules read wording; they miss refusals phrased impersonally, abstentions
that point elsewhere, and let one sentence of a long answer decide. A linear model over the
rules' verdicts (on the whole turn, its opening and its closing) plus position-tagged word
n-grams learns how those cues combine, from every dev source the project has: the gold
turns, the fresh-wording sets written in real models' styles, and the XSTest dev portion's
human labels. It stays inspectable (a vocabulary and a weight per key) and fast (numpy
only: no torch at label time), and `groundsim train-labeller` rebuilds the shipped weights
byte-for-byte from the same data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from analysis.labellers._hybrid_features import weighted_keys
from analysis.labellers._hybrid_model import WEIGHTS_PATH, HybridModel, decide
from analysis.labellers._hybrid_training import Example, leave_one_source_out, load_examples
from analysis.labellers._protocol import LABELLERS
from analysis.labellers._rules import RulesLabeller
from scenarios import TurnLabel


@LABELLERS.register("hybrid")
class HybridLabeller:
    """The default: rules as features plus a linear model trained on every dev source (numpy only, fast)."""

    name = "hybrid"
    version = "1"

    def __init__(self, model: HybridModel | None = None, weights_path: Path | str | None = None) -> None:
        self.rules = RulesLabeller()
        self.model = model or HybridModel.load(weights_path or WEIGHTS_PATH)

    @staticmethod
    def leave_one_source_out(
        data_dir: Path | None, gold_dir: Path | None = None, on_fold: Callable[[str], None] | None = None
    ) -> dict[str, tuple[list[Example], list[TurnLabel]]]:
        """Refit without each dev source and label it: how validation scores a labeller trained on the dev sources."""
        return leave_one_source_out(load_examples(data_dir, gold_dir), on_fold=on_fold)

    def label(self, text: str, previous: str | None = None) -> TurnLabel:
        act_prob, stance = self.model.scores(weighted_keys(text, previous, self.rules))
        return decide(act_prob, stance, text)
