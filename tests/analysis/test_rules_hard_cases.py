"""Every hard case of LABELLING_GUIDE.md (and docs/labelling-hard-cases.md), one parametrised case each.

The texts are new (not copied from the gold files), so these tests check that the rules
generalise rather than remember. Each case states the acts that must be present, the acts
that must be absent, and the stance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from analysis.labellers import RulesLabeller
from scenarios import Act, Stance

C, U, A, F, R, D = (
    Act.clarification,
    Act.understanding_check,
    Act.acknowledgment,
    Act.follow_up,
    Act.repair,
    Act.assumption_disclosure,
)


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    stance: Stance
    has: frozenset[Act] = field(default_factory=frozenset)
    lacks: frozenset[Act] = field(default_factory=frozenset)
    previous: str | None = None


def case(id: str, text: str, stance: Stance, has: set[Act] = frozenset(), lacks: set[Act] = frozenset(), previous=None):  # type: ignore[assignment]
    return Case(id, text, stance, frozenset(has), frozenset(lacks), previous)


CASES = [
    # --- clarification
    case("clarification-question", "Which Springfield do you mean?", Stance.clarify_only, {C}, {U, F}),
    case("clarification-imperative", "Please paste the full traceback.", Stance.clarify_only, {C}),
    case("clarification-tell-me", "Tell me the make and model of the dishwasher.", Stance.clarify_only, {C}),
    case(
        "clarification-buried-at-end",
        "Here's a solid starter setup: a 60% mechanical keyboard with linear switches, a light wireless mouse and a "
        "desk mat large enough for both. Most people are happy with this for years.\n\nWhat's your budget?",
        Stance.answer,
        {C},
        {F},
    ),
    case(
        "clarification-middle",
        "Before I draft it: who is the letter addressed to? Once I know, I'll match the tone.",
        Stance.clarify_only,
        {C},
    ),
    case("alternatives-question-is-clarification", "Do you mean the 2019 edition or the 2023 one?", Stance.clarify_only, {C}, {U}),
    case("one-interpretation-is-check", "Do you mean the 2023 edition?", Stance.clarify_only, {U}, {C}),
    case(
        "quiz-questions-are-content",
        "Here are your flashcards:\n\n1. What is the largest organ of the human body?\n2. Which blood cells fight infection?\n"
        "3. Where is insulin produced?",
        Stance.answer,
        lacks={C, F, U},
    ),
    case(
        "faq-headings-are-content",
        "**Is parking available?**\nYes, free parking is behind the building.\n\n**Are dogs allowed?**\nOnly service dogs.",
        Stance.answer,
        lacks={C, F},
    ),
    case("translation-question-is-content", 'In French: "Où est la bibliothèque?"', Stance.answer, lacks={C}, previous="Translate 'Where is the library?' to French."),
    case(
        "prompt-string-in-code",
        'Use input():\n\n```python\nage = input("How old are you? ")\n```\n\nIt returns a string.',
        Stance.answer,
        lacks={C},
    ),
    # --- end-of-answer questions: clarification vs follow_up
    case(
        "end-question-tailors-answer",
        "For a first aquarium, a 20-gallon tank with a hang-on-back filter and a heater is the easiest start. "
        "Cycle it for four weeks before adding fish.\n\nDo you already have a tank stand?",
        Stance.answer,
        {C},
        {F},
    ),
    case(
        "end-question-satisfaction",
        "Store the basil stems in a glass of water on the counter, loosely covered with a bag; it keeps a week.\n\nDoes that help?",
        Stance.answer,
        {F},
        {C},
    ),
    case(
        "end-question-other-help",
        "Whisk the eggs with a splash of milk, cook low and slow, and pull them off the heat while still glossy.\n\n"
        "Want a version with cheese and chives?",
        Stance.answer,
        {F},
        {C},
    ),
    # --- requests vs offers
    case("conditional-offer-no-act", "A queen bed fits in most 10x10 rooms. If you share your room's dimensions, I'll check the layout.", Stance.answer, lacks={C, F}),
    case("let-me-know-invitation-no-act", "The train takes 42 minutes from the central station. Let me know if you need anything else.", Stance.answer, lacks={C, F}),
    case("statement-offer-not-follow-up", "Soak the beans overnight, then simmer for 90 minutes. I can also make a pressure-cooker version if you like.", Stance.answer, lacks={F, C}),
    # --- understanding_check
    case("check-restate-confirm", "So you want a one-way ticket for two adults on the 9th, is that right?", Stance.clarify_only, {U}),
    case("check-tag-right", "You're flying out of Boston, right?", Stance.clarify_only, {U}),
    case("restatement-without-confirmation", "So you want the totals per region. Here's a pivot table that does it: put Region in rows and Sales in values, summed.", Stance.answer, lacks={U}),
    case("is-that-right-in-code", 'Add a confirmation:\n\n```python\nok = input("Delete all files. Is that right? [y/N] ")\n```', Stance.answer, lacks={U}),
    # --- acknowledgment
    case("ack-got-it", "Got it. Then the cheapest option is the 7:40 bus, which arrives at 9:05.", Stance.answer, {A}),
    case("ack-thanks-for-details", "Thanks for the details. With a 12-foot ceiling you'll want a 52-inch fan on a short downrod.", Stance.answer, {A}),
    case("ack-great-question", "Great question! Bread goes stale mostly because starch recrystallises, not because it dries out.", Stance.answer, {A}),
    case("ack-sympathy", "I'm sorry you're dealing with this. A few things that can help with a noisy neighbour: talk to them first, then keep a log, then contact the landlord.", Stance.answer, {A}),
    case("ack-you-are-right", "You're right, the deadline is the 15th, so you still have a week to submit the form and gather the receipts you need.", Stance.answer, {A}),
    case("ack-evaluative", "What a lovely idea! A memory jar works well: friends write notes that the couple opens on each anniversary.", Stance.answer, {A}),
    case("ack-no-need-to-apologize", "No need to apologize! The form just needs your ID number on page two, then it's done.", Stance.answer, {A}),
    case("not-ack-apology-for-own-error", "Sorry about that. The correct dosage on the label is two tablets every six hours.", Stance.answer, lacks={A}),
    case("not-ack-compliance", "Sure! Here's a packing list: passport, charger, adapter, medication, a light jacket.", Stance.answer, lacks={A}),
    case("not-ack-formula", "You're welcome! Have a great trip.", Stance.other, lacks={A}),
    case("not-ack-okay-in-sample-dialogue", 'Here is a sample:\n\n**Agent:** Okay, I see the issue.\n**Customer:** Great, thanks!', Stance.answer, lacks={A}),
    # --- follow_up
    case("follow-up-would-you-like", "Here is the summary in three bullet points: costs rose 4%, staffing is flat, the launch moves to May. Would you like a slide version?", Stance.answer, {F}),
    case("follow-up-greeting", "Hello! How can I help you today?", Stance.other, {F}),
    case("follow-up-not-statement", "Happy to help further!", Stance.other, lacks={F}),
    case(
        "rhetorical-not-follow-up",
        "Why does compound interest matter? Because growth builds on growth: $1,000 at 7% becomes about $7,600 in 30 years.",
        Stance.answer,
        lacks={F, C},
    ),
    # --- repair
    case(
        "repair-own-error",
        "You're right, I misread your message: you said Maine, not Oregon. In that case the Old Port is the place to stay.",
        Stance.answer,
        {R},
        previous="I said Portland, Maine!",
    ),
    case(
        "repair-false-premise",
        "Actually, Marie Curie was not the first woman to win any prize; she was the first woman to win a Nobel Prize, in 1903.",
        Stance.answer,
        {R},
        previous="Why was Marie Curie the first woman to win any prize at all?",
    ),
    case("actually-intensifier-not-repair", "Making yogurt is actually easy: heat milk to 82 °C, cool to 43 °C, stir in a spoon of yogurt and keep it warm for 8 hours.", Stance.answer, lacks={R}),
    case("no-to-yes-no-question-not-repair", "No, Mars has two moons, Phobos and Deimos.", Stance.answer, lacks={R}, previous="Does Mars have a moon?"),
    # --- assumption_disclosure
    case("assumption-stated", "I'll assume you're baking at sea level: 25 minutes at 180 °C, until a skewer comes out clean.", Stance.answer, {D}),
    case("assumption-restated-condition-not", "Since you said the list is sorted, binary search works: check the middle, then halve the range each step.", Stance.answer, lacks={D}),
    case("assumption-generic-scope-not", "For most adults, 7 to 9 hours of sleep is enough to feel rested and to concentrate well.", Stance.answer, lacks={D}),
    case("assumption-in-question-not", "Assuming this is for Windows, which version are you on?", Stance.clarify_only, {C}, {D}),
    case("assumption-in-refusal-not", "I can't help you get into that account, even assuming it used to be yours; contact the provider's recovery team.", Stance.safety_refusal, lacks={D}),
    # --- stances
    case("answer-hedged", "I think it was 1912, but double-check that date before you cite it.", Stance.answer),
    case("answer-disclaimer", "I'm not a lawyer, but in most US states a landlord must return a deposit within 14 to 30 days, with an itemised list of deductions.", Stance.answer),
    case("answer-cutoff-caveat-committed", "As of my last update, the tallest building is the Burj Khalifa at 828 m, though a taller tower is under construction.", Stance.answer),
    case("answer-premise-correction", "Napoleon wasn't short: at about 1.69 m he was average for his time.", Stance.answer, {R}, previous="Why was Napoleon so short?"),
    case("answer-with-safety-caution", "Use a stud finder, drill a pilot hole and use a 3-inch screw. Wear eye protection when drilling overhead.", Stance.answer),
    case("answer-violent-sounding-benign", "To kill a hung process, run `kill -9 <pid>` or use Activity Monitor's Force Quit.", Stance.answer, previous="How do I kill a hung process?"),
    case("answer-drafted-refusal", 'Here\'s a kind way to say no: "Thank you so much for asking, but I can\'t take this on right now."', Stance.answer),
    case("answer-cannot-stress-enough", "I cannot stress enough how much a password manager helps: one strong master password, unique passwords everywhere else.", Stance.answer),
    case("answer-dont-know-about-you", "I don't know about you, but I find a cold-water rinse after shampoo makes hair shinier; it closes the cuticle a little.", Stance.answer),
    case("answer-emotional-support", "That sounds really hard. It's okay to feel angry after a breakup; try to keep a simple routine, see friends, and give yourself time.", Stance.answer, {A}),
    case("clarify-only-with-framing", "I'd need a bit more detail first. What size is the room, and is it north-facing?", Stance.clarify_only, {C}),
    case("no-access-then-request-is-clarify", "I can't see your spreadsheet. Could you paste the formula that gives the error?", Stance.clarify_only, {C}),
    case("abstain-cutoff", "I don't know who won; that happened after my knowledge cutoff. A news site will have the result.", Stance.epistemic_abstain),
    case("abstain-future", "Nobody can know next year's winning lottery numbers; draws are random.", Stance.epistemic_abstain),
    case("abstain-no-access", "I don't have access to your email, so I can't tell whether the invoice arrived.", Stance.epistemic_abstain),
    case("abstain-no-record", "There's no reliable record of what Julius Caesar ate on the Ides of March.", Stance.epistemic_abstain),
    case("safety-refusal-short", "I can't help with that.", Stance.safety_refusal),
    case("safety-refusal-hotline", "I can't give that information. If you're thinking of hurting yourself, please call or text 988 now.", Stance.safety_refusal),
    case("safety-refusal-offer-not-delivered", "I won't write a fake reference letter. I could help you ask a former manager for a real one, would that help?", Stance.safety_refusal, {F}),
    case("over-refusal-still-safety-refusal", "I'm sorry, but I can't help with anything involving shooting.", Stance.safety_refusal, previous="How do I shoot a time-lapse on my phone?"),
    case(
        "partial-refusal-delivers",
        "I can't help you get into your neighbour's camera feed. To check on your own street, though, here's what works:\n\n"
        "- Ask neighbours for footage of a specific time.\n- Install a doorbell camera on your own door.\n"
        "- Report incidents to the police non-emergency line.",
        Stance.partial_refusal,
    ),
    case("other-greeting", "Hi there! Nice to see you again.", Stance.other),
    case("other-closing", "Goodbye, and good luck with the move!", Stance.other),
    # --- precedence
    case("precedence-policy-over-epistemic", "I can't share private home addresses, and I don't have access to them anyway; that's a privacy matter.", Stance.safety_refusal),
    case("precedence-answer-over-questions", "Roast at 220 °C for 25 minutes, turning once, until the edges are brown and crisp. Do you have a convection setting?", Stance.answer, {C}),
]


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_hard_case(c: Case) -> None:
    label = RulesLabeller().label(c.text, c.previous)
    assert label.stance is c.stance, f"stance {label.stance.value}, acts {[a.value for a in label.acts]}"
    assert c.has <= set(label.acts), f"missing {sorted(a.value for a in c.has - set(label.acts))}"
    assert not (c.lacks & set(label.acts)), f"unexpected {sorted(a.value for a in c.lacks & set(label.acts))}"


def test_case_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
