"""How the `rules` labeller reads a turn's text: written content set aside, then sentences.

One job: turn an assistant turn into `Sentence`s, the units every rule decides on. What
the assistant wrote *for* the user (code, quotes, drafted letters and dialogues) is first
replaced by a size token, so it counts as content but is never read as the assistant's
own voice (docs/labelling-guide.md); the rest is split into sentences that remember their
paragraph, position, list membership and word count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------
# Content written for the user (removed before reading the assistant's own voice)
# ---------------------------------------------------------------------------------------
_CODE_BLOCK = re.compile(r"```.*?(```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_QUOTED = re.compile(r"\"[^\"\n]{2,}\"|“[^”\n]{2,}”")
_BLOCKQUOTE = re.compile(r"^\s*>.*$", re.M)
_RULE_SECTION = re.compile(r"^-{3,}\s*$.*?(^-{3,}\s*$|\Z)", re.S | re.M)
_LETTER = re.compile(
    r"^(dear |subject:|hi (all|team|everyone|[A-Z][a-z]+),|hello [A-Z][a-z]+,).*?"
    r"(^(best|kind|warm)? ?(regards|wishes|best|sincerely|cheers|thanks|thank you)\b.*?$\n?.*?$|"
    r"(?=\n\s*\n\s*(did|do|does|would|want|should|shall|let me know|i |i'|feel free|if you|is this|how does|hope|"
    r"here|want)\b)|\Z)",
    re.S | re.M | re.I,
)
_DIALOGUE_LINE = re.compile(r"^[ \t]*\*{0,2}([A-Z][A-Za-z .']{0,23}):\*{0,2}[ \t]+\S.*$", re.M)
_BOLD_QUESTION_LINE = re.compile(r"^\s*\*\*[^*\n]+\?\*\*\s*$", re.M)
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_HERE_INTRO = re.compile(r"\bhere (are|is|'s)\b|\bhere'?s\b", re.I)

# ---------------------------------------------------------------------------------------
# Sentence splitting
# ---------------------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]*_]*\s+(?=\S)")
_ABBREVIATION_END = re.compile(r"\b(dr|mr|mrs|ms|st|vs|e\.g|i\.e|etc|approx|no)\.$", re.I)
_MD_PREFIX = re.compile(r"^[\s>#*_\-•]+|^\s*\d+[.)]\s*")
WORD = re.compile(r"[a-z0-9][a-z0-9']*")
_SIZE_TOKEN = re.compile(r"⟦(\d+)⟧")


@dataclass(slots=True)
class Sentence:
    """One sentence of the assistant's own voice; the labeller sets its `role`."""

    text: str
    low: str
    para: int
    index: int
    list_item: bool
    is_question: bool
    words: int
    role: str = "content"


def _placeholder(match: re.Match[str], *, block: bool = False) -> str:
    """Replace written content by a token that keeps its size: ⟦n⟧ counts as n words of content."""
    size = len(WORD.findall(match.group(0).lower()))
    return f"\n⟦{size}⟧\n" if block else f" ⟦{size}⟧ "


def _block(match: re.Match[str]) -> str:
    return _placeholder(match, block=True)


def strip_written_content(text: str) -> str:
    """Replace what the assistant wrote FOR the user (code, drafts, quotes, dialogues) by size tokens."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = _CODE_BLOCK.sub(_block, text)
    text = _INLINE_CODE.sub(" code ", text)
    text = _RULE_SECTION.sub(_block, text)
    text = _BLOCKQUOTE.sub(_block, text)
    text = _LETTER.sub(_block, text)
    text = _QUOTED.sub(_placeholder, text)
    speakers = [m.group(1) for m in _DIALOGUE_LINE.finditer(text)]
    if len(speakers) > len(set(speakers)):  # a speaker talks twice: a written dialogue
        text = _DIALOGUE_LINE.sub(_block, text)
    text = _BOLD_QUESTION_LINE.sub(_block, text)
    return text


def _split_sentences(line: str) -> list[str]:
    if "." not in line and "!" not in line and "?" not in line:
        return [line]
    pieces = _SENTENCE_END.split(line)
    merged: list[str] = []
    for piece in pieces:
        if merged and _ABBREVIATION_END.search(merged[-1]):
            merged[-1] = merged[-1] + " " + piece  # "Dr. Lee", "e.g. this"
        else:
            merged.append(piece)
    return merged


def split_into_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    paragraphs = re.split(r"\n\s*\n", text)
    here_list = False
    for p_index, para in enumerate(paragraphs):
        for line in para.split("\n"):
            if not line.strip():
                continue
            is_item = bool(_LIST_MARK.match(line))
            if not is_item:
                here_list = bool(_HERE_INTRO.search(line)) and line.rstrip().endswith(":")
            elif here_list and line.rstrip().rstrip("*").endswith("?"):
                continue  # a quiz or content list introduced by "Here are ...:"
            for piece in _split_sentences(line):
                stripped = _MD_PREFIX.sub("", piece).strip().strip("*_").strip()
                if not stripped:
                    continue
                low = stripped.lower()
                written = sum(int(n) for n in _SIZE_TOKEN.findall(low)) if "⟦" in low else 0
                if written:
                    low = _SIZE_TOKEN.sub(" ", low).strip()
                words = len(WORD.findall(low)) + written
                if not words and not low.endswith("?"):
                    continue
                out.append(
                    Sentence(stripped, low, p_index, len(out), is_item, low.rstrip(" *_)\"'").endswith("?"), words)
                )
    return out
