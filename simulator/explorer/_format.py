"""Small renderers: badges for values of our own vocabulary, and number formats.

Badges are drawn only for values of the vocabulary (`known`): anything else from the
database is untrusted and shown as plain text.
"""

from __future__ import annotations

import streamlit as st

from analysis import number_format

ACT_COLORS = {
    "clarification": "blue",
    "understanding_check": "violet",
    "acknowledgment": "gray",
    "follow_up": "blue",
    "repair": "orange",
    "assumption_disclosure": "violet",
}
STANCE_COLORS = {
    "answer": "green",
    "clarify_only": "blue",
    "epistemic_abstain": "orange",
    "safety_refusal": "red",
    "partial_refusal": "orange",
    "other": "gray",
}
OUTCOME_COLORS = {
    "success": "green",
    "appropriate_abstention": "green",
    "appropriate_refusal": "green",
    "flagged_failure": "orange",
    "unfinished": "gray",
    "error": "gray",
}


def badge(value: str | None, colors: dict[str, str], known: tuple[str, ...], default: str = "blue") -> None:
    """A coloured badge for a vocabulary value; anything else (a corrupt or foreign value) as plain text."""
    if value in known:
        st.badge(value, color=colors.get(value, default))  # type: ignore[arg-type]
    elif value:
        st.text(f"[{value}]")


def fmt_cost(value: float | None) -> str:
    return number_format.cost(value)


def fmt_share(value: float | None) -> str:
    return number_format.share(value, na="-")


def fmt_value(value: float | None, method: str) -> str:
    """Shares as percentages; means (bootstrap rows of the rate table) as signed numbers."""
    return fmt_share(value) if method == "wilson" else number_format.number(value, signed=True, na="-")
