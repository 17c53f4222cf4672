"""The letter to patients (GDPR Art. 34(2)), in plain French.

Art. 34(2) elements: the nature of the breach in clear and plain language; the name and contact
details of the person to contact; the likely consequences; the measures taken or proposed,
including what the patient can do. The doctor edits the draft; the text sent is kept in the record.
"""

from __future__ import annotations

from gp_guard.breach import labels
from gp_guard.breach.labels import fr
from gp_guard.breach.model import BreachRecord
from gp_guard.breach.notification import fr_date

ADVICE = {
    "credentials": "Si vous utilisiez le même mot de passe ailleurs, changez-le.",
    "financial": "Surveillez vos relevés bancaires et signalez tout prélèvement inconnu à votre banque.",
    "official_documents": "Méfiez-vous des démarches faites à votre nom ; en cas de doute, signalez-le sur cybermalveillance.gouv.fr.",
    "social_security_number": "Méfiez-vous des appels, SMS ou courriels qui vous demandent des informations ou un paiement au nom de l'Assurance maladie.",
    "contact": "Méfiez-vous des messages qui citent le cabinet pour vous demander des informations ou un paiement : je ne vous demanderai jamais vos codes.",
    "health": "Vos soins continuent normalement ; si vous avez besoin d'une ordonnance ou d'un document, demandez-le-moi.",
}


def _lower_first(text: str) -> str:
    """'Ordinateur … clé USB' -> 'ordinateur … clé USB': acronyms (USB, NIR) keep their capitals."""
    return text[:1].lower() + text[1:]


def _sentence(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…", "]")) else text + "."


def patient_letter(record: BreachRecord) -> str:
    c, f = record.controller, record.facts
    doctor = c.name.strip() or "[nom du médecin]"
    contact = " — ".join(x for x in (c.phone.strip(), c.email.strip()) if x) or "[téléphone ou courriel du cabinet]"
    incident = labels.INCIDENT_TYPES.get(str(f.get("incident_type")))
    what = _sentence(record.nature.what_happened.strip() or (_lower_first(fr(incident)) if incident else "[ce qui s'est passé]"))
    cats = [_lower_first(fr(labels.DATA_CATEGORIES[x])) for x in f.get("data_categories") or []]
    when = fr_date(record.timeline.occurred_from) if record.timeline.occurred_from else None
    paragraphs = [
        "Madame, Monsieur,",
        "Je vous écris pour vous informer d'un incident touchant des informations qui vous concernent, "
        "conservées par mon cabinet." + (f" Il s'est produit le {when}." if when else ""),
        f"Ce qui s'est passé : {what}",
        "Les informations concernées : " + (" ; ".join(cats) if cats else "[les informations concernées]") + ".",
        "Ce qui peut en résulter pour vous : "
        + (record.consequences.likely_consequences.strip()
           or "[les conséquences possibles, par exemple : des personnes non autorisées pourraient connaître des informations couvertes par le secret médical]"),
        "Ce que j'ai fait : " + (record.consequences.measures_taken.strip() or "[les mesures prises]"),
    ]
    advice = [ADVICE[x] for x in f.get("data_categories") or [] if x in ADVICE]
    if advice:
        paragraphs.append("Ce que je vous conseille : " + " ".join(advice))
    if record.cnil_notified():
        paragraphs.append("J'ai signalé cet incident à la CNIL, l'autorité chargée de la protection des données personnelles.")
    elif record.notify.decided:
        paragraphs.append("Je signale cet incident à la CNIL, l'autorité chargée de la protection des données personnelles.")
    paragraphs += [
        f"Pour toute question, vous pouvez me joindre : {doctor}, {contact}.",
        "Je regrette sincèrement cet incident. Je vous prie d'agréer, Madame, Monsieur, "
        "l'expression de mes salutations distinguées.",
        doctor,
    ]
    return "\n\n".join(paragraphs)


def public_notice(record: BreachRecord) -> str:
    """Art. 34(3)(c): a public communication when writing to each person is disproportionate."""
    letter = patient_letter(record).split("\n\n", 1)[1]
    return "Information des patients du cabinet\n\n" + letter
