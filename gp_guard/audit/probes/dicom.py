"""DICOM probe of an imaging server on this machine (loopback only), with pynetdicom.

As an unknown device would: it opens an association with the calling AE title ``GPGUARD-PROBE``,
sends a C-ECHO, then a PATIENT-level C-FIND (Patient Root model) asking only for PatientID with a
universal match. It counts the answers and keeps no patient data (no names, no identifiers).
Every step is bounded by a short timeout.

Public API: ``probe(port, called_aet="ANY-SCP", ...) -> DicomProbe``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from gp_guard.audit.probes.http import require_loopback

CALLING_AET = "GPGUARD-PROBE"
DEFAULT_TIMEOUT = 2.0
_PENDING = (0xFF00, 0xFF01)
VERIFICATION = "1.2.840.10008.1.1"
PATIENT_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.1.1"  # Patient Root Query/Retrieve Information Model - FIND


@dataclass(frozen=True)
class DicomProbe:
    port: int
    called_aet: str
    association: str  # "accepted" | "rejected" | "aborted" | "no answer" | "error"
    echo_status: int | None = None
    find: str = "not tried"  # "answered" | "refused" | "refused (the server aborted ...)" | "failed" | "not tried"
    find_status: int | None = None
    matches: int = 0  # patients returned to the stranger (counted, never read)
    seconds: float = 0.0
    error: str | None = None
    ip: str = "127.0.0.1"

    @property
    def echo_ok(self) -> bool:
        return self.echo_status == 0

    @property
    def patient_data_returned(self) -> bool:
        return self.find == "answered" and self.matches > 0

    def describe(self) -> str:
        parts = [f"association as {CALLING_AET} to {self.called_aet} on {self.ip}:{self.port}: {self.association}"]
        if self.echo_status is not None:
            parts.append(f"C-ECHO status 0x{self.echo_status:04X}")
        if self.find != "not tried":
            status = f" (status 0x{self.find_status:04X})" if self.find_status is not None else ""
            parts.append(f"PATIENT C-FIND {self.find}{status}, {self.matches} patient(s) returned")
        if self.error:
            parts.append(self.error)
        return "; ".join(parts) + f"; {self.seconds:.2f} s"


def probe(port: int, called_aet: str = "ANY-SCP", *, ip: str = "127.0.0.1",
          timeout: float = DEFAULT_TIMEOUT) -> DicomProbe:
    """C-ECHO then PATIENT C-FIND as an unknown AE; never raises for network or DICOM errors."""
    require_loopback(ip)
    from pydicom.dataset import Dataset
    from pynetdicom import AE

    logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)
    start = time.monotonic()
    ae = AE(ae_title=CALLING_AET)
    for attr in ("acse_timeout", "dimse_timeout", "network_timeout", "connection_timeout"):
        setattr(ae, attr, timeout)
    ae.add_requested_context(VERIFICATION)
    ae.add_requested_context(PATIENT_ROOT_FIND)
    called = called_aet[:16] or "ANY-SCP"
    try:
        assoc = ae.associate(ip, port, ae_title=called)
    except Exception as exc:  # noqa: BLE001 - pynetdicom raises many kinds on garbage answers
        return DicomProbe(port, called, "error", seconds=time.monotonic() - start, error=exc.__class__.__name__, ip=ip)
    if not assoc.is_established:
        state = "rejected" if assoc.is_rejected else ("aborted" if assoc.is_aborted else "no answer")
        return DicomProbe(port, called, state, seconds=time.monotonic() - start, ip=ip)
    echo_status = find_status = None
    find, matches, error = "not tried", 0, None
    try:
        status = assoc.send_c_echo()
        echo_status = int(status.Status) if status and "Status" in status else None
        query = Dataset()
        query.QueryRetrieveLevel = "PATIENT"
        query.PatientID = ""
        find = "failed"
        for status, _identifier in assoc.send_c_find(query, PATIENT_ROOT_FIND):
            if not status or "Status" not in status:
                find = "failed"
                break
            code = int(status.Status)
            if code in _PENDING:
                matches += 1
                continue
            find_status = code
            find = "answered" if code == 0 else "refused"
    except Exception as exc:  # noqa: BLE001
        error = exc.__class__.__name__
    finally:
        if assoc.is_established:
            assoc.release()
    if find == "failed" and assoc.is_aborted:
        find = "refused (the server aborted the association)"
    return DicomProbe(port, called, "accepted", echo_status, find, find_status, matches,
                      time.monotonic() - start, error, ip)
