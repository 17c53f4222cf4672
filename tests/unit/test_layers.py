"""The layers of DESIGN.md hold: everything but the GUI imports without Qt."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import gp_guard

GUI_PREFIX = "gp_guard.gui"
WINDOWS_ONLY = {"gp_guard.host.windows"}  # import winreg: Windows only


def non_gui_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(gp_guard.__path__, prefix="gp_guard."):
        if info.name == GUI_PREFIX or info.name.startswith(GUI_PREFIX + "."):
            continue
        if info.name in WINDOWS_ONLY and sys.platform != "win32":
            continue
        if info.name.endswith("__main__"):  # starts the window when run without a sub-command
            continue
        names.append(info.name)
    return sorted(names)


def test_every_non_gui_module_imports_with_qt_blocked():
    modules = non_gui_modules()
    assert {"gp_guard.vault.folder", "gp_guard.breach.register", "gp_guard.checklist.progress",
            "gp_guard.audit.checks.disk", "gp_guard.report.pdf"} <= set(modules)
    code = (
        "import importlib, sys\n"
        "sys.modules['PySide6'] = None  # any 'import PySide6...' now raises ImportError\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert not [m for m, mod in sys.modules.items() if m.startswith('PySide6') and mod is not None]\n"
        "print(len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def _runtime_nodes(tree):  # type: ignore[no-untyped-def]
    """Every node of ``tree`` except the bodies of ``if TYPE_CHECKING:`` blocks."""
    import ast

    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                pending.extend(child.orelse)
                continue
            pending.append(child)


def _module_graph() -> dict[str, set[str]]:
    """Every gp_guard module and the gp_guard modules it imports, at the top or inside a function
    (a lazy import is still an import). Importing ``a.b.c`` also imports the packages ``a.b``.
    A string that is exactly a gp_guard module's name counts too: a module loaded by name
    (``importlib.import_module``) is imported all the same. Imports under ``if TYPE_CHECKING:``
    are left out: they never run."""
    import ast
    from pathlib import Path

    root = Path(gp_guard.__file__).parent
    files = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        files[name] = path

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in files:
                targets = [node.value]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*up, base] if base else up)
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                           for alias in node.names]
            for target in targets:
                module = known(target)
                if module is None or module == name:
                    continue
                graph[name].add(module)
                parts = module.split(".")
                for i in range(2, len(parts)):  # the packages on the way (not gp_guard itself)
                    parent = ".".join(parts[:i])
                    if parent in files and not name.startswith(parent + "."):
                        graph[name].add(parent)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_one_that_imports_it_back():
    graph = _module_graph()
    assert "gp_guard.audit.registry" in graph["gp_guard.audit.checks.disk"]
    assert not _cycles(graph), _cycles(graph)


def test_the_cycle_finder_finds_a_loop():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_faces_never_import_each_other():
    graph = _module_graph()
    faces = {"gui": "gp_guard.gui", "cli": "gp_guard.cli"}
    for name, targets in graph.items():
        if name.startswith("gp_guard.gui"):
            assert not [t for t in targets if t == "gp_guard.cli" or t.startswith("gp_guard.cli")], name
        if name == faces["cli"] or name.startswith("gp_guard.cli"):
            bad = [t for t in targets if t.startswith("gp_guard.gui")]
            assert not bad or name == "gp_guard.cli", (name, bad)  # the dispatcher opens the window
