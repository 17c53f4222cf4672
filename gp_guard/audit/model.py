"""What a check is and what it finds.

Texts are stored as English source strings marked with ``N_()``; they are translated when a
``Finding`` is rendered, so one check definition serves French and English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from gp_guard.i18n import N_, Plural, _, translate
from gp_guard.text import printable

if TYPE_CHECKING:
    from gp_guard.host import Host


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def label(self) -> str:
        return _(_SEVERITY_LABELS[self])


_SEVERITY_LABELS = {
    Severity.CRITICAL: N_("Critical"),
    Severity.HIGH: N_("High"),
    Severity.MEDIUM: N_("Medium"),
    Severity.LOW: N_("Low"),
    Severity.INFO: N_("Information"),
}


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIPPED = "skipped"
    ERROR = "error"

    @property
    def label(self) -> str:
        return _(_STATUS_LABELS[self])


_STATUS_LABELS = {
    Status.PASS: N_("OK"),
    Status.FAIL: N_("To fix"),
    Status.WARN: N_("To review"),
    Status.SKIPPED: N_("Not checked"),
    Status.ERROR: N_("Check failed"),
}


class Area(StrEnum):
    FIREWALL = "firewall"
    ENCRYPTION = "encryption"
    UPDATES = "updates"
    ANTIVIRUS = "antivirus"
    ACCOUNTS = "accounts"
    SCREEN_LOCK = "screen_lock"
    REMOTE_ACCESS = "remote_access"
    SHARING = "sharing"
    NETWORK = "network"
    BACKUP = "backup"
    HARDWARE = "hardware"
    TIME = "time"
    LOGGING = "logging"
    DATA = "data"
    PRACTICE = "practice"

    @property
    def label(self) -> str:
        return _(_AREA_LABELS[self])


_AREA_LABELS = {
    Area.FIREWALL: N_("Firewall"),
    Area.ENCRYPTION: N_("Encryption"),
    Area.UPDATES: N_("Updates"),
    Area.ANTIVIRUS: N_("Antivirus"),
    Area.ACCOUNTS: N_("User accounts"),
    Area.SCREEN_LOCK: N_("Screen lock"),
    Area.REMOTE_ACCESS: N_("Remote access"),
    Area.SHARING: N_("File sharing"),
    Area.NETWORK: N_("Network"),
    Area.BACKUP: N_("Backups"),
    Area.HARDWARE: N_("Hardware and USB"),
    Area.TIME: N_("Clock"),
    Area.LOGGING: N_("Monitoring"),
    Area.DATA: N_("Leftover data"),
    Area.PRACTICE: N_("Practice organisation"),
}


@dataclass(frozen=True)
class Reference:
    label: str  # N_() marked
    url: str

    def render(self) -> dict[str, str]:
        return {"label": _(self.label), "url": self.url}


@dataclass(frozen=True)
class Evidence:
    """What was seen, raw (not translated): the source read and the value found."""

    source: str
    value: str

    def render(self) -> dict[str, str]:
        return {"source": printable(self.source), "value": printable(self.value)}


@dataclass(frozen=True)
class Outcome:
    """What one run of a check returns."""

    status: Status
    message: str | Plural = ""  # N_() or Np_() template, formatted with params after translation
    params: Mapping[str, Any] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()


def _ev(evidence: Sequence[Evidence | tuple[str, str]]) -> tuple[Evidence, ...]:
    return tuple(e if isinstance(e, Evidence) else Evidence(*e) for e in evidence)


def passed(message: str | Plural = "", evidence: Sequence[Evidence | tuple[str, str]] = (), **params: Any) -> Outcome:
    return Outcome(Status.PASS, message, params, _ev(evidence))


def failed(message: str | Plural = "", evidence: Sequence[Evidence | tuple[str, str]] = (), **params: Any) -> Outcome:
    return Outcome(Status.FAIL, message, params, _ev(evidence))


def warned(message: str | Plural = "", evidence: Sequence[Evidence | tuple[str, str]] = (), **params: Any) -> Outcome:
    return Outcome(Status.WARN, message, params, _ev(evidence))


def skipped(message: str | Plural, evidence: Sequence[Evidence | tuple[str, str]] = (), **params: Any) -> Outcome:
    return Outcome(Status.SKIPPED, message, params, _ev(evidence))


def errored(message: str | Plural, evidence: Sequence[Evidence | tuple[str, str]] = (), **params: Any) -> Outcome:
    return Outcome(Status.ERROR, message, params, _ev(evidence))


CheckFunc = Callable[["Host"], Outcome]


@dataclass(frozen=True)
class CheckMeta:
    id: str
    area: Area
    severity: Severity
    title: str  # N_(): the good state, shown when it holds ("The firewall of this computer is on")
    why: str  # N_(): why it matters, in the doctor's words
    fix: Mapping[str, Sequence[str]]  # platform -> numbered steps (N_())
    platforms: tuple[str, ...]
    references: tuple[Reference, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)  # platform -> URI of the panel
    cnil_case: str | None = None  # "2020-imaging" | "2022-dedalus"
    needs_admin: bool = False  # skipped without administrator rights
    network: bool = False  # leaves this machine: skipped under --no-network
    timeout: float = 20.0
    # N_(): shown when the check fails, consequence first ("The disk of this computer is not
    # encrypted: a thief could read your patients' files"). A failed check never wears the title
    # of the good state.
    problem: str = ""

    def title_for(self, status: Status) -> str:
        """The (untranslated) title that matches ``status``: the problem for a failure, else the
        good state — "to review", "not checked" and "check failed" read as "verify that …"."""
        if status is Status.FAIL and self.problem:
            return self.problem
        return self.title


@dataclass(frozen=True)
class Check:
    meta: CheckMeta
    func: CheckFunc

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass
class Finding:
    """A check's (or an answered question's) result, ready to render in any language."""

    meta: CheckMeta
    outcome: Outcome
    platform: str
    duration_s: float = 0.0
    kind: str = "check"  # "check" or "question"

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def status(self) -> Status:
        return self.outcome.status

    @property
    def severity(self) -> Severity:
        return self.meta.severity

    def title(self) -> str:
        """The translated title for this finding's status (see ``CheckMeta.title_for``)."""
        return _(self.meta.title_for(self.outcome.status))

    def message(self) -> str:
        if not self.outcome.message:
            return ""
        text = translate(self.outcome.message, self.outcome.params)
        try:
            return printable(text.format(**self.outcome.params))
        except (KeyError, IndexError, ValueError):
            return text

    def fix_steps(self) -> list[str]:
        steps = self.meta.fix.get(self.platform) or self.meta.fix.get("all") or ()
        return [_(step) for step in steps]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.meta.id,
            "kind": self.kind,
            "area": str(self.meta.area),
            "severity": str(self.meta.severity),
            "status": str(self.outcome.status),
            "title": self.title(),
            "goal": _(self.meta.title),
            "message": self.message(),
            "why": _(self.meta.why),
            "fix": self.fix_steps(),
            "settings_uri": self.meta.settings.get(self.platform),
            "evidence": [e.render() for e in self.outcome.evidence],
            "references": [r.render() for r in self.meta.references],
            "cnil_case": self.meta.cnil_case,
            "duration_s": round(self.duration_s, 3),
        }
