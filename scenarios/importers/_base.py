"""What an importer is, the registry that finds one by format name, and the text helpers they share."""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, TypeVar, runtime_checkable

from pydantic import ValidationError

from scenarios._checks import normalize_text
from scenarios._errors import GroundsimError
from scenarios._lint import GENERIC_CUES
from scenarios._registry import Registry
from scenarios._schema import Scenario

_ID_SHAPE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_ESCAPED_QUOTE = re.compile(r"\\(['\"])")

#: Words that carry no topic in a clarifying question or answer: function words, and the
#: frames crowd workers wrap every question in ("are you interested in", "do you mean").
#: A cue made of one of them would match nearly every question an assistant asks.
FILLER_WORDS = (
    frozenset(
        """
    a about all also am an and any anything are as at be been being but by can could did do does doing
    done for from get getting go going had has have having he her here him his how i i'd i'm if im in into is
    it it's its just kind let like looking look looked me mean meant more most my no not now of on one or other
    our out over particular please really referring regarding say see seeing seek seeking she should so some
    something specific such talking tell than that the their them then there these they thing things this
    those to too try trying type up us want wanted wanting was way we were what when where whether which who
    whom why will with would yeah yes you you're your asking ask asked find finding info information know
    knowing interested interest searching search learn learning read reading need needs ok okay sure thanks
    thank well
    """.split()  # noqa: SIM905 - a word list reads best as words
    )
    | GENERIC_CUES
)


class ScenarioImportError(GroundsimError):
    """An input file an importer cannot read, or an output folder it must not write to."""


@dataclass
class ImportBatch:
    """What an importer made of one input file: scenarios grouped into output files."""

    files: dict[str, list[Scenario]] = field(default_factory=dict)
    """Output file stem (no suffix) -> the scenarios it holds, in input order."""
    skipped: list[str] = field(default_factory=list)
    """One line per input record not converted, saying which and why."""
    description: str = ""
    """Where the data comes from (name, paper, licence); written at the top of every file."""

    def add(self, file_stem: str, scenario: Scenario) -> None:
        self.files.setdefault(file_stem, []).append(scenario)

    @property
    def scenarios(self) -> list[Scenario]:
        return [s for group in self.files.values() for s in group]


@runtime_checkable
class Importer(Protocol):
    """Converts one public benchmark format into scenarios.

    A new format is one class with these members, decorated with `@register_importer`, in
    a new module of this package (modules are discovered; nothing else is edited).
    """

    name: ClassVar[str]
    """The `--format` value, e.g. `qulac`."""
    summary: ClassVar[str]
    """One line for `--help`: what input it reads and what scenarios it makes."""

    def convert(self, source: Path, pack: str) -> ImportBatch:
        """Read `source` and build scenarios whose ids start with `pack` + '-'.

        Raises ScenarioImportError when the file is not in this format; records it cannot
        convert are listed in `ImportBatch.skipped`, not raised.
        """
        ...


ImporterT = TypeVar("ImporterT", bound=type[Importer])


IMPORTERS: Registry[type[Importer]] = Registry("importer", discover="scenarios.importers")
"""Importer classes by `--format` name; the package's public modules are discovered on first use."""


def register_importer(cls: ImporterT) -> ImporterT:
    """Make an importer class available under its `name` (its `summary` is the help line)."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__name__} needs a class attribute `name`")
    IMPORTERS.add(name, cls, summary=getattr(cls, "summary", None))
    return cls


def registered_importers() -> dict[str, type[Importer]]:
    return {e.name: e.obj for e in sorted(IMPORTERS.entries(), key=lambda e: e.name)}


# Text helpers ---------------------------------------------------------------------------


def unescape(text: str) -> str:
    """Undo the backslash-escaped quotes some sources keep (`Obama\\'s` -> `Obama's`), trim spaces."""
    return " ".join(_ESCAPED_QUOTE.sub(r"\1", text).split())


def tidy_block(text: str) -> str:
    """Multi-line text with trailing spaces and runs of blank lines removed (YAML block style needs it)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def content_words(text: str) -> list[str]:
    """The topic-bearing words of `text`, lower-case, in order, without repeats or possessive 's."""
    words: list[str] = []
    for raw in _WORD.findall(normalize_text(text)):
        word = raw.removesuffix("'s").strip("'-")
        if len(word) < 2 or word in FILLER_WORDS or word in words:
            continue
        words.append(word)
    return words


def cues_from(*texts: str, limit: int = 12) -> tuple[str, ...]:
    """Cue words for a fact: the content words of `texts`, in order, at most `limit`."""
    cues: list[str] = []
    for text in texts:
        for word in content_words(text):
            if word not in cues:
                cues.append(word)
    return tuple(cues[:limit])


def slug(text: str) -> str:
    """`text` as an id fragment: lower-case letters, digits and '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def check_pack_name(pack: str) -> str:
    """The pack name prefixes every id, so it must have an id's shape."""
    if not _ID_SHAPE.match(pack):
        raise ScenarioImportError(
            f"the output folder name {pack!r} becomes the id prefix of every imported scenario, so it must be "
            "lower-case letters, digits, '_', '-' or '.' (e.g. --out packs/qulac)"
        )
    return pack


def build(data: dict[str, object], where: str, batch: ImportBatch) -> Scenario | None:
    """Validate one scenario; an invalid record goes to `batch.skipped` with the reason."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(scenario)"
        batch.skipped.append(f"{where}: {loc}: {first['msg'].removeprefix('Value error, ')}")
        return None


def has_braces(text: str) -> bool:
    """Openings reserve `{...}` for persona placeholders, so text with braces cannot be an opening."""
    return "{" in text or "}" in text


def read_json_records(source: Path) -> list[dict[str, object]]:
    """Records from JSON Lines, a JSON list, or a column-oriented JSON object (pandas `to_json`
    default: {column: {row_key: value}}); gzip is recognised by its magic bytes."""
    raw = source.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioImportError(f"{source}: not UTF-8 text ({exc})") from exc
    stripped = text.lstrip()
    try:
        whole = json.loads(text) if stripped.startswith(("[", "{")) else None
    except json.JSONDecodeError:
        whole = None  # JSON Lines: several objects, one per line
    if isinstance(whole, list):
        records = whole
    elif isinstance(whole, dict) and whole and all(isinstance(v, dict) for v in whole.values()):
        keys = list(next(iter(whole.values())))
        records = [{column: values.get(key) for column, values in whole.items()} for key in keys]
    elif isinstance(whole, dict):
        records = [whole]
    else:
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ScenarioImportError(f"{source}: line {number} is not JSON ({exc.msg})") from exc
    bad = next((i for i, r in enumerate(records) if not isinstance(r, dict)), None)
    if bad is not None:
        raise ScenarioImportError(f"{source}: record {bad} is a {type(records[bad]).__name__}, not a JSON object")
    return records


def require_fields(source: Path, record: dict[str, object], fields: tuple[str, ...], where: str) -> None:
    """Raise a clear error when the input lacks a field this format needs (wrong file or format)."""
    missing = [f for f in fields if f not in record]
    if missing:
        raise ScenarioImportError(
            f"{source}: {where} lacks field(s) {', '.join(missing)}: is this the right file for this format?"
        )
