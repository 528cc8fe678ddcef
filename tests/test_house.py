"""The house stays in order: linted, typed, without import circles, and described.

These checks run with every test run, so a change that breaks the structure is
caught where it is made. Each check is also run on an input where it must say
no, so none of them can pass by checking nothing.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ledger", "api", "public_site", "cli")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, check=False
    )


# --- ruff and mypy -------------------------------------------------------------------


def test_ruff_finds_nothing_to_fix() -> None:
    result = run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tree_is_formatted() -> None:
    result = run("ruff", "format", "--no-cache", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_finds_nothing() -> None:
    result = run("mypy", "--no-incremental", *PACKAGES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Success: no issues found in \d+ source files", result.stdout)


def test_the_linters_say_no_to_bad_code(tmp_path: Path) -> None:
    """The same commands fail on a file that is badly formatted, unused and untyped."""
    (tmp_path / "pyproject.toml").write_text(
        (ROOT / "pyproject.toml").read_text().split("[tool.ruff]", 1)[1].join(["[tool.ruff]", ""])
    )
    bad = tmp_path / "bad.py"
    bad.write_text("import os\ndef f(x):\n  return x+1\n")
    assert run("ruff", "check", "--no-cache", ".", cwd=tmp_path).returncode != 0
    assert run("ruff", "format", "--no-cache", "--check", ".", cwd=tmp_path).returncode != 0
    typed = run("mypy", "--strict", "--no-incremental", str(bad), cwd=tmp_path)
    assert typed.returncode != 0 and "missing a type annotation" in typed.stdout


# --- import circles ------------------------------------------------------------------


def module_files(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def import_graph(root: Path, packages: Iterable[str]) -> dict[str, set[str]]:
    """Which of our modules each module imports, anywhere in it (also under TYPE_CHECKING).

    A package's own ``__init__`` is not counted as imported by its submodules.
    """
    modules = module_files(root, packages)

    def ours(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        package = package.rpartition(".")[0]
                    base = f"{package}.{base}" if base else package
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                found = ours(target)
                if found and found != name and not name.startswith(found + "."):
                    graph[name].add(found)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circles() -> None:
    graph = import_graph(ROOT, PACKAGES)
    assert len(graph) > 100, "the graph must cover the whole code base"
    assert sum(len(v) for v in graph.values()) > 200, "imports must have been read"
    assert circles(graph) == []


def test_an_import_circle_is_found_even_behind_type_checking(tmp_path: Path) -> None:
    package = tmp_path / "town"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from town.b import B\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from town.c import C\nB = 1\n"
    )
    (package / "c.py").write_text("def f():\n    from . import a\n")
    (package / "d.py").write_text("import town.a\n")
    assert circles(import_graph(tmp_path, ["town"])) == [["town.a", "town.b", "town.c"]]


# --- the README describes the tree ---------------------------------------------------


def packages_and_top_modules() -> list[str]:
    """Every package (folder with an __init__.py) and every module directly under ledger/."""
    names = []
    for package in PACKAGES:
        for init in sorted((ROOT / package).rglob("__init__.py")):
            names.append(init.parent.relative_to(ROOT).as_posix() + "/")
    for module in sorted((ROOT / "ledger").glob("*.py")):
        if module.name != "__init__.py":
            names.append(module.relative_to(ROOT).as_posix())
    return names


def layout_block(readme: str) -> str:
    match = re.search(r"## How it is built\n+```\n(.*?)```", readme, re.S)
    assert match, "the README has a layout block under 'How it is built'"
    return match.group(1)


def missing_from_layout(block: str, names: Iterable[str]) -> list[str]:
    """Names the layout does not show.

    Each line of the layout starts with a folder (``log/``) or a module
    (``service.py``), indented under the folder it belongs to; what follows on
    the line is its description.
    """
    shown = set()
    folders: list[tuple[int, str]] = []
    for line in block.splitlines():
        match = re.match(r"( *)([a-z_]+(?:/|\.py))(?:\s|$)", line)
        if not match:
            continue
        indent, entry = len(match.group(1)), match.group(2)
        while folders and folders[-1][0] >= indent:
            folders.pop()
        path = (folders[-1][1] if folders else "") + entry
        shown.add(path)
        if entry.endswith("/"):
            folders.append((indent, path))
    return [name for name in names if name not in shown]


def test_the_readme_layout_shows_every_package() -> None:
    names = packages_and_top_modules()
    assert "ledger/storage/" in names and "cli/" in names
    assert missing_from_layout(layout_block((ROOT / "README.md").read_text()), names) == []


def test_the_layout_check_notices_a_missing_package() -> None:
    block = "ledger/   core\n  log/    the log\n  service.py   Ledger\napi/  the API\n"
    assert missing_from_layout(block, ["ledger/", "ledger/log/", "ledger/service.py", "api/"]) == []
    assert missing_from_layout(block, ["ledger/storage/", "ledger/log/", "cli/"]) == [
        "ledger/storage/",
        "cli/",
    ]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_is_installed(package: str) -> None:
    """pyproject's package list includes each top-level package, so an install is whole."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"{package}*"' in pyproject
