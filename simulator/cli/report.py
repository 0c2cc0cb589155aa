"""`groundsim report`: write the alignment-tax report (HTML + Markdown) of a results database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scenarios import GroundsimError
from simulator.cli._common import DbOption, JudgeApiBaseOption, JudgeModelOption, LabellerOption, stderr, stdout
from simulator.cli.wiring import build_labeller


class ReportOptionError(GroundsimError):
    """An option of `groundsim report` that cannot be used as given."""


class NotAnnotatedError(GroundsimError):
    """The chosen labeller has not labelled or scored everything, and annotating was turned off."""


def parse_pair(text: str, models: list[str]) -> tuple[str, str]:
    """Split `BASE:TUNED` where model ids may hold colons themselves (e.g. `ollama/llama3:8b`).

    Of the colons in `text`, the one whose two sides are both models in the database wins;
    with a single colon that is the split even if a side is unknown (the report then says
    so); otherwise the pair is ambiguous and refused.
    """
    cuts = [i for i, ch in enumerate(text) if ch == ":"]
    known = set(models)
    for i in cuts:
        base, tuned = text[:i].strip(), text[i + 1 :].strip()
        if base in known and tuned in known:
            return base, tuned
    if len(cuts) == 1 and text[: cuts[0]].strip() and text[cuts[0] + 1 :].strip():
        return text[: cuts[0]].strip(), text[cuts[0] + 1 :].strip()
    raise ReportOptionError(
        f"--pair {text!r}: expected BASE_MODEL:TUNED_MODEL with two of the models in the database "
        f"({', '.join(models) or 'none'})"
    )


def report(
    db: DbOption = "groundsim.duckdb",
    out: Annotated[str, typer.Option("--out", "-o", envvar="GROUNDSIM_REPORT_OUT", help="Folder for report.html, report.md and charts/ (created if missing).")] = "report",
    baseline: Annotated[str | None, typer.Option("--baseline", envvar="GROUNDSIM_BASELINE", help="Human corpus to compare with, CORPUS or CORPUS:ROLE (see `groundsim baselines list`). [default: the stored corpus with the most helper turns]")] = None,
    baseline_source: Annotated[str, typer.Option("--baseline-source", envvar="GROUNDSIM_BASELINE_SOURCE", help="labeller: human turns labelled by the same labeller as the models (one instrument); tags: the corpus's own tags through the tag mapping.")] = "labeller",
    pair: Annotated[list[str] | None, typer.Option("--pair", envvar="GROUNDSIM_PAIR", help="BASE_MODEL:TUNED_MODEL for the alignment tax (every metric as tuned minus base); repeatable.")] = None,
    labeller: LabellerOption = "hybrid",
    judge_model: JudgeModelOption = None,
    judge_api_base: JudgeApiBaseOption = None,
    annotate: Annotated[bool, typer.Option("--annotate/--no-annotate", envvar="GROUNDSIM_REPORT_ANNOTATE", help="First label and score what this labeller has not yet (incremental, like `groundsim annotate`).")] = True,
    validation: Annotated[Path | None, typer.Option("--validation", envvar="GROUNDSIM_VALIDATION", help="Per-source figures of the labeller (groundsim validate-labeller --save FILE) for the Method section. [default: the file shipped for a built-in labeller]")] = None,
    resamples: Annotated[int, typer.Option("--resamples", envvar="GROUNDSIM_RESAMPLES", min=100, help="Bootstrap resamples and permutations per interval or test.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", envvar="GROUNDSIM_REPORT_SEED", help="Seed of every resampling (the same seed reproduces the same intervals).")] = 0,
) -> None:
    """Write the alignment-tax report of a results database and print where it is.

    report.html is self-contained (charts inline, no script, nothing fetched: it opens
    offline); report.md says the same in text, with the charts in charts/. Sections:
    grounding acts beside a human baseline, proactive clarification, the two knobs
    (epistemic abstention vs safety refusal), persona disparity, the alignment tax of each
    --pair, and the method (runs, labeller validation, sources).
    """
    from analysis import metrics
    from analysis.report import ReportOptions, annotation_coverage, ensure_annotated, write_report
    from simulator import Store
    from simulator._version import code_version

    if baseline_source not in ("labeller", "tags"):
        raise ReportOptionError(f"--baseline-source must be labeller or tags, not {baseline_source!r}")
    store = Store(db)
    store.check_readable()
    chosen = build_labeller(labeller, judge_model, judge_api_base=judge_api_base)
    coverage = annotation_coverage(store, chosen.name, chosen.version)
    if not coverage.complete:
        if not annotate:
            raise NotAnnotatedError(
                f"{chosen.name}@{chosen.version} has not labelled {coverage.unlabelled_turns} assistant turn(s) and not scored "
                f"{coverage.unscored_conversations} conversation(s) in {db}: run `groundsim annotate --db {db} --labeller "
                f"{labeller}` (or drop --no-annotate)"
            )
        store.migrate()
        stderr.print(f"annotating with {chosen.name}@{chosen.version} first (incremental) ...")
        summary = ensure_annotated(store, chosen)
        if summary is not None:
            stderr.print(f"labelled {summary.labelled_turns} turn(s), scored {summary.scored_conversations} conversation(s)")
    models = sorted({r["model"] for r in store.query("SELECT DISTINCT model FROM conversations")})
    pairs = tuple(parse_pair(p, models) for p in pair or [])
    options = ReportOptions(
        labeller=chosen.name,
        labeller_version=chosen.version,
        baseline=baseline,
        baseline_source=baseline_source,  # type: ignore[arg-type]
        pairs=pairs,
        n_resamples=resamples,
        seed=seed,
        db_label=str(db),
        code_version=code_version(),
        validation_file=validation,
    )
    if metrics.load_baselines(store) is None:
        stderr.print("no human baselines table in this database: the report shows model rates without a gap")
    paths = write_report(store, Path(out), options, labeller=chosen)
    stdout.print(f"HTML report:     {paths.html.resolve()}", markup=False)
    stdout.print(f"Markdown report: {paths.markdown.resolve()}", markup=False)
