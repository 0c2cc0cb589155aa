"""The `hybrid` labeller's model: a vocabulary, one weight column per act and stance, and the decision.

Kept apart from the labeller so training (`_hybrid_training`) can build and save models
without importing the labeller, which itself offers leave-one-source-out through training.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from analysis.labellers._linear import sigmoid
from scenarios import Act, GroundsimError, Stance, TurnLabel

ACTS = tuple(Act)
STANCES = tuple(Stance)
ASKING = (Act.clarification, Act.understanding_check, Act.follow_up)
WEIGHTS_PATH = Path(__file__).resolve().parent / "weights" / "hybrid_v1.npz"


class HybridWeightsError(GroundsimError):
    """The hybrid labeller's weights file is missing or not of this version."""


class HybridModel:
    """A vocabulary and one weight column per act and per stance."""

    def __init__(self, vocab: Sequence[str], act_w: np.ndarray, act_b: np.ndarray, stance_w: np.ndarray, stance_b: np.ndarray, meta: dict | None = None) -> None:
        self.vocab = list(vocab)
        self.index = {k: i for i, k in enumerate(self.vocab)}
        self.act_w, self.act_b = act_w.astype(np.float32), act_b.astype(np.float32)
        self.stance_w, self.stance_b = stance_w.astype(np.float32), stance_b.astype(np.float32)
        self.meta = meta or {}

    @classmethod
    def load(cls, path: Path | str) -> HybridModel:
        path = Path(path)
        if not path.is_file():
            raise HybridWeightsError(f"no weights at {path}; rebuild them with `groundsim train-labeller`")
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                model = cls([str(k) for k in data["vocab"]], data["act_w"], data["act_b"], data["stance_w"], data["stance_b"], meta)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise HybridWeightsError(f"{path} is not a hybrid weights file ({type(exc).__name__}: {exc}); rebuild it with `groundsim train-labeller`") from None
        if meta.get("acts") != [a.value for a in ACTS] or meta.get("stances") != [s.value for s in STANCES]:
            raise HybridWeightsError(f"{path} was trained for another label vocabulary; rebuild it with `groundsim train-labeller`")
        if model.act_w.shape != (len(model.vocab), len(ACTS)) or model.stance_w.shape != (len(model.vocab), len(STANCES)):
            raise HybridWeightsError(f"{path}: weight shapes do not match its vocabulary; rebuild it with `groundsim train-labeller`")
        return model

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            meta=np.array(json.dumps(self.meta, sort_keys=True)),
            vocab=np.array(self.vocab),
            act_w=self.act_w.astype(np.float16),
            act_b=self.act_b,
            stance_w=self.stance_w.astype(np.float16),
            stance_b=self.stance_b,
        )
        return path

    def scores(self, keys: list[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray]:
        """(act probabilities, stance logits) of one turn's keys; unknown keys are ignored."""
        hits = [(i, v) for k, v in keys if (i := self.index.get(k)) is not None]
        idx = [i for i, _ in hits]
        val = np.array([v for _, v in hits], dtype=np.float32)
        act = self.act_b + (val @ self.act_w[idx] if idx else 0.0)
        stance = self.stance_b + (val @ self.stance_w[idx] if idx else 0.0)
        return sigmoid(np.asarray(act, dtype=np.float64)), np.asarray(stance, dtype=np.float64)


def decide(act_prob: np.ndarray, stance_logits: np.ndarray, text: str) -> TurnLabel:
    """Turn scores into one consistent label (a clarify-only turn asks something)."""
    stance = STANCES[int(np.argmax(stance_logits))]
    acts = [a for a, p in zip(ACTS, act_prob, strict=True) if p >= 0.5]
    if stance is Stance.clarify_only and not any(a in ASKING for a in acts):
        best = max(ASKING, key=lambda a: act_prob[ACTS.index(a)])
        acts.append(best)
    acts.sort(key=ACTS.index)
    asks = any(a in ASKING for a in acts)
    return TurnLabel(acts=tuple(acts), stance=stance, asks_question=asks)
