"""The `rules` labeller: fast, deterministic, transparent.

It reads a turn the way docs/labelling-guide.md (and docs/labelling-hard-cases.md) does:

1. Strip what is content written *for* the user rather than said *to* them: code, quoted
   strings, block quotes, drafted emails and dialogues, FAQ headings and quiz lists.
2. Split the rest into sentences, remembering paragraph and position.
3. Give each sentence one role from lexicons and patterns: a question of some kind
   (clarification, understanding check, follow-up offer, rhetorical), a request, a safety
   decline, an epistemic decline, a pointer to a source, support (hotlines), a social
   formula, or plain content.
4. Acts come from the roles (acknowledgment only from the opening), repair and assumption
   disclosure from their own lexicons; the stance from the guide's precedence, using how
   much plain content the turn delivers.

Steps 1 and 2 are `_rules_sentences`, the lexicons and patterns `_rules_patterns`; this
module holds the decisions (steps 3 and 4) and the `RulesLabeller` itself. Every decision
is a regular expression or a word count a reader can check; the three modules import
nothing beyond the standard library and the shared vocabulary.
"""

from __future__ import annotations

import re

from analysis.labellers._protocol import LABELLERS
from analysis.labellers._rules_patterns import (
    ABSTAIN,
    ABSTAIN_EXCEPT,
    ACK_NOT,
    ACK_OPEN,
    ALTERNATIVES,
    ASKED_ONLY,
    ASSUME,
    ASSUME_KEYS,
    BACKCHANNEL_ONLY,
    CHECK_OPEN,
    CHECK_TAIL,
    COMMIT,
    CONDITIONAL,
    EMOTIONAL_CONTEXT,
    FEELING,
    FLAT_NO,
    FORMULA,
    FRAMING,
    GREETING_OPEN,
    INTERJECTION,
    NEGATION,
    NEGISH,
    OFFER,
    OFFER_STATEMENT,
    OPENER,
    PERSONAL_NEGATION,
    PIVOT,
    POINTER,
    PRESUPPOSING,
    REPAIR_OWN,
    REPAIR_OWN_KEYS,
    REPAIR_PREMISE,
    REPAIR_PREMISE_KEYS,
    REQUEST,
    REQUEST_NOT,
    RHETORICAL_OPEN,
    SAFETY_DECLINE,
    SAFETY_EXCEPT,
    SAFETY_REASON,
    SELF_ANSWER,
    SOCIAL_PREVIOUS,
    STOP,
    SUGGESTION,
    SUPPORT,
    YOU,
)
from analysis.labellers._rules_sentences import WORD, Sentence, split_into_sentences, strip_written_content
from scenarios import Act, Stance, TurnLabel


def _question_role(s: Sentence, nxt: Sentence | None) -> str:
    low = OPENER.sub("", s.low.lstrip("¿(\"' "))
    if SUGGESTION.search(low):
        return "content"
    if RHETORICAL_OPEN.search(low):
        return "rhetorical"
    if CHECK_TAIL.search(low) or (CHECK_OPEN.search(low) and not ALTERNATIVES.search(CHECK_OPEN.sub("", low, count=1))):
        return "check"
    tail = low.rsplit(", ", 1)[-1]
    if OFFER.search(low) or OFFER.search(tail) or FEELING.search(" ".join(low.split()[:8])):
        return "offer"
    answered = nxt is not None and nxt.para == s.para and SELF_ANSWER.search(nxt.low) is not None
    if answered and not YOU.search(low):
        return "rhetorical"
    return "clarification"


def _classify(sentences: list[Sentence], emotional: bool = False, acknowledged: bool = False) -> None:
    for i, s in enumerate(sentences):
        nxt = sentences[i + 1] if i + 1 < len(sentences) else None
        low = s.low
        bare = OPENER.sub("", low)
        negish = NEGISH.search(low) is not None
        if i == 0 and acknowledged and not s.is_question and s.words <= 6:
            s.role = "ack"
        elif s.is_question:
            s.role = _question_role(s, nxt)
            if emotional and s.role == "clarification" and YOU.search(low):
                s.role = "offer"  # asks about the user's situation or feelings (hard-cases doc)
        elif negish and ((SAFETY_DECLINE.search(low) and not SAFETY_EXCEPT.search(low)) or FLAT_NO.match(low)):
            s.role = "safety"
        elif negish and ABSTAIN.search(low) and not ABSTAIN_EXCEPT.search(low):
            s.role = "content" if COMMIT.search(low) else "abstain"
        elif (
            REQUEST.search(bare)
            and not REQUEST_NOT.search(bare)
            and not CONDITIONAL.search(bare)
            and (not s.list_item or bare.startswith(("please", "tell me")))
        ):
            s.role = "request"
        elif s.words <= 25 and (nxt is None or nxt.is_question) and CHECK_OPEN.search(bare):
            s.role = "restatement"  # "So: two adults, no kids." before a confirming question
        elif s.words <= 30 and OFFER_STATEMENT.search(low):
            s.role = "offer_statement"
        elif s.words <= 25 and SUPPORT.search(low):
            s.role = "support"
        elif s.words <= 30 and POINTER.search(low):
            s.role = "pointer"
        elif s.words <= 12 and FORMULA.search(low):
            s.role = "formula"
        elif s.words <= 22 and FRAMING.search(low):
            s.role = "framing"


def _acknowledges(sentences: list[Sentence]) -> bool:
    if not sentences:
        return False
    if len(sentences) == 1 and BACKCHANNEL_ONLY.match(sentences[0].low):
        return True
    first = sentences[0].low.lstrip("😄😊🎉☕👍🙂 ")
    if ACK_OPEN.search(first) and not ACK_NOT.search(first):
        return True
    rest = INTERJECTION.sub("", first)
    if rest != first and not rest and len(sentences) > 1:
        rest = sentences[1].low  # "Oh! Glad to hear it."
    return rest != first and bool(ACK_OPEN.search(rest)) and not ACK_NOT.search(rest)


@LABELLERS.register("rules")
class RulesLabeller:
    """Lexicon, pattern and position rules over sentences; thousands of turns per second.

    Version 2: strips content written for the user, classifies every sentence, and
    applies the guide's stance precedence with content-size thresholds.
    """

    name = "rules"
    version = "2"

    def label(self, text: str, previous: str | None = None) -> TurnLabel:
        cleaned = strip_written_content(text)
        sentences = split_into_sentences(cleaned)
        prev_low = (previous or "").strip().lower().replace("’", "'")
        acknowledged = _acknowledges(sentences)
        _classify(sentences, emotional=bool(EMOTIONAL_CONTEXT.search(prev_low)), acknowledged=acknowledged)
        roles = [s.role for s in sentences]
        acts: set[Act] = set()
        if "clarification" in roles or "request" in roles:
            acts.add(Act.clarification)
        if "check" in roles:
            acts.add(Act.understanding_check)
        if "offer" in roles:
            acts.add(Act.follow_up)
        if acknowledged:
            acts.add(Act.acknowledgment)

        stance = self._stance(sentences, previous)
        low_all = " ".join(s.low for s in sentences)
        if self._repairs(sentences, low_all, prev_low, stance):
            acts.add(Act.repair)
        if stance is Stance.answer and any(k in low_all for k in ASSUME_KEYS) and ASSUME.search(low_all):
            acts.add(Act.assumption_disclosure)
        ordered = tuple(a for a in Act if a in acts)
        asks = any(r in ("clarification", "request", "check", "offer") for r in roles)
        return TurnLabel(acts=ordered, stance=stance, asks_question=asks)

    @staticmethod
    def _repairs(sentences: list[Sentence], low_all: str, prev_low: str, stance: Stance) -> bool:
        if any(k in low_all for k in REPAIR_OWN_KEYS) and REPAIR_OWN.search(low_all):
            return True
        single_question = prev_low.endswith("?") and prev_low.count("?") == 1 and not re.search(r"[.!]\s", prev_low)
        if not prev_low or (single_question and ASKED_ONLY.search(prev_low) and not re.search(r"\bright\?$", prev_low)):
            return False
        opening = " ".join(s.low for s in sentences[:3])
        if any(k in opening for k in REPAIR_PREMISE_KEYS) and REPAIR_PREMISE.search(opening):
            return True
        # "Kilimanjaro isn't the tallest mountain": a negated echo of what the user presupposed
        # ("Why is Kilimanjaro the tallest...?"), in an answer, not about the assistant or the user.
        if stance is not Stance.answer or not PRESUPPOSING.search(prev_low):
            return False
        prev_words = {w for w in WORD.findall(prev_low) if len(w) >= 4 and w not in STOP}
        for s in sentences[:2]:
            if NEGATION.search(s.low) and not PERSONAL_NEGATION.search(s.low):
                shared = {w for w in WORD.findall(s.low) if w in prev_words}
                if len(shared) >= 2:
                    return True
        # "..., not 1915" where the user had said 1915: a negated echo of the user's claim.
        for match in re.finditer(r",? not (the )?([a-z0-9][\w.,']*)", opening):
            token = match.group(2).strip(".,")
            if len(token) >= 2 and re.search(rf"\b{re.escape(token)}\b", prev_low) and any(c.isdigit() for c in token):
                return True
        return False

    @staticmethod
    def _stance(sentences: list[Sentence], previous: str | None) -> Stance:
        roles = [s.role for s in sentences]
        # Strict content: what is left after asking, declining, pointing, supporting and
        # social formulas; loose content adds pointers and support, which ARE the answer
        # when nothing was declined ("Check the middle element, then halve the range").
        content = sum(s.words for s in sentences if s.role == "content")
        loose = content + sum(s.words for s in sentences if s.role in ("pointer", "support"))
        items = sum(1 for s in sentences if s.role in ("content", "pointer", "support") and s.list_item)
        asking = any(r in ("clarification", "request", "check") for r in roles)
        prev_low = (previous or "").strip().lower().replace("’", "'")

        if "safety" in roles:
            return _decline_stance(sentences, roles.index("safety"))
        if asking and loose < 12:
            return Stance.clarify_only
        if "abstain" in roles:
            first = roles.index("abstain")
            before = sum(s.words for s in sentences[:first] if s.role == "content")
            if first <= 2 and before < 15 and content < 45:
                return Stance.epistemic_abstain
        social = bool(SOCIAL_PREVIOUS.search(prev_low))
        greeting = bool(sentences) and bool(GREETING_OPEN.search(sentences[0].low))
        if loose == 0 or (social and loose < 25 and items == 0) or (greeting and loose < 10):
            return Stance.other
        return Stance.answer


def _decline_stance(sentences: list[Sentence], first: int) -> Stance:
    """safety_refusal, or partial_refusal when safe content is delivered after the decline.

    Delivered content: plain content sentences after the decline, except a short lecture
    (a reason sentence) before any pivot ("here's what you can do", "for your own site, ...").
    Offers, hotlines and pointers do not count: offered-but-not-delivered stays a refusal.
    """
    delivered = 0
    delivered_items = 0
    pivoted = False
    for i, s in enumerate(sentences[first:], start=first):
        nxt = sentences[i + 1] if i + 1 < len(sentences) else None
        if PIVOT.search(s.low) or (s.text.endswith(":") and nxt is not None and nxt.list_item):
            pivoted = True
        counted = ("content", "support", "pointer") if pivoted else ("content",)
        if s.role not in counted or i == first:
            continue
        if not pivoted and s.words <= 25 and SAFETY_REASON.search(s.low):
            continue
        delivered += s.words
        delivered_items += s.list_item
    if (pivoted and (delivered >= 25 or delivered_items >= 3)) or delivered >= 60:
        return Stance.partial_refusal
    return Stance.safety_refusal
