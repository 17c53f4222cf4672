"""Questions the machine cannot answer, asked to the doctor, saved, and scored like checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gp_guard.audit import references as ref
from gp_guard.audit.model import Area, CheckMeta, Finding, Outcome, Severity, Status
from gp_guard.host import PLATFORMS
from gp_guard.i18n import N_, Lazy, format_date


@dataclass(frozen=True)
class Option:
    value: str
    label: str  # N_()
    status: Status


@dataclass(frozen=True)
class Question:
    meta: CheckMeta
    text: str  # N_(): the question itself
    options: tuple[Option, ...]

    @property
    def id(self) -> str:
        return self.meta.id

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


UNKNOWN = Option("unknown", N_("I don't know"), Status.WARN)

# The first step of every fix that happens in the internet box (also used by BOX-01/02, EXP-01).
OPEN_BOX_PAGE = N_("Open the box's administration page: http://192.168.1.1 (Livebox, Bbox, SFR Box) or http://mafreebox.freebox.fr (Freebox).")


def _q(id: str, area: Area, severity: Severity, title: str, problem: str, text: str, why: str,
       steps: list[str], options: tuple[Option, ...], references: tuple[ref.Reference, ...] = (),
       cnil_case: str | None = None) -> Question:
    meta = CheckMeta(id=id, area=area, severity=severity, title=title, problem=problem, why=why,
                     fix={"all": tuple(steps)}, platforms=PLATFORMS, references=references,
                     cnil_case=cnil_case)
    return Question(meta, text, options + (UNKNOWN,))


QUESTIONS: tuple[Question, ...] = (
    _q(
        "Q-BOX-01", Area.NETWORK, Severity.CRITICAL,
        N_("No port forwarding or DMZ on the internet box"),
        N_("The internet box has a DMZ or ports forwarded by hand: a computer of the practice is open to the internet"),
        N_("Does your internet box (Livebox, Freebox, SFR Box, Bbox...) have a DMZ or ports forwarded by hand to a computer of the practice?"),
        N_("A DMZ or a port forward set in the box makes a computer of the practice reachable from the whole internet. In 2020 the CNIL fined two doctors whose X-ray images could be opened from the internet this way. gp_guard can see forwards made automatically (UPnP), but not a DMZ or a forward set by hand: only a look at the box can tell."),
        [
            OPEN_BOX_PAGE,
            N_("Log in with the administration password printed under the box or in its leaflet."),
            N_("Look for 'DMZ' (Livebox: Network > NAT/PAT and DMZ; Freebox: Settings > DMZ; SFR Box: Network > DMZ; Bbox: Services > DMZ) and make sure it is off."),
            N_("Look for 'NAT/PAT', 'port forwarding' or 'redirections de ports': remove any rule that points to a computer of the practice unless your IT provider set it and can explain why."),
            N_("Come back here and record your answer. If in doubt, ask your IT provider to check with you."),
        ],
        (
            Option("no", N_("No, I checked the box: no DMZ, no forwarded port"), Status.PASS),
            Option("yes", N_("Yes, there is a DMZ or a forwarded port"), Status.FAIL),
        ),
        (ref.CASE_2020, ref.CNIL_NETWORK),
        "2020-imaging",
    ),
    _q(
        "Q-BKP-01", Area.BACKUP, Severity.HIGH,
        N_("An offline backup copy exists"),
        N_("No backup copy is kept offline: ransomware could erase the backups too"),
        N_("Is a copy of your backups kept offline: a disk unplugged after each backup, or a copy that the practice's computers cannot erase?"),
        N_("Ransomware encrypts every disk it can reach, including a backup disk that stays plugged in. Only a copy kept out of reach lets you restore your patient files after an attack."),
        [
            N_("Use two backup disks in turn and keep the one not in use unplugged, away from the practice."),
            N_("Or ask your IT provider or software vendor for an external backup that the practice's computers cannot delete."),
            N_("Write down where the copies are and who can restore them."),
        ],
        (
            Option("yes", N_("Yes, a copy is kept offline"), Status.PASS),
            Option("no", N_("No, the backup stays connected or there is none"), Status.FAIL),
        ),
        (ref.CNIL_BACKUP, ref.ANSSI_BACKUP),
    ),
    _q(
        "Q-BKP-02", Area.BACKUP, Severity.MEDIUM,
        N_("Restoring from backup was tested recently"),
        N_("Restoring from backup has not been tested recently: nobody knows whether it works"),
        N_("In the last six months, have you (or your IT provider) restored a file or the patient database from a backup to check that it works?"),
        N_("A backup is only useful if it can be restored. Many practices discover on the day of the incident that their backup was empty, incomplete or unreadable."),
        [
            N_("Choose a few files and, if possible, a copy of the patient database."),
            N_("Restore them to another folder or computer, with your IT provider if needed."),
            N_("Open them to check they are complete, then note the date of the test."),
        ],
        (
            Option("yes", N_("Yes, a restore was tested less than six months ago"), Status.PASS),
            Option("no", N_("No, or more than six months ago"), Status.FAIL),
        ),
        (ref.CNIL_BACKUP,),
    ),
    _q(
        "Q-PANEL-01", Area.PRACTICE, Severity.MEDIUM,
        N_("Data sent to panels or observatories is known and patients are informed"),
        N_("Data is sent to panels or observatories without knowing what, or without informing patients"),
        N_("Does your practice software send data to a panel or observatory (an option of the software contract, often paid)?"),
        N_("Some practice software sends consultation data to research or market panels. Pseudonymised data (names removed but a code kept) are still personal health data: in 2024 the CNIL fined a practice-software vendor that treated such data as anonymous. You must know what is sent and inform your patients."),
        [
            N_("Look in your software contract or ask your vendor whether a panel or observatory option is active."),
            N_("Ask the vendor what data are sent, to whom, and under which legal basis."),
            N_("If you take part, display the patient information notice in the waiting room; otherwise, ask the vendor to turn the option off."),
        ],
        (
            Option("no", N_("No, the practice is not part of any panel"), Status.PASS),
            Option("yes_informed", N_("Yes, I know what is sent and patients are informed"), Status.PASS),
            Option("yes_unsure", N_("Yes, but I am not sure what is sent or patients are not informed"), Status.FAIL),
        ),
        (ref.CNIL_ACCESS,),
    ),
    _q(
        "Q-ACC-01", Area.ACCOUNTS, Severity.HIGH,
        N_("Each person has their own account in the practice software"),
        N_("Several people share an account in the practice software: nobody can tell who did what"),
        N_("Does each person who uses the practice software (you, a replacement doctor, a secretary) log in with their own account?"),
        N_("A shared account makes it impossible to know who opened which record, and a password known by several people is soon known by more. The CNIL held shared accounts against Dedalus Biologie in 2022."),
        [
            N_("Ask your software vendor how to create one account per person."),
            N_("Give each replacement doctor their own account, and disable it when they leave."),
            N_("Never write a password on a sticky note near the screen."),
        ],
        (
            Option("yes", N_("Yes, one account per person"), Status.PASS),
            Option("no", N_("No, some accounts are shared"), Status.FAIL),
        ),
        (ref.CASE_2022, ref.ANSSI_ACCOUNTS),
        "2022-dedalus",
    ),
)


def by_id() -> dict[str, Question]:
    return {q.id: q for q in QUESTIONS}


def findings(answers: Mapping[str, tuple[str, str]], platform: str) -> list[Finding]:
    """One finding per question: answered ones are scored, unanswered ones are 'skipped'."""
    result = []
    for question in QUESTIONS:
        value, when = answers.get(question.id, ("", ""))
        option = question.option(value)
        if option is None:
            outcome = Outcome(Status.SKIPPED, N_("Not answered yet: answer this question in gp_guard."))
        else:
            outcome = Outcome(option.status, N_("Your answer on {date}: {answer}"),
                              {"date": _DateRef(when), "answer": Lazy(option.label)})
        result.append(Finding(question.meta, outcome, platform, kind="question"))
    return result


class _DateRef(str):
    """The date of an answer (ISO text, as stored), written as a reader writes dates when the
    message is formatted."""

    def __format__(self, spec: str) -> str:
        return format(format_date(str(self)) or str(self)[:10], spec)

