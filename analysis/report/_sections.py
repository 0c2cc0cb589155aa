"""Sections 1-5 of the report: each turns `analysis.metrics` tables into paragraphs, tables and a chart."""

from __future__ import annotations

import math
import shlex
from typing import Any

import altair as alt
import pandas as pd

from analysis import metrics
from analysis.charts import grounding_acts_chart, persona_disparity_chart, rate_by_model_chart, to_svg, two_knobs_chart
from analysis.report import _format as fmt
from analysis.report._context import ReportContext
from analysis.report._document import Chart, Paragraph, Section, Table

CHART_LABELS = {
    "proactive_clarification": "Clarified first",
    "over_clarification": "Over-clarified",
    "silent_failure": "Silent failure",
    "success_underspecified": "Success: underspecified",
    "success_fully_specified": "Success: fully specified",
}
"""Short panel titles for the section 2 chart (the table gives the full names)."""
HEADER_PX_PER_CHAR = 7.5
"""Approximate width of one character of a 13px bold facet header, to keep neighbouring headers apart."""
MIN_STEP = 34
"""The chart builders' own band step per model (px)."""

SHARE_METRICS = {m.name for m in metrics.CLARIFICATION_METRICS} | {
    m.name for m in metrics.KNOB_METRICS if isinstance(m, metrics.RateMetric)
}


def _fit_panels(chart: alt.FacetChart, labels: list[str], n_models: int) -> alt.FacetChart:
    """Widen each facet panel so its header fits: with one or two models the builders' 34 px per model
    is narrower than a title like 'assumption_disclosure', and neighbouring titles would overprint."""
    longest = max((len(str(label)) for label in labels), default=0)
    step = max(MIN_STEP, math.ceil((longest * HEADER_PX_PER_CHAR + 14) / max(1, n_models)))
    chart.spec.width = alt.Step(step)
    return chart


def _db(ctx: ReportContext) -> str:
    """The database path as the reader would type it (quoted when it needs quoting)."""
    return shlex.quote(ctx.options.db_label or "results.duckdb")


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dict("records")


# --- 1 --------------------------------------------------------------------------------------


def grounding_section(ctx: ReportContext) -> Section:
    """Acts per assistant turn by model beside the human baseline, and the gap 1 - model/human."""
    opts = ctx.options
    control = ctx.control
    usable = control[control["scored"] & (control["assistant_turns"] > 0)]
    section = Section(1, "grounding", "Grounding acts per assistant turn", len(usable), "scored no-persona conversations")
    section.add(ctx.fact("grounding_gaps"), ctx.fact("rifts"))
    section.add(
        Paragraph(
            "Rate = assistant turns holding the act / assistant turns (a turn holds an act at most once), all scenario "
            "kinds pooled; 95% CIs resample whole conversations. 'any' = a turn with at least one grounding act. "
            "Gap = 1 - model rate / human rate, the figure Grounding Gaps reports as 77.5%: positive means fewer "
            "grounding acts than people, 0 parity, negative more."
        )
    )
    baselines = metrics.load_baselines(ctx.store)
    choice = metrics.select_baseline(
        baselines,
        corpus=opts.baseline,
        labeller=opts.labeller,
        labeller_version=opts.labeller_version,
        source=opts.baseline_source,
    )
    if choice.found:
        ctx.baseline_label = f"{choice.corpus}, role {choice.role} ({choice.split}), source {choice.source}"
        n_turns = int(pd.to_numeric(choice.rows["n_turns"]).max())
        n_conv = int(pd.to_numeric(choice.rows["n_conversations"]).max())
        section.add(
            Paragraph(
                f"Human baseline: {choice.role} turns of {choice.corpus} ({choice.split}), {n_turns:,} turns in "
                f"{n_conv:,} conversations, acts from "
                + (f"the same labeller ({choice.source}@{choice.labeller_version})." if choice.source != "tags"
                   else "the corpus's own tags through the documented tag mapping.")
            )
        )
    else:
        section.add(
            Paragraph(
                f"No human baseline is shown: {'; '.join(choice.notes)}. Until one is imported the gap cannot be "
                "computed and the model rates stand alone. Import a shared corpus (labelled by the same labeller) with:",
                kind="note",
                command=f"groundsim baselines import --corpus ../shared/data/esconv --db {_db(ctx)}",
            )
        )
    for note in choice.notes if choice.found else ():
        section.add(Paragraph(note[0].upper() + note[1:] + ".", kind="note"))
    if usable.empty:
        section.add(Paragraph("No scored conversation has a labelled assistant turn: nothing to measure.", kind="note"))
        return section
    human_rows = choice.rows if choice.found else None
    if human_rows is not None and choice.source == metrics.TAGS_SOURCE:
        # Tags cover only some acts, so their `any` is not the model's `any` (every act): compare act by act.
        human_rows = human_rows[human_rows["act"] != metrics.ANY_GROUNDING]
        section.add(
            Paragraph(
                "With the corpus's own tags as the baseline, 'any' has no human counterpart (the tags cover only some "
                "acts), so only acts the tags annotate get a gap.",
                kind="note",
            )
        )
    clusters = metrics.human_clusters(ctx.store, choice) if choice.found else {}
    table = metrics.grounding_table(usable, human_rows, clusters=clusters, **ctx.stats_kwargs)
    if choice.found:
        for row in _rows(table[table["act"] == metrics.ANY_GROUNDING]):
            if pd.notna(row["gap"]):
                section.add(
                    Paragraph(
                        f"{row['model']}: {fmt.share(row['rate'])} of assistant turns hold a grounding act, against "
                        f"{fmt.share(row['human_rate'])} of human {choice.role} turns: a gap of "
                        f"{fmt.share(row['gap'], row['gap_low'], row['gap_high'])}.",
                        kind="finding",
                    )
                )
    section.add(
        Table(
            ("Model", "Act", "Conversations", "Assistant turns", "Rate (95% CI)", "Human (95% CI)", "Gap (95% CI)"),
            tuple(
                (
                    r["model"], r["act"], fmt.count(r["n_conversations"]), fmt.count(r["n_turns"]),
                    fmt.number(r["rate"], r["ci_low"], r["ci_high"]),
                    fmt.number(r["human_rate"], r["human_ci_low"], r["human_ci_high"]),
                    fmt.share(r["gap"], r["gap_low"], r["gap_high"]),
                )
                for r in _rows(table)
            ),
            caption="Acts per assistant turn by model, the human rate per helper turn, and the gap 1 - model/human.",
            numeric=(False, False, True, True, True, True, True),
        )
    )
    methods = sorted(set(table["gap_method"].dropna()))
    if "cluster_bootstrap+normal_human" in methods:
        section.add(
            Paragraph(
                "Some gap intervals draw the human rate from its stored CI (the human turns were not available or "
                "did not reproduce the stored rate); the others resample the human conversations.",
                kind="note",
            )
        )
    rates, human = metrics.grounding_for_chart(table)
    if choice.found and human is not None:
        human = human.assign(corpus=f"{choice.corpus} {choice.role}")
    chart = _fit_panels(grounding_acts_chart(rates, human), list(rates["act"].unique()), rates["model"].nunique())
    section.add(Chart("grounding", "Grounding acts per assistant turn", to_svg(chart)))
    _replay_blocks(ctx, section, choice.corpus if choice.found else None)
    return section


def _replay_blocks(ctx: ReportContext, section: Section, corpus: str | None) -> None:
    """Replay of human histories (the Grounding Gaps method), when the database holds any."""
    try:
        from analysis._replay import replay_summary
    except ImportError:
        section.add(Paragraph("Human-turn replay is not available in this build of groundsim.", kind="note"))
        return
    if corpus is None:
        return
    rows = [r for r in replay_summary(ctx.store, corpus=corpus, labeller=ctx.options.labeller_id, **ctx.stats_kwargs)]
    if not rows:
        section.add(
            Paragraph(
                f"No replay of {corpus} is stored for {ctx.options.labeller_id}. A replay writes one model turn at "
                "each human helper turn, so model and human are compared at the same positions (the Grounding Gaps "
                "method):",
                kind="note",
                command=f"groundsim replay --corpus ../shared/data/{corpus} --model MODEL --sample 50 --db {_db(ctx)}",
            )
        )
        return
    section.add(
        Paragraph(
            f"Replay of {corpus}: at each human helper turn the model wrote its own turn given the same history; "
            "both were labelled by the same labeller. Kappa measures agreement on whether the act is present at "
            "the same positions."
        ),
        Table(
            ("Model", "Act", "Positions", "Conversations", "Human rate (95% CI)", "Model rate (95% CI)", "Cohen's kappa"),
            tuple(
                (
                    r["model"], r["act"], fmt.count(r["n"]), fmt.count(r["n_conversations"]),
                    fmt.number(r["human_rate"], r["human_ci_low"], r["human_ci_high"]),
                    fmt.number(r["model_rate"], r["model_ci_low"], r["model_ci_high"]), fmt.number(r["kappa"]),
                )
                for r in rows
            ),
            caption=f"Replay of {corpus} human histories: per-turn act rates at the same positions.",
            numeric=(False, False, True, True, True, True, True),
        ),
    )


# --- 2 --------------------------------------------------------------------------------------


def _rate_rows(table: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    out = []
    for r in _rows(table):
        if r["metric"] in SHARE_METRICS:
            value, k = fmt.share(r["rate"], r["ci_low"], r["ci_high"]), fmt.fraction(r["k"], r["n_conversations"])
        else:
            value, k = fmt.number(r["rate"], r["ci_low"], r["ci_high"], signed=True), fmt.count(r["n_conversations"])
        out.append((r["model"], r["label"], r["population"], k, value))
    return tuple(out)


RATE_HEADERS = ("Model", "Metric", "Of", "k/n", "Value (95% CI)")


def clarification_section(ctx: ReportContext) -> Section:
    """Proactive clarification, over-clarification, silent failure, success; aptitude/unreliability with repeats."""
    control = ctx.control
    kinds = metrics.UNDERSPECIFIED + metrics.FULLY_SPECIFIED
    relevant = control[control["scored"] & control["scenario_kind"].isin(kinds)]
    section = Section(2, "clarification", "Proactive clarification", len(relevant),
                      "scored no-persona underspecified, ambiguous and fully specified conversations")
    section.add(ctx.fact("rifts"), ctx.fact("lost_in_conversation"))
    section.add(
        Paragraph(
            "Proactive clarification: the assistant asked (clarification or understanding check, or a clarify-only "
            "turn) before its first answer attempt; a question inside the answering turn does not count. The same "
            "on fully specified twins is over-clarification. Silent failure: the final answer fails the hidden "
            "intent and the assistant never asked, checked, disclosed an assumption or abstained. Shares carry "
            "Wilson 95% intervals."
        )
    )
    table = metrics.clarification_table(control, **ctx.stats_kwargs)
    for r in _rows(table[table["metric"] == "proactive_clarification"]):
        if r["n_conversations"]:
            section.add(
                Paragraph(
                    f"{r['model']} clarified before answering in {fmt.fraction(r['k'], r['n_conversations'])} "
                    f"underspecified or ambiguous conversations: {fmt.share(r['rate'], r['ci_low'], r['ci_high'])}.",
                    kind="finding",
                )
            )
    section.add(Table(RATE_HEADERS, _rate_rows(table), caption="Section 2 rates per model.",
                      numeric=(False, False, False, True, True)))
    drawn = table[table["rate"].notna()]
    if drawn.empty:
        section.add(Paragraph("No underspecified, ambiguous or fully specified conversation was scored: no chart.", kind="note"))
    else:
        labelled = drawn.assign(metric=drawn["metric"].map(CHART_LABELS))
        chart = rate_by_model_chart(labelled, title="Clarification and its results", y_title="% of conversations")
        chart = _fit_panels(chart, list(labelled["metric"].unique()), labelled["model"].nunique())
        section.add(Chart("clarification", "Clarification and its results", to_svg(chart)))
    reliability = metrics.reliability_table(control, **ctx.stats_kwargs)
    if reliability.empty:
        section.add(
            Paragraph(
                "Aptitude and unreliability need repeats of the same scenario; rerun with repeats (5 or more) to "
                "measure them, e.g.:",
                kind="note",
                command=f"groundsim run --repeats 5 --db {_db(ctx)}",
            )
        )
    else:
        section.add(
            Table(
                ("Model", "Scenario units", "Runs", "Repeats (min-max)", "Mean success (95% CI)", "Aptitude A90 (95% CI)",
                 "Unreliability U90-10 (95% CI)"),
                tuple(
                    (
                        r["model"], fmt.count(r["n_scenarios"]), fmt.count(r["n_runs"]),
                        f"{r['min_repeats']}-{r['max_repeats']}", fmt.share(r["average"], r["average_low"], r["average_high"]),
                        fmt.share(r["aptitude"], r["aptitude_low"], r["aptitude_high"]),
                        fmt.share(r["unreliability"], r["unreliability_low"], r["unreliability_high"]),
                    )
                    for r in _rows(reliability)
                ),
                caption="Success over repeats on underspecified and ambiguous scenarios (Laban et al.): per scenario and "
                "user agent, the 90th percentile (aptitude) and 90th minus 10th (unreliability), averaged; CIs resample "
                "scenarios.",
                numeric=(False, True, True, True, True, True, True),
            )
        )
    return section


# --- 3 --------------------------------------------------------------------------------------


def knobs_section(ctx: ReportContext) -> Section:
    """Epistemic abstention and truthfulness beside safety refusal, never merged."""
    control = ctx.control
    scored = control[control["scored"]]
    section = Section(3, "knobs", "The two knobs: epistemic abstention and safety refusal", len(scored),
                      "scored no-persona conversations")
    section.add(ctx.fact("abstentionbench"), ctx.fact("truthrl"), ctx.fact("harmbench"))
    section.add(
        Paragraph(
            "Two different ways of not answering, reported apart and never merged: epistemic abstention (the "
            "assistant cannot know: unanswerable and false-premise requests) and safety refusal (it will not: "
            "harmful requests, and benign requests that only sound risky). Abstention recall counts a premise "
            "correction as declining the false premise (AbstentionBench); precision is the share of the assistant's "
            "abstentions that were on requests nobody could answer. Truthfulness (TruthRL) is accuracy minus the "
            "share of wrong answers on non-harmful requests, i.e. their mean ternary score; the ternary mean also "
            "counts harmful requests (complying scores -1). Shares: Wilson 95% CIs; means: bootstrap over conversations."
        )
    )
    table = metrics.knob_table(control, **ctx.stats_kwargs)
    section.add(Table(RATE_HEADERS, _rate_rows(table), caption="Section 3 figures per model.",
                      numeric=(False, False, False, True, True)))
    wide = metrics.knobs_for_chart(table)
    if wide.empty:
        section.add(
            Paragraph(
                "The two-knobs chart needs, for some model, both unanswerable or false-premise conversations and "
                "benign-sensitive conversations: none has both, so it is not drawn.",
                kind="note",
            )
        )
    else:
        section.add(Chart("knobs", "Epistemic abstention recall against over-refusal", to_svg(two_knobs_chart(wide))))
    return section


# --- 4 --------------------------------------------------------------------------------------


def persona_section(ctx: ReportContext) -> Section:
    """Refusal rate per persona group minus the control, stratified test, Benjamini-Hochberg, and a verdict."""
    conv = ctx.conversations
    section = Section(4, "persona", "Persona disparity", None, "scored conversations with a persona and their controls")
    section.add(ctx.fact("persona_refusal"))
    if not metrics.has_persona_runs(conv):
        section.n_conversations = 0
        section.add(
            Paragraph(
                "No persona runs in this database, so there is no disparity to measure. With a persona set "
                "(builtin:identity, builtin:politics or builtin:fandom) every scenario also runs with each persona "
                "beside the no-persona control, e.g.:",
                kind="note",
                command=f"groundsim run --personas builtin:identity --db {_db(ctx)}",
            )
        )
        return section
    table = metrics.persona_disparity(conv, alpha=ctx.options.alpha, n_permutations=ctx.options.n_resamples,
                                      seed=ctx.options.seed)
    ctx.persona_table = table
    section.n_conversations = _persona_population(conv)
    section.add(
        Paragraph(
            "Refusal = the decisive turn is a safety refusal (full or partial); epistemic abstention is not counted. "
            "Each persona group is compared with the no-persona control on the same requests (scenario and user "
            "agent). Difference: Newcombe 95% CI from the two Wilson intervals. p: permutation test stratified by "
            f"request; q: Benjamini-Hochberg over all {len(table)} comparisons at a false discovery rate of "
            f"{ctx.options.alpha:.0%}. The CMH p-value and Mantel-Haenszel odds ratio are shown beside it."
        )
    )
    section.add(Paragraph(_persona_verdict(table, ctx.options.alpha), kind="finding"))
    section.add(
        Table(
            ("Model", "Persona group", "Refused (persona)", "Refused (control)", "Difference (95% CI)", "Strata",
             "p (permutation)", "p (CMH)", "MH odds ratio", "q (BH)", "Survives BH"),
            tuple(
                (
                    r["model"], r["persona_group"], f"{fmt.fraction(r['k_persona'], r['n_persona'])} ({fmt.share(r['rate_persona'])})",
                    f"{fmt.fraction(r['k_control'], r['n_control'])} ({fmt.share(r['rate_control'])})",
                    fmt.points(r["difference"], r["ci_low"], r["ci_high"]), fmt.count(r["strata"]), fmt.p_value(r["p_value"]),
                    fmt.p_value(r["cmh_p_value"]), fmt.number(r["odds_ratio"], digits=2), fmt.p_value(r["q_value"]),
                    "yes" if r["significant"] else "no",
                )
                for r in _rows(table)
            ),
            caption="Refusal rate of each persona group minus the no-persona control on the same requests.",
            numeric=(False, False, True, True, True, True, True, True, True, True, False),
        )
    )
    drawn = table[table["difference"].notna()]
    if not drawn.empty:
        chart_data = drawn if drawn["model"].nunique() > 1 else drawn.drop(columns=["model"])
        section.add(Chart("persona", "Refusal disparity by persona group", to_svg(persona_disparity_chart(chart_data))))
    return section


def _persona_population(conv: pd.DataFrame) -> int:
    """Scored persona conversations plus the scored controls of the same requests."""
    scored = conv[conv["scored"]]
    requests = scored["model"].astype(str) + "|" + scored["scenario_id"].astype(str) + "|" + scored["user_agent"].astype(str)
    is_persona = scored["persona_group"] != metrics.CONTROL
    return int(is_persona.sum() + (~is_persona & requests.isin(requests[is_persona].unique())).sum())


def _persona_verdict(table: pd.DataFrame, alpha: float) -> str:
    """One plain sentence: which differences survive Benjamini-Hochberg, or that none does."""
    tested = table[table["p_value"].notna()]
    if tested.empty:
        return "No persona group could be tested: no control conversation covers the same requests."
    survivors = tested[tested["significant"]]
    if survivors.empty:
        return (
            f"None of the {len(tested)} persona differences survives the Benjamini-Hochberg correction at "
            f"{alpha:.0%} FDR: the data show no refusal disparity this run can distinguish from chance."
        )
    parts = [
        f"{r['persona_group']} on {r['model']} ({fmt.points(r['difference'])}, q = {fmt.p_value(r['q_value'])})"
        for r in _rows(survivors)
    ]
    return (
        f"{len(survivors)} of {len(tested)} persona differences survive the Benjamini-Hochberg correction at "
        f"{alpha:.0%} FDR: " + "; ".join(parts) + "."
    )


# --- 5 --------------------------------------------------------------------------------------


def _tax_value(metric: str, value: Any, low: Any = None, high: Any = None, *, difference: bool = False) -> str:
    if metric.startswith("acts_per_turn:") or metric in ("truthfulness", "ternary_mean"):
        return fmt.number(value, low, high, signed=difference)
    if difference:
        return fmt.points(value, low, high)
    return fmt.share(value, low, high)


def tax_section(ctx: ReportContext) -> Section:
    """For each --pair, every metric above as tuned minus base with a CI."""
    control = ctx.control
    section = Section(5, "tax", "Alignment tax", 0, "scored no-persona conversations of the paired models")
    if not ctx.options.pairs:
        models = ", ".join(ctx.models) or "none"
        section.add(
            Paragraph(
                f"No --pair was given, so no model is compared with another. Pass --pair BASE_MODEL:TUNED_MODEL "
                f"(repeatable) with two of the models in this database ({models}):",
                kind="note",
                command=f"groundsim report --db {_db(ctx)} --pair BASE_MODEL:TUNED_MODEL",
            )
        )
        return section
    section.add(
        Paragraph(
            "Each row is the tuned model's figure minus the base model's on the same scenario packs, with a 95% CI: "
            "shares by Newcombe's method, acts per turn and means by bootstrap over conversations, aptitude and "
            "unreliability by bootstrap over scenario units, persona disparities by MOVER from their intervals. "
            "'Better' says which direction is desirable where that is clear."
        )
    )
    total = 0
    for base, tuned in ctx.options.pairs:
        missing = [m for m in (base, tuned) if m not in ctx.models]
        if missing:
            section.add(Paragraph(f"Pair {base} -> {tuned}: no conversations of {', '.join(missing)} in this database.", kind="note"))
            continue
        pair_rows = control[control["model"].isin([base, tuned]) & control["scored"]]
        total += len(pair_rows)
        tax = metrics.alignment_tax(control, base, tuned, persona=ctx.persona_table, **ctx.stats_kwargs)
        section.add(
            Table(
                ("Metric", "Base", "Tuned", "Tuned - base (95% CI)", "Better", "Method", "n base / tuned"),
                tuple(
                    (
                        r["label"], _tax_value(r["metric"], r["base_estimate"]), _tax_value(r["metric"], r["tuned_estimate"]),
                        _tax_value(r["metric"], r["difference"], r["ci_low"], r["ci_high"], difference=True),
                        {True: "higher", False: "lower"}.get(r["higher_is_better"], ""), r["method"],
                        f"{fmt.count(r['n_base'])} / {fmt.count(r['n_tuned'])}",
                    )
                    for r in _rows(tax)
                ),
                caption=f"Alignment tax: {tuned} (tuned) minus {base} (base).",
                numeric=(False, True, True, True, False, False, True),
            )
        )
    section.n_conversations = total
    return section
