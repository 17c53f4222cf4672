"""Copy-ready French text for each section of the CNIL online notification form.

Sections follow the téléservice notifications.cnil.fr (steps confirmed in the reference notes):
type of notification, organisation (SIREN), contact person and legal representative, detail of the
breach, data and people, consequences, measures, information of the people, other reports.
Missing answers are written "à préciser dans une notification complémentaire", never guessed.
"""

from __future__ import annotations

import datetime as dt

from gp_guard.breach import labels
from gp_guard.breach.labels import fr
from gp_guard.breach.model import BreachRecord
from gp_guard.i18n import format_datetime

TBD = "à préciser dans une notification complémentaire"


def fr_date(value: str | dt.datetime | None) -> str:
    """"3 mars 2026 à 10 h 15", as a French reader writes it: the time as it was on the practice's
    clock when it was recorded (the record keeps the offset; the texts do not repeat it)."""
    if not value:
        return TBD
    stamp = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return format_datetime(stamp.replace(tzinfo=None), "fr")


def fr_num(value: float) -> str:
    """4.5 -> '4,5' (French decimal comma)."""
    return f"{value:g}".replace(".", ",")


def _or_tbd(text: str) -> str:
    return text.strip() or TBD


def sections(record: BreachRecord, now: dt.datetime | None = None) -> list[tuple[str, str]]:
    """[(section title, text to paste)] in the order of the CNIL form."""
    c, t, n, f = record.controller, record.timeline, record.nature, record.facts
    result = record.assessment(now)
    out: list[tuple[str, str]] = []
    kind = labels.NOTIFICATION_KINDS.get(record.cnil.kind, labels.NOTIFICATION_KINDS["initial"])
    lines = [f"Type de notification : {fr(kind)}."]
    if record.cnil.kind == "complementary" and record.cnil.previous_receipt_number:
        lines.append(f"Numéro de la notification initiale : {record.cnil.previous_receipt_number}.")
    lines.append(f"Référence interne : {record.ref}.")
    out.append(("Type de notification", "\n".join(lines)))
    siren = "pas de numéro SIREN" if c.no_siren else _or_tbd(c.siren)
    out.append(("Organisme", "\n".join([
        f"Nom : {_or_tbd(c.name)}", f"SIREN : {siren}", f"Adresse : {_or_tbd(c.address)}",
        "Secteur : privé ; taille : micro-entreprise (cabinet médical) ; activité : médecine générale (NAF 86.21Z).",
    ])))
    out.append(("Personne à contacter et représentant légal", "\n".join([
        f"Personne à contacter : {_or_tbd(c.contact_person or c.name)} ; coordonnées : "
        + (" ; ".join(x for x in (c.phone.strip(), c.email.strip()) if x) or TBD),
        f"Représentant légal : {_or_tbd(c.legal_representative or c.contact_person or c.name)}",
    ])))
    incident = labels.INCIDENT_TYPES.get(str(f.get("incident_type")), "")
    when = [f"Date de la violation : {fr_date(t.occurred_from)}"
            + (f" au {fr_date(t.occurred_to)}" if t.occurred_to else "")
            + (" (estimée)" if t.occurred_estimated else "") + (" ; toujours en cours" if t.ongoing else ""),
            f"Date de la découverte : {fr_date(t.discovered_at)}",
            f"Date à laquelle j'en ai eu connaissance : {fr_date(t.aware_at)}"]
    if result and result.overdue and record.cnil.lateness_reasons:
        when.append(f"Raisons du retard de notification : {record.cnil.lateness_reasons}")
    nature = [f"Type d'incident : {fr(incident) if incident else TBD}.",
              f"Circonstances : {_or_tbd(n.what_happened)}",
              f"Cause : {_or_tbd(n.cause)}",
              f"Acte malveillant : {_fr_bool(f.get('malicious'))}.",
              f"Logiciels et matériels concernés : {_or_tbd(n.systems)}"]
    cia = []
    if f.get("confidentiality"):
        cia.append(f"Confidentialité : {fr(labels.CONFIDENTIALITY[f['confidentiality']]).lower()}.")
    if f.get("integrity"):
        cia.append(f"Intégrité : {fr(labels.INTEGRITY[f['integrity']]).lower()}.")
    if f.get("availability"):
        cia.append(f"Disponibilité : {fr(labels.AVAILABILITY[f['availability']]).lower()}.")
    out.append(("Détail de la violation", "\n".join(when + nature + (cia or [f"Nature de l'atteinte : {TBD}."]))))
    cats = [fr(labels.DATA_CATEGORIES[x]) for x in f.get("data_categories") or []]
    count = f.get("subjects_count")
    people = [f"Personnes concernées : {_or_tbd(n.subjects_description) if n.subjects_description else 'patients du cabinet'}"
              + (", dont des mineurs ou des personnes vulnérables" if f.get("vulnerable_subjects") else "") + ".",
              f"Nombre approximatif de personnes : {count if count is not None else TBD}.",
              f"Nombre approximatif d'enregistrements : {n.records_count if n.records_count is not None else TBD}.",
              f"Catégories de données : {' ; '.join(cats) if cats else TBD}.",
              f"Données chiffrées, ou rendues incompréhensibles pour toute personne non autorisée : {_fr_bool(f.get('data_unintelligible'))}."]
    if "health" in (f.get("data_categories") or []):
        people.append("Les données de santé sont couvertes par le secret médical.")
    out.append(("Données et personnes concernées", "\n".join(people)))
    consequences = [f"Conséquences probables : {_or_tbd(record.consequences.likely_consequences)}"]
    if result:
        s = result.severity
        consequences.append(
            f"Évaluation de la gravité (méthode de l'ENISA : contexte des données × facilité d'identification + circonstances) : "
            f"{fr_num(s.dpc)} × {fr_num(s.ei)} + {fr_num(s.cb)} = {fr_num(s.score)}, niveau {fr(_band(s.band))}.")
    out.append(("Conséquences probables", "\n".join(consequences)))
    out.append(("Mesures prises", "\n".join([
        f"Mesures prises pour remédier à la violation et en limiter les effets : {_or_tbd(record.consequences.measures_taken)}",
        f"Mesures prévues pour éviter qu'elle se reproduise : {_or_tbd(record.consequences.measures_planned)}",
    ])))
    out.append(("Information des personnes", _information(record)))
    others = []
    if record.other.police_complaint_at:
        others.append(f"Plainte déposée le {fr_date(record.other.police_complaint_at)}.")
    if record.other.cert_sante_at:
        others.append(f"Incident signalé au CERT Santé (portail de signalement) le {fr_date(record.other.cert_sante_at)}.")
    if record.other.vendor_informed_at:
        others.append(f"Éditeur ou prestataire informé le {fr_date(record.other.vendor_informed_at)}.")
    out.append(("Autres signalements", "\n".join(others) or "Aucun autre signalement à ce jour."))
    return out


def _band(name: str) -> str:
    from gp_guard.breach.assess import _BAND_WORDS

    return _BAND_WORDS[name]


def _fr_bool(value: object) -> str:
    return TBD if value is None else ("oui" if value else "non")


def _information(record: BreachRecord) -> str:
    p = record.patients
    if record.inform.decided:
        if p.informed_at:
            channel = fr(labels.CHANNELS[p.channel]).lower() if p.channel in labels.CHANNELS else "courrier"
            return f"Les personnes ont été informées le {fr_date(p.informed_at)} ({channel})."
        return "Les personnes concernées seront informées dans les meilleurs délais ; le texte du message est joint."
    if record.inform.decided is False:
        reason = record.inform.reasoning.strip() or TBD
        exemption = f" {fr(labels.EXEMPTIONS[p.art34_exemption])}." if p.art34_exemption in labels.EXEMPTIONS else ""
        return f"Les personnes ne sont pas informées. Raison : {reason}{exemption}"
    return "Décision sur l'information des personnes : " + TBD + "."


def as_text(record: BreachRecord, now: dt.datetime | None = None) -> str:
    return "\n\n".join(f"== {title} ==\n{body}" for title, body in sections(record, now))
