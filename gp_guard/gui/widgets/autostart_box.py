"""The "start at login" check box of the welcome and of the settings (gp_guard/guardian/autostart.py).

Its state is the system's, not a stored setting: checked when the login entry exists (the HKCU
``Run`` value, the LaunchAgent, the XDG autostart file), so turning it off in Windows' "Startup
apps" shows here too. ``apply(on)`` writes or removes the entry for this user only (no
administrator); a failure is said in plain words and the box goes back to what is true.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QCheckBox, QWidget

from gp_guard.gui import dialogs
from gp_guard.i18n import N_, _

log = logging.getLogger(__name__)

LABEL = N_("Start gp_guard's folder watcher when I log in, so that new files of the protected folders are "
           "encrypted even when this window is closed (this user only, no administrator needed)")


def enabled() -> bool:
    from gp_guard.guardian import autostart

    return autostart.status() is not None


class AutostartBox(QCheckBox):
    def __init__(self, parent: QWidget | None = None, *, immediate: bool = True) -> None:
        """``immediate``: each click writes or removes the entry (settings); otherwise the owner
        calls ``apply()`` when the doctor confirms (the welcome)."""
        super().__init__(_(LABEL), parent)
        self.setAccessibleName(_(LABEL))
        self.setChecked(enabled())
        if immediate:
            self.toggled.connect(self.apply)

    def apply(self, on: bool | None = None) -> bool:
        """Make the login entry match ``on`` (default: the box); False, with a message, on failure."""
        from gp_guard.guardian import autostart

        on = self.isChecked() if on is None else bool(on)
        try:
            autostart.enable() if on else autostart.disable()
        except autostart.AutostartError as exc:
            log.warning("autostart could not be changed: %s", type(exc.__cause__).__name__)
            dialogs.inform(self.window(), _("Start at login"), str(exc), error=True)
            self.blockSignals(True)
            self.setChecked(enabled())
            self.blockSignals(False)
            return False
        log.info("autostart %s", "on" if on else "off")
        return True
