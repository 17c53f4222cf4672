"""The dashboard's 72-hour clock for open breaches."""

from __future__ import annotations

import datetime as dt
import re

from gp_guard.breach.model import BreachRecord
from gp_guard.breach.register import Register
from gp_guard.gui.widgets.breach_clock import clock_text
from gp_guard.i18n import format_datetime


def test_clock_text_counts_down_and_says_when_late():
    due = dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC)
    when = format_datetime(due)  # in words, on this computer's clock: "5 March 2026 at 09:00" in UTC
    early = clock_text("2026-001", due, due - dt.timedelta(hours=41, minutes=12, seconds=30))
    assert early == f"Breach 2026-001: 41 h 12 min left to notify the CNIL (until {when})."
    late = clock_text("2026-001", due, due + dt.timedelta(hours=2))
    assert late.startswith(f"Breach 2026-001: The 72 hours ended on {when}.")
    assert re.search(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}", early + late) is None and " March 2026 at " in early


def test_dashboard_shows_the_clock_only_while_a_breach_is_open(qtbot, make_window, memory_keyring):  # noqa: F811
    window = make_window("en")
    clock = window.pages["dashboard"].breach_clock
    assert clock.isHidden()
    record = BreachRecord(title="Ordinateur volé")
    record.set_answer("aware_at", (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat())
    register = Register.open(window.store)
    saved = register.save(record)
    clock.refresh()
    assert not clock.isHidden()
    assert "left to notify the CNIL" in clock.label.text()
    assert clock.label.text().split(": ", 1)[1].startswith(("69 h", "70 h"))
    clock.button.click()
    assert window.current_key() == "breach"
    saved.status = "closed"
    register.save(saved)
    clock.refresh()
    assert clock.isHidden()
