"""The detail of one finding: what was found, why it matters, how to fix it, what was seen."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from gp_guard.audit.model import Finding
from gp_guard.gui import desktop
from gp_guard.gui.widgets import status_style
from gp_guard.i18n import _
from gp_guard.marks import STATUS_MARKS

STATUS_IMAGE = "gp-mark:status"
SEVERITY_IMAGE = "gp-mark:severity"


def finding_html(finding: Finding) -> str:
    """The finding as HTML; its status and severity each have a mark (the images STATUS_IMAGE
    and SEVERITY_IMAGE, added to the document by FindingDetail), a colour and their word."""
    data = finding.to_dict()
    color = status_style.color(finding.status).name()
    severity_color = status_style.severity_color(finding.severity).name()
    parts = [
        f"<h2>{escape(data['title'])}</h2>",
        ("<p><img src='{si}' width='16' height='16' alt='{mark}'> <b style='color:{c}'>{status}</b> · "
         "<img src='{vi}' width='16' height='16'> {sev_label} <b style='color:{vc}'>{severity}</b> · {id}</p>").format(
            si=STATUS_IMAGE, vi=SEVERITY_IMAGE, c=color, vc=severity_color,
            mark=escape(STATUS_MARKS[finding.status]), status=escape(finding.status.label),
            sev_label=escape(_("Severity:")), severity=escape(finding.severity.label), id=escape(finding.id)),
    ]
    if data["message"]:
        parts.append(f"<p>{escape(data['message'])}</p>")
    parts.append(f"<h3>{escape(_('Why it matters'))}</h3><p>{escape(data['why'])}</p>")
    if data["fix"]:
        steps = "".join(f"<li>{escape(step)}</li>" for step in data["fix"])
        parts.append(f"<h3>{escape(_('How to fix it'))}</h3><ol>{steps}</ol>")
    parts.append(f"<h3>{escape(_('For your IT provider'))}</h3>")
    parts.append("<p>{text}</p>".format(text=escape(_(
        "Check {id}. What gp_guard read on this computer is below; the button 'Copy for your IT "
        "provider' puts all of it in a message you can paste in an e-mail.").format(id=finding.id))))
    if data["evidence"]:
        rows = "".join(
            f"<li><code>{escape(e['source'])}</code> → <code>{escape(e['value'])}</code></li>"
            for e in data["evidence"]
        )
        parts.append(f"<p><b>{escape(_('What was seen'))}</b></p><ul>{rows}</ul>")
    if data["references"]:
        links = "".join(
            f"<li><a href='{escape(r['url'], quote=True)}'>{escape(r['label'])}</a></li>"
            for r in data["references"]
        )
        parts.append(f"<h3>{escape(_('References'))}</h3><ul>{links}</ul>")
    return "\n".join(parts)


def provider_text(finding: Finding) -> str:
    """The finding as plain text for the IT provider: id, state, what was seen, the steps."""
    data = finding.to_dict()
    lines = [f"gp_guard · {finding.id} · {finding.severity.label} · {finding.status.label}", data["title"]]
    if data["message"]:
        lines.append(data["message"])
    if data["evidence"]:
        lines.append("")
        lines.append(_("What was seen") + ":")
        lines += [f"- {e['source']}: {e['value']}" for e in data["evidence"]]
    if data["fix"]:
        lines.append("")
        lines.append(_("How to fix it") + ":")
        lines += [f"{n}. {step}" for n, step in enumerate(data["fix"], 1)]
    return "\n".join(lines)


class MarkBrowser(QTextBrowser):
    """A text browser that draws the status and severity marks of the finding it shows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: dict[str, QPixmap] = {}

    def loadResource(self, kind: int, url: QUrl) -> object:  # noqa: N802 - Qt override
        found = self.images.get(url.toString())
        return found if found is not None else super().loadResource(kind, url)


class FindingDetail(QWidget):
    answer_requested = Signal()  # the finding is a question: go and answer it

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.finding: Finding | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.browser = MarkBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._open_link)
        self.browser.setAccessibleName(_("Finding details"))
        layout.addWidget(self.browser)
        row = QHBoxLayout()
        self.settings_button = QPushButton(_("Open the settings"))
        self.settings_button.setAccessibleName(_("Open the settings"))
        self.settings_button.setToolTip(_("Opens the panel of this computer where this is changed."))
        self.settings_button.clicked.connect(self._open_settings)
        self.answer_button = QPushButton(_("Answer this question"))
        self.answer_button.setAccessibleName(_("Answer this question"))
        self.answer_button.clicked.connect(self.answer_requested)
        self.copy_button = QPushButton(_("Copy for your IT provider"))
        self.copy_button.setAccessibleName(_("Copy this finding for your IT provider"))
        self.copy_button.clicked.connect(self._copy)
        row.addWidget(self.settings_button)
        row.addWidget(self.answer_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.show_finding(None)

    def show_finding(self, finding: Finding | None) -> None:
        self.finding = finding
        if finding is None:
            self.browser.setHtml(f"<p>{escape(_('Choose a finding in the list to see its details.'))}</p>")
        else:
            self.browser.images = {
                STATUS_IMAGE: status_style.icon(finding.status, 32).pixmap(32, 32),
                SEVERITY_IMAGE: status_style.severity_pixmap(finding.severity, 32),
            }
            self.browser.setHtml(finding_html(finding))
        self.settings_button.setVisible(bool(finding and finding.to_dict()["settings_uri"]))
        self.answer_button.setVisible(bool(finding and finding.kind == "question"))
        self.copy_button.setVisible(finding is not None)

    def _copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if self.finding is not None and clipboard is not None:
            clipboard.setText(provider_text(self.finding))

    def _open_settings(self) -> None:
        if self.finding is not None:
            uri = self.finding.to_dict()["settings_uri"]
            if uri:
                desktop.open_url(uri)

    def _open_link(self, url: QUrl) -> None:
        if url.scheme() in ("http", "https"):
            desktop.open_url(url)
