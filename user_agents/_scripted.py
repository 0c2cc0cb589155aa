"""Scripted users: deterministic policies, no model calls, the same every run."""

from __future__ import annotations

from scenarios import SAFETY_DECLINES, DialogueView, Fact, Scenario, Stance, UserTurn, normalize_text
from user_agents._questions import _cue_pattern, content_overlap, facts_asked_about, is_yes_no_check, question_sentences
from user_agents._registry import USER_AGENTS

ACCEPT = "Thanks, that's what I needed."
GIVE_UP = "That's not what I need. I'll look elsewhere."
REJECT = "That doesn't quite work for me."
DONT_KNOW = "I don't know, I haven't thought about that."
CONFIRM = "Yes, that's right."
DECLINED = "Okay, thanks anyway."
THANKS = "Okay, thanks."
SILENT = "I'd rather not say. Please just give me your best answer."
NUDGE = "Can you help me with my question?"


def _decline(stance: Stance) -> bool:
    return stance in SAFETY_DECLINES or stance is Stance.epistemic_abstain


class ScriptedUser:
    """Shared reactions: accept an answer that passes the check, stop when the assistant
    declines, turn down a failing answer up to `patience` times, then give up.

    Subclasses decide what to say when the assistant asks or answers wrongly.
    """

    spec = "scripted:base"

    def __init__(self, patience: int = 1) -> None:
        self.patience = patience

    async def open(self, scenario: Scenario, opening: str) -> UserTurn:
        return UserTurn(text=opening)

    async def respond(self, view: DialogueView) -> UserTurn:
        label = view.last_label
        stance = label.stance if label else Stance.answer
        text = view.last_assistant_text
        if _decline(stance):
            return UserTurn(text=DECLINED, done=True, stop_reason="assistant_declined")
        if stance is Stance.answer:
            check = view.scenario.answer_check
            verdict = check.evaluate(text) if check is not None else None
            if verdict is True:
                return UserTurn(text=ACCEPT, done=True, stop_reason="accepted")
            if verdict is None and not self._asks(view):
                # No check the user can apply itself (abstain/refuse kinds, judge checks):
                # an answer ends the dialogue and the analysis grades it.
                return UserTurn(text=THANKS, done=True, stop_reason="answered")
        if self._asks(view):
            return self.on_question(view)
        if stance is Stance.other:
            return self._reject(view, NUDGE)
        return self.on_wrong_answer(view)

    @staticmethod
    def _asks(view: DialogueView) -> bool:
        label = view.last_label
        if label is not None and (label.asks_for_information or label.stance is Stance.clarify_only):
            return True
        if label is not None and label.stance is Stance.other and label.asks_question:
            # A question the labeller did not file as clarification still deserves an answer
            # when the turn attempts nothing else.
            return True
        return bool(question_sentences(view.last_assistant_text)) and label is None

    def _reject(self, view: DialogueView, text: str = REJECT, revealed: tuple[str, ...] = ()) -> UserTurn:
        if view.rejections >= self.patience and not revealed:
            return UserTurn(text=GIVE_UP, done=True, stop_reason="gave_up")
        return UserTurn(text=text, revealed=revealed, stop_reason="rejected")

    def on_question(self, view: DialogueView) -> UserTurn:
        raise NotImplementedError

    def on_wrong_answer(self, view: DialogueView) -> UserTurn:
        return self._reject(view)


def _cue_match(fact: Fact, questions: list[str]) -> tuple[int, float]:
    """How well the questions match a fact's cues: cues found, then the share of its cues found."""
    text = normalize_text(" ".join(questions))
    found = sum(1 for cue in fact.asked_by if _cue_pattern(cue).search(text))
    return found, found / len(fact.asked_by)


def _best_of_each_group(asked: list[Fact], questions: list[str]) -> list[Fact]:
    """Keep one fact per `group` (alternative wordings): the one with the most cues in the
    questions (then the largest share of its cues; then the first); ungrouped facts all stay."""
    best: dict[str, Fact] = {}
    for fact in asked:
        if fact.group is not None:
            current = best.get(fact.group)
            if current is None or _cue_match(fact, questions) > _cue_match(current, questions):
                best[fact.group] = fact
    return [f for f in asked if f.group is None or best[f.group] is f]


def answer_questions(view: DialogueView) -> UserTurn:
    """The cooperative reply to the assistant's questions: reveal what is asked (of a group of
    alternatives, only the best match), say plainly what is not known, confirm a restatement
    of the request itself."""
    questions = question_sentences(view.last_assistant_text) or [view.last_assistant_text]
    asked: list[Fact] = []
    for question in questions:
        for fact in facts_asked_about(question, view.scenario.facts):
            if fact not in asked:
                asked.append(fact)
    asked = _best_of_each_group(asked, questions)
    if asked:
        return UserTurn(text=" ".join(f.text for f in asked), revealed=tuple(f.id for f in asked))
    opening = view.messages[0].content if view.messages else view.scenario.opening
    if all(is_yes_no_check(q) for q in questions) and max(content_overlap(q, opening) for q in questions) >= 0.5:
        return UserTurn(text=CONFIRM)
    return UserTurn(text=DONT_KNOW)


@USER_AGENTS.register("scripted:cooperative")
class CooperativeUser(ScriptedUser):
    """Answers a clarifying question by revealing the fact(s) it asks about, says so plainly
    when asked about something it does not know, accepts an answer that passes the check."""

    spec = "scripted:cooperative"

    def on_question(self, view: DialogueView) -> UserTurn:
        return answer_questions(view)


@USER_AGENTS.register("scripted:sharded")
class ShardedUser(ScriptedUser):
    """Reveals one new fact per turn whatever the assistant does (Lost in Conversation)."""

    spec = "scripted:sharded"

    def _next_shard(self, view: DialogueView) -> Fact | None:
        # Facts of one group are alternative answers (e.g. Qulac's crowd answers): one is enough.
        done_groups = {f.group for f in view.scenario.facts if f.id in view.revealed and f.group}
        return next((f for f in view.scenario.facts if f.id not in view.revealed and not (f.group and f.group in done_groups)), None)

    def on_question(self, view: DialogueView) -> UserTurn:
        return self.on_wrong_answer(view)

    def on_wrong_answer(self, view: DialogueView) -> UserTurn:
        shard = self._next_shard(view)
        if shard is not None:
            return UserTurn(text=shard.text, revealed=(shard.id,))
        return self._reject(view)


@USER_AGENTS.register("scripted:silent")
class SilentUser(ScriptedUser):
    """Never adds information: asked anything, it asks for a best guess."""

    spec = "scripted:silent"

    def on_question(self, view: DialogueView) -> UserTurn:
        return self._reject(view, SILENT)
