"""References cited by checks: the CNIL guide, ANSSI measures, CIS benchmarks.

Labels are translatable; the documents themselves are French (CNIL, ANSSI) or English (CIS).
"""

from __future__ import annotations

from gp_guard.audit.model import Reference
from gp_guard.i18n import N_

CNIL_GUIDE = "https://www.cnil.fr/fr/guide-securite-des-donnees-personnelles"
ANSSI_HYGIENE = "https://cyber.gouv.fr/publications/guide-dhygiene-informatique"
CIS = "https://www.cisecurity.org/cis-benchmarks"
CNIL_2020_IMAGING = "https://www.legifrance.gouv.fr/cnil/id/CNILTEXT000042675707"
CNIL_2022_DEDALUS = "https://www.legifrance.gouv.fr/cnil/id/CNILTEXT000045670937"

CNIL_WORKSTATION = Reference(N_("CNIL security guide 2024: securing workstations"), CNIL_GUIDE)
CNIL_AUTH = Reference(N_("CNIL security guide 2024: authenticating users"), CNIL_GUIDE)
CNIL_ACCESS = Reference(N_("CNIL security guide 2024: managing access rights"), CNIL_GUIDE)
CNIL_NETWORK = Reference(N_("CNIL security guide 2024: protecting the internal network"), CNIL_GUIDE)
CNIL_BACKUP = Reference(N_("CNIL security guide 2024: backing up"), CNIL_GUIDE)
CNIL_ENCRYPTION = Reference(N_("CNIL security guide 2024: encryption"), CNIL_GUIDE)
CNIL_LOGGING = Reference(N_("CNIL security guide 2024: logging and incidents"), CNIL_GUIDE)
CNIL_MOBILE = Reference(N_("CNIL security guide 2024: mobile computing"), CNIL_GUIDE)
CNIL_MAINTENANCE = Reference(N_("CNIL security guide 2024: maintenance and end of life"), CNIL_GUIDE)
ANSSI_UPDATES = Reference(N_("ANSSI hygiene guide: keep software up to date"), ANSSI_HYGIENE)
ANSSI_ACCOUNTS = Reference(N_("ANSSI hygiene guide, measure 8: one named account per person"), ANSSI_HYGIENE)
ANSSI_ADMIN = Reference(N_("ANSSI hygiene guide: separate administrator and user accounts"), ANSSI_HYGIENE)
ANSSI_FIREWALL = Reference(N_("ANSSI hygiene guide: enable a local firewall"), ANSSI_HYGIENE)
ANSSI_ENCRYPTION = Reference(N_("ANSSI hygiene guide: encrypt sensitive data on mobile devices"), ANSSI_HYGIENE)
ANSSI_REMOTE = Reference(N_("ANSSI hygiene guide: secure remote access"), ANSSI_HYGIENE)
ANSSI_BACKUP = Reference(N_("ANSSI hygiene guide: back up regularly, keep an offline copy"), ANSSI_HYGIENE)
CIS_WINDOWS = Reference(N_("CIS Microsoft Windows benchmark"), CIS)
CIS_MACOS = Reference(N_("CIS Apple macOS benchmark"), CIS)
CIS_LINUX = Reference(N_("CIS Linux benchmark"), CIS)
CASE_2020 = Reference(N_("CNIL sanctions SAN-2020-014 and SAN-2020-015 (two doctors, 2020)"), CNIL_2020_IMAGING)
CASE_2022 = Reference(N_("CNIL sanction SAN-2022-009 (Dedalus Biologie, 2022)"), CNIL_2022_DEDALUS)
