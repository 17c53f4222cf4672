"""Parsers of database configuration files (DB-01/02/03): never a crash, and real tricky syntax.

Property tests: whatever the text, postgres.parse_conf / parse_hba, mysql.read_config and
firebird.parse give a result or a ConfigError that names the file, never another exception.
Example tests: syntax taken from the PostgreSQL, MySQL/MariaDB and Firebird documentation and
from real files (quoted values holding '#', doubled quotes, address + netmask, !includedir,
versioned sections, skip-networking...).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gp_guard.audit.software import firebird, mysql, postgres
from gp_guard.audit.software.postgres import ConfigError
from gp_guard.host import LINUX, MACOS, WINDOWS
from tests.helpers import PartialHost

PG_CONF = "/etc/postgresql/16/main/postgresql.conf"
PG_HBA = "/etc/postgresql/16/main/pg_hba.conf"
MY_CNF = "/etc/mysql/my.cnf"
FB_CONF = "/etc/firebird/3.0/firebird.conf"


class DictHost(PartialHost):
    """A host whose files and folders are a dict: enough for the readers, nothing else."""

    def __init__(self, files: dict[str, str], dirs: dict[str, list[str]] | None = None,
                 platform: str = LINUX) -> None:
        self.files = files
        self.dirs = dirs or {}
        self.platform = platform
        self.read: list[str] = []

    def read_text(self, path: str) -> str | None:
        self.read.append(path)
        return self.files.get(path)

    def list_dir(self, path: str) -> list[str] | None:
        return self.dirs.get(path)

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.dirs


# -- strategies -----------------------------------------------------------------------------

FRAGMENTS = ["listen_addresses", "port", "hba_file", "include", "local", "host", "hostssl", "all",
             "trust", "md5", "scram-sha-256", "samehost", "samenet", "127.0.0.1", "192.168.1.0",
             "255.255.255.0", "/24", "/32", "::1", "0.0.0.0/0", ".example.com", "localhost", "*",
             "=", " = ", "'", "''", '"', "\\", "#", ";", " ", "\t", ",", "[", "]", "[mysqld]",
             "[mysqld-8.0]", "[client]", "[mariadb]", "bind-address", "bind_address",
             "skip-networking", "!include ", "!includedir ", "RemoteBindAddress", "WireCrypt",
             "Disabled", "AuthServer", "Legacy_Auth", "Srp", "RemoteServicePort", "3050", "5432",
             "99999999999999999999", "-1", "x", "é", "\u00a0", "\x00", "\r"]

config_line = st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join)
config_text = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(config_line, st.text(max_size=30)), max_size=25).map("\n".join),
)
RUN = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- properties -------------------------------------------------------------------------------

@RUN
@given(config_text)
def test_db_postgres_conf_any_text_gives_settings_or_a_config_error(text):
    try:
        found = postgres.parse_conf(text, PG_CONF)
    except ConfigError as exc:
        assert exc.path == PG_CONF and exc.detail
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in found.items())
    config = postgres.PostgresConfig(PG_CONF, found)
    assert isinstance(config.listens_on_network, bool)
    assert isinstance(config.port, int)
    assert all(isinstance(a, str) for a in config.listen_addresses)


@RUN
@given(config_text)
def test_db_pg_hba_any_text_gives_rules_or_a_config_error(text):
    try:
        rules = postgres.parse_hba(text, PG_HBA)
    except ConfigError as exc:
        assert exc.path == PG_HBA and exc.detail
        return
    for rule in rules:
        assert isinstance(rule.network_wide, bool)
        assert rule.text().startswith(f"line {rule.line}: ")


@RUN
@given(config_text, config_text)
def test_db_postgres_read_config_through_a_host(conf, hba):
    host = DictHost({PG_CONF: conf, PG_HBA: hba})
    try:
        config = postgres.read_config(host, PG_CONF)
    except ConfigError as exc:
        assert exc.path in host.read and exc.detail  # postgresql.conf, or the pg_hba.conf it names
        return
    assert config is not None and config.conf_path == PG_CONF


@RUN
@given(config_text, config_text, config_text)
def test_db_mysql_any_text_gives_a_config_or_a_config_error(main, included, in_dir):
    extra = "/etc/mysql/extra.cnf"
    host = DictHost(
        {MY_CNF: main + "\n!include " + extra + "\n!includedir /etc/mysql/conf.d/\n",
         extra: included, "/etc/mysql/conf.d/a.cnf": in_dir, "/etc/mysql/conf.d/b.cnf": main},
        {"/etc/mysql/conf.d/": ["b.cnf", "a.cnf", "README"]},
    )
    try:
        config = mysql.read_config(host, MY_CNF)
    except ConfigError as exc:
        assert exc.path in host.files and exc.detail
        return
    assert config is not None and config.files[0] == MY_CNF
    assert isinstance(config.listens_on_network, bool)
    assert isinstance(config.port, int)


@RUN
@given(config_text)
def test_db_mysql_included_paths_come_from_the_text(text):
    """Include lines name arbitrary paths: missing ones are skipped, loops end in ConfigError."""
    host = DictHost({MY_CNF: text})
    try:
        config = mysql.read_config(host, MY_CNF)
    except ConfigError as exc:
        assert exc.path == MY_CNF
        return
    assert config is not None


@RUN
@given(config_text)
def test_db_firebird_any_text_gives_a_config(text):
    config = firebird.parse(text, FB_CONF)
    assert config.path == FB_CONF
    assert isinstance(config.listens_on_network, bool)
    assert isinstance(config.legacy_auth, bool)
    assert isinstance(config.wire_crypt, str)
    assert isinstance(config.port, int)


# -- postgresql.conf --------------------------------------------------------------------------

def test_db_postgres_quoted_value_keeps_its_hash_and_drops_the_comment():
    text = "log_line_prefix = '%m # [%p] '\t\t# special values:\n"
    assert postgres.parse_conf(text, PG_CONF) == {"log_line_prefix": "%m # [%p] "}


def test_db_postgres_doubled_quotes_are_one_quote():
    text = "search_path = '''$user'', public'\t# schema names\n"
    assert postgres.parse_conf(text, PG_CONF)["search_path"] == "'$user', public"


def test_db_postgres_backslash_escaped_quote_does_not_end_the_value():
    """guc-file.l accepts \\' inside a quoted value: a '#' after it is still inside the value."""
    text = "log_line_prefix = 'dr\\'s log # %m '  # comment\nlisten_addresses = '*'\n"
    found = postgres.parse_conf(text, PG_CONF)
    assert found["log_line_prefix"] == "dr\\'s log # %m "  # the escape itself is kept as written
    assert found["listen_addresses"] == "*"


def test_db_postgres_equals_sign_is_optional_and_last_assignment_wins():
    text = "port 5433\nlisten_addresses = 'localhost'\nLISTEN_ADDRESSES = '*'  # later wins\n"
    config = postgres.PostgresConfig(PG_CONF, postgres.parse_conf(text, PG_CONF))
    assert config.port == 5433
    assert config.listen_addresses == ["*"] and config.listens_on_network


def test_db_postgres_commented_listen_addresses_means_localhost():
    text = "#listen_addresses = 'localhost'\t\t# what IP address(es) to listen on;\n\t\t\t\t\t# (change requires restart)\n"
    config = postgres.PostgresConfig(PG_CONF, postgres.parse_conf(text, PG_CONF))
    assert config.listen_addresses == ["localhost"] and not config.listens_on_network


def test_db_postgres_listen_address_lists():
    def listens(value: str) -> bool:
        return postgres.PostgresConfig(PG_CONF, {"listen_addresses": value}).listens_on_network

    assert not listens("localhost, 127.0.0.1,::1")
    assert not listens("")  # no TCP at all, Unix socket only
    assert listens("localhost, 192.168.1.10")
    assert listens("0.0.0.0") and listens("::") and listens("*")
    assert listens("cabinet-serveur")  # a host name may resolve to a LAN address


def test_db_postgres_unterminated_quote_is_a_config_error_with_path_and_line():
    try:
        postgres.parse_conf("port = 5432\nlisten_addresses = '*\n", PG_CONF)
    except ConfigError as exc:
        assert exc.path == PG_CONF and "line 2" in exc.detail
    else:
        raise AssertionError("an unterminated quote must be refused")


def test_db_postgres_garbage_line_is_a_config_error():
    try:
        postgres.parse_conf("<?xml version='1.0'?>\n", PG_CONF)
    except ConfigError as exc:
        assert exc.path == PG_CONF and "line 1" in exc.detail
    else:
        raise AssertionError("a line that is no setting must be refused")


def test_db_postgres_hba_file_setting_moves_pg_hba():
    elsewhere = "/srv/pg/hba.conf"
    host = DictHost({PG_CONF: f"hba_file = '{elsewhere}'\nlisten_addresses = '*'\n",
                     elsewhere: "host all all 10.0.0.0/8 trust\n"})
    config = postgres.read_config(host, PG_CONF)
    assert config.hba_path == elsewhere
    assert [r.address for r in config.hba] == ["10.0.0.0/8"] and config.hba[0].network_wide


def test_db_postgres_windows_data_folder_gives_windows_hba_path():
    conf = r"C:\Program Files\PostgreSQL\16\data\postgresql.conf"
    hba = r"C:\Program Files\PostgreSQL\16\data\pg_hba.conf"
    host = DictHost({conf: "listen_addresses = '*'\n", hba: "host all all 127.0.0.1/32 scram-sha-256\n"},
                    platform=WINDOWS)
    config = postgres.read_config(host, conf)
    assert config.hba_path == hba and config.hba[0].method == "scram-sha-256"


def test_db_postgres_missing_file_gives_none_and_unreadable_hba_gives_none():
    assert postgres.read_config(DictHost({}), PG_CONF) is None
    config = postgres.read_config(DictHost({PG_CONF: "port = 5432\n"}), PG_CONF)
    assert config is not None and config.hba is None


# -- pg_hba.conf ------------------------------------------------------------------------------

def test_db_hba_address_and_separate_netmask_form():
    rules = postgres.parse_hba(
        "host    all   all   192.168.1.0     255.255.255.0     trust\n"
        "hostssl all   all   127.0.0.1       255.255.255.255   md5\n", PG_HBA)
    assert [(r.address, r.method, r.network_wide) for r in rules] == [
        ("192.168.1.0/24", "trust", True), ("127.0.0.1/32", "md5", False)]


def test_db_hba_special_addresses():
    text = "\n".join([
        "local   all   all                     trust",
        "host    all   all   samehost          trust",
        "host    all   all   samenet           trust",
        "host    all   all   all               trust",
        "host    all   all   .example.com      trust",
        "host    all   all   localhost         trust",
        "host    all   all   ::1/128           trust",
        "host    all   all   0.0.0.0/0         trust",
        "host    all   all   fe80::/10         trust",
    ])
    wide = [r.network_wide for r in postgres.parse_hba(text, PG_HBA)]
    assert wide == [False, False, True, True, True, False, False, True, True]


def test_db_hba_quoted_names_options_comments_and_includes():
    text = "\n".join([
        "# TYPE  DATABASE        USER            ADDRESS                 METHOD",
        'host    "my db"         "dr martin"     10.0.0.0/8              md5   # comment',
        "host    all             all             0.0.0.0/0               ldap ldapserver=ldap.example.net ldapprefix=\"cn=\"",
        "HOST    all             all             ::1/128                 SCRAM-SHA-256",
        "include_dir conf.d",
        "include_if_exists extra.conf",
        "",
    ])
    rules = postgres.parse_hba(text, PG_HBA)
    assert [(r.line, r.database, r.user, r.method) for r in rules] == [
        (2, "my db", "dr martin", "md5"), (3, "all", "all", "ldap"), (4, "all", "all", "scram-sha-256")]
    assert rules[0].text() == "line 2: host my db dr martin 10.0.0.0/8 md5"


def test_db_hba_broken_lines_are_config_errors():
    for bad in ["host all all\n", "hostssl all all 10.0.0.0/8\n", "garbage\n", 'host "all all 1.2.3.4/32 md5\n']:
        try:
            postgres.parse_hba(bad, PG_HBA)
        except ConfigError as exc:
            assert exc.path == PG_HBA and exc.detail.startswith("line 1")
        else:
            raise AssertionError(f"{bad!r} must be refused")


# -- my.cnf / my.ini -------------------------------------------------------------------------

def test_db_mysql_includedir_reads_cnf_files_in_order_and_last_value_wins():
    host = DictHost(
        {MY_CNF: "[mysqld]\nbind-address = 0.0.0.0\n!includedir /etc/mysql/conf.d/\n",
         "/etc/mysql/conf.d/50-server.cnf": "[mysqld]\nbind-address = 10.0.0.5\n",
         "/etc/mysql/conf.d/99-local.cnf": "[mysqld]\nbind-address = 127.0.0.1\n",
         "/etc/mysql/conf.d/notes.txt": "[mysqld]\nbind-address = 0.0.0.0\n"},
        {"/etc/mysql/conf.d/": ["99-local.cnf", "notes.txt", "50-server.cnf"]},
    )
    config = mysql.read_config(host, MY_CNF)
    assert config.files == [MY_CNF, "/etc/mysql/conf.d/50-server.cnf", "/etc/mysql/conf.d/99-local.cnf"]
    assert config.bind_address == "127.0.0.1" and not config.listens_on_network


def test_db_mysql_includedir_on_windows_joins_with_backslash():
    main = r"C:\ProgramData\MySQL\MySQL Server 8.0\my.ini"
    host = DictHost({main: "!includedir C:\\ProgramData\\MySQL\\conf.d\n",
                     r"C:\ProgramData\MySQL\conf.d\local.ini": "[mysqld]\nbind-address=127.0.0.1\n"},
                    {r"C:\ProgramData\MySQL\conf.d": ["local.ini"]}, platform=WINDOWS)
    assert mysql.read_config(host, main).bind_address == "127.0.0.1"


def test_db_mysql_server_sections_versioned_and_client_sections_ignored():
    text = "\n".join([
        "[client]", "bind-address = 192.168.1.2", "port = 3307",
        "[mysqld_safe]", "bind-address = 192.168.1.3",
        "[mysqld-8.0]", "bind_address = 127.0.0.1", "port = 3308",
        "[mariadb-10.11]", "skip_name_resolve",
    ])
    config = mysql.read_config(DictHost({MY_CNF: text}), MY_CNF)
    assert config.bind_address == "127.0.0.1" and config.port == 3308
    assert config.settings["skip-name-resolve"] == "1"


def test_db_mysql_skip_networking_variants():
    def listens(text: str) -> bool:
        return mysql.read_config(DictHost({MY_CNF: "[mysqld]\n" + text}), MY_CNF).listens_on_network

    assert listens("")  # no bind-address: every interface
    assert not listens("skip-networking")
    assert not listens("skip_networking = ON")
    assert listens("skip-networking = 0\nbind-address = 0.0.0.0")
    assert not listens("bind-address = 127.0.0.1,::1")
    assert listens("bind-address = 127.0.0.1, 192.168.1.5")


def test_db_mysql_quotes_and_trailing_comments_are_removed():
    text = "[mysqld]\nbind-address = \"127.0.0.1\"   # only here\n; a comment\n# another\nport='3310'\n"
    config = mysql.read_config(DictHost({MY_CNF: text}), MY_CNF)
    assert config.bind_address == "127.0.0.1" and config.port == 3310


def test_db_mysql_include_loop_and_unclosed_section_are_config_errors():
    loop = DictHost({MY_CNF: f"!include {MY_CNF}\n"})
    try:
        mysql.read_config(loop, MY_CNF)
    except ConfigError as exc:
        assert exc.path == MY_CNF and "deeply" in exc.detail
    else:
        raise AssertionError("an include loop must end")
    extra = "/etc/mysql/extra.cnf"
    broken = DictHost({MY_CNF: f"!include {extra}\n", extra: "[mysqld\nbind-address = 0.0.0.0\n"})
    try:
        mysql.read_config(broken, MY_CNF)
    except ConfigError as exc:
        assert exc.path == extra and "line 1" in exc.detail
    else:
        raise AssertionError("an unclosed section must be refused")


def test_db_mysql_missing_file_gives_none_and_missing_include_is_skipped():
    assert mysql.read_config(DictHost({}), MY_CNF) is None
    config = mysql.read_config(DictHost({MY_CNF: "!include /nowhere.cnf\n!includedir /nodir\n[mysqld]\n"}), MY_CNF)
    assert config.files == [MY_CNF]


def test_db_mysql_homebrew_default_file():
    text = ("# Default Homebrew MySQL server config\n[mysqld]\n# Only allow connections from localhost\n"
            "bind-address = 127.0.0.1\nmysqlx-bind-address = 127.0.0.1\n")
    config = mysql.read_config(DictHost({"/opt/homebrew/etc/my.cnf": text}, platform=MACOS), "/opt/homebrew/etc/my.cnf")
    assert not config.listens_on_network and config.settings["mysqlx-bind-address"] == "127.0.0.1"


# -- firebird.conf ----------------------------------------------------------------------------

def test_db_firebird_defaults_when_everything_is_commented():
    text = "#RemoteBindAddress =\n#WireCrypt = Enabled (for client) / Required (for server)\n#AuthServer = Srp256\n"
    config = firebird.parse(text, FB_CONF)
    assert config.settings == {}
    assert config.listens_on_network and config.wire_crypt == "Required" and not config.legacy_auth
    assert config.port == 3050


def test_db_firebird_legacy_settings_and_comments_after_values():
    text = "\n".join([
        "AuthServer = Legacy_Auth, Srp, Win_Sspi   # for old clients",
        "wirecrypt=Enabled",
        "RemoteServicePort = 3051",
        "RemoteBindAddress = 127.0.0.1",
        "=orphan value",
        "no equals sign here",
    ])
    config = firebird.parse(text, FB_CONF)
    assert config.legacy_auth and config.wire_crypt == "Enabled" and config.port == 3051
    assert not config.listens_on_network
    assert "" not in config.settings


def test_db_firebird_empty_bind_address_listens_everywhere_and_last_value_wins():
    config = firebird.parse("RemoteBindAddress = 127.0.0.1\nRemoteBindAddress =\n", FB_CONF)
    assert config.settings["remotebindaddress"] == "" and config.listens_on_network


def test_db_firebird_read_configs_through_a_host():
    path = firebird.candidate_paths(WINDOWS)[1]
    host = DictHost({path: "WireCrypt = Disabled\n"}, platform=WINDOWS)
    configs = firebird.read_configs(host)
    assert [c.path for c in configs] == [path] and configs[0].wire_crypt == "Disabled"
    assert firebird.read_configs(DictHost({})) == []


def test_db_mysql_includedir_with_too_many_files_is_a_config_error():
    names = [f"{i:04}.cnf" for i in range(mysql.MAX_FILES + 50)]
    files = {"/etc/mysql/my.cnf": "!includedir /etc/mysql/conf.d\n"}
    files.update({f"/etc/mysql/conf.d/{n}": "[mysqld]\nport=3306\n" for n in names})
    host = DictHost(files, {"/etc/mysql/conf.d": names})
    try:
        mysql.read_config(host, "/etc/mysql/my.cnf")
    except ConfigError as exc:
        assert exc.detail == f"more than {mysql.MAX_FILES} included files"
    else:
        raise AssertionError("no ConfigError")
    assert len(host.read) == mysql.MAX_FILES + 1  # stopped there, the rest never read


def test_db_config_errors_never_quote_the_file():
    """A process can name any file as its configuration (``postgres -c config_file=/etc/shadow``)
    and the audit often runs as administrator: an error names the file and the line, never its text."""
    shadow = "root:$y$j9T$SECRETHASHSECRETHASH:19700:0:99999:7:::\n"
    for call in (lambda: postgres.parse_conf("$y$j9T$SECRETHASH", "/etc/shadow"),
                 lambda: postgres.parse_hba(shadow, "/etc/shadow"),
                 lambda: mysql.read_config(DictHost({"/etc/shadow": "[" + shadow}), "/etc/shadow")):
        try:
            call()
        except ConfigError as exc:
            assert "line 1" in exc.detail and "SECRET" not in str(exc) and "root" not in exc.detail
        else:
            raise AssertionError("not a configuration")
