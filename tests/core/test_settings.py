"""Settings: defaults < TOML file < KONTAKT_* environment; clear errors; no secrets in files."""

import re
from pathlib import Path

import pytest

from core.settings import Settings, SettingsError, load_settings


def test_defaults_are_sqlite_in_the_data_dir(tmp_path: Path):
    settings = load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)})
    assert settings.data_dir == tmp_path
    assert not settings.is_postgres
    assert settings.sqlite_path == tmp_path / "kontakt.sqlite3"
    assert settings.queue_path == tmp_path / "queue.sqlite3"
    assert settings.port == Settings.port


def test_toml_overrides_defaults_and_env_overrides_toml(tmp_path: Path):
    (tmp_path / "kontakt.toml").write_text('port = 9001\ndefault_language = "en"\n')
    from_file = load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)})
    assert (from_file.port, from_file.default_language) == (9001, "en")
    from_env = load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path), "KONTAKT_PORT": "9002"})
    assert (from_env.port, from_env.default_language) == (9002, "en")


def test_config_path_from_env(tmp_path: Path):
    config = tmp_path / "elsewhere.toml"
    config.write_text("lockout_threshold = 3\n")
    env = {"KONTAKT_DATA_DIR": str(tmp_path / "data"), "KONTAKT_CONFIG": str(config)}
    assert load_settings(env=env).lockout_threshold == 3


def test_postgres_and_redis_urls_switch_backends(tmp_path: Path):
    settings = load_settings(
        env={
            "KONTAKT_DATA_DIR": str(tmp_path),
            "KONTAKT_DATABASE_URL": "postgresql://kontakt@db.example/kontakt",
            "KONTAKT_REDIS_URL": "redis://localhost:6379/2",
        }
    )
    assert settings.is_postgres
    assert settings.redis_url == "redis://localhost:6379/2"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KONTAKT_DATABASE_URL": "mysql://x/y"}, "unsupported scheme 'mysql'"),
        ({"KONTAKT_REDIS_URL": "http://x"}, "redis://"),
        ({"KONTAKT_PORT": "eighty"}, "setting 'port'"),
        ({"KONTAKT_PORT": "70000"}, "not a TCP port"),
        ({"KONTAKT_DEFAULT_LANGUAGE": "de"}, "default_language"),
        ({"KONTAKT_SQLITE_SYNCHRONOUS": "sometimes"}, "sqlite_synchronous"),
    ],
)
def test_bad_values_name_the_setting(tmp_path: Path, env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path), **env})


def test_unknown_key_and_bad_toml_are_refused(tmp_path: Path):
    (tmp_path / "kontakt.toml").write_text("colour = 'blue'\n")
    with pytest.raises(SettingsError, match="unknown setting 'colour'"):
        load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)})
    (tmp_path / "kontakt.toml").write_text("port = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)})


@pytest.mark.parametrize(
    "content",
    [
        'smtp_password = "hunter2"\n',
        '[plugins.telephony_centrex]\napi_secret = "abc"\n',
        'database_url = "postgresql://kontakt:hunter2@db/kontakt"\n',
    ],
)
def test_secrets_in_the_config_file_are_refused(tmp_path: Path, content):
    (tmp_path / "kontakt.toml").write_text(content)
    with pytest.raises(SettingsError, match="keyring|secret"):
        load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)})


def test_plugin_tables_are_kept(tmp_path: Path):
    (tmp_path / "kontakt.toml").write_text('[plugins.kt_sample]\ngreeting = "hej"\n')
    settings = load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)})
    assert settings.plugins == {"kt_sample": {"greeting": "hej"}}


def test_trusted_proxies_from_toml_and_env(tmp_path: Path):
    assert load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)}).trusted_proxies == ()
    (tmp_path / "kontakt.toml").write_text('trusted_proxies = ["10.0.0.0/8", "2001:db8::7"]\n')
    from_file = load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)})
    assert from_file.trusted_proxies == ("10.0.0.0/8", "2001:db8::7")
    assert [str(n) for n in from_file.trusted_proxy_networks] == ["10.0.0.0/8", "2001:db8::7/128"]
    env = {"KONTAKT_DATA_DIR": str(tmp_path), "KONTAKT_TRUSTED_PROXIES": " 192.0.2.1 ,, ::1 "}
    assert load_settings(env=env).trusted_proxies == ("192.0.2.1", "::1")
    env["KONTAKT_TRUSTED_PROXIES"] = ""
    assert load_settings(env=env).trusted_proxy_networks == ()


@pytest.mark.parametrize(
    "value", ["10.0.0.0/8, proxy.example", "10.0.0.1/8", "10.0.0.300", "2001:db8::/200"]
)
def test_a_bad_trusted_proxy_is_named(tmp_path: Path, value):
    bad = value.split(", ")[-1]
    env = {"KONTAKT_DATA_DIR": str(tmp_path), "KONTAKT_TRUSTED_PROXIES": value}
    with pytest.raises(SettingsError, match=f"trusted_proxies: '{re.escape(bad)}' is not"):
        load_settings(env=env)


def test_trusted_proxies_must_be_a_list_in_toml(tmp_path: Path):
    (tmp_path / "kontakt.toml").write_text("trusted_proxies = 10\n")
    with pytest.raises(SettingsError, match="setting 'trusted_proxies'"):
        load_settings(env={"KONTAKT_DATA_DIR": str(tmp_path)})
