"""A vault run in a child process, for the crash tests: ``python -m tests.integration.vault_child``.

Arguments: ACTION (lock|unlock) FOLDER KEYFILE [BATCH [RECHECK_HASH_LIMIT [CRASH_AFTER]]]. KEYFILE holds two
age identities (working, recovery); the folder is encrypted to both. One line per progress event on stdout:
``progress FILES BYTES``; at the end ``steps N``. CRASH_AFTER=N (N >= 0) installs a protocol-step hook
(``vault.steps.HOOKS``) that SIGKILLs this process at its Nth step.
"""

from __future__ import annotations

import os
import signal
import sys

from gp_guard.vault import agefile, batches, folder, steps, transform


def crash_at(limit: int):  # type: ignore[no-untyped-def]
    def hook(number: int) -> None:
        if number >= limit:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)

    return hook


def main(argv: list[str]) -> int:
    action, target, keyfile = argv[:3]
    if len(argv) > 3:
        batches.BATCH_FILES = int(argv[3])
    if len(argv) > 4:  # 0: every file goes the big-file way (fingerprint, no hash)
        transform.RECHECK_HASH_LIMIT = int(argv[4])
    if len(argv) > 5 and int(argv[5]) >= 0:
        steps.HOOKS.append(crash_at(int(argv[5])))
    with open(keyfile, encoding="ascii") as handle:
        work, recovery = agefile.parse_identities(handle.read())

    def progress(p: folder.Progress) -> None:
        print(f"progress {p.files_done} {p.bytes_done}", flush=True)

    if action == "lock":
        report = folder.lock(target, [work.recipient(), recovery.recipient()], [work], progress=progress,
                             retry_delay=0.0)
    else:
        report = folder.unlock(target, [work], progress=progress, retry_delay=0.0)
    print(f"steps {steps.taken()}", flush=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
