"""`groundsim scenarios`: list, show, validate and import scenario packs."""

from __future__ import annotations

import difflib
import inspect
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from scenarios import BUILTIN_PREFIX, GroundsimError, ScenarioKind, builtin_packs
from scenarios.importers import importer_names, importers
from simulator.cli._common import add_plain_row, plain_table, stdout

if TYPE_CHECKING:
    from scenarios import Scenario

app = typer.Typer(
    name="scenarios",
    help=(
        "Browse, check and import scenario packs.\n\n"
        "A scenario is one situation a simulated user brings to a model: an opening that is short of "
        "something, a hidden intent, the facts the user reveals when asked, and a check of the final answer.\n\n"
        "Start with:  groundsim scenarios list --pack core"
    ),
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

PackOption = Annotated[
    list[str] | None,
    typer.Option(
        "--pack",
        "-p",
        envvar="GROUNDSIM_PACK",
        help="A built-in pack name (starter, core), builtin:NAME, a YAML file or a folder of them; "
        "repeatable. A bare name that is a built-in pack means the built-in one (write ./core for a "
        "folder). [default: every built-in pack]",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", envvar="GROUNDSIM_JSON", help="Print JSON instead of tables.")]


class ScenarioNotFoundError(GroundsimError):
    """No loaded scenario has the id asked for."""


class ImportLintError(GroundsimError):
    """`--strict` import whose written pack does not lint clean."""


def pack_sources(packs: list[str] | None) -> list[str]:
    """What `--pack` values mean as loader sources: built-in names become `builtin:NAME`."""
    if not packs:
        return [f"{BUILTIN_PREFIX}{name}" for name in builtin_packs()]
    builtin = set(builtin_packs())
    return [f"{BUILTIN_PREFIX}{p}" if p in builtin else p for p in packs]


def _load(packs: list[str] | None) -> list[Scenario]:
    from scenarios import load_scenarios

    return load_scenarios(*pack_sources(packs))


def _counts_table(title: str, label: str, counts: Counter[str]) -> Any:
    table = plain_table(title, [label, "scenarios"])
    for name, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        add_plain_row(table, name, n)
    add_plain_row(table, "total", sum(counts.values()))
    return table


# list -----------------------------------------------------------------------------------


@app.command("list")
def list_scenarios(
    pack: PackOption = None,
    kind: Annotated[
        list[ScenarioKind] | None,
        typer.Option("--kind", "-k", envvar="GROUNDSIM_KIND", help="Only scenarios of this kind; repeatable."),
    ] = None,
    domain: Annotated[
        list[str] | None,
        typer.Option(
            "--domain", "-d", envvar="GROUNDSIM_DOMAIN", help="Only scenarios of this domain (e.g. travel); repeatable."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Count scenarios per kind and per domain, then list their ids.

    With --json: one JSON object per line ({"id", "pack", "kind", "domain"}), for jq or pandas.
    """
    scenarios = _load(pack)
    if kind:
        scenarios = [s for s in scenarios if s.kind in set(kind)]
    if domain:
        scenarios = [s for s in scenarios if s.domain in set(domain)]
    if as_json:
        for s in scenarios:
            # Plain echo: rich would fold long lines and read ":name:" as emoji codes.
            typer.echo(json.dumps({"id": s.id, "pack": s.pack, "kind": str(s.kind), "domain": s.domain}))
        return
    where = ", ".join(pack_sources(pack))
    if not scenarios:
        stdout.print(Text(f"no scenarios in {where} match the filters"))
        return
    stdout.print(_counts_table(f"Scenarios per kind ({where})", "kind", Counter(str(s.kind) for s in scenarios)))
    stdout.print(_counts_table("Scenarios per domain", "domain", Counter(s.domain for s in scenarios)))
    table = plain_table("Scenarios", ["id", "pack", "kind", "subtype", "domain"])
    for s in scenarios:
        add_plain_row(table, s.id, s.pack, s.kind, s.subtype or "", s.domain)
    stdout.print(table)
    stdout.print(Text(f"{len(scenarios)} scenarios; `groundsim scenarios show ID` prints one in full"))


# show -----------------------------------------------------------------------------------


def _yaml_block(data: Any, indent: str = "    ") -> str:
    from scenarios.importers import yaml_text

    text = yaml_text(data).rstrip()
    return "\n".join(indent + line for line in text.splitlines())


def render_scenario(scenario: Scenario) -> Text:
    """A scenario for a reader: what the model sees, what the user hides, and how answers are judged."""
    from scenarios.importers import scenario_to_yaml_data

    data = scenario_to_yaml_data(scenario)
    out = Text()
    out.append(scenario.id, style="bold")
    out.append(f"  (pack {scenario.pack}, {scenario.path})\n", style="dim")
    out.append(
        f"kind: {scenario.kind}   subtype: {scenario.subtype or '-'}   domain: {scenario.domain}   "
        f"expected: {scenario.expected}\n"
    )
    if scenario.twin_of:
        out.append(f"twin of: {scenario.twin_of}\n")
    if scenario.persona_slots:
        out.append(f"persona slots: {', '.join(scenario.persona_slots)}\n")
    out.append("\nopening (what the model sees):\n", style="bold cyan")
    out.append(f"{scenario.opening}\n")
    out.append("\nhidden intent (never shown to the model):\n", style="bold cyan")
    out.append(f"{scenario.hidden_intent}\n")
    if scenario.facts:
        out.append(f"\nfacts the user can reveal ({len(scenario.facts)}):\n", style="bold cyan")
        for fact in scenario.facts:
            marks = [m for m in ("optional" if fact.optional else "", f"group {fact.group}" if fact.group else "") if m]
            out.append(f"  - {fact.id}: ", style="bold")
            out.append(f"{fact.text}")
            if marks:
                out.append(f"  [{', '.join(marks)}]", style="dim")
            out.append("\n")
            if fact.key_phrase:
                out.append(f"      key phrase: {fact.key_phrase}\n")
            out.append(f"      cues: {', '.join(fact.asked_by)}\n", style="dim")
    out.append("\nanswer check:\n", style="bold cyan")
    out.append(
        _yaml_block(data["answer_check"]) + "\n" if "answer_check" in data else "    none (scored without one)\n"
    )
    if "check_examples" in data:
        out.append("\ncheck examples:\n", style="bold cyan")
        out.append(_yaml_block(data["check_examples"]) + "\n")
    if scenario.notes:
        out.append("\nnotes:\n", style="bold cyan")
        out.append(f"{scenario.notes}\n")
    return out


@app.command("show")
def show_scenario(
    scenario_id: Annotated[str, typer.Argument(help="The scenario id, as `groundsim scenarios list` prints it.")],
    pack: PackOption = None,
    as_json: JsonOption = False,
) -> None:
    """Print one scenario in full: opening, hidden intent, facts with their cues, and the answer check."""
    scenarios = _load(pack)
    found = next((s for s in scenarios if s.id == scenario_id), None)
    if found is None:
        close = difflib.get_close_matches(scenario_id, [s.id for s in scenarios], n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `groundsim scenarios list` shows the ids"
        raise ScenarioNotFoundError(f"no scenario {scenario_id!r} in {', '.join(pack_sources(pack))}{hint}")
    if as_json:
        typer.echo(json.dumps({"pack": found.pack, "path": found.path, **found.to_json_dict()}))
        return
    stdout.print(render_scenario(found))


# validate -------------------------------------------------------------------------------


@app.command("validate")
def validate(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Scenario files, folders or builtin:NAME, checked together (ids must be unique across them). "
            "[default: every built-in pack]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Load and lint scenario files; print every problem with file, scenario id, field and reason.

    Loading checks the shape (known keys, types, checks that compile); the linter checks the
    authoring rules (an underspecified opening really withholds its facts, the check depends
    on them, a generic answer fails it, ids are unique and prefixed with the pack name, ...).
    Exits 1 when anything is wrong, 0 with one OK line otherwise.
    """
    from scenarios import collect
    from scenarios.importers import lint_pack

    sources = paths or [f"{BUILTIN_PREFIX}{name}" for name in builtin_packs()]
    scenarios, problems = collect(sources)
    problems = problems + lint_pack(scenarios)
    files = {s.path for s in scenarios}
    if problems:
        for problem in problems:
            stdout.print(Text(str(problem)), soft_wrap=True)
        bad_files = {p.path for p in problems if p.path}
        stdout.print(
            Text(
                f"FAILED: {len(problems)} problem(s) in {len(bad_files)} file(s); "
                f"{len(scenarios)} scenario(s) loaded from {len(files)} file(s)",
                style="red",
            ),
            soft_wrap=True,
        )
        raise typer.Exit(1)
    kinds = Counter(str(s.kind) for s in scenarios)
    summary = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
    stdout.print(
        Text(
            f"OK: {len(scenarios)} scenarios in {len(files)} files from {', '.join(sources)} ({summary})", style="green"
        ),
        soft_wrap=True,
    )


# import ---------------------------------------------------------------------------------


def _format_help() -> str:
    """One paragraph per registered format, so `--help` lists a new importer without edits here."""
    return "\n\n".join(f"--format {name}: {cls.summary}" for name, cls in importers().items())


@app.command("import")
def import_scenarios(
    source: Annotated[Path, typer.Argument(help="The benchmark file to convert (e.g. qulac.jsonl.gz).")],
    format_name: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            envvar="GROUNDSIM_IMPORT_FORMAT",
            help=f"Input format: {', '.join(importer_names())}.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            envvar="GROUNDSIM_IMPORT_OUT",
            help="Pack folder to write; its name prefixes every scenario id (--out packs/qulac -> qulac-...).",
        ),
    ],
    force: Annotated[
        bool,
        typer.Option(
            "--force", envvar="GROUNDSIM_IMPORT_FORCE", help="Write into a folder that already has scenario files."
        ),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            envvar="GROUNDSIM_IMPORT_STRICT",
            help="Exit non-zero when the written pack does not lint clean.",
        ),
    ] = False,
) -> None:
    """Convert a public benchmark file into a scenario pack (readable YAML), then load and lint it.

    The pack is written even when the linter finds problems: they are printed one per line,
    and with the strict flag they also make the command fail. Run the pack with
    `groundsim run --scenarios PACK_DIR`.
    """
    from scenarios.importers import import_pack

    report = import_pack(format_name, source, out, force=force)
    kinds = ", ".join(f"{k} {n}" for k, n in report.by_kind.items())
    stdout.print(Text(f"wrote {report.total} scenarios ({kinds}) in {len(report.files)} file(s) to {report.out_dir}"))
    if report.skipped:
        stdout.print(Text(f"skipped {len(report.skipped)} input record(s):"))
        for line in report.skipped:
            stdout.print(Text(f"  - {line}"), soft_wrap=True)
    if report.problems:
        bad = len({p.scenario_id for p in report.problems})
        stdout.print(Text(f"the linter found {len(report.problems)} problem(s) in {bad} scenario(s):", style="yellow"))
        for problem in report.problems:
            stdout.print(Text(f"  - {problem}"), soft_wrap=True)
        if strict:
            raise ImportLintError(f"{report.out_dir}: {len(report.problems)} lint problem(s) (see above)")
    else:
        stdout.print(Text("loads and lints clean", style="green"))


import_scenarios.__doc__ = inspect.cleandoc(import_scenarios.__doc__ or "") + "\n\n" + _format_help()
