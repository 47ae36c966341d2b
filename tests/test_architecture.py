"""The package's layers: a lower layer never imports a higher one; only ui touches streamlit.

The import graph is read from the source with ``ast`` (every ``import`` and ``from`` statement,
including those inside functions and under TYPE_CHECKING), so it needs no import to run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "dashboard"

# Low to high; each layer with the layers it may import besides itself and the root package
# (``dashboard``: its paths). Modules at the top of the package (cli, __main__) are "cli".
LAYERS: dict[str, set[str]] = {
    "model": set(),
    "books": {"model"},
    "geocoding": {"model", "books"},
    "mapping": {"model", "books"},
    "events": {"model", "books", "mapping"},
    "ingest": {"model", "books", "events"},
    "exports": {"model", "books", "mapping", "events", "ingest"},
    "ui": {"model", "books", "mapping", "events", "ingest", "exports"},
    "bench": {"model", "books", "geocoding", "mapping", "events", "ingest", "exports"},
    "cli": {"model", "books", "geocoding", "mapping", "events", "ingest", "exports"},
}
UI_ONLY = ("streamlit", "streamlit_folium")
# The benchmark measures what st_folium sends, so it drives streamlit_folium itself.
UI_ONLY_EXCEPTIONS = {"dashboard.bench.payload"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str | None:
    """The layer of a dashboard module; None for the root package."""
    parts = module.split(".")
    if len(parts) == 1:
        return None
    if parts[1] in LAYERS:
        return parts[1]
    return "cli" if parts[1] in ("cli", "__main__") else "(no layer)"


def imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of ``module``; names resolved to modules."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                full = f"{target}.{alias.name}"
                found.append((node.lineno, full if full in MODULES else target))
    return found


def test_the_layers_are_ordered():
    order = list(LAYERS)
    for layer, allowed in LAYERS.items():
        higher = allowed - set(order[:order.index(layer)])
        assert not higher, f"{layer} may import {sorted(higher)}, which are not below it"


def test_every_module_is_in_a_layer():
    strays = [m for m in MODULES if layer_of(m) == "(no layer)"]
    assert not strays, f"modules in no layer (move them into one of {sorted(LAYERS)}): {strays}"


def test_no_layer_imports_a_higher_one():
    bad = []
    for module, path in MODULES.items():
        layer = layer_of(module)
        if layer is None:
            continue
        for line, target in imports(module, path):
            if target != "dashboard" and target.startswith("dashboard."):
                other = layer_of(target)
                if other is not None and other != layer and other not in LAYERS.get(layer, set()):
                    may = ", ".join(sorted(LAYERS[layer])) or "no other layer"
                    bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} ({layer}) imports "
                               f"{target} ({other}); {layer} may import: {may}")
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_only_ui_imports_streamlit():
    bad = []
    for module, path in MODULES.items():
        if layer_of(module) == "ui" or module in UI_ONLY_EXCEPTIONS:
            continue
        for line, target in imports(module, path):
            if target.split(".")[0] in UI_ONLY:
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} imports {target}")
    assert not bad, "only dashboard/ui may import streamlit or streamlit_folium:\n" + "\n".join(bad)


@pytest.mark.parametrize("module", sorted(UI_ONLY_EXCEPTIONS))
def test_the_exceptions_still_exist(module):
    assert module in MODULES, f"{module} is gone: drop it from UI_ONLY_EXCEPTIONS"
