"""Find importers by format name; importer modules in this package are discovered, not listed."""

from __future__ import annotations

from scenarios.importers._base import IMPORTERS, Importer, ScenarioImportError, registered_importers


def importers() -> dict[str, type[Importer]]:
    """Every registered importer by format name (discovers this package's modules first)."""
    return registered_importers()


def importer_names() -> list[str]:
    return list(importers())


def get_importer(name: str) -> type[Importer]:
    """The importer class for `--format NAME`."""
    if name not in IMPORTERS:
        raise ScenarioImportError(f"no importer for format {name!r}; formats: {', '.join(importer_names())}")
    return IMPORTERS.get(name)
