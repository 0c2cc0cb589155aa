"""`groundsim label` and `groundsim validate-labeller`: labels for files, and how good they are."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli._common import JudgeModelOption, LabellerOption, stdout
from simulator.cli.wiring import build_labeller


def label(
    input: Annotated[Path, typer.Option("--input", "-i", help="JSONL: one {\"id\", \"text\", \"previous\"?} per line (text = an assistant turn).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="JSONL written with each input object plus \"acts\" and \"stance\".")],
    labeller: LabellerOption = "rules",
    judge_model: JudgeModelOption = None,
) -> None:
    """Label assistant turns from a file.

    Each output line is the input object plus "acts" (a list from clarification,
    understanding_check, acknowledgment, follow_up, repair, assumption_disclosure) and
    "stance" (answer, clarify_only, epistemic_abstain, safety_refusal, partial_refusal, other).
    This file format is stable.
    """
    from analysis.labellers import label_jsonl

    n = label_jsonl(input, output, build_labeller(labeller, judge_model))
    stdout.print(f"labelled {n} turn(s) -> {output}")


def validate_labeller(
    gold: Annotated[Path, typer.Option("--gold", "-g", help="Gold JSONL: {\"id\", \"text\", \"previous\"?, \"acts\", \"stance\"} per line.")],
    labeller: LabellerOption = "rules",
    judge_model: JudgeModelOption = None,
) -> None:
    """Measure a labeller against gold labels: per act and per stance precision, recall,
    F1 and Cohen's kappa, and the stance confusion table."""
    from analysis import validate_labeller as run_validation
    from analysis.labellers import read_gold_jsonl

    report = run_validation(build_labeller(labeller, judge_model), read_gold_jsonl(gold), gold_source=str(gold))
    stdout.print(report.to_text(), markup=False)
