"""The installer, end to end: install into a temporary prefix, check what it wrote, run it again
(nothing important changes), then start the installed API over TLS and the installed worker.

The virtual environment is made with ``--reuse-site-packages`` (dependencies taken from the test
environment, only the project itself is built and installed into the prefix) to keep this fast;
everything else is what a real installation does. On ``KONTAKT_TEST_BACKEND=postgres`` the
installation uses a fresh PostgreSQL database (URL given with a password, which must end up in
the keyring, not in the config) and Redis.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import ssl
import stat
import subprocess
import sys
import time
import tomllib
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.secrets.file_keyring import KontaktFileKeyring
from installer.install import UNITS, hardening, layout_for, set_toml_keys, source_files
from installer.tls import fingerprint
from tests.support import services

pytestmark = pytest.mark.timeout(300)

DB_PASSWORD = f"pw-{uuid.uuid4().hex[:12]}"


def clean_env() -> dict[str, str]:
    """This process's environment without the test session's KONTAKT_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTAKT_")}
    env.pop("PYTHONPATH", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_installer(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "installer", *args],
        input=input,
        capture_output=True,
        text=True,
        cwd=services.ROOT,
        env=clean_env(),
        timeout=240,
    )


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A snapshot of the project (others may edit the working tree while this runs);
    ``KONTAKT_TEST_INSTALL_SOURCE=DIR`` installs another tree, e.g. a clean checkout."""
    root = Path(os.environ.get("KONTAKT_TEST_INSTALL_SOURCE") or services.ROOT)
    snapshot = tmp_path_factory.mktemp("kontakt-source")
    for rel in source_files(root):
        (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, snapshot / rel)
    return snapshot


@pytest.fixture(scope="module")
def install_args(tmp_path_factory, source):
    """The installer's arguments for this backend (a fresh PostgreSQL database if asked)."""
    prefix = tmp_path_factory.mktemp("kontakt-prefix") / "opt"
    args = [
        "--prefix",
        str(prefix),
        "--source",
        str(source),
        "--reuse-site-packages",
        "--admin",
        "itchef",
        "--host",
        "127.0.0.1",
        "--hostname",
        "kontakt.test",
        "--service-user",
        subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip(),
        "--instance-name",
        f"kti{uuid.uuid4().hex[:8]}",
    ]
    database_url = ""
    if services.backend() == "postgres":
        database_url = services.create_pg_database()
        with_password = database_url.replace("://postgres@", f"://postgres:{DB_PASSWORD}@")
        assert with_password != database_url
        args += ["--database-url", with_password, "--redis-url", services.REDIS_URL]
    yield prefix, args
    if database_url:
        services.drop_pg_database(database_url)


@pytest.fixture(scope="module")
def installed(install_args):
    """Run the installer once; returns (layout, admin password, output)."""
    prefix, args = install_args
    result = run_installer(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"password \(shown once, change it\): (\S+)", result.stdout)
    assert match, result.stdout
    return layout_for(prefix), match.group(1), result.stdout


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def signing_key(layout) -> str:
    store = KontaktFileKeyring(layout.credentials)
    value = store.get_password("kontaktcenter", "audit-signing-key-v1")
    assert value
    return value


def cert_fingerprint(path: Path) -> str:
    return fingerprint(x509.load_pem_x509_certificate(path.read_bytes()))


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as section -> key -> values (keys may repeat, e.g. Environment=)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert current is not None and key and _, f"bad line in {path}: {line!r}"
        current.setdefault(key, []).append(value)
    return sections


def test_files_modes_and_config(installed, source):
    layout, password, output = installed
    assert "first administrator: itchef" in output
    # credentials: 0700 directory, 0600 files, master key and keyring file present
    assert mode(layout.credentials) == 0o700
    names = {p.name for p in layout.credentials.iterdir()}
    assert {"master.key", "keyring.json"} <= names
    for path in layout.credentials.iterdir():
        assert mode(path) == 0o600, path
    assert mode(layout.data_dir) == 0o700
    cert, key = layout.self_signed
    assert mode(key) == 0o600 and cert.is_file()
    assert os.access(layout.wrapper, os.X_OK)
    # the config points at the layout and holds no secret
    text = layout.config.read_text()
    config = tomllib.loads(text)
    assert config["data_dir"] == str(layout.data_dir)
    assert config["credentials_dir"] == str(layout.credentials)
    assert (config["tls_cert"], config["tls_key"]) == (str(cert), str(key))
    master = (layout.credentials / "master.key").read_text().strip()
    for secret in (password, master, DB_PASSWORD, signing_key(layout), key.read_text()):
        assert secret not in text
    assert not re.search(r"(?im)^\s*\w*(password|secret|token)\w*\s*=", text)
    if services.backend() == "postgres":
        assert config["database_url"].startswith("postgresql://postgres@")
        stored = KontaktFileKeyring(layout.credentials).get_password(
            "kontaktcenter", "database-password"
        )
        assert stored == DB_PASSWORD
    else:
        assert config["database_url"] == ""
        assert (layout.data_dir / "kontakt.sqlite3").is_file()
    env_file = dict(
        line.split("=", 1)
        for line in layout.env_file.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env_file == {
        "KONTAKT_CONFIG": str(layout.config),
        "KONTAKT_DATA_DIR": str(layout.data_dir),
    }
    # the installed command runs the code installed into the prefix, not the source tree
    where = subprocess.run(
        [str(layout.venv_python), "-c", "import core; print(core.__file__)"],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=layout.prefix,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(layout.venv))
    # the web pages' files and the mail templates (the core's and each plugin's) come along
    installed_root = Path(where).parent.parent
    shipped = {
        rel.as_posix()
        for rel in source_files(source)
        if rel.parts[0] in ("core", "plugins")
        and (
            rel.suffix in (".js", ".css", ".html", ".po")
            or (rel.suffix == ".txt" and rel.parent.parts[-2:] == ("templates", "mail"))
        )
    }
    assert "plugins/diarium/templates/mail/diarium_request_receipt.sv.txt" in shipped
    missing = sorted(name for name in shipped if not (installed_root / name).is_file())
    assert shipped and missing == []
    doctor = subprocess.run(
        [str(layout.wrapper), "doctor"], capture_output=True, text=True, env=clean_env(), timeout=60
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr


def test_unit_files(installed):
    layout, _, _ = installed
    for name, command in (("kontakt-api.service", "serve"), ("kontakt-worker.service", "worker")):
        unit = parse_unit(layout.units_dir / name)
        service = unit["Service"]
        assert service["ExecStart"] == [f"{layout.venv}/bin/kontakt {command}"]
        assert f"KONTAKT_CONFIG={layout.config}" in service["Environment"]
        assert service["EnvironmentFile"] == [str(layout.env_file)]
        assert service["User"] == [
            subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        ]
        assert service["ReadWritePaths"] == [str(layout.data_dir)]
        assert service["LoadCredential"] == [f"master.key:{layout.credentials}/master.key"]
        assert Path(service["LoadCredential"][0].split(":", 1)[1]).is_file()
        assert service["NoNewPrivileges"] == ["yes"]
        assert service["ProtectSystem"] == ["strict"]
        assert service["CapabilityBoundingSet"] == [""]  # port 8443 needs no capability
        assert unit["Install"]["WantedBy"] == ["multi-user.target"]
        assert Path(service["ExecStart"][0].split()[0]).is_file()
    if shutil.which("systemd-analyze"):  # systemd's own reading of the units, where installed
        units = [str(layout.units_dir / name) for name in UNITS]
        verify = subprocess.run(
            ["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60
        )
        assert verify.returncode == 0, verify.stderr
        assert not re.search(r"Unknown (key|section)|bad unit|Invalid", verify.stderr), (
            verify.stderr
        )


def test_second_run_changes_nothing_important(installed, install_args):
    layout, password, _ = installed
    cert, _ = layout.self_signed
    before = (
        cert_fingerprint(cert),
        signing_key(layout),
        (layout.credentials / "master.key").read_bytes(),
        layout.config.read_text(),
    )
    _, args = install_args
    result = run_installer(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "users exist already; no administrator created" in out
    assert "password (shown once" not in out
    assert f"unchanged  {layout.venv} (this source is installed)" in out
    for path in (
        layout.config,
        layout.env_file,
        layout.wrapper,
        layout.units_dir / "kontakt-api.service",
    ):
        assert f"unchanged  {path}" in out
    after = (
        cert_fingerprint(cert),
        signing_key(layout),
        (layout.credentials / "master.key").read_bytes(),
        layout.config.read_text(),
    )
    assert after == before
    users = subprocess.run(
        [str(layout.wrapper), "user", "list"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    assert users.returncode == 0, users.stderr
    rows = [ln for ln in users.stdout.splitlines()[1:] if ln.strip()]
    assert len(rows) == 1 and rows[0].split()[0] == "itchef", users.stdout


def test_installed_api_serves_tls_and_worker_runs(installed, tmp_path):
    layout, password, _ = installed
    cert, _ = layout.self_signed
    port = services.free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(layout.wrapper), "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=clean_env(),
        start_new_session=True,  # runuser's child goes down with the group, not orphaned
    )
    worker = None
    try:
        # trust exactly the generated certificate, with strict X.509 checks
        context = ssl.create_default_context(cafile=str(cert))
        context.verify_flags |= ssl.VERIFY_X509_STRICT
        base = f"https://localhost:{port}"
        with httpx.Client(base_url=base, verify=context, timeout=10) as client:
            deadline = time.monotonic() + 60
            while True:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                try:
                    health = client.get("/api/v1/health")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
                    time.sleep(0.3)
            assert health.status_code == 200, health.text
            served = ssl.get_server_certificate(("127.0.0.1", port))
            assert ssl.PEM_cert_to_DER_cert(served) == x509.load_pem_x509_certificate(
                cert.read_bytes()
            ).public_bytes(Encoding.DER)
            login = client.post(
                "/api/v1/auth/login", json={"username": "itchef", "password": password}
            )
            assert login.status_code == 200, login.text
            me = client.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['token']}"}
            )
            assert me.status_code == 200 and "itchef" in me.text, me.text
        with pytest.raises(httpx.TransportError):  # plain HTTP is not served
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)

        worker_log = tmp_path / "worker.log"
        worker = subprocess.Popen(
            [str(layout.wrapper), "worker"],
            stdout=worker_log.open("w"),
            stderr=subprocess.STDOUT,
            env=clean_env(),
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while "worker started; periodic tasks:" not in worker_log.read_text():
            assert worker.poll() is None, worker_log.read_text()
            assert time.monotonic() < deadline, worker_log.read_text()
            time.sleep(0.2)
        line = next(ln for ln in worker_log.read_text().splitlines() if "periodic tasks:" in ln)
        periodic = line.split("periodic tasks:", 1)[1].replace(",", " ").split()
        assert "core.audit_checkpoint" in periodic, line
    finally:
        for proc in (worker, server):
            if proc is not None:
                _stop_group(proc)


def _stop_group(proc: subprocess.Popen) -> None:
    """End a process and everything it started (the wrapper execs runuser, which forks)."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def test_bad_input_gives_one_clear_line(tmp_path, installed, install_args):
    # --tls-cert without --tls-key: refused before anything is written
    prefix = tmp_path / "never"
    result = run_installer("--prefix", str(prefix), "--tls-cert", str(tmp_path))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "installer: --tls-cert and --tls-key go together: give both or neither"
    ]
    assert not prefix.exists()
    # a prefix that cannot be written (a path below a regular file; root may write anywhere)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_installer("--prefix", str(blocker / "sub"), "--service-user", "root")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"installer: cannot write to --prefix {blocker}")
    # a key that does not belong to the certificate: refused, configuration untouched
    layout, _, _ = installed
    other_cert, other_key = tmp_path / "o.crt", tmp_path / "o.key"
    subprocess.run(
        [
            str(layout.venv_python),
            "-m",
            "installer.tls",
            "make",
            str(other_cert),
            str(other_key),
            "other.test",
        ],
        check=True,
        capture_output=True,
        env=clean_env(),
    )
    config_before = layout.config.read_text()
    _, args = install_args
    result = run_installer(
        *args, "--tls-cert", str(layout.self_signed[0]), "--tls-key", str(other_key)
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        f"installer: checking the TLS certificate failed: tls: {other_key} is not the private "
        f"key of {layout.self_signed[0]}"
    )
    assert layout.config.read_text() == config_before


def test_system_layout_and_config_edits_kept():
    system = layout_for(Path("/"))
    assert (system.venv, system.config, system.data_dir, system.wrapper) == (
        Path("/opt/kontakt/venv"),
        Path("/etc/kontakt/kontakt.toml"),
        Path("/var/lib/kontakt"),
        Path("/usr/local/bin/kontakt"),
    )
    assert system.credentials == Path("/etc/kontakt/credentials") and system.is_system
    assert "ProtectHome=yes" in hardening(system, 443)
    assert "AmbientCapabilities=CAP_NET_BIND_SERVICE" in hardening(system, 443)
    assert "ProtectHome=read-only" in hardening(layout_for(Path("/home/it/kontakt")), 8443)
    # options replace only the keys they name; comments, other keys and tables stay
    text = '# mine\nport = 8443\nlog_level = "debug"\n\n[plugins.demo]\nport = 1\n'
    changed = tomllib.loads(set_toml_keys(text, {"port": 9443, "redis_url": "redis://r/0"}))
    assert changed["port"] == 9443 and changed["log_level"] == "debug"
    assert changed["redis_url"] == "redis://r/0" and changed["plugins"] == {"demo": {"port": 1}}
    assert set_toml_keys(text, {"port": 9443}).startswith("# mine\n")
