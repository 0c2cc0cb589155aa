"""Find importers by format name; importer modules in this package are discovered, not listed."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from scenarios.importers._base import Importer, ScenarioImportError, registered_importers


@cache
def _discover() -> None:
    """Import every public module of this package once, so their `@register_importer` runs."""
    import scenarios.importers as package

    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{module.name}")


def importers() -> dict[str, type[Importer]]:
    """Every registered importer by format name."""
    _discover()
    return registered_importers()


def importer_names() -> list[str]:
    return list(importers())


def get_importer(name: str) -> type[Importer]:
    """The importer class for `--format NAME`."""
    found = importers().get(name)
    if found is None:
        raise ScenarioImportError(f"no importer for format {name!r}; formats: {', '.join(importer_names())}")
    return found
