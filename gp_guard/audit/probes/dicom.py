"""DICOM probe of an imaging server on this machine (loopback only), with pynetdicom.

As an unknown device would: it opens an association with the calling AE title ``GPGUARD-PROBE``,
sends a C-ECHO, then a PATIENT-level C-FIND (Patient Root model) asking only for PatientID with a
universal match. It counts the answers and keeps no patient data (no names, no identifiers).
Every step is bounded by a short timeout, the whole probe by a deadline (``DEFAULT_DEADLINE``: its
socket is shut down then), each PDU read by ``MAX_PDU`` bytes (a peer announcing a 4 GiB PDU is
cut off before anything is read) and the answers counted by ``MAX_MATCHES``. pynetdicom's reactor
thread is made a daemon so that it can never hold up the exit.

Public API: ``probe(port, called_aet="ANY-SCP", ...) -> DicomProbe``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace

from gp_guard.audit.probes.http import require_loopback
from gp_guard.audit.probes.limits import Watchdog

CALLING_AET = "GPGUARD-PROBE"
DEFAULT_TIMEOUT = 2.0
DEFAULT_DEADLINE = 3.0  # seconds for association, C-ECHO, C-FIND and release together
MAX_PDU = 1 << 20  # bytes; we announce a maximum of 16,382, Orthanc sends 16 KiB PDUs
MAX_MATCHES = 100_000  # answers counted before the C-FIND is given up
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


def _bounded_ae(watchdog: Watchdog, oversized: list[int]):  # type: ignore[no-untyped-def]
    """A pynetdicom AE whose association sockets are bounded (see the module docstring); the
    length of a PDU refused for its size is appended to ``oversized``.

    ``AE._create_socket`` is the hook pynetdicom calls for each association it requests, before it
    starts the association's reactor (DUL) thread: the socket is given to the watchdog and the
    thread is made a daemon there.
    """
    from pynetdicom import AE
    from pynetdicom.transport import AssociationSocket

    class BoundedSocket(AssociationSocket):
        def recv(self, nr_bytes: int) -> bytearray:
            if nr_bytes > MAX_PDU:
                oversized.append(nr_bytes)
                return bytearray()  # pynetdicom sees a short PDU: "connection closed", abort
            if watchdog.expired:
                return bytearray()  # pynetdicom sees a short PDU: "connection closed", abort
            return super().recv(nr_bytes)

    class BoundedAE(AE):
        def _create_socket(self, assoc, address, tls_args):  # type: ignore[no-untyped-def]
            sock = BoundedSocket(assoc, address=address)
            sock.tls_args = tls_args
            watchdog.watch(sock.socket)
            assoc.dul.daemon = True
            return sock

    return BoundedAE(ae_title=CALLING_AET)


def probe(port: int, called_aet: str = "ANY-SCP", *, ip: str = "127.0.0.1",
          timeout: float = DEFAULT_TIMEOUT, deadline: float = DEFAULT_DEADLINE) -> DicomProbe:
    """C-ECHO then PATIENT C-FIND as an unknown AE, over within about ``deadline`` seconds; never
    raises for network or DICOM errors."""
    require_loopback(ip)
    oversized: list[int] = []
    with Watchdog(deadline) as dog:
        result = _probe(port, called_aet, ip, timeout, _bounded_ae(dog, oversized), dog)
    if oversized:
        result = replace(result, error=f"the server announced a PDU of {oversized[0]} bytes (at most {MAX_PDU} accepted)")
    elif dog.expired:
        result = replace(result, error=dog.describe())
    return result


def _probe(port: int, called_aet: str, ip: str, timeout: float, ae, dog: Watchdog) -> DicomProbe:  # type: ignore[no-untyped-def]
    from pydicom.dataset import Dataset

    logging.getLogger("pynetdicom").setLevel(logging.CRITICAL)
    start = time.monotonic()
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
                if matches >= MAX_MATCHES or dog.expired:
                    find = "answered"  # patients were returned; the rest is not waited for
                    break
                continue
            find_status = code
            find = "answered" if code == 0 else "refused"
    except Exception as exc:  # noqa: BLE001
        error = exc.__class__.__name__
    finally:
        if assoc.is_established:
            assoc.release()
        if assoc.is_established or dog.expired:
            assoc.abort()
    if find == "failed" and assoc.is_aborted:
        find = "refused (the server aborted the association)"
    return DicomProbe(port, called, "accepted", echo_status, find, find_status, matches,
                      time.monotonic() - start, error, ip)
