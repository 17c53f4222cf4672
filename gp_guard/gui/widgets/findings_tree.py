"""Findings grouped by severity (critical first), failures first inside each group."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from gp_guard.audit.model import Finding, Severity, Status
from gp_guard.audit.service import sort_findings
from gp_guard.gui.widgets import status_style
from gp_guard.i18n import _

FINDING_ROLE = Qt.ItemDataRole.UserRole + 1


def needs_action(finding: Finding) -> bool:
    """What the doctor has to do something about: a problem, a point to review, a check that could
    not run, or a question not answered yet."""
    if finding.status in (Status.FAIL, Status.WARN, Status.ERROR):
        return True
    return finding.kind == "question" and finding.status is Status.SKIPPED


def group_label(severity: Severity, findings: Sequence[Finding]) -> str:
    """``High (9): 3 to fix, 4 not checked`` (only the non-zero counts)."""
    problems = sum(1 for f in findings if f.status in (Status.FAIL, Status.WARN))
    unchecked = sum(1 for f in findings if f.status in (Status.SKIPPED, Status.ERROR))
    parts = []
    if problems:
        parts.append(_("{count} to fix or review").format(count=problems))
    if unchecked:
        parts.append(_("{count} not checked").format(count=unchecked))
    label = _("{severity} ({count})").format(severity=severity.label, count=len(findings))
    if not parts:
        return label
    return _("{label} · {counts}").format(label=label, counts=" · ".join(parts))


class FindingsTree(QTreeWidget):
    finding_selected = Signal(object)  # Finding or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels([_("Finding"), _("Status")])
        header = self.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformRowHeights(True)
        self.setAccessibleName(_("Findings"))
        self.setAccessibleDescription(_("Findings grouped by severity, the most serious first."))
        self.only_action = False
        self.currentItemChanged.connect(self._current_changed)

    def set_only_action(self, only: bool) -> None:
        """Show only the findings that need action (and their groups), or every finding."""
        self.only_action = only
        first: QTreeWidgetItem | None = None
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            if top is None:
                continue
            shown = 0
            for j in range(top.childCount()):
                child = top.child(j)
                if child is None:
                    continue
                hide = only and not needs_action(child.data(0, FINDING_ROLE))
                child.setHidden(hide)
                if not hide:
                    shown += 1
                    first = first or child
            top.setHidden(shown == 0)
        current = self.currentItem()
        if current is None or current.isHidden():
            self.setCurrentItem(first) if first is not None else self.finding_selected.emit(None)

    def set_findings(self, findings: Sequence[Finding]) -> None:
        self.clear()
        ordered = sort_findings(findings)
        first: QTreeWidgetItem | None = None
        for severity in Severity:
            group = [f for f in ordered if f.severity is severity]
            if not group:
                continue
            top = QTreeWidgetItem([group_label(severity, group), ""])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setIcon(0, status_style.severity_icon(severity))  # bars: the severity's level
            top.setForeground(0, status_style.severity_color(severity))
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            for finding in group:
                item = QTreeWidgetItem([finding.title(), finding.status.label])
                item.setIcon(1, status_style.icon(finding.status))
                item.setForeground(1, status_style.color(finding.status))
                item.setData(0, FINDING_ROLE, finding)
                item.setToolTip(0, finding.message() or finding.title())
                top.addChild(item)
                if first is None:
                    first = item
            top.setExpanded(True)
        if first is not None:
            self.setCurrentItem(first)
        self.set_only_action(self.only_action)

    def finding_items(self) -> list[QTreeWidgetItem]:
        items: list[QTreeWidgetItem] = []
        for i in range(self.topLevelItemCount()):
            top = self.topLevelItem(i)
            if top is not None:
                items.extend(c for j in range(top.childCount()) if (c := top.child(j)) is not None)
        return items

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        finding = current.data(0, FINDING_ROLE) if current is not None else None
        self.finding_selected.emit(finding)
