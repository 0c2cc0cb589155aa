"""Grounding acts per assistant turn by model beside the human baseline, and the replay of human histories."""

from __future__ import annotations

import pandas as pd

from analysis import metrics
from analysis import number_format as fmt
from analysis._replay import replay_summary
from analysis._validation import COMPARABLE_KAPPA
from analysis.charts import grounding_acts_chart, to_svg
from analysis.report._context import ReportContext
from analysis.report._document import Chart, Paragraph, Table
from analysis.report._registry import SECTIONS, ReportSection, SectionContent
from analysis.report._sections._common import db, fit_panels, rows


@SECTIONS.register("grounding")
class Grounding(ReportSection):
    """Acts per assistant turn by model beside the human baseline, and the gap 1 - model/human."""

    order = 10
    title = "Grounding acts per assistant turn"
    n_description = "scored no-persona conversations"

    def build(self, ctx: ReportContext) -> SectionContent:
        opts = ctx.options
        control = ctx.control
        usable = control[control["scored"] & (control["assistant_turns"] > 0)]
        section = SectionContent(len(usable))
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
                    command=f"groundsim baselines import --corpus PATH --db {db(ctx)}",
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
            for row in rows(table[table["act"] == metrics.ANY_GROUNDING]):
                if pd.notna(row["gap"]):
                    section.add(
                        Paragraph(
                            f"{row['model']}: {fmt.share(row['rate'])} of assistant turns hold a grounding act, against "
                            f"{fmt.share(row['human_rate'])} of human {choice.role} turns: a gap of "
                            f"{fmt.share(row['gap'], row['gap_low'], row['gap_high'])}.",
                            kind="finding",
                        )
                    )
        weak = _weak_acts(ctx, choice) if choice.found else {}
        section.add(_grounding_table(table, weak))
        if weak:
            listed = ", ".join(f"{act} (kappa {fmt.number(k)})" for act, k in weak.items())
            section.add(
                Paragraph(
                    f"Not comparable: on {listed} the labeller agrees poorly with {choice.corpus}'s own tags (kappa < "
                    f"{COMPARABLE_KAPPA} on its dev split), so its human rate for those acts does not measure what the tags "
                    "define and the gap is not shown. The corpus's tags can serve as the baseline instead:",
                    kind="note",
                    command=f"groundsim report --db {db(ctx)} --baseline {choice.corpus} --baseline-source tags",
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
        chart = fit_panels(grounding_acts_chart(rates, human), list(rates["act"].unique()), rates["model"].nunique())
        section.add(Chart("grounding", "Grounding acts per assistant turn", to_svg(chart)))
        if choice.found:
            _replay_blocks(ctx, section, choice.corpus)
        return section


def _weak_acts(ctx: ReportContext, choice: metrics.BaselineChoice) -> dict[str, float | None]:
    """Acts whose human rate (labelled by the labeller) disagrees with the corpus's own tags (kappa < COMPARABLE_KAPPA)."""
    if choice.source == metrics.TAGS_SOURCE or ctx.validation is None:
        return {}
    out: dict[str, float | None] = {}
    for act in sorted(set(choice.rows["act"])):
        kappa = ctx.corpus_kappa(choice.corpus, act)
        if kappa is not None and kappa < COMPARABLE_KAPPA:
            out[act] = kappa
    return out


def _gap_cell(row: dict, weak: dict[str, float | None]) -> str:
    if row["act"] in weak:
        return f"not comparable (kappa {fmt.number(weak[row['act']])} vs tags)"
    return fmt.share(row["gap"], row["gap_low"], row["gap_high"])


def _grounding_table(table: pd.DataFrame, weak: dict[str, float | None]) -> Table:
    return Table(
        ("Model", "Act", "Conversations", "Assistant turns", "Rate (95% CI)", "Human (95% CI)", "Gap (95% CI)"),
        tuple(
            (
                r["model"], r["act"], fmt.count(r["n_conversations"]), fmt.count(r["n_turns"]),
                fmt.number(r["rate"], r["ci_low"], r["ci_high"]),
                fmt.number(r["human_rate"], r["human_ci_low"], r["human_ci_high"]),
                _gap_cell(r, weak),
            )
            for r in rows(table)
        ),
        caption="Acts per assistant turn by model, the human rate per helper turn, and the gap 1 - model/human.",
        numeric=(False, False, True, True, True, True, True),
    )


def _replay_blocks(ctx: ReportContext, section: SectionContent, corpus: str) -> None:
    """Replay of human histories (the Grounding Gaps method), when the database holds any."""
    replayed = list(replay_summary(ctx.store, corpus=corpus, labeller=ctx.options.labeller_id, **ctx.stats_kwargs))
    if not replayed:
        section.add(
            Paragraph(
                f"No replay of {corpus} is stored for {ctx.options.labeller_id}. A replay writes one model turn at "
                "each human helper turn, so model and human are compared at the same positions (the Grounding Gaps "
                "method):",
                kind="note",
                command=f"groundsim replay --corpus PATH --model MODEL --sample 50 --db {db(ctx)}",
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
                for r in replayed
            ),
            caption=f"Replay of {corpus} human histories: per-turn act rates at the same positions.",
            numeric=(False, False, True, True, True, True, True),
        ),
    )
