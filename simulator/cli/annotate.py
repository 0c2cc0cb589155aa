"""`groundsim annotate`: label stored assistant turns and score stored conversations."""

from __future__ import annotations

from typing import Annotated

import typer

from simulator.cli._common import DbOption, stderr, stdout


def annotate(
    db: DbOption = "groundsim.duckdb",
    labeller: Annotated[str, typer.Option("--labeller", "-l", envvar="GROUNDSIM_LABELLER", help="Labeller name (rules, embed, judge).")] = "rules",
    judge_model: Annotated[str | None, typer.Option("--judge-model", envvar="GROUNDSIM_JUDGE_MODEL", help="Model id for --labeller judge.")] = None,
) -> None:
    """Label every stored assistant turn this labeller (name and version) has not labelled
    yet, then score every conversation it has not scored. Rerunning does nothing new.

    Labels and outcomes of other labellers and versions are kept, so labellers can be
    compared on the same conversations.
    """
    from analysis import annotate as run_annotate
    from analysis.labellers import get_labeller
    from simulator import Store

    store = Store(db)
    store.check_readable()
    store.migrate()
    options = {"model": judge_model} if judge_model else {}
    chosen = get_labeller(labeller, **options)

    def progress(done: int, total: int) -> None:
        stderr.print(f"labelled {done}/{total} turns", end="\r")

    summary = run_annotate(store, chosen, on_progress=progress)
    stdout.print(f"{summary.labeller}: labelled {summary.labelled_turns} new turn(s), scored {summary.scored_conversations} new conversation(s) in {db}")
    if summary.label_errors:
        stdout.print(f"{summary.label_errors} turn(s) could not be labelled (recorded in the label_errors table; rerun to retry)")
