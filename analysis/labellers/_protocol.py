"""The labeller extension point: one class, one registration (`@LABELLERS.register("name")`).

A labeller class may define `from_context(context)` to take what it needs from the options
every labelling command shares (`--judge-model`, the model client the CLI wired); without
it the class is built with no arguments. The `--labeller` help text comes from the registry.
"""

from __future__ import annotations

from dataclasses import dataclass

from scenarios import ChatModel, Labeller, Registry, UnknownExtensionError


class UnknownLabellerError(UnknownExtensionError):
    """A labeller name that is not registered."""


LABELLERS: Registry[type] = Registry("labeller", error=UnknownLabellerError)


@dataclass(frozen=True)
class LabellerContext:
    """What a labeller factory may use; every command that picks a labeller passes the same."""

    judge_model: str | None = None
    """The model id of `--judge-model`; labellers that call no model ignore it."""
    chat: ChatModel | None = None
    """The model client (the model layer's implementation), for labellers that call a model."""


def known_labellers() -> list[str]:
    return LABELLERS.names()


def get_labeller(name: str, context: LabellerContext | None = None) -> Labeller:
    """Build the labeller registered as `name`."""
    cls = LABELLERS.get(name)
    build = getattr(cls, "from_context", None)
    labeller = build(context or LabellerContext()) if build is not None else cls()
    return labeller
