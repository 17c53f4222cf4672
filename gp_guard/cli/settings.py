"""`gp-guard settings [KEY [VALUE]]`: show or change a setting (the same ones as the window), and
`gp-guard database [--acknowledge]`."""

from __future__ import annotations

import argparse

from gp_guard import settings
from gp_guard.cli.common import EXIT_OK, kept_aside_message
from gp_guard.i18n import _
from gp_guard.store import open_default

COMMANDS = ("settings", "database")


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
    setting = settings.setting(args.key)
    if args.value is None:
        print(settings.get(store, args.key))
        return EXIT_OK
    value: object = args.value
    if setting.type is bool:  # a word the doctor may type; anything else is refused by the setting
        word = args.value.lower()
        value = True if word in ("true", "1", "yes", "oui") else False if word in ("false", "0", "no", "non") else args.value
    settings.set(store, args.key, value)  # a value not allowed: SettingError, shown by the dispatcher
    print(_("Setting saved."))
    return EXIT_OK
