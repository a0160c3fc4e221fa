"""``kontakt plugins list|show|enable|disable`` and plugin commands, as real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.audit.tables import AuditEntry
from core.plugin_admin.service import enabled_names
from tests.core.plugins.conftest import disable_all
from tests.support.services import run_kontakt


@pytest.fixture(scope="module")
async def clean(fixture_plugins_site, app, client):
    await disable_all(app)
    yield
    await disable_all(app)


def kontakt(*args: str, **kwargs):
    result = run_kontakt(*args, **kwargs)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def list_rows(output: str) -> dict[str, str]:
    rows = {}
    for line in output.splitlines()[1:]:
        name, _, rest = line.partition(" ")
        rows[name] = rest.strip()
    return rows


async def test_enable_from_the_command_line(clean, bad_manifest_installed):
    from kt_sample.tables import KtSampleItem

    result = kontakt("plugins", "enable", "kt_sample")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "plugin kt_sample enabled; state: loaded"
    assert "kt_sample" in await enabled_names()
    entry = (
        await AuditEntry.select()
        .where((AuditEntry.action == "plugin.enable") & (AuditEntry.object_id == "kt_sample"))
        .order_by(AuditEntry.seq, ascending=False)
        .first()
    )
    assert entry["actor"].startswith("cli")
    assert await KtSampleItem.count() >= 0  # its table was made by the enable

    count = kontakt("kt_sample", "count")
    assert count.returncode == 0, count.stderr
    assert count.stdout.strip() == f"kt_sample items: {await KtSampleItem.count()}"

    listed = list_rows(kontakt("plugins", "list", extra_env=bad_manifest_installed).stdout)
    assert listed["kt_sample"].split() == ["1.2.0", "yes", "loaded"]
    assert listed["kt_needs_sample"].split() == ["0.1.0", "no", "disabled"]
    assert "broken" in listed["kt_bad_manifest"] and "description" in listed["kt_bad_manifest"]


async def test_show_prints_manifest_and_config(clean, tmp_path: Path):
    kontakt("plugins", "enable", "kt_sample")
    config = tmp_path / "kontakt.toml"
    config.write_text('[plugins.kt_sample]\ngreeting = "god morgon"\n', encoding="utf-8")
    result = kontakt(
        "plugins",
        "show",
        "kt_sample",
        extra_env={"KONTAKT_CONFIG": str(config), "KONTAKT_PLUGIN_KT_SAMPLE_MAX_ITEMS": "5"},
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["state"] == "loaded" and shown["source"] == "entry-point"
    assert shown["manifest"]["name"] == "kt_sample"
    assert shown["manifest"]["settings"]["greeting"]["default"] == "hej"
    assert shown["config"] == {"greeting": "god morgon", "max_items": 5}

    bad = kontakt(
        "plugins", "show", "kt_sample", extra_env={"KONTAKT_PLUGIN_KT_SAMPLE_MAX_ITEMS": "x"}
    )
    shown = json.loads(bad.stdout)
    assert shown["state"] == "broken"
    assert shown["reason"].startswith("settings: 'max_items' must be int")

    missing = kontakt("plugins", "show", "kt_nowhere")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "Error: No plugin named kt_nowhere is installed"


async def test_errors_are_one_clear_line(clean, bad_manifest_installed):
    kontakt("plugins", "disable", "kt_sample")
    result = kontakt("plugins", "enable", "kt_needs_sample")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: Enable the plugin(s) kt_sample first; kt_needs_sample depends on them"
    )
    assert "kt_needs_sample" not in await enabled_names()
    bad = kontakt("plugins", "enable", "kt_bad_manifest", extra_env=bad_manifest_installed)
    assert bad.returncode == 1 and "description" in bad.stderr
    # a disabled plugin's commands do not exist
    gone = kontakt("kt_sample", "count")
    assert gone.returncode == 2 and "No such command 'kt_sample'" in gone.stderr


async def test_failing_plugins_in_the_list(clean):
    from core.plugin_admin.service import set_enabled

    failing = ("kt_not_ready", "kt_bad_creds", "kt_broken")
    for name in ("kt_sample", *failing):
        await set_enabled("test", name, True)
    listed = list_rows(kontakt("plugins", "list").stdout)
    assert listed["kt_not_ready"].split()[:3] == ["0.1.0", "yes", "not_ready"]
    assert listed["kt_not_ready"].endswith("waiting for the marker file (not set)")
    assert listed["kt_bad_creds"].endswith("the mail server refused the user kt-fixture")
    assert "bad_credentials" in listed["kt_bad_creds"]
    assert listed["kt_broken"].endswith("RuntimeError: kt_broken fails on import on purpose")
    assert listed["kt_sample"].split() == ["1.2.0", "yes", "loaded"]
    # core commands keep working with failing plugins enabled
    assert kontakt("user", "list").returncode == 0
    done = kontakt("plugins", "disable", "kt_broken")
    assert done.stdout.strip() == "plugin kt_broken disabled (its data is kept)"
    assert "kt_broken" not in await enabled_names()


def test_core_commands_do_not_touch_the_database():
    result = kontakt(
        "--version", extra_env={"KONTAKT_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
    )
    assert result.returncode == 0
    helped = kontakt(
        "plugins", "--help", extra_env={"KONTAKT_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x"}
    )
    assert helped.returncode == 0 and "enable" in helped.stdout
