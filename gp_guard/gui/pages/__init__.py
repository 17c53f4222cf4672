"""Pages of the main window. Each page is a QWidget built from a ``PageContext``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gp_guard.gui.audit_controller import AuditController
from gp_guard.store import Store


@dataclass
class PageContext:
    store: Store
    audit: AuditController
    navigate: Callable[[str], None]  # show the page with this key
    set_language: Callable[[str | None], None]  # apply a language now (None: the system's)
    open_finding: Callable[[str], None]  # show this check's finding on the audit page
    open_breach: Callable[[], None] | None = None  # show the breach page and open its register
