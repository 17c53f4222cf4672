"""Plain-language labels of the enums (English source, French in breach.po).

``fr()`` returns the French of a marked string whatever the interface language: the texts for
the CNIL and for patients are always written in French.
"""

from __future__ import annotations

from gp_guard.i18n import N_, load_catalog


def fr(message: str) -> str:
    return load_catalog("fr").get(message) or message


INCIDENT_TYPES = {
    "ransomware": N_("Ransomware (files locked, ransom demanded)"),
    "malware": N_("Other malicious software"),
    "hacking": N_("Break-in into a computer or an account"),
    "phishing": N_("Phishing (fake e-mail or website)"),
    "credential_stuffing": N_("Passwords stolen elsewhere and tried here"),
    "lost_device": N_("Lost computer, phone or USB stick"),
    "stolen_device": N_("Stolen computer, phone or USB stick"),
    "lost_paper": N_("Lost paper documents"),
    "stolen_paper": N_("Stolen paper documents"),
    "misdirected_mail": N_("Letter sent to the wrong person"),
    "misdirected_email": N_("E-mail sent to the wrong person"),
    "insider_misuse": N_("Misuse by someone working with you"),
    "impersonation": N_("Someone pretended to be a patient or a colleague"),
    "misconfiguration": N_("Wrong setting left data open"),
    "publication": N_("Data published by mistake"),
    "other": N_("Something else"),
}
CONFIDENTIALITY = {
    "none": N_("Nobody saw or took the data"),
    "unknown_if_accessed": N_("We do not know whether anyone saw the data"),
    "known_recipients": N_("Known people received or saw the data"),
    "unknown_recipients": N_("Unknown people received or took the data"),
    "published": N_("The data was made public (internet, display)"),
}
INTEGRITY = {
    "none": N_("No data was changed"),
    "altered_recoverable": N_("Data was changed, the right version can be restored"),
    "altered_unrecoverable": N_("Data was changed and cannot be restored"),
}
AVAILABILITY = {
    "none": N_("All data is still available"),
    "temporary": N_("Data was out of reach for a while"),
    "permanent": N_("Data is lost for good"),
}
DATA_CATEGORIES = {
    "identification": N_("Identity (name, date of birth)"),
    "contact": N_("Contact details (address, phone, e-mail)"),
    "health": N_("Health data (medical file, prescriptions, results)"),
    "genetic": N_("Genetic data"),
    "social_security_number": N_("Social security number (NIR)"),
    "financial": N_("Bank or payment data"),
    "credentials": N_("Passwords or access codes"),
    "official_documents": N_("Copies of identity documents"),
    "location": N_("Location data"),
    "behavioural": N_("Habits and behaviour"),
    "professional": N_("Professional data"),
    "preferences": N_("Orders and preferences (what was bought or chosen, a meal preference)"),
    "other": N_("Other data"),
}
IDENTIFIABLE = {
    "direct": N_("Directly (names, dates of birth)"),
    "indirect": N_("Indirectly (by cross-checking)"),
    "pseudonymised": N_("Hardly (pseudonymised data)"),
}
EXEMPTIONS = {
    "a": N_("Art. 34(3)(a): the data is unintelligible (encrypted, key safe)"),
    "b": N_("Art. 34(3)(b): later measures remove the high risk"),
    "c": N_("Art. 34(3)(c): disproportionate effort, public communication instead"),
}
NOTIFICATION_KINDS = {
    "initial": N_("Initial notification"),
    "complementary": N_("Complementary notification"),
    "complete": N_("Complete notification (in one go)"),
}
DISCOVERED_BY = {
    "controller": N_("You or your staff"), "processor": N_("Your software vendor or IT provider"),
    "data_subject": N_("A patient"), "third_party": N_("Someone else (a colleague, a laboratory, the police)"),
    "press": N_("The press or social media"), "other": N_("Other"),
}
CHANNELS = {
    "letter": N_("Letter"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "in_person": N_("In person"),
    "public": N_("Public communication"),
}
