"""Proactive clarification, over-clarification, silent failure and success; aptitude and unreliability over repeats."""

from __future__ import annotations

from analysis import metrics
from analysis import number_format as fmt
from analysis.charts import rate_by_model_chart, to_svg
from analysis.report._context import ReportContext
from analysis.report._document import Chart, Paragraph, Table
from analysis.report._registry import SECTIONS, ReportSection, SectionContent, section_number
from analysis.report._sections._common import RATE_HEADERS, db, fit_panels, rate_rows, rows

CHART_LABELS = {
    "proactive_clarification": "Clarified first",
    "over_clarification": "Over-clarified",
    "silent_failure": "Silent failure",
    "success_underspecified": "Success: underspecified",
    "success_fully_specified": "Success: fully specified",
}
"""Short panel titles for this section's chart (the table gives the full names)."""


@SECTIONS.register("clarification")
class Clarification(ReportSection):
    """Proactive clarification, over-clarification, silent failure, success; aptitude/unreliability with repeats."""

    order = 20
    title = "Proactive clarification"
    n_description = "scored no-persona underspecified, ambiguous and fully specified conversations"

    def build(self, ctx: ReportContext) -> SectionContent:
        control = ctx.control
        kinds = metrics.UNDERSPECIFIED + metrics.FULLY_SPECIFIED
        relevant = control[control["scored"] & control["scenario_kind"].isin(kinds)]
        section = SectionContent(len(relevant))
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
        for r in rows(table[table["metric"] == "proactive_clarification"]):
            if r["n_conversations"]:
                section.add(
                    Paragraph(
                        f"{r['model']} clarified before answering in {fmt.fraction(r['k'], r['n_conversations'])} "
                        f"underspecified or ambiguous conversations: {fmt.share(r['rate'], r['ci_low'], r['ci_high'])}.",
                        kind="finding",
                    )
                )
        section.add(Table(RATE_HEADERS, rate_rows(table), caption=f"Section {section_number(Clarification)} rates per model.",
                          numeric=(False, False, False, True, True)))
        drawn = table[table["rate"].notna()]
        if drawn.empty:
            section.add(Paragraph("No underspecified, ambiguous or fully specified conversation was scored: no chart.", kind="note"))
        else:
            labelled = drawn.assign(metric=drawn["metric"].map(CHART_LABELS))
            chart = rate_by_model_chart(labelled, title="Clarification and its results", y_title="% of conversations")
            chart = fit_panels(chart, list(labelled["metric"].unique()), labelled["model"].nunique())
            section.add(Chart("clarification", "Clarification and its results", to_svg(chart)))
        section.add(_reliability_block(ctx))
        return section


def _reliability_block(ctx: ReportContext) -> Paragraph | Table:
    """Aptitude and unreliability over repeats, or how to get repeats."""
    reliability = metrics.reliability_table(ctx.control, **ctx.stats_kwargs)
    if reliability.empty:
        return Paragraph(
            "Aptitude and unreliability need repeats of the same scenario; rerun with repeats (5 or more) to "
            "measure them, e.g.:",
            kind="note",
            command=f"groundsim run --repeats 5 --db {db(ctx)}",
        )
    return Table(
        ("Model", "Scenario units", "Runs", "Repeats (min-max)", "Mean success (95% CI)", "Aptitude A90 (95% CI)",
         "Unreliability U90-10 (95% CI)"),
        tuple(
            (
                r["model"], fmt.count(r["n_scenarios"]), fmt.count(r["n_runs"]),
                f"{r['min_repeats']}-{r['max_repeats']}", fmt.share(r["average"], r["average_low"], r["average_high"]),
                fmt.share(r["aptitude"], r["aptitude_low"], r["aptitude_high"]),
                fmt.share(r["unreliability"], r["unreliability_low"], r["unreliability_high"]),
            )
            for r in rows(reliability)
        ),
        caption="Success over repeats on underspecified and ambiguous scenarios (Laban et al.): per scenario and "
        "user agent, the 90th percentile (aptitude) and 90th minus 10th (unreliability), averaged; CIs resample "
        "scenarios.",
        numeric=(False, True, True, True, True, True, True),
    )
