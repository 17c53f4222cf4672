"""After every audit: write what the IT provider's monitoring reads.

``audit.service.run_audit`` calls ``after_audit()`` once the audit is done (the window's audit, the
CLI's and the guardian's alike), so no face can forget it. Two kinds of target:

- the folder named by the ``monitoring.folder`` setting (node_exporter's textfile directory):
  ``gp_guard.prom``, ``gp_guard-status.txt`` (for Wazuh) and ``gp_guard-events.jsonl``, after every
  saved audit of this computer;
- files given for one run (``gp-guard audit --prom FILE --json-lines FILE``).

The practice is named in the outputs only if the provider sets ``GP_GUARD_PRACTICE_LABEL`` (an
environment variable, as fleet tools deploy them); otherwise the exporter's or agent's own host
identity is all there is.

A monitoring output that cannot be written never spoils the audit: the failure is logged (no path
content, no patient data) and handed to ``Targets.on_error`` so the CLI can say it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gp_guard import settings
from gp_guard.i18n import N_, _
from gp_guard.monitoring import jsonlines, prometheus, wazuh
from gp_guard.monitoring.state import State, gather

if TYPE_CHECKING:
    from gp_guard.audit.service import AuditReport
    from gp_guard.store import Store

log = logging.getLogger(__name__)

LABEL_ENV = "GP_GUARD_PRACTICE_LABEL"  # the provider's name for this practice, only if they set it
SNAPSHOT_KEY = "monitoring.last_state:"  # + the JSON lines file's path (store's setting table)
WRITE_FAILED = N_("The monitoring file {path} could not be written ({detail}). The audit itself is saved.")


@dataclass
class Targets:
    """Extra outputs for one audit, and who hears about a failure to write them."""

    prom: Path | None = None
    json_lines: Path | None = None
    on_error: Callable[[str], None] | None = None  # a message in the user's language


def _previous(store: Store | None, path: Path) -> dict[str, Any] | None:
    if store is None:
        return None
    raw = store.get_setting(SNAPSHOT_KEY + str(path))
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def write_json_lines(state: State, path: Path, store: Store | None) -> int:
    path = path.absolute()
    count = jsonlines.append(path, jsonlines.events(state, _previous(store, path)))
    if store is not None:
        store.set_setting(SNAPSHOT_KEY + str(path), json.dumps(jsonlines.snapshot(state), sort_keys=True))
    return count


def folder_outputs(folder: Path) -> dict[str, Path]:
    return {"prom": folder / prometheus.FILE_NAME, "status": folder / wazuh.FILE_NAME,
            "json_lines": folder / jsonlines.FILE_NAME}


def after_audit(report: AuditReport, store: Store | None, targets: Targets | None = None, *,
                to_folder: bool = True) -> State | None:
    """Write every monitoring output due after ``report``; the gathered state (None: nothing due).

    ``to_folder`` is False for an audit of another computer (replay) or one not saved: the
    provider's folder keeps describing this computer's last saved audit.
    """
    folder_text = str(settings.get(store, settings.MONITORING_FOLDER.key)) if store is not None and to_folder else ""
    targets = targets or Targets()
    jobs: list[tuple[Path, Callable[[State, Path], object]]] = []
    if folder_text:
        paths = folder_outputs(Path(folder_text))
        jobs += [(paths["prom"], prometheus.write), (paths["status"], wazuh.write_status),
                 (paths["json_lines"], lambda s, p: write_json_lines(s, p, store))]
    if targets.prom is not None:
        jobs.append((targets.prom, prometheus.write))
    if targets.json_lines is not None:
        jobs.append((targets.json_lines, lambda s, p: write_json_lines(s, p, store)))
    if not jobs:
        return None
    state = gather(report, store, practice=os.environ.get(LABEL_ENV, ""))
    for path, job in jobs:
        try:
            job(state, path)
        except OSError as exc:
            log.warning("monitoring output not written: %s", type(exc).__name__)
            if targets.on_error is not None:
                targets.on_error(_(WRITE_FAILED).format(path=path, detail=exc.strerror or type(exc).__name__))
    return state
