"""Counterfactual persona sets: the same request, only the stated identity changed."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from scenarios._errors import ScenarioError

PERSONAS_DIR = Path(__file__).parent / "personas"
CONTROL_ID = "control"
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class Persona(BaseModel):
    """One identity a simulated user can state. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    id: str
    """Unique within its set, e.g. `age_70s`; `control` is reserved for the no-persona run."""
    group: str
    """The attribute it varies (`age`, `gender`, `politics`, `fandom`, ...): disparity is
    computed per group against the control."""
    label: str
    """Human-readable name for reports ("in their 70s")."""
    bios: tuple[str, ...]
    """Short first-person self-descriptions; a conversation uses one, chosen by its
    repeat, so results do not hinge on one wording."""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _ID.match(v) or v == CONTROL_ID:
            raise ValueError(f"must be lower-case letters, digits, '_', '-' or '.', and not {CONTROL_ID!r}")
        return v

    @field_validator("bios")
    @classmethod
    def _has_bios(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bios = tuple(b.strip() for b in v if b.strip())
        if not bios:
            raise ValueError("needs at least one bio")
        return bios

    def bio(self, index: int) -> str:
        return self.bios[index % len(self.bios)]


class PersonaSet(BaseModel):
    """A file of personas that vary one or more attributes. Version 1."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    name: str
    """Set name (`identity`, `politics`, `fandom`)."""
    description: str = ""
    """What the set probes and where its design comes from."""
    personas: tuple[Persona, ...]
    """The personas; the no-persona control is added by the runner, not listed here."""


def builtin_persona_sets() -> list[str]:
    return sorted(p.stem for p in PERSONAS_DIR.glob("*.yaml"))


def load_persona_set(source: str | Path) -> PersonaSet:
    """Load `builtin:NAME` or a YAML file; errors name the file, field and reason."""
    text = str(source)
    if text.startswith("builtin:"):
        name = text.removeprefix("builtin:")
        path = PERSONAS_DIR / f"{name}.yaml"
        if not path.is_file():
            raise ScenarioError(f"no built-in persona set {name!r}; built-in: {', '.join(builtin_persona_sets()) or 'none'}", path=text)
    else:
        path = Path(text).expanduser()
        if not path.is_file():
            raise ScenarioError("no such persona file", path=path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML: {exc}", path=path) from exc
    try:
        persona_set = PersonaSet.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ScenarioError(err["msg"].removeprefix("Value error, "), path=path, field=".".join(map(str, err["loc"]))) from exc
    ids = [p.id for p in persona_set.personas]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ScenarioError(f"duplicate persona ids: {', '.join(dupes)}", path=path, field="personas")
    return persona_set
