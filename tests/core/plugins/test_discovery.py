"""Discovery through entry points, manifest validation, load states and plugin settings, on
fresh plugin hosts (the session's app is not touched)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.contracts import Permission
from core.plugin_host import PluginHost, _load_manifest, discover, plugin_config
from core.settings import load_settings

pytestmark = pytest.mark.usefixtures("fixture_plugins_site")


def write_manifest(folder: Path, **fields) -> Path:
    path = folder / "manifest.json"
    path.write_text(json.dumps(fields), encoding="utf-8")
    return path


def test_fixture_plugins_are_found_through_entry_points():
    found = discover()
    for name in ("kt_sample", "kt_not_ready", "kt_bad_creds", "kt_broken", "kt_needs_sample"):
        assert found[name].source == "entry-point"
        assert found[name].manifest is not None, found[name].manifest_error
    assert found["kt_sample"].manifest.settings["greeting"].default == "hej"
    assert found["kt_needs_sample"].manifest.dependencies == ["kt_sample"]
    assert found["kt_sample"].piccolo_app == "kt_sample.piccolo_app"
    # found without importing it: kt_broken raises when imported
    assert found["kt_broken"].piccolo_app is None
    assert "kt_bad_manifest" not in found  # installed only by the tests that need it


def test_invalid_manifest_is_broken_with_the_reason(bad_manifest_installed):
    info = discover()["kt_bad_manifest"]
    assert info.manifest is None
    assert "description" in info.manifest_error
    host = PluginHost()
    host.load(set(), load_settings())
    status = host.status["kt_bad_manifest"]
    assert (status.enabled, status.state) == (False, "broken")
    assert status.reason.startswith("manifest:") and "description" in status.reason


def test_manifest_name_mismatch_and_unknown_setting_type(tmp_path: Path):
    base = {"version": "1", "description": "d"}
    path = write_manifest(tmp_path, name="other", **base)
    manifest, error = _load_manifest(path, "mine")
    assert manifest is None and "'other' does not match plugin 'mine'" in error

    path = write_manifest(tmp_path, name="mine", settings={"n": {"type": "decimal"}}, **base)
    manifest, error = _load_manifest(path, "mine")
    assert manifest is None and "setting 'n' has unknown type 'decimal'" in error

    path = write_manifest(tmp_path, name="mine", colour="red", **base)
    assert "colour" in _load_manifest(path, "mine")[1]

    path.write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in _load_manifest(path, "mine")[1]
    assert "missing" in _load_manifest(tmp_path / "nope.json", "mine")[1]

    manifest, error = _load_manifest(write_manifest(tmp_path, name="mine", **base), "mine")
    assert error == "" and manifest.name == "mine"


def test_each_way_of_failing_is_recorded_and_the_rest_loads():
    enabled = {"kt_sample", "kt_not_ready", "kt_bad_creds", "kt_broken", "kt_needs_sample"}
    host = PluginHost()
    host.load(enabled | {"kt_not_installed"}, load_settings())
    states = {name: (s.state, s.reason) for name, s in host.status.items() if s.enabled}
    assert states["kt_sample"] == ("loaded", "")
    assert states["kt_needs_sample"] == ("loaded", "")
    assert states["kt_not_ready"] == ("not_ready", "waiting for the marker file (not set)")
    assert states["kt_bad_creds"] == (
        "bad_credentials",
        "the mail server refused the user kt-fixture",
    )
    assert states["kt_broken"] == ("broken", "RuntimeError: kt_broken fails on import on purpose")
    assert states["kt_not_installed"] == ("broken", "plugin is not installed")
    registered = {name for name, _ in host.pm.list_name_plugin()}
    assert registered == {"core", "kt_sample", "kt_needs_sample"}
    names = {p.name for p in host.collect("register_permissions") if isinstance(p, Permission)}
    assert "kt_sample.use" in names and "kt_not_ready.use" not in names


def test_a_dependency_that_is_not_enabled_breaks_the_dependant():
    host = PluginHost()
    host.load({"kt_needs_sample"}, load_settings())
    status = host.status["kt_needs_sample"]
    assert status.state == "broken"
    assert status.reason == "depends on plugin 'kt_sample', which is not enabled"
    assert not host.pm.has_plugin("kt_needs_sample")


def test_a_disabled_plugin_is_not_registered_at_all():
    host = PluginHost()
    host.load(set(), load_settings())
    assert host.status["kt_sample"].state == "disabled"
    assert not host.pm.has_plugin("kt_sample")
    assert all(name != "kt_sample" for name, _ in host.each("register_routes"))


def test_settings_defaults_toml_and_environment(tmp_path: Path, monkeypatch, settings):
    info = discover()["kt_sample"]
    host = PluginHost()
    host.load({"kt_sample"}, settings)
    assert host.status["kt_sample"].config == {"greeting": "hej", "max_items": 100}

    config_file = tmp_path / "kontakt.toml"
    config_file.write_text(
        '[plugins.kt_sample]\ngreeting = "god dag"\nmax_items = 7\n', encoding="utf-8"
    )
    monkeypatch.setenv("KONTAKT_CONFIG", str(config_file))
    from_toml = load_settings()
    assert plugin_config(info, [], from_toml.replace(plugins={})) == {"greeting": "hej"}
    host = PluginHost()
    host.load({"kt_sample"}, from_toml)
    assert host.status["kt_sample"].config == {"greeting": "god dag", "max_items": 7}

    monkeypatch.setenv("KONTAKT_PLUGIN_KT_SAMPLE_MAX_ITEMS", "12")
    host = PluginHost()
    host.load({"kt_sample"}, from_toml)
    assert host.status["kt_sample"].config == {"greeting": "god dag", "max_items": 12}


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"MAX_ITEMS": "many"}, "settings: 'max_items' must be int"),
        ({"COLOUR": "red"}, "settings: unknown setting(s) colour"),
    ],
)
def test_bad_settings_break_the_plugin_with_a_clear_reason(monkeypatch, settings, env, reason):
    for key, value in env.items():
        monkeypatch.setenv(f"KONTAKT_PLUGIN_KT_SAMPLE_{key}", value)
    host = PluginHost()
    host.load({"kt_sample"}, settings)
    status = host.status["kt_sample"]
    assert status.state == "broken"
    assert status.reason.startswith(reason)
    assert not host.pm.has_plugin("kt_sample")


def test_not_ready_plugin_is_retried_until_it_is_ready(tmp_path: Path, monkeypatch, settings):
    marker = tmp_path / "ready"
    monkeypatch.setenv("KONTAKT_PLUGIN_KT_NOT_READY_MARKER", str(marker))
    host = PluginHost()
    host.load({"kt_not_ready"}, settings)
    assert host.status["kt_not_ready"].state == "not_ready"
    assert host.retry_not_ready(settings) == []
    marker.write_text("ok")
    assert host.retry_not_ready(settings) == ["kt_not_ready"]
    assert host.status["kt_not_ready"].state == "loaded"
    assert host.status["kt_not_ready"].reason == ""
    assert host.pm.has_plugin("kt_not_ready")
