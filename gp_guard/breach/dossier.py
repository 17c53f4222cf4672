"""PDF documents with fpdf2 (no Qt): the dossier of one breach and the whole register.

The dossier gathers the record, the assessment with its components, the decisions with their
reasons, the texts sent and a timeline. French text throughout; the report's Unicode font
(DejaVu, else Arial) carries the accents, with the built-in Helvetica when none is installed.
Characters no installed font can draw are printed as a visible mark, with a notice at the end
(gp_guard/report/pdf.py ``Coverage``): a name in a legal record never vanishes silently.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from gp_guard.breach import labels
from gp_guard.breach.labels import fr
from gp_guard.breach.letters import patient_letter
from gp_guard.breach.model import PLACEHOLDER, BreachRecord
from gp_guard.breach.notification import TBD, fr_date, fr_num, sections
from gp_guard.paths import write_private_bytes
from gp_guard.report.pdf import Coverage, unicode_font


class _Pdf(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.doc_title = title
        self.family = "Helvetica"
        self.unicode = False
        font = unicode_font()  # the report's fonts: DejaVu, else Arial
        if font is not None:
            self.add_font("DejaVu", "", font[0])
            self.add_font("DejaVu", "B", font[1])
            self.family, self.unicode = "DejaVu", True
        # names in other scripts (CJK…) use a fallback font if one is installed, else a visible mark
        self.coverage = Coverage(self, "DejaVu" if self.unicode else None)
        self.set_auto_page_break(True, margin=15)
        self.set_title(title)
        self.alias_nb_pages()

    def clean(self, text: str) -> str:
        if not self.unicode:
            text = text.replace("×", "x").replace("—", "-").replace("’", "'").replace("≥", ">=")
        return self.coverage.visible(text)

    def notice(self) -> None:
        """At the end: say that some characters could not be printed, and how they appear."""
        if self.coverage.missing:
            self.ln(3)
            self.para(f"Certains caractères ne peuvent pas être imprimés avec les polices de cet ordinateur : "
                      f"chacun apparaît comme {self.coverage.mark()}. Le texte exact reste dans le registre "
                      "(gp-guard breach show).", 9)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 5, self.clean(f"{self.doc_title} — page {self.page_no()}/{{nb}}"), align="C")

    def h1(self, text: str) -> None:
        self.set_font(self.family, "B", 15)
        self.multi_cell(0, 8, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def h2(self, text: str) -> None:
        self.ln(2)
        self.set_font(self.family, "B", 12)
        self.multi_cell(0, 7, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def para(self, text: str, size: int = 10) -> None:
        self.set_font(self.family, "", size)
        self.multi_cell(0, 5, self.clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)


def _yes_no(value: bool | None) -> str:
    return "à décider" if value is None else ("oui" if value else "non")


def cnil_state(record: BreachRecord) -> str:
    """Where the CNIL notification stands, in French; "notifiée" only once it is recorded."""
    state = record.cnil_state()
    if state == "notified":
        return f"notifiée le {fr_date(record.cnil.notified_at)} (n° {record.cnil.receipt_number})"
    return {"to_notify": "décision : notifier la CNIL (notification pas encore enregistrée)",
            "not_notified": "décision : ne pas notifier la CNIL", "undecided": "à décider"}[state]


def patients_state(record: BreachRecord) -> str:
    state = record.patients_state()
    if state == "informed":
        return f"informés le {fr_date(record.patients.informed_at)}"
    return {"to_inform": "décision : informer les patients (information pas encore enregistrée)",
            "not_informed": "décision : ne pas informer les patients", "undecided": "à décider"}[state]


_LEGACY_CONFIRMED = re.compile(r"^Décisions confirmées : CNIL (non )?notifiée, patients (non )?informés\.$")


def event_text(text: str) -> str:
    """Events written by earlier versions said "CNIL notifiée" when the doctor had only decided."""
    match = _LEGACY_CONFIRMED.match(text)
    if not match:
        return text
    return ("Décisions confirmées : " + ("ne pas notifier la CNIL" if match.group(1) else "notifier la CNIL")
            + ", " + ("ne pas informer les patients" if match.group(2) else "informer les patients") + ".")


def final(text: str) -> str:
    """A text as the dossier prints it: a draft's bracketed instruction never reaches the PDF."""
    return PLACEHOLDER.sub("(à compléter)", text)


def _record_pages(pdf: _Pdf, record: BreachRecord, now: dt.datetime | None) -> None:
    pdf.add_page()
    title = record.title or fr(labels.INCIDENT_TYPES.get(str(record.facts.get("incident_type")), "Violation de données"))
    pdf.h1(f"Violation de données {record.ref} : {title}")
    if record.exercise:
        pdf.para("EXERCICE — violation fictive, hors registre.", 11)
    due = record.deadline()
    pdf.para(f"Connaissance de la violation : {fr_date(record.timeline.aware_at)}. "
             f"Échéance des 72 heures : {fr_date(due) if due else TBD}. Statut : "
             + ("en cours" if record.status == "open" else "clôturée") + ".")
    result = record.assessment(now)
    pdf.h2("Évaluation de la gravité (méthode ENISA)")
    if result:
        # the reasons are written in French in the dossier, without switching the process's language
        s = result.severity
        pdf.para("Méthode de l'ENISA (l'agence de l'Union européenne pour la cybersécurité) : gravité (SE) = "
                 "contexte et sensibilité des données (DPC) × facilité d'identification des personnes (EI) "
                 "+ circonstances de la violation (CB). Le score éclaire la décision ; il ne la remplace pas.")
        pdf.para(f"SE = DPC × EI + CB = {fr_num(s.dpc)} × {fr_num(s.ei)} + {fr_num(s.cb)} = {fr_num(s.score)}")
        for reason in s.explanation:
            pdf.para("• " + reason.text("fr"))
        pdf.h2("Décisions proposées par gp_guard")
        pdf.para(f"Notifier la CNIL : {_yes_no(result.notify_authority)}. Informer les patients : "
                 f"{_yes_no(result.inform_data_subjects)}."
                 + (f" Exception : {fr(labels.EXEMPTIONS[result.art34_exemption])}." if result.art34_exemption else ""))
        for reason in result.reasons:
            pdf.para("• " + reason.text("fr"))
    else:
        pdf.para("La date à laquelle vous avez eu connaissance de la violation n'est pas encore saisie.")
    if record.status == "deleted":
        pdf.para(f"FICHE SUPPRIMÉE le {fr_date(record.deleted_at)} par {record.deleted_by or '?'} (créée par erreur)"
                 + (f" : {record.deleted_reason}" if record.deleted_reason else "") + ". Elle reste dans l'historique du registre.", 11)
    pdf.h2("Décisions du médecin")
    pdf.para(f"Notification à la CNIL : {cnil_state(record)}"
             + (f" (décision confirmée le {fr_date(record.notify.confirmed_at)})" if record.notify.confirmed_at else "") + ".")
    if record.notify.reasoning:
        pdf.para("Justification : " + final(record.notify.reasoning))
    pdf.para(f"Information des patients : {patients_state(record)}"
             + (f" (décision confirmée le {fr_date(record.inform.confirmed_at)})" if record.inform.confirmed_at else "") + ".")
    if record.inform.reasoning:
        pdf.para("Justification : " + final(record.inform.reasoning))
    if record.cnil.lateness_reasons:
        pdf.para("Raisons du retard : " + final(record.cnil.lateness_reasons))
    pdf.h2("Texte de la notification à la CNIL")
    # rebuilt now, so that what was done since the decisions (a complaint, a report to the CERT
    # Santé, the notification itself) appears; the text as it stood when the decisions were
    # confirmed stays in the record (cnil.texts_sent)
    for section, body in sections(record, now):
        pdf.set_font(pdf.family, "B", 10)
        pdf.multi_cell(0, 5, pdf.clean(section), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.para(final(body))
    if record.inform.decided or record.patients.letter_text:
        pdf.h2("Message aux patients" if record.patients_informed() else "Projet de message aux patients (pas encore envoyé)")
        pdf.para(final(record.patients.letter_text or patient_letter(record)))
    pdf.h2("Chronologie")
    notified_at = record.cnil.notified_at if record.cnil_notified() else ""
    events = [(record.timeline.occurred_from, "Début de la violation"),
              (record.timeline.discovered_at, "Découverte"),
              (record.timeline.aware_at, "Connaissance de la violation (début des 72 heures)"),
              (notified_at, f"Notification à la CNIL (n° {record.cnil.receipt_number})"),
              (record.patients.informed_at, "Information des patients"),
              (record.other.police_complaint_at, "Plainte"),
              (record.other.cert_sante_at, "Signalement au CERT Santé"),
              (record.other.vendor_informed_at, "Éditeur ou prestataire informé")]
    events += [(e.at, event_text(e.text)) for e in record.events]
    for at, text in sorted((e for e in events if e[0]), key=lambda e: dt.datetime.fromisoformat(e[0]).timestamp()):
        pdf.para(f"{fr_date(at)} : {final(text)}")


def breach_dossier(record: BreachRecord, path: Path, now: dt.datetime | None = None) -> Path:
    pdf = _Pdf(f"Dossier de violation {record.ref}")
    _record_pages(pdf, record, now)
    pdf.notice()
    return _save(pdf, path)


def register_pdf(records: list[BreachRecord], path: Path, now: dt.datetime | None = None) -> Path:
    pdf = _Pdf("Registre des violations de données")
    pdf.add_page()
    pdf.h1("Registre des violations de données (RGPD art. 33.5)")
    deleted = sum(1 for r in records if r.status == "deleted")
    kept = len(records) - deleted
    pdf.para(f"Établi le {fr_date(dt.datetime.now().astimezone())}. "
             + ("1 violation enregistrée" if kept == 1 else f"{kept} violations enregistrées")
             + ("" if not deleted else " ; 1 fiche créée par erreur, marquée supprimée" if deleted == 1
                else f" ; {deleted} fiches créées par erreur, marquées supprimées") + ".")
    for record in records:
        result = None
        try:
            result = record.assessment(now)
        except ValueError:
            pass
        pdf.h2(f"{record.ref} — {record.title or fr(labels.INCIDENT_TYPES.get(str(record.facts.get('incident_type')), 'Violation'))}")
        pdf.para(f"Connaissance : {fr_date(record.timeline.aware_at)}. Ce qui s'est passé : "
                 f"{record.nature.what_happened or TBD}")
        if result:
            pdf.para(f"Gravité : {fr_num(result.severity.score)}. Proposé : notifier {_yes_no(result.notify_authority)}, "
                     f"informer {_yes_no(result.inform_data_subjects)}.")
        if record.status == "deleted":
            pdf.para(f"Fiche supprimée le {fr_date(record.deleted_at)} par {record.deleted_by or '?'} (créée par erreur)"
                     + (f" : {record.deleted_reason}" if record.deleted_reason else "") + ".")
        pdf.para(f"CNIL : {cnil_state(record)}"
                 + (f" — justification : {final(record.notify.reasoning)}" if record.notify.decided is False else ""))
        pdf.para(f"Patients : {patients_state(record)}"
                 + (f" — justification : {final(record.inform.reasoning)}" if record.inform.decided is False else ""))
    pdf.notice()
    return _save(pdf, path)


def _save(pdf: _Pdf, path: Path) -> Path:
    """The PDF holds patient data: 0600, written whole then renamed; returns the absolute path."""
    return write_private_bytes(path, bytes(pdf.output()))
