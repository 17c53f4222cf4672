"""`gp-guard settings [KEY [VALUE]]`: show or change a setting (the same ones as the window), and
`gp-guard database [--acknowledge]`."""

from __future__ import annotations

import argparse

from gp_guard import settings
from gp_guard.cli.common import EXIT_ERROR, EXIT_OK, kept_aside_message, print_error
from gp_guard.i18n import _
from gp_guard.store import open_default


def register(sub: argparse._SubParsersAction) -> None:
    conf = sub.add_parser("settings", help=_("show or change a setting, e.g. backup.target"))
    conf.add_argument("key", nargs="?", help=_("setting name; without it, every setting is listed"))
    conf.add_argument("value", nargs="?", help=_("new value; without it, the current value is printed"))
    database = sub.add_parser("database", help=_("show where gp_guard keeps its database, and any damaged copy kept aside"))
    database.add_argument("--acknowledge", action="store_true",
                          help=_("stop the reminder about the damaged copies kept aside so far"))


def run(args: argparse.Namespace) -> int:
    return database_command(args) if args.command == "database" else settings_command(args)


def database_command(args: argparse.Namespace) -> int:
    """`gp-guard database [--acknowledge]`: where the database is, and the damaged copies kept."""
    store = open_default()
    print(_("Database: {path}").format(path=store.path))
    if args.acknowledge:
        kept = store.acknowledge_kept_aside()
        for path in kept:
            print(_("Noted, no more reminders: {path}").format(path=path))
        if not kept:
            print(_("No damaged copy is waiting to be noted."))
        return EXIT_OK
    kept = store.kept_aside()
    for path in kept:
        print(kept_aside_message(path))
    if not kept:
        print(_("No damaged copy is waiting to be noted."))
    return EXIT_OK


def settings_command(args: argparse.Namespace) -> int:
    store = open_default()
    known = settings.by_key()
    if args.key is None:
        for key, current in settings.load(store).items():
            print(f"{key} = {current}    # {_(known[key].label)}")
        return EXIT_OK
    setting = known.get(args.key)
    if setting is None:
        print_error(_("Unknown setting: {key}. Known settings: {known}.").format(key=args.key, known=", ".join(known)))
        return EXIT_ERROR
    if args.value is None:
        print(settings.get(store, args.key))
        return EXIT_OK
    value: object = args.value
    if setting.type is bool:
        value = args.value.lower() in ("true", "1", "yes", "oui")
        if args.value.lower() not in ("true", "1", "yes", "oui", "false", "0", "no", "non"):
            print_error(_("{key} expects true or false.").format(key=args.key))
            return EXIT_ERROR
    try:
        settings.set(store, args.key, value)
    except ValueError:
        choices = ", ".join(v for v, _label in setting.choices)
        print_error(_("Value not allowed for {key}: {value}. Possible values: {choices}.").format(
            key=args.key, value=args.value, choices=choices))
        return EXIT_ERROR
    print(_("Setting saved."))
    return EXIT_OK
