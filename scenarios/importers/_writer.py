"""Turn an importer's scenarios into readable YAML files, then load and lint what was written."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scenarios._errors import ScenarioError
from scenarios._loader import collect
from scenarios._schema import SCENARIO_SCHEMA_VERSION, Scenario
from scenarios.importers._base import ImportBatch, ScenarioImportError, check_pack_name
from scenarios.importers._lint_imports import lint_pack
from scenarios.importers._registry import get_importer

_SUFFIXES = (".yaml", ".yml")


class _ReadableDumper(yaml.SafeDumper):
    """Block style (`|`) for multi-line text so passages read as passages; lists indented."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _is_short_flat(value: list[Any]) -> bool:
    """A list of short one-line strings (or lists of them) reads best on one line: `[a, b, c]`."""
    items = [x for v in value for x in (v if isinstance(v, list) else [v])]
    return (
        all(isinstance(x, str | int | float) and "\n" not in str(x) for x in items)
        and sum(len(str(x)) + 2 for x in items) <= 90
    )


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=_is_short_flat(value))


_ReadableDumper.add_representer(str, _represent_str)
_ReadableDumper.add_representer(list, _represent_list)

#: Key order of a fact in the files people write by hand (the model's order puts cues second).
_FACT_ORDER = ("id", "text", "key_phrase", "optional", "group", "asked_by")


def _prune(value: Any) -> Any:
    """Drop what a reader need not see: unset fields, false flags and empty lists (all defaults)."""
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None and v is not False and v != [] and v != {}}
    if isinstance(value, list | tuple):
        return [_prune(v) for v in value]
    return value


def scenario_to_yaml_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as the mapping a hand-written file would hold (defaults left out)."""
    data = _prune(scenario.model_dump(mode="json"))
    if data.get("schema_version") == SCENARIO_SCHEMA_VERSION:
        del data["schema_version"]
    if "facts" in data:
        data["facts"] = [{k: fact[k] for k in sorted(fact, key=_fact_key_rank)} for fact in data["facts"]]
    return data


def _fact_key_rank(key: str) -> int:
    return _FACT_ORDER.index(key) if key in _FACT_ORDER else len(_FACT_ORDER)


def yaml_text(data: Any) -> str:
    """`data` as YAML the way scenario files are written (short lists inline, passages as blocks)."""
    return yaml.dump(data, Dumper=_ReadableDumper, sort_keys=False, allow_unicode=True, width=110)


def dump_scenarios(scenarios: list[Scenario], description: str, command: str = "") -> str:
    """One scenario file: a comment saying how it was made, `description:` (provenance), `scenarios:`."""
    header = f"# Written by `{command}`; edits are lost when it is run again.\n" if command else ""
    body = yaml.dump(
        {"description": " ".join(description.split()), "scenarios": [scenario_to_yaml_data(s) for s in scenarios]},
        Dumper=_ReadableDumper,
        sort_keys=False,
        allow_unicode=True,
        width=110,
    )
    # A blank line between scenarios, as in hand-written packs.
    head, first, rest = body.partition("\n  - id: ")
    return header + head + first + rest.replace("\n  - id: ", "\n\n  - id: ")


@dataclass
class ImportReport:
    """What `import_pack` wrote and what the linter thinks of it."""

    format: str
    """The importer used."""
    out_dir: Path
    """The pack folder written."""
    files: list[Path] = field(default_factory=list)
    """The YAML files written, in order."""
    by_kind: dict[str, int] = field(default_factory=dict)
    """Scenarios written per kind."""
    skipped: list[str] = field(default_factory=list)
    """Input records not converted, each with the reason."""
    problems: list[ScenarioError] = field(default_factory=list)
    """What loading and linting the written pack found (see `lint_pack` for the one relaxation)."""

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def _existing_files(out_dir: Path) -> list[Path]:
    if not out_dir.exists():
        return []
    if not out_dir.is_dir():
        raise ScenarioImportError(f"{out_dir}: exists and is not a folder")
    return sorted(p for p in out_dir.rglob("*") if p.suffix in _SUFFIXES and p.is_file())


def import_pack(format_name: str, source: str | Path, out_dir: str | Path, *, force: bool = False) -> ImportReport:
    """Convert `source` with the `format_name` importer into a pack folder, then load and lint it.

    The folder's name is the pack name and prefixes every id. An existing folder holding
    scenario files is refused unless `force`, which overwrites same-named files (others stay
    and are linted with the pack).
    """
    importer = get_importer(format_name)
    source_path = Path(source).expanduser()
    if not source_path.is_file():
        raise ScenarioImportError(f"{source_path}: no such input file")
    out = Path(out_dir).expanduser()
    pack = check_pack_name(out.resolve().name)
    existing = _existing_files(out)
    if existing and not force:
        raise ScenarioImportError(
            f"{out}: already holds {len(existing)} scenario file(s); choose a new folder or pass --force to overwrite"
        )
    batch: ImportBatch = importer().convert(source_path, pack)
    if not batch.scenarios:
        reasons = "; ".join(batch.skipped[:3])
        raise ScenarioImportError(
            f"{source_path}: no scenarios could be made from this file as {format_name!r} input"
            + (f" ({reasons})" if reasons else "")
        )
    out.mkdir(parents=True, exist_ok=True)
    report = ImportReport(format=format_name, out_dir=out, skipped=list(batch.skipped))
    for stem, scenarios in batch.files.items():
        path = out / f"{stem}.yaml"
        command = f"groundsim scenarios import --format {format_name} {source_path.name} --out {out.name}"
        path.write_text(dump_scenarios(scenarios, batch.description, command), encoding="utf-8")
        report.files.append(path)
    loaded, problems = collect([out])
    report.by_kind = dict(sorted(Counter(str(s.kind) for s in loaded).items()))
    report.problems = problems + lint_pack(loaded)
    return report
