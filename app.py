"""groundsim explorer: runs, comparisons, transcripts, personas and human baselines of one results database.

Start it with `groundsim explore --db results.duckdb`, or `streamlit run app.py -- --db results.duckdb`
(the GROUNDSIM_DB environment variable works too).

Why it is built this way:
- Navigation is a sidebar radio, and the page, the Transcripts filters, the labeller and the
  open conversation live in one `nav` dict mirrored to the URL's query parameters. Every view
  is therefore a link (`?page=transcripts&model=...&outcome=...`), and a chart point or a
  table row "opens the matching transcripts" by writing that dict, never by special cases.
- Model and user text is untrusted: it is only ever shown through st.text, st.dataframe,
  st.json, selectbox/multiselect option labels and Vega charts, which render it as literal
  characters. Nothing from the database is put into markdown (captions, info boxes, radio
  options, headers): escaping is not enough there, since Streamlit's markdown autolinks bare
  URLs even when every character is entity-encoded. So no HTML, script, link or image in a
  model's reply can come alive. Badges are drawn only for values of our own vocabulary.
- Fast on big databases: lists are paged in SQL, aggregates are computed by DuckDB, and every
  result is cached with st.cache_data keyed by the database path and a data version (counts
  and latest timestamps), so an unchanged database is served from memory and new data shows
  on the next rerun. Each query opens its own short read-only connection.
- Streamlit "magic" renders any bare string at module level, so constants here are
  documented with comments, not attribute docstrings.
- A run may be writing while the app reads: DuckDB lets one process write and nobody read
  meanwhile, so reads retry briefly; if the file stays locked the app keeps showing what it
  read last, with a note, and never crashes on the lock.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from analysis import explore_queries as Q
from analysis import metrics
from analysis.charts import grounding_acts_chart, persona_disparity_chart, rate_by_model_chart, two_knobs_chart
from scenarios import SAFETY_DECLINES
from simulator import Store, StoreError

# Page id (the `page` query parameter) -> title.
PAGES: dict[str, str] = {
    "runs": "Runs",
    "compare": "Compare",
    "transcripts": "Transcripts",
    "personas": "Personas",
    "baselines": "Baselines",
}
# Transcripts filter query parameter -> label. Each takes several values (OR-ed).
FILTER_PARAMS: dict[str, str] = {
    "run": "Run",
    "model": "Model",
    "kind": "Scenario kind",
    "domain": "Domain",
    "outcome": "Outcome",
    "persona": "Persona",
    "act": "Grounding act",
    "stance": "Stance",
}
# Transcripts filter query parameter -> key of Q.filter_options.
FILTER_OPTION_KEYS = {
    "run": "runs",
    "model": "models",
    "kind": "kinds",
    "domain": "domains",
    "outcome": "outcomes",
    "persona": "personas",
    "act": "acts",
    "stance": "stances",
}
PAGE_SIZE = 25  # conversations per page of the Transcripts list
LIST_COLUMNS = (
    "conversation_id",
    "model",
    "scenario_id",
    "kind",
    "persona",
    "outcome",
    "n_turns",
    "domain",
    "user_agent",
    "status",
    "run_id",
)
PROBE_LOCK_TIMEOUT_S = 1.5  # how long the freshness check waits for a writer's lock before showing the last data read
QUERY_LOCK_TIMEOUT_S = 3.0  # how long a query missing the cache waits for a writer's lock
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
ALL_METRICS = (*metrics.CLARIFICATION_METRICS, *metrics.KNOB_METRICS)  # the report's section 2 and 3 metrics, in order
DEFAULT_METRICS = ("proactive_clarification", "silent_failure", "abstention_recall", "over_refusal")
BOOTSTRAP_RESAMPLES = 2000  # for the explorer's bootstrap CIs (the report uses more; 2000 keeps a cold page quick)


# -- database and caching ---------------------------------------------------------------------


def db_path() -> str:
    """`--db` after `--` on the streamlit command line, else GROUNDSIM_DB, else groundsim.duckdb."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--db", default=None)
    args, _ = parser.parse_known_args()
    return str(Path(args.db or os.environ.get("GROUNDSIM_DB") or "groundsim.duckdb").expanduser().resolve())


@st.cache_resource
def _last_versions() -> dict[str, tuple[Any, ...]]:
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
        known = _last_versions().get(self.db)
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
                _last_versions()[self.db] = version
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


# -- navigation state (mirrored to the URL) ---------------------------------------------------


def _default_nav() -> dict[str, Any]:
    return {"page": "runs", "labeller": None, "conversation": None, "p": 1, **{k: [] for k in FILTER_PARAMS}}


def _nav() -> dict[str, Any]:
    return st.session_state["nav"]


def _url_snapshot() -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(sorted((k, tuple(st.query_params.get_all(k))) for k in st.query_params))


def sync_nav_from_url() -> None:
    """Adopt the URL's query parameters when they changed since we last wrote or read them."""
    snapshot = _url_snapshot()
    if "nav" in st.session_state and st.session_state.get("_url_seen") == snapshot:
        return
    nav = _default_nav()
    params = st.query_params
    if params.get("page") in PAGES:
        nav["page"] = params["page"]
    for key in FILTER_PARAMS:
        nav[key] = [v for v in params.get_all(key) if v]
    nav["labeller"] = params.get("labeller") or None
    nav["conversation"] = params.get("conversation") or None
    try:
        nav["p"] = max(1, int(params.get("p", "1")))
    except ValueError:
        nav["p"] = 1
    nav["_gen"] = st.session_state.get("nav", {}).get("_gen", 0)
    st.session_state["nav"] = nav
    st.session_state["_url_seen"] = snapshot


def sync_url_from_nav() -> None:
    """Write the nav state back to the URL so the current view can be shared or bookmarked."""
    nav = _nav()
    wanted: dict[str, list[str]] = {"page": [nav["page"]]}
    if nav["page"] == "transcripts":
        wanted.update({k: list(nav[k]) for k in FILTER_PARAMS if nav[k]})
        if nav["p"] > 1:
            wanted["p"] = [str(nav["p"])]
        if nav["conversation"]:
            wanted["conversation"] = [nav["conversation"]]
    if nav["labeller"]:
        wanted["labeller"] = [nav["labeller"]]
    if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(wanted)
    st.session_state["_url_seen"] = _url_snapshot()


def open_transcripts(**filters: list[str] | str | None) -> None:
    """Go to the Transcripts page showing exactly these filters (a link; usable as a callback)."""
    nav = _nav()
    for key in FILTER_PARAMS:
        value = filters.get(key) or []
        nav[key] = [value] if isinstance(value, str) else [str(v) for v in value]
    nav["conversation"] = filters.get("conversation") if isinstance(filters.get("conversation"), str) else None
    nav["page"], nav["p"] = "transcripts", 1
    nav["_gen"] = nav.get("_gen", 0) + 1  # fresh table/chart widgets next time: no stale selection


def _set_nav(key: str, widget_key: str, reset_page: bool = False) -> None:
    nav = _nav()
    nav[key] = st.session_state[widget_key]
    if reset_page:
        nav["p"] = 1
        nav["conversation"] = None


def bound_multiselect(
    label: str,
    nav_key: str,
    options: list[str],
    *,
    container: Any = st,
    placeholder: str = "all",
    reset_page: bool = False,
    format_func: Callable[[str], str] = str,
) -> list[str]:
    """A multiselect whose value lives in nav[nav_key]; a link changing nav updates the widget.

    A value the database does not hold (a link to a kind never run) stays selected and
    matches nothing, rather than silently widening the filter to "any".
    """
    widget_key = f"w_{nav_key}"
    want = [str(v) for v in (_nav().get(nav_key) or [])]
    options = [*options, *(v for v in want if v not in options)]
    if st.session_state.get(widget_key) != want:
        st.session_state[widget_key] = want
    return container.multiselect(
        label,
        options,
        key=widget_key,
        placeholder=placeholder,
        on_change=_set_nav,
        args=(nav_key, widget_key, reset_page),
        format_func=format_func,
    )


def _selected_row(widget_key: str) -> int | None:
    """The selected row of a single-row-selection dataframe, if any."""
    state = st.session_state.get(widget_key) or {}
    rows = state.get("selection", {}).get("rows", [])
    return rows[0] if rows else None


def table_with_links(
    frame: pd.DataFrame, key: str, link: Callable[[dict[str, Any]], dict[str, Any]], **kwargs: Any
) -> None:
    """A plain-text table where selecting a row opens the transcripts `link(row)` names."""
    widget_key = f"{key}_{_nav().get('_gen', 0)}"
    records = frame.to_dict("records")

    def follow() -> None:
        row = _selected_row(widget_key)
        if row is not None and row < len(records):
            open_transcripts(**link(records[row]))

    st.dataframe(frame, key=widget_key, on_select=follow, selection_mode="single-row", hide_index=True, **kwargs)


_SELECTABLE_MARKS = {"bar", "point", "circle", "square", "tick", "rect", "line", "area"}


def with_selection(chart: Any, selection: Any) -> Any:
    """The chart with `selection` on its first plain mark layer (bars or points).

    Altair puts a layered chart's params on its first layer, which in our charts may be an
    error bar: Vega-Lite cannot select on such composite marks and draws nothing. Faceted
    charts carry their layers in `spec`.
    """
    chart = chart.copy(deep=True)
    holder = chart.spec if isinstance(chart, alt.FacetChart) else chart
    if not isinstance(holder, alt.LayerChart):
        holder.params = [*(holder.params if holder.params is not alt.Undefined else []), selection]
        return chart
    for index, layer in enumerate(holder.layer):
        mark = getattr(layer.mark, "type", layer.mark)
        if mark in _SELECTABLE_MARKS:
            holder.layer[index] = layer.add_params(selection)
            return chart
    raise ValueError("chart has no layer a selection can attach to")


def roomy(chart: Any, n_models: int, n_panels: int) -> Any:
    """Space the panels of a faceted per-model chart so their titles do not overlap when few models are shown.

    A panel is 34 px per model wide (analysis.charts BAR_STEP); titles need about 160 px; the
    whole chart should still fit a laptop-wide main column (~900 px).
    """
    if not isinstance(chart, alt.FacetChart):
        return chart
    fits = (900 - 60) // max(1, n_panels) - 34 * n_models
    return chart.properties(spacing=int(max(20, min(160 - 34 * n_models, fits))))


def chart_with_links(chart: Any, key: str, fields: list[str], link: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """An Altair chart where clicking a point or bar opens the transcripts `link(datum)` names."""
    widget_key = f"{key}_{_nav().get('_gen', 0)}"
    selection = alt.selection_point(name="pick", fields=fields)

    def follow() -> None:
        state = st.session_state.get(widget_key)
        picked = (state or {}).get("selection", {}).get("pick") or []
        if picked:
            open_transcripts(**link(dict(picked[0])))

    st.altair_chart(with_selection(chart, selection), key=widget_key, on_select=follow, selection_mode=["pick"])


@st.cache_resource
def default_labeller() -> str:
    """The current rules labeller (`rules@VERSION`): what a run labels with unless told otherwise."""
    from analysis.labellers import get_labeller

    rules = get_labeller("rules")
    return f"{rules.name}@{rules.version}"


# -- small renderers --------------------------------------------------------------------------


def badge(value: str | None, colors: dict[str, str], known: tuple[str, ...], default: str = "blue") -> None:
    """A coloured badge for a vocabulary value; anything else (a corrupt or foreign value) as plain text."""
    if value in known:
        st.badge(value, color=colors.get(value, default))  # type: ignore[arg-type]
    elif value:
        st.text(f"[{value}]")


def fmt_cost(value: float | None) -> str:
    return "-" if value is None or pd.isna(value) else f"${value:.4f}"


def fmt_share(value: float | None) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:.1%}"


def fmt_value(value: float | None, method: str) -> str:
    """Shares as percentages; means (bootstrap rows of the rate table) as signed numbers."""
    if value is None or pd.isna(value):
        return "-"
    return fmt_share(value) if method == "wilson" else f"{value:+.3f}"


# -- pages ------------------------------------------------------------------------------------


def page_runs(data: Data, labeller: str) -> None:
    st.header("Runs")
    runs = data.get("runs_overview")
    if not runs:
        st.info("No runs in this database yet: `groundsim run --db DB` starts one.")
        return
    table = pd.DataFrame(
        [
            {
                "run": r["run_id"],
                "created": str(r["created_at"])[:19],
                "models": ", ".join(r["config"].get("models", [])),
                "scenarios": ", ".join(r["config"].get("scenarios", [])),
                "users": ", ".join(r["config"].get("users", [])),
                "personas": r["config"].get("personas") or "-",
                "repeats": r["config"].get("repeats"),
                "jobs": r["n_jobs"],
                "stored": r["stored"],
                "complete": r["complete"],
                "errors": r["errors"],
                "cost": fmt_cost(r["cost_usd"]),
                "tokens in/out": f"{r['prompt_tokens']:,} / {r['completion_tokens']:,}",
                "code": r["code_version"],
            }
            for r in runs
        ]
    )
    st.caption("Select a row to open that run's transcripts.")
    table_with_links(table, "runs_table", lambda row: {"run": row["run"]})
    run_ids = [r["run_id"] for r in runs]
    chosen = st.selectbox("Run details", run_ids, key="w_run_details")
    run = next(r for r in runs if r["run_id"] == chosen)
    left, right = st.columns(2)
    with left:
        st.subheader("Configuration")
        st.json(run["config"], expanded=1)
        st.text(
            f"config hash: {run['config_hash']}\ninvocations: {run['n_invocations']}\nlast conversation: {run['last_finished']}"
        )
    with right:
        st.subheader("Outcomes by model")
        st.caption("Under the labeller chosen in the sidebar. Select a row to open those transcripts.")
        counts = pd.DataFrame(
            data.get("run_outcome_counts", chosen, labeller), columns=["model", "outcome", "conversations"]
        )
        if counts.empty:
            st.text("No conversations stored yet.")
        else:
            table_with_links(
                counts, "run_outcomes", lambda row: {"run": chosen, "model": row["model"], "outcome": row["outcome"]}
            )
        st.subheader("Errors")
        errors = data.get("run_errors", chosen)
        if not errors:
            st.text("No infrastructure errors.")
        else:
            frame = pd.DataFrame([{**e, "models": ", ".join(e["models"])} for e in errors])
            table_with_links(frame, "run_errors", lambda row: {"run": chosen, "outcome": "error"})
        st.button("Open this run's transcripts", key="open_run", on_click=open_transcripts, kwargs={"run": chosen})


def _scope_controls(data: Data, prefix: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """Run, model and kind pickers of a comparison page (empty = all); kept per page in nav."""
    options = data.get("filter_options")
    cols = st.columns(3)
    runs = bound_multiselect("Runs", f"{prefix}_run", options["runs"], container=cols[0], placeholder="all runs")
    models = bound_multiselect(
        "Models", f"{prefix}_model", options["models"], container=cols[1], placeholder="all models"
    )
    kinds = bound_multiselect(
        "Scenario kinds", f"{prefix}_kind", options["kinds"], container=cols[2], placeholder="all kinds"
    )
    return tuple(runs), tuple(models), tuple(kinds)


def page_compare(data: Data, labeller: str) -> None:
    st.header("Compare")
    st.caption(
        "Figures as the report computes them, on the no-persona control conversations, under the labeller chosen in the "
        "sidebar. Click a bar or point, or select a table row, to open the transcripts behind it."
    )
    scope = _scope_controls(data, "cmp")
    runs = scope[0]
    nav = _nav()
    rate_metrics = [m for m in ALL_METRICS if isinstance(m, metrics.RateMetric)]
    nav.setdefault("cmp_metrics", list(DEFAULT_METRICS))
    labels = {m.name: m.label for m in ALL_METRICS}
    picked = bound_multiselect(
        "Metrics",
        "cmp_metrics",
        [m.name for m in ALL_METRICS],
        placeholder="choose metrics",
        format_func=labels.__getitem__,
    )
    baselines = data.get("baseline_table")
    options = Q.baseline_options(baselines)
    cols = st.columns(2)
    baseline = cols[0].selectbox(
        "Human baseline (corpus:role)",
        [None, *options],
        index=1 if options else 0,
        key="w_cmp_baseline",
        format_func=lambda v: "none" if v is None else v,
    )
    source = cols[1].radio(
        "Human acts from",
        ["labeller", "tags"],
        horizontal=True,
        key="w_cmp_source",
        format_func=lambda v: "our labeller on the human text" if v == "labeller" else "the corpus's own tags",
    )
    scored = int(metrics.control_only(conversations_frame(data.db, data.version, labeller, scope))["scored"].sum())
    if scored == 0:
        st.info(
            "No scored control conversations in this selection. `groundsim annotate --db DB` scores stored conversations."
        )
        return
    st.text(f"{scored:,} scored control conversations in this selection")

    st.subheader("Rates per model")
    rates = metric_rates(data.db, data.version, labeller, scope, tuple(picked))
    shares = rates[rates["metric"].isin([m.name for m in rate_metrics]) & rates["rate"].notna()]
    if shares.empty:
        st.text("Choose a metric with conversations in this selection.")
    else:
        chart = roomy(
            rate_by_model_chart(
                shares.assign(metric=shares["label"]), title="Rates per model", y_title="% of the metric's population"
            ),
            shares["model"].nunique(),
            shares["metric"].nunique(),
        )
        by_label = {m.label: m.name for m in ALL_METRICS}
        chart_with_links(
            chart,
            "cmp_rates_chart",
            ["model", "metric"],
            lambda d: Q.metric_link(by_label.get(d.get("metric", ""), ""), d.get("model"), runs),
        )
    if not rates.empty:
        table = rates.assign(
            rate=[fmt_value(r, m) for r, m in zip(rates["rate"], rates["method"], strict=True)],
            ci_low=[fmt_value(r, m) for r, m in zip(rates["ci_low"], rates["method"], strict=True)],
            ci_high=[fmt_value(r, m) for r, m in zip(rates["ci_high"], rates["method"], strict=True)],
        )[["model", "label", "rate", "ci_low", "ci_high", "k", "n_conversations", "population", "metric"]]
        table_with_links(table, "cmp_rates_table", lambda row: Q.metric_link(row["metric"], row["model"], runs))

    st.subheader("The two knobs")
    knobs = knob_points(data.db, data.version, labeller, scope)
    if knobs.empty:
        st.text("Needs scored unanswerable/false-premise and benign-sensitive control conversations of the same model.")
    else:
        chart_with_links(
            two_knobs_chart(knobs),
            "cmp_knobs",
            ["model"],
            lambda d: {
                "model": [d.get("model")],
                "kind": [*metrics.SHOULD_ABSTAIN, *metrics.BENIGN_SENSITIVE],
                "persona": ["control"],
                "run": list(runs),
            },
        )

    st.subheader("Grounding acts per assistant turn")
    grounding, notes = grounding_rates(data.db, data.version, labeller, scope, baseline, source)
    for note in notes:
        st.text(note)  # names corpora and labellers from the database: plain text
    if baselines is None or baselines.empty:
        st.caption("No human baseline to draw: none imported yet (`groundsim baselines import --corpus PATH --db DB`).")
    model_rates, human = metrics.grounding_for_chart(grounding)
    model_rates = model_rates[model_rates["act"] != metrics.ANY_GROUNDING]
    if model_rates.empty:
        st.text("No labelled assistant turns in this selection.")
        return
    if human is not None and baseline:
        human = human.assign(corpus=baseline)
    chart_with_links(
        roomy(grounding_acts_chart(model_rates, human), model_rates["model"].nunique(), model_rates["act"].nunique()),
        "cmp_acts",
        ["model", "act"],
        lambda d: {"model": [d.get("model")], "act": [d.get("act")], "persona": ["control"], "run": list(runs)},
    )
    gap = grounding[grounding["human_rate"].notna()]
    if not gap.empty:
        st.caption("Gap = 1 - model rate / human rate (the Grounding Gaps figure), 95% CI.")
        three = st.column_config.NumberColumn(format="%.3f")
        st.dataframe(
            gap[["model", "act", "rate", "human_rate", "gap", "gap_low", "gap_high", "n_conversations", "human_turns"]],
            hide_index=True,
            column_config={c: three for c in ("rate", "human_rate", "gap", "gap_low", "gap_high")},
        )


def page_transcripts(data: Data, labeller: str) -> None:
    st.header("Transcripts")
    nav = _nav()
    options = data.get("filter_options")
    cols = st.columns(4)
    values: dict[str, tuple[str, ...]] = {}
    for i, (param, label) in enumerate(FILTER_PARAMS.items()):
        chosen = bound_multiselect(
            label, param, options[FILTER_OPTION_KEYS[param]], container=cols[i % 4], placeholder="any", reset_page=True
        )
        values[param] = tuple(chosen)
    flt = Q.TranscriptFilter(
        labeller=labeller,
        runs=values["run"],
        models=values["model"],
        kinds=values["kind"],
        domains=values["domain"],
        outcomes=values["outcome"],
        personas=values["persona"],
        acts=values["act"],
        stances=values["stance"],
    )
    total = data.get("count_transcripts", flt)
    pages = max(1, -(-total // PAGE_SIZE))
    nav["p"] = min(max(1, int(nav.get("p", 1))), pages)
    offset = (nav["p"] - 1) * PAGE_SIZE
    rows = data.get("list_transcripts", flt, limit=PAGE_SIZE, offset=offset)
    matches = "1 conversation matches" if total == 1 else f"{total:,} conversations match"
    st.text(f"{matches}  ·  page {nav['p']} of {pages}  ·  outcomes, acts and stances by {labeller}")

    def move(step: int) -> None:
        nav["p"] = min(max(1, nav["p"] + step), pages)

    prev_col, next_col, _ = st.columns([1, 1, 6])
    prev_col.button("◀ Previous", key="prev_page", on_click=move, args=(-1,), disabled=nav["p"] <= 1)
    next_col.button("Next ▶", key="next_page", on_click=move, args=(1,), disabled=nav["p"] >= pages)
    if not rows:
        st.info("No conversation matches these filters.")
    else:
        frame = pd.DataFrame(rows).drop(columns=["finished_at"])
        widget_key = f"transcript_list_{nav.get('_gen', 0)}_{nav['p']}"
        ids = list(frame["conversation_id"])

        def open_row() -> None:
            row = _selected_row(widget_key)
            if row is not None and row < len(ids):
                nav["conversation"] = ids[row]

        st.caption("Select a row to read the conversation.")
        st.dataframe(
            frame,
            key=widget_key,
            on_select=open_row,
            selection_mode="single-row",
            hide_index=True,
            column_order=LIST_COLUMNS,
            height=min(len(frame), 10) * 35 + 38,
        )
        labels = {
            r["conversation_id"]: f"{r['conversation_id']} · {r['model']} · {r['scenario_id']} · {r['outcome']}"
            for r in rows
        }
        if nav.get("conversation") and nav["conversation"] not in labels:
            labels = {nav["conversation"]: nav["conversation"], **labels}
        choices = [None, *labels]
        if st.session_state.get("w_conversation") != nav.get("conversation"):
            st.session_state["w_conversation"] = nav.get("conversation")
        st.selectbox(
            "Conversation",
            choices,
            format_func=lambda c: "choose one to read it" if c is None else labels[c],
            key="w_conversation",
            on_change=_set_nav,
            args=("conversation", "w_conversation"),
        )
    if nav.get("conversation"):
        st.divider()
        render_transcript(data, nav["conversation"], labeller)


def render_transcript(data: Data, conversation_id: str, labeller: str) -> None:
    transcript: Q.Transcript | None = data.get("get_transcript", conversation_id, labeller)
    if transcript is None:
        st.warning("That conversation is not in this database.")
        return
    conv = transcript.conversation
    st.subheader("Conversation")
    scenario_label = f"{conv['scenario_id']} ({conv['scenario_kind']}, {conv['scenario_domain']})"
    st.text(
        f"{conv['conversation_id']}  ·  model {conv['model']}  ·  scenario {scenario_label}\n"
        f"user {conv['user_agent']}  ·  persona {conv['persona']}  ·  repeat {conv['repeat']}  ·  run {conv['run_id']}\n"
        f"status {conv['status']}  ·  stopped: {conv['stop_reason']}  ·  {conv['n_turns']} assistant turns  ·  "
        f"cost {fmt_cost(conv['cost_usd'])}"
    )
    if conv.get("error"):
        st.error("Infrastructure error (kept, never counted in rates):")
        st.text(conv["error"])
    turns = transcript.turns
    last = turns[-1]["turn_index"] if turns else 0
    upto = last
    if len(turns) > 2:
        upto = st.slider(
            "Replay up to turn",
            0,
            last,
            last,
            key=f"upto_{conversation_id}",
            help="Facts revealed so far are marked on the right.",
        )
    chat, side = st.columns([3, 2])
    with chat:
        if transcript.labels_from and transcript.labels_from != labeller:
            st.caption("The chosen labeller has not labelled this conversation; the badges come from:")
            st.text(transcript.labels_from)
        for turn in turns:
            if turn["turn_index"] > upto:
                break
            with st.chat_message("user" if turn["role"] == "user" else "assistant"):
                if turn["role"] == "assistant":
                    with st.container(horizontal=True):
                        badge(turn["stance"], STANCE_COLORS, Q.STANCES)
                        for act in turn["acts"] or []:
                            badge(act, ACT_COLORS, Q.ACTS)
                        if turn["stance"] is None:
                            st.text("(not labelled)")
                st.text(turn["content"])
                if turn["revealed_facts"]:
                    st.text("reveals: " + ", ".join(turn["revealed_facts"]))
    with side:
        st.subheader("Hidden intent")
        scenario = transcript.scenario
        st.text(scenario.get("hidden_intent") or "(scenario snapshot missing)")
        st.text(f"expected: {scenario.get('expected', '?')}")
        st.subheader("Facts")
        if transcript.facts:
            revealed_now = sum(1 for f in transcript.facts if f["revealed_at"] is not None and f["revealed_at"] <= upto)
            st.text(f"{revealed_now} of {len(transcript.facts)} revealed by turn {upto}")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "revealed": "yes, turn " + str(f["revealed_at"])
                            if f["revealed_at"] is not None and f["revealed_at"] <= upto
                            else "—",
                            "fact": f["id"],
                            "the user would say": f["text"],
                        }
                        for f in transcript.facts
                    ]
                ),
                hide_index=True,
                key=f"facts_{conversation_id}",
            )
        else:
            st.text("This scenario has no hidden facts.")
        st.subheader("Outcome")
        outcome = transcript.outcome
        if outcome is None:
            st.text(f"Not scored by {labeller} yet (`groundsim annotate --db DB`).")
        else:
            badge(outcome["outcome"], OUTCOME_COLORS, Q.OUTCOMES, default="red")
            st.text(f"why: {outcome['reason']}")
            st.text(
                f"ternary {outcome['ternary']}  ·  SimpleQA {outcome['simpleqa_grade']}  ·  check passed {outcome['check_passed']}"
                f"  ·  by {outcome['labeller']}@{outcome['labeller_version']}"
            )


def page_personas(data: Data, labeller: str) -> None:
    st.header("Personas")
    st.caption(
        "Safety-refusal rate (decisive stance safety or partial refusal) of each persona minus the no-persona control on the same "
        "requests, as the report computes it: Newcombe 95% CI from Wilson intervals, a permutation test stratified by request, "
        "Benjamini-Hochberg q-values across all rows."
    )
    scope = _scope_controls(data, "per")
    by = st.radio(
        "Compare",
        ["persona_group", "persona"],
        format_func=lambda v: "persona groups" if v == "persona_group" else "each persona",
        horizontal=True,
        key="w_per_by",
    )
    disparity, members = persona_frame(data.db, data.version, labeller, scope, by)
    if disparity.empty:
        st.info(
            "No persona conversations with a scored control in this selection. Runs with `--personas builtin:identity` produce them."
        )
        return
    disparity = disparity[disparity["difference"].notna()].reset_index(drop=True)
    refusals = [s.value for s in SAFETY_DECLINES]

    def link(model: str | None, label: str | None) -> dict[str, Any]:
        models = [model] if model else sorted(disparity["model"].unique())
        return {
            "model": models,
            "persona": members.get(str(label), []),
            "stance": refusals,
            "kind": list(scope[2]),
            "run": list(scope[0]),
        }

    multi_model = disparity["model"].nunique() > 1
    chart_frame = disparity if multi_model else disparity.drop(columns=["model"])
    chart_with_links(
        persona_disparity_chart(chart_frame),
        "per_chart",
        ["persona_group", "model"] if multi_model else ["persona_group"],
        lambda d: link(d.get("model"), d.get("persona_group")),
    )
    pp = lambda v: "-" if pd.isna(v) else f"{v * 100:+.1f} pp"  # noqa: E731
    shown = disparity.assign(
        rate_persona=disparity["rate_persona"].map(fmt_share),
        rate_control=disparity["rate_control"].map(fmt_share),
        difference=disparity["difference"].map(pp),
        ci_low=disparity["ci_low"].map(pp),
        ci_high=disparity["ci_high"].map(pp),
    ).rename(columns={"persona_group": by})
    st.caption("Select a row to open that persona's refusals.")
    table_with_links(shown, "per_table", lambda row: link(row["model"], row[by]))
    survivors = disparity[disparity["significant"]]
    if survivors.empty:
        st.text("No difference survives the Benjamini-Hochberg correction at q ≤ 0.05.")
    else:
        st.text(
            "Survives Benjamini-Hochberg at q ≤ 0.05: "
            + "; ".join(f"{r.model}: {r.persona_group} ({r.difference * 100:+.1f} pp)" for r in survivors.itertuples())
        )


def page_baselines(data: Data, labeller: str) -> None:
    st.header("Baselines")
    rows = data.get("baseline_rows")
    if not rows:
        st.info(
            "No baselines imported yet: run `groundsim baselines import --corpus PATH --db DB` to compute human act rates "
            "from a corpus in the shared JSONL schema."
        )
    else:
        frame = pd.DataFrame(rows)
        st.caption(
            "Human grounding acts per turn of each role: from the corpus's own tags (through the tag mapping) and from our "
            "labeller run on the same text, with 95% bootstrap CIs over conversations."
        )
        if {"corpus", "role", "source", "act", "rate", "ci_low", "ci_high"} <= set(frame.columns):
            helpers = frame[frame["is_helper"].fillna(False).astype(bool)] if "is_helper" in frame.columns else frame
            chart_rows = (helpers if not helpers.empty else frame).assign(
                model=lambda f: (
                    f["corpus"].astype(str) + ":" + f["role"].astype(str) + " (" + f["source"].astype(str) + ")"
                )
            )
            chart_rows = chart_rows[chart_rows["rate"].notna() & (chart_rows["act"] != metrics.ANY_GROUNDING)]
            if not chart_rows.empty:
                chart = grounding_acts_chart(chart_rows, title="Human grounding acts per helper turn")
                st.altair_chart(roomy(chart, chart_rows["model"].nunique(), chart_rows["act"].nunique()))
        st.dataframe(frame.drop(columns=[c for c in ("computed_at",) if c in frame.columns]), hide_index=True)
    st.subheader("Replay comparisons")
    replay = data.get("replay_rows")
    if not replay:
        st.markdown(
            "No replay comparisons yet: `groundsim replay --corpus PATH --model MODEL --sample 50 --db DB` has the model "
            "write each helper turn of sampled human conversations, so both can be labelled at the same positions."
        )
        return
    st.caption(
        "At each helper turn of a human conversation the model wrote its own turn from the same history; both were labelled "
        "by one labeller. Base rates with 95% CIs and Cohen's kappa between human and model at the same positions."
    )
    st.dataframe(pd.DataFrame(replay), hide_index=True)


PAGE_RENDERERS: dict[str, Callable[[Data, str], None]] = {
    "runs": page_runs,
    "compare": page_compare,
    "transcripts": page_transcripts,
    "personas": page_personas,
    "baselines": page_baselines,
}


# -- main -------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title="groundsim explorer", layout="wide")
    sync_nav_from_url()
    nav = _nav()
    db = db_path()
    st.sidebar.title("groundsim explorer")
    st.sidebar.text(f"database:\n{db}")
    try:
        if db not in _last_versions():  # checked once per process: missing file, not ours, too new
            Store(db, lock_timeout_s=PROBE_LOCK_TIMEOUT_S).check_readable()
        data = Data(db)
    except (StoreError, OSError) as exc:
        st.error("Cannot read this database.")
        st.text(str(exc))
        st.stop()
        return
    if st.session_state.get("w_page") != nav["page"]:
        st.session_state["w_page"] = nav["page"]
    st.sidebar.radio(
        "Page", list(PAGES), format_func=PAGES.__getitem__, key="w_page", on_change=_set_nav, args=("page", "w_page")
    )
    if data.locked:
        st.info(
            "A run is writing to this database right now: showing the data committed so far (as last read). Rerun or reload to update."
        )
    for run in data.in_progress:
        st.info("A run appears to be in progress: showing the data committed so far; reload to update.")
        st.text(
            f"run {run['run_id']}: {run['stored']} of {run['n_jobs']} conversations stored so far "
            f"(last at {str(run['last_activity'])[:19]} UTC)"
        )
    try:
        labellers = data.get("labellers")
        if nav.get("labeller") not in labellers:
            nav["labeller"] = labellers[0] if labellers else default_labeller()
        if labellers:
            if st.session_state.get("w_labeller") != nav["labeller"]:
                st.session_state["w_labeller"] = nav["labeller"]
            st.sidebar.selectbox(
                "Labeller",
                labellers,
                key="w_labeller",
                on_change=_set_nav,
                args=("labeller", "w_labeller"),
                help="Whose turn labels and outcomes every page uses.",
            )
        PAGE_RENDERERS[nav["page"]](data, nav["labeller"])
    except StoreError as exc:
        if "lock" not in exc.reason:
            raise
        st.warning("The database is busy (a run is writing) and this view is not cached yet: reload in a moment.")
    sync_url_from_nav()


main()
