"""The layout's promises, checked on the real import graph (grimp): layers point down, no
cycles, no private module imported from another package, small modules.

Layers, bottom to top (docs/design.md, Architecture): scenarios (vocabulary, errors,
Protocols, registry) < user_agents < the model layer, records and fake server < store <
engine < analysis < CLI, explorer and the `simulator` facade. A module may import its own
layer or lower ones.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scenarios", "user_agents", "simulator", "analysis")
MAX_LINES = 420

LAYERS: tuple[tuple[str, ...], ...] = (
    ("scenarios",),
    ("user_agents",),
    ("simulator.models", "simulator.records", "simulator._version", "simulator.fake_server"),
    ("simulator.store",),
    ("simulator.engine",),
    ("analysis",),
    ("simulator.cli", "simulator.explorer", "simulator"),
)


def layer_of(module: str) -> int:
    """The layer of a module: the most specific prefix listed in LAYERS wins."""
    best, best_len = None, -1
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = rank, len(prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False, exclude_type_checking_imports=True, cache_dir=None)


def edges(graph: grimp.ImportGraph) -> list[tuple[str, str]]:
    return [(m, dep) for m in sorted(graph.modules) for dep in sorted(graph.find_modules_directly_imported_by(m))]


def test_layer_of_knows_the_layout() -> None:
    assert layer_of("scenarios._registry") == 0
    assert layer_of("simulator.models._provider") < layer_of("simulator.store._store") < layer_of("simulator.engine._runner")
    assert layer_of("simulator.engine._runner") < layer_of("analysis.labellers._judge") < layer_of("simulator.cli.run")
    assert layer_of("simulator") == layer_of("simulator.cli")  # the facade re-exports from every layer


def test_imports_only_point_down(graph: grimp.ImportGraph) -> None:
    upward = [f"{a} (layer {layer_of(a)}) imports {b} (layer {layer_of(b)})" for a, b in edges(graph) if layer_of(b) > layer_of(a)]
    assert upward == []


def test_there_is_no_import_cycle(graph: grimp.ImportGraph) -> None:
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for importer, imported in edges(graph):
        sorter.add(importer, imported)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_the_cycle_check_can_fail() -> None:
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter({"a": {"b"}, "b": {"a"}})
    with pytest.raises(graphlib.CycleError):
        sorter.prepare()


def _is_private_of_other_package(importer: str, imported: str) -> bool:
    parts = imported.split(".")
    private_at = next((i for i, p in enumerate(parts) if p.startswith("_") and not p.startswith("__")), None)
    if private_at is None:
        return False
    owner = ".".join(parts[:private_at])  # the package whose private module this is
    return not (importer == owner or importer.startswith(owner + "."))


def test_no_private_module_is_imported_from_another_package(graph: grimp.ImportGraph) -> None:
    bad = [f"{a} imports {b}" for a, b in edges(graph) if _is_private_of_other_package(a, b)]
    assert bad == []
    assert _is_private_of_other_package("analysis._annotate", "simulator.store._store")
    assert not _is_private_of_other_package("simulator.store", "simulator.store._store")


def test_app_entry_imports_no_private_module() -> None:
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module for a in n.names]
    assert [n for n in names if n.split(".")[0] in PACKAGES and _is_private_of_other_package("app", n)] == []


def test_no_module_is_a_warehouse() -> None:
    big = []
    for package in (*PACKAGES, "app.py"):
        for path in sorted([ROOT / package] if package.endswith(".py") else (ROOT / package).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                big.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert big == []
