"""Entry point of the frozen bundles (PyInstaller): the same as the `gp-guard` command."""

import sys

from gp_guard.cli import main

if __name__ == "__main__":
    sys.exit(main())
