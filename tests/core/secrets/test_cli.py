"""``kontakt secrets set|check`` and ``kontakt keys rotate`` as real processes on a throwaway
installation (its own data directory, keyring and database)."""

from __future__ import annotations

import json
import re

import pytest

from core.secrets.file_keyring import KontaktFileKeyring
from tests.core.secrets.installs import Installation, new_installation

VALUE = "Smtp-Hemlis-4711"


@pytest.fixture(scope="module")
def install(tmp_path_factory: pytest.TempPathFactory):
    installation = new_installation(tmp_path_factory.mktemp("secrets-cli") / "data")
    yield installation
    installation.drop()


def test_secrets_set_and_check_never_print_the_value(install: Installation) -> None:
    stored = install.run("secrets", "set", "smtp-password", "--stdin", input=VALUE + "\n")
    assert stored.returncode == 0, stored.stderr
    assert "smtp-password stored" in stored.stdout
    assert VALUE not in stored.stdout + stored.stderr
    assert VALUE not in (install.secrets_dir / "keyring.json").read_text()
    assert not any(VALUE in p.read_text() for p in install.data_dir.glob("*.toml"))
    ring = KontaktFileKeyring(install.secrets_dir)
    assert ring.get_password("kontaktcenter", "smtp-password") == VALUE

    present = install.run("secrets", "check", "smtp-password")
    assert present.returncode == 0, present.stderr
    assert present.stdout.strip() == "smtp-password: present"
    assert VALUE not in present.stdout + present.stderr

    missing = install.run("secrets", "check", "smtp-password", "no-such-secret")
    assert missing.returncode == 1
    assert "smtp-password: present" in missing.stdout
    assert "no-such-secret: missing" in missing.stdout
    assert VALUE not in missing.stdout + missing.stderr


def test_secrets_bad_input_is_refused(install: Installation) -> None:
    empty = install.run("secrets", "set", "smtp-password", "--stdin", input="")
    assert empty.returncode != 0
    assert "standard input was empty" in empty.stderr
    bad_name = install.run("secrets", "set", "Bad Name!", "--stdin", input="x\n")
    assert bad_name.returncode == 2
    managed = install.run("secrets", "set", "field-key-v1", "--stdin", input="x\n")
    assert managed.returncode == 2
    assert "kontakt keys rotate" in managed.stderr
    for done in (empty, bad_name, managed):
        assert "Traceback" not in done.stdout + done.stderr
    ring = KontaktFileKeyring(install.secrets_dir)
    assert ring.get_password("kontaktcenter", "field-key-v1") != "x"


def test_another_keyring_backend_from_the_setting(install: Installation, tmp_path) -> None:
    backend = "keyrings.cryptfile.file.PlaintextKeyring"
    env = {"KONTAKT_KEYRING_BACKEND": backend, "XDG_DATA_HOME": str(tmp_path)}
    stored = install.run("secrets", "set", "api-token", "--stdin", input="tok\n", **env)
    assert stored.returncode == 0, stored.stderr
    assert backend in stored.stdout
    assert (tmp_path / "python_keyring" / "keyring_pass.cfg").exists()
    assert install.run("secrets", "check", "api-token", **env).returncode == 0
    assert install.run("secrets", "check", "api-token").returncode == 1  # not in the file one

    broken = install.run("secrets", "check", "api-token", KONTAKT_KEYRING_BACKEND="no.such.Ring")
    assert broken.returncode == 1
    lines = broken.stderr.strip().splitlines()
    assert len(lines) == 1, broken.stderr
    assert "keyring_backend 'no.such.Ring' cannot be loaded" in lines[0]
    assert "Traceback" not in broken.stdout + broken.stderr


def test_keys_rotate_cli_reports_and_audits(install: Installation) -> None:
    rotated = install.run("keys", "rotate", "--index", "--signing")
    assert rotated.returncode == 0, rotated.stderr
    lines = rotated.stdout.splitlines()
    assert lines[:3] == [
        "field encryption key is now v2",
        "blind index key is now v2",
        "audit signing key is now v2",
    ]
    # one line per encrypted column the installation registers (core's own, if any)
    registered = lines[3:]
    if registered != ["no encrypted fields are registered; nothing to re-encrypt"]:
        pattern = r"\w+\.\w+: \d+ re-encrypted, \d+ already current"
        assert registered, lines
        assert all(re.fullmatch(pattern, line) for line in registered), lines
    exported = install.run("audit", "export")
    assert exported.returncode == 0, exported.stderr
    entries = [json.loads(line) for line in exported.stdout.splitlines()]
    (entry,) = [e for e in entries if e["action"] == "keys.rotate"]
    details = (
        entry["details"] if isinstance(entry["details"], dict) else json.loads(entry["details"])
    )
    assert details == {"field_key": 2, "index_key": 2, "signing_key": 2}
    assert entry["actor"].startswith("cli")
    assert [e["action"] for e in entries].count("keys.reencrypt") == 1
    names = ["field-key-v1", "field-key-v2", "index-key-v1", "index-key-v2"]
    assert install.run("secrets", "check", *names).returncode == 0
    verified = install.run("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    both = install.run("keys", "rotate", "--resume", "--index")
    assert both.returncode == 2
    assert "Traceback" not in both.stderr
