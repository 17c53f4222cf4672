"""The other steps after a breach, beyond the CNIL and the patients (marked strings, French in breach.po)."""

from __future__ import annotations

from dataclasses import dataclass

from gp_guard.i18n import N_


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    text: str
    url: str = ""
    when: tuple[str, ...] = ()  # incident types where it matters most; empty: always


STEPS = (
    Step("vendor", N_("Tell your software vendor or IT provider"),
         N_("If your medical software, hosting or IT provider is involved, call them now: as your processor they must help you and tell you what they know (GDPR Art. 33(2)). Ask them in writing what happened and which data is concerned.")),
    Step("cyber", N_("Get help: cybermalveillance.gouv.fr or 17Cyber"),
         N_("For a cyber-attack, the state service cybermalveillance.gouv.fr (also reached through 17Cyber) gives free advice and lists nearby professionals. Do not pay a ransom and do not switch off the infected computer: unplug it from the network."),
         "https://www.cybermalveillance.gouv.fr/",
         ("ransomware", "malware", "hacking", "phishing", "credential_stuffing", "impersonation")),
    Step("police", N_("File a complaint with the police or gendarmerie"),
         N_("For a theft, an attack or a misuse, file a complaint (plainte) at a police station or gendarmerie; your insurer will usually ask for it. Keep the receipt and its number in this record."),
         "", ("ransomware", "malware", "hacking", "phishing", "credential_stuffing", "stolen_device",
              "stolen_paper", "insider_misuse", "impersonation")),
    Step("cert", N_("Report to the CERT Santé (voluntary for a solo practice)"),
         N_("The health-sector security incident report (signalement.social-sante.gouv.fr, 'Cybersécurité / Incident de sécurité des SI') is required for health establishments; for a solo practice it is voluntary but recommended for an attack. The CERT Santé can help, even at night. It does not replace the notification to the CNIL."),
         "https://signalement.social-sante.gouv.fr/"),
    Step("insurer", N_("Tell your insurer"),
         N_("Your professional or cyber insurance may cover the costs of the incident: tell them within the time set by your contract.")),
)


def steps_for(incident_type: str | None) -> list[Step]:
    """Every step, the ones that matter most for this incident first."""
    first = [s for s in STEPS if incident_type and incident_type in s.when]
    return first + [s for s in STEPS if s not in first]
