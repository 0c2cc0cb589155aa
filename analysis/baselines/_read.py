"""Reading human corpus files into utterances of the unified utterance schema.

One job: get rows off disk and refuse bad ones with the file, line and field at fault.
The corpora are not part of the repository (downloaded separately; their path is
passed in), so whatever a user points at is checked here, before any turn is built or
anything is written to the database.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError

from scenarios import InputFileError

UTTERANCE_FIELDS = ("corpus", "split", "conversation_id", "position", "turn", "speaker", "role", "text", "tags")
"""Required fields of the unified utterance schema (documented by the README of the corpus files, downloaded separately)."""


class CorpusFormatError(InputFileError):
    """A corpus file or row that does not follow the unified utterance schema: where and why."""


class Utterance(BaseModel):
    """One row of the unified utterance schema (documented by the README of the corpus files, downloaded separately)."""

    model_config = ConfigDict(extra="ignore", frozen=True, strict=True, use_attribute_docstrings=True)

    corpus: StrictStr
    """Corpus name; also selects the tag mapping (`mrda`, `esconv`, `persuasion_for_good`)."""
    split: StrictStr
    """`train`, `dev`, `test`, or the user's own split name."""
    conversation_id: StrictStr
    """Conversation identifier, unique within the corpus."""
    position: StrictInt
    """0-based index of the utterance in its conversation."""
    turn: StrictInt
    """0-based speaker-turn index: consecutive utterances of one speaker share it."""
    speaker: StrictStr
    """The speaker as written in the source."""
    role: StrictStr
    """Corpus-specific role (participant, supporter, seeker, persuader, persuadee, ...)."""
    text: StrictStr
    """The utterance text."""
    tags: list[StrictStr]
    """The source's own labels, unmapped; empty where the source gives none."""
    source_path: str = ""
    """File the row came from (filled by the reader, for error messages and provenance)."""
    source_line: int = 0
    """1-based line in that file."""


def corpus_files(path: Path | str) -> list[Path]:
    """A file, or every *.jsonl / *.jsonl.gz under a folder (recursively, sorted)."""
    root = Path(path)
    if root.is_file():
        return [root]
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.is_file() and (p.name.endswith(".jsonl") or p.name.endswith(".jsonl.gz")))
        if not files:
            raise CorpusFormatError("folder holds no *.jsonl or *.jsonl.gz file", path=root)
        return files
    raise CorpusFormatError("no such file or folder", path=root)


def _open_text(path: Path) -> Any:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        with _open_text(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    yield number, json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise CorpusFormatError(f"not valid JSON ({exc.msg} at column {exc.colno})", path=path, line=number) from None
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CorpusFormatError(f"cannot read: {exc}", path=path) from None


def looks_like_utterances(path: Path) -> bool:
    """Whether the first record of `path` has the schema's turn-level fields (cheap folder filter)."""
    for _, obj in _json_lines(path):
        return isinstance(obj, dict) and all(k in obj for k in ("conversation_id", "turn", "text"))
    return False


def _parse(obj: Any, path: Path, number: int) -> Utterance:
    if not isinstance(obj, dict):
        raise CorpusFormatError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=number)
    for name in UTTERANCE_FIELDS:
        if name not in obj:
            raise CorpusFormatError("missing required field", path=path, line=number, field=name)
    try:
        return Utterance.model_validate({**obj, "source_path": str(path), "source_line": number})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise CorpusFormatError(err["msg"].lower(), path=path, line=number, field=field) from None


def read_utterances(
    path: Path | str, *, splits: Iterable[str] | None = None, on_skip: Callable[[Path], None] | None = None
) -> tuple[list[Utterance], list[Path], list[Path]]:
    """Every utterance under `path` (optionally only these splits), the files read, the files skipped.

    A file named directly must be in the schema; in a folder, files whose first record
    lacks the schema's fields are skipped (and reported), so a corpus folder may keep its
    side files. Bad rows raise CorpusFormatError naming file, line and field.
    """
    root = Path(path)
    wanted = set(splits) if splits else None
    files = corpus_files(root)
    used: list[Path] = []
    skipped: list[Path] = []
    rows: list[Utterance] = []
    for file in files:
        if root.is_dir() and not looks_like_utterances(file):
            skipped.append(file)
            if on_skip:
                on_skip(file)
            continue
        used.append(file)
        for number, obj in _json_lines(file):
            row = _parse(obj, file, number)
            if wanted is None or row.split in wanted:
                rows.append(row)
    if not used:
        raise CorpusFormatError("no file here is in the utterance schema (pass the path of the corpus files, downloaded separately; their README documents it)", path=root)
    if not rows:
        what = f" of split {', '.join(sorted(wanted))}" if wanted else ""
        raise CorpusFormatError(f"no utterances{what} found", path=root)
    return rows, used, skipped
