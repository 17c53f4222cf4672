"""Databases of the practice software (DB-*): reachable from the network? password required?"""

from __future__ import annotations

from gp_guard.audit import references as ref
from gp_guard.audit.model import Area, Evidence, Outcome, Severity, errored, failed, passed, warned
from gp_guard.audit.probes import databases as probes
from gp_guard.audit.registry import check
from gp_guard.audit.software import firebird, inventory, mysql, postgres
from gp_guard.audit.software.postgres import ConfigError
from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError, NeedsAdmin
from gp_guard.i18n import N_

_WHY_DB = N_("The practice software keeps the patient files in a database. If the database accepts connections from other computers, or opens without a password, anyone who reaches the practice network (a visitor's laptop on the Wi-Fi, an infected computer, or the internet if the box forwards its port) can copy every record. The CNIL fined Dedalus Biologie in 2022 partly because a server could be reached without authentication.")


def _server_ports(host: Host, servers: list[inventory.Installation], configured: set[int]) -> set[int]:
    """Ports to probe: those the running server processes listen on (inventory ties sockets to
    their processes), plus the configured and default ports when something listens there."""
    ports = {endpoint.port for inst in servers for endpoint in inst.listening}
    try:
        listening = {item.port for item in host.listeners() if item.proto == "tcp"}
    except HostError:
        listening = set()
    return ports | (configured & listening)


@check(
    "DB-01",
    area=Area.NETWORK,
    severity=Severity.CRITICAL,
    title=N_("The PostgreSQL database is not open to the network without a password"),
    problem=N_("The PostgreSQL database can be opened from the network without a password"),
    why=_WHY_DB,
    fix={
        "all": (
            N_("Ask your software vendor or IT provider before changing the database: the practice software must keep working."),
            N_("In postgresql.conf, set listen_addresses = 'localhost' if only this computer uses the database; otherwise list only the addresses that need it."),
            N_("In pg_hba.conf, replace every 'trust' method by 'scram-sha-256' and give each account a strong password."),
            N_("Restart the PostgreSQL service, then run the audit again."),
        ),
    },
    references=(ref.CASE_2022, ref.CNIL_ACCESS, ref.CNIL_NETWORK),
    cnil_case="2022-dedalus",
)
def postgres_exposure(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    configs = []
    servers = inventory.find(host, "postgresql")
    for path in postgres.candidate_configs(host, servers):
        try:
            config = postgres.read_config(host, path)
        except ConfigError as exc:
            return errored(N_("The configuration file {path} could not be read: {detail}"), path=exc.path, detail=exc.detail)
        except NeedsAdmin:
            evidence.append(Evidence(path, "not readable without administrator rights"))
            continue
        if config is not None:
            configs.append(config)
    probe_results = []
    if host.live:
        for port in sorted(_server_ports(host, servers, {c.port for c in configs} | {5432})):
            result = probes.probe_postgres(port)
            if result.answered:
                probe_results.append(result)
                evidence.append(Evidence(f"login probe postgres@127.0.0.1:{port}", result.detail))
    if not configs and not probe_results:
        return passed(N_("No PostgreSQL server was found on this computer."), evidence or [Evidence("PostgreSQL", "not found")])
    network_trust: list[postgres.HbaRule] = []
    local_trust: list[postgres.HbaRule] = []
    exposed: list[postgres.PostgresConfig] = []
    for config in configs:
        evidence.append(Evidence(f"{config.conf_path} listen_addresses", ", ".join(config.listen_addresses)))
        if config.hba is None:
            evidence.append(Evidence(config.hba_path or "pg_hba.conf", "not readable"))
        for rule in config.hba or []:
            if rule.method == "trust":
                evidence.append(Evidence(config.hba_path or "pg_hba.conf", rule.text()))
                (network_trust if rule.network_wide else local_trust).append(rule)
        if config.listens_on_network:
            exposed.append(config)
    passwordless = [r for r in probe_results if r.passwordless]
    if exposed and (network_trust or passwordless):
        return failed(N_("PostgreSQL listens on the network (listen_addresses = {addresses}) and lets clients in without a password."),
                      evidence, addresses=", ".join(exposed[0].listen_addresses))
    if exposed:
        return warned(N_("PostgreSQL accepts connections from the network (listen_addresses = {addresses}); a password is required. Make sure only the computers that need it can reach it."),
                      evidence, addresses=", ".join(exposed[0].listen_addresses))
    if local_trust or passwordless:
        return warned(N_("PostgreSQL only listens on this computer, but any program running here can open the database without a password."), evidence)
    return passed(N_("PostgreSQL only listens on this computer and asks for a password."), evidence)


@check(
    "DB-02",
    area=Area.NETWORK,
    severity=Severity.CRITICAL,
    title=N_("The MySQL/MariaDB database is not open to the network and its administrator has a password"),
    problem=N_("The MySQL/MariaDB database is open to the network, or its administrator has no password"),
    why=_WHY_DB,
    fix={
        "all": (
            N_("Ask your software vendor or IT provider before changing the database: the practice software must keep working."),
            N_("Give the database administrator account (root) a strong password, or restrict it to local system login."),
            N_("In the [mysqld] section of my.cnf (my.ini on Windows), set bind-address = 127.0.0.1 if only this computer uses the database."),
            N_("Restart the database service, then run the audit again."),
        ),
    },
    references=(ref.CASE_2022, ref.CNIL_ACCESS, ref.CNIL_NETWORK),
    cnil_case="2022-dedalus",
)
def mysql_exposure(host: Host) -> Outcome:
    evidence: list[Evidence] = []
    config = None
    for path in mysql.main_files(host.platform):
        try:
            config = mysql.read_config(host, path)
        except ConfigError as exc:
            return errored(N_("The configuration file {path} could not be read: {detail}"), path=exc.path, detail=exc.detail)
        if config is not None:
            break
    probe_results = []
    if host.live:
        for port in sorted(_server_ports(host, inventory.find(host, "mysql"), ({config.port} if config else set()) | {3306})):
            result = probes.probe_mysql(port)
            if result.answered:
                probe_results.append(result)
                evidence.append(Evidence(f"login probe root@127.0.0.1:{port}", result.detail))
    if config is None and not probe_results:
        return passed(N_("No MySQL or MariaDB server was found on this computer."), [Evidence("MySQL/MariaDB", "not found")])
    if config is not None:
        evidence.append(Evidence(", ".join(config.files), f"bind-address = {config.bind_address or '(not set: every interface)'}"))
    if config is not None and config.skip_grant_tables:
        evidence.append(Evidence(", ".join(config.files), "skip-grant-tables"))
        return failed(N_("Password checking is turned off in the database configuration (skip-grant-tables): any program or person who reaches it opens every record."), evidence)
    if any(r.passwordless for r in probe_results):
        return failed(N_("The database administrator account (root) opens without a password."), evidence)
    if config is not None and config.listens_on_network:
        return warned(N_("MySQL/MariaDB accepts connections from the network (bind-address = {address}). Make sure only the computers that need it can reach it."),
                      evidence, address=config.bind_address or "*")
    return passed(N_("MySQL/MariaDB only listens on this computer and its administrator has a password."), evidence)


@check(
    "DB-03",
    area=Area.NETWORK,
    severity=Severity.HIGH,
    title=N_("The Firebird database only accepts encrypted, modern logins"),
    problem=N_("The Firebird database accepts old or unencrypted logins"),
    why=_WHY_DB,
    fix={
        WINDOWS: (
            N_("Ask your software vendor before changing the database: the practice software must keep working."),
            N_("Open firebird.conf in the Firebird folder (C:\\Program Files\\Firebird\\...) with Notepad as administrator."),
            N_("Set WireCrypt = Required and AuthServer = Srp; set RemoteBindAddress = 127.0.0.1 if only this computer uses the database."),
            N_("Restart the Firebird service, then run the audit again."),
        ),
        MACOS: (
            N_("Ask your software vendor before changing the database: the practice software must keep working."),
            N_("Edit firebird.conf (in /Library/Frameworks/Firebird.framework/Resources) as administrator."),
            N_("Set WireCrypt = Required and AuthServer = Srp; set RemoteBindAddress = 127.0.0.1 if only this computer uses the database."),
            N_("Restart the Firebird service, then run the audit again."),
        ),
        LINUX: (
            N_("Ask your software vendor before changing the database: the practice software must keep working."),
            N_("Edit /etc/firebird/3.0/firebird.conf as administrator (sudo)."),
            N_("Set WireCrypt = Required and AuthServer = Srp; set RemoteBindAddress = 127.0.0.1 if only this computer uses the database."),
            N_("Restart the Firebird service, then run the audit again."),
        ),
    },
    references=(ref.CNIL_ACCESS, ref.CNIL_ENCRYPTION),
)
def firebird_exposure(host: Host) -> Outcome:
    configs = firebird.read_configs(host)
    if not configs:
        return passed(N_("No Firebird server was found on this computer."), [Evidence("Firebird", "not found")])
    config = configs[0]
    evidence = [Evidence(config.path, f"RemoteBindAddress = {config.settings.get('remotebindaddress', '(empty: every interface)')}"),
                Evidence(config.path, f"WireCrypt = {config.wire_crypt}"),
                Evidence(config.path, f"AuthServer = {config.settings.get('authserver', 'Srp (default)')}")]
    weak = config.wire_crypt.lower() == "disabled" or config.legacy_auth
    if config.listens_on_network and weak:
        return failed(N_("Firebird accepts connections from the network with unencrypted traffic or old-style passwords."), evidence)
    if weak:
        return warned(N_("Firebird only listens on this computer, but allows unencrypted traffic or old-style passwords."), evidence)
    if config.listens_on_network:
        return warned(N_("Firebird accepts connections from the network (port {port}); logins are encrypted. Make sure only the computers that need it can reach it."),
                      evidence, port=config.port)
    return passed(N_("Firebird only listens on this computer, with encrypted, modern logins."), evidence)
