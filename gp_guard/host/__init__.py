"""The one door to the operating system.

Checks never call ``subprocess``, ``winreg`` or ``open`` on system files themselves: they ask a
``Host``. The rooms of this package:

- ``base.py``: the interface (``Host``, an abstract class) and the values hosts exchange;
- ``local.py``: ``LocalHost``, this machine for real;
- ``windows.py``: the Windows primitives (registry, rights, code page), imported only by
  ``local.py`` and only on Windows: nothing outside this package imports it;
- ``recorded.py``: ``RecordedHost``, which replays outputs recorded on real machines (imported by
  name, ``gp_guard.host.recorded``: it speaks the user's language, and the language module asks
  this package for the Windows display language).

Everything the rest of gp_guard needs is re-exported here: ``from gp_guard.host import ...``.
"""

from gp_guard.host.base import (
    LINUX,
    MACOS,
    MAX_DIR_ENTRIES,
    MAX_FILE_BYTES,
    PLATFORMS,
    POWERSHELL_UTF8,
    WINDOWS,
    CommandResult,
    CommandTimeout,
    FileInfo,
    Host,
    HostError,
    HostFacts,
    Listener,
    NeedsAdmin,
    NotRecorded,
    ProcessInfo,
    RawOutput,
    RegValue,
    ToolMissing,
    UnreadableFile,
    as_int,
    current_platform,
    normalize_key,
    output_encoding,
    read_regular_file,
)
from gp_guard.host.local import LocalHost, display_language, oem_code_page

__all__ = [
    "LINUX", "MACOS", "MAX_DIR_ENTRIES", "MAX_FILE_BYTES", "PLATFORMS", "POWERSHELL_UTF8", "WINDOWS",
    "CommandResult", "CommandTimeout", "FileInfo", "Host", "HostError", "HostFacts", "Listener",
    "LocalHost", "NeedsAdmin", "NotRecorded", "ProcessInfo", "RawOutput", "RegValue", "ToolMissing", "UnreadableFile",
    "as_int", "current_platform", "display_language", "normalize_key", "oem_code_page", "output_encoding",
    "read_regular_file",
]
