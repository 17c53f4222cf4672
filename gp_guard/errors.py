"""The errors a user can meet, and the exit codes of both faces.

Every error the doctor can meet and act on (a wrong passphrase, a file that cannot be read, a full
disk, a value the form refuses…) is a ``UserError``: it carries its message as an ``N_()`` template
with its parameters, translated when shown (``text()``, in the language of that moment, never the
one of the moment it was raised), and the exit code the command line returns for it. The faces
show it one way each: the CLI's dispatcher prints ``text()`` as an error line and returns
``exit_code``, with no traceback; the GUI shows it with ``gui.dialogs.show_error``.

A ``UserError`` never holds a secret (passphrase, key) or patient data in its message or
parameters: they reach the screen and the log.
"""

from __future__ import annotations

import logging

from gp_guard.i18n import N_, _

log = logging.getLogger(__name__)

EXIT_OK = 0  # done, nothing to report
EXIT_FINDINGS = 1  # done, and something needs attention (findings, a risk, files not handled)
EXIT_ERROR = 2  # not done: bad input, or a problem the message explains
EXIT_INTERRUPTED = 130  # stopped with Ctrl+C (128 + SIGINT, as shells report it)


class UserError(Exception):
    """An error the user can meet, with its translatable message and its CLI exit code.

    ``message`` is an ``N_()`` template: a subclass sets its own as a class attribute, or passes
    one when raising; ``params`` fill its ``{placeholders}``. ``str()`` is ``text()``.
    """

    message: str = N_("This could not be done.")
    exit_code: int = EXIT_ERROR

    def __init__(self, message: str | None = None, **params: object) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.message)

    def text(self) -> str:
        """The message in the current language, its parameters filled in. A parameter the raiser
        forgot leaves its ``{name}`` visible (and a line in the log) rather than a second error
        while the first is being shown."""
        translated = _(self.message)
        try:
            return translated.format(**self.params)
        except (KeyError, IndexError, ValueError) as exc:
            log.error("%s: message parameters do not fit (%s)", type(self).__name__, type(exc).__name__)
            return translated

    def __str__(self) -> str:
        return self.text()

