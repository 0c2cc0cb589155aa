"""`groundsim label` and `groundsim validate-labeller`: labels for files, and how good they are."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli._common import JudgeApiBaseOption, JudgeModelOption, LabellerOption, stderr, stdout
from simulator.cli.wiring import build_labeller


def label(
    input: Annotated[Path, typer.Option("--input", "-i", help="JSONL: one {\"id\", \"text\", \"previous\"?} per line (text = an assistant turn).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL written with each input object plus \"acts\" and \"stance\".")],
    labeller: LabellerOption = "hybrid",
    judge_model: JudgeModelOption = None,
    judge_api_base: JudgeApiBaseOption = None,
) -> None:
    """Label assistant turns from a file.

    Each output line is the input object plus "acts" (a list from clarification,
    understanding_check, acknowledgment, follow_up, repair, assumption_disclosure) and
    "stance" (answer, clarify_only, epistemic_abstain, safety_refusal, partial_refusal, other).
    This file format is stable.
    """
    from analysis.labellers import label_jsonl

    n = label_jsonl(input, output, build_labeller(labeller, judge_model, judge_api_base=judge_api_base))
    stdout.print(f"labelled {n} turn(s) -> {output}")


DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="GROUNDSIM_SHARED_DATA", help="Folder holding the separately downloaded data sets (xstest/dev.jsonl.gz, mrda/dev.jsonl.gz, esconv/dev.jsonl.gz). Without it only the gold files shipped in the repository are used."),
]


def validate_labeller(
    labeller: LabellerOption = "hybrid",
    judge_model: JudgeModelOption = None,
    judge_api_base: JudgeApiBaseOption = None,
    gold: Annotated[Path | None, typer.Option("--gold", "-g", help="Instead: one gold JSONL file ({\"id\", \"text\", \"previous\"?, \"acts\", \"stance\"} per line), with the full per-act and per-stance table and the confusion matrix.")] = None,
    data_dir: DataDirOption = None,
    corpus_limit: Annotated[int | None, typer.Option("--corpus-limit", envvar="GROUNDSIM_CORPUS_LIMIT", help="Score at most this many utterances per human corpus (quick runs). [default: all of the dev split]")] = None,
    save: Annotated[Path | None, typer.Option("--save", help="Also write the figures as JSON (the report's Method section can show them).")] = None,
) -> None:
    """Measure a labeller on every validation source, one row per source, never pooled.

    Sources: the gold files shipped in analysis/gold/, the XSTest dev portion (refusal vs
    compliance against two annotators, per model and per prompt type) and each human
    corpus's dev split against its own tags (per-act kappa). The hybrid labeller is scored
    leave-one-source-out on the sources it is trained on (a refit per source, about a
    minute), so no figure comes from text its weights saw. Every source was looked at while
    the labellers were built: all rows are dev figures, none is held out.

    \b
    Examples:
      groundsim validate-labeller --data-dir /data/groundsim
      groundsim validate-labeller --labeller rules --data-dir /data/groundsim --save rules-validation.json
      groundsim validate-labeller --gold my_gold.jsonl --labeller judge --judge-model openai/gpt-4o-mini
    """
    from analysis import figures_table, save_figures, validate_by_source
    from analysis import validate_labeller as run_validation
    from analysis.labellers import read_gold_jsonl

    chosen = build_labeller(labeller, judge_model, judge_api_base=judge_api_base)
    if gold is not None:
        report = run_validation(chosen, read_gold_jsonl(gold), gold_source=str(gold))
        stdout.print(report.to_text(), markup=False)
        return
    if data_dir is not None and not data_dir.is_dir():
        raise typer.BadParameter(f"{data_dir} is not a folder", param_hint="--data-dir")
    figures = validate_by_source(chosen, data_dir=data_dir, corpus_limit=corpus_limit, on_step=lambda s: stderr.print(f"scoring {s} ...", markup=False))
    name = f"{chosen.name}@{chosen.version}"
    stdout.print(figures_table(name, figures), markup=False)
    if data_dir is None:
        stdout.print("no --data-dir: the XSTest and human-corpus sources were skipped", markup=False)
    if save is not None:
        stdout.print(f"figures -> {save_figures(save, name, figures)}", markup=False)


def train_labeller(
    data_dir: DataDirOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Weights file to write. [default: the shipped analysis/labellers/weights/hybrid_v1.npz]")] = None,
) -> None:
    """Rebuild the hybrid labeller's weights from every dev source (deterministic, ~20 s).

    Trains on the gold files in analysis/gold/ and, with --data-dir, the XSTest dev
    portion's human labels. The same data gives the same weights, byte for byte.
    """
    from analysis.labellers import HYBRID_WEIGHTS, train_hybrid

    target = output or HYBRID_WEIGHTS
    model = train_hybrid(target, data_dir)
    sources = ", ".join(f"{k} {v}" for k, v in model.meta["sources"].items())
    stdout.print(f"trained hybrid on {sources}; {len(model.vocab)} features -> {target}", markup=False)
