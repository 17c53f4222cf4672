"""Process hardening done once at start (CLI and window): no core dump holds a secret.

While the vault works, the process holds the passphrase, the working private key and plaintext in
memory. A core dump (a crash with ``ulimit -c unlimited``, systemd-coredump, apport) would write all
of it to disk. So the process allows no core file (RLIMIT_CORE = 0) and, on Linux, marks itself not
dumpable (``prctl(PR_SET_DUMPABLE, 0)``), which also stops other programs of the same user from
reading its memory through ptrace or /proc. Windows: no error-reporting dialog or dump on a crash
(``SetErrorMode``), as far as a program can decide it for itself. Best effort: nothing here fails.
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

PR_SET_DUMPABLE = 4


def harden() -> None:
    """Forbid core dumps of this process (idempotent)."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):  # Windows has no resource module
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
                log.warning("the process could not be made non-dumpable")
        except (OSError, AttributeError):
            log.warning("the process could not be made non-dumpable")
    elif sys.platform == "win32":  # pragma: no cover - Windows only
        try:
            import ctypes

            # SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX
            ctypes.windll.kernel32.SetErrorMode(0x0001 | 0x0002 | 0x8000)  # type: ignore[attr-defined]
        except (OSError, AttributeError):
            pass
