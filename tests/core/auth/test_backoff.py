"""Login back-off: the same answer for known and unknown names, a growing wait per username
and per client address instead of a lock, audited, and shared by several API processes."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid

import httpx

from core.audit.tables import AuditEntry
from core.auth import service, throttle
from core.settings import Settings
from tests.core.citizen.conftest import unique_client_address as new_address
from tests.support.services import run_kontakt

LOGIN = "/api/v1/auth/login"
PASSWORD = "a-good-password-42"
WRONG = "not-the-password-1"


async def _new_user() -> str:
    username = f"backoff-{uuid.uuid4().hex[:10]}"
    await service.create_user("test", username, "Back-off Tester", PASSWORD, ["agent"])
    return username


async def _login(web, username: str, password: str = PASSWORD):
    return await web.post(LOGIN, json={"username": username, "password": password})


async def _fail(web, username: str, times: int) -> list:
    answers = [await _login(web, username, WRONG) for _ in range(times)]
    assert [a.status_code for a in answers] == [401] * times, answers[-1].text
    return answers


def _same_answer(one, other) -> None:
    """The same status, body and headers (a wait may differ by its rounding to seconds)."""
    assert one.status_code == other.status_code
    assert _rounded(one.json()) == _rounded(other.json())
    waits = [r.headers.get("retry-after") for r in (one, other)]
    assert waits == [None, None] or abs(int(waits[0]) - int(waits[1])) <= 1
    assert one.headers["content-type"] == other.headers["content-type"]


def _rounded(body: dict) -> dict:
    return {key: re.sub(r"\d+", "N", str(value)) for key, value in body.items()}


async def test_known_and_unknown_names_get_the_same_answers(as_client, settings: Settings):
    known, unknown = await _new_user(), f"nobody-{uuid.uuid4().hex[:10]}"
    web_known, web_unknown = as_client(), as_client()
    # the threshold is reached: the next attempt waits, even with the right password
    failed_known = await _fail(web_known, known, settings.lockout_threshold)
    waiting_known = await _login(web_known, known)
    failed_unknown = await _fail(web_unknown, unknown, settings.lockout_threshold)
    waiting_unknown = await _login(web_unknown, unknown)
    for one, other in zip(failed_known, failed_unknown, strict=True):
        _same_answer(one, other)
    assert waiting_known.status_code == 429, waiting_known.text
    _same_answer(waiting_known, waiting_unknown)
    body = waiting_known.json()
    assert waiting_known.headers["content-type"].startswith("application/problem+json")
    assert body["status"] == 429 and body["title"] == "För många förfrågningar"
    seconds = waiting_known.headers["retry-after"]
    assert seconds in ("1", "2")  # one second, rounded up
    detail = f"För många misslyckade inloggningar; försök igen om {seconds} sekunder"
    assert body["detail"] == detail


async def test_an_unknown_name_costs_the_same_argon2_work(as_client):
    known = await _new_user()
    web = as_client()

    async def timed(username: str) -> float:
        started = time.perf_counter()
        assert (await _login(web, username, WRONG)).status_code == 401
        return time.perf_counter() - started

    known_time = min([await timed(known), await timed(known)])
    unknown_time = min([await timed(f"ghost-{uuid.uuid4().hex}") for _ in range(2)])
    # an Argon2 check takes tens of milliseconds, a look-up without it well under one
    assert unknown_time > known_time / 4, (known_time, unknown_time)


async def test_back_off_grows_then_lets_the_right_password_in(as_client, settings: Settings):
    username = await _new_user()
    web = as_client()
    await _fail(web, username, settings.lockout_threshold)
    first = await _login(web, username)
    assert first.status_code == 429 and first.headers["retry-after"] in ("1", "2")
    await asyncio.sleep(int(first.headers["retry-after"]))
    await _fail(web, username, 1)  # one more failure doubles the wait
    second = await _login(web, username, WRONG)
    assert second.status_code == 429 and second.headers["retry-after"] in ("2", "3")
    await asyncio.sleep(int(second.headers["retry-after"]))
    signed_in = await _login(web, username)  # never a lock: after the wait it works
    assert signed_in.status_code == 200, signed_in.text
    # a good login clears the username's counter: the next failure is an ordinary 401
    assert (await _login(web, username, WRONG)).status_code == 401
    assert (await _login(web, username)).status_code == 200


async def test_the_real_user_elsewhere_waits_only_for_the_username(as_client, settings):
    username = await _new_user()
    attacker, owner = as_client(), as_client()
    await _fail(attacker, username, settings.lockout_threshold)
    waiting = await _login(owner, username)
    assert waiting.status_code == 429  # the username is slowed, wherever the attempt is from
    await asyncio.sleep(int(waiting.headers["retry-after"]))
    assert (await _login(owner, username)).status_code == 200


async def test_an_address_trying_many_names_is_slowed(as_client, settings: Settings):
    sprayer, colleague = as_client(), as_client()
    username = await _new_user()
    limit = settings.lockout_threshold * throttle.ADDRESS_FACTOR
    for _ in range(limit):  # one guess for each of many names: no username reaches its limit
        assert (await _login(sprayer, f"staff-{uuid.uuid4().hex[:8]}", WRONG)).status_code == 401
    refused = await _login(sprayer, username)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert (await _login(colleague, username)).status_code == 200  # other addresses are not


async def test_failures_and_back_offs_are_audited(as_client, settings: Settings):
    username = await _new_user()
    await _fail(as_client(), username, settings.lockout_threshold)
    rows = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.object_id, AuditEntry.details)
        .where(AuditEntry.action.is_in(["auth.login_failed", "auth.login_backoff"]))
        .where(AuditEntry.object_id.is_in([username, f"user:{username}"]))
        .order_by(AuditEntry.seq)
    )
    actions = [r["action"] for r in rows]
    assert actions.count("auth.login_failed") == settings.lockout_threshold
    backoffs = [r for r in rows if r["action"] == "auth.login_backoff"]
    assert len(backoffs) == 1 and backoffs[0]["object_id"] == f"user:{username}"
    details = backoffs[0]["details"]
    details = json.loads(details) if isinstance(details, str) else details
    assert details["seconds"] == 1 and details["failures"] == settings.lockout_threshold


async def test_the_longest_names_are_counted_and_audited_too(as_client, settings: Settings):
    web = as_client()
    username = "x" * 150  # the most the login body allows, more than an audit object id
    await _fail(web, username, settings.lockout_threshold)
    assert (await _login(web, username)).status_code == 429
    backoff = await AuditEntry.select(AuditEntry.object_id).where(
        (AuditEntry.action == "auth.login_backoff")
        & (AuditEntry.object_id == f"user:{username}"[:100])
    )
    assert backoff


async def test_a_password_reset_ends_the_back_off(as_client, settings: Settings):
    username = await _new_user()
    web = as_client()
    await _fail(web, username, settings.lockout_threshold)
    assert (await _login(web, username)).status_code == 429
    reset = run_kontakt("user", "passwd", username, "--password-stdin", input="new-password-77\n")
    assert reset.returncode == 0, reset.stderr
    assert (await _login(web, username, "new-password-77")).status_code == 200


async def test_back_off_is_shared_by_several_api_processes(server_factory, settings: Settings):
    username = await _new_user()
    first, second = server_factory(), server_factory()
    # both servers sit behind the same (local) proxy and see the same client address
    headers = {"X-Forwarded-For": new_address()}
    async with (
        httpx.AsyncClient(base_url=first.url, headers=headers, timeout=30) as one,
        httpx.AsyncClient(base_url=second.url, headers=headers, timeout=30) as two,
    ):
        for attempt in range(settings.lockout_threshold):  # the failures alternate
            await _fail(one if attempt % 2 else two, username, 1)
        for web in (one, two):
            waiting = await _login(web, username)
            assert waiting.status_code == 429
        await asyncio.sleep(int(waiting.headers["retry-after"]))
        assert (await _login(one, username)).status_code == 200


async def test_behind_a_trusted_proxy_each_forwarded_client_is_counted(
    app, as_client, monkeypatch, settings: Settings
):
    import ipaddress

    from core.auth.tables import LoginThrottle

    trusted = app.state.settings.replace(trusted_proxies=("198.51.100.0/24",))
    monkeypatch.setattr(app.state, "settings", trusted)
    proxy = as_client("198.51.100.7")
    sprayer, citizen = (str(ipaddress.ip_address(new_address())) for _ in range(2))
    username = await _new_user()
    for _ in range(settings.lockout_threshold * throttle.ADDRESS_FACTOR):
        response = await proxy.post(
            LOGIN,
            json={"username": f"staff-{uuid.uuid4().hex[:8]}", "password": WRONG},
            headers={"X-Forwarded-For": sprayer},
        )
        assert response.status_code == 401
    body = {"username": username, "password": PASSWORD}
    refused = await proxy.post(LOGIN, json=body, headers={"X-Forwarded-For": sprayer})
    assert refused.status_code == 429
    let_in = await proxy.post(LOGIN, json=body, headers={"X-Forwarded-For": citizen})
    assert let_in.status_code == 200  # the proxy's other clients are not slowed
    counted = {r["subject"] for r in await LoginThrottle.select(LoginThrottle.subject)}
    assert f"addr:{sprayer}" in counted and "addr:198.51.100.7" not in counted
