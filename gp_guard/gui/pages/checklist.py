"""The checklist: items by theme, the next three actions, the first-hour path, attesting an item."""

from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gp_guard import marks
from gp_guard.audit.model import Status
from gp_guard.checklist import progress, scoring
from gp_guard.checklist.items import Item, by_theme
from gp_guard.gui import dialogs
from gp_guard.gui.pages import PageContext
from gp_guard.gui.widgets import status_style
from gp_guard.gui.widgets.later import Later
from gp_guard.i18n import _, format_date

ID_ROLE = Qt.ItemDataRole.UserRole


def state_text(status: progress.ItemStatus) -> str:
    """The state as a mark and a word (never a mark or a colour alone)."""
    return marks.state_text(status.state)


def coloured_state(status: progress.ItemStatus) -> str:
    """The mark and the word as rich text, in the state's colour."""
    colour = status_style.color(marks.STATE_STATUS[status.state]).name()
    return f"<b style='color:{colour}'>{escape(state_text(status))}</b>"


class ChecklistPage(QWidget):
    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.statuses: dict[str, progress.ItemStatus] = {}
        self.current: str | None = None
        layout = QVBoxLayout(self)
        title = QLabel(_("Checklist"))
        title.setObjectName("pageTitle")
        layout.addWidget(title)
        self.progress_label = QLabel()
        layout.addWidget(self.progress_label)

        top = QHBoxLayout()
        self.next_box = QGroupBox(_("The next three actions with the best protection for the effort:"))
        self.next_layout = QVBoxLayout(self.next_box)
        self.next_buttons: list[QPushButton] = []
        self.next_labels: list[QLabel] = []
        for index in range(3):
            row = QHBoxLayout()
            label = QLabel()
            label.setWordWrap(True)
            button = QPushButton(_("Show"))
            button.clicked.connect(lambda _c=False, b=button: self.select(b.property("item_id")))
            label.setBuddy(button)
            row.addWidget(QLabel(f"{index + 1}."))
            row.addWidget(label, 1)
            row.addWidget(button)
            self.next_labels.append(label)
            self.next_buttons.append(button)
            self.next_layout.addLayout(row)
        top.addWidget(self.next_box, 3)
        self.first_box = QGroupBox(_("First hour after installing gp_guard"))
        self.first_layout = QVBoxLayout(self.first_box)
        self.first_labels: list[QLabel] = []
        top.addWidget(self.first_box, 2)
        layout.addLayout(top)

        splitter = QSplitter()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([_("Item"), _("State")])
        self.tree.setAccessibleName(_("Checklist items by theme"))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.currentItemChanged.connect(self._current_changed)
        splitter.addWidget(self.tree)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._details())
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([560, 440])
        layout.addWidget(splitter, 1)
        order = [*self.next_buttons, self.tree, self.date_edit, self.note_edit, self.attest_button,
                 self.withdraw_button]
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)
        self.later = Later(self, self.refresh)  # after an audit: a later turn, never a stall
        ctx.audit.finished.connect(self._audit_finished)
        self.refresh()

    # -- building ---------------------------------------------------------------------------
    def _details(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        self.detail_title = QLabel()
        self.detail_title.setWordWrap(True)
        self.detail_title.setStyleSheet("font-weight: 600; font-size: 12pt;")
        self.detail_state = QLabel()
        self.detail_state.setWordWrap(True)
        self.detail_state.setTextFormat(Qt.TextFormat.RichText)
        self.detail_text = QLabel()
        self.detail_text.setWordWrap(True)
        self.detail_text.setTextFormat(Qt.TextFormat.RichText)
        self.detail_text.setOpenExternalLinks(True)
        self.detail_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.detail_text.setAccessibleName(_("About this item"))
        for widget in (self.detail_title, self.detail_state, self.detail_text):
            column.addWidget(widget)

        self.attest_box = QGroupBox(_("I did it"))
        form = QFormLayout(self.attest_box)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")  # as a French reader writes a date
        self.date_edit.setAccessibleName(_("Date it was done"))
        self.date_edit.setMaximumDate(QDate.currentDate())
        inner = self.date_edit.findChild(QLineEdit)
        if inner is not None:
            inner.setAccessibleName(_("Date it was done"))
        self.note_edit = QLineEdit()
        self.note_edit.setAccessibleName(_("Note (optional)"))
        self.note_edit.setPlaceholderText(_("No patient names, no passwords"))
        self.note_edit.setMaxLength(progress.NOTE_MAX)
        date_label, note_label = QLabel(_("Date it was done")), QLabel(_("Note (optional)"))
        date_label.setBuddy(self.date_edit)
        note_label.setBuddy(self.note_edit)
        form.addRow(date_label, self.date_edit)
        form.addRow(note_label, self.note_edit)
        buttons = QHBoxLayout()
        self.attest_button = QPushButton(_("Attest"))
        self.attest_button.setAccessibleName(_("Attest this item with the date and the note"))
        self.attest_button.clicked.connect(self.attest)
        self.withdraw_button = QPushButton(_("Withdraw the attestation"))
        self.withdraw_button.setAccessibleName(_("Withdraw the attestation"))
        self.withdraw_button.clicked.connect(self.withdraw)
        buttons.addWidget(self.attest_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        form.addRow(self.saved_label)
        column.addWidget(self.attest_box)

        self.audit_box = QGroupBox(_("Checked by the audit"))
        self.audit_layout = QVBoxLayout(self.audit_box)
        self.finding_buttons: list[QPushButton] = []
        column.addWidget(self.audit_box)
        column.addStretch(1)
        return box

    @Slot(object)
    def _audit_finished(self, _report: object) -> None:
        """A slot of the page: Qt disconnects it when a language switch deletes the page."""
        self.later.start()

    def refresh(self) -> None:
        """Read every item's state again and redraw, keeping the selection."""
        statuses = progress.statuses(self.ctx.store)
        self.statuses = {s.item.id: s for s in statuses}
        done = scoring.progress(statuses)
        text = _("{done} of {total} items done ({percent}%)").format(
            done=done.done, total=done.total, percent=done.percent)
        history_text = progress.timeline_text(progress.timeline(self.ctx.store))
        if history_text:
            text += "\n" + _("Items done over time: {history}").format(history=history_text)
        self.progress_label.setText(text)
        actions = scoring.next_actions(statuses)
        for button, label, status in zip(self.next_buttons, self.next_labels, actions + [None] * 3, strict=False):
            button.setVisible(status is not None)
            label.setText("" if status is None else _("{title} · {effort}").format(
                title=_(status.item.title), effort=status.item.effort.label))
            if status is not None:
                button.setAccessibleName(_("Show: {title}").format(title=_(status.item.title)))
                button.setProperty("item_id", status.item.id)
        for label in self.first_labels:
            label.deleteLater()
        self.first_labels = []
        for status in scoring.first_hour(statuses):
            label = QLabel(f"{coloured_state(status)} · {escape(_(status.item.title))}")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setWordWrap(True)
            self.first_layout.addWidget(label)
            self.first_labels.append(label)
        self._fill_tree()

    def _fill_tree(self) -> None:
        keep = self.current
        self.tree.blockSignals(True)
        self.tree.clear()
        select: QTreeWidgetItem | None = None
        for theme, items in by_theme():
            done = sum(1 for i in items if self.statuses[i.id].state is progress.State.DONE)
            parent = QTreeWidgetItem([theme.label, f"{done}/{len(items)}"])
            self.tree.addTopLevelItem(parent)
            for item in items:
                status = self.statuses[item.id]
                child = QTreeWidgetItem([_(item.title), status.state.label])  # the icon is the mark
                child.setIcon(1, status_style.state_icon(status.state))
                child.setForeground(1, status_style.color(marks.STATE_STATUS[status.state]))
                child.setData(0, ID_ROLE, item.id)
                child.setToolTip(0, status.describe())
                parent.addChild(child)
                if item.id == keep:
                    select = child
            parent.setExpanded(True)
        self.tree.blockSignals(False)
        if select is None:
            first = self.tree.topLevelItem(0)
            select = first.child(0) if first is not None else None
        if select is not None:
            self.tree.setCurrentItem(select)
            self._show(str(select.data(0, ID_ROLE)))

    # -- details ----------------------------------------------------------------------------
    def select(self, item_id: str) -> None:
        for index in range(self.tree.topLevelItemCount()):
            parent = self.tree.topLevelItem(index)
            for row in range(parent.childCount()) if parent is not None else ():
                child = parent.child(row)
                if child.data(0, ID_ROLE) == item_id:
                    self.tree.setCurrentItem(child)
                    self.tree.setFocus()
                    return

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        item_id = current.data(0, ID_ROLE) if current is not None else None
        if item_id:
            self._show(str(item_id))

    def _show(self, item_id: str) -> None:
        status = self.statuses[item_id]
        item = status.item
        self.current = item_id
        self.saved_label.clear()
        self.detail_title.setText(_(item.title))
        self.detail_state.setText(_("{state}: {detail}").format(state=coloured_state(status), detail=escape(status.describe(), quote=False))
                                  + (" · " + escape(_("Note: {note}").format(note=status.note), quote=False) if status.note else ""))
        self.detail_text.setText(self._html(item))
        attestable = not item.linked and status.source != "vault"
        self.attest_box.setVisible(attestable)
        self.withdraw_button.setEnabled(status.source == "attestation")
        if attestable:
            self.date_edit.setMaximumDate(QDate.currentDate())
            self.date_edit.setDate(QDate.currentDate())
            self.note_edit.setText(status.note)
        self.audit_box.setVisible(item.linked)
        for button in self.finding_buttons:
            button.deleteLater()
        self.finding_buttons = []
        previous: QWidget = self.tree
        for check_id, raw in status.check_statuses or tuple((c, "") for c in item.checks):
            word = Status(raw).label if raw in set(Status) else ""
            button = QPushButton(_("Open the finding {id}").format(id=check_id) + (f" · {word}" if word else ""))
            button.setAccessibleName(_("Open the finding {id}").format(id=check_id))
            button.clicked.connect(lambda _c=False, c=check_id: self.ctx.open_finding(c))
            self.audit_layout.addWidget(button)
            self.finding_buttons.append(button)
            self.setTabOrder(previous, button)
            previous = button

    @staticmethod
    def _html(item: Item) -> str:
        steps = "".join(f"<li>{escape(_(s))}</li>" for s in item.steps)
        refs = "".join(f'<li><a href="{escape(r.url)}">{escape(_(r.label))}</a></li>' for r in item.references)
        review = (_("To attest again every {months} months.").format(months=item.review_months)
                  if item.review_months and not item.linked else "")
        return (f"<p>{escape(_(item.why))}</p><p><b>{escape(_('How to do it'))}</b></p><ol>{steps}</ol>"
                f"<p><b>{escape(_('Effort:'))}</b> {escape(item.effort.label)}<br>"
                f"<b>{escape(_('Who can help:'))}</b> {escape(', '.join(h.label for h in item.helpers))}</p>"
                + (f"<p>{escape(review)}</p>" if review else "")
                + f"<p><b>{escape(_('References'))}</b></p><ul>{refs}</ul>")

    # -- actions ----------------------------------------------------------------------------
    def attest(self) -> None:
        if self.current is None:
            return
        day = self.date_edit.date().toPython()
        assert isinstance(day, dt.date)
        try:
            progress.attest(self.ctx.store, self.current, on=day, note=self.note_edit.text())
        except progress.ChecklistError as exc:
            dialogs.show_error(self, _("Checklist"), exc)
            return
        self.refresh()
        self.saved_label.setText(_("Attested on {date}.").format(date=format_date(day)))

    def withdraw(self) -> None:
        if self.current is None:
            return
        if not dialogs.ask(self, _("Checklist"), _("Withdraw the attestation of this item? It stays in the history.")):
            return
        progress.withdraw(self.ctx.store, self.current)
        self.refresh()
        self.saved_label.setText(_("Attestation withdrawn."))
