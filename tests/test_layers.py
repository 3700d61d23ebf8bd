"""DESIGN.md's layers: a package imports only from layers below it, and
packages on one layer do not import each other."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "tocsin"

LAYERS = {
    "cli": 1,
    "web": 2, "worker": 2,
    "alerting": 3, "statuspage": 3,
    "checks": 4, "ingest": 4, "issues": 4, "incidents": 4, "notify": 4,
    "accounts": 5,
    "store": 6,
    "config": 7,
    "lib": 8,
}


def _package(path: Path) -> str | None:
    parts = path.relative_to(SRC).parts
    if len(parts) == 1:
        name = parts[0].removesuffix(".py")
        return name if name in LAYERS else None
    return parts[0]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_every_package_is_on_a_layer() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert packages <= set(LAYERS), packages - set(LAYERS)


def test_no_package_imports_across_or_up_the_layers() -> None:
    violations = []
    for path in SRC.rglob("*.py"):
        own = _package(path)
        if own is None:
            continue
        for lineno, module in _imports(path):
            parts = module.split(".")
            if parts[0] != "tocsin" or len(parts) < 2:
                continue
            target = parts[1]
            if target not in LAYERS or target == own:
                continue
            if LAYERS[target] <= LAYERS[own]:
                violations.append(f"{path.relative_to(SRC)}:{lineno} ({own}, layer "
                                  f"{LAYERS[own]}) imports {module} (layer {LAYERS[target]})")
    assert violations == []


def test_every_package_says_what_it_owns() -> None:
    for package in SRC.iterdir():
        if package.is_dir() and package.name in LAYERS:
            doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
            assert doc and len(doc.splitlines()) >= 2, f"{package.name}/__init__.py"
