"""`groundsim baselines`: import human dialogue corpora and list their per-turn act rates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from simulator.cli._common import DbOption, JudgeApiBaseOption, JudgeModelOption, add_plain_row, labeller_help, plain_table, stderr, stdout
from simulator.cli.wiring import build_labeller

app = typer.Typer(
    name="baselines",
    help=(
        "Human baselines: how often people's turns contain each grounding act.\n\n"
        "A corpus in the unified JSONL schema (the README that comes with the corpus files) is read, its turns "
        "(consecutive utterances of one speaker) are labelled with our labeller, and per-turn act rates "
        "with bootstrap intervals over conversations are stored per role, both from the corpus's own tags "
        "(through analysis/tag_mappings/CORPUS.yaml) and from the labeller, so models and people are "
        "measured with one instrument.\n\n"
        "Start with:  groundsim baselines import --corpus $DATA/esconv/dev.jsonl.gz --db results.duckdb"
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("import")
def import_(
    corpus: Annotated[str, typer.Option("--corpus", envvar="GROUNDSIM_CORPUS", help="A corpus file (.jsonl or .jsonl.gz) or a folder of them (searched recursively; files not in the utterance schema are skipped).")],
    db: DbOption = "groundsim.duckdb",
    labeller: Annotated[list[str] | None, typer.Option("--labeller", "-l", envvar="GROUNDSIM_LABELLER", help="Labeller to run over the human turns; repeatable to compare labellers. [default: hybrid] " + labeller_help())] = None,
    judge_model: JudgeModelOption = None,
    judge_api_base: JudgeApiBaseOption = None,
    role: Annotated[list[str] | None, typer.Option("--role", envvar="GROUNDSIM_ROLE", help="The helper role (whose turns stand beside an assistant's); repeatable. [default: the tag mapping's: mrda participant, esconv supporter, persuasion_for_good persuader; required for a corpus without a mapping and several roles]")] = None,
    split: Annotated[list[str] | None, typer.Option("--split", envvar="GROUNDSIM_SPLIT", help="Only rows of this split (train, dev, ...); repeatable. [default: every split found]")] = None,
    resamples: Annotated[int, typer.Option("--resamples", envvar="GROUNDSIM_RESAMPLES", min=100, help="Bootstrap resamples per interval.")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", envvar="GROUNDSIM_SEED", help="Bootstrap seed (the same seed gives the same intervals).")] = 0,
) -> None:
    """Import a human corpus and store its per-turn act rates for every role.

    Rates are per turn of a role: an act counts once per turn if any utterance of the turn
    has it. Rows the mapping excludes (MRDA z, x and untagged rows) leave the denominator.
    Importing a corpus again replaces all its rows (one baseline set per corpus; its
    `split` column says which splits it covers). The corpus text goes only into --db.

    \b
    Examples:
      groundsim baselines import --corpus $DATA/mrda/dev.jsonl.gz --db results.duckdb
      groundsim baselines import --corpus $DATA/esconv --split dev --db results.duckdb
      groundsim baselines import --corpus my_chats.jsonl --role agent --db results.duckdb
    """
    from analysis.baselines import import_corpus
    from simulator import Store

    labellers = [build_labeller(name, judge_model, judge_api_base=judge_api_base) for name in (labeller or ["hybrid"])]

    def skipped(path: Path) -> None:
        stderr.print(f"skipped {path}: not in the utterance schema")

    store = Store(db)
    summary = import_corpus(store, corpus, labellers, splits=split, helper_roles=role, n_resamples=resamples, seed=seed, on_skip=skipped)
    stdout.print(
        f"imported {', '.join(summary.corpora)}: {summary.utterances} utterances in {summary.turns} turns from "
        f"{len(summary.files)} file(s); {summary.labelled_turns} labeller verdicts; {len(summary.baselines)} rates -> {db}"
    )
    _print_table([{**r.model_dump()} for r in summary.baselines], f"Per-turn act rates (95% bootstrap CI over conversations) in {db}")


@app.command("list")
def list_(
    db: DbOption = "groundsim.duckdb",
    corpus: Annotated[str | None, typer.Option("--corpus", envvar="GROUNDSIM_CORPUS", help="Only this corpus (its name, e.g. mrda).")] = None,
    helper_only: Annotated[bool, typer.Option("--helper-only", help="Only the helper role of each corpus.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line: corpus, role, act, source, rate, ci_low, ci_high, n_turns.")] = False,
) -> None:
    """Show the stored baselines: one row per corpus, role and act, one column per source.

    `tags` is the corpus's own labels through the tag mapping (only the acts the corpus
    annotates); the other columns are labellers. `any` = the turn has at least one of the
    acts that source measures. A helper role is marked with *.
    """
    from analysis.baselines import list_baselines
    from simulator import Store

    store = Store(db)
    store.check_readable()
    rows = list_baselines(store, corpus, helper_only=helper_only)
    if as_json:
        for r in rows:
            keep = {k: r[k] for k in ("corpus", "role", "act", "source", "rate", "ci_low", "ci_high", "n_turns")}
            typer.echo(json.dumps(keep))  # plain: no rich markup, emoji codes or wrapping in data
        return
    if not rows:
        stdout.print(f"no baselines in {db} yet: `groundsim baselines import --corpus PATH --db {db}` adds them")
        return
    _print_table(rows, f"Human baselines in {db}: per-turn act rates (95% bootstrap CI over conversations)")


def _fmt_rate(row: dict[str, Any] | None) -> str:
    if row is None or row["rate"] is None:
        return "-"
    if row["ci_low"] is None:
        return f"{row['rate']:.3f}"
    return f"{row['rate']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _print_table(rows: list[dict[str, Any]], title: str) -> None:
    """Side by side: one line per (corpus, role, act), one rate column per source."""
    from analysis.baselines import baseline_sort_key

    rows = sorted(rows, key=baseline_sort_key)
    sources = sorted({r["source"] for r in rows}, key=lambda s: (s != "tags", s))
    grouped: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {}
    meta: dict[tuple[str, str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["corpus"], r["role"], r["act"])
        grouped.setdefault(key, {})[r["source"]] = r
        meta.setdefault(key, r)
    table = plain_table(title, ["corpus", "split", "role", "act", *sources, "turns", "conversations"])
    for key, by_source in grouped.items():
        first = meta[key]
        role = first["role"] + (" *" if first["is_helper"] else "")
        n_turns = sorted({str(r["n_turns"]) for r in by_source.values()})
        n_convs = sorted({str(r["n_conversations"]) for r in by_source.values()})
        add_plain_row(table, key[0], first["split"], role, key[2], *(_fmt_rate(by_source.get(s)) for s in sources), "/".join(n_turns), "/".join(n_convs))
    stdout.print(table)
    stdout.print(
        "* helper role (the baseline a model is set beside); '-' = the source does not measure that act; "
        "any = at least one act the source measures (tags: the acts the corpus annotates; a labeller: every act)"
    )
