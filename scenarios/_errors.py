"""The exception hierarchy every groundsim package shares.

It lives in `scenarios` because that package is the root of the import graph: every
other package may import it, and it imports none of them.
"""

from __future__ import annotations

from pathlib import Path


class GroundsimError(Exception):
    """Base class: every error groundsim raises on purpose derives from it.

    The CLI catches this class, prints the message without a traceback and exits
    non-zero, so the message must be enough for a user to act on.
    """


class InputFileError(GroundsimError):
    """A row of a user-supplied data file that cannot be used: file, line, field and why."""

    def __init__(self, reason: str, *, path: Path | str, line: int | None = None, field: str | None = None) -> None:
        self.reason = reason
        self.path = str(path)
        self.line = line
        self.field = field
        where = self.path + (f", line {line}" if line is not None else "") + (f", field {field!r}" if field else "")
        super().__init__(f"{where}: {reason}")


class ScenarioError(GroundsimError):
    """A scenario file or pack that cannot be used, with where and why."""

    def __init__(
        self,
        reason: str,
        *,
        path: Path | str | None = None,
        scenario_id: str | None = None,
        field: str | None = None,
    ) -> None:
        self.reason = reason
        self.path = str(path) if path is not None else None
        self.scenario_id = scenario_id
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.scenario_id:
            where.append(f"scenario {self.scenario_id!r}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = ": ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason


class ScenarioValidationError(ScenarioError):
    """Several problems found in scenario files; each is a ScenarioError."""

    def __init__(self, problems: list[ScenarioError]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        GroundsimError.__init__(self, f"{len(problems)} problem(s) in scenario files:\n{lines}")
        self.reason = "invalid scenarios"
        self.path = problems[0].path if problems else None
        self.scenario_id = None
        self.field = None
