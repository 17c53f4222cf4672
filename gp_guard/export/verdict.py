"""The verdict in the doctor's words and in the WP29 terms (Opinion 05/2014: singling out,
linkability, inference), each criterion with its evidence.

- ``identifying``: a direct identifier is present.
- ``pseudonymised``: no direct identifier, but a linkable identifier, or persons can be singled
  out (k below K_MIN) or a health fact inferred (l below L_MIN): still personal health data.
- ``no_risk_found``: none of these. A test result on this file, not a legal certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gp_guard.export.risk import K_MIN, L_MIN, Risk
from gp_guard.i18n import N_, _

KIND_WORDS = {
    "nir": N_("social security number (NIR)"), "ins": N_("national health identifier (INS)"),
    "name": N_("names"), "birth_date": N_("dates of birth"), "phone": N_("phone numbers"),
    "email": N_("e-mail addresses"), "address": N_("postal addresses"), "rpps": N_("RPPS/ADELI numbers"),
    "other": N_("identifiers"),
}
# What the check found in a column (its kind), for the kinds that are not direct identifiers.
COLUMN_WORDS = {
    "year_of_birth": N_("year of birth"), "age": N_("age"), "sex": N_("sex"), "postcode": N_("postcode"),
    "commune": N_("town"), "department": N_("department"), "region": N_("region"),
    "profession": N_("profession or socio-professional category"), "height": N_("height"), "weight": N_("weight"),
    "bmi": N_("body mass index"), "diagnosis": N_("diagnoses"), "drug": N_("drugs and prescriptions"),
    "lab": N_("lab results"), "allergy": N_("allergies"), "history": N_("medical history"),
    "sick_leave": N_("sick leave"), "hash": N_("fingerprint (hash) of an identifier"),
    "pseudonym": N_("code naming a patient (pseudonym)"), "text": N_("free text"), "date": N_("dates"),
    "empty": N_("empty column"),
}


def kind_words(role: str, kind: str) -> str:
    """A column's kind in the doctor's words, translated (never the internal code)."""
    if kind in COLUMN_WORDS:
        return _(COLUMN_WORDS[kind])
    if kind in KIND_WORDS and (role == "direct" or kind != "other"):
        return _(KIND_WORDS[kind])
    return _("nothing particular")


TITLES = {
    "identifying": N_("Identifying data: this file names patients"),
    "pseudonymised": N_("Pseudonymised data: still personal data"),
    "no_risk_found": N_("No risk found by this test"),
}
CNIL_FRAMEWORK = N_(
    "Under the GDPR this is personal health data, as in the Cegedim case (CNIL, 2024, 800,000 euros). "
    "Sharing it needs the CNIL's framework for health data: a reference methodology (MR-004 for studies "
    "that do not involve the patients) or an authorisation from the CNIL, information of the patients, "
    "and a contract with the recipient.")


@dataclass(frozen=True)
class Direct:
    column: str
    kind: str
    rows: int
    in_free_text: bool
    example: str  # masked


@dataclass(frozen=True)
class Linkable:
    column: str
    why: str  # already translated


@dataclass
class Verdict:
    key: str
    criteria: dict[str, bool]
    evidence: dict[str, list[str]]

    def title(self) -> str:
        return _(TITLES[self.key])


def percent(ratio: float) -> str:
    value = 100 * ratio
    return f"{value:.0f} %" if value >= 10 or value == 0 else f"{value:.1f} %"


def decide(direct: Sequence[Direct], linkable: Sequence[Linkable], risk: Risk, qi: Sequence[str],
           shared: float | None, compare_name: str | None) -> Verdict:
    singling, linking, inferring = [], [], []
    kinds = sorted({d.kind for d in direct})
    if direct:
        singling.append(_("The file names the patients directly: {kinds}.").format(
            kinds=", ".join(_(KIND_WORDS.get(k, k)) for k in kinds)))
    if qi:
        singling.append(_("The smallest group of patients sharing the same {columns} holds {k} (k-anonymity).").format(
            columns=", ".join(qi), k=risk.k))
        singling.append(_("Patients alone in their group: {unique}; in a group of fewer than 5: {below5}; fewer than 11: {below11}.").format(
            unique=percent(risk.unique_ratio), below5=percent(risk.below_5_ratio), below11=percent(risk.below_11_ratio)))
    for item in linkable:
        linking.append(_("Column {column}: {why}").format(column=item.column, why=item.why))
    if direct and not linkable:
        linking.append(_("A direct identifier links every file that holds it."))
    if shared is not None:
        linking.append(_("{share} of this file's identifiers are also in {file}.").format(share=percent(shared), file=compare_name))
    for name, l_value in risk.l_diversity.items():
        if l_value < L_MIN:
            inferring.append(_("Column {column}: in some groups every patient has the same value, or the group is one patient (l = {l}); patients concerned: {share}.").format(
                column=name, l=l_value, share=percent(risk.l1_ratio.get(name, 0.0))))
    singling_out = bool(direct) or (bool(qi) and risk.k < K_MIN) or risk.unique_ratio > 0
    linkability = bool(direct) or bool(linkable) or bool(shared)
    inference = bool(inferring) or (bool(direct) and bool(risk.l_diversity))
    if direct and bool(risk.l_diversity) and not inferring:
        inferring.append(_("The patients are named: every health fact of the file is theirs."))
    if direct:
        key = "identifying"
    elif linkable or singling_out or inference or risk.k < K_MIN:
        key = "pseudonymised"
    else:
        key = "no_risk_found"
    return Verdict(key, {"singling_out": singling_out, "linkability": linkability, "inference": inference},
                   {"singling_out": singling, "linkability": linking, "inference": inferring})


def explanation(verdict: Verdict, risk: Risk) -> str:
    """The paragraph under the verdict's title."""
    if verdict.key == "identifying":
        return _("It must not leave the practice in this form: remove or transform the columns listed below first.") + " " + _(CNIL_FRAMEWORK)
    if verdict.key == "pseudonymised":
        return _("No name or national number was found, but patients can still be singled out or their rows linked together.") + " " + _(CNIL_FRAMEWORK)
    return _("No direct or linkable identifier was found, every group holds at least {k} patients and each health column has at least {l} different values per group. This is the result of a test on this file, not a legal certificate of anonymity: what the recipient already knows can still allow re-identification.").format(
        k=risk.k, l=min(risk.l_diversity.values()) if risk.l_diversity else L_MIN)
