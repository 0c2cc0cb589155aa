"""`groundsim runs`: list the runs stored in a database."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from analysis import number_format as fmt
from simulator.cli._common import DbOption, add_plain_row, plain_table, stdout


def runs(
    db: DbOption = "groundsim.duckdb",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List runs with their models, conversation counts, errors and cost."""
    from analysis import list_runs
    from simulator import Store

    store = Store(db)
    store.check_readable()
    rows = list_runs(store)
    if as_json:
        for row in rows:
            row["config"] = json.loads(row.pop("config_json"))
            typer.echo(json.dumps(row, default=str))  # plain: rich would wrap long lines
        return
    table = plain_table(f"Runs in {db}", ["run", "created", "models", "jobs", "stored", "complete", "errors", "calls", "retries", "cost", "code"])
    for row in rows:
        config = json.loads(row["config_json"])
        add_plain_row(
            table,
            row["run_id"],
            str(row["created_at"])[:19],
            ", ".join(config.get("models", [])),
            row["n_jobs"],
            row["conversations"],
            row["complete"],
            row["errors"],
            "-" if row["model_calls"] is None else row["model_calls"],
            "-" if row["retries"] is None else row["retries"],
            fmt.cost(row["cost_usd"]),
            row["code_version"],
        )
    stdout.print(table)
    if not rows:
        stdout.print("no runs yet: `groundsim run --db " + db + "` starts one")
