"""The kiosk's languages: the setting ``kiosk_languages`` (sv,en by default; an unknown code
breaks the plugin's setup), the shipped Finnish, Arabic, Somali and Ukrainian catalogues of
the kiosk texts, the GDPR Art. 13 notice and the badge, the page offering exactly the
configured languages, Arabic right to left, and axe-core's 0 violations in each new language."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pypdfium2
import pytest

from core.i18n import catalogue, gettext
from core.plugin_host import PluginHost
from plugins.visitor_reception import languages, notice
from tests.core.citizen.browser import Browser, axe_source
from tests.plugins.visitor_reception.conftest import BASE, kiosk_headers
from tests.support.accessibility import assert_accessible, wait_for

NEW = ("fi", "ar", "so", "uk")
ALL = "sv,en,fi,ar,so,uk"
TEMPLATE = Path(languages.__file__).parent / "templates" / "kiosk.html"
BADGE_IDS = ("Visitor", "Visiting", "Visit number", "Scan at the kiosk to sign out")


def kiosk_msgids() -> set[str]:
    """Every text of the kiosk page, its notice and the badge."""
    ids = {m[1] for m in re.findall(r"""_\((["'])(.+?)\1\)""", TEMPLATE.read_text())}
    ids |= {notice.TITLE} | {x for _, head, body in notice.PARTS for x in (head, body)}
    return ids | set(BADGE_IDS)


def test_the_setting_names_the_offered_languages_and_refuses_unknown_ones():
    assert languages.parse("sv,en") == ("sv", "en")
    assert languages.parse(" FI, sv ,fi,ar ") == ("fi", "sv", "ar")
    with pytest.raises(ValueError, match="'xx'"):
        languages.parse("sv,xx")
    with pytest.raises(ValueError, match="at least one"):
        languages.parse(" , ")
    assert languages.configured() == ("sv", "en")  # the manifest's default
    assert languages.direction("ar") == "rtl" and languages.direction("fi") == "ltr"


async def test_an_unknown_language_code_breaks_the_setup(reception, settings, monkeypatch):
    monkeypatch.setenv("KONTAKT_PLUGIN_VISITOR_RECEPTION_KIOSK_LANGUAGES", "sv,en,de")
    host = PluginHost()
    host.load({"visitor_reception"}, settings)
    status = host.status["visitor_reception"]
    assert (
        status.state == "broken" and "'de'" in status.reason and "kiosk_languages" in status.reason
    )


@pytest.mark.parametrize("lang", NEW)
def test_each_language_has_every_kiosk_text_and_the_whole_notice(reception, lang):
    texts = catalogue(lang)
    missing = sorted(msgid for msgid in kiosk_msgids() if not texts.get(msgid))
    assert missing == [], f"{lang}: {missing}"
    for msgid in kiosk_msgids():  # the same placeholders as the English text
        assert set(re.findall(r"\{\w+\}", texts[msgid])) == set(re.findall(r"\{\w+\}", msgid))

    shown = notice.texts(lang)
    english = notice.texts("en")
    assert shown["language"] == lang and shown["title"] != english["title"]
    assert [p["key"] for p in shown["parts"]] == [p["key"] for p in english["parts"]]
    for part, other in zip(shown["parts"], english["parts"], strict=True):
        assert part["heading"] and part["heading"] != other["heading"]
        assert part["text"] and part["text"] != other["text"] and "{" not in part["text"]
    parts = {p["key"]: p["text"] for p in shown["parts"]}
    assert "6" in parts["legal_basis"]  # GDPR article 6.1 e, public task
    assert "365" in parts["retention"]  # the retention setting
    assert "IMY" in parts["rights"]


async def test_a_visitor_checks_in_in_finnish_and_arabic_and_gets_a_badge_in_it(client, reception):
    headers = kiosk_headers(reception["kiosk"]["token"])
    uk = await client.get(f"{BASE}/kiosk/notice", params={"lang": "uk"}, headers=headers)
    assert uk.status_code == 200 and uk.json()["title"] == gettext(notice.TITLE, "uk")
    assert uk.json()["title"] == "Як ми обробляємо ваші персональні дані"
    for lang, word in (("fi", "Vierailunumero"), ("ar", "رقم الزيارة")):
        body = {"visitor_name": "Kaisa Koski", "host_id": reception["host"]["id"], "language": lang}
        checked = await client.post(f"{BASE}/kiosk/check-in", json=body, headers=headers)
        assert checked.status_code == 201, checked.text
        assert checked.json()["visit"]["language"] == lang
        badge = await client.post(
            f"{BASE}/kiosk/badge", json={"code": checked.json()["signout_code"]}, headers=headers
        )
        assert badge.status_code == 200 and badge.content.startswith(b"%PDF-")
        document = pypdfium2.PdfDocument(badge.content)
        text = document[0].get_textpage().get_text_range()
        document.close()
        assert word in text and "Kaisa Koski" in text, text
        if lang == "ar":  # laid out right to left: the label stands right of the host's name
            assert "Vera Värdsson :يزور" in text, text
        signed_out = await client.post(
            f"{BASE}/kiosk/sign-out", json={"code": checked.json()["signout_code"]}, headers=headers
        )
        assert signed_out.status_code == 200
    bad = {"visitor_name": "X", "host_id": reception["host"]["id"], "language": "de"}
    assert (
        await client.post(f"{BASE}/kiosk/check-in", json=bad, headers=headers)
    ).status_code == 400


async def test_the_page_offers_exactly_the_configured_languages(client, reception):
    page = await client.get(f"{BASE}/page", params={"lang": "fi"})  # not offered by default
    assert page.status_code == 200 and '<html lang="sv" dir="ltr">' in page.text
    assert re.findall(r'hreflang="(\w+)"', page.text) == ["en"]
    english = await client.get(f"{BASE}/page", headers={"Accept-Language": "ar, en;q=0.5"})
    assert '<html lang="en"' in english.text


async def test_the_kiosk_in_every_shipped_language_rtl_for_arabic(
    reception, server_factory, tmp_path
):
    server = server_factory({"KONTAKT_PLUGIN_VISITOR_RECEPTION_KIOSK_LANGUAGES": ALL})
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for lang in ALL.split(","):
            page = await http.get(f"{BASE}/page", params={"lang": lang})
            assert page.status_code == 200 and page.headers["content-language"] == lang
            direction = "rtl" if lang == "ar" else "ltr"
            assert f'<html lang="{lang}" dir="{direction}">' in page.text
            offered = re.findall(r'hreflang="(\w+)"', page.text)
            assert sorted(offered) == sorted(set(ALL.split(",")) - {lang})
            title = gettext("Visitor check-in", lang)
            assert f"<title>{title}</title>" in page.text
            assert gettext(notice.PARTS[2][2], lang).split("(")[0].strip() in page.text
        arabic = await http.get(f"{BASE}/page", headers={"Accept-Language": "ar-SE, sv;q=0.5"})
        assert '<html lang="ar" dir="rtl">' in arabic.text

    source = axe_source()
    browser = Browser(tmp_path / "profile")
    try:
        for lang in NEW:
            browser.goto(f"{server.url}{BASE}/page?lang={lang}")
            assert browser.evaluate("document.documentElement.lang") == lang
            assert browser.evaluate("getComputedStyle(document.body).direction") == (
                "rtl" if lang == "ar" else "ltr"
            )
            assert gettext("Your name", lang) in browser.evaluate("document.body.innerText")
            assert_accessible(browser, source, f"kiosk ({lang})")

        # a refused code: the server speaks Swedish or English, the page says it in Somali
        browser.goto(f"{server.url}{BASE}/page?lang=so#token={reception['kiosk']['token']}")
        browser.evaluate(
            "document.getElementById('code').value = 'VR1-no-such-code';"
            "document.getElementById('signout').requestSubmit();"
        )
        said = wait_for(browser, "document.getElementById('status').textContent")
        assert (
            said
            == gettext("Something went wrong; ask the reception", "so")
            != ("Something went wrong; ask the reception")
        )
    finally:
        browser.close()
