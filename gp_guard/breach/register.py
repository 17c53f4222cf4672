"""The breach register (GDPR Art. 33(5)): every breach, notified or not, encrypted at rest.

Table ``breach`` in the app's SQLite store (made by the store's migrations, gp_guard/store.py). Only
what the dashboard and the yearly report need without a key stays in clear: reference, exercise
flag, status, the moment of awareness, the 72-hour deadline, the severity band and where the
CNIL notification and the patients' information stand (``notified``/``informed``: 0 no or not
decided, 1 decided but not recorded yet, 2 recorded with its date; no patient data, no free text).
A record made by mistake is never removed: its status becomes ``deleted`` (with who and when, in
the sealed part) and it leaves the counts, the dashboard and the report. Everything else (what happened, patients, data,
decisions and reasoning, texts sent) is one JSON document sealed with AES-256-GCM; the reference
is the associated data, so a sealed record cannot be moved to another row.

The key: 32 random bytes kept in the OS keyring (service "gp_guard", name "breach-register-key").
Where no keyring exists, the key is derived with scrypt from a passphrase the doctor types; only
the salt and a check value are stored. The key is never written in clear. Exercise records
(rehearsals on a fictitious breach) live in the same table with ``exercise = 1`` and never appear
in the register, its exports or the dashboard.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from gp_guard.breach import input as binput
from gp_guard.breach.model import BreachRecord
from gp_guard.errors import UserError
from gp_guard.i18n import N_, _
from gp_guard.paths import write_private_bytes
from gp_guard.store import Store

log = logging.getLogger(__name__)

KEYRING_SERVICE = "gp_guard"
KEYRING_NAME = "breach-register-key"
SCRYPT_N = 2**15
CHECK_PLAINTEXT = b"gp_guard breach register key check"
SETTING_SOURCE = "breach.key_source"  # "keyring" or "passphrase"
SETTING_SALT = "breach.kdf_salt"
SETTING_CHECK = "breach.key_check"


PassphraseProvider = Callable[[bool], str]  # (first_time) -> passphrase; first_time asks to confirm


class RegisterError(UserError):
    """A register problem the doctor can meet (no such breach, a record already deleted…)."""


class WrongRegisterPassphrase(RegisterError):
    """The passphrase typed does not open the breach register (the vault's is keys.WrongPassphrase)."""


NOT_DECIDED, DECIDED, DONE = 0, 1, 2  # the ``notified`` and ``informed`` columns


def _progress(decided: bool | None, recorded: bool) -> int:
    return DONE if recorded else (DECIDED if decided is True else NOT_DECIDED)


def exists(store: Store) -> bool:
    """True once the register has a key (keyring or passphrase) or a record: a key may be asked."""
    return store.get_setting(SETTING_CHECK) is not None or bool(store.query("SELECT 1 FROM breach LIMIT 1"))


def open_count(store: Store) -> int:
    """Real breaches still open (exercises and deleted records left out). No key needed."""
    return int(store.query("SELECT count(*) AS n FROM breach WHERE exercise=0 AND status='open'")[0]["n"])


# -- the key ----------------------------------------------------------------------------------
def _keyring_usable() -> bool:
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return False
        inner = getattr(backend, "backends", None)
        if inner is not None and not inner:
            return False
        return True
    except Exception:  # noqa: BLE001 - any keyring failure means "no keyring"
        return False


def _derive(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=SCRYPT_N, r=8, p=1).derive(passphrase.encode("utf-8"))


def _check_value(key: bytes) -> str:
    nonce = os.urandom(12)
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, CHECK_PLAINTEXT, b"check")).decode()


def _verify(key: bytes, check: str) -> bool:
    raw = base64.b64decode(check)
    try:
        return AESGCM(key).decrypt(raw[:12], raw[12:], b"check") == CHECK_PLAINTEXT
    except InvalidTag:
        return False


def load_key(store: Store, passphrase: PassphraseProvider | None = None) -> bytes:
    """The register key: from the keyring, else from the doctor's passphrase. Never stored in clear."""
    source = store.get_setting(SETTING_SOURCE)
    check = store.get_setting(SETTING_CHECK)
    if source in (None, "keyring") and _keyring_usable():
        import keyring

        try:
            stored = keyring.get_password(KEYRING_SERVICE, KEYRING_NAME)
            if stored is None:
                if check is not None:
                    raise RegisterError(N_("The key of the breach register is missing from the system keyring. Restore the keyring, or the register cannot be read."))
                key = AESGCM.generate_key(bit_length=256)
                keyring.set_password(KEYRING_SERVICE, KEYRING_NAME, base64.b64encode(key).decode())
                store.set_setting(SETTING_CHECK, _check_value(key))
                store.set_setting(SETTING_SOURCE, "keyring")
                return key
            key = base64.b64decode(stored)
            if check is not None and not _verify(key, check):
                raise RegisterError(N_("The key in the system keyring does not open this breach register."))
            if check is None:
                store.set_setting(SETTING_CHECK, _check_value(key))
                store.set_setting(SETTING_SOURCE, "keyring")
            return key
        except RegisterError:
            raise
        except Exception as exc:  # noqa: BLE001 - a broken keyring falls back to the passphrase
            log.warning("keyring unusable for the breach register (%s)", type(exc).__name__)
            if source == "keyring":
                raise RegisterError(N_("The system keyring cannot be reached, so the breach register cannot be opened now.")) from None
    if source == "keyring":
        raise RegisterError(N_("The system keyring cannot be reached, so the breach register cannot be opened now."))
    if passphrase is None:
        raise RegisterError(N_("No system keyring is available: a passphrase is needed to open the breach register."))
    salt_text = store.get_setting(SETTING_SALT)
    first = salt_text is None
    secret = passphrase(first)
    if not secret:
        raise RegisterError(N_("No passphrase was given, so the breach register stays closed."))
    if first and len(secret) < 8:
        raise RegisterError(N_("The passphrase must have at least 8 characters."))
    salt = os.urandom(16) if first else base64.b64decode(salt_text or "")
    key = _derive(secret, salt)
    if first:
        store.set_setting(SETTING_SALT, base64.b64encode(salt).decode())
        store.set_setting(SETTING_CHECK, _check_value(key))
        store.set_setting(SETTING_SOURCE, "passphrase")
    elif check is None or not _verify(key, check):
        raise WrongRegisterPassphrase(N_("This passphrase does not open the breach register."))
    return key


def current_user() -> str:
    """The operating-system account name, for "deleted by" (no other identity is known)."""
    import getpass

    try:
        return getpass.getuser() or "?"
    except (OSError, KeyError, ImportError):
        return "?"


# -- the register -----------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenBreach:
    """What the dashboard shows without the key: the live 72-hour countdown."""

    id: int
    ref: str
    aware_at: dt.datetime
    deadline: dt.datetime

    def remaining(self, now: dt.datetime | None = None) -> dt.timedelta:
        return self.deadline - (now or dt.datetime.now(dt.UTC))


def open_breaches(store: Store, now: dt.datetime | None = None) -> list[OpenBreach]:
    """Open breaches of the register (no exercises) with a known deadline, soonest first. No key needed."""
    rows = store.query("SELECT id, ref, aware_at, deadline FROM breach "
                       "WHERE exercise=0 AND status='open' AND deadline != '' ORDER BY deadline")
    out = [OpenBreach(r["id"], r["ref"], dt.datetime.fromisoformat(r["aware_at"]), dt.datetime.fromisoformat(r["deadline"]))
           for r in rows]
    return sorted(out, key=lambda b: b.deadline)


@dataclass(frozen=True)
class SummaryEntry:
    aware_at: str
    severity: str
    notified_authority: bool
    people_informed: bool
    closed: bool
    notify_decided: bool = False  # decided to notify, the notification not recorded yet
    inform_decided: bool = False


@dataclass(frozen=True)
class Summary:
    entries: tuple[SummaryEntry, ...]


def report_summary(store: Store) -> Summary | None:
    """For the yearly report (gp_guard/report/sources.py): clear columns only, no key needed."""
    rows = store.query("SELECT aware_at, severity, notified, informed, status FROM breach "
                       "WHERE exercise=0 AND status != 'deleted' ORDER BY id")
    if not rows:
        return None
    return Summary(tuple(SummaryEntry(r["aware_at"], r["severity"], r["notified"] == DONE, r["informed"] == DONE,
                                      r["status"] == "closed", r["notified"] == DECIDED, r["informed"] == DECIDED)
                         for r in rows))


class Register:
    def __init__(self, store: Store, key: bytes) -> None:
        self.store = store
        self._aead = AESGCM(key)

    @classmethod
    def open(cls, store: Store, passphrase: PassphraseProvider | None = None) -> Register:
        return cls(store, load_key(store, passphrase))

    def _seal(self, record: BreachRecord) -> bytes:
        nonce = os.urandom(12)
        body = json.dumps(record.to_dict(), ensure_ascii=False).encode("utf-8")
        return nonce + self._aead.encrypt(nonce, body, record.ref.encode())

    def _unseal(self, ref: str, blob: bytes) -> BreachRecord:
        try:
            body = self._aead.decrypt(blob[:12], blob[12:], ref.encode())
        except InvalidTag:
            raise RegisterError(N_("Breach {ref} cannot be decrypted with this key."), ref=ref) from None
        return BreachRecord.from_dict(json.loads(body))

    def save(self, record: BreachRecord) -> BreachRecord:
        """Insert or update one record (each answer is saved as soon as it is given)."""
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        record.created_at = record.created_at or now
        due = record.deadline()
        try:
            result = record.assessment()
        except ValueError:
            result = None
        with self.store.transaction() as conn:
            params = (record.ref, int(record.exercise), record.status, record.timeline.aware_at,
                      due.isoformat() if due else "", result.severity.band if result else "",
                      _progress(record.notify.decided, record.cnil_notified()),
                      _progress(record.inform.decided, record.patients_informed()),
                      record.created_at, now, self._seal(record))
            if record.id is None:
                cursor = conn.execute(
                    "INSERT INTO breach(ref, exercise, status, aware_at, deadline, severity, notified, informed, "
                    "created_at, updated_at, sealed) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", params)
                record.id = cursor.lastrowid
            else:
                conn.execute("UPDATE breach SET ref=?, exercise=?, status=?, aware_at=?, deadline=?, severity=?, "
                             "notified=?, informed=?, created_at=?, updated_at=?, sealed=? WHERE id=?",
                             (*params, record.id))
        return record

    def get(self, breach_id: int) -> BreachRecord:
        if not 0 < breach_id < 2**63:  # beyond SQLite's integers: no such record
            raise RegisterError(N_("No breach with number {id} in the register."), id=binput.short(breach_id, 24))
        rows = self.store.query("SELECT id, ref, sealed FROM breach WHERE id=?", (breach_id,))
        if not rows:
            raise RegisterError(N_("No breach with number {id} in the register."), id=breach_id)
        record = self._unseal(rows[0]["ref"], rows[0]["sealed"])
        record.id = rows[0]["id"]
        return record

    def list(self, exercise: bool = False) -> list[BreachRecord]:
        """The register (exercise=False) or the rehearsals (exercise=True), oldest first."""
        rows = self.store.query("SELECT id, ref, sealed FROM breach WHERE exercise=? ORDER BY id", (int(exercise),))
        out = []
        for row in rows:
            record = self._unseal(row["ref"], row["sealed"])
            record.id = row["id"]
            out.append(record)
        return out

    def delete(self, breach_id: int, who: str | None = None, reason: str = "") -> BreachRecord:
        """Mark a real breach recorded by mistake as deleted; an exercise is removed for good."""
        record = self.get(breach_id)
        if record.exercise:
            self.delete_exercise(breach_id)
            return record
        try:
            record.mark_deleted(who or current_user(), reason)
        except binput.InputError as exc:
            raise RegisterError(exc.message, **exc.params) from None
        return self.save(record)

    def record_notification(self, breach_id: int, notified_at: str, receipt_number: str,
                            kind: str | None = None) -> BreachRecord:
        """The CNIL notification was sent: its date and receipt number go into the record."""
        record = self.get(breach_id)
        if record.status == "deleted":
            raise RegisterError(N_("Breach {ref} is marked as deleted."), ref=record.ref)
        record.record_notification(notified_at, receipt_number, kind)
        return self.save(record)

    def delete_exercise(self, breach_id: int) -> None:
        """Only rehearsals can be deleted: the register keeps every real breach."""
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM breach WHERE id=? AND exercise=1", (breach_id,))


# -- exports ----------------------------------------------------------------------------------
CSV_COLUMNS = (
    "ref", "status", "title", "occurred_from", "discovered_at", "aware_at", "deadline", "incident_type",
    "what_happened", "data_categories", "subjects_count", "severity_score", "severity_band",
    "likely_consequences", "measures_taken", "notify_proposed", "notify_decided", "notify_reasoning",
    "cnil_kind", "cnil_notified_at", "cnil_receipt_number", "lateness_reasons", "inform_proposed",
    "inform_decided", "inform_reasoning", "art34_exemption", "patients_informed_at", "patients_channel",
    "police_complaint_at", "cert_sante_at", "vendor_informed_at", "deleted_at", "deleted_by",
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("oui" if value else "non")


def csv_row(record: BreachRecord) -> dict[str, str]:
    try:
        result = record.assessment()
    except ValueError:
        result = None
    due = record.deadline()
    return {
        "ref": record.ref, "status": record.status, "title": record.title,
        "occurred_from": record.timeline.occurred_from, "discovered_at": record.timeline.discovered_at,
        "aware_at": record.timeline.aware_at, "deadline": due.isoformat() if due else "",
        "incident_type": str(record.facts.get("incident_type", "")),
        "what_happened": record.nature.what_happened,
        "data_categories": " ".join(record.facts.get("data_categories") or []),
        "subjects_count": str(record.facts.get("subjects_count", "")),
        "severity_score": f"{result.severity.score:g}".replace(".", ",") if result else "",
        "severity_band": result.severity.band if result else "",
        "likely_consequences": record.consequences.likely_consequences,
        "measures_taken": record.consequences.measures_taken,
        "notify_proposed": _yes_no(record.notify.proposed), "notify_decided": _yes_no(record.notify.decided),
        "notify_reasoning": record.notify.reasoning, "cnil_kind": record.cnil.kind,
        "cnil_notified_at": record.cnil.notified_at, "cnil_receipt_number": record.cnil.receipt_number,
        "lateness_reasons": record.cnil.lateness_reasons,
        "inform_proposed": _yes_no(record.inform.proposed), "inform_decided": _yes_no(record.inform.decided),
        "inform_reasoning": record.inform.reasoning, "art34_exemption": record.patients.art34_exemption or "",
        "patients_informed_at": record.patients.informed_at, "patients_channel": record.patients.channel,
        "police_complaint_at": record.other.police_complaint_at, "cert_sante_at": record.other.cert_sante_at,
        "vendor_informed_at": record.other.vendor_informed_at,
        "deleted_at": record.deleted_at, "deleted_by": record.deleted_by,
    }


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text: a leading ' before any formula character (OWASP)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def export_csv(records: list[BreachRecord], path: Path) -> Path:
    """UTF-8 with BOM and ';' so that a French spreadsheet opens it right; 0600, written atomically.

    Free text may come from an attacker (a phishing subject pasted into "what happened"): every
    cell that a spreadsheet would run as a formula is written as text. Returns the absolute path.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, delimiter=";")
    writer.writeheader()
    for record in records:
        writer.writerow({key: neutralise(value) for key, value in csv_row(record).items()})
    return write_private_bytes(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))


def sqlite_error_message(exc: sqlite3.Error) -> str:
    return _("The breach register could not be saved ({kind}). Nothing was lost: try again.").format(kind=type(exc).__name__)
