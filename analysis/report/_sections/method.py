"""Method: what was run, how it was labelled (and how well), and what the figures rest on."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from analysis import number_format as fmt
from analysis._agreement import ValidationReport, validate_labeller
from analysis._validation import COMPARABLE_KAPPA, SourceFigures, refit_of
from analysis.labellers import Labeller, get_labeller, read_gold_jsonl
from analysis.report._context import ReportContext
from analysis.report._document import Paragraph, Table
from analysis.report._facts import FACTS
from analysis.report._registry import SECTIONS, ReportSection, SectionContent, section_numbers, sections_phrase
from scenarios import Act

GOLD_FILES = (
    ("assistant_turns_dev.jsonl", "development set"),
    ("assistant_turns_test.jsonl", "second gold set (dev: rules patterns were fitted to it)"),
)
"""Gold files the labeller is validated on at report time, and how the report names them."""


@SECTIONS.register("method")
class Method(ReportSection):
    """Models, packs, user agents, runs (code version, config hash, dates), labeller validation, statistics, sources."""

    order = 1000  # last, after any section added later
    title = "Method"
    n_description = "stored conversations"
    population = "stored"

    def build(self, ctx: ReportContext) -> SectionContent:
        section = SectionContent(len(ctx.conversations))
        conv = ctx.conversations
        section.add(_models_table(conv), _packs_table(conv), _users_table(conv))
        section.add(*_runs_blocks(ctx))
        section.add(*_labeller_blocks(ctx, ctx.labeller))
        section.add(
            Paragraph(
                "Statistics: conversations stored as errors (infrastructure failures) and conversations the labeller "
                "scored as errors are kept but never counted in a rate. Shares of conversations carry Wilson score "
                "intervals; acts per turn and means carry percentile-bootstrap intervals that resample whole "
                f"conversations ({ctx.options.n_resamples:,} resamples, seed {ctx.options.seed}); differences of shares "
                "use Newcombe's hybrid score interval; persona tests are stratified by request (permutation test, with "
                f"Cochran-Mantel-Haenszel beside it) and corrected with Benjamini-Hochberg. {_populations()}All intervals are 95%."
            )
        )
        cited = ctx.cited or list(FACTS)
        section.add(
            Table(
                ("Finding", "Source"),
                tuple((FACTS[key].text, FACTS[key].source) for key in cited),
                caption="Published findings cited in this report (from docs/design.md), with their sources.",
            )
        )
        return section


def _populations() -> str:
    """Which sections use the control conversations and which the persona variants, numbered from the registry."""
    control, personas = section_numbers("control"), section_numbers("personas")
    parts = []
    if control:
        parts.append(f"{sections_phrase(control)} {'uses' if len(control) == 1 else 'use'} the no-persona control conversations")
    if personas:
        parts.append(f"persona variants enter only {sections_phrase(personas)}")
    text = "; ".join(parts)
    return f"{text[:1].upper()}{text[1:]}. " if text else ""


def _models_table(conv: pd.DataFrame) -> Table:
    rows = []
    for model, group in conv.groupby("model", sort=True):
        complete = group["status"] == "complete"
        rows.append(
            (
                str(model), fmt.count(len(group)), fmt.count(int(group["scored"].sum())),
                fmt.count(int((~complete).sum())), fmt.count(int((complete & (group["outcome"] == "ungraded")).sum())),
                fmt.count(int((complete & ~group["scored"] & (group["outcome"] != "ungraded")).sum())),
                fmt.count(int((group["persona_group"] != "control").sum())),
            )
        )
    return Table(
        ("Model", "Conversations", "Scored", "Infrastructure errors", "Ungraded", "Not scored", "With a persona"),
        tuple(rows),
        caption="Models (assistants) and their conversations. 'Ungraded': the answer needs a judge verdict and no "
        "judge graded it (kept and counted, never in a rate). 'Not scored': complete, but the labeller scored them as "
        "errors or has not scored them.",
        numeric=(False, True, True, True, True, True, True),
    )


def _packs_table(conv: pd.DataFrame) -> Table:
    rows = []
    for pack, group in conv.groupby(conv["scenario_pack"].fillna("(unknown)"), sort=True):
        kinds = group.drop_duplicates("scenario_id")["scenario_kind"].value_counts().sort_index()
        rows.append((str(pack), fmt.count(group["scenario_id"].nunique()), ", ".join(f"{k} {v}" for k, v in kinds.items())))
    return Table(("Scenario pack", "Scenarios used", "Scenarios by kind"), tuple(rows),
                 caption="Scenario packs behind the conversations.", numeric=(False, True, False))


def _users_table(conv: pd.DataFrame) -> Table:
    counts = conv.groupby("user_agent").size().sort_index()
    return Table(("User agent", "Conversations"), tuple((str(u), fmt.count(n)) for u, n in counts.items()),
                 caption="Simulated users.", numeric=(False, True))


def _runs_blocks(ctx: ReportContext) -> list[Any]:
    runs = ctx.store.query(
        "SELECT run_id, created_at, updated_at, n_invocations, code_version, config_hash, config_json FROM runs ORDER BY created_at"
    )
    rows = []
    for r in runs:
        config = json.loads(r["config_json"])
        settings = (
            f"max_turns {config.get('max_turns')}, temperature {config.get('temperature')}, "
            f"max_tokens {config.get('max_tokens')}, repeats {config.get('repeats')}, personas {config.get('personas') or 'none'}, "
            f"system prompt {'set' if config.get('system_prompt') else 'none'}"
        )
        rows.append(
            (
                str(r["run_id"]), str(r["created_at"])[:19], str(r["updated_at"])[:19], fmt.count(r["n_invocations"]),
                str(r["code_version"]), str(r["config_hash"])[:12], ", ".join(config.get("scenarios", [])),
                ", ".join(config.get("users", [])), settings,
            )
        )
    blocks: list[Any] = [
        Table(
            ("Run", "Created (UTC)", "Last updated (UTC)", "Invocations", "Code version", "Config hash", "Scenarios",
             "Users", "Settings"),
            tuple(rows),
            caption="Runs in the database: a rerun of the same configuration resumes its run (same config hash).",
            numeric=(False, False, False, True, False, False, False, False, False),
        )
    ]
    conv = ctx.conversations
    if not conv.empty:
        first, last = pd.to_datetime(conv["started_at"], utc=True).min(), pd.to_datetime(conv["finished_at"], utc=True).max()
        blocks.append(Paragraph(f"Conversations ran from {str(first)[:19]} to {str(last)[:19]} UTC."))
    opts = ctx.options
    blocks.append(
        Paragraph(
            f"Report written {opts.generated_at.isoformat(timespec='seconds')} by groundsim {opts.code_version or 'unknown'} "
            f"from {opts.db_label or 'the database'}."
        )
    )
    return blocks


def _figures_table(figures: list[SourceFigures]) -> Table:
    acts = [a.value for a in Act]
    rows = tuple(
        (f.source, f.kind, f.status, f.method, fmt.count(f.items), fmt.number(f.stance_macro_f1), fmt.share(f.refusal_accuracy),
         *(fmt.number(f.act_kappa.get(a)) if a in f.act_kappa else "-" for a in acts))
        for f in figures
    )
    return Table(
        ("Source", "Kind", "Status", "Scored", "Items", "Stance macro-F1", "Refusal accuracy", *acts),
        rows,
        caption="The labeller on each validation source, never pooled: stance macro-F1 on gold assistant turns, refusal "
        "vs compliance accuracy on XSTest's real completions, Cohen's kappa per act (against the corpus's own tags for "
        "human corpora). Every source was looked at while the labellers were built: these are dev figures.",
        numeric=(False, False, False, False, True, True, True, *(True,) * len(acts)),
    )


def _figures_blocks(figures: list[SourceFigures]) -> list[Any]:
    blocks: list[Any] = [
        Paragraph(
            "Validation by source (groundsim validate-labeller). A learned labeller is scored leave-one-source-out: "
            "refit without the source, then scored on it, so no figure comes from text its weights saw. Nothing in the "
            "repository is held out: every source was read while the labellers were written, so every figure is a dev "
            "figure and independent held-out sets are the honest check."
        ),
        _figures_table(figures),
    ]
    for f in figures:
        if f.refusal_accuracy_by_group:
            models = ", ".join(f"{k.removeprefix('model:')} {fmt.share(v)}" for k, v in f.refusal_accuracy_by_group.items() if k.startswith("model:"))
            types = ", ".join(f"{k.removeprefix('type:')} {fmt.share(v)}" for k, v in f.refusal_accuracy_by_group.items() if k.startswith("type:"))
            blocks.append(Paragraph(f"{f.source}: refusal vs compliance kappa {fmt.number(f.refusal_kappa)}; accuracy per model: {models}; per prompt type: {types}."))
        if f.kind == "corpus":
            weak = [f"{act} (kappa {fmt.number(k)})" for act, k in f.act_kappa.items() if k is None or k < COMPARABLE_KAPPA]
            if weak:
                blocks.append(
                    Paragraph(
                        f"Against {f.source}'s own tags the labeller agrees poorly on {', '.join(weak)}: the labeller and the "
                        f"tags do not measure the same thing there, so a human-gap row for those acts against this corpus is "
                        f"marked not comparable (kappa < {COMPARABLE_KAPPA}); use --baseline-source tags to compare with the tags.",
                        kind="note",
                    )
                )
    return blocks


def _validation_table(report: ValidationReport, name: str) -> Table:
    rows = [
        (kind, r.label, fmt.count(r.gold_count), fmt.count(r.predicted_count), fmt.number(r.precision),
         fmt.number(r.recall), fmt.number(r.f1), fmt.number(r.kappa))
        for kind, group in (("act", report.acts), ("stance", report.stances))
        for r in group
    ]
    return Table(
        ("", "Label", "Gold", "Predicted", "Precision", "Recall", "F1", "Kappa"),
        tuple(rows),
        caption=f"Labeller {report.labeller} against the {name} ({report.items} hand-labelled assistant turns).",
        numeric=(False, False, True, True, True, True, True, True),
    )


def _labeller_blocks(ctx: ReportContext, labeller: Labeller | None) -> list[Any]:
    opts = ctx.options
    blocks: list[Any] = [
        Paragraph(
            f"Labeller: {opts.labeller_id}. It gives every assistant turn its grounding acts and one stance; outcomes "
            "follow from the scenario's expectation, those labels and the answer check (docs/design.md vocabulary)."
        ),
        ctx.fact("harmbench"),
    ]
    if ctx.validation is not None:
        return [*blocks, *_figures_blocks(ctx.validation)]
    try:
        chosen = labeller or get_labeller(opts.labeller)
    except Exception as exc:  # a labeller that needs options (a judge model) cannot be built here
        return [*blocks, Paragraph(f"Labeller validation not run: {exc}", kind="note")]
    if refit_of(chosen) is not None:
        return [*blocks, Paragraph("No validation figures for this labeller version: it is trained on the "
                                   "gold files, so scoring it on them here would be optimistic. Run groundsim validate-labeller "
                                   "--save FILE (leave-one-source-out) and pass --validation FILE.", kind="note")]
    blocks.append(Paragraph("No per-source figures file for this labeller (groundsim validate-labeller --data-dir PATH --save "
                            "FILE, then report --validation FILE): validated here on the shipped gold files only.", kind="note"))
    for file_name, name in GOLD_FILES:
        path = opts.gold_dir / file_name
        if not path.is_file():
            blocks.append(Paragraph(f"Labeller validation on the {name}: {path.name} is missing.", kind="note"))
            continue
        report = validate_labeller(chosen, read_gold_jsonl(path), gold_source=path.name)
        blocks.append(
            Paragraph(
                f"Validation on the {name} ({path.name}, {report.items} turns): stance accuracy "
                f"{fmt.share(report.stance_accuracy)}, stance kappa {fmt.number(report.stance_kappa)}, macro-F1 "
                f"{fmt.number(report.stance_macro_f1)}; safety refusals labelled as epistemic abstentions "
                f"{fmt.share(report.safety_refusal_as_epistemic)}, the reverse {fmt.share(report.epistemic_as_safety_refusal)}. "
                "The rules were written while reading this set, so these are dev figures."
            )
        )
        blocks.append(_validation_table(report, name))
    return blocks
