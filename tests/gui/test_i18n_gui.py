"""The window speaks French with no English left, and the core imports without Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QListWidget,
    QTreeWidget,
    QWidget,
)

from gp_guard import i18n
from tests.gui.conftest import run_audit_and_wait


def visible_texts(root: QWidget) -> list[str]:
    texts = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        texts += [widget.toolTip(), widget.accessibleName(), widget.accessibleDescription()]
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QGroupBox):
            texts.append(widget.title())
        if isinstance(widget, QComboBox):
            texts += [widget.itemText(i) for i in range(widget.count())]
        if isinstance(widget, QListWidget):
            texts += [widget.item(i).text() for i in range(widget.count())]
        if isinstance(widget, QTreeWidget):
            header = widget.headerItem()
            texts += [header.text(c) for c in range(widget.columnCount())]
            for i in range(widget.topLevelItemCount()):
                top = widget.topLevelItem(i)
                texts.append(top.text(0))
                texts += [top.child(j).text(c) for j in range(top.childCount()) for c in range(2)]
    return [t for t in texts if t]


def english_leftovers(texts: list[str]) -> list[str]:
    catalog = i18n.load_catalog("fr")
    return sorted({t for t in texts if t in catalog and catalog[t] != t})


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_window_builds_in_both_languages(make_window, lang):
    window = make_window(lang)
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    expected = {"en": ["Dashboard", "Audit", "Questions", "Encryption", "Data breach", "Checklist",
                       "Security report", "Data sharing", "Settings", "Help"],
                "fr": ["Tableau de bord", "Audit", "Questions", "Chiffrement", "Violation de données",
                       "Liste de contrôle", "Rapport de sécurité", "Partage de données", "Réglages", "Aide"]}[lang]
    assert names == expected
    assert window.pages["audit"].run_button.text() == {"en": "Run the audit", "fr": "Lancer l'audit"}[lang]


def test_no_english_text_left_in_french(qtbot, make_window):
    window = make_window("fr")
    window.show()
    run_audit_and_wait(qtbot, window)
    leftovers: list[str] = []
    for key in window.pages:
        window.navigate(key)
        leftovers += english_leftovers(visible_texts(window))
    assert leftovers == []


def test_qt_standard_buttons_are_french(make_window):
    from PySide6.QtCore import QCoreApplication

    make_window("fr")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Annuler"


def test_core_imports_without_qt():
    code = (
        "import sys; sys.modules['PySide6'] = None\n"
        "import gp_guard.audit, gp_guard.audit.service, gp_guard.cli, gp_guard.cli.audit, gp_guard.store\n"
        "import gp_guard.settings, gp_guard.i18n\n"
        "assert not any(m.startswith('PySide6.') for m in sys.modules)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_french_buttons_are_not_cut(qtbot, make_window):
    """French is longer than English: every button is at least as wide as its text needs."""
    from PySide6.QtWidgets import QPushButton

    window = make_window("fr")
    window.show()
    qtbot.waitExposed(window)
    run_audit_and_wait(qtbot, window)
    cut = []
    for key in window.pages:
        window.navigate(key)
        for button in window.pages[key].findChildren(QPushButton):
            if button.isVisible() and button.width() < button.sizeHint().width():
                cut.append((key, button.text(), button.width(), button.sizeHint().width()))
    assert cut == []


def test_audit_page_recalls_the_last_audit(qtbot, store, make_window):
    first = make_window("en")
    run_audit_and_wait(qtbot, first)
    second = make_window("en")
    text = second.pages["audit"].status.text()
    assert f"score {first.audit.report.score.value}/100" in text and "last audit" in text


def test_stretched_pseudo_locale_cuts_no_button(qtbot, make_window, monkeypatch):
    """Every text 40 % longer (Vorta's TRANS_SCALE idea): buttons still show their whole text."""
    from PySide6.QtWidgets import QPushButton

    from tests.unit.test_i18n import marked_strings

    window = make_window("en")
    stretched = {m: m + " " + "x" * (len(m) * 2 // 5) for m in marked_strings() if "{" not in m}
    monkeypatch.setitem(i18n._state, "catalog", stretched)
    window.build(window.current_key())
    window.show()
    qtbot.waitExposed(window)
    cut = []
    for key in window.pages:
        window.navigate(key)
        for button in window.pages[key].findChildren(QPushButton):
            if button.isVisible() and button.width() < button.sizeHint().width():
                cut.append((key, button.text()))
    assert window.nav.item(0).text().startswith("Dashboard x")
    assert cut == []


def _first_paint_language(monkeypatch, lang: str | None = None) -> str:
    """Start the window up to its first paint; the language it opened in."""
    from PySide6.QtCore import QLocale

    from gp_guard.gui import app

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    monkeypatch.setenv("GP_GUARD_BENCH_FIRST_PAINT", "1")
    assert app.run_gui(lang=lang) == 0
    chosen = i18n.current_language()
    assert QLocale().language() == (QLocale.Language.French if chosen == "fr" else QLocale.Language.English)
    return chosen


@pytest.mark.parametrize(("lang", "env", "saved", "expected"), [
    (None, "fr", "system", "fr"),  # GP_GUARD_LANG is honoured by the window
    (None, None, "fr", "fr"),  # the saved setting beats a C locale
    (None, "en", "fr", "en"),  # GP_GUARD_LANG beats the setting
    ("en", "fr", "fr", "en"),  # --lang beats everything
    (None, None, "system", "en"),  # nothing chosen: the system's (C.UTF-8 is not French)
])
def test_window_language_follows_one_order(monkeypatch, capsys, lang, env, saved, expected):
    from gp_guard import settings
    from gp_guard.store import open_default

    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    if env is None:
        monkeypatch.delenv("GP_GUARD_LANG", raising=False)
    else:
        monkeypatch.setenv("GP_GUARD_LANG", env)
    settings.set(open_default(), "language", saved)
    assert _first_paint_language(monkeypatch, lang) == expected
    assert "first-paint " in capsys.readouterr().out
