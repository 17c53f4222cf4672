"""The checklist of a solo practice: about thirty items in MonAideCyber's six themes.

Each item says why it matters, how to do it (steps, and who can help), the effort, and its
references (ANSSI hygiene guide, CNIL security guide 2024, ANS recommendations for liberal health
professionals, MonAideCyber). An item is either *linked* to audit checks (ticked by the latest
audit, dated by it) or *attested* by the doctor, with a review period after which the attestation
expires. ``vault`` items are ticked by the vault's own status once the vault is set up, and can be
attested until then. Texts are English sources marked with ``N_()``; French is in checklist.po.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gp_guard.audit import references as ref
from gp_guard.audit.model import Reference
from gp_guard.i18n import N_, _

ANS_URL = "https://esante.gouv.fr/securite/politique-generale-de-securite-des-systemes-d-information-de-sante"
MONAIDECYBER_URL = "https://monaide.cyber.gouv.fr"
CYBERMALVEILLANCE_URL = "https://www.cybermalveillance.gouv.fr"
CERT_SANTE_URL = "https://www.cert.sante.fr"
CNIL_RGPD_URL = "https://www.cnil.fr/fr/rgpd-passer-a-laction"

ANS_LIBERAL = Reference(N_("ANS: security recommendations for liberal health professionals (PGSSI-S)"), ANS_URL)
ANS_EID = Reference(N_("ANS: e-identification of health professionals (Pro Santé Connect, e-CPS)"), ANS_URL)
MONAIDECYBER = Reference(N_("MonAideCyber (ANSSI): self-diagnosis for small organisations"), MONAIDECYBER_URL)
CYBERMALVEILLANCE = Reference(N_("Cybermalveillance.gouv.fr: help and awareness kit"), CYBERMALVEILLANCE_URL)
CERT_SANTE = Reference(N_("CERT Santé (ANS): reporting a security incident in health"), CERT_SANTE_URL)
CNIL_RECORD = Reference(N_("CNIL: the record of processing activities"), CNIL_RGPD_URL)
CNIL_SUBCONTRACT = Reference(N_("CNIL security guide 2024: working with subcontractors"), ref.CNIL_GUIDE)
CNIL_AWARENESS = Reference(N_("CNIL security guide 2024: raising users' awareness"), ref.CNIL_GUIDE)
CNIL_PHYSICAL = Reference(N_("CNIL security guide 2024: physical security and premises"), ref.CNIL_GUIDE)
CNIL_EXCHANGE = Reference(N_("CNIL security guide 2024: exchanging information securely"), ref.CNIL_GUIDE)
ANSSI_INVENTORY = Reference(N_("ANSSI hygiene guide: know your information system"), ref.ANSSI_HYGIENE)
ANSSI_INCIDENT = Reference(N_("ANSSI hygiene guide: plan for incidents"), ref.ANSSI_HYGIENE)
ANSSI_PASSWORDS = Reference(N_("ANSSI hygiene guide: passwords and authentication"), ref.ANSSI_HYGIENE)
ANSSI_NETWORK = Reference(N_("ANSSI hygiene guide: secure the network"), ref.ANSSI_HYGIENE)


class Theme(StrEnum):
    GOVERNANCE = "governance"
    ACCESS = "access"
    INFRASTRUCTURE = "infrastructure"
    WORKSTATION = "workstation"
    AWARENESS = "awareness"
    REACTION = "reaction"

    @property
    def label(self) -> str:
        return _(_THEME_LABELS[self])


_THEME_LABELS = {
    Theme.GOVERNANCE: N_("Organisation"),
    Theme.ACCESS: N_("Accounts and access"),
    Theme.INFRASTRUCTURE: N_("Network and servers"),
    Theme.WORKSTATION: N_("Computers"),
    Theme.AWARENESS: N_("Good habits"),
    Theme.REACTION: N_("Backups and incidents"),
}


class Effort(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    PROVIDER = "provider"

    @property
    def label(self) -> str:
        return _(_EFFORT_LABELS[self])

    @property
    def cost(self) -> int:
        """Relative cost used by the guided mode (minutes 1, an hour or two 3, a call 4)."""
        return {Effort.MINUTES: 1, Effort.HOURS: 3, Effort.PROVIDER: 4}[self]


_EFFORT_LABELS = {
    Effort.MINUTES: N_("A few minutes"),
    Effort.HOURS: N_("An hour or two"),
    Effort.PROVIDER: N_("A call to your IT provider or software vendor"),
}


class Helper(StrEnum):
    YOU = "you"
    IT_PROVIDER = "it_provider"
    VENDOR = "vendor"
    INTERNET_PROVIDER = "internet_provider"

    @property
    def label(self) -> str:
        return _(_HELPER_LABELS[self])


_HELPER_LABELS = {
    Helper.YOU: N_("You can do it yourself"),
    Helper.IT_PROVIDER: N_("Your IT provider"),
    Helper.VENDOR: N_("Your practice-software vendor"),
    Helper.INTERNET_PROVIDER: N_("Your internet provider's support"),
}


@dataclass(frozen=True)
class Item:
    id: str
    theme: Theme
    title: str  # N_(): the good state, e.g. "The system disk is encrypted"
    why: str  # N_()
    steps: tuple[str, ...]  # N_()
    helpers: tuple[Helper, ...]
    effort: Effort
    risk: int  # 1-5: how much risk doing it removes (guided mode)
    references: tuple[Reference, ...] = ()
    checks: tuple[str, ...] = ()  # audit check or question ids: ticked by the audit
    review_months: int | None = None  # attested items: the attestation expires after this
    vault: str | None = None  # "folders" or "recovery_kit": ticked by the vault once set up

    @property
    def linked(self) -> bool:
        return bool(self.checks)


def _i(id: str, theme: Theme, title: str, why: str, steps: list[str], helpers: tuple[Helper, ...],
       effort: Effort, risk: int, references: tuple[Reference, ...], *, checks: tuple[str, ...] = (),
       review: int | None = None, vault: str | None = None) -> Item:
    if not checks and review is None:
        raise ValueError(f"{id}: an attested item needs a review period")
    return Item(id, theme, title, why, tuple(steps), helpers, effort, risk, references, checks,
                review, vault)


Y, IT, V, ISP = Helper.YOU, Helper.IT_PROVIDER, Helper.VENDOR, Helper.INTERNET_PROVIDER
G, A, N, W, S, R = (Theme.GOVERNANCE, Theme.ACCESS, Theme.INFRASTRUCTURE, Theme.WORKSTATION,
                    Theme.AWARENESS, Theme.REACTION)
MIN, HRS, CALL = Effort.MINUTES, Effort.HOURS, Effort.PROVIDER

ITEMS: tuple[Item, ...] = (
    # -- Organisation -------------------------------------------------------------------------
    _i("GOV-CONTACTS", G, N_("The numbers to call in case of a problem are written down"),
       N_("During an attack, every minute counts and the computer may be unusable. Having your IT provider's, your software vendor's and the official helplines' numbers on paper avoids losing hours."),
       [N_("Write on one sheet: your IT provider, your software vendor, your internet provider, cybermalveillance.gouv.fr and the CERT Santé."),
        N_("Add your bank and your insurer if your contract covers cyber risks."),
        N_("Keep the sheet away from the computer, for example with the practice's important papers.")],
       (Y,), MIN, 3, (ANSSI_INCIDENT, CERT_SANTE, MONAIDECYBER), review=12),
    _i("GOV-INVENTORY", G, N_("The practice's devices and software are listed"),
       N_("You cannot protect what you do not know: a forgotten old computer, a box's Wi-Fi or an imaging device left with its factory password are common ways in."),
       [N_("List each computer, the internet box, the printer, the imaging or ECG devices and the software used."),
        N_("Note for each one who maintains it and whether it still receives updates."),
        N_("Ask your IT provider to complete the list if needed.")],
       (Y, IT), HRS, 2, (ANSSI_INVENTORY, ANS_LIBERAL), review=12),
    _i("GOV-CONTRACTS", G, N_("Contracts with your IT provider and vendor cover security"),
       N_("Your providers handle patient data for you. The law requires a contract that says how they protect it, who makes the backups and how fast they respond; health data hosted outside the practice must be with a certified health data host (HDS)."),
       [N_("Find your maintenance contract and your software contract."),
        N_("Check that they mention confidentiality, backups, response time and, for hosted data, HDS certification."),
        N_("Ask your providers for an addendum if something is missing.")],
       (Y, IT, V), CALL, 2, (CNIL_SUBCONTRACT, ANS_LIBERAL), review=24),
    _i("GOV-RECORD", G, N_("The record of processing activities is up to date"),
       N_("The GDPR requires a short record of what patient data you keep, why, for how long and who can see it. It is the first document the CNIL asks for."),
       [N_("Use the CNIL's simplified model for health professionals."),
        N_("Describe patient files, appointment booking, billing and imaging."),
        N_("Reread it once a year or when you change software.")],
       (Y,), HRS, 1, (CNIL_RECORD,), review=12),
    _i("GOV-PATIENTS", G, N_("Patients are informed about how their data are used"),
       N_("Patients have the right to know what is kept about them and how to exercise their rights. A clear notice also avoids complaints."),
       [N_("Display an information notice in the waiting room (the medical associations and the CNIL offer models)."),
        N_("Say who to contact to see or correct a record."),
        N_("Mention the panels or observatories you take part in, if any.")],
       (Y,), MIN, 1, (CNIL_RECORD,), review=24),
    _i("GOV-PANELS", G, N_("Data sent to panels or observatories is known"),
       N_("Some practice software sends consultation data to panels. You must know what leaves the practice and inform your patients."),
       [N_("Answer the question about panels in gp_guard."),
        N_("If in doubt, ask your software vendor whether such an option is active.")],
       (Y, V), MIN, 2, (ref.CNIL_ACCESS,), checks=("Q-PANEL-01",)),
    # -- Accounts and access ------------------------------------------------------------------
    _i("ACC-NAMED", A, N_("Each person has their own account"),
       N_("A shared account makes it impossible to know who did what, and a password known by several people is soon known by more. The CNIL held shared accounts against Dedalus Biologie in 2022."),
       [N_("Create one account per person on the computer and in the practice software."),
        N_("Give each replacement doctor their own account."),
        N_("Answer the question about shared accounts in gp_guard.")],
       (Y, V), HRS, 4, (ref.ANSSI_ACCOUNTS, ref.CASE_2022), checks=("ACC-06", "Q-ACC-01")),
    _i("ACC-ADMIN", A, N_("The everyday account is not an administrator"),
       N_("A virus opened from an email gets the rights of the account that opened it. With a simple user account, it cannot install itself deep in the system."),
       [N_("Create a separate administrator account, used only to install software."),
        N_("Make your everyday account a standard user."),
        N_("Ask your IT provider to do it if your software needs special settings.")],
       (Y, IT), HRS, 4, (ref.ANSSI_ADMIN,), checks=("ACC-05", "ACC-07")),
    _i("ACC-PASSWORDS", A, N_("Every account has a password and the computer never opens a session by itself"),
       N_("A computer that starts straight on the desktop gives the patient files to anyone who switches it on, including a thief."),
       [N_("Set a password on every account and turn off automatic login."),
        N_("Turn off the guest account."),
        N_("Run the audit again to confirm.")],
       (Y,), MIN, 5, (ref.CNIL_AUTH,), checks=("ACC-01", "ACC-03", "ACC-04")),
    _i("ACC-POLICY", A, N_("Passwords are long and guessing is blocked"),
       N_("Short passwords are guessed in minutes by software. A minimum length and a lock after repeated failures stop that."),
       [N_("Use passwords of at least 12 characters, or a sentence."),
        N_("Follow the audit's steps to set the length and lockout rules.")],
       (Y, IT), MIN, 2, (ANSSI_PASSWORDS, ref.CNIL_AUTH), checks=("ACC-08",)),
    _i("ACC-MANAGER", A, N_("Passwords are kept in a password manager, not on paper"),
       N_("A password on a sticky note or reused everywhere is the most common way in. A password manager remembers long, different passwords for you."),
       [N_("Install a password manager recommended by the ANSSI (for example KeePassXC)."),
        N_("Move your passwords into it, starting with email, bank and practice software."),
        N_("Remove sticky notes and password lists near the screen.")],
       (Y,), HRS, 3, (ANSSI_PASSWORDS, CYBERMALVEILLANCE), review=12),
    _i("ACC-LEAVERS", A, N_("Accounts of people who left are closed"),
       N_("A replacement doctor's or former secretary's account that stays open is a door nobody watches."),
       [N_("List the accounts of the computer, the practice software and the online services."),
        N_("Close or disable those of people who no longer work at the practice."),
        N_("Do it again after each replacement period.")],
       (Y, V), MIN, 3, (ref.ANSSI_ACCOUNTS, ref.CNIL_ACCESS), review=6),
    _i("ACC-ECPS", A, N_("Health services are accessed with a CPS card or e-CPS"),
       N_("Since 2022 the e-identification rules of the ANS require strong authentication for health services. A card or the e-CPS app protects you even if a password leaks."),
       [N_("Activate the e-CPS app on your phone."),
        N_("Use Pro Santé Connect wherever a service offers it."),
        N_("Ask your software vendor how to sign in with the card or e-CPS.")],
       (Y, V), MIN, 2, (ANS_EID,), review=24),
    _i("ACC-DEFAULTS", A, N_("Factory passwords of the box and devices were changed"),
       N_("Factory passwords of boxes, printers and imaging devices are published on the internet. Anyone on your network can use them."),
       [N_("Change the administration password of the internet box."),
        N_("Ask your IT provider or the device's supplier to change the passwords of the imaging devices and printers.")],
       (Y, IT, ISP), CALL, 3, (ANSSI_PASSWORDS, ANS_LIBERAL), review=24),
    # -- Network and servers ------------------------------------------------------------------
    _i("NET-BOX", N, N_("The internet box forwards nothing to the practice's computers"),
       N_("A DMZ or a forwarded port makes a computer reachable from the whole internet. In 2020 the CNIL fined two doctors whose X-ray images could be opened this way."),
       [N_("Check the box for a DMZ or forwarded ports, following the question's steps."),
        N_("Answer the question in gp_guard and run the audit again.")],
       (Y, ISP, IT), MIN, 5, (ref.CASE_2020, ref.CNIL_NETWORK), checks=("BOX-01", "Q-BOX-01")),
    _i("NET-UPNP", N, N_("Automatic port opening (UPnP) is off on the box"),
       N_("With UPnP on, any program of the practice can open a door in the box without asking you."),
       [N_("Turn off UPnP in the box's administration page."),
        N_("Check that your software still works; ask your IT provider otherwise.")],
       (Y, ISP), MIN, 3, (ref.CNIL_NETWORK, ANSSI_NETWORK), checks=("BOX-02",)),
    _i("NET-SERVICES", N, N_("No sensitive service is open to the network"),
       N_("Imaging, database or file-transfer services that listen on the network can be reached by any device connected to it, including a patient's phone on the Wi-Fi."),
       [N_("Follow the audit's steps for each service open to the network."),
        N_("Ask your IT provider which services really need to be reachable.")],
       (IT,), CALL, 4, (ref.CNIL_NETWORK, ref.ANSSI_FIREWALL), checks=("NET-01", "NET-02", "FW-02")),
    _i("NET-IMAGING", N, N_("The imaging server asks for a password and knows its devices"),
       N_("An imaging server that answers anyone lets X-ray images leave the practice. It is what the CNIL held against two doctors in 2020."),
       [N_("Follow the audit's steps for the imaging server."),
        N_("Ask your imaging software vendor to turn on authentication and restrict the devices allowed.")],
       (V, IT), CALL, 4, (ref.CASE_2020,), checks=("IMG-01", "IMG-02", "IMG-03", "IMG-04")),
    _i("NET-DATABASES", N, N_("Databases and file transfers require a password and encryption"),
       N_("A database or an FTP zone open without a password exposes all the patient files at once. The CNIL fined Dedalus Biologie 1.5 million euros in 2022 for such a zone."),
       [N_("Follow the audit's steps for each database or FTP server."),
        N_("Ask your software vendor to check the configuration.")],
       (V, IT), CALL, 4, (ref.CASE_2022,), checks=("DB-01", "DB-02", "DB-03", "FTP-01", "FTP-02")),
    _i("NET-SHARES", N, N_("Shared folders are closed to guests"),
       N_("A shared folder open to everyone can be read by any device of the network, and old sharing protocols are used by ransomware to spread."),
       [N_("Follow the audit's steps to remove guest access and turn off SMBv1.")],
       (Y, IT), MIN, 3, (ref.CNIL_NETWORK,), checks=("SMB-01", "SMB-02", "SMB-03")),
    _i("NET-REMOTE", N, N_("Remote access to the computers is controlled"),
       N_("Remote-control tools are a favourite way in for attackers. Only the ones you know and need should stay, with identification first."),
       [N_("Follow the audit's steps for remote access."),
        N_("Ask your IT provider which remote-control tool they use, and remove the others.")],
       (IT,), CALL, 4, (ref.ANSSI_REMOTE,), checks=("REM-01", "REM-02", "REM-03")),
    _i("NET-WIFI", N, N_("Patients use a separate guest Wi-Fi"),
       N_("A patient's device on the practice's own Wi-Fi can reach your computers. A guest network keeps them apart."),
       [N_("Turn on the guest Wi-Fi of your box and give patients only that one."),
        N_("Use a long Wi-Fi password for the practice's network and change it if it was shared.")],
       (Y, ISP), MIN, 2, (ref.CNIL_NETWORK, ANSSI_NETWORK), review=24),
    # -- Computers ----------------------------------------------------------------------------
    _i("PC-DISK", W, N_("The system disk is encrypted"),
       N_("A stolen computer with an unencrypted disk gives away every patient file. The CNIL held unencrypted data against doctors in 2020."),
       [N_("Turn on BitLocker (Windows), FileVault (macOS) or disk encryption (Linux), following the audit's steps."),
        N_("Keep the recovery key on paper, away from the computer.")],
       (Y, IT), HRS, 5, (ref.CNIL_ENCRYPTION, ref.ANSSI_ENCRYPTION), checks=("CRY-01",)),
    _i("PC-DATADISKS", W, N_("Data, backup and removable disks are encrypted"),
       N_("A backup disk or a USB key holds the same patient data as the computer, and is lost more easily."),
       [N_("Encrypt external and backup disks, following the audit's steps."),
        N_("Keep the recovery keys on paper.")],
       (Y, IT), HRS, 4, (ref.CNIL_ENCRYPTION,), checks=("CRY-02",)),
    _i("PC-VAULT", W, N_("The imaging and export folders are protected by gp_guard's vault"),
       N_("Images and exports copied to ordinary folders stay readable by anyone who gets the file. The vault encrypts them in place, so a copy is useless without your key."),
       [N_("Open the vault in gp_guard and add the folder of your imaging software or exports."),
        N_("Check that the folder is shown as protected.")],
       (Y,), MIN, 4, (ref.CNIL_ENCRYPTION, ref.CASE_2020), review=12, vault="folders"),
    _i("PC-LOCK", W, N_("The screen locks by itself and asks for the password"),
       N_("In a consulting room, the screen stays visible when you step out. A lock after a few minutes protects records from patients and visitors."),
       [N_("Set the screen to lock after 10 minutes at most, following the audit's steps."),
        N_("Lock it yourself when you leave the room (Windows key + L, or Ctrl + Cmd + Q on a Mac).")],
       (Y,), MIN, 4, (ref.CNIL_WORKSTATION,), checks=("ACC-02",)),
    _i("PC-FIREWALL", W, N_("The firewall of each computer is on"),
       N_("The firewall blocks connections that other devices try to open to your computer."),
       [N_("Turn the firewall on, following the audit's steps.")],
       (Y,), MIN, 3, (ref.ANSSI_FIREWALL,), checks=("FW-01",)),
    _i("PC-UPDATES", W, N_("The system and browsers are up to date"),
       N_("Most attacks use flaws that were fixed months ago. Updates close those doors, and a system that no longer receives them must be replaced."),
       [N_("Turn on automatic updates and install those pending."),
        N_("Plan the replacement of a system that no longer receives updates with your IT provider.")],
       (Y, IT), MIN, 4, (ref.ANSSI_UPDATES,), checks=("UPD-01", "UPD-02", "UPD-03", "UPD-04")),
    _i("PC-ANTIVIRUS", W, N_("An antivirus protects each computer in real time"),
       N_("An antivirus with fresh signatures stops most known malicious programs before they run."),
       [N_("Turn on real-time protection and automatic signature updates, following the audit's steps.")],
       (Y,), MIN, 3, (ref.CNIL_WORKSTATION,), checks=("AV-01", "AV-02")),
    _i("PC-USB", W, N_("USB keys start nothing on their own and the computer starts securely"),
       N_("A USB key found or lent can carry a program that starts as soon as it is plugged in."),
       [N_("Turn off AutoRun and AutoPlay, following the audit's steps."),
        N_("Ask your IT provider to turn on Secure Boot if it is off.")],
       (Y, IT), MIN, 2, (ref.CNIL_WORKSTATION,), checks=("HW-01", "HW-02")),
    _i("PC-LEFTOVERS", W, N_("No forgotten copies of patient data lie around"),
       N_("Old exports and database copies are often forgotten after a change of software. The CNIL held this against Dedalus Biologie in 2022."),
       [N_("Review the files the audit found."),
        N_("Delete those you no longer need, or protect them in the vault.")],
       (Y, V), MIN, 3, (ref.CASE_2022,), checks=("DATA-01",)),
    # -- Good habits --------------------------------------------------------------------------
    _i("AWR-PHISHING", S, N_("You know how to spot a fraudulent message"),
       N_("Most attacks start with an email, a text message or a call that imitates a bank, the health insurance or a supplier."),
       [N_("Read the cybermalveillance.gouv.fr awareness kit (about 20 minutes)."),
        N_("Never give a password or a code by phone or email; call the sender back on a number you know."),
        N_("Share the kit with the people who work at the practice.")],
       (Y,), MIN, 3, (CYBERMALVEILLANCE, CNIL_AWARENESS), review=12),
    _i("AWR-CHARTER", S, N_("Everyone who works at the practice has signed the IT rules"),
       N_("Replacement doctors, secretaries and cleaning staff use or pass by the computers. A short charter makes the rules clear: confidentiality, passwords, USB keys, leaving the session."),
       [N_("Write a one-page charter (the CNIL and the medical associations offer models)."),
        N_("Have it signed by each person, replacements included.")],
       (Y,), HRS, 2, (CNIL_AWARENESS, CNIL_PHYSICAL), review=24),
    _i("AWR-MESSAGING", S, N_("Patient data are sent through secure health messaging"),
       N_("An ordinary email can be read along the way and sent to the wrong person. Health secure messaging (MSSanté) is made for exchanging patient data."),
       [N_("Activate your MSSanté mailbox (often included in your practice software)."),
        N_("Use it for letters, results and images; never send them from a personal mailbox.")],
       (Y, V), MIN, 3, (CNIL_EXCHANGE, ANS_LIBERAL), review=24),
    # -- Backups and incidents ----------------------------------------------------------------
    _i("BKP-AUTO", R, N_("Backups run automatically"),
       N_("Without a recent backup, a ransomware attack or a disk failure means losing patient files."),
       [N_("Set automatic daily backups of the patient database and the documents."),
        N_("Tell gp_guard where the backups go (Settings) so that the audit can check their date.")],
       (Y, IT, V), HRS, 5, (ref.CNIL_BACKUP, ref.ANSSI_BACKUP), checks=("BKP-01",)),
    _i("BKP-OFFLINE", R, N_("A backup copy is kept offline"),
       N_("Ransomware encrypts every disk it can reach, including a backup disk that stays plugged in."),
       [N_("Use two disks in turn and keep the one not in use unplugged, away from the practice."),
        N_("Answer the question about offline copies in gp_guard.")],
       (Y, IT), HRS, 5, (ref.CNIL_BACKUP, ref.ANSSI_BACKUP), checks=("Q-BKP-01",)),
    _i("BKP-RESTORE", R, N_("A restore from backup was tested in the last six months"),
       N_("A backup is only useful if it can be restored. Many practices find out on the day of the incident that theirs was empty or unreadable."),
       [N_("Restore a few files and, if possible, the patient database to another folder or computer."),
        N_("Open them to check that they are complete."),
        N_("Record the date of the test here; gp_guard will remind you in six months.")],
       (Y, IT), HRS, 4, (ref.CNIL_BACKUP,), review=6),
    _i("BKP-KIT", R, N_("The vault's recovery kit is printed and stored safely"),
       N_("The recovery kit is the only way to open your protected files if the computer is lost or broken. Without it, encrypted files are lost too."),
       [N_("Print the recovery kit from gp_guard's vault."),
        N_("Store it in a locked place away from the computer, for example with the practice's important papers.")],
       (Y,), MIN, 4, (ref.CNIL_ENCRYPTION,), review=12, vault="recovery_kit"),
    _i("INC-PLAN", R, N_("You know the first steps if an attack happens"),
       N_("The first reflexes limit the damage: unplug the network but leave the computer on, call for help, and notify the CNIL within 72 hours if patient data may have leaked."),
       [N_("Print the cybermalveillance.gouv.fr reflex sheet and keep it with your contact list."),
        N_("Know that a data breach must be recorded in the breach register and, if there is a risk, notified to the CNIL within 72 hours."),
        N_("Report health incidents to the ANS portal (mandatory for health facilities, recommended for practices).")],
       (Y,), MIN, 3, (ANSSI_INCIDENT, CERT_SANTE, ref.CNIL_LOGGING), review=12),
    _i("INC-LOGS", R, N_("Failed sign-ins are recorded and the clock is right"),
       N_("Records of sign-ins with a correct date are what lets you and your IT provider understand an incident afterwards."),
       [N_("Follow the audit's steps to record failed sign-ins and synchronise the clock.")],
       (Y, IT), MIN, 1, (ref.CNIL_LOGGING,), checks=("LOG-01", "TIME-01")),
)

FIRST_HOUR: tuple[str, ...] = ("PC-DISK", "PC-LOCK", "PC-VAULT", "BKP-KIT", "NET-BOX", "BKP-RESTORE")
"""The "first hour" path for a new install, in order."""


def by_id() -> dict[str, Item]:
    return {item.id: item for item in ITEMS}


def by_theme() -> list[tuple[Theme, list[Item]]]:
    return [(theme, [i for i in ITEMS if i.theme is theme]) for theme in Theme]
