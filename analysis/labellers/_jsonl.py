"""The stable file-in/file-out form of labelling (issue 4) and the gold file reader.

Input: one JSON object per line, `{"id": ..., "text": ASSISTANT_TURN, "previous":
USER_MESSAGE (optional)}`; other keys are kept. Output: the same object plus `"acts"`
(list of act strings, vocabulary order) and `"stance"`. Others test against this format,
so it only ever grows by optional keys. Bad input fails before anything is written, with
the file, line and field in the message.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from analysis.labellers._judge import JudgeError
from scenarios import Act, InputFileError, Labeller, Stance


class LabelInputError(InputFileError):
    """A JSONL line that cannot be labelled or used as gold, with where and why."""



class GoldRow(BaseModel):
    """One hand-labelled assistant turn of a gold file (docs/labelling-guide.md)."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True)

    id: str
    """Unique id within the file."""
    text: str
    """The assistant turn."""
    previous: str | None = None
    """The user message just before it (context only)."""
    acts: tuple[Act, ...] = ()
    """Gold grounding acts."""
    stance: Stance
    """Gold stance."""
    note: str | None = None
    """Why the labeller of this row decided as they did, where it was not obvious."""
    style: str | None = None
    """The model style the turn imitates (concise, moralising, terse, careful, rambling, long, ...)."""


def json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSONL file (gzip when it ends in .gz).

    Every unreadable input is a LabelInputError naming the file (and the line where known):
    bad JSON, a line that is not an object, text that is not UTF-8, a broken gzip stream.
    """
    if not path.is_file():
        raise LabelInputError("no such file", path=path)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    number = 0
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            while True:
                try:
                    raw = handle.readline()
                except UnicodeDecodeError:
                    raise LabelInputError("not valid UTF-8 text", path=path, line=number + 1) from None
                if not raw:
                    break
                number += 1
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise LabelInputError(f"not valid JSON ({exc.msg} at column {exc.colno})", path=path, line=number) from None
                if not isinstance(obj, dict):
                    raise LabelInputError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=number)
                yield number, obj
    except (OSError, EOFError) as exc:  # a broken or truncated gzip stream
        raise LabelInputError(f"cannot be read ({exc})", path=path, line=number + 1) from None


def _check_turn_fields(obj: dict[str, Any], path: Path, number: int) -> None:
    if "id" not in obj:
        raise LabelInputError("missing required field", path=path, line=number, field="id")
    if not isinstance(obj["id"], str | int) or isinstance(obj["id"], bool):
        raise LabelInputError("must be a string or an integer", path=path, line=number, field="id")
    if "text" not in obj:
        raise LabelInputError("missing required field", path=path, line=number, field="text")
    if not isinstance(obj["text"], str):
        raise LabelInputError(f"must be a string, got {type(obj['text']).__name__}", path=path, line=number, field="text")
    previous = obj.get("previous")
    if previous is not None and not isinstance(previous, str):
        raise LabelInputError(f"must be a string or null, got {type(previous).__name__}", path=path, line=number, field="previous")


def _read_numbered(path: Path) -> list[tuple[int, dict[str, Any]]]:
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[Any, int] = {}
    for number, obj in json_lines(path):
        _check_turn_fields(obj, path, number)
        key = obj["id"]
        if key in seen:
            raise LabelInputError(f"duplicate id {key!r} (first on line {seen[key]})", path=path, line=number, field="id")
        seen[key] = number
        rows.append((number, obj))
    return rows


def read_turns(path: Path | str) -> list[dict[str, Any]]:
    """Read and check a turns file (every line has `id` and `text`, ids unique)."""
    return [obj for _, obj in _read_numbered(Path(path))]


def label_jsonl(input_path: Path | str, output_path: Path | str, labeller: Labeller) -> int:
    """Label every turn of `input_path` and write `output_path`; return the number of turns.

    The whole input is checked before anything is written, and the output appears
    atomically (written beside it, then renamed), so a failure never leaves half a file.
    Existing `acts`/`stance` keys in the input are replaced by the labeller's verdict.
    """
    rows = read_turns(input_path)
    output = Path(output_path)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=output.name + ".", suffix=".tmp", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for obj in rows:
                out = {k: v for k, v in obj.items() if k not in ("acts", "stance", "error")}
                try:
                    label = labeller.label(obj["text"], obj.get("previous"))
                except JudgeError as exc:
                    # An unreadable verdict is recorded as such, never mapped to a label.
                    out |= {"acts": None, "stance": None, "error": exc.reason}
                else:
                    out["acts"] = [a.value for a in label.acts]
                    out["stance"] = label.stance.value
                handle.write(json.dumps(out, ensure_ascii=False) + "\n")
        os.replace(tmp_name, output)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return len(rows)


def read_gold_jsonl(path: Path | str) -> list[GoldRow]:
    """Read a gold file: turns with valid `acts` (act strings) and `stance`."""
    path = Path(path)
    out: list[GoldRow] = []
    for number, obj in _read_numbered(path):
        acts = obj.get("acts", [])
        if not isinstance(acts, list):
            raise LabelInputError("must be a list of act names", path=path, line=number, field="acts")
        known_acts = {a.value for a in Act}
        for act in acts:
            if act not in known_acts:
                raise LabelInputError(f"unknown act {act!r}; known: {', '.join(sorted(known_acts))}", path=path, line=number, field="acts")
        if len(set(acts)) != len(acts):
            raise LabelInputError("acts must not repeat", path=path, line=number, field="acts")
        stance = obj.get("stance")
        if stance not in {s.value for s in Stance}:
            raise LabelInputError(
                f"missing or unknown stance {stance!r}; known: {', '.join(s.value for s in Stance)}",
                path=path,
                line=number,
                field="stance",
            )
        note = obj.get("note")
        if note is not None and not isinstance(note, str):
            raise LabelInputError("must be a string", path=path, line=number, field="note")
        out.append(
            GoldRow(
                id=str(obj["id"]),
                text=obj["text"],
                previous=obj.get("previous"),
                acts=tuple(a for a in Act if a.value in acts),
                stance=Stance(stance),
                note=note,
                style=obj.get("style") if isinstance(obj.get("style"), str) else None,
            )
        )
    return out
