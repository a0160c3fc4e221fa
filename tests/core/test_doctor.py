"""``kontakt doctor`` and start-up failures: one readable line (plus a fix), no traceback."""

from __future__ import annotations

import subprocess

import pytest

from core.secrets.file_keyring import KontaktFileKeyring
from tests.core.secrets.installs import Installation, new_installation
from tests.support.services import free_port, run_kontakt

WRONG_DB = "postgresql://nobody@127.0.0.1:1/x"
DEAD_REDIS = "redis://127.0.0.1:1/0"


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


def test_doctor_passes_on_a_good_installation(install: Installation) -> None:
    done = install.run("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    assert done.stdout.strip().endswith("everything looks right")
    for name in ("database: reachable and migrated", "secret: audit signing key: present"):
        assert name in done.stdout


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
