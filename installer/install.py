"""Install Kontaktcenter into a prefix, idempotently (``python -m installer --prefix PREFIX``).

What goes where (``--prefix /`` uses the system places shown in brackets):

- ``PREFIX/venv`` [/opt/kontakt/venv]: a virtual environment with this project installed;
- ``PREFIX/etc/kontakt.toml`` [/etc/kontakt/kontakt.toml]: settings, never secrets;
- ``PREFIX/etc/kontakt.env``: ``KONTAKT_CONFIG`` and ``KONTAKT_DATA_DIR`` (systemd and wrapper);
- ``PREFIX/etc/credentials`` (0700): the keyring's master key and encrypted keyring file;
- ``PREFIX/etc/tls``: the TLS certificate and its key (0600), self-signed unless given;
- ``PREFIX/etc/systemd``: ``kontakt-api.service`` and ``kontakt-worker.service``;
- ``PREFIX/var/lib/kontakt`` (0700): the data directory (SQLite database, job queue);
- ``PREFIX/bin/kontakt`` [/usr/local/bin/kontakt]: the ``kontakt`` command for this installation.

This module uses the standard library only, so that it runs on a bare ``python3``; every step
that needs the project's dependencies (the TLS certificate, keys, database, first
administrator) runs through the virtual environment it has just installed.
"""

from __future__ import annotations

import argparse
import fnmatch
import getpass
import hashlib
import json
import os
import pwd
import re
import shutil
import site
import socket
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from string import Template
from urllib.parse import unquote, urlsplit, urlunsplit

SOURCE_ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = Path(__file__).with_name("templates")
UNITS = ("kontakt-api.service", "kontakt-worker.service")
DB_PASSWORD_SECRET = "database-password"  # the name core.runtime reads
STAMP = ".kontakt-install.json"
META_FILES = ("pyproject.toml", "setup.cfg", "setup.py", "MANIFEST.in")
DEFAULT_PORT = 8443


class InstallError(RuntimeError):
    """The installation cannot go on; the message is the one line the operator sees."""


@dataclass(frozen=True)
class Layout:
    """Where every part of an installation lives."""

    prefix: Path
    venv: Path
    etc: Path
    data_dir: Path
    credentials: Path
    tls_dir: Path
    units_dir: Path
    bin_dir: Path

    @property
    def config(self) -> Path:
        return self.etc / "kontakt.toml"

    @property
    def env_file(self) -> Path:
        return self.etc / "kontakt.env"

    @property
    def wrapper(self) -> Path:
        return self.bin_dir / "kontakt"

    @property
    def venv_kontakt(self) -> Path:
        return self.venv / "bin" / "kontakt"

    @property
    def venv_python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def self_signed(self) -> tuple[Path, Path]:
        return self.tls_dir / "kontakt.crt", self.tls_dir / "kontakt.key"

    @property
    def is_system(self) -> bool:
        return self.prefix == Path("/")


def layout_for(prefix: Path) -> Layout:
    """The layout for ``prefix``; ``/`` means the system places (/opt, /etc, /var/lib)."""
    prefix = Path(os.path.abspath(prefix))
    if prefix == Path("/"):
        etc = Path("/etc/kontakt")
        return Layout(
            prefix,
            Path("/opt/kontakt/venv"),
            etc,
            Path("/var/lib/kontakt"),
            etc / "credentials",
            etc / "tls",
            etc / "systemd",
            Path("/usr/local/bin"),
        )
    etc = prefix / "etc"
    return Layout(
        prefix,
        prefix / "venv",
        etc,
        prefix / "var" / "lib" / "kontakt",
        etc / "credentials",
        etc / "tls",
        etc / "systemd",
        prefix / "bin",
    )


@dataclass
class Options:
    prefix: Path
    source: Path
    admin: str
    admin_password_stdin: bool
    tls_cert: Path | None
    tls_key: Path | None
    hostname: str
    host: str | None
    port: int | None
    database_url: str | None
    redis_url: str | None
    instance_name: str | None
    service_user: str | None
    systemd_enable: bool
    reuse_site_packages: bool
    wheelhouse: Path | None


def say(action: str, what: object) -> None:
    print(f"  {action:<10} {what}", flush=True)


# -- checks before anything is written ---------------------------------------------------------
def validate(opts: Options) -> tuple[str | None, str | None]:
    """Refuse bad input before touching the disk; returns (database URL without password,
    database password)."""
    if (opts.tls_cert is None) != (opts.tls_key is None):
        raise InstallError("--tls-cert and --tls-key go together: give both or neither")
    for path in (opts.tls_cert, opts.tls_key):
        if path is not None and not path.is_file():
            raise InstallError(f"{path}: no such file")
    if re.search(r"\s", str(opts.prefix.absolute())):
        raise InstallError("--prefix must not contain whitespace (systemd and the env file)")
    if not (opts.source / "pyproject.toml").is_file():
        raise InstallError(f"--source {opts.source}: no pyproject.toml there")
    if opts.port is not None and not 1 <= opts.port <= 65535:
        raise InstallError(f"--port {opts.port} is not a TCP port")
    if not re.fullmatch(r"[a-z_][a-z0-9_.-]{0,63}", opts.admin):
        raise InstallError(f"--admin {opts.admin!r} is not a valid username")
    if opts.redis_url is not None:
        parts = urlsplit(opts.redis_url)
        if parts.scheme not in ("redis", "rediss"):
            raise InstallError("--redis-url must start with redis:// or rediss://")
        if parts.password:
            raise InstallError(
                "--redis-url with a password is not supported yet (it would land in the "
                "config file); use a Redis reachable without one, e.g. on localhost"
            )
    if opts.database_url is None:
        return None, None
    parts = urlsplit(opts.database_url)
    if opts.database_url and parts.scheme not in ("postgres", "postgresql"):
        raise InstallError("--database-url must be postgresql://user@host/db (or empty)")
    if not parts.password:
        return opts.database_url, None
    netloc = (parts.username or "") + "@" + (parts.hostname or "")
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc)), unquote(parts.password)


def check_writable(prefix: Path) -> None:
    """Make sure the prefix exists and can be written to, in one clear line if not."""
    try:
        prefix.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=prefix, prefix=".kontakt-probe"):
            pass
    except OSError as exc:
        raise InstallError(f"cannot write to --prefix {prefix}: {exc.strerror or exc}") from exc


def service_user(opts: Options, layout: Layout) -> tuple[str, str]:
    """(user, group) the services run as; created as a system user on ``--prefix /``."""
    is_root = os.geteuid() == 0
    name = opts.service_user or ("kontakt" if is_root else getpass.getuser())
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        if not (is_root and layout.is_system):
            raise InstallError(
                f"service user {name!r} does not exist; create it (useradd --system "
                f"--user-group {name}) or pass --service-user"
            ) from None
        _run(
            [
                "useradd",
                "--system",
                "--user-group",
                "--home-dir",
                str(layout.data_dir),
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                name,
            ],
            "useradd",
        )
        say("created", f"system user {name}")
        entry = pwd.getpwnam(name)
    import grp

    return name, grp.getgrgid(entry.pw_gid).gr_name


# -- small file helpers -------------------------------------------------------------------------
def write_if_changed(path: Path, text: str, mode: int) -> bool:
    """Write ``text`` unless the file already holds it; set ``mode`` either way."""
    if path.exists() and path.read_text(encoding="utf-8") == text:
        os.chmod(path, mode)
        say("unchanged", path)
        return False
    existed = path.exists()
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    say("updated" if existed else "created", path)
    return True


def make_dir(path: Path, mode: int) -> None:
    existed = path.is_dir()
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    if not existed:
        say("created", f"{path}/")


def chown_tree(path: Path, user: str, group: str) -> None:
    if os.geteuid() != 0:
        return
    shutil.chown(path, user, group)
    for child in path.rglob("*"):
        shutil.chown(child, user, group)


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for child processes: none of the caller's KONTAKT_* or PYTHONPATH."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KONTAKT_") and k not in ("PYTHONPATH", "PYTHONHOME")
    }
    env.update(extra or {})
    return env


def _run(
    cmd: list[str],
    what: str,
    input: str | None = None,
    echo: bool = False,
    env: dict[str, str] | None = None,
) -> str:
    """Run a child; on failure show its output and raise one clear line."""
    result = subprocess.run(
        cmd, input=input, capture_output=True, text=True, env=env or _clean_env()
    )
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0:
        if output:
            print(output, file=sys.stderr)
        last = output.splitlines()[-1] if output else f"exit status {result.returncode}"
        raise InstallError(f"{what} failed: {last}")
    if echo and result.stdout.strip():
        for line in result.stdout.strip().splitlines():
            print(f"    {line}", flush=True)
    return result.stdout


# -- the virtual environment --------------------------------------------------------------------
def source_files(source: Path) -> list[Path]:
    """The files that make up the distribution: metadata files and the packaged folders."""
    doc = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))
    find = doc.get("tool", {}).get("setuptools", {}).get("packages", {}).get("find", {})
    tops = {pattern.split(".")[0] for pattern in find.get("include", ["*"])}
    files: list[Path] = []
    for entry in sorted(source.iterdir()):
        if entry.is_file() and (
            entry.name in META_FILES or entry.name.startswith(("README", "LICENSE"))
        ):
            files.append(entry.relative_to(source))
        elif (
            entry.is_dir()
            and (entry / "__init__.py").exists()
            and any(fnmatch.fnmatch(entry.name, top) for top in tops)
        ):
            for path in sorted(entry.rglob("*")):
                rel = path.relative_to(source)
                if (
                    path.is_file()
                    and "__pycache__" not in rel.parts
                    and path.suffix not in (".pyc", ".pyo")
                    and not any(part.endswith(".egg-info") for part in rel.parts)
                ):
                    files.append(rel)
    return files


def source_digest(source: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for rel in files:
        digest.update(str(rel).encode() + b"\0" + (source / rel).read_bytes() + b"\0")
    return digest.hexdigest()


def install_venv(opts: Options, layout: Layout) -> None:
    """Create the venv and install the project into it, unless it already holds this source."""
    files = source_files(opts.source)
    mode = "reuse-site-packages" if opts.reuse_site_packages else "full"
    want = {
        "source": source_digest(opts.source, files),
        "mode": mode,
        "python": sys.version.split()[0],
    }
    stamp = layout.venv / STAMP
    have = json.loads(stamp.read_text()) if stamp.exists() else None
    if have == want and layout.venv_kontakt.exists():
        say("unchanged", f"{layout.venv} (this source is installed)")
        return
    if layout.venv.exists() and (
        have is None or have.get("mode") != mode or have.get("python") != want["python"]
    ):
        shutil.rmtree(layout.venv)
        say("removed", f"{layout.venv} (made differently; recreating)")
    if not layout.venv_python.exists():
        layout.venv.parent.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "venv"]
        if opts.reuse_site_packages:
            cmd.append("--without-pip")
        elif not _has_ensurepip():
            raise InstallError(
                "python3 cannot create virtual environments: apt-get install python3-venv"
            )
        _run(cmd + [str(layout.venv)], "creating the virtual environment")
        say("created", f"{layout.venv}/")
    pip_args = [
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "-q",
        "--root-user-action=ignore",
    ]
    with tempfile.TemporaryDirectory(prefix="kontakt-src-") as tmp:
        build = Path(tmp) / "src"
        for rel in files:
            (build / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(opts.source / rel, build / rel)
        if opts.reuse_site_packages:
            # Tests and developers: the dependencies come from the installer's own
            # environment (a .pth line), only this project is built and installed.
            purelib = Path(
                _run(
                    [
                        str(layout.venv_python),
                        "-c",
                        "import sysconfig; print(sysconfig.get_path('purelib'))",
                    ],
                    "inspecting the virtual environment",
                ).strip()
            )
            (purelib / "_kontakt_reuse.pth").write_text(
                "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
            )
            cmd = [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(layout.venv_python),
                *pip_args,
                "--no-deps",
                "--no-build-isolation",
                str(build),
            ]
        else:
            cmd = [str(layout.venv_python), "-m", "pip", *pip_args]
            if opts.wheelhouse:
                cmd += ["--no-index", "--find-links", str(opts.wheelhouse)]
            cmd.append(str(build))
        _run(cmd, "pip install")
    stamp.write_text(json.dumps(want, indent=1) + "\n", encoding="utf-8")
    version = _run(
        [
            str(layout.venv_python),
            "-c",
            "from importlib.metadata import version; print(version('kontaktcenter'))",
        ],
        "reading the installed version",
    ).strip()
    say("installed", f"kontaktcenter {version} into {layout.venv} ({mode})")


def _has_ensurepip() -> bool:
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        return False
    return True


# -- TLS ------------------------------------------------------------------------------------
def ensure_tls(opts: Options, layout: Layout, existing: dict) -> tuple[Path, Path]:
    """The certificate and key to serve with: given, configured before, or self-signed."""
    if opts.tls_cert and opts.tls_key:
        cert, key = opts.tls_cert.absolute(), opts.tls_key.absolute()
    elif existing.get("tls_cert") and existing.get("tls_key"):
        cert, key = Path(existing["tls_cert"]), Path(existing["tls_key"])
    else:
        cert, key = layout.self_signed
    tool = [str(layout.venv_python), "-m", "installer.tls"]
    if (cert, key) == layout.self_signed and not (cert.exists() and key.exists()):
        names = list(
            dict.fromkeys([opts.hostname, socket.gethostname(), "localhost", "127.0.0.1", "::1"])
        )
        out = _run(tool + ["make", str(cert), str(key), *names], "making the TLS certificate")
        say("created", f"{cert} (self-signed for {', '.join(names)})")
    else:
        out = _run(tool + ["check", str(cert), str(key)], "checking the TLS certificate")
        say("kept", cert)
    say("", out.strip())
    return cert, key


# -- configuration ----------------------------------------------------------------------------
def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))  # a TOML basic string for paths, names and URLs


def set_toml_keys(text: str, values: dict[str, object]) -> str:
    """Set top-level keys in a TOML text, keeping comments, other keys and tables."""
    lines = text.splitlines()
    first_table = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("[")), len(lines))
    for key, value in values.items():
        line = f"{key} = {toml_value(value)}"
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for i, existing in enumerate(lines[:first_table]):
            if pattern.match(existing):
                lines[i] = line
                break
        else:
            lines.insert(first_table, line)
            first_table += 1
    return "\n".join(lines) + "\n"


CONFIG_HEADER = """\
# Kontaktcenter settings for this installation, written by the installer.
# Environment variables KONTAKT_<NAME> override these. Secrets (passwords, keys) never go
# here: they live in the keyring under credentials_dir ('kontakt secrets set NAME').
# Rerunning the installer keeps your edits; options given to it replace the keys they name.
"""


def write_config(
    opts: Options, layout: Layout, existing: dict, db_url: str | None, tls_pair: tuple[Path, Path]
) -> None:
    """Create kontakt.toml, or change only the keys the options ask to change."""
    port = opts.port or existing.get("port") or DEFAULT_PORT
    wanted: dict[str, object] = {
        "data_dir": str(layout.data_dir),
        "credentials_dir": str(layout.credentials),
        "keyring_backend": existing.get("keyring_backend", "kontakt"),
        "instance_name": opts.instance_name or existing.get("instance_name", "kontakt"),
        "host": opts.host or existing.get("host", "0.0.0.0"),
        "port": port,
        "public_url": existing.get("public_url") or f"https://{opts.hostname}:{port}",
        "database_url": db_url if db_url is not None else existing.get("database_url", ""),
        "redis_url": opts.redis_url
        if opts.redis_url is not None
        else existing.get("redis_url", ""),
        "tls_cert": str(tls_pair[0]),
        "tls_key": str(tls_pair[1]),
        "default_language": existing.get("default_language", "sv"),
    }
    if opts.port and existing.get("port") not in (None, opts.port):
        wanted["public_url"] = f"https://{opts.hostname}:{port}"
    if layout.config.exists():
        text = layout.config.read_text(encoding="utf-8")
        changes = {k: v for k, v in wanted.items() if existing.get(k) != v}
        if not changes:
            say("unchanged", layout.config)
            return
        write_if_changed(layout.config, set_toml_keys(text, changes), 0o644)
        say("", f"changed: {', '.join(sorted(changes))}")
        return
    body = "\n".join(f"{k} = {toml_value(v)}" for k, v in wanted.items())
    write_if_changed(layout.config, CONFIG_HEADER + body + "\n", 0o644)


def read_config(layout: Layout) -> dict:
    if not layout.config.exists():
        return {}
    try:
        return tomllib.loads(layout.config.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InstallError(f"{layout.config}: not valid TOML ({exc}); fix or remove it") from exc


def write_env_and_wrapper(layout: Layout, user: str) -> None:
    env = (
        "# Environment of Kontaktcenter (systemd EnvironmentFile= and bin/kontakt).\n"
        "# No secrets here: they are in the keyring under the credentials directory.\n"
        f"KONTAKT_CONFIG={layout.config}\n"
        f"KONTAKT_DATA_DIR={layout.data_dir}\n"
    )
    write_if_changed(layout.env_file, env, 0o644)
    layout.bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = f"""#!/bin/sh
# 'kontakt' for the installation in {layout.prefix} (written by the installer).
# Run as root, it switches to the service user so that files keep the right owner.
set -a
. {layout.env_file}
set +a
unset PYTHONPATH PYTHONHOME
if [ "$(id -u)" = 0 ] && [ "{user}" != root ] && command -v runuser >/dev/null 2>&1; then
  exec runuser -u {user} -- env KONTAKT_CONFIG="$KONTAKT_CONFIG" \\
    KONTAKT_DATA_DIR="$KONTAKT_DATA_DIR" {layout.venv_kontakt} "$@"
fi
exec {layout.venv_kontakt} "$@"
"""
    write_if_changed(layout.wrapper, wrapper, 0o755)


# -- keys, database, first administrator --------------------------------------------------------
def provision(
    opts: Options, layout: Layout, db_password: str | None, admin_password: str | None
) -> None:
    """Keyring, keys, migrations and the first administrator, through the installed command."""
    wrapper = str(layout.wrapper)
    if db_password is not None:
        _run(
            [wrapper, "secrets", "set", DB_PASSWORD_SECRET, "--stdin"],
            "storing the database password",
            input=db_password + "\n",
        )
        say("stored", f"database password in the keyring ({layout.credentials})")
    cmd = [wrapper, "init", "--admin", opts.admin]
    if admin_password is not None:
        cmd.append("--admin-password-stdin")
    say("running", "kontakt init (keys, migrations, first administrator)")
    _run(cmd, "kontakt init", input=(admin_password + "\n") if admin_password else None, echo=True)


def secure_credentials(layout: Layout, user: str, group: str) -> None:
    """Credentials directory 0700, every file in it 0600, owned by the service user."""
    os.chmod(layout.credentials, 0o700)
    for path in layout.credentials.iterdir():
        if path.is_file():
            os.chmod(path, 0o600)
    chown_tree(layout.credentials, user, group)
    chown_tree(layout.data_dir, user, group)


# -- systemd ----------------------------------------------------------------------------------
def hardening(layout: Layout, port: int) -> str:
    """The sandboxing lines for both units."""
    paths = [layout.venv, layout.etc, layout.data_dir]
    under_home = any(str(p).startswith(("/home/", "/root/", "/run/user/")) for p in paths)
    caps = "CAP_NET_BIND_SERVICE" if port < 1024 else ""
    lines = [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        f"ProtectHome={'read-only' if under_home else 'yes'}",
        f"ReadWritePaths={layout.data_dir}",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "ProtectKernelTunables=yes",
        "ProtectKernelModules=yes",
        "ProtectKernelLogs=yes",
        "ProtectControlGroups=yes",
        "ProtectClock=yes",
        "ProtectHostname=yes",
        "RestrictSUIDSGID=yes",
        "RestrictRealtime=yes",
        "RestrictNamespaces=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "LockPersonality=yes",
        "SystemCallArchitectures=native",
        f"CapabilityBoundingSet={caps}",
    ]
    if caps:
        lines.append(f"AmbientCapabilities={caps}")
    return "\n".join(lines)


def write_units(layout: Layout, user: str, group: str, port: int) -> list[Path]:
    layout.units_dir.mkdir(parents=True, exist_ok=True)
    values = {
        "user": user,
        "group": group,
        "env_file": layout.env_file,
        "config": layout.config,
        "data_dir": layout.data_dir,
        "venv": layout.venv,
        "credentials": layout.credentials,
        "hardening": hardening(layout, port),
    }
    written = []
    for name in UNITS:
        text = Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)
        write_if_changed(layout.units_dir / name, text, 0o644)
        written.append(layout.units_dir / name)
    return written


def enable_units(opts: Options, layout: Layout, units: list[Path]) -> None:
    """Link and enable the units on a real system install (root, ``--prefix /``)."""
    reason = None
    if not opts.systemd_enable:
        reason = "--no-systemd-enable"
    elif not layout.is_system:
        reason = "not a system install (--prefix is not /)"
    elif os.geteuid() != 0:
        reason = "not running as root"
    elif not shutil.which("systemctl") or not Path("/run/systemd/system").is_dir():
        reason = "systemd is not running here"
    if reason:
        say("skipped", f"enabling systemd units: {reason}")
        return
    for unit in units:
        _run(["systemctl", "enable", str(unit)], f"systemctl enable {unit.name}")
        say("enabled", unit.name)
    _run(["systemctl", "daemon-reload"], "systemctl daemon-reload")


# -- the whole run ----------------------------------------------------------------------------
def install(opts: Options, admin_password: str | None = None) -> Layout:
    """Install or bring an installation up to date; prints one line per step."""
    db_url, db_password = validate(opts)
    layout = layout_for(opts.prefix)
    check_writable(layout.prefix)
    user, group = service_user(opts, layout)
    print(f"Installing Kontaktcenter into {layout.prefix} (service user {user})", flush=True)
    make_dir(layout.etc, 0o755)
    make_dir(layout.credentials, 0o700)
    make_dir(layout.tls_dir, 0o755)
    make_dir(layout.data_dir, 0o700)
    chown_tree(layout.credentials, user, group)
    chown_tree(layout.data_dir, user, group)
    install_venv(opts, layout)
    existing = read_config(layout)
    tls_pair = ensure_tls(opts, layout, existing)
    if tls_pair == layout.self_signed and os.geteuid() == 0:
        shutil.chown(tls_pair[1], user, group)
    write_config(opts, layout, existing, db_url, tls_pair)
    write_env_and_wrapper(layout, user)
    provision(opts, layout, db_password, admin_password)
    secure_credentials(layout, user, group)
    port = int(read_config(layout).get("port", DEFAULT_PORT))
    units = write_units(layout, user, group, port)
    enable_units(opts, layout, units)
    print(f"Done. Use {layout.wrapper} (e.g. '{layout.wrapper} doctor').", flush=True)
    return layout


def parse_args(argv: list[str] | None) -> Options:
    class Parser(argparse.ArgumentParser):
        def error(self, message: str):  # one line, not the usage block
            print(f"installer: {message} (see --help)", file=sys.stderr)
            raise SystemExit(2)

    p = Parser(prog="python -m installer", description=__doc__.split("\n\n")[0])
    p.add_argument("--prefix", required=True, type=Path, help="where to install ('/' = system)")
    p.add_argument("--source", type=Path, default=SOURCE_ROOT, help="project to install")
    p.add_argument("--admin", default="admin", help="first administrator's username")
    p.add_argument(
        "--admin-password-stdin",
        action="store_true",
        help="read the first administrator's password from standard input",
    )
    p.add_argument("--tls-cert", type=Path, help="PEM certificate (else self-signed)")
    p.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
    p.add_argument(
        "--hostname", help="name clients use (certificate, public URL); default: the FQDN"
    )
    p.add_argument("--host", help="address the API listens on (default 0.0.0.0)")
    p.add_argument("--port", type=int, help=f"HTTPS port (default {DEFAULT_PORT})")
    p.add_argument("--database-url", help="postgresql://user[:password]@host/db; else SQLite")
    p.add_argument("--redis-url", help="redis://host:6379/0; else the SQLite job queue")
    p.add_argument("--instance-name", help="queue/event namespace (shared Redis)")
    p.add_argument("--service-user", help="user the services run as (root: kontakt)")
    p.add_argument(
        "--no-systemd-enable",
        dest="systemd_enable",
        action="store_false",
        help="write the unit files but do not enable them",
    )
    p.add_argument(
        "--reuse-site-packages",
        action="store_true",
        help="tests/development: take dependencies from this Python's environment "
        "and install only the project (no download)",
    )
    p.add_argument("--wheelhouse", type=Path, help="install offline from this wheel directory")
    a = p.parse_args(argv)
    return Options(
        prefix=a.prefix,
        source=a.source.resolve(),
        admin=a.admin,
        admin_password_stdin=a.admin_password_stdin,
        tls_cert=a.tls_cert,
        tls_key=a.tls_key,
        hostname=a.hostname or socket.getfqdn(),
        host=a.host,
        port=a.port,
        database_url=a.database_url,
        redis_url=a.redis_url,
        instance_name=a.instance_name,
        service_user=a.service_user,
        systemd_enable=a.systemd_enable,
        reuse_site_packages=a.reuse_site_packages,
        wheelhouse=a.wheelhouse,
    )


def main(argv: list[str] | None = None) -> None:
    opts = parse_args(argv)
    try:
        password = None
        if opts.admin_password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            if not password:
                raise InstallError("--admin-password-stdin given but standard input was empty")
        install(opts, password)
    except InstallError as exc:
        print(f"installer: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except OSError as exc:
        print(f"installer: {type(exc).__name__}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
