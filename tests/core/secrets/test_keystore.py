"""Choosing the keyring backend per installation, and clear errors when it cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.secrets import keystore
from core.secrets.file_keyring import KontaktFileKeyring
from core.settings import Settings


@pytest.fixture
def own_keystore(settings: Settings):
    """Let a test configure another keyring; put the session's back afterwards."""
    yield
    keystore.configure(settings)


def test_default_backend_is_the_encrypted_file(
    tmp_path: Path, settings: Settings, own_keystore
) -> None:
    mine = settings.replace(data_dir=tmp_path, credentials_dir=None)
    backend = keystore.configure(mine)
    assert isinstance(backend, KontaktFileKeyring)
    assert backend.directory == tmp_path / "secrets"
    keystore.put("smtp-password", "pw-1")
    keystore.forget_cache()
    assert keystore.get("smtp-password") == "pw-1"
    assert "pw-1" not in (tmp_path / "secrets" / "keyring.json").read_text()
    elsewhere = settings.replace(data_dir=tmp_path, credentials_dir=tmp_path / "etc-creds")
    assert keystore.configure(elsewhere).directory == tmp_path / "etc-creds"
    assert keystore.get("smtp-password") is None


def test_another_backend_by_dotted_class_name(
    tmp_path: Path, settings: Settings, own_keystore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    name = "keyrings.cryptfile.file.PlaintextKeyring"
    backend = keystore.configure(settings.replace(keyring_backend=name))
    assert type(backend).__name__ == "PlaintextKeyring"
    assert keystore.describe() == name
    keystore.put("smtp-password", "pw-2")
    keystore.forget_cache()
    assert keystore.get("smtp-password") == "pw-2"
    assert (tmp_path / "xdg" / "python_keyring" / "keyring_pass.cfg").exists()

    keystore.configure(settings.replace(keyring_backend="keyring.backends.null.Keyring"))
    keystore.put("smtp-password", "dropped")
    keystore.forget_cache()
    assert keystore.get("smtp-password") is None
    with pytest.raises(keystore.SecretMissing, match="'smtp-password' is missing"):
        keystore.require("smtp-password")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("no.such.module.Keyring", "cannot be loaded"),
        ("keyring.backends.null.NoSuchClass", "cannot be loaded"),
        ("Keyring", "cannot be loaded"),
        ("core.settings.Settings", "is not a keyring backend class"),
    ],
)
def test_unloadable_backend_is_a_clear_error(
    settings: Settings, own_keystore, name: str, problem: str
) -> None:
    with pytest.raises(keystore.SecretMissing) as failure:
        keystore.configure(settings.replace(keyring_backend=name))
    assert problem in failure.value.problem
    assert name in failure.value.problem
    assert "keyring_backend" in failure.value.fix
    assert "\n" not in str(failure.value)


def test_missing_master_key_raises_secret_missing_with_a_fix(
    tmp_path: Path, settings: Settings, own_keystore
) -> None:
    mine = settings.replace(data_dir=tmp_path, credentials_dir=None)
    keystore.configure(mine)
    keystore.put("smtp-password", "pw-3")
    (tmp_path / "secrets" / "master.key").unlink()
    keystore.configure(mine)
    with pytest.raises(keystore.SecretMissing) as failure:
        keystore.get("smtp-password")
    assert "master key is missing" in str(failure.value)
    assert "restore master.key" in failure.value.fix
    with pytest.raises(keystore.SecretMissing):
        keystore.put("other", "x")
    assert not (tmp_path / "secrets" / "master.key").exists()
