"""Network ports whose exposure puts patient data or the computer at risk (one list for all checks)."""

from __future__ import annotations

from gp_guard.i18n import N_

# What a program listening on the port lets others do, in plain words.
RISKY_PORTS: dict[int, str] = {
    21: N_("FTP file transfer: files and passwords travel unencrypted"),
    23: N_("Telnet remote console: passwords travel unencrypted"),
    104: N_("DICOM imaging: receives and sends medical images"),
    11112: N_("DICOM imaging: receives and sends medical images"),
    4242: N_("DICOM imaging (Orthanc): receives and sends medical images"),
    8042: N_("Orthanc web access: the images can be viewed in a browser"),
    5678: N_("DICOM imaging (Conquest): receives and sends medical images"),
    5900: N_("VNC screen sharing: someone can take control of this computer"),
    3389: N_("Windows Remote Desktop: someone can log in to this computer from afar"),
    445: N_("Windows file sharing (SMB): shared folders can be opened from the network"),
    139: N_("Old Windows file sharing (NetBIOS)"),
    3306: N_("MySQL or MariaDB database"),
    5432: N_("PostgreSQL database"),
    1433: N_("Microsoft SQL Server database"),
    3050: N_("Firebird database, used by some practice software"),
}

# Short technical names, shown next to port numbers in evidence.
SERVICE_NAMES: dict[int, str] = {
    21: "FTP", 23: "Telnet", 104: "DICOM", 139: "NetBIOS", 445: "SMB", 1433: "SQL Server",
    3050: "Firebird", 3306: "MySQL/MariaDB", 3389: "RDP", 4242: "DICOM (Orthanc)",
    5432: "PostgreSQL", 5678: "DICOM (Conquest)", 5900: "VNC", 8042: "Orthanc web",
    11112: "DICOM",
}
assert SERVICE_NAMES.keys() == RISKY_PORTS.keys()
