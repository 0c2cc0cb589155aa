"""The labels vocabulary the explorer filters by, and which labellers a database holds.

Labels and outcomes exist per labeller name and version; a labeller is named here as one
string `name@version` (as conversations.live_labeller stores it).
"""

from __future__ import annotations

from analysis._outcomes import Outcome
from analysis._queries import Queryable
from scenarios import Act, Stance

ACTS: tuple[str, ...] = tuple(a.value for a in Act)
"""Grounding acts in vocabulary order (filter options and chart panels)."""
STANCES: tuple[str, ...] = tuple(s.value for s in Stance)
"""Stances in vocabulary order."""
OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)
"""Conversation outcomes in docs/design.md order."""
NOT_SCORED = "(not scored)"
"""Outcome filter value for conversations the chosen labeller has not scored yet."""


def split_labeller(labeller: str) -> tuple[str, str]:
    """`rules@1` -> ("rules", "1"); a bare name has an empty version."""
    name, _, version = labeller.partition("@")
    return name, version


def labellers(store: Queryable) -> list[str]:
    """`name@version` of every labeller with outcomes or labels, the most used first."""
    rows = store.query(
        """
        SELECT labeller || '@' || labeller_version AS labeller, count(*) AS n FROM (
            SELECT labeller, labeller_version FROM outcomes
            UNION ALL SELECT labeller, labeller_version FROM turn_labels
        ) GROUP BY 1 ORDER BY n DESC, labeller DESC
        """
    )
    found = [r["labeller"] for r in rows]
    if not found:
        found = [r["live_labeller"] for r in store.query("SELECT DISTINCT live_labeller FROM conversations ORDER BY 1")]
    return found
