"""Start the window: language, Qt's own translations, single instance, crash dialog, theme."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import cast

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from gp_guard import hardening, i18n, paths, settings
from gp_guard.errors import EXIT_ERROR, EXIT_OK
from gp_guard.gui import desktop, dialogs, tasks
from gp_guard.gui.dialogs import crash
from gp_guard.gui.single_instance import SingleInstance
from gp_guard.host import Host
from gp_guard.i18n import _
from gp_guard.store import Store, StoreError, open_default

log = logging.getLogger(__name__)

_qt_translator: QTranslator | None = None


def qt_translations_dir() -> Path:
    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    if folder.is_dir():
        return folder
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "translations"


def apply_language(lang: str | None) -> str:
    """Use ``lang`` (None: the system's) for gp_guard's texts and Qt's standard buttons."""
    global _qt_translator
    chosen = i18n.set_language(lang)
    app = QApplication.instance()
    if app is not None and _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    QLocale.setDefault(QLocale(QLocale.Language.French if chosen == "fr" else QLocale.Language.English))
    if app is not None and chosen != "en":
        translator = QTranslator(app)
        if translator.load(f"qtbase_{chosen}", str(qt_translations_dir())):
            app.installTranslator(translator)
            _qt_translator = translator
        else:
            log.info("Qt's own %s translations are not installed", chosen)
    return chosen


def _home_short(path: Path | None) -> str:
    text, home = str(path), str(Path.home())
    return "~" + text[len(home):] if text.startswith(home + os.sep) else text


def recovered_message(store: Store, kept: Path | None = None) -> str:
    """What the window says about a damaged database kept aside (``kept``, else this run's)."""
    return _("The gp_guard database could not be read, so a new one was created. The old file was kept, untouched, as {path}. Your earlier audit history is in that file; your computer and your patient files are not affected.").format(path=_home_short(kept or store.recovered_from))


def announce_kept_aside(window: QWidget | None, store: Store) -> None:
    """At every start, until the user says she has noted it: where each damaged copy was kept."""
    kept = store.kept_aside()
    if not kept:
        return
    text = "\n\n".join(recovered_message(store, path) for path in kept) + "\n\n" + _(
        "The breach register and the list of protected folders recorded before are in that file too. Show it to your IT provider; gp_guard will remind you at each start until you say you have noted it.")
    if dialogs.ask(window, _("The database was repaired"), text,
                   yes=_("I have noted where it is"), no=_("Remind me next time")):
        store.acknowledge_kept_aside()


class FirstPaint(QObject):
    """GP_GUARD_BENCH_FIRST_PAINT=1: print the time to the first paint of the window and quit."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.done = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (not self.done and event.type() == QEvent.Type.Paint and isinstance(watched, QWidget)
                and watched.window() is self.window):
            self.done = True
            import psutil

            seconds = time.time() - psutil.Process().create_time()
            print(f"first-paint {seconds:.3f}", flush=True)
            QTimer.singleShot(0, lambda: QApplication.exit(0))
        return False


def run_gui(lang: str | None = None, host: Host | None = None) -> int:
    """Open the window; return the exit code. A second start shows the first window, exits 0."""
    hardening.harden()  # no core dump may hold a passphrase or a key
    app = cast(QApplication, QApplication.instance() or QApplication(sys.argv[:1]))
    app.setApplicationName("gp_guard")
    app.setDesktopFileName("gp_guard")
    instance = SingleInstance(paths.runtime_name())
    if instance.notify_running():
        log.info("gp_guard is already open; asked it to come to the front")
        return EXIT_OK
    instance.listen()
    crash.install()
    try:
        store = open_default()
    except (StoreError, OSError) as exc:
        apply_language(i18n.resolve_language(lang))
        if isinstance(exc, StoreError):
            message = exc.text()
        else:
            message = _("gp_guard cannot open its data folder ({detail}). Check that your session can write to {path}.").format(
                detail=exc.strerror or type(exc).__name__, path=crash.scrub(str(paths.data_dir().parent)))
        log.error("cannot open the database: %s", type(exc).__name__)
        dialogs.inform(None, _("gp_guard cannot start"), message, error=True)
        instance.close()
        return EXIT_ERROR
    apply_language(i18n.resolve_language(lang, lambda: settings.get(store, settings.LANGUAGE.key)))

    from gp_guard.gui.main_window import MainWindow

    window = MainWindow(store, host, apply_language=apply_language)
    instance.activated.connect(lambda: desktop.bring_to_front(window))
    if os.environ.get("GP_GUARD_BENCH_FIRST_PAINT") == "1":
        app.installEventFilter(FirstPaint(window))
    from gp_guard.gui.tray import install

    guardian = install(window, store)  # tray icon, daily re-audit, breach reminders, the folder watcher
    window.show()
    QTimer.singleShot(0, lambda: announce_kept_aside(window, store))
    if os.environ.get("GP_GUARD_BENCH_FIRST_PAINT") != "1":
        QTimer.singleShot(0, lambda: window.welcome(only_first_time=True))
    if settings.get(store, settings.AUDIT_ON_START.key) and os.environ.get("GP_GUARD_BENCH_FIRST_PAINT") != "1":
        QTimer.singleShot(0, window.audit.start)
    code = app.exec()
    guardian.stop()
    window.audit.cancel()
    tasks.wait_all(15.0)
    instance.close()
    return int(code)
