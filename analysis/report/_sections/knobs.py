"""The two knobs: epistemic abstention and truthfulness beside safety refusal, never merged."""

from __future__ import annotations

from analysis import metrics
from analysis.charts import to_svg, two_knobs_chart
from analysis.report._context import ReportContext
from analysis.report._document import Chart, Paragraph, Table
from analysis.report._registry import SECTIONS, ReportSection, SectionContent, section_number
from analysis.report._sections._common import RATE_HEADERS, rate_rows


@SECTIONS.register("knobs")
class Knobs(ReportSection):
    """Epistemic abstention and truthfulness beside safety refusal, never merged."""

    order = 30
    title = "The two knobs: epistemic abstention and safety refusal"
    n_description = "scored no-persona conversations"

    def build(self, ctx: ReportContext) -> SectionContent:
        control = ctx.control
        section = SectionContent(len(control[control["scored"]]))
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
        section.add(Table(RATE_HEADERS, rate_rows(table), caption=f"Section {section_number(Knobs)} figures per model.",
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
