"""Reading an assistant turn the way a scripted user does: which questions, about which facts."""

from __future__ import annotations

import re
from functools import lru_cache

from scenarios import Fact, normalize_text

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_REQUEST = re.compile(
    r"\b(please (tell|share|let me know|provide|send|paste|give|specify|confirm|clarify)|"
    r"(could|can|would) you (tell|share|let me know|provide|specify|clarify|confirm|give)|"
    r"let me know (what|which|how|if|whether|your)|tell me (what|which|how|your|about|more)|"
    r"i('d| would) need to know|i need to know|what is your|what's your)\b"
)
_CHECK_OPENERS = re.compile(
    r"^(so|just to confirm|to confirm|to be clear|just to be sure|do you mean|did you mean|you mean|"
    r"are you (asking|looking|saying)|is (it|that) (right|correct)|you('re| are) (looking|asking|saying))\b"
)
_YES_NO = re.compile(r"^(do|does|did|is|are|was|were|will|would|should|can|could|have|has|so|you)\b")
_WORD = re.compile(r"[a-z0-9']+")
_STOP = frozenset(
    ["a", "an", "the", "to", "for", "of", "in", "on", "at", "and", "or", "is", "are", "be", "i", "you", "my", "your", "me", "it", "that", "this", "with", "do", "does", "what", "which", "how", "want", "need", "like", "would", "could", "can", "just", "so", "right", "correct", "please"]
)


def question_sentences(text: str) -> list[str]:
    """The sentences of `text` that ask the user something (questions or direct requests)."""
    found = []
    for sentence in _SENTENCE_SPLIT.split(text):
        s = sentence.strip().strip("*_#>- ")
        if not s:
            continue
        if s.endswith("?") or "?" in s or _REQUEST.search(normalize_text(s)):
            found.append(s)
    return found


@lru_cache(maxsize=4096)
def _cue_pattern(cue: str) -> re.Pattern[str]:
    norm = re.escape(normalize_text(cue))
    left = r"\b" if re.match(r"\w", cue[:1]) else ""
    right = r"(?:s|es)?\b" if re.match(r"\w", cue[-1:]) else ""
    return re.compile(left + norm + right)


def facts_asked_about(question: str, facts: tuple[Fact, ...] | list[Fact]) -> list[Fact]:
    """Facts whose cue phrases occur in `question`, in the scenario's order."""
    norm = normalize_text(question)
    return [f for f in facts if any(_cue_pattern(c).search(norm) for c in f.asked_by)]


def is_yes_no_check(question: str) -> bool:
    """A yes/no question that proposes one reading ("So you want X, right?", "Do you mean X?")."""
    norm = normalize_text(question)
    return bool(_CHECK_OPENERS.search(norm) or _YES_NO.search(norm) or norm.endswith(("right?", "correct?")))


def content_overlap(question: str, reference: str) -> float:
    """Share of the question's content words that also occur in `reference`."""
    q = {w for w in _WORD.findall(normalize_text(question)) if w not in _STOP}
    r = {w.rstrip("s") for w in _WORD.findall(normalize_text(reference)) if w not in _STOP}
    if not q:
        return 0.0
    return sum(1 for w in q if w.rstrip("s") in r) / len(q)
