"""Whether macOS lets gp_guard read protected files (Full Disk Access).

Since macOS 10.14 a program without Full Disk Access cannot read some system files even as root
(the Time Machine settings, Mail, the privacy database), and macOS often does not say so: ``defaults
read /Library/Preferences/com.apple.TimeMachine`` answers "does not exist", as on a Mac with no
backup disk. The folder of the privacy database answers "Operation not permitted" to any program
without that access and lists its file to one that has it: a plain probe, whatever the language.
"""

from __future__ import annotations

from gp_guard.audit.model import Evidence
from gp_guard.host import Host, HostError
from gp_guard.i18n import N_, _


class Translated(str):
    """A text marked with N_(), given as a message parameter and translated when shown."""

    def __format__(self, spec: str) -> str:
        return format(_(str(self)), spec)


FDA_PROBE = ["ls", "/Library/Application Support/com.apple.TCC"]
# How to grant it, shown with every finding that could not be checked without it.
GRANT_FULL_DISK_ACCESS = Translated(N_("To let gp_guard check it: open System Settings > Privacy & Security > Full Disk Access, turn on gp_guard (if it is not listed, click +, choose gp_guard in Applications and turn it on), then run the audit again."))


def full_disk_access(host: Host) -> tuple[bool | None, Evidence]:
    """True when gp_guard has Full Disk Access, False when macOS refuses it, None when unknown."""
    source = " ".join(FDA_PROBE)
    try:
        result = host.run(FDA_PROBE)
    except HostError as exc:
        return None, Evidence(source, f"{type(exc).__name__}: {exc}"[:200])
    text = (result.stderr or result.stdout).strip()
    if result.ok:
        return True, Evidence(source, "readable: Full Disk Access granted")
    if "Operation not permitted" in text:
        return False, Evidence(source, text[:200])
    return None, Evidence(source, text[:200] or f"exit code {result.returncode}")
