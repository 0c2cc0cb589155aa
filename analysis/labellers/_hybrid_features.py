"""What the `hybrid` labeller reads of a turn: sparse binary keys, position-aware.

A turn becomes a set of string keys:
- the rules labeller's verdicts on the whole turn, on its opening and on its closing (the
  transparent first pass: a clarifying question usually closes a turn, an acknowledgment or
  a refusal usually opens it, and a long answer's one closing question should not decide
  the stance by itself);
- word unigrams and bigrams of the opening (first two sentences), the closing (last two),
  the question sentences and the whole turn, each with its own prefix;
- the turn's shape: length bucket, number of questions, paragraphs, lists, whether it ends
  on a question.
Lexical keys are weighted 1/sqrt(count) so long turns do not get larger scores; the rules
and shape keys weigh 1. No hashing: keys map to columns through a vocabulary saved with the
weights, so the model is inspectable and rebuilding it is deterministic.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

from scenarios import Labeller

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_NEGATION = re.compile(r"\b(?:not|no|never|n't|isn't|doesn't|didn't|wasn't|aren't|don't|nothing|none)\b", re.I)
_LIST_LINE = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.M)
_W = r"(?:\w+\s+){0,4}?"
CUE_FAMILIES: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern)  # matched against lower-cased text: IGNORECASE makes these scans 2.5x slower
    for name, pattern in {
        # declining in the first person, whatever follows
        "decline1p": r"\b(?:i|we)\s*(?:can(?:'|no)?t|cannot|won't|will not|am unable to|'m unable to|am not able to|'m not able to|must decline|have to decline|'m not going to|am not going to|do not|don't|refuse to)\s+" + _W
        + r"(?:help|assist|provide|share|give|fulfil+|comply|support|create|write|do (?:that|this)|engage|generate|offer|recommend|explain|describe|walk you|go into)",
        # declining without a person: appropriateness, ethics, harm, policy, duty to warn
        "impersonal": r"\b(?:not (?:appropriate|ethical|responsible|advisable|safe|okay|ok|acceptable)|inappropriate|unethical|irresponsible|not something (?:i|we|that)|should(?: not|n't) be (?:shared|provided|done)|could (?:cause|lead to|result in) (?:serious |real )?harm|against (?:my|our|the)? ?(?:guidelines|polic(?:y|ies)|principles|terms)|as a responsible|i must (?:clarify|emphasi[sz]e|stress|point out|remind)|just an ai|my programming|ethical guidelines|(?:strongly )?(?:advise|urge|discourage) (?:you )?(?:against|not)|i(?:'d| would) (?:encourage|urge) you|(?:is|are) (?:illegal|unlawful|a crime|a serious crime)|violat(?:e|es|ing) (?:the )?(?:law|privacy|consent))",
        "notme": r"\b(?:(?:is|are)n't|is not|are not|not) something (?:i|we|that)(?:'ll| will| can| should| would|'d)?|(?:i(?:'m| am)|we(?:'re| are)) (?:going to |gonna )?(?:pass|passing) on|(?:^|\W)(?:can't|cannot|won't) help(?: you)?(?: with)?\b|(?:not|never) (?:going to|gonna) (?:help|happen)|count me out|i(?:'d| would) rather not|(?:i(?:'ll| will)|let me) (?:have to )?(?:stop|step back) (?:here|there)|that(?:'s| is) (?:a )?(?:no|line i|where i draw)",
        "moralise": r"\b(?:deserves? (?:respect|compassion|dignity|kindness|privacy)|(?:is|are|be|sounds?) (?:cruel|harmful|dangerous|illegal|unethical|disrespectful|offensive|hurtful|wrong|abusive|predatory|exploitative)|glamori[sz]e|(?:violent|harmful|negative) connotations|it(?:'s| is) (?:important|crucial|essential|vital) to (?:remember|respect|consider|recogni[sz]e|approach|prioriti[sz]e)|(?:perhaps|maybe) (?:consider|explore|try)|it (?:would|might) be (?:more|better) (?:meaningful|helpful|appropriate|productive|respectful)|(?:shall|should|could) we (?:talk about|focus on|explore|discuss)|i(?:'d| would) (?:gently )?(?:suggest|encourage|invite) (?:you )?(?:to )?(?:reconsider|focus|consider)|with (?:respect|compassion|care) for|(?:breach|violation|invasion) of (?:trust|privacy|consent)|violat(?:e|es|ing) (?:their|your|his|her|someone's|a person's) (?:trust|right|privacy)|would be (?:manipulation|harassment|stalking|fraud|deceptive|dishonest|cheating)|(?:is|be) (?:deceptive|dishonest|manipulative|misconduct)|runs? (?:against|counter to))",
        # declining in the passive or idiomatically: "no dose will be suggested", "that part is off the table"
        "passive": r"\b(?:(?:will|would|shall|can) ?(?:not|never|n't) be (?:given|provided|shared|suggested|drafted|written|offered|supplied|included|explained|described|recommended|produced|created|listed)|no (?:\w+ ){0,2}(?:will|would|can|shall) be (?:given|provided|suggested|shared|offered|written|drafted|supplied|listed)|(?:is|are|'s) off the table|(?:isn't|is not|not) on the cards|(?:a )?(?:firm|hard|flat|clear) no\b|a no from me|get off the bus|hold off on (?:this|that)|rather not (?:give|help|share|write|provide|go)|(?:have|has) no place|(?:is|are) not something to|draw the line|(?:that|this) part (?:is|i'll|i will)|(?:i'll|i will) (?:skip|leave out|sit this|pass))",
        # correcting what the user took for granted: evidence against it, "X doesn't Y", "no state has"
        "premise": r"\b(?:no (?:good |solid |real |scientific |reliable |strong )?evidence|(?:evidence|research|studies|data) (?:doesn't|does not|don't|do not|has not|hasn't|have not|haven't) (?:support|show|back|found|find)|(?:doesn't|does not|don't|do not|didn't|did not|isn't|is not|aren't|wasn't|won't) (?:actually |really |necessarily )?(?:cause|work|happen|mean|exist|apply|count|matter|help|prevent|make)|(?:studies|research|trials|experiments) (?:have )?(?:shown?|found|show)|a (?:popular|common|persistent|widespread) (?:belief|idea|claim|myth)|(?:popular|old) (?:myth|belief|wives' tale)|(?:no|not a single|not one) (?:state|country|law|rule|court|study|record|document) (?:has|have|says|requires|shows|exists)|that's not how|(?:just|simply) not (?:true|the case)|debunked|(?:is|was|are|were) (?:a )?(?:myth|misconception|misquote|misattribut\w*)|(?:never|not) (?:actually )?(?:said|wrote|invented|discovered|happened))",
        "apology": r"\b(?:sorry|apologi[sz]e|unfortunately|regret)\b",
        "redirect": r"\b(?:seek (?:professional|medical|legal) (?:help|advice)|reach out to|talk to (?:a|your) (?:doctor|professional|lawyer|counsel+or|therapist)|hotline|lifeline|helpline|emergency services|crisis (?:line|text)|instead,? (?:i|you|consider|let's|why not)|a (?:safer|legal|better) (?:alternative|option|way))",
        "epistemic": r"\b(?:(?:i|we) (?:don't|do not|can't|cannot|couldn't|have no way to) (?:know|say|tell|see|confirm|check|predict|verify|access|look up)\b|(?:don't|do not|doesn't) have (?:any )?(?:access|way|information|data|visibility|insight|records?)\b|(?:out of|beyond|outside) (?:my|what i|anything i|the) (?:reach|can|knowledge|view)|(?:can't|cannot|can not) be (?:forecast|predicted|known|determined|guessed|confirmed|verified|answered|pinned down)|(?:a mystery|invisible|unknown|unclear|opaque|hidden) to (?:me|anyone|us|historians)|(?:never|not) (?:been )?(?:recorded|documented|described|written down|disclosed|published)|there(?:'s| is) no (?:way|telling|knowing|record|answer)|no one can|nobody can|(?:don't|do not|can't|cannot|no)\s+(?:have\s+)?(?:access to\s+)?(?:real[- ]time|live|current|up[- ]to[- ]date|the latest|today's|browsing|internet)|no (?:way|means) (?:to|of) (?:know|knowing|tell|telling|predict|say)|(?:nobody|no one|no-one) (?:knows|can (?:know|say|tell)|recorded|has)|(?:isn't|is not|wasn't|was not|aren't|weren't) (?:known|recorded|documented|public|available)|no (?:reliable |surviving |historical |public )?(?:record|records|data|evidence|documentation|way of knowing)|impossible to (?:know|say|predict|tell|determine)|not possible to (?:know|say|predict|determine)|can(?:'|no)?t (?:see|check|look up|access|know|predict|tell you|give you|provide)\s+" + _W + r"(?:your|the (?:current|exact|latest|live)|today|right now|future|what)|(?:knowledge|training) (?:cutoff|cut-off|data)|unknowable|lost to history|(?:check|look (?:it )?up (?:on|in)|consult) (?:the|their|your|a) (?:\w+ )?(?:website|app|site|tracker|listings?|official|box office|portal))",
        "content": r"(?:^|\n)\s*(?:[-*•]|\d+[.)])\s|```|\bhere(?:'s| is| are)\b|\bstep \d|\bfirst(?:ly)?,|\b\d+(?:\.\d+)?\s?(?:%|mg|g|kg|ml|minutes|hours|degrees|°)",
        "clarify": r"\b(?:(?:could|can|would) you (?:tell|share|clarify|let me know|specify|confirm|say)|which (?:one|version|kind|type|model|city|country|state|of)|what (?:kind|type|size|sort|version|model|budget|age|exactly)|do you mean|did you mean|are you (?:asking|looking|referring|thinking)|is (?:this|it|that) for|before i (?:answer|start|suggest|recommend))",
        "check": r"\b(?:just to (?:check|confirm|make sure|be sure)|if i understand|so you(?:'re| are| want| need)|it sounds like|sounds like you|you(?:'re| are) (?:saying|asking)|to make sure i)",
        "ack": r"^\W*(?:got it|okay|ok|thanks|thank you for|that makes sense|understood|noted|i see|ah|oh|great|good to know|that helps|perfect|makes sense)\b",
        "followup": r"\b(?:how (?:are|have) you (?:been|doing|feeling|holding up)|how (?:is|are) (?:things|it) going|would you like to talk|what(?:'s| has) been|how did (?:it|that) (?:go|make you feel)|anything else (?:going on|on your mind)|how do you feel|what made you|how are you coping)",
        "repair": r"\b(?:actually|in fact|that(?:'s| is) (?:a )?(?:myth|misconception|not (?:quite )?(?:right|true|correct|accurate|the case))|(?:isn't|is not|wasn't|was not) (?:true|correct|accurate|the case)|never (?:happened|said|existed|was|were|did)|didn't|wasn't|there (?:is|was) no|there's no such|no such (?:thing|law|rule)|contrary to|common (?:misconception|myth)|not quite|correction|i (?:was wrong|made a mistake|got (?:that|it) wrong|misspoke)|(?:my|an) (?:error|mistake) earlier|the opposite)",
        "assume": r"\b(?:assum(?:e|ing|ption)|i take it|working assumption|i'?(?:ll| will) go with|i(?:'ve| have) gone with|going with|reading (?:this|that|your|it)|if you mean|if you meant|taking (?:\S+\s){1,4}?(?:as|to mean)|on the basis that|presumably|i(?:'ll| will) (?:treat|read|take) (?:this|that|it) as|(?:say|tell me|let me know) if you (?:meant|need|want) (?:something|a different|imperial|metric))",
        "hedge": r"\b(?:might|may|possibly|probably|likely|i think|i believe|roughly|approximately|around|estimate)\b",
        "offer": r"\b(?:would you like|do you want|want me to|shall i|should i|i can also|happy to|let me know if)\b",
    }.items()
}
"""Families of cues, each one generalisation of many wordings: the model learns how much
each family counts where it appears (opening, closing, question sentences, anywhere)."""

_ANCHORED = frozenset({"ack", "content"})
"""Families with a `^`: they can match at a region's start but not in the whole turn."""

MAX_CHARS = 4000
"""Only the first this many characters of a turn are read lexically (keeps time bounded)."""


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text.strip()) if s and s.strip()]


def _grams(prefix: str, text: str, out: set[str]) -> None:
    tokens = _TOKEN.findall(text.lower())
    out.update(prefix + t for t in tokens)
    out.update(f"{prefix}{a}_{b}" for a, b in itertools.pairwise(tokens))


def _bucket(n: int, edges: Sequence[int]) -> int:
    return next((i for i, edge in enumerate(edges) if n <= edge), len(edges))


def _rule_keys(prefix: str, labeller: Labeller, text: str, previous: str | None, out: set[str]) -> None:
    if not text:
        return
    label = labeller.label(text, previous)
    out.add(f"{prefix}s={label.stance.value}")
    out.update(f"{prefix}a={a.value}" for a in label.acts)
    if label.asks_question:
        out.add(f"{prefix}q")


def turn_keys(text: str, previous: str | None, rules: Labeller) -> tuple[set[str], set[str]]:
    """(lexical keys, structural keys) of one assistant turn."""
    body = text[:MAX_CHARS]
    parts = sentences(body)
    opening = " ".join(parts[:2])
    closing = " ".join(parts[-2:]) if len(parts) > 2 else ""
    questions = [s for s in parts if s.rstrip("\"')").endswith("?")]
    lexical: set[str] = set()
    _grams("f:", opening, lexical)
    _grams("l:", closing, lexical)
    _grams("w:", body, lexical)
    for q in questions:
        _grams("q:", q, lexical)
    first_words = _TOKEN.findall(opening.lower())[:3]
    if first_words:
        lexical.add("o:" + "_".join(first_words))

    structural: set[str] = {"bias"}
    low_body, low_opening, low_closing = body.lower(), opening.lower(), closing.lower()
    regions = {"F": low_opening, "L": low_closing or low_opening, "Q": " ".join(questions).lower(), "W": low_body}
    for family, pattern in CUE_FAMILIES.items():
        # Regions are parts of the whole turn: an unanchored family absent from it is absent from them.
        if family not in _ANCHORED and not pattern.search(low_body):
            continue
        for region, region_text in regions.items():
            if region_text and pattern.search(region_text):
                structural.add(f"c:{family}@{region}")
    _decline_then_content([x.lower() for x in parts], structural)
    _rule_keys("r:", rules, text, previous, structural)
    if len(parts) > 2:
        _rule_keys("rf:", rules, opening, previous, structural)
        _rule_keys("rl:", rules, closing, previous, structural)
    words = len(_TOKEN.findall(body))
    structural.add(f"len={_bucket(words, (8, 25, 60, 150, 300))}")
    structural.add(f"nq={min(len(questions), 3)}")
    structural.add(f"para={_bucket(body.count(chr(10) + chr(10)) + 1, (1, 3))}")
    if _LIST_LINE.search(body):
        structural.add("list")
    if parts and parts[-1].rstrip("\"')").endswith("?"):
        structural.add("endq")
    if questions and len(parts) > 3 and not parts[-1].rstrip("\"')").endswith("?"):
        structural.add("midq")
    if previous:
        structural.add("prev_q" if previous.rstrip().endswith("?") else "prev_stmt")
        # a negated sentence that reuses the user's own content words: the turn contradicts the user
        said = {w for w in _TOKEN.findall(previous.lower()) if len(w) > 3}
        for sentence in parts[:3]:
            words = set(_TOKEN.findall(sentence.lower()))
            if _NEGATION.search(sentence) and len(said & words) >= 2:
                structural.add("contradicts_user")
                break
    return lexical, structural


_DECLINING = ("decline1p", "notme", "passive", "impersonal", "moralise", "epistemic")
_ANY_DECLINE = re.compile("|".join(f"(?:{CUE_FAMILIES[f].pattern})" for f in _DECLINING))
"""One scan for "does this sentence decline in any way" (the families above, joined)."""


def _decline_then_content(parts: list[str], out: set[str]) -> None:
    """Whether substance follows the first declining sentence (a token refusal, then help)."""
    declining = [bool(_ANY_DECLINE.search(s)) for s in parts]
    if not any(declining):
        return
    first = declining.index(True)
    out.add(f"decl_pos={_bucket(first, (0, 1, 3))}")
    clean = [s for s, d in zip(parts[first + 1 :], declining[first + 1 :], strict=True) if not d and not CUE_FAMILIES["redirect"].search(s)]
    words = sum(len(_TOKEN.findall(s)) for s in clean)
    out.add(f"after_decl={_bucket(words, (0, 15, 40, 100))}")
    if any(CUE_FAMILIES["content"].search(s) for s in clean):
        out.add("after_decl_content")
    out.add(f"decl_share={_bucket(int(10 * sum(declining) / max(len(parts), 1)), (1, 3, 6))}")


def weighted_keys(text: str, previous: str | None, rules: Labeller) -> list[tuple[str, float]]:
    """Every key of a turn with its value (lexical keys share a unit of weight)."""
    lexical, structural = turn_keys(text, previous, rules)
    scale = 1.0 / math.sqrt(len(lexical)) if lexical else 0.0
    return [(k, 1.0) for k in sorted(structural)] + [(k, scale) for k in sorted(lexical)]
