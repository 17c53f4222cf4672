"""Screenshots of every page of the window, in French (and English), light and dark.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--lang fr,en]

A real window under Xvfb, with a private data folder and the recorded weak French PC, so the pages
show what a doctor meets after her first audit. The files are named ``<lang>-<theme>-<page>.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def dark_palette():  # type: ignore[no-untyped-def]
    """A dark palette, as a desktop in dark mode gives the window (Xvfb has no desktop theme)."""
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    roles = QPalette.ColorRole
    for role, colour in ((roles.Window, "#202124"), (roles.WindowText, "#e8eaed"), (roles.Base, "#2a2b2e"),
                         (roles.AlternateBase, "#303134"), (roles.Text, "#e8eaed"), (roles.Button, "#303134"),
                         (roles.ButtonText, "#e8eaed"), (roles.Highlight, "#8ab4f8"), (roles.HighlightedText, "#202124"),
                         (roles.Mid, "#5f6368"), (roles.Link, "#8ab4f8"), (roles.ToolTipBase, "#303134"),
                         (roles.ToolTipText, "#e8eaed"), (roles.PlaceholderText, "#9aa0a6")):
        palette.setColor(role, QColor(colour))
    return palette


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--lang", default="fr")
    parser.add_argument("--host", default="win10_fr_weak", help="recorded host under tests/fixtures/hosts")
    args = parser.parse_args()
    os.environ.setdefault("GP_GUARD_HOME", tempfile.mkdtemp(prefix="gp_guard-shots-"))
    os.environ["GP_GUARD_NO_NETWORK"] = "1"

    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from gp_guard.gui.app import apply_language
    from gp_guard.gui.main_window import PAGES, MainWindow
    from gp_guard.host.recorded import RecordedHost
    from gp_guard.store import open_default

    app = QApplication(sys.argv[:1])
    app.setStyle("Fusion")  # the same look on every machine, and it follows the colour scheme
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = open_default()
    host = RecordedHost(ROOT / "tests" / "fixtures" / "hosts" / args.host)

    def settle(ms: int = 250) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    written = []
    for lang in args.lang.split(","):
        for theme, scheme in (("light", Qt.ColorScheme.Light), ("dark", Qt.ColorScheme.Dark)):
            app.styleHints().setColorScheme(scheme)
            app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
            apply_language(lang)
            window = MainWindow(store, host, apply_language=apply_language)
            window.resize(1280, 860)
            window.show()
            if window.audit.report is None:
                loop = QEventLoop()
                window.audit.finished.connect(loop.quit)
                window.audit.start()
                loop.exec()
            for spec in PAGES:
                window.navigate(spec.key)
                page = window.pages[spec.key]
                if hasattr(page, "refresh"):
                    page.refresh()
                settle()
                path = out / f"{lang}-{theme}-{spec.key}.png"
                window.grab().save(str(path))
                written.append(path)
            window.close()
            window.deleteLater()
            settle(50)
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
