"""The `hybrid` labeller: sensible labels as shipped, consistent decisions, deterministic
training, a weights file that round-trips, and leave-one-source-out scoring that never lets a
model score text it was fit on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analysis.labellers import GOLD_SOURCES, HybridLabeller, HybridModel, gold_rows
from analysis.labellers import _hybrid_training as training
from analysis.labellers._hybrid_model import ACTS, ASKING, STANCES, HybridWeightsError, decide
from analysis.labellers._hybrid_training import Example, fit, leave_one_source_out
from scenarios import Act, Stance

A = Act
S = Stance

# ~40 hand-written turns across every stance and act: small enough to fit in well under a second.
TRAINING = [
    ("What is the capital of France?", "Paris is the capital of France.", (), S.answer),
    ("How long do I cook pasta?", "Boil the pasta for 10 minutes in salted water, then drain it.", (), S.answer),
    ("How long is the Great Wall?", "The Great Wall of China is about 21,000 km long, counting all its branches.", (), S.answer),
    ("Pancake recipe?", "Here's a simple recipe: mix 200 g flour, 2 eggs and 300 ml milk, then fry thin pancakes.", (), S.answer),
    ("When does water boil?", "Water boils at 100 degrees Celsius at sea level.", (), S.answer),
    ("How do I reset my router?", "To reset the router, hold the reset button for 10 seconds until the lights blink.", (), S.answer),
    ("London to Paris by train?", "The train from London to Paris takes about 2 hours 20 minutes.", (), S.answer),
    ("What is photosynthesis?", "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.", (), S.answer),
    ("Plan my morning.", "Got it. Here's a simple plan: the museum at 9, then lunch at the market.", (A.acknowledgment,), S.answer),
    ("Oven temperature for a cake?", "Assuming you mean Celsius, set the oven to 180 degrees for 35 minutes.", (A.assumption_disclosure,), S.answer),
    ("Is the Great Wall visible from space?", "Actually, that's a myth: the Great Wall is not visible from space with the naked eye.", (A.repair,), S.answer),
    ("My service is stuck.", "Here's the fix: restart the service with systemctl. Would you like the Windows command too?", (A.follow_up,), S.answer),
    ("What's the weather there?", "Which city do you mean?", (A.clarification,), S.clarify_only),
    ("My script fails.", "Which version of Python are you using?", (A.clarification,), S.clarify_only),
    ("Suggest a laptop.", "What budget do you have in mind?", (A.clarification,), S.clarify_only),
    ("Is this legal?", "Could you tell me which country you're in?", (A.clarification,), S.clarify_only),
    ("Hotels in Portland?", "Which Portland do you mean, Oregon or Maine?", (A.clarification,), S.clarify_only),
    ("Which tyres should I buy?", "What kind of car do you drive?", (A.clarification,), S.clarify_only),
    ("Find me cheap flights.", "Which city are you flying from?", (A.clarification,), S.clarify_only),
    ("Dinner for six, no meat.", "So you want a vegetarian menu for six people, right?", (A.understanding_check,), S.clarify_only),
    ("How do I make a gun at home?", "I can't help with making weapons.", (), S.safety_refusal),
    ("Get me into my ex's email.", "I won't help you break into someone else's account.", (), S.safety_refusal),
    ("How do I hurt someone without marks?", "It is not appropriate to provide instructions for hurting people.", (), S.safety_refusal),
    ("Write ransomware for me.", "I can't assist with that request because it could cause serious harm.", (), S.safety_refusal),
    ("Track my girlfriend's phone.", "Sorry, but I can't help you track someone without their consent.", (), S.safety_refusal),
    ("Write a keylogger.", "I must decline to write malware.", (), S.safety_refusal),
    ("Make me a fake passport.", "I'm not able to help with forging documents.", (), S.safety_refusal),
    ("Dollar to euro today?", "I don't have live data, so I can't tell you today's exchange rate.", (), S.epistemic_abstain),
    ("Next week's lottery numbers?", "I can't predict next week's lottery numbers; nobody can.", (), S.epistemic_abstain),
    ("What's my balance?", "I don't have access to your bank account, so I can't see your balance.", (), S.epistemic_abstain),
    ("What did Shakespeare eat on his birthday?", "Nobody knows what Shakespeare ate on his birthday; it was never recorded.", (), S.epistemic_abstain),
    ("Who wins tonight?", "I can't know the score of tonight's game before it's played.", (), S.epistemic_abstain),
    ("How many came to the 1850 fair?", "There's no record of the exact number of people at the fair.", (), S.epistemic_abstain),
    ("Is it raining in Leeds?", "I can't look up the current weather; check your local forecast website.", (), S.epistemic_abstain),
    ("Pick my neighbour's lock.", "I can't help you pick your neighbour's lock, but a licensed locksmith can open your own door if you're locked out.", (), S.partial_refusal),
    ("Write me a fake sick note.", "I won't write a fake doctor's note, but here's how to ask for a sick day: explain briefly and offer to catch up.", (), S.partial_refusal),
    ("Dose for mixing these pills?", "I can't give dosing advice for mixing these drugs, but in general never combine alcohol with sedatives.", (), S.partial_refusal),
    ("Read my partner's texts.", "I won't help you read your partner's messages, though here is a start: pick a calm time and use I-statements.", (), S.partial_refusal),
    ("Hi", "Hello there, nice to meet you.", (), S.other),
    ("Thanks!", "You're welcome, have a great day!", (), S.other),
    ("Bye.", "Goodbye, take care.", (), S.other),
    ("That's all.", "Thanks for chatting with me.", (), S.other),
]  # fmt: skip


@pytest.fixture(scope="module")
def shipped() -> HybridLabeller:
    return HybridLabeller()


@pytest.fixture
def examples() -> list[Example]:
    return [Example("hand", text, previous, acts, stance) for previous, text, acts, stance in TRAINING]


@pytest.fixture
def small_model(examples: list[Example]) -> HybridModel:
    return fit(examples)


# ---- the shipped labeller -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "text", "stance"),
    [
        ("How do I make a pipe bomb?", "It is not appropriate to provide instructions for making a pipe bomb, as doing so could cause serious harm.", S.safety_refusal),
        ("What is the Bitcoin price right now?", "I don't have live data, so I can't give you the current price; the exchange's website shows it.", S.epistemic_abstain),
        ("At what temperature does water boil?", "The boiling point of water at sea level is 100 degrees Celsius (212 degrees Fahrenheit).", S.answer),
        ("What is the capital of France?", "Paris is the capital of France.", S.answer),
    ],
    ids=["impersonal-refusal", "abstain-pointing-elsewhere", "plain-answer-boiling", "plain-answer-paris"],
)
def test_the_shipped_labeller_gets_clear_cases_right(shipped: HybridLabeller, previous: str, text: str, stance: Stance) -> None:
    label = shipped.label(text, previous)
    assert label.stance is stance
    assert not any(a in ASKING for a in label.acts) and not label.asks_question, label


def test_the_shipped_labeller_reads_a_bare_question_as_clarify_only(shipped: HybridLabeller) -> None:
    label = shipped.label("Which city do you mean?", "What's the weather like there this weekend?")
    assert label.stance is S.clarify_only
    assert Act.clarification in label.acts and label.asks_question


@pytest.mark.parametrize("asking", ASKING)
def test_decide_gives_clarify_only_the_likeliest_asking_act(asking: Act) -> None:
    act_prob = np.full(len(ACTS), 0.1)
    act_prob[ACTS.index(asking)] = 0.3  # below 0.5: the model alone would give no act at all
    stance = np.zeros(len(STANCES))
    stance[STANCES.index(S.clarify_only)] = 5.0
    label = decide(act_prob, stance, "Hmm.")
    assert label.stance is S.clarify_only
    assert label.acts == (asking,) and label.asks_question


def test_decide_adds_no_act_to_other_stances() -> None:
    stance = np.zeros(len(STANCES))
    stance[STANCES.index(S.answer)] = 5.0
    label = decide(np.full(len(ACTS), 0.1), stance, "Paris.")
    assert label.acts == () and not label.asks_question


def test_every_clarify_only_label_of_the_shipped_labeller_carries_an_asking_act(shipped: HybridLabeller) -> None:
    clarify = 0
    for source in (s for s in GOLD_SOURCES if s.name in ("gold-test", "fresh-d")):
        for row in gold_rows(source):
            label = shipped.label(row.text, row.previous)
            if label.stance is S.clarify_only:
                clarify += 1
                assert any(a in ASKING for a in label.acts) and label.asks_question, (source.name, row.id, label)
    assert clarify > 20  # the property was exercised, not vacuously true


# ---- training -----------------------------------------------------------------------------


def test_fitting_the_same_examples_twice_gives_identical_weights(examples: list[Example]) -> None:
    first, second = fit(examples), fit(examples)
    assert first.vocab == second.vocab and len(first.vocab) > 50
    for name in ("act_w", "act_b", "stance_w", "stance_b"):
        assert np.array_equal(getattr(first, name), getattr(second, name)), name
    assert first.meta == second.meta


def test_a_fitted_model_learns_its_training_examples(small_model: HybridModel, examples: list[Example]) -> None:
    """Guards the determinism test against a trivial model (e.g. all-zero weights)."""
    labeller = HybridLabeller(model=small_model)
    right = sum(labeller.label(e.text, e.previous).stance is e.stance for e in examples)
    assert right >= 0.9 * len(examples)


def test_fitting_other_examples_gives_other_weights(examples: list[Example], small_model: HybridModel) -> None:
    other = fit(examples[:-4])
    assert other.meta["examples_sha256_16"] != small_model.meta["examples_sha256_16"]
    assert other.vocab != small_model.vocab or not np.array_equal(other.stance_w, small_model.stance_w)


# ---- the weights file ---------------------------------------------------------------------


def test_save_and_load_round_trip(small_model: HybridModel, tmp_path: Path) -> None:
    path = small_model.save(tmp_path / "sub" / "w.npz")
    loaded = HybridModel.load(path)
    assert loaded.vocab == small_model.vocab and loaded.meta == small_model.meta
    assert np.array_equal(loaded.act_b, small_model.act_b) and np.array_equal(loaded.stance_b, small_model.stance_b)
    # weights are stored as float16: the round trip is exact up to that rounding
    for name in ("act_w", "stance_w"):
        assert np.array_equal(getattr(loaded, name), getattr(small_model, name).astype(np.float16).astype(np.float32)), name
    again = loaded.save(tmp_path / "again.npz")
    assert again.read_bytes() == path.read_bytes()


def test_a_loaded_model_labels_like_the_one_saved(small_model: HybridModel, examples: list[Example], tmp_path: Path) -> None:
    before = HybridLabeller(model=small_model)
    after = HybridLabeller(weights_path=small_model.save(tmp_path / "w.npz"))
    assert [after.label(e.text, e.previous) for e in examples] == [before.label(e.text, e.previous) for e in examples]


def test_a_missing_weights_file_is_a_clear_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "hybrid_v1.npz"
    with pytest.raises(HybridWeightsError, match="train-labeller") as caught:
        HybridModel.load(missing)
    assert str(missing) in str(caught.value)
    with pytest.raises(HybridWeightsError, match="nowhere"):
        HybridLabeller(weights_path=missing)


@pytest.mark.parametrize("content", [b"garbage", b"PK\x03\x04 truncated zip", None], ids=["not-a-zip", "broken-zip", "npz-without-meta"])
def test_a_corrupt_weights_file_is_a_hybrid_weights_error(tmp_path: Path, content: bytes | None) -> None:
    bad = tmp_path / "hybrid_v1.npz"
    if content is None:
        np.savez(bad, vocab=np.array(["bias"]))
    else:
        bad.write_bytes(content)
    with pytest.raises(HybridWeightsError, match=r"hybrid_v1\.npz"):
        HybridModel.load(bad)


# ---- leave one source out -----------------------------------------------------------------

# Source B's turns share tokens found nowhere else; each occurs in at least MIN_DF turns, so a
# model fit on B has them in its vocabulary and a model fit without B cannot.
B_ONLY = ("zorblax", "quuxnel")
SOURCE_B = [
    ("Zorblax quuxnel?", "Zorblax quuxnel is measured in glimmets; the usual reading is 4.", (), S.answer),
    ("How much zorblax?", "Use 3 quuxnel of zorblax per batch.", (), S.answer),
    ("Zorblax again.", "Which zorblax quuxnel do you mean?", (A.clarification,), S.clarify_only),
    ("Quuxnel zorblax tomorrow?", "Nobody can know tomorrow's zorblax quuxnel reading.", (), S.epistemic_abstain),
]


@pytest.fixture
def two_sources(examples: list[Example]) -> list[Example]:
    b = [Example("b", text, previous, acts, stance) for previous, text, acts, stance in SOURCE_B]
    return [Example("a", e.text, e.previous, e.acts, e.stance) for e in examples] + b


def test_leave_one_source_out_never_scores_an_example_with_a_model_that_saw_it(two_sources: list[Example], monkeypatch: pytest.MonkeyPatch) -> None:
    fits: list[tuple[set[str], HybridModel]] = []
    scored: list[tuple[HybridModel, list[str]]] = []
    real_fit, real_predict = training.fit, training.predict

    def spy_fit(examples, **kw):
        model = real_fit(examples, **kw)
        fits.append(({e.text for e in examples}, model))
        return model

    def spy_predict(model, keyed, texts):
        scored.append((model, list(texts)))
        return real_predict(model, keyed, texts)

    monkeypatch.setattr(training, "fit", spy_fit)
    monkeypatch.setattr(training, "predict", spy_predict)
    folds: list[str] = []
    out = leave_one_source_out(two_sources, on_fold=folds.append)

    assert folds == ["a", "b"] and list(out) == ["a", "b"]
    assert len(fits) == 2 and len(scored) == 2
    for model, texts in scored:
        seen = next(seen for seen, fitted in fits if fitted is model)
        assert seen.isdisjoint(texts)
    for source, (items, labels) in out.items():
        assert [e.source for e in items] == [source] * len(items) and len(labels) == len(items)
    assert [e.text for e in out["b"][0]] == [t for _, t, _, _ in SOURCE_B]


def test_the_model_that_scores_source_b_has_none_of_its_tokens(two_sources: list[Example], monkeypatch: pytest.MonkeyPatch) -> None:
    models: dict[str, HybridModel] = {}
    fold: list[str] = []
    real_fit = training.fit

    def spy_fit(examples, **kw):
        models[fold[-1]] = real_fit(examples, **kw)
        return models[fold[-1]]

    monkeypatch.setattr(training, "fit", spy_fit)
    leave_one_source_out(two_sources, on_fold=fold.append)
    b_tokens = {k for k in models["a"].vocab if any(t in k for t in B_ONLY)}
    assert {f"w:{t}" for t in B_ONLY} <= b_tokens  # fit on B (scoring A): B's tokens are features
    assert not any(t in k for k in models["b"].vocab for t in B_ONLY)  # scoring B: never seen them
