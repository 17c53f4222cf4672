"""Data-breach walkthrough: record, ENISA severity, Art. 33/34 decision aid, register, texts, dossier.

Qt-free. ``input`` parses the JSON of ``gp-guard breach assess``; ``assess`` scores it and proposes
the decisions; ``model`` is the full record; ``register`` stores records encrypted at rest;
``notification``, ``letters`` and ``guidance`` write the French texts; ``dossier`` makes the PDF.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gp_guard.breach.register import OpenBreach, Summary
    from gp_guard.store import Store


def report_summary(store: Store) -> Summary | None:
    """The register in figures for the yearly report (no key, no patient data)."""
    from gp_guard.breach.register import report_summary as summary

    return summary(store)


def open_breaches(store: Store) -> list[OpenBreach]:
    """Open breaches with their 72-hour deadline, soonest first: the dashboard countdown."""
    from gp_guard.breach.register import open_breaches as breaches

    return breaches(store)
