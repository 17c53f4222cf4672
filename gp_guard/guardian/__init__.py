"""The guardian: protection that keeps working when the window is closed (Qt-free).

``watcher``: the folder watcher process (``gp-guard vault watch``) that encrypts new files of the
protected folders once they are finished; ``policy``: when each folder's files are encrypted;
``protect``: protecting a folder with its policy from the window; ``autostart``: start it at
login; ``scheduler``: the daily re-audit and the breach reminders; ``notify``: desktop
notifications where there is no tray icon; ``activity`` and ``summary``: what it did this week.
"""

# Seconds a file must stay unchanged (and closed) before the watcher encrypts it: Syncthing's default
# aggregation delay. Here, not in watcher.py, so building the command line's parser imports no
# cryptography (`gp-guard --version` must start even where the crypto library cannot load).
QUIET_SECONDS = 10.0
