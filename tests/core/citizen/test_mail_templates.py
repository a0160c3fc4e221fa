"""Mail templates belong to their owners: the core's stay in the core, a plugin's come from the
plugin's own folder through ``register_mail_templates`` when the host loads it, a name two
owners offer is refused (the later plugin is broken), and an unknown name is a clear error.

(That a plugin's template renders in the worker process and is sent through the outbox is in
tests/plugins/diarium/public/test_request_mail.py, where the diarium is enabled.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import db
from core.citizen import notify
from core.plugin_host import PluginHost

ROOT = Path(__file__).resolve().parents[3]
RECEPTION_MAIL = ROOT / "plugins" / "visitor_reception" / "templates" / "mail"


def write_template(folder: Path, name: str, lang: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.{lang}.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_core_ships_only_its_own_templates():
    core = {p.name.split(".")[0] for p in notify.TEMPLATES.glob("*.txt")}
    assert core == {"receipt", "feedback", "sla_warning", "sla_breach"}
    owners = notify.template_owners()
    assert {owners[name] for name in core} == {"core"}


def test_loading_plugins_registers_their_templates_from_their_own_folders(settings):
    host = PluginHost()
    host.load({"visitor_reception", "crisis_mode"}, settings, setup=False)
    assert host.status["visitor_reception"].state == "loaded", host.status["visitor_reception"]
    assert host.status["crisis_mode"].state == "loaded", host.status["crisis_mode"]
    owners = notify.template_owners()
    for name in ("visitor_arrived", "visitor_invitation", "visitor_not_acknowledged"):
        assert owners[name] == "visitor_reception"
        assert (RECEPTION_MAIL / f"{name}.sv.txt").is_file()
        assert (RECEPTION_MAIL / f"{name}.en.txt").is_file()
    assert owners["crisis_call_in"] == "crisis_mode"


def test_a_name_another_owner_has_is_refused_and_registers_nothing(tmp_path):
    mine = tmp_path / "mine"
    write_template(mine, "kt_hello", "sv", "Hej {{ who }}\n\nHej {{ who }}!\n")
    write_template(mine, "kt_hello", "en", "Hello {{ who }}\n\nHello {{ who }}!\n")
    theirs = tmp_path / "theirs"
    write_template(theirs, "kt_hello", "sv", "Tjena\n\nTjena\n")
    write_template(theirs, "kt_other", "sv", "Annat\n\nAnnat\n")
    core_twin = tmp_path / "core_twin"
    write_template(core_twin, "receipt", "sv", "Falskt kvitto\n\nFalskt\n")
    try:
        assert notify.register_templates("kt_mine", mine) == ["kt_hello"]
        with pytest.raises(notify.TemplateClash, match="'kt_hello' \\(already from kt_mine\\)"):
            notify.register_templates("kt_theirs", theirs)
        assert "kt_other" not in notify.template_owners()  # all or nothing
        with pytest.raises(notify.TemplateClash, match="'receipt' \\(already from core\\)"):
            notify.register_templates("kt_theirs", core_twin)
        assert notify.render("receipt", "sv", case_number="KC-1", subject="s", access_code="c",
                             status_url="u")[0].startswith("Vi har tagit emot")  # fmt: skip
        # the same owner again (a plugin loaded a second time) is no clash
        assert notify.register_templates("kt_mine", mine) == ["kt_hello"]
        assert notify.render("kt_hello", "en", who="Ann") == ("Hello Ann", "Hello Ann!\n")
        # a language the owner does not ship falls back to Swedish
        notify.unregister_templates("kt_mine")
        notify.register_templates("kt_theirs", theirs)
        assert notify.render("kt_other", "en") == ("Annat", "Annat\n")
        with pytest.raises(FileNotFoundError):
            notify.register_templates("kt_mine", tmp_path / "nowhere")
    finally:
        notify.unregister_templates("kt_mine")
        notify.unregister_templates("kt_theirs")
    assert not {"kt_hello", "kt_other"} & set(notify.template_owners())
    notify.unregister_templates("core")  # the core's own cannot be dropped
    assert notify.template_owners()["receipt"] == "core"


def test_a_plugin_whose_template_clashes_is_broken_with_the_reason(settings, tmp_path):
    squatter = tmp_path / "squatter"
    write_template(squatter, "visitor_arrived", "sv", "Inte din\n\nInte din\n")
    before = notify.template_owners().get("visitor_arrived")
    notify.unregister_templates("visitor_reception")
    notify.register_templates("kt_squatter", squatter)
    try:
        host = PluginHost()
        host.load({"visitor_reception"}, settings, setup=False)
        status = host.status["visitor_reception"]
        assert status.state == "broken"
        assert status.reason.startswith("mail templates:")
        assert "'visitor_arrived' (already from kt_squatter)" in status.reason
        owners = notify.template_owners()
        assert owners["visitor_arrived"] == "kt_squatter"
        assert "visitor_invitation" not in owners  # none of the broken plugin's templates
    finally:
        notify.unregister_templates("kt_squatter")
        if before == "visitor_reception":
            notify.register_templates("visitor_reception", RECEPTION_MAIL)


def test_a_plugin_unloaded_takes_its_templates_along(settings):
    host = PluginHost()
    host.load({"crisis_mode"}, settings, setup=False)
    assert notify.template_owners()["crisis_call_in"] == "crisis_mode"
    host.unload("crisis_mode")
    try:
        assert "crisis_call_in" not in notify.template_owners()
    finally:
        PluginHost().load({"crisis_mode"}, settings, setup=False)
    assert notify.template_owners()["crisis_call_in"] == "crisis_mode"


async def test_an_unknown_template_is_a_clear_error_and_queues_nothing(runtime):
    with pytest.raises(notify.UnknownTemplate) as caught:
        notify.render("no_such_template", "sv")
    message = str(caught.value)
    assert "'no_such_template'" in message and "receipt" in message
    with pytest.raises(notify.UnknownTemplate):
        async with db.transaction():
            await notify.queue("anna@example.org", "no_such_template", "sv", "KC-0")


def test_a_failed_setup_in_a_second_host_leaves_the_loaded_plugins_templates(settings, monkeypatch):
    """The registry is the process's: a host whose setup of the plugin fails (a retry, a
    check) must not take the templates from the plugin another host has loaded."""
    PluginHost().load({"visitor_reception"}, settings, setup=False)
    assert notify.template_owners()["visitor_arrived"] == "visitor_reception"
    monkeypatch.setenv("KONTAKT_PLUGIN_VISITOR_RECEPTION_KIOSK_LANGUAGES", "sv,xx")
    host = PluginHost()
    host.load({"visitor_reception"}, settings)
    assert host.status["visitor_reception"].state == "broken"
    owners = notify.template_owners()
    assert owners["visitor_arrived"] == owners["visitor_invitation"] == "visitor_reception"
