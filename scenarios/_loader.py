"""Load scenarios from YAML files, folders and built-in packs, with errors that say where."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from scenarios._errors import ScenarioError, ScenarioValidationError
from scenarios._schema import Scenario

BUILTIN_PREFIX = "builtin:"
PACKS_DIR = Path(__file__).parent / "packs"
_SUFFIXES = (".yaml", ".yml")
# libyaml's loader when present: big imported packs load several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FIELD_PREFIX = re.compile(r"^([a-z_][a-z_.]*): (.+)$", re.S)


def builtin_packs() -> list[str]:
    """Names of the packs shipped with groundsim."""
    return sorted(p.name for p in PACKS_DIR.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))


def resolve_source(source: str | Path) -> tuple[str, Path]:
    """Turn `builtin:NAME`, a folder or a file into (pack name, path)."""
    text = str(source)
    if text.startswith(BUILTIN_PREFIX):
        name = text[len(BUILTIN_PREFIX) :]
        path = PACKS_DIR / name
        if not name or not path.is_dir():
            raise ScenarioError(
                f"no built-in scenario pack {name!r}; built-in packs: {', '.join(builtin_packs())}",
                path=text,
            )
        return name, path
    path = Path(text).expanduser()
    if not path.exists():
        raise ScenarioError("no such file or folder", path=path)
    return (path.stem if path.is_file() else path.name), path


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
    if not files:
        raise ScenarioError("folder holds no .yaml or .yml scenario files", path=path)
    return files


def _entries(path: Path) -> list[Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ScenarioError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}", path=path) from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not UTF-8 text: {exc}", path=path) from exc
    if data is None:
        raise ScenarioError("file is empty", path=path)
    if isinstance(data, dict) and "scenarios" in data:
        extra = set(data) - {"scenarios", "pack", "description"}
        if extra:
            raise ScenarioError(f"unknown top-level keys {sorted(extra)}; allowed: scenarios, pack, description", path=path)
        data = data["scenarios"]
    if isinstance(data, dict):
        return [data]
    if isinstance(data, list):
        return data
    raise ScenarioError(f"expected a scenario mapping or a list of them, got {type(data).__name__}", path=path)


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(scenario)"


def _problems(exc: ValidationError, path: Path, scenario_id: str | None) -> list[ScenarioError]:
    problems = []
    for err in exc.errors():
        reason = err["msg"].removeprefix("Value error, ")
        field = _field(err["loc"])
        if err["type"] == "extra_forbidden":
            reason = "unknown key (check the spelling; unknown keys are rejected)"
        elif not err["loc"]:
            # Whole-record checks name their field as a prefix: "expected: ... ".
            match = _FIELD_PREFIX.match(reason)
            if match and match.group(1).split(".")[0] in Scenario.model_fields:
                field, reason = match.group(1), match.group(2)
        problems.append(ScenarioError(reason, path=path, scenario_id=scenario_id, field=field))
    return problems


def parse_file(path: Path, pack: str) -> tuple[list[Scenario], list[ScenarioError]]:
    """Every scenario in one file, and every problem found in it (nothing is raised)."""
    try:
        entries = _entries(path)
    except ScenarioError as exc:
        return [], [exc]
    scenarios: list[Scenario] = []
    problems: list[ScenarioError] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problems.append(ScenarioError(f"entry {index} is a {type(entry).__name__}, not a mapping", path=path))
            continue
        scenario_id = entry.get("id") if isinstance(entry.get("id"), str) else f"#{index}"
        try:
            scenario = Scenario.model_validate(entry)
        except ValidationError as exc:
            problems.extend(_problems(exc, path, scenario_id))
            continue
        scenario._pack = pack
        scenario._path = str(path)
        scenarios.append(scenario)
    return scenarios, problems


def collect(sources: Iterable[str | Path]) -> tuple[list[Scenario], list[ScenarioError]]:
    """Load every source, returning scenarios and all problems, duplicates included."""
    scenarios: list[Scenario] = []
    problems: list[ScenarioError] = []
    seen: dict[str, str] = {}
    for source in sources:
        try:
            pack, path = resolve_source(source)
            files = _files(path)
        except ScenarioError as exc:
            problems.append(exc)
            continue
        for file in files:
            found, bad = parse_file(file, pack)
            problems.extend(bad)
            for s in found:
                if s.id in seen:
                    if seen[s.id] == s.path:
                        problems.append(ScenarioError("duplicate id in the same file", path=s.path, scenario_id=s.id, field="id"))
                    else:
                        problems.append(ScenarioError(f"duplicate id, also in {seen[s.id]}", path=s.path, scenario_id=s.id, field="id"))
                    continue
                seen[s.id] = s.path
                scenarios.append(s)
    return scenarios, problems


def load_scenarios(*sources: str | Path) -> list[Scenario]:
    """Load scenarios from `builtin:NAME` packs, files or folders; raise on any problem.

    Raises ScenarioError (one problem) or ScenarioValidationError (several), each
    naming the file, scenario id, field and reason.
    """
    if not sources:
        raise ScenarioError("no scenario source given (use builtin:starter, a YAML file or a folder)")
    scenarios, problems = collect(sources)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ScenarioValidationError(problems)
    return scenarios
