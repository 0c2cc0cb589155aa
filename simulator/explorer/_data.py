"""Reading the database: cached queries and figures, and the lock probe that keeps a busy file from crashing a page.

Every result is cached with st.cache_data keyed by the database path and a data version
(file fingerprint, counts and latest timestamps), so an unchanged database is served from
memory and new data shows on the next rerun. Each query opens its own short read-only
connection. DuckDB lets one process write and nobody read meanwhile, so reads wait briefly
for a writer's lock; if the file stays locked the app keeps showing what it read last.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis import explore_queries as Q
from analysis import metrics
from simulator.store import Store, StoreError

PROBE_LOCK_TIMEOUT_S = 1.5  # how long the freshness check waits for a writer's lock before showing the last data read
QUERY_LOCK_TIMEOUT_S = 3.0  # how long a query missing the cache waits for a writer's lock
ALL_METRICS = (*metrics.CLARIFICATION_METRICS, *metrics.KNOB_METRICS)  # the report's clarification and two-knobs metrics, in order
BOOTSTRAP_RESAMPLES = 2000  # for the explorer's bootstrap CIs (the report uses more; 2000 keeps a cold page quick)


@st.cache_resource
def last_versions() -> dict[str, tuple[Any, ...]]:
    """Process-wide: the last data version read per database, used while a writer holds the lock."""
    return {}


@st.cache_data(show_spinner=False, max_entries=1024)
def cached(db: str, version: tuple[Any, ...], query: str, *args: Any, **kwargs: Any) -> Any:
    """Any `analysis.explore_queries` read, cached per database and data version."""
    return getattr(Q, query)(Store(db, lock_timeout_s=QUERY_LOCK_TIMEOUT_S), *args, **kwargs)


# (runs, models, kinds) a comparison page looks at; an empty tuple means all.
Scope = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@st.cache_data(show_spinner=False, max_entries=16)
def conversations_frame(db: str, version: tuple[Any, ...], labeller: str, scope: Scope) -> pd.DataFrame:
    """analysis.metrics' one-row-per-conversation frame for the scope: what every comparison is computed from."""
    runs, models, kinds = scope
    store = Store(db, lock_timeout_s=QUERY_LOCK_TIMEOUT_S)
    return Q.compare_conversations(store, labeller, runs=runs, models=models, kinds=kinds)


@st.cache_data(show_spinner=False, max_entries=64)
def metric_rates(
    db: str, version: tuple[Any, ...], labeller: str, scope: Scope, names: tuple[str, ...]
) -> pd.DataFrame:
    """The report's rate table for the chosen metrics, on control conversations."""
    frame = metrics.control_only(conversations_frame(db, version, labeller, scope))
    chosen = [m for m in ALL_METRICS if m.name in names]
    return metrics.rate_table(frame, chosen, n_resamples=BOOTSTRAP_RESAMPLES)


@st.cache_data(show_spinner=False, max_entries=64)
def knob_points(db: str, version: tuple[Any, ...], labeller: str, scope: Scope) -> pd.DataFrame:
    """One point per model for the two-knobs chart, on control conversations."""
    frame = metrics.control_only(conversations_frame(db, version, labeller, scope))
    return metrics.knobs_for_chart(metrics.knob_table(frame, n_resamples=BOOTSTRAP_RESAMPLES))


@st.cache_data(show_spinner=False, max_entries=64)
def grounding_rates(
    db: str, version: tuple[Any, ...], labeller: str, scope: Scope, baseline: str | None, source: str
) -> tuple[pd.DataFrame, list[str]]:
    """Acts per assistant turn beside the chosen human baseline (and the notes on that choice), on control conversations."""
    store = Store(db, lock_timeout_s=QUERY_LOCK_TIMEOUT_S)
    frame = metrics.control_only(conversations_frame(db, version, labeller, scope))
    name, labeller_version = Q.split_labeller(labeller)
    choice = None
    if baseline:
        choice = metrics.select_baseline(
            metrics.load_baselines(store),
            corpus=baseline,
            labeller=name,
            labeller_version=labeller_version,
            source="tags" if source == "tags" else "labeller",
        )
    found = choice is not None and choice.found
    table = metrics.grounding_table(
        frame,
        choice.rows if found else None,
        clusters=metrics.human_clusters(store, choice) if found else None,
        n_resamples=BOOTSTRAP_RESAMPLES,
    )
    return table, list(choice.notes) if choice is not None else []


@st.cache_data(show_spinner=False, max_entries=64)
def persona_frame(
    db: str, version: tuple[Any, ...], labeller: str, scope: Scope, by: str
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The report's persona disparity table, and the personas behind each row label (for links)."""
    frame = conversations_frame(db, version, labeller, scope)
    if not metrics.has_persona_runs(frame):
        return pd.DataFrame(), {}
    table = metrics.persona_disparity(frame, by=by)  # type: ignore[arg-type]
    members = (
        frame[frame["persona_group"] != metrics.CONTROL].groupby(by)["persona"].agg(lambda s: sorted(set(s))).to_dict()
    )
    return table, {str(k): v for k, v in members.items()}


class Data:
    """The database as this rerun sees it: path, data version and whether a writer is busy."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.locked = False
        self.in_progress: list[dict[str, Any]] = []
        self.version = self._probe()

    def _fingerprint(self) -> tuple[int, int, int]:
        """Size and modification times of the file and its write-ahead log: any committed write changes one."""
        stat = Path(self.db).stat()
        wal = Path(self.db + ".wal")
        return stat.st_size, stat.st_mtime_ns, wal.stat().st_mtime_ns if wal.exists() else 0

    def _probe(self) -> tuple[Any, ...]:
        """The data version, opening the file only when its fingerprint moved since the last look (a stat is ~free)."""
        fingerprint = self._fingerprint()
        known = last_versions().get(self.db)
        if known is not None and known[: len(fingerprint)] == fingerprint:
            version = known
        else:
            try:
                version = (*fingerprint, *Q.data_version(Store(self.db, lock_timeout_s=PROBE_LOCK_TIMEOUT_S)))
            except StoreError as exc:
                if "lock" not in exc.reason:
                    raise
                self.locked = True
                version = known or fingerprint
            else:
                last_versions()[self.db] = version
        minute = datetime.now(UTC).replace(second=0, microsecond=0)  # "recent" is judged at most a minute late
        try:
            self.in_progress = cached(self.db, version, "runs_in_progress", minute)
        except StoreError as exc:
            if "lock" not in exc.reason:
                raise
            self.locked = True
        return version

    def get(self, query: str, *args: Any, **kwargs: Any) -> Any:
        return cached(self.db, self.version, query, *args, **kwargs)



@st.cache_resource
def default_labeller() -> str:
    """The default labeller (`hybrid@VERSION`): what a run labels with unless told otherwise."""
    from analysis.labellers import HybridLabeller

    return f"{HybridLabeller.name}@{HybridLabeller.version}"


def open_data(db: str) -> Data:
    """The database as this rerun sees it; StoreError or OSError when it cannot be read at all."""
    if db not in last_versions():  # checked once per process: missing file, not ours, too new
        Store(db, lock_timeout_s=PROBE_LOCK_TIMEOUT_S).check_readable()
    return Data(db)
