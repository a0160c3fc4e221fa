"""``kontakt doctor`` and start-up failures: one readable line (plus a fix), no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.secrets.file_keyring import KontaktFileKeyring
from tests.core.secrets.installs import Installation, new_installation
from tests.support import services
from tests.support.services import free_port, run_kontakt

WRONG_DB = "postgresql://nobody@127.0.0.1:1/x"
DEAD_REDIS = "redis://127.0.0.1:1/0"
# What a municipality configures for citizens' e-mail and links.
CONFIGURED = {
    "KONTAKT_SMTP_HOST": "smtp.ekeby.example",
    "KONTAKT_MAIL_FROM": "kontaktcenter@ekeby.example",
    "KONTAKT_PUBLIC_URL": "https://kontakt.ekeby.example",
    "KONTAKT_MUNICIPALITY_NAME": "Ekeby kommun",
}
# Puts one queued e-mail per argument (its age in seconds) into the installation's outbox.
QUEUE_MAIL = """
import sys, time
from core import db
from core.db import raw
from core.cli_support import run_db
from core.settings import load_settings

async def add():
    async with db.transaction():
        for age in sys.argv[1:]:
            await raw.insert("outbound_message", {
                "recipient": "medborgare@example.org", "subject": "Kvitto", "body": "Hej",
                "template": "receipt", "language": "sv", "case_number": "",
                "created_at": int(time.time()) - int(age), "headers": "{}",
            })

run_db(load_settings(), add)
"""


def failures(done: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    """The (FAIL line, fix line) pairs of a doctor run."""
    lines = done.stdout.splitlines()
    found = []
    for i, line in enumerate(lines):
        if line.startswith("FAIL"):
            found.append((line, lines[i + 1] if i + 1 < len(lines) else ""))
    return found


def assert_one_failure(done: subprocess.CompletedProcess, *words: str) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    (fail_line, fix_line), *rest = failures(done)
    assert not rest, done.stdout
    assert fix_line.startswith("     fix: ") and len(fix_line) > 15, done.stdout
    for word in words:
        assert word in fail_line + fix_line, done.stdout
    return fail_line + "\n" + fix_line


def assert_serve_refuses(*words: str, **env: str) -> str:
    """``kontakt serve`` exits non-zero with one readable line on stderr, no traceback."""
    done = run_kontakt("serve", "--port", str(free_port()), extra_env=env, timeout=90)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: ")
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory):
    installation = new_installation(tmp_path_factory.mktemp("doctor") / "data")
    yield installation
    installation.drop()


def warnings(done: subprocess.CompletedProcess) -> dict[str, tuple[str, str]]:
    """The warn lines of a doctor run by check name: (problem, hint line)."""
    lines = done.stdout.splitlines()
    found = {}
    for i, line in enumerate(lines):
        if line.startswith("warn "):
            name, _, problem = line.removeprefix("warn ").partition(": ")
            found[name] = (problem, lines[i + 1] if i + 1 < len(lines) else "")
    return found


def test_doctor_passes_on_a_good_installation(install: Installation) -> None:
    done = install.run("doctor", **CONFIGURED)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    # The test installation keeps its keyring in the data directory: the one warning left.
    assert set(warnings(done)) == {"keyring location"}, done.stdout
    assert done.stdout.strip().endswith("no problems found, but 1 warning(s)")
    for name in (
        "database: reachable and migrated",
        "secret: audit signing key: present",
        "ok   mail server: smtp.ekeby.example:25",
        "ok   public address: https://kontakt.ekeby.example",
        "ok   municipality name: Ekeby kommun",
        "ok   mail outbox: 0 unsent",
    ):
        assert name in done.stdout


def test_citizen_email_that_cannot_work_is_named(install: Installation) -> None:
    done = install.run("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "everything looks right" not in done.stdout
    found = warnings(done)
    expected = {
        "mail server": ("smtp_host is not set", "smtp_host"),
        "mail sender": ("kontaktcenter@kommun.invalid", "mail_from"),
        "public address": ("http://127.0.0.1:8080/mina-arenden", "public_url"),
        "municipality name": ("'Exempelkommun'", "municipality_name"),
    }
    for name, (problem, setting) in expected.items():
        assert problem in found[name][0], done.stdout
        assert found[name][1].startswith("     hint: ") and setting in found[name][1]
    assert done.stdout.strip().endswith(f"no problems found, but {len(found)} warning(s)")
    loopback = install.run("doctor", KONTAKT_PUBLIC_URL="http://localhost:8080/")
    assert "localhost:8080/mina-arenden" in warnings(loopback)["public address"][0]


def test_an_smtp_login_without_its_password_fails(install: Installation) -> None:
    done = install.run("doctor", **CONFIGURED, KONTAKT_SMTP_USERNAME="kontakt")
    assert_one_failure(done, "FAIL mail server", "smtp-password", "kontakt secrets set")


def test_mail_piling_up_in_the_outbox_fails(tmp_path) -> None:
    box = new_installation(tmp_path / "data")
    try:
        queued = subprocess.run(
            [sys.executable, "-c", QUEUE_MAIL, "7500", "600", "60"],
            capture_output=True,
            text=True,
            env=services.kontakt_env(box.env),
            cwd=services.ROOT,
            timeout=120,
        )
        assert queued.returncode == 0, queued.stdout + queued.stderr
        # The oldest has waited 2 h 5 min: longer than outbox_alert_minutes (30).
        done = box.run("doctor")
        text = assert_one_failure(done, "FAIL mail outbox", "3 unsent", "2 h 5 min", "smtp_host")
        assert "outbox_alert_minutes 30" in text
        with_server = box.run("doctor", **CONFIGURED)
        text = assert_one_failure(with_server, "FAIL mail outbox", "kontakt worker")
        assert "smtp.ekeby.example:25" in text
        patient = box.run("doctor", KONTAKT_OUTBOX_ALERT_MINUTES="180")
        assert patient.returncode == 0, patient.stdout
        assert "ok   mail outbox: 3 unsent, the oldest waiting 2 h 5 min" in patient.stdout
        # Too many is a problem too, however fresh they are.
        crowded = box.run(
            "doctor", KONTAKT_OUTBOX_ALERT_MINUTES="180", KONTAKT_OUTBOX_ALERT_COUNT="3"
        )
        assert_one_failure(crowded, "FAIL mail outbox", "outbox_alert_count 3")
    finally:
        box.drop()


def test_wrong_database_url(install: Installation) -> None:
    done = install.run("doctor", KONTAKT_DATABASE_URL=WRONG_DB)
    assert_one_failure(done, "FAIL database", "127.0.0.1:1", "unreachable", "KONTAKT_DATABASE_URL")
    assert "skip plugins" in done.stdout
    assert_serve_refuses(
        "127.0.0.1:1", "unreachable", **{**install.env, "KONTAKT_DATABASE_URL": WRONG_DB}
    )


def test_unreachable_redis(install: Installation) -> None:
    done = install.run("doctor", KONTAKT_REDIS_URL=DEAD_REDIS)
    assert_one_failure(done, "FAIL job queue", "Redis", "127.0.0.1:1", "KONTAKT_REDIS_URL")
    assert_serve_refuses("Redis", "127.0.0.1:1", **{**install.env, "KONTAKT_REDIS_URL": DEAD_REDIS})


def test_unmigrated_database(tmp_path) -> None:
    fresh = new_installation(tmp_path / "data", init=False)
    try:
        assert (fresh.secrets_dir / "master.key").exists()
        done = fresh.run("doctor")
        assert_one_failure(done, "FAIL database", "no Kontaktcenter tables", "kontakt migrate")
        assert "ok   secret: audit signing key" in done.stdout
        serve = fresh.run("serve", "--port", str(free_port()))
        assert serve.returncode != 0
        assert "Traceback" not in serve.stdout + serve.stderr
        assert serve.stderr.strip().splitlines() == [
            line for line in serve.stderr.strip().splitlines() if "kontakt migrate" in line
        ]
        migrated = fresh.run("migrate")
        assert migrated.returncode == 0, migrated.stderr
        assert fresh.run("doctor").returncode == 0
    finally:
        fresh.drop()


def test_missing_signing_key(install: Installation, tmp_path) -> None:
    broken = install.copy(tmp_path / "data")
    KontaktFileKeyring(broken.secrets_dir).delete_password("kontaktcenter", "audit-signing-key-v1")
    done = broken.run("doctor")
    assert_one_failure(done, "FAIL secret: audit signing key", "audit-signing-key-v1", "restore")
    assert install.run("doctor").returncode == 0  # the original is untouched

    serve = broken.run("serve", "--port", str(free_port()))
    assert serve.returncode != 0
    assert "Traceback" not in serve.stdout + serve.stderr
    (line,) = serve.stderr.strip().splitlines()
    assert line.startswith("Error: keyring: secret 'audit-signing-key-v1' is missing")


def test_missing_master_key(install: Installation, tmp_path) -> None:
    broken = install.copy(tmp_path / "data")
    (broken.secrets_dir / "master.key").unlink()
    done = broken.run("doctor")
    assert_one_failure(done, "FAIL keyring", "master key is missing", "restore master.key")
    serve = broken.run("serve", "--port", str(free_port()))
    assert serve.returncode != 0
    assert "Traceback" not in serve.stdout + serve.stderr
    (line,) = serve.stderr.strip().splitlines()
    assert "master key is missing" in line and "restore master.key" in line
    assert not (broken.secrets_dir / "master.key").exists()


def test_unloadable_keyring_backend(install: Installation) -> None:
    done = install.run("doctor", KONTAKT_KEYRING_BACKEND="no.such.Ring")
    assert_one_failure(done, "FAIL keyring", "no.such.Ring", "keyring_backend")


def test_bad_setting(install: Installation) -> None:
    done = install.run("doctor", KONTAKT_PORT="0")
    assert_one_failure(done, "FAIL settings", "port", "KONTAKT_*")
