"""The alignment tax: for each --pair, every metric of the report as tuned minus base with a CI."""

from __future__ import annotations

from typing import Any

from analysis import metrics
from analysis import number_format as fmt
from analysis.report._context import ReportContext
from analysis.report._document import Paragraph, Table
from analysis.report._registry import SECTIONS, ReportSection, SectionContent
from analysis.report._sections._common import db, rows


def _tax_value(metric: str, value: Any, low: Any = None, high: Any = None, *, difference: bool = False) -> str:
    if metric.startswith("acts_per_turn:") or metric in ("truthfulness", "ternary_mean"):
        return fmt.number(value, low, high, signed=difference)
    if difference:
        return fmt.points(value, low, high)
    return fmt.share(value, low, high)


@SECTIONS.register("tax")
class AlignmentTax(ReportSection):
    """For each --pair, every metric above as tuned minus base with a CI."""

    order = 50
    title = "Alignment tax"
    n_description = "scored no-persona conversations of the paired models"

    def build(self, ctx: ReportContext) -> SectionContent:
        control = ctx.control
        section = SectionContent(0)
        if not ctx.options.pairs:
            models = ", ".join(ctx.models) or "none"
            section.add(
                Paragraph(
                    f"No --pair was given, so no model is compared with another. Pass --pair BASE_MODEL:TUNED_MODEL "
                    f"(repeatable) with two of the models in this database ({models}):",
                    kind="note",
                    command=f"groundsim report --db {db(ctx)} --pair BASE_MODEL:TUNED_MODEL",
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
                        for r in rows(tax)
                    ),
                    caption=f"Alignment tax: {tuned} (tuned) minus {base} (base).",
                    numeric=(False, True, True, True, False, False, True),
                )
            )
        section.n_conversations = total
        return section
