"""`groundsim replay`: the Grounding Gaps method on human conversations."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from simulator.cli._common import DbOption, JudgeApiBaseOption, JudgeModelOption, LabellerOption, add_plain_row, plain_table, stderr, stdout
from simulator.cli.wiring import build_labeller


def replay(
    corpus: Annotated[str, typer.Option("--corpus", envvar="GROUNDSIM_CORPUS", help="A corpus file (.jsonl or .jsonl.gz, the unified utterance schema) or a folder of them.")],
    model: Annotated[str, typer.Option("--model", "-m", envvar="GROUNDSIM_MODEL", help="Model id in litellm form: local/smollm2, openai/gpt-4o-mini, openai/NAME with --api-base, ...")] = "local/smollm2",
    sample: Annotated[int, typer.Option("--sample", envvar="GROUNDSIM_SAMPLE", min=1, help="Conversations to sample (seeded); all when the corpus has fewer.")] = 50,
    db: DbOption = "groundsim.duckdb",
    seed: Annotated[int, typer.Option("--seed", envvar="GROUNDSIM_SEED", help="Seed of the sample and of the model calls.")] = 0,
    labeller: LabellerOption = "hybrid",
    judge_model: JudgeModelOption = None,
    judge_api_base: JudgeApiBaseOption = None,
    role: Annotated[list[str] | None, typer.Option("--role", envvar="GROUNDSIM_ROLE", help="Helper role whose turns the model writes; repeatable. [default: the tag mapping's]")] = None,
    split: Annotated[list[str] | None, typer.Option("--split", envvar="GROUNDSIM_SPLIT", help="Only conversations of this split; repeatable.")] = None,
    history_turns: Annotated[int, typer.Option("--history-turns", envvar="GROUNDSIM_HISTORY_TURNS", min=1, help="Human turns of history the model sees before each position (the last N).")] = 10,
    max_positions: Annotated[int | None, typer.Option("--max-positions", envvar="GROUNDSIM_MAX_POSITIONS", min=1, help="At most this many helper turns per conversation (a seeded sample); useful for long MRDA meetings. [default: all]")] = None,
    system_prompt: Annotated[str | None, typer.Option("--system-prompt", envvar="GROUNDSIM_SYSTEM_PROMPT", help="System prompt; {role} becomes the helper's role; '' for none. [default: 'You are the {role} in the conversation below. Write your next message ...']")] = None,
    api_base: Annotated[str | None, typer.Option("--api-base", envvar="GROUNDSIM_API_BASE", help="Base URL of an OpenAI-compatible server for openai/NAME models.")] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", envvar="GROUNDSIM_MAX_TOKENS", min=1, help="Most tokens per model turn.")] = 256,
    temperature: Annotated[float, typer.Option("--temperature", envvar="GROUNDSIM_TEMPERATURE", help="Sampling temperature.")] = 0.7,
    max_concurrency: Annotated[int, typer.Option("--max-concurrency", "-j", envvar="GROUNDSIM_MAX_CONCURRENCY", min=1, help="Model calls in flight (local/* models: always 1).")] = 4,
    timeout: Annotated[float, typer.Option("--timeout", envvar="GROUNDSIM_TIMEOUT", help="Seconds before one model call times out.")] = 120.0,
    retries: Annotated[int, typer.Option("--retries", envvar="GROUNDSIM_RETRIES", help="Retries of a failed model call.")] = 3,
    preflight: Annotated[bool, typer.Option("--preflight/--no-preflight", envvar="GROUNDSIM_PREFLIGHT", help="Check the model with one tiny call first.")] = True,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", envvar="GROUNDSIM_PROGRESS", help="Show a progress bar.")] = True,
) -> None:
    """Let a model write the helper's turns of human conversations (the Grounding Gaps method).

    At each helper turn the model writes its own turn given the same history; both turns
    are labelled by one labeller and stored in replay_turns.

    Prints per act the human and model base rates (95% bootstrap CI over conversations)
    and Cohen's kappa at the same positions (Shaikh et al., Grounding Gaps, NAACL 2024).
    History: the last --history-turns human turns, the helper's own as assistant messages,
    everyone else's as user messages. Rerunning skips stored positions (resume); a rerun
    with another --labeller relabels the stored model turns without calling the model.

    \b
    Examples:
      groundsim replay --corpus $DATA/esconv/dev.jsonl.gz --model local/smollm2 --sample 5 --db results.duckdb
      groundsim replay --corpus $DATA/mrda/dev.jsonl.gz --model openai/gpt-4o-mini --sample 12 --max-positions 40
    """
    from analysis import REPLAY_SYSTEM_PROMPT, replay_positions
    from analysis import replay as run_replay
    from analysis.baselines import build_turns, helper_roles_for, read_utterances
    from simulator import LiteLLMChat, Store, is_local, validate_model_id
    from simulator import preflight as run_preflight

    validate_model_id(model)
    chosen = build_labeller(labeller, judge_model, judge_api_base=judge_api_base)
    utterances, _, _ = read_utterances(corpus, splits=split, on_skip=lambda p: stderr.print(f"skipped {p}: not in the utterance schema"))
    turns = build_turns(utterances)
    corpora = sorted({t.corpus for t in turns})
    helpers = {c: helper_roles_for(c, {t.role for t in turns if t.corpus == c}, role) for c in corpora}
    prompt = REPLAY_SYSTEM_PROMPT if system_prompt is None else (system_prompt or None)
    positions = replay_positions(turns, helpers, sample=sample, seed=seed, history_turns=history_turns, max_positions=max_positions, system_prompt=prompt)
    n_conversations = len({(p.corpus, p.conversation_id) for p in positions})
    chat = LiteLLMChat(api_base=api_base, timeout_s=timeout, num_retries=retries)
    if preflight:
        stderr.print(f"checking {model} ...")
        asyncio.run(run_preflight(chat, [model]))
    stderr.print(f"replaying {len(positions)} helper turn(s) of {n_conversations} conversation(s) of {', '.join(corpora)} with {model} -> {db}")

    store = Store(db)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(), TimeElapsedColumn(),
        console=stderr, disable=not progress, transient=False,
    ) as bar:
        task = bar.add_task("positions", total=len(positions))

        def on_progress(done: int, total: int) -> None:
            bar.update(task, completed=done)

        try:
            result = asyncio.run(
                run_replay(
                    store, chat, positions, model=model, labeller=chosen, seed=seed, temperature=temperature, max_tokens=max_tokens,
                    concurrency=1 if is_local(model) else max_concurrency, on_progress=on_progress,
                )
            )
        except KeyboardInterrupt:
            stderr.print("interrupted: stored positions are kept; rerun the same command to resume")
            raise typer.Exit(130) from None

    stdout.print(
        f"{result.positions} position(s): {result.generated} written by {model}, {result.already_stored} already stored, "
        f"{result.relabelled} relabelled, {result.errors} error(s), cost ${result.cost_usd:.4f}"
    )
    for message in result.error_messages:
        stderr.print(f"error: {message}", markup=False)
    _print_summary(store, corpora, model, f"{chosen.name}@{chosen.version}")
    if result.errors and result.generated == 0 and result.already_stored == 0 and result.relabelled == 0:
        raise typer.Exit(1)


def _ci(rate: float | None, low: float | None, high: float | None) -> str:
    if rate is None:
        return "-"
    return f"{rate:.3f}" if low is None else f"{rate:.3f} [{low:.3f}, {high:.3f}]"


def _print_summary(store: Any, corpora: list[str], model: str, labeller: str) -> None:
    from analysis import replay_summary

    for corpus in corpora:
        rows = replay_summary(store, corpus=corpus, model=model, labeller=labeller)
        if not rows:
            continue
        table = plain_table(
            f"{corpus}: human vs {model} at the same positions ({labeller}; 95% bootstrap CI over conversations)",
            ["act", "human rate", "model rate", "kappa", "positions", "conversations"],
        )
        for r in rows:
            kappa = "-" if r["kappa"] is None else f"{r['kappa']:.3f}"
            add_plain_row(
                table, r["act"], _ci(r["human_rate"], r["human_ci_low"], r["human_ci_high"]),
                _ci(r["model_rate"], r["model_ci_low"], r["model_ci_high"]), kappa, r["n"], r["n_conversations"],
            )
        stdout.print(table)
    stdout.print("'any' = at least one grounding act; kappa '-' = undefined (e.g. neither side ever has the act)")
