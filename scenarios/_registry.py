"""The one registry mechanism every extension point uses.

An extension (a user policy, a labeller, an answer check, an importer, a report section) is
one class and one registration: `@REGISTRY.register("name")` on the class. The registry
keeps the name, the object and a one-line summary taken from the class docstring, so the
CLI's help text and error messages are generated from it and never hand-maintained.

A registry may name a package whose public modules it imports on first use ("discovery"),
so an extension living in its own module registers itself without being listed anywhere.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from scenarios._errors import GroundsimError

T = TypeVar("T")


class UnknownExtensionError(GroundsimError):
    """A name that no extension of this kind is registered under."""

    def __init__(self, kind: str, name: str, known: list[str], hint: str = "") -> None:
        self.kind = kind
        self.name = name
        self.known = known
        super().__init__(f"unknown {kind} {name!r}; known: {', '.join(known) or '(none)'}{hint}")


class DuplicateExtensionError(GroundsimError):
    """Two different objects registered under one name of one kind."""

    def __init__(self, kind: str, name: str) -> None:
        self.kind = kind
        self.name = name
        super().__init__(f"{kind} {name!r} is registered twice")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered extension."""

    name: str
    """What users type (`--labeller NAME`, `type: NAME`, `--format NAME`)."""
    obj: T
    """The class (or factory) registered."""
    summary: str
    """One line for help text: the first line of the class docstring unless given."""


def first_line(obj: object) -> str:
    """The first line of an object's docstring, without a trailing period."""
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0].rstrip(".") if doc.strip() else ""


class Registry(Generic[T]):
    """Name -> extension for one extension point.

    `kind` names the extension point in messages ("labeller", "answer check"). `discover`
    is a package whose public modules are imported once before the first lookup.
    """

    def __init__(self, kind: str, *, discover: str | None = None, error: type[UnknownExtensionError] = UnknownExtensionError) -> None:
        self.kind = kind
        self._discover = discover
        self._discovered = discover is None
        self._error = error
        self._entries: dict[str, Entry[T]] = {}

    def register(self, name: str, *, summary: str | None = None) -> Callable[[T], T]:
        """Class decorator: make the decorated object available under `name`."""

        def decorate(obj: T) -> T:
            self.add(name, obj, summary=summary)
            return obj

        return decorate

    def add(self, name: str, obj: T, *, summary: str | None = None) -> None:
        """Register `obj` under `name` (the same object twice is a no-op)."""
        existing = self._entries.get(name)
        if existing is not None and existing.obj is not obj:
            raise DuplicateExtensionError(self.kind, name)
        self._entries[name] = Entry(name, obj, summary if summary is not None else first_line(obj))

    def _load(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        package = importlib.import_module(self._discover or "")
        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{module.name}")

    def get(self, name: str) -> T:
        """The object registered under `name`; an UnknownExtensionError naming the known ones otherwise."""
        self._load()
        entry = self._entries.get(name)
        if entry is None:
            raise self._error(self.kind, name, self.names())
        return entry.obj

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        self._load()
        return list(self._entries)

    def entries(self) -> Iterator[Entry[T]]:
        self._load()
        return iter(list(self._entries.values()))

    def help_text(self, *, separator: str = "; ") -> str:
        """`name: summary` for every entry, for a CLI option's help."""
        return separator.join(f"{e.name}: {e.summary}" if e.summary else e.name for e in self.entries())
