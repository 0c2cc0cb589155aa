"""The published findings the report rests on (docs/design.md, "Published findings the tool rests on"), with their sources.

Sections cite them by key so each appears beside the figures it motivates, and the Method
section lists every one cited. Wording follows docs/design.md; numbers are the papers', not ours.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    """One finding, stated as the source states it."""

    text: str
    """The finding in one or two sentences."""
    source: str
    """Authors, title and venue."""


FACTS: dict[str, Fact] = {
    "grounding_gaps": Fact(
        "LLM turns contain grounding acts (clarification, acknowledgment, follow-up) far less often than human "
        "turns in the same position: 77.5% less likely. The link to preference optimization is correlational "
        "(more DPO, lower agreement with humans); SFT showed none.",
        "Shaikh et al., Grounding Gaps in Language Model Generations, NAACL 2024",
    ),
    "rifts": Fact(
        "LLMs are 3x less likely than humans to initiate clarification and 16x less likely to make follow-up "
        "requests; early grounding failures predict later breakdowns.",
        "Shaikh et al., Navigating Rifts in Human-LLM Grounding, ACL 2025",
    ),
    "lost_in_conversation": Fact(
        "Underspecified multi-turn conversation costs 39% average performance over 15 LLMs, mostly as "
        "unreliability; aptitude is the 90th percentile of per-task success over repeats, unreliability the "
        "90th minus the 10th.",
        "Laban et al., LLMs Get Lost In Multi-Turn Conversation, 2025",
    ),
    "truthrl": Fact(
        "A binary reward punishes honesty; a ternary reward (correct +1, abstain 0, hallucination -1) cut "
        "hallucinations 28.9% and raised truthfulness 21.1%. Truthfulness = accuracy - hallucination rate.",
        "Wei et al., TruthRL: Incentivizing Truthful LLMs via Reinforcement Learning, 2025",
    ),
    "abstentionbench": Fact(
        "Reasoning fine-tuning lowers abstention recall by 24% on average (scenarios: answer unknown, "
        "underspecified context, underspecified intent, false premise, subjective, stale).",
        "Kirichenko et al., AbstentionBench: Reasoning LLMs Fail on Unanswerable Questions, 2025",
    ),
    "persona_refusal": Fact(
        "Refusal rates shift with who appears to ask: age, gender, ethnicity, politics, even NFL fandom; later "
        "work warns such effects can be overestimated without paraphrase and model replication.",
        "Li et al., ChatGPT Doesn't Trust Chargers Fans: Guardrail Sensitivity in Context, 2024",
    ),
    "harmbench": Fact(
        "Keyword refusal detection agrees with humans about 70% of the time, a trained classifier about 93%: "
        "keyword lists are a pre-filter, not a verdict.",
        "Mazeika et al., HarmBench, 2024",
    ),
}
