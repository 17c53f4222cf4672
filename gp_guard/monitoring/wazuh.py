"""Wazuh: the status file gp_guard writes after each audit, and the SCA policy that reads it.

The status file (``gp_guard-status.txt``) has one ``KEY=value`` line per check and question
(``FW-01=pass``), plus ``VAULT``, ``BREACH``, ``score``, ``grade`` and ``critical_failures``. Ids
and values never change with the language.

``policy()`` builds a Wazuh SCA (Security Configuration Assessment) policy with one check per
gp_guard check: ``f:STATUS_FILE -> r:^FW-01=pass$``. File rules need no
``sca.remote_commands=1`` on the agent. SCA knows only "passed" and "failed": a check gp_guard
could not run (skipped, error) or a point to review (warn) shows as failed; the status file says
which. The policy's ``requirements`` make agents without the status file skip the whole policy.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gp_guard.audit.model import CheckMeta
from gp_guard.i18n import N_, _
from gp_guard.monitoring.state import State

FILE_NAME = "gp_guard-status.txt"
POLICY_ID = "gp_guard"
FIRST_CHECK_ID, CHECK_ID_SPAN = 960_000, 40_000  # gp_guard's own range of SCA check ids


def status_text(state: State) -> str:
    critical = sum(1 for c in state.checks if c.severity == "critical" and c.status == "fail")
    lines = [
        "# gp_guard status for monitoring: KEY=value, one per line (see docs/monitoring.md)",
        f"gp_guard_version={state.version}",
        f"audit_started_at={state.audited_at.isoformat(timespec='seconds')}",
        f"score={state.score}",
        f"grade={state.grade}",
        f"critical_failures={critical}",
        *(f"{c.id}={c.status}" for c in state.checks),
        f"VAULT={state.vault.status}",
        f"BREACH={state.breach_status}",
    ]
    if state.practice:
        lines.append(f"practice={state.practice}")
    return "\n".join(lines) + "\n"


def check_ids(ids: Iterable[str]) -> dict[str, int]:
    """A stable SCA id per gp_guard id (a checksum, so adding a check never renumbers the others)."""
    out: dict[str, int] = {}
    taken: set[int] = set()
    for key in sorted(ids):
        number = FIRST_CHECK_ID + zlib.crc32(key.encode()) % CHECK_ID_SPAN
        while number in taken:  # a clash: the later id (in sorted order) takes the next number
            number = FIRST_CHECK_ID + (number - FIRST_CHECK_ID + 1) % CHECK_ID_SPAN
        taken.add(number)
        out[key] = number
    return out


def _all_metas(platform: str) -> list[CheckMeta]:
    from gp_guard.audit import questions
    from gp_guard.audit.registry import all_checks

    metas = [c.meta for c in all_checks()] + [q.meta for q in questions.QUESTIONS]
    return sorted((m for m in metas if platform in m.platforms), key=lambda m: m.id)


def _rule(status_file: str, pattern: str) -> str:
    return f"f:{status_file} -> r:{pattern}"


SKIPPED_NOTE = N_("Also shown as failed when gp_guard could not check this point or asks to review it: the status file on the computer says which.")


def policy(status_file: str, platform: str, metas: Sequence[CheckMeta] | None = None) -> dict[str, Any]:
    """The SCA policy as data, texts in the current language, ids and rules fixed."""
    metas = list(metas) if metas is not None else _all_metas(platform)
    extra = [
        ("VAULT", _("Protected folders: every file encrypted, recovery kit confirmed"),
         _("A file left in clear in a protected folder can be read by anyone who gets the computer or the disk.")),
        ("BREACH", _("No data breach with less than 24 hours left to notify the CNIL"),
         _("A data breach must be notified to the CNIL within 72 hours of becoming aware of it (GDPR article 33).")),
    ]
    numbers = check_ids([m.id for m in metas] + [key for key, _t, _w in extra] + ["CRITICAL"])
    checks: list[dict[str, Any]] = [{
        "id": numbers["CRITICAL"],
        "title": _("No critical point to fix (gp_guard)"),
        "description": _("The last gp_guard audit found no failing check of critical severity."),
        "rationale": _("One critical gap is enough to expose the practice's patient data."),
        "remediation": _("Open gp_guard on this computer, Audit page, and follow the steps of the critical points."),
        "compliance": [{"gp_guard": ["critical_failures"]}],
        "condition": "all",
        "rules": [_rule(status_file, r"^critical_failures=0$")],
    }]
    for meta in metas:
        steps = meta.fix.get(platform) or meta.fix.get("all") or ()
        item: dict[str, Any] = {
            "id": numbers[meta.id],
            "title": f"{meta.id} {_(meta.title)}",
            "description": _(SKIPPED_NOTE),
            "rationale": _(meta.why),
            "remediation": " ".join(f"{n}. {_(step)}" for n, step in enumerate(steps, 1)),
            "compliance": [{"gp_guard": [meta.id]}, *([{"cnil_case": [meta.cnil_case]}] if meta.cnil_case else [])],
            "condition": "all",
            "rules": [_rule(status_file, f"^{meta.id}=pass$")],
        }
        if meta.references:
            item["references"] = [r.url for r in meta.references]
        checks.append(item)
    for key, title, why in extra:
        checks.append({
            "id": numbers[key], "title": f"{key} {title}", "description": _(SKIPPED_NOTE), "rationale": why,
            "remediation": _("Open gp_guard on this computer and follow what the dashboard shows."),
            "compliance": [{"gp_guard": [key]}], "condition": "all",
            "rules": [_rule(status_file, f"^{key}=pass$")],
        })
    return {
        "policy": {
            "id": f"{POLICY_ID}_{platform}",
            "file": f"{POLICY_ID}_{platform}.yml",
            "name": _("gp_guard: security of the practice's computer ({platform})").format(platform=platform),
            "description": _("Reads the status file gp_guard writes after each audit: one check per gp_guard check."),
            "references": ["https://www.cnil.fr/fr/securite-des-donnees"],
        },
        "requirements": {
            "title": _("gp_guard writes its status file on this computer"),
            "description": _("Without the status file, this policy is not run."),
            "condition": "all",
            "rules": [f"f:{status_file}"],
        },
        "checks": checks,
    }


# -- a small YAML writer (block style; every string double-quoted, so nothing is misread) ----------
def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _yaml(value: Any, indent: int) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, (Mapping, list)) and item:
                lines.append(f"{pad}{key}:")
                lines += _yaml(item, indent + 1)
            else:
                empty = "{}" if isinstance(item, Mapping) else "[]"
                lines.append(f"{pad}{key}: {empty if isinstance(item, (Mapping, list)) else _scalar(item)}")
    else:
        for item in value:
            if isinstance(item, (Mapping, list)) and item:
                inner = _yaml(item, indent + 1)
                lines.append(f"{pad}- {inner[0].lstrip()}")
                lines += inner[1:]
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def to_yaml(data: Mapping[str, Any]) -> str:
    header = ["# Wazuh SCA policy generated by `gp-guard export-policy wazuh`.",
              "# Put it in /var/ossec/etc/shared/<group>/ and list it in that group's agent.conf."]
    return "\n".join(header + _yaml(data, 0)) + "\n"


def write_status(state: State, path: Path) -> None:
    from gp_guard.monitoring.prometheus import write_atomic

    write_atomic(path, status_text(state))
