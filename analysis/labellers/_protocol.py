"""The labeller extension point: one class, one registration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from scenarios import GroundsimError, TurnLabel


@runtime_checkable
class Labeller(Protocol):
    """Gives one assistant turn its grounding acts and its stance.

    `name` and `version` are stored with every label, so a changed labeller relabels
    instead of mixing old and new verdicts.
    """

    name: str
    version: str

    def label(self, text: str, previous: str | None = None) -> TurnLabel:
        """Label `text` (the assistant turn); `previous` is the user message before it."""
        ...


class UnknownLabellerError(GroundsimError):
    """A labeller name that is not registered."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown labeller {name!r}; known: {', '.join(known_labellers())}")


_FACTORIES: dict[str, Callable[..., Labeller]] = {}


def register_labeller(name: str, factory: Callable[..., Labeller]) -> None:
    """Make a labeller available as `--labeller NAME`."""
    _FACTORIES[name] = factory


def known_labellers() -> list[str]:
    return sorted(_FACTORIES)


def get_labeller(name: str, **options: Any) -> Labeller:
    """Build the labeller registered as `name` (options are passed to its factory)."""
    if name not in _FACTORIES:
        raise UnknownLabellerError(name)
    return _FACTORIES[name](**options)
