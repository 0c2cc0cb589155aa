"""`groundsim annotate`: label stored assistant turns and score stored conversations."""

from __future__ import annotations

from simulator.cli._common import DbOption, JudgeApiBaseOption, JudgeModelOption, LabellerOption, stderr, stdout
from simulator.cli.wiring import build_labeller


def annotate(
    db: DbOption = "groundsim.duckdb",
    labeller: LabellerOption = "hybrid",
    judge_model: JudgeModelOption = None,
    judge_api_base: JudgeApiBaseOption = None,
) -> None:
    """Label every stored assistant turn this labeller (name and version) has not labelled
    yet, then score every conversation it has not scored. Rerunning does nothing new.

    Labels and outcomes of other labellers and versions are kept, so labellers can be
    compared on the same conversations.
    """
    from analysis import annotate as run_annotate
    from simulator.store import Store

    store = Store(db)
    store.check_readable()
    store.migrate()
    chosen = build_labeller(labeller, judge_model, judge_api_base=judge_api_base)

    def progress(done: int, total: int) -> None:
        stderr.print(f"labelled {done}/{total} turns", end="\r")

    summary = run_annotate(store, chosen, on_progress=progress)
    stdout.print(f"{summary.labeller}: labelled {summary.labelled_turns} new turn(s), scored {summary.scored_conversations} new conversation(s) in {db}")
    if summary.label_errors:
        stdout.print(f"{summary.label_errors} turn(s) could not be labelled (recorded in the label_errors table; rerun to retry)")
