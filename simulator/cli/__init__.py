"""The `groundsim` command line: one file per command, registered here."""

from __future__ import annotations

import os
import sys

import typer

from simulator.cli import annotate as annotate_cmd
from simulator.cli import baselines as baselines_cmd
from simulator.cli import explore as explore_cmd
from simulator.cli import fake_server as fake_server_cmd
from simulator.cli import label as label_cmd
from simulator.cli import replay as replay_cmd
from simulator.cli import report as report_cmd
from simulator.cli import run as run_cmd
from simulator.cli import runs as runs_cmd
from simulator.cli import scenarios_cmd
from simulator.cli import show as show_cmd

app = typer.Typer(
    name="groundsim",
    help=(
        "Measure how LLM assistants handle requests they cannot simply answer.\n\n"
        "Simulated users with a hidden intent talk to a model; every assistant turn is labelled "
        "and every conversation lands in a DuckDB file.\n\n"
        "Start with:  groundsim run --model local/smollm2 --scenarios builtin:starter"
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("run")(run_cmd.run)
app.command("show")(show_cmd.show)
app.command("runs")(runs_cmd.runs)
app.command("annotate")(annotate_cmd.annotate)
app.command("label")(label_cmd.label)
app.command("validate-labeller")(label_cmd.validate_labeller)
app.command("train-labeller")(label_cmd.train_labeller)
app.command("fake-server")(fake_server_cmd.fake_server)
app.add_typer(scenarios_cmd.app, name="scenarios")
app.add_typer(baselines_cmd.app, name="baselines")
app.command("replay")(replay_cmd.replay)
app.command("report")(report_cmd.report)
app.command("explore")(explore_cmd.explore)


def main() -> None:
    """Console entry point: errors groundsim raises on purpose print as one clear line."""
    os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    from scenarios import GroundsimError

    try:
        app()
    except GroundsimError as exc:
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        sys.exit(2)
