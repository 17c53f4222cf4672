"""`gp-guard vault …`: set up the keys, protect, open, check and recover folders from the terminal.

A thin face over gp_guard.vault (keys, folder, viewer): the same functions as the window.
"""

from __future__ import annotations

import argparse
import getpass
import sqlite3
import sys
from pathlib import Path
from typing import Any

from gp_guard.cli.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    exit_after_signal,
    print_error,
    print_json,
)
from gp_guard.i18n import N_, _, current_language
from gp_guard.store import StoreError
from gp_guard.vault import KIT_FILE_NAME as DEFAULT_KIT


def register(sub: Any) -> None:
    """Add ``vault`` and its sub-commands to the main parser's sub-parsers."""
    vault = sub.add_parser("vault", help=_("encrypt folders of images and documents in place"))
    verbs = vault.add_subparsers(dest="vault_command", metavar=_("action"))
    verbs.required = True

    init = verbs.add_parser("init", help=_("create the encryption keys and the recovery kit"))
    init.add_argument("--passphrase-stdin", action="store_true",
                      help=_("read a passphrase from standard input instead of using the system keychain"))
    init.add_argument("--recovery-key-out", metavar="FILE",
                      help=_("also write the recovery key to FILE (mode 0600), for an IT provider who stores it safely"))
    init.add_argument("--kit", metavar="FILE",
                      help=_("where to write the recovery kit PDF (default: {path} in your documents folder)").format(
                          path=DEFAULT_KIT))

    confirm = verbs.add_parser("confirm-kit", help=_("confirm that the recovery kit is printed by typing back its key"))
    confirm.add_argument("--recovery-key", metavar="FILE",
                         help=_("the recovery key file written by 'vault init --recovery-key-out': then only the "
                                "last 8 characters are typed from the paper"))

    for name, text in (("lock", _("encrypt every file of a folder in place")),
                       ("unlock", _("decrypt every file of a protected folder in place")),
                       ("verify", _("read back every encrypted file and report any damaged one"))):
        verb = verbs.add_parser(name, help=text)
        verb.add_argument("folder", metavar="DIR")
        verb.add_argument("--passphrase-stdin", action="store_true", help=_("read the passphrase from standard input"))
        if name == "lock":
            verb.add_argument("--after-days", type=int, metavar="N",
                              help=_("an imaging archive: encrypt each file once nobody has opened or changed it for "
                                     "N days (default: as soon as it is finished)"))

    status = verbs.add_parser("status", help=_("show the protected folders and their state"))
    status.add_argument("folder", metavar="DIR", nargs="?")
    status.add_argument("--json", action="store_true", help=_("print the result as JSON"))

    view = verbs.add_parser("open", help=_("decrypt one file into a private folder and open it"))
    view.add_argument("file", metavar="FILE.age")
    view.add_argument("--passphrase-stdin", action="store_true", help=_("read the passphrase from standard input"))

    from gp_guard.cli.guardian import add_watch_arguments  # the folder watcher (gp_guard/guardian)

    add_watch_arguments(verbs.add_parser("watch", help=_("keep encrypting the new files of the protected folders")))

    recover = verbs.add_parser("recover", help=_("finish interrupted work; with DIR and --recovery-key, decrypt DIR with the paper key"))
    recover.add_argument("folder", metavar="DIR", nargs="?")
    recover.add_argument("--recovery-key", metavar="FILE", help=_("file holding the recovery key (AGE-SECRET-KEY-1…)"))


def run(args: argparse.Namespace) -> int:
    from gp_guard.vault import folder, keys

    command = args.vault_command
    _cleanup_views()
    try:
        if command == "init":
            return _init(args)
        if command == "status":
            return _status(args)
        if command == "recover":
            return _recover(args)
        if command == "confirm-kit":
            return _confirm_kit(args)
        if command == "watch":
            from gp_guard.cli.guardian import watch

            return watch(args)
        if command == "lock" and args.after_days is not None:
            from gp_guard.cli.guardian import lock_after_days

            return lock_after_days(args, _identity(args, required=False), _report, _progress, _warn_before)
        if command == "lock":
            identity = _identity(args, required=False)
            recipients = keys.recipients()
            if identity is None:
                print(_("No passphrase given: each encrypted copy is checked by its length only, not decrypted. "
                        "Give the passphrase (--passphrase-stdin) for the full check."), file=sys.stderr)
            _warn_before(Path(args.folder))
            report = folder.lock(args.folder, recipients, [identity] if identity else None, progress=_progress)
            from gp_guard.cli.guardian import remember_policy

            remember_policy(report.folder, 0)  # the watcher encrypts its new files as soon as finished
            return _report(report)
        if command == "open":
            return _open(args, _identity(args))
        identity = _identity(args)
        if command == "unlock":
            return _report(folder.unlock(args.folder, [identity], progress=_progress))
        return _report(folder.verify(args.folder, [identity], progress=_progress))
    except keys.KeysError as exc:
        print_error(_(exc.message))
        return EXIT_ERROR
    except folder.VaultError as exc:
        print_error(str(exc))
        if exc.report is not None:
            _summary(exc.report)
        return EXIT_ERROR
    except KeyboardInterrupt:  # Ctrl+C between safe points: the journal finishes the file
        print_error(_("Interrupted. Run 'gp-guard vault recover' to finish or undo the file in progress."))
        return EXIT_ERROR
    except StoreError as exc:  # e.g. a database of a newer gp_guard
        print_error(_(str(exc)))
        return EXIT_ERROR
    except sqlite3.Error as exc:  # gp_guard's own database: its disk full, read-only, locked
        print_error(_(DATA_FOLDER).format(detail=str(exc)))
        return EXIT_ERROR
    except OSError as exc:
        from gp_guard.paths import data_dir

        where = str(exc.filename or "")
        if where.startswith(str(data_dir())):
            print_error(_(DATA_FOLDER).format(detail=exc.strerror or type(exc).__name__))
        else:
            print_error(_("This could not be done: {detail} ({path}). No file was lost.").format(
                detail=exc.strerror or type(exc).__name__, path=folder.shown(where) if where else "?"))
        return EXIT_ERROR


DATA_FOLDER = N_("gp_guard could not write in its own data folder ({detail}). No file was lost: files being handled "
                 "are finished or undone by 'gp-guard vault recover' once the problem is solved (free some space, "
                 "or check the folder's permissions).")


# -- secrets --------------------------------------------------------------------------------------
def _terminal() -> bool:
    """A person is at the keyboard (seam for the tests)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _prompt(text: str, *, hidden: bool = False) -> str:
    """One line typed by the doctor; '' at the end of input (seam for the tests)."""
    try:
        if hidden and sys.stdin.isatty():
            return getpass.getpass(text)
        return input(text)
    except EOFError:
        return ""


def _read_passphrase(args: argparse.Namespace, prompt: str) -> bytes | None:
    """The passphrase as bytes. Bytes that are not valid in the terminal's encoding are kept as
    they are (they are part of the passphrase), never a reason for a traceback."""
    if getattr(args, "passphrase_stdin", False):
        raw = getattr(sys.stdin, "buffer", None)
        if raw is None:  # a text stream (the tests)
            return sys.stdin.readline().rstrip("\r\n").encode("utf-8", "surrogateescape")
        line = raw.readline().rstrip(b"\r\n")
        encoding = getattr(sys.stdin, "encoding", None) or "utf-8"
        try:  # the same bytes as a typed passphrase: text in the terminal's encoding, kept as UTF-8
            return line.decode(encoding, "surrogateescape").encode("utf-8", "surrogateescape")
        except (LookupError, UnicodeError):
            return line
    if sys.stdin.isatty():
        try:
            return getpass.getpass(prompt).encode("utf-8", "surrogateescape")
        except UnicodeError:
            raise keys_module().WrongPassphrase() from None
    return None


def keys_module() -> Any:
    from gp_guard.vault import keys

    return keys


def _identity(args: argparse.Namespace, required: bool = True) -> Any:
    from gp_guard.vault import keys

    try:
        return keys.unlock()
    except keys.PassphraseNeeded:
        passphrase = _read_passphrase(args, _("Passphrase: "))
        if passphrase is None:
            if not required:
                return None
            raise
        return keys.unlock(passphrase)


# -- commands -------------------------------------------------------------------------------------
def _init(args: argparse.Namespace) -> int:
    from gp_guard.vault import documents_folder, folder, keys

    passphrase = None
    if args.passphrase_stdin:
        passphrase = _read_passphrase(args, "")
    kit = Path(args.kit) if args.kit else documents_folder() / DEFAULT_KIT
    out = Path(args.recovery_key_out) if args.recovery_key_out else None
    for target in (kit, out):
        if target is not None and target.exists():
            print_error(_("{path} already exists; choose another file name.").format(path=target))
            return EXIT_ERROR
        if target is not None and not target.absolute().parent.is_dir():  # checked before the keys exist:
            # the recovery key is shown only in these files
            print_error(_("The folder {path} does not exist; choose another place.").format(
                path=folder.shown(target.absolute().parent)))
            return EXIT_ERROR
    if keys.has_keys():
        print_error(_(keys.KeysExist.message))
        return EXIT_ERROR
    try:
        created = keys.create_keys(passphrase)
    except keys.NoKeyring:
        print_error(_(keys.NoKeyring.message) + " " + _("Use --passphrase-stdin."))
        return EXIT_ERROR
    except keys.KeysError as exc:  # e.g. a passphrase too short
        print_error(_(exc.message))
        return EXIT_ERROR
    if out is not None:
        keys.write_recovery_key_file(out, created.recovery_secret)
        print(_("Recovery key written to {path} (readable by you only).").format(path=out))
    try:
        from gp_guard.vault import recovery_kit
    except ImportError:  # the kit module arrives with the set-up wizard
        recovery_kit = None  # type: ignore[assignment]
    if recovery_kit is not None:
        lang = "en" if current_language() == "en" else "fr"
        pdf = recovery_kit.build_kit(created.recovery_secret, created.working, created.recovery, lang=lang)
        recovery_kit.write_kit(kit, pdf)
        print(_("Recovery kit written to {path}: print it, keep it away from this computer, then delete the file.").format(
            path=folder.shown(kit.absolute())))
    elif out is None:
        print(_("Write down this recovery key and keep it away from this computer: {key}").format(key=created.recovery_secret))
    if args.passphrase_stdin or not _terminal() or not _typed_back(created.recovery_secret):
        _not_confirmed(out)
    print(_("Encryption is ready. Protect a folder with: gp-guard vault lock DIR"))
    return EXIT_OK


ATTEMPTS = 3


def _typed_back(secret: str) -> bool:
    """Ask the doctor to type back the end of the key from the printed kit; True once confirmed."""
    from gp_guard.vault import keys, recovery_kit

    print(_("Print the kit now, then check it: {hint}").format(hint=recovery_kit.confirm_hint()))
    for _attempt in range(ATTEMPTS):
        typed = _prompt("> ")
        if not typed.strip():
            break
        if recovery_kit.confirm_kit(typed, secret):
            keys.mark_kit_confirmed()
            print(_("Thank you: the recovery kit is confirmed."))
            return True
        print(_("This is not what the kit shows. Look at the printed kit again and retype it (or press Enter to confirm later)."))
    return False


def _not_confirmed(out: Path | None) -> None:
    print(_("The recovery kit is not confirmed yet. Once it is printed, confirm it with:"))
    if out is not None:
        print(f"  gp-guard vault confirm-kit --recovery-key {out}")
    else:
        print("  gp-guard vault confirm-kit")


def _confirm_kit(args: argparse.Namespace) -> int:
    from gp_guard.vault import agefile, keys, recovery_kit

    recovery = keys.public_keys().recovery  # NoKeys before 'vault init'
    if args.recovery_key is None:  # the secret is not kept: the whole key is typed from the paper
        print(_("Type the whole recovery key, as printed on the kit (it starts with AGE-SECRET-KEY-1)."))
        typed = "".join(_prompt("> ", hidden=True).split()).upper()
        try:
            right = agefile.X25519Identity.from_string(typed).recipient() == recovery
        except agefile.AgeError:
            right = False
    else:
        try:
            found = agefile.parse_identities(Path(args.recovery_key).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, agefile.AgeError):
            found = []
        if not found:
            print_error(_("This file does not hold a recovery key (a line starting with AGE-SECRET-KEY-1)."))
            return EXIT_ERROR
        secret = found[0].to_string()
        if found[0].recipient() != recovery:
            print_error(_(keys.WrongRecoveryKey.message))
            return EXIT_ERROR
        print(recovery_kit.confirm_hint())
        right = recovery_kit.confirm_kit(_prompt("> "), secret)
    if not right:
        print_error(_("This is not what the kit shows; the kit is not confirmed. Check the printed kit and try again."))
        return EXIT_ERROR
    keys.mark_kit_confirmed()
    print(_("Thank you: the recovery kit is confirmed."))
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    from gp_guard.vault import folder, keys

    states = folder.status(args.folder)
    if args.json:
        print_json({
            "keys": keys.has_keys(),
            "folders": [{
                "path": folder.shown(s.path), "state": s.state, "encrypted": s.encrypted, "not_encrypted": s.plain,
                "failed": [{"file": p.shown, "message": p.text()} for p in s.failed],
                "unfinished": s.unfinished, "last_action": s.last_action, "last_run_at": s.last_run_at,
            } for s in states],
        })
        return EXIT_OK
    if not keys.has_keys():
        print(_("Encryption is not set up yet: run 'gp-guard vault init'."))
    if not states:
        print(_("No protected folder yet."))
    for s in states:
        print(f"{folder.shown(s.path)}  [{_(STATE_WORDS[s.state])}]")
        print("  " + _("{encrypted} encrypted, {plain} not encrypted yet, {failed} failed").format(
            encrypted=s.encrypted, plain=s.plain, failed=len(s.failed)))
        for problem in s.failed:
            print(f"  - {problem.shown}: {problem.text()}")
    return EXIT_OK


def _recover(args: argparse.Namespace) -> int:
    from gp_guard.vault import agefile, folder

    if args.folder is None and args.recovery_key is None:
        result = folder.recover()
        print(_("Interrupted work: {finished} files finished, {rolled} put back as they were, {kept} kept in both forms.").format(
            finished=len(result.finished), rolled=len(result.rolled_back), kept=len(result.kept)))
        for path in result.kept:
            print("  " + _("Both the original and the encrypted copy were kept: {path}").format(path=folder.shown(path)))
        for path in result.busy:
            print("  " + _("Not reachable now (in use or disconnected): {path}").format(path=folder.shown(path)))
        return EXIT_OK if not result.busy else EXIT_FINDINGS
    if args.folder is None or args.recovery_key is None:
        print_error(_("To decrypt with the paper key, give both DIR and --recovery-key FILE."))
        return EXIT_ERROR
    try:
        text = Path(args.recovery_key).read_text(encoding="utf-8")
        identities = agefile.parse_identities(text)
    except (OSError, UnicodeDecodeError, agefile.AgeError):
        print_error(_("This file does not hold a recovery key (a line starting with AGE-SECRET-KEY-1)."))
        return EXIT_ERROR
    if not identities:
        print_error(_("This file does not hold a recovery key (a line starting with AGE-SECRET-KEY-1)."))
        return EXIT_ERROR
    if not folder.opens_any(args.folder, identities):
        print_error(_("This recovery key does not belong to the practice that encrypted this folder: it opens "
                      "none of its files. Nothing was changed. Check that it is the kit of this practice."))
        return EXIT_ERROR
    return _report(folder.unlock(args.folder, identities, progress=_progress))


def _cleanup_views() -> None:
    """Decrypted copies left by a ``vault open`` that was killed are removed at the next command."""
    from gp_guard.vault import viewer

    try:
        viewer.cleanup_stale()
    except OSError:
        pass  # tried again next time; never a reason to refuse the command


class _Ended(Exception):
    """The command was asked to stop by a signal (logout, terminal closed, kill)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_ended(signum: int, _frame: Any) -> None:
    raise _Ended(signum)


def _open(args: argparse.Namespace, identity: Any) -> int:
    import signal

    from gp_guard.vault import folder, viewer

    view = viewer.Viewer()
    ending = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, _raise_ended) for s in ending}
    ended = 0
    try:
        try:
            path = view.open(args.file, [identity])
            print(_("Opened from a private copy: {path}").format(path=folder.shown(path)))
        except viewer.NoOpener as exc:
            print(str(exc))
            print(_("Open it yourself with the program of your choice."))
        except viewer.ViewError as exc:
            print_error(str(exc))
            return EXIT_FINDINGS
        print(_("Press Enter when you have finished; the copy is then deleted."), flush=True)
        sys.stdin.readline()
    except KeyboardInterrupt:
        ended = signal.SIGINT
    except _Ended as exc:
        ended = exc.signum
    finally:
        view.close_all()  # the decrypted copy goes, however the command ends
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if ended:
        print_error(_("Stopped; the decrypted copy was deleted."))
        return exit_after_signal(ended)
    return EXIT_OK


# -- output ---------------------------------------------------------------------------------------
STATE_WORDS = {
    "missing": N_("folder not found"),
    "failed": N_("some files need attention"),
    "protected": N_("all files encrypted"),
    "partial": N_("some files not encrypted yet"),
    "unprotected": N_("not encrypted"),
    "empty": N_("empty folder"),
}


def _warn_before(target: Path) -> None:
    from gp_guard.vault import folder

    try:
        root = folder.check_folder(target)
    except folder.VaultError:
        return  # lock() says why
    for pid, name, path in folder.open_by_programs(root, limit=5):
        print(_("Warning: {program} (process {pid}) has {path} open; close it first if you can.").format(
            program=name, pid=pid, path=folder.shown(path)), file=sys.stderr)
    print(_(folder.CONFIRM_DELETION_NOTE), file=sys.stderr)


def _progress(p: Any) -> None:
    if not sys.stderr.isatty():
        return
    line = _("{done}/{total} files, {mb} MB/s").format(done=p.files_done, total=p.files_total, mb=f"{p.mb_per_s:.0f}")
    print("\r" + line.ljust(40), end="", file=sys.stderr, flush=True)


def _summary(report: Any) -> None:
    if sys.stderr.isatty():
        print(file=sys.stderr)
    words = {"lock": _("Files encrypted: {count}"), "unlock": _("Files decrypted: {count}"),
             "verify": _("Encrypted files read back without error: {count}")}
    print(words.get(report.action, "{count}").format(count=len(report.done))
          + " " + _("({mb} MB in {seconds} s)").format(mb=f"{report.bytes_done / 1e6:.1f}", seconds=f"{report.seconds:.1f}"))
    for problem in report.failed:
        print(_("Not done: {file}: {reason}").format(file=problem.shown, reason=problem.text()))
    for problem in report.skipped:
        print(_("Left as is: {file}: {reason}").format(file=problem.shown, reason=problem.text()))
    if report.cancelled:
        print(_("Stopped before the end; the files not handled are unchanged."))


def _report(report: Any) -> int:
    _summary(report)
    return EXIT_OK if report.ok else EXIT_FINDINGS
