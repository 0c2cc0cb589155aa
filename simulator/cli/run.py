"""`groundsim run`: hold simulated conversations and store them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from analysis import number_format as fmt
from scenarios import GroundsimError
from simulator.cli._common import JudgeModelOption, add_plain_row, labeller_help, plain_table, stderr, stdout
from user_agents import known_user_specs


class ConfigFileError(GroundsimError):
    """A `-c` run file that cannot be used."""

    def __init__(self, path: str, field: str | None, reason: str) -> None:
        self.path, self.field, self.reason = path, field, reason
        where = f"{path}: field {field!r}" if field else path
        super().__init__(f"{where}: {reason}")


def _load_config(path: str | None, overrides: dict[str, Any]) -> Any:
    from simulator import RunConfig

    data: dict[str, Any] = {}
    if path:
        file = Path(path)
        if not file.is_file():
            raise ConfigFileError(path, None, "no such file")
        try:
            loaded = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigFileError(path, None, f"not valid YAML: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigFileError(path, None, "expected a mapping of option names to values")
        data.update({k.replace("-", "_"): v for k, v in loaded.items()})
    data.update({k: v for k, v in overrides.items() if v is not None and v != []})
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        reason = "unknown option (check the spelling)" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigFileError(path or "command line", field, reason) from exc


def run(
    config_file: Annotated[str | None, typer.Option("-c", "--config", envvar="GROUNDSIM_CONFIG", help="YAML file with any of these options (keys as the long option names with _); flags given on the command line win.")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", "-m", envvar="GROUNDSIM_MODEL", help="Assistant model id in litellm form, repeatable: local/smollm2 (embedded, default), openai/gpt-4o-mini, anthropic/..., openai/NAME with --api-base for any OpenAI-compatible server.")] = None,
    scenarios: Annotated[list[str] | None, typer.Option("--scenarios", "-s", envvar="GROUNDSIM_SCENARIOS", help="builtin:starter (default), builtin:NAME, a YAML file or a folder of them; repeatable.")] = None,
    user: Annotated[list[str] | None, typer.Option("--user", "-u", envvar="GROUNDSIM_USER", help="Simulated user, repeatable. [default: scripted:cooperative] Known: " + ", ".join(known_user_specs()) + ".")] = None,
    personas: Annotated[str | None, typer.Option("--personas", envvar="GROUNDSIM_PERSONAS", help="Persona set (builtin:identity, builtin:politics, builtin:fandom or a YAML file): each scenario also runs once per persona, beside the no-persona control.")] = None,
    repeats: Annotated[int | None, typer.Option("--repeats", "-n", envvar="GROUNDSIM_REPEATS", help="Conversations per model x scenario x user x persona, each with its own seed. [default: 1]")] = None,
    db: Annotated[str | None, typer.Option("--db", envvar="GROUNDSIM_DB", help="DuckDB results file. [default: groundsim.duckdb]")] = None,
    max_concurrency: Annotated[int | None, typer.Option("--max-concurrency", "-j", envvar="GROUNDSIM_MAX_CONCURRENCY", help="Conversations in flight at once. [default: 8]")] = None,
    per_model_concurrency: Annotated[int | None, typer.Option("--per-model-concurrency", envvar="GROUNDSIM_PER_MODEL_CONCURRENCY", help="Conversations in flight per model (local/* models always run one at a time). [default: --max-concurrency]")] = None,
    api_base: Annotated[str | None, typer.Option("--api-base", envvar="GROUNDSIM_API_BASE", help="Base URL of an OpenAI-compatible server for openai/NAME models, e.g. http://127.0.0.1:8000/v1.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", envvar="GROUNDSIM_LIMIT", help="Use only the first N scenarios.")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", envvar="GROUNDSIM_KIND", help="Only scenarios of this kind; repeatable.")] = None,
    max_turns: Annotated[int | None, typer.Option("--max-turns", envvar="GROUNDSIM_MAX_TURNS", help="Most assistant turns per conversation. [default: 6]")] = None,
    seed: Annotated[int | None, typer.Option("--seed", envvar="GROUNDSIM_SEED", help="Base seed; the same seed reproduces the same conversations. [default: 0]")] = None,
    system_prompt: Annotated[str | None, typer.Option("--system-prompt", envvar="GROUNDSIM_SYSTEM_PROMPT", help="System prompt for the assistant. [default: none]")] = None,
    temperature: Annotated[float | None, typer.Option("--temperature", envvar="GROUNDSIM_TEMPERATURE", help="Assistant sampling temperature. [default: 0.7]")] = None,
    max_tokens: Annotated[int | None, typer.Option("--max-tokens", envvar="GROUNDSIM_MAX_TOKENS", help="Most tokens per assistant turn. [default: 512]")] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", envvar="GROUNDSIM_TIMEOUT", help="Seconds before one model call times out. [default: 120]")] = None,
    retries: Annotated[int | None, typer.Option("--retries", envvar="GROUNDSIM_RETRIES", help="Retries of a failed model call. [default: 3]")] = None,
    labeller: Annotated[str | None, typer.Option("--labeller", "-l", envvar="GROUNDSIM_LABELLER", help="Live labeller. [default: hybrid] " + labeller_help())] = None,
    judge_model: JudgeModelOption = None,
    preflight: Annotated[bool | None, typer.Option("--preflight/--no-preflight", envvar="GROUNDSIM_PREFLIGHT", help="Check each model with one tiny call before starting. [default: on]")] = None,
    retry_errors: Annotated[bool | None, typer.Option("--retry-errors/--keep-errors", envvar="GROUNDSIM_RETRY_ERRORS", help="On a rerun, run again jobs stored as errors. [default: retry]")] = None,
    progress: Annotated[bool | None, typer.Option("--progress/--no-progress", envvar="GROUNDSIM_PROGRESS", help="Show a progress bar. [default: on]")] = None,
) -> None:
    """Run scenarios against models with simulated users and store every conversation.

    Rerunning the same command resumes: jobs already stored are skipped, so a killed run
    loses only the conversations that were in flight.

    \b
    Examples:
      groundsim run
      groundsim run -m local/smollm2 -m openai/gpt-4o-mini -s builtin:starter -n 3 --db results.duckdb
      groundsim run -m openai/my-model --api-base http://127.0.0.1:8000/v1 --limit 5
      groundsim run -c run.yaml
    """
    from simulator import preflight as run_preflight
    from simulator.cli.wiring import build_runner

    config = _load_config(
        config_file,
        {
            "models": model,
            "scenarios": scenarios,
            "users": user,
            "personas": personas,
            "repeats": repeats,
            "db": db,
            "max_concurrency": max_concurrency,
            "per_model_concurrency": per_model_concurrency,
            "api_base": api_base,
            "limit": limit,
            "kinds": kind,
            "max_turns": max_turns,
            "seed": seed,
            "system_prompt": system_prompt,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "timeout_s": timeout,
            "num_retries": retries,
            "labeller": labeller,
            "judge_model": judge_model,
            "preflight": preflight,
            "retry_errors": retry_errors,
            "progress": progress,
        },
    )
    runner = build_runner(config)
    planned = runner.prepare()
    if config.preflight:
        stderr.print(f"checking {len(config.models)} model(s) ...")
        asyncio.run(run_preflight(runner.chat, config.models + [u.removeprefix("llm:") for u in config.users if u.startswith("llm:")]))
    stderr.print(f"run {config.run_id}: {len(planned)} job(s) -> {config.db}")

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("errors {task.fields[errors]}  cost ${task.fields[cost]:.4f}  eta {task.fields[eta]}"),
        TimeElapsedColumn(),
        console=stderr,
        disable=not config.progress,
        transient=False,
    ) as bar:
        task = bar.add_task("conversations", total=len(planned), errors=0, cost=0.0, eta="-")

        def on_progress(p: Any) -> None:
            eta = "-" if p.eta_s is None else f"{p.eta_s:.0f}s"
            bar.update(task, completed=p.skipped + p.done + p.errors, errors=p.errors, cost=p.cost_usd, eta=eta)

        try:
            summary = asyncio.run(runner.run(planned, on_progress))
        except KeyboardInterrupt:
            stderr.print("interrupted: finished conversations are stored; rerun the same command to resume")
            raise typer.Exit(130) from None

    _print_summary(runner, summary)
    if summary.errors and summary.completed == 0 and summary.skipped == 0:
        raise typer.Exit(1)


def _print_summary(runner: Any, summary: Any) -> None:
    from analysis import summary_by_kind

    stdout.print(
        f"run {summary.run_id}: {summary.jobs} jobs, {summary.skipped} already stored, "
        f"{summary.completed} completed, {summary.errors} errors, cost ${summary.cost_usd:.4f}, {summary.wall_s:.1f}s"
    )
    table = plain_table("Conversations by scenario kind", ["kind", "conversations", "mean turns", "asks a question", "errors"])
    for row in summary_by_kind(runner.store, summary.run_id, runner.labeller.name):
        mean = "-" if row["mean_turns"] is None else f"{row['mean_turns']:.1f}"
        add_plain_row(table, row["kind"], row["conversations"], mean, fmt.share(row["question_share"], digits=0, na="-"), row["errors"])
    stdout.print(table)
    stdout.print(f"results: {summary.db}")
    if summary.errors:
        stdout.print(f"{summary.errors} conversation(s) ended in error: `groundsim runs --db {summary.db}` and `groundsim show ID` tell why.")
