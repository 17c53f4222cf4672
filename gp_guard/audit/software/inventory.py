"""Which practice, imaging, file-transfer and database servers this computer has.

Three sources, all read through ``host``:

1. running processes (name and command line): a server started with an explicit configuration
   (``Orthanc /srv/pacs/config.json``, ``vsftpd /etc/ftp/site.conf``, ``postgres -D DIR``) is found
   with that configuration, which is then read only if that process's own account could read it
   (``Host.claim``: any account can start a process named ``orthanc`` naming /etc/shadow);
2. listening sockets, tied to those processes by PID (or by process name when the host only
   names them, as ``lsof`` does);
3. each product's default install and configuration locations on Windows, macOS and Linux, for a
   server that is installed but not running now.

Public API (stable):

- ``find_software(host, products=None) -> list[Installation]``
- ``find(host, key) -> list[Installation]`` (one product: "orthanc", "conquest", "horos", "osirix",
  "vsftpd", "filezilla-server", "postgresql", "mysql", "firebird")
- ``PRODUCTS``: the table of known products (``Product``)
"""

from __future__ import annotations

import ntpath
import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gp_guard.host import LINUX, MACOS, WINDOWS, Host, HostError, Listener, ProcessInfo

IMAGING, FTP, DATABASE = "imaging", "ftp", "database"


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    kind: str  # imaging | ftp | database
    process_names: tuple[str, ...]  # lower case, without ".exe"
    default_ports: tuple[int, ...]
    config_paths: dict[str, tuple[str, ...]]  # platform -> files or folders ("~" = user home)
    install_paths: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dpkg: str | None = None  # Debian package name, for the version


PRODUCTS: tuple[Product, ...] = (
    Product(
        "orthanc", "Orthanc", IMAGING, ("orthanc",), (4242, 8042),
        {
            LINUX: ("/etc/orthanc",),
            WINDOWS: (r"C:\Program Files\Orthanc Server\Configuration",
                      r"C:\Program Files (x86)\Orthanc Server\Configuration"),
            MACOS: ("/Applications/Orthanc/Configuration.json", "/usr/local/etc/orthanc"),
        },
        {WINDOWS: (r"C:\Program Files\Orthanc Server\Orthanc.exe",), MACOS: ("/Applications/Orthanc",)},
        dpkg="orthanc",
    ),
    Product(
        "conquest", "Conquest DICOM server", IMAGING, ("dgate", "dgate64", "conquestdicomserver"), (5678, 104),
        {
            WINDOWS: (r"C:\dicomserver\dicom.ini", r"C:\Conquest\dicom.ini",
                      r"C:\Program Files\Conquest DICOM Server\dicom.ini"),
            LINUX: ("/opt/conquest/dicom.ini", "/usr/local/conquest/dicom.ini", "~/conquest/dicom.ini"),
            MACOS: ("/Applications/Conquest/dicom.ini", "~/conquest/dicom.ini"),
        },
    ),
    Product(
        "horos", "Horos", IMAGING, ("horos",), (11112, 3333, 8080),
        {MACOS: ("~/Library/Preferences/com.horosproject.horos.plist",)},
        {MACOS: ("/Applications/Horos.app",)},
    ),
    Product(
        "osirix", "OsiriX", IMAGING, ("osirix", "osirix md", "osirix lite"), (11112, 3333, 3335),
        {MACOS: ("~/Library/Preferences/com.rossetantoine.osirix.plist",)},
        {MACOS: ("/Applications/OsiriX.app", "/Applications/OsiriX MD.app", "/Applications/OsiriX Lite.app")},
    ),
    Product(
        "vsftpd", "vsftpd", FTP, ("vsftpd",), (21,),
        {LINUX: ("/etc/vsftpd.conf", "/etc/vsftpd/vsftpd.conf")},
        dpkg="vsftpd",
    ),
    Product(
        "filezilla-server", "FileZilla Server", FTP, ("filezilla-server", "filezilla server", "filezillaserver"),
        (21, 14148),
        {
            WINDOWS: (r"C:\ProgramData\filezilla-server\settings.xml",
                      r"C:\xampp\FileZillaFTP\FileZilla Server.xml",
                      r"C:\Program Files (x86)\FileZilla Server\FileZilla Server.xml",
                      r"C:\Program Files\FileZilla Server\FileZilla Server.xml"),
            LINUX: ("/opt/filezilla-server/etc/settings.xml",),
        },
    ),
    Product(
        "postgresql", "PostgreSQL", DATABASE, ("postgres", "postmaster"), (5432,),
        {LINUX: ("/etc/postgresql",), WINDOWS: (r"C:\Program Files\PostgreSQL",),
         MACOS: ("/Library/PostgreSQL", "/usr/local/var/postgres")},
    ),
    Product(
        "mysql", "MySQL/MariaDB", DATABASE, ("mysqld", "mariadbd"), (3306,),
        {LINUX: ("/etc/mysql/my.cnf",), WINDOWS: (r"C:\ProgramData\MySQL", r"C:\Program Files\MariaDB"),
         MACOS: ("/usr/local/etc/my.cnf", "/opt/homebrew/etc/my.cnf")},
    ),
    Product(
        "firebird", "Firebird", DATABASE, ("fbserver", "fbguard", "firebird", "fb_inet_server"), (3050,),
        {LINUX: ("/etc/firebird",), WINDOWS: (r"C:\Program Files\Firebird",),
         MACOS: ("/Library/Frameworks/Firebird.framework",)},
    ),
)
_BY_KEY = {p.key: p for p in PRODUCTS}


@dataclass(frozen=True)
class Endpoint:
    ip: str
    port: int

    @property
    def loopback(self) -> bool:
        return Listener("tcp", self.ip, self.port).loopback

    def __str__(self) -> str:
        return f"[{self.ip}]:{self.port}" if ":" in self.ip else f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class Installation:
    """One server found: a running process and/or a configuration at a known place."""

    product: str  # Product.key
    name: str  # display name ("Orthanc")
    kind: str  # imaging | ftp | database
    version: str | None = None
    config_paths: tuple[str, ...] = ()  # what the server reads (file or folder), first = main
    pids: tuple[int, ...] = ()
    listening: tuple[Endpoint, ...] = ()  # TCP listening sockets of its processes
    found_by: tuple[str, ...] = ()  # "process", "config", "install"
    command_line: tuple[str, ...] = ()

    @property
    def running(self) -> bool:
        return bool(self.pids)

    @property
    def network_listening(self) -> tuple[Endpoint, ...]:
        """Sockets reachable from other computers (not loopback only)."""
        return tuple(e for e in self.listening if not e.loopback)

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(sorted({e.port for e in self.listening}))

    def describe(self) -> str:
        """One line for evidence: name, version, pids, ports, configuration."""
        parts = [self.name + (f" {self.version}" if self.version else "")]
        if self.pids:
            parts.append("pid " + ",".join(str(p) for p in self.pids))
        if self.listening:
            parts.append("listening " + " ".join(str(e) for e in self.listening))
        if self.config_paths:
            parts.append("config " + " ".join(self.config_paths))
        return "; ".join(parts)


def _base(name: str) -> str:
    name = ntpath.basename(posixpath.basename(name)).lower()
    return name[:-4] if name.endswith(".exe") else name


def _matches(product: Product, proc: ProcessInfo) -> bool:
    names = {_base(proc.name)}
    if proc.cmdline:
        names.add(_base(proc.cmdline[0]))
    return any(n in product.process_names for n in names)


def _worker(proc: ProcessInfo) -> bool:
    """A helper process that renamed itself ("postgres: 15/main: checkpointer")."""
    first = proc.cmdline[0].lower() if proc.cmdline else ""
    return first.startswith(_base(proc.name) + ":")


def _expand(host: Host, path: str) -> str:
    if path.startswith("~"):
        home = host.home()
        return (home.rstrip("/\\") + path[1:]) if home else path
    return path


def _config_from_cmdline(product: Product, argv: Sequence[str]) -> tuple[str, ...]:
    args = list(argv[1:])
    if product.key in ("orthanc", "vsftpd"):
        # Orthanc [--options] CONFIG ; vsftpd [-v] [-oKEY=VALUE] CONFIG
        plain = [a for a in args if not a.startswith("-")]
        return (plain[0],) if plain else ()
    if product.key == "postgresql":
        found: list[str] = []
        for i, arg in enumerate(args):
            if arg.startswith("config_file="):
                found.append(arg.split("=", 1)[1])
            elif arg == "-D" and i + 1 < len(args):
                found.append(args[i + 1])
            elif arg.startswith("-D") and len(arg) > 2:
                found.append(arg[2:])
        return tuple(found)
    if product.key == "mysql":
        return tuple(a.split("=", 1)[1] for a in args if a.startswith("--defaults-file="))
    return ()


def _safe(call, default):  # type: ignore[no-untyped-def]
    try:
        return call()
    except (HostError, OSError, NotImplementedError):
        return default


def _dpkg_version(host: Host, package: str | None) -> str | None:
    if host.platform != LINUX or not package or not host.has_tool("dpkg-query"):
        return None
    result = _safe(lambda: host.run(["dpkg-query", "-W", "-f=${Version}", package], timeout=5), None)
    if result is None or not result.ok or not result.stdout.strip():
        return None
    return result.stdout.strip()


def _exists(host: Host, path: str) -> bool:
    return bool(_safe(lambda: host.exists(path), False))


def find_software(host: Host, products: Iterable[str] | None = None) -> list[Installation]:
    """Every installation of the given products (all when None), running ones first.

    Never raises for a missing source: a host that cannot list processes or sockets (a recorded
    host, a macOS user without rights) still gets the configuration locations.
    """
    wanted = [_BY_KEY[k] for k in products] if products is not None else list(PRODUCTS)
    procs: list[ProcessInfo] = _safe(host.processes, [])
    listeners: list[Listener] = _safe(host.listeners, [])
    tcp = [li for li in listeners if li.proto == "tcp"]
    found: list[Installation] = []
    for product in wanted:
        version = None
        groups: dict[tuple[str, ...], list[ProcessInfo]] = {}
        for proc in procs:
            if _matches(product, proc) and not _worker(proc):
                groups.setdefault(_config_from_cmdline(product, proc.cmdline), []).append(proc)
        if groups or any(_exists(host, p) for p in product.config_paths.get(host.platform, ())):
            version = _dpkg_version(host, product.dpkg)
        covered: set[str] = set()
        for configs, members in groups.items():
            pids = tuple(sorted(p.pid for p in members))
            configs = tuple(_absolute(host, product, c, pids[0]) for c in configs)
            for config in configs:  # named on a command line: read only what its server could read
                for member in members:
                    host.claim(config, member.username)
            names = {_base(p.name) for p in members}
            sockets = [
                li for li in tcp
                if (li.pid in pids) or (li.pid is None and li.process and _base(li.process) in names)
            ]
            if not configs:
                configs = _default_configs(host, product) if product.key != "orthanc" else ()
            covered.update(_key(host, c) for c in configs)
            found.append(Installation(
                product.key, product.name, product.kind, version, configs, pids,
                _endpoints(sockets), ("process",), tuple(members[0].cmdline),
            ))
        if not groups:
            # lsof names the process without a process list: tie sockets by name
            named = [li for li in tcp if li.process and _base(li.process) in product.process_names]
            if named:
                found.append(Installation(
                    product.key, product.name, product.kind, version, _default_configs(host, product),
                    tuple(sorted({li.pid for li in named if li.pid is not None})), _endpoints(named),
                    ("listener",),
                ))
                covered.update(_key(host, c) for c in _default_configs(host, product))
        for path in _default_configs(host, product):
            if _key(host, path) not in covered:
                found.append(Installation(product.key, product.name, product.kind, version, (path,), (), (), ("config",)))
                covered.add(_key(host, path))
        if not any(i.product == product.key for i in found):
            for path in product.install_paths.get(host.platform, ()):
                if _exists(host, _expand(host, path)):
                    found.append(Installation(product.key, product.name, product.kind, version, (), (), (), ("install",)))
                    break
    return found


ORTHANC_WINDOWS_KEY = r"HKLM\SOFTWARE\Orthanc\Orthanc Server"


def _orthanc_install_dir(host: Host) -> str | None:
    """Where the Windows installer put Orthanc (its service runs there), from the registry."""
    value = _safe(lambda: host.reg_value(ORTHANC_WINDOWS_KEY, "InstallDir"), None)
    return str(value.value) if value is not None and isinstance(value.value, str) and value.value else None


def _absolute(host: Host, product: Product, path: str, pid: int) -> str:
    """A relative configuration path is relative to the server's working directory.

    Linux: /proc/PID/cwd/ leads there. Windows: the Orthanc service (OrthancService.exe, from
    orthanc-server/orthanc-builder) starts ``Orthanc.exe --logdir=Logs Configuration`` in the
    install folder named by the registry (InstallDir). Elsewhere the path is kept as given.
    """
    if ntpath.isabs(path) or path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        return path
    if host.platform == LINUX:
        return f"/proc/{pid}/cwd/{path}"
    if host.platform == WINDOWS and product.key == "orthanc":
        base = _orthanc_install_dir(host) or r"C:\Program Files\Orthanc Server"
        return ntpath.join(base, path)
    return path


def _key(host: Host, path: str) -> str:
    path = path.rstrip("/\\")
    return path.lower() if host.platform == WINDOWS else path


def _default_configs(host: Host, product: Product) -> tuple[str, ...]:
    candidates = list(product.config_paths.get(host.platform, ()))
    if product.key == "orthanc" and host.platform == WINDOWS:
        install = _orthanc_install_dir(host)
        if install:
            candidates.insert(0, ntpath.join(install, "Configuration"))
    paths = dict.fromkeys(_expand(host, p) for p in candidates)
    return tuple(p for p in paths if _exists(host, p))


def _endpoints(sockets: Iterable[Listener]) -> tuple[Endpoint, ...]:
    return tuple(sorted({Endpoint(li.ip, li.port) for li in sockets}, key=lambda e: (e.port, e.ip)))


def find(host: Host, key: str) -> list[Installation]:
    """Installations of one product (see ``PRODUCTS`` for the keys)."""
    return find_software(host, [key])


def listeners_on(host: Host, ports: Iterable[int]) -> tuple[Endpoint, ...]:
    """TCP listening sockets on these ports, whoever owns them (for a server found by its config)."""
    wanted = set(ports)
    listeners: list[Listener] = _safe(host.listeners, [])
    return _endpoints(li for li in listeners if li.proto == "tcp" and li.port in wanted)


def loopback_address(endpoints: Iterable[Endpoint], port: int) -> str | None:
    """The loopback address a probe of ``port`` may use: 127.0.0.1 or ::1 when the server listens
    there (or on every interface); None when it listens only on other addresses."""
    ips = {e.ip for e in endpoints if e.port == port}
    if ips & {"0.0.0.0", "", "*"} or any(ip.startswith("127.") for ip in ips):
        return "127.0.0.1"
    if ips & {"::", "::1"}:
        return "::1"
    return None
