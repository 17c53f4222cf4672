"""Supervision for IT providers: each audit's state in the monitoring they already run (Qt-free).

- ``state``: one function, ``gather()``, collects what the provider may see (the audit's score and
  each check's status, the vault's counts, the breach clock) without any key or passphrase.
- ``prometheus``: the node_exporter textfile (``gp_guard.prom``), written atomically.
- ``jsonlines``: one JSON event per finding and per vault or breach state change, appended and
  rotated (Wazuh's JSON decoder, Filebeat / Fluent Bit, Elastic and OpenSearch ``_bulk``).
- ``wazuh``: the status file (``ID=status`` lines) and the Wazuh SCA policy that reads it.
- ``service``: ``after_audit()``, called by ``audit.service.run_audit`` after every audit.

Nothing identifying goes out: ids, statuses, severities, counts and dates only; no patient data,
no file or folder name, no user name. Ids and labels are the same in every language.
"""
