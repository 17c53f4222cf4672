"""The main window: a navigation list and a stack of pages.

Adding a page is one line in ``PAGES``. The pages are rebuilt when the language changes; the audit
state lives in the ``AuditController``, so a running audit carries on across a rebuild, and what
the doctor unlocked (the breach register, the vault key remembered for the session) is handed from
the old pages to the new ones (``_kept`` / ``_restore``), so a language switch never locks them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from gp_guard.gui import dialogs
from gp_guard.gui.audit_controller import AuditController
from gp_guard.gui.dialogs import welcome
from gp_guard.gui.dialogs.welcome import WelcomeDialog
from gp_guard.gui.pages import PageContext
from gp_guard.gui.pages.audit import AuditPage
from gp_guard.gui.pages.breach import BreachPage
from gp_guard.gui.pages.checklist import ChecklistPage
from gp_guard.gui.pages.dashboard import DashboardPage
from gp_guard.gui.pages.encryption import EncryptionPage
from gp_guard.gui.pages.export import ExportPage
from gp_guard.gui.pages.help import HelpPage
from gp_guard.gui.pages.questions import QuestionsPage
from gp_guard.gui.pages.report import ReportPage
from gp_guard.gui.pages.settings import SettingsPage
from gp_guard.gui.widgets import icons
from gp_guard.host import Host
from gp_guard.i18n import N_, _
from gp_guard.store import Store


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str  # N_()
    factory: Callable[[PageContext], QWidget]


PAGES: list[PageSpec] = [
    PageSpec("dashboard", N_("Dashboard"), DashboardPage),
    PageSpec("audit", N_("Audit"), AuditPage),
    PageSpec("questions", N_("Questions"), QuestionsPage),
    PageSpec("encryption", N_("Encryption"), EncryptionPage),
    PageSpec("breach", N_("Data breach"), BreachPage),
    PageSpec("checklist", N_("Checklist"), ChecklistPage),
    PageSpec("report", N_("Security report"), ReportPage),
    PageSpec("export", N_("Data sharing"), ExportPage),
    PageSpec("settings", N_("Settings"), SettingsPage),
    PageSpec("help", N_("Help"), HelpPage),
]

STYLE = """
QLabel#pageTitle { font-size: 16pt; font-weight: 600; }
QLabel#scoreText { font-size: 16pt; font-weight: 700; }
QPushButton#primary { font-weight: 600; padding: 6px 18px; }
QListWidget#navigation::item { padding: 6px 4px; }
"""


def _kept(page: QWidget) -> object:
    """What a page has unlocked and must survive its rebuild, or None."""
    if isinstance(page, BreachPage):
        return page.kept_state()
    if isinstance(page, EncryptionPage) and getattr(page, "session_key", None) is not None:
        return page.session_key  # the vault key opened with the passphrase (no keyring)
    return None


def _restore(page: QWidget, state: object) -> None:
    if isinstance(page, BreachPage):
        page.restore_state(state)  # type: ignore[arg-type]
    elif isinstance(page, EncryptionPage):
        page.session_key = state
        page.session_timer.start()  # a full session from now, as the page's label then says
        show = getattr(page, "_show_session", None)
        if callable(show):
            show()


class MainWindow(QMainWindow):
    language_changed = Signal(str)  # the language now in use

    def __init__(self, store: Store, host: Host | None = None,
                 apply_language: Callable[[str | None], str] | None = None) -> None:
        super().__init__()
        self.store = store
        self.audit = AuditController(store, host)
        self._apply_language = apply_language
        self.pages: dict[str, QWidget] = {}
        self.setStyleSheet(STYLE)
        self.setWindowIcon(icons.app_icon())
        self.resize(1180, 760)
        central = QWidget()
        layout = QHBoxLayout(central)
        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(170)
        self.nav.setIconSize(QSize(20, 20))
        self.nav.currentRowChanged.connect(self._show_row)
        self.stack = QStackedWidget()
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.ctx = PageContext(store, self.audit, self.navigate, self.set_language, self.open_finding, self.open_breach)
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._scheme_changed)
        self.build()

    # -- pages ------------------------------------------------------------------------------
    def build(self, current: str = "dashboard") -> None:
        """(Re)create every page in the current language."""
        self.setWindowTitle(_("gp_guard: security of the practice"))
        self.nav.setAccessibleName(_("Sections"))
        self.nav.setAccessibleDescription(_("Choose a section with the arrow keys."))
        self.nav.blockSignals(True)
        self.nav.clear()
        kept = {key: _kept(page) for key, page in self.pages.items()}
        while self.stack.count():
            old = self.stack.widget(0)
            assert old is not None
            self.stack.removeWidget(old)
            old.deleteLater()
        self.pages.clear()
        for spec in PAGES:
            page = spec.factory(self.ctx)
            page.setAccessibleName(_(spec.title))
            self.pages[spec.key] = page
            self.stack.addWidget(page)
            item = QListWidgetItem(icons.navigation_icon(spec.key), _(spec.title))
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.nav.addItem(item)
            if kept.get(spec.key) is not None:
                _restore(page, kept[spec.key])
        self.nav.blockSignals(False)
        self.navigate(current if current in self.pages else PAGES[0].key)

    def navigate(self, key: str) -> None:
        row = [spec.key for spec in PAGES].index(key)
        self.nav.setCurrentRow(row)
        self.stack.setCurrentIndex(row)

    def welcome(self, *, only_first_time: bool = False) -> WelcomeDialog | None:
        """Open the welcome (non-modal); at start-up only until the doctor has seen it once."""
        if only_first_time and welcome.seen(self.store):
            return None
        dialog = WelcomeDialog(self.store, self._first_step, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def _first_step(self, key: str) -> None:
        self.navigate(key)
        if key == "audit":
            self.audit.start()

    def open_breach(self) -> None:
        """The dashboard's breach clock: show the walkthrough with the register open."""
        self.navigate("breach")
        page = self.pages["breach"]
        if isinstance(page, BreachPage):
            page.unlock()

    def open_finding(self, check_id: str) -> None:
        self.navigate("audit")
        page = self.pages["audit"]
        if isinstance(page, AuditPage):
            page.select(check_id)

    def _scheme_changed(self, _scheme: object) -> None:
        """Light/dark switch of the system: redraw the status marks and the navigation icons in
        the new shades."""
        self.build(self.current_key())

    def current_key(self) -> str:
        return PAGES[max(0, self.stack.currentIndex())].key

    def _show_row(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)

    # -- language ---------------------------------------------------------------------------
    def set_language(self, lang: str | None) -> None:
        """Switch language now; pages are rebuilt once the current signal has returned."""
        chosen = self._apply_language(lang) if self._apply_language else lang or "en"
        key = self.current_key()
        QTimer.singleShot(0, lambda: self._rebuilt(key, chosen))

    def _rebuilt(self, key: str, lang: str) -> None:
        self.build(key)
        self.nav.setFocus()
        self.language_changed.emit(lang)

    # -- closing ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        guardian = getattr(self, "guardian", None)  # gp_guard/gui/tray.py: where a tray exists, stay there
        if guardian is not None and guardian.keep_in_tray():
            event.ignore()
            self.hide()
            guardian.hidden()
            return
        if self.audit.running:
            stop = dialogs.ask(
                self, _("An audit is running"),
                _("An audit is still running. Stop it and close gp_guard? Nothing is lost: you can run it again later."),
                yes=_("Stop and close"), no=_("Keep running"),
            )
            if not stop:
                event.ignore()
                return
            self.audit.cancel()
            self.audit.wait(15.0)
        busy = [page for page in self.pages.values()
                if getattr(page, "task", None) is not None and hasattr(page, "cancel") and hasattr(page, "wait")]
        if busy:
            stop = dialogs.ask(
                self, _("Work is in progress"),
                _("Files are being encrypted or decrypted. Stop at the next safe point and close gp_guard? No file is lost: the next start finishes or undoes the file that was in progress."),
                yes=_("Stop and close"), no=_("Keep running"),
            )
            if not stop:
                event.ignore()
                return
            for page in busy:
                page.cancel()
                page.wait(30.0)
        event.accept()
