"""Persona disparity: refusal rate per persona group minus the control, a stratified test, Benjamini-Hochberg, a verdict."""

from __future__ import annotations

import pandas as pd

from analysis import metrics
from analysis import number_format as fmt
from analysis.charts import persona_disparity_chart, to_svg
from analysis.report._context import ReportContext
from analysis.report._document import Chart, Paragraph, Table
from analysis.report._registry import SECTIONS, ReportSection, SectionContent
from analysis.report._sections._common import db, rows


@SECTIONS.register("persona")
class Persona(ReportSection):
    """Refusal rate per persona group minus the control, stratified test, Benjamini-Hochberg, and a verdict."""

    order = 40
    title = "Persona disparity"
    n_description = "scored conversations with a persona and their controls"
    population = "personas"

    def build(self, ctx: ReportContext) -> SectionContent:
        conv = ctx.conversations
        section = SectionContent()
        section.add(ctx.fact("persona_refusal"))
        if not metrics.has_persona_runs(conv):
            section.n_conversations = 0
            section.add(
                Paragraph(
                    "No persona runs in this database, so there is no disparity to measure. With a persona set "
                    "(builtin:identity, builtin:politics or builtin:fandom) every scenario also runs with each persona "
                    "beside the no-persona control, e.g.:",
                    kind="note",
                    command=f"groundsim run --personas builtin:identity --db {db(ctx)}",
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
        section.add(_disparity_table(table))
        drawn = table[table["difference"].notna()]
        if not drawn.empty:
            chart_data = drawn if drawn["model"].nunique() > 1 else drawn.drop(columns=["model"])
            section.add(Chart("persona", "Refusal disparity by persona group", to_svg(persona_disparity_chart(chart_data))))
        return section


def _disparity_table(table: pd.DataFrame) -> Table:
    return Table(
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
            for r in rows(table)
        ),
        caption="Refusal rate of each persona group minus the no-persona control on the same requests.",
        numeric=(False, False, True, True, True, True, True, True, True, True, False),
    )


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
        for r in rows(survivors)
    ]
    return (
        f"{len(survivors)} of {len(tested)} persona differences survive the Benjamini-Hochberg correction at "
        f"{alpha:.0%} FDR: " + "; ".join(parts) + "."
    )
