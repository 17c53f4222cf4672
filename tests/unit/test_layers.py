"""The layers of DESIGN.md hold: everything but the GUI imports without Qt."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import gp_guard

GUI_PREFIX = "gp_guard.gui"
WINDOWS_ONLY = {"gp_guard.host_windows", "gp_guard.host.windows"}  # import winreg: Windows only


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
