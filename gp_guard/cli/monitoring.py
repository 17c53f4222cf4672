"""Supervision for IT providers on the command line.

- ``gp-guard audit --prom FILE --json-lines FILE``: the two options are added to the audit
  command here; ``cli.audit`` hands ``targets(args)`` to ``run_audit``, which writes them.
- ``gp-guard export-policy wazuh``: the Wazuh SCA policy that reads gp_guard's status file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gp_guard import settings
from gp_guard.cli.common import EXIT_ERROR, EXIT_OK, print_error
from gp_guard.host import PLATFORMS, current_platform
from gp_guard.i18n import _
from gp_guard.monitoring import wazuh
from gp_guard.monitoring.service import Targets, folder_outputs
from gp_guard.store import StoreError, open_default


def _output_file(text: str) -> Path:
    """argparse type of --prom and --json-lines: a file in an existing folder (checked before the audit)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(_("{path} is a folder; give a file name in it, e.g. {example}").format(
            path=path, example=path / "gp_guard.prom"))
    if not path.absolute().parent.is_dir():
        raise argparse.ArgumentTypeError(_("the folder {folder} does not exist").format(folder=path.absolute().parent))
    return path


def register(sub: argparse._SubParsersAction) -> None:
    audit = sub.choices.get("audit")
    if audit is not None:
        audit.add_argument("--prom", metavar="FILE", type=_output_file,
                           help=_("also write the result as a Prometheus textfile (node_exporter), replaced atomically"))
        audit.add_argument("--json-lines", metavar="FILE", type=_output_file,
                           help=_("also append one JSON line per finding to FILE (Wazuh, Filebeat, OpenSearch); rotated"))
    export = sub.add_parser("export-policy", help=_("write a monitoring policy for an IT provider (Wazuh SCA)"))
    export.add_argument("engine", choices=("wazuh",), help=_("monitoring engine"))
    export.add_argument("--status-file", metavar="PATH",
                        help=_("where gp_guard's status file is on the monitored computer (default: in the monitoring.folder setting)"))
    export.add_argument("--platform", choices=PLATFORMS, default=None,
                        help=_("system of the monitored computers (default: this one's)"))
    export.add_argument("--output", metavar="FILE", help=_("write the policy to FILE instead of printing it"))


def targets(args: argparse.Namespace) -> Targets:
    """What ``audit --prom/--json-lines`` asked for; a write failure is printed as an error."""
    return Targets(prom=getattr(args, "prom", None), json_lines=getattr(args, "json_lines", None),
                   on_error=print_error)


def run(args: argparse.Namespace) -> int:
    status_file = args.status_file
    if not status_file:
        try:
            folder = str(settings.get(open_default(), settings.MONITORING_FOLDER.key))
        except StoreError as exc:
            print_error(_(str(exc)))
            return EXIT_ERROR
        if not folder:
            print_error(_("Say where the status file is: --status-file PATH, or set the folder first: gp-guard settings monitoring.folder FOLDER"))
            return EXIT_ERROR
        status_file = str(folder_outputs(Path(folder))["status"])
    if any(c in status_file for c in "\n\r") or " -> " in status_file:
        print_error(_("This status file path cannot be used in a Wazuh rule: {path}").format(path=status_file))
        return EXIT_ERROR
    text = wazuh.to_yaml(wazuh.policy(status_file, args.platform or current_platform()))
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print_error(_("cannot write {path}: {detail}").format(path=args.output, detail=exc.strerror or type(exc).__name__))
            return EXIT_ERROR
        print(_("Policy written to {path}.").format(path=args.output))
    else:
        sys.stdout.write(text)
    return EXIT_OK
