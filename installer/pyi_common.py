"""What the PyInstaller specs (linux/, macos/) share: the modules and data of gp_guard, trimmed.

gp_guard finds its audit checks with pkgutil, so every submodule is collected explicitly. Babel
ships every CLDR locale (35 MB); gp_guard reads .po catalogues in French and English only, which
need root, fr and en. Qt's translations are kept for the same two languages.
"""

from __future__ import annotations

import re
from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata

KEPT_LOCALES = re.compile(r"^(root|fr|fr_FR|en|en_001|en_GB|en_US)\.dat$")
QT_TRANSLATION = re.compile(r"_(fr|en)\.qm$")
# Qt's GTK3 platform theme plugin drags the build machine's whole GTK stack into the bundle
# (25 MB). Without it Qt draws its own Fusion style, as on a desktop without GTK.
GTK_STACK = re.compile(r"^(libqgtk3\.so|lib(gtk-3|gdk-3|gdk_pixbuf-2\.0|atk-1\.0|atk-bridge-2\.0|atspi|"
                       r"cairo|cairo-gobject|pango-1\.0|pangocairo-1\.0|pangoft2-1\.0|epoxy|thai|datrie|"
                       r"fribidi|pixman-1|graphite2|harfbuzz|Xcomposite|Xdamage|Xi|Xinerama|Xcursor|"
                       r"Xrandr)\.so.*)$")

# Never needed by gp_guard: other GUI stacks, test runners, Qt modules it does not import. And
# pkg_resources: only Babel's fallback for entry points imports it, and its runtime hook
# (pyi_rth_pkgres) costs every start, --version included. (Not unittest: fpdf imports unittest.mock.)
EXCLUDES = ["tkinter", "_tkinter", "pydoc_data", "lib2to3", "IPython", "pytest", "pkg_resources", "setuptools",
            "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtPdf", "PySide6.QtSql", "PySide6.QtTest",
            "PySide6.QtDesigner", "PySide6.QtOpenGL", "PySide6.QtDBus"]  # not QtSvg: the icons are SVG


def hidden_imports() -> list[str]:
    return collect_submodules("gp_guard") + collect_submodules("keyring.backends")


ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"  # the app and navigation icons (SVG)


def datas() -> list[tuple[str, str]]:
    """The package's data, fpdf's fonts, the metadata keyring and gp_guard read at run time, and
    the icons from the top of the tree (found under sys._MEIPASS/resources/icons when frozen)."""
    icons = [(str(svg), str(Path("resources/icons") / svg.parent.relative_to(ICONS)))
             for svg in sorted(ICONS.rglob("*.svg"))]
    return (collect_data_files("gp_guard") + collect_data_files("fpdf")
            + copy_metadata("keyring") + copy_metadata("gp-guard") + icons)


def keep(dest: str) -> bool:
    """False for the files the bundle does not need (unused Babel locales, Qt translations)."""
    parts = dest.replace("\\", "/").split("/")
    name = parts[-1]
    if "babel" in parts and "locale-data" in parts:
        return bool(KEPT_LOCALES.match(name))
    if name.endswith(".qm") and "translations" in parts:
        return bool(QT_TRANSLATION.search(name))
    return not GTK_STACK.match(name)


def trim(toc):  # a PyInstaller TOC: (dest, source, kind) entries
    return [entry for entry in toc if keep(entry[0])]
