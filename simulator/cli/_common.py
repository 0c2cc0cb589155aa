"""Options and output helpers several commands share."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

DbOption = Annotated[
    str,
    typer.Option("--db", envvar="GROUNDSIM_DB", help="DuckDB results file.", show_default=True),
]

# Off a terminal rich assumes 80 columns and folds tables into unreadable cells.
stdout = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
stderr = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 160)


def plain_table(title: str | None, columns: list[str]) -> Table:
    """A table whose cells are never parsed as rich markup (model text is untrusted)."""
    table = Table(title=title, show_lines=False, title_justify="left")
    for col in columns:
        table.add_column(col, overflow="fold")
    return table




def add_plain_row(table: Table, *values: object) -> None:
    """Add a row of literal text: brackets in model output stay brackets, never markup."""
    from rich.text import Text

    table.add_row(*(Text("" if v is None else str(v)) for v in values))


def labeller_help() -> str:
    """The `--labeller` help, generated from the labeller registry (a new labeller shows up here)."""
    from analysis.labellers import LABELLERS

    return "Labeller by name. " + LABELLERS.help_text() + "."


LabellerOption = Annotated[str, typer.Option("--labeller", "-l", envvar="GROUNDSIM_LABELLER", help=labeller_help())]
JudgeModelOption = Annotated[
    str | None,
    typer.Option("--judge-model", envvar="GROUNDSIM_JUDGE_MODEL", help="litellm model id the judge labeller calls (needed with --labeller judge), e.g. openai/gpt-4o-mini."),
]
JudgeApiBaseOption = Annotated[
    str | None,
    typer.Option("--judge-api-base", envvar="GROUNDSIM_JUDGE_API_BASE", help="Base URL of an OpenAI-compatible server for an openai/NAME judge model, e.g. http://127.0.0.1:8000/v1."),
]
