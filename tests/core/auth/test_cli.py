"""``kontakt user add|passwd|disable|enable|list`` as real subprocesses, with bad input."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

from core.audit.tables import AuditEntry
from core.auth import service
from tests.support.services import run_kontakt

PASSWORD = "cli-password-123"


def _one_clear_line(proc, *words: str) -> None:
    """A failed command: non-zero exit, one line on stderr naming the problem, no traceback."""
    assert proc.returncode != 0, proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    for word in words:
        assert word in lines[0], lines[0]


async def test_user_lifecycle_through_the_cli(runtime, client):
    username = f"cli-{uuid.uuid4().hex[:10]}"
    add = run_kontakt(
        "user",
        "add",
        username,
        "--name",
        "Cli Person",
        "--role",
        "agent",
        "--role",
        "reception",
        "--email",
        "cli@example.se",
        "--extension",
        "1234",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert add.returncode == 0, add.stderr
    assert f"created user {username} (agent, reception)" in add.stdout
    user = await service.get_user(username)
    assert user["roles"] == ["agent", "reception"] and user["email"] == "cli@example.se"
    login = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": PASSWORD}
    )
    assert login.status_code == 200

    listed = run_kontakt("user", "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith(username))
    assert "agent,reception" in row and "yes" in row

    disable = run_kontakt("user", "disable", username)
    assert disable.returncode == 0 and f"user {username} disabled" in disable.stdout
    assert (await service.get_user(username))["active"] is False
    token = login.json()["token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401

    enable = run_kontakt("user", "enable", username)
    assert enable.returncode == 0
    assert (await service.get_user(username))["active"] is True

    passwd = run_kontakt("user", "passwd", username, "--password-stdin", input="a-newer-password\n")
    assert passwd.returncode == 0, passwd.stderr
    login = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": "a-newer-password"}
    )
    assert login.status_code == 200

    actions = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.actor)
        .where((AuditEntry.object_type == "user") & (AuditEntry.object_id == username))
        .order_by(AuditEntry.seq)
    )
    changes = [a for a in actions if a["action"].startswith("user.")]
    assert [a["action"] for a in changes] == [
        "user.create",
        "user.update",
        "user.update",
        "user.password_reset",
    ]
    assert all(a["actor"].startswith("cli") for a in changes)


async def test_bad_input_gives_one_clear_line(runtime):
    ghost = f"ghost-{uuid.uuid4().hex[:8]}"
    add = ("user", "add")
    cases = [  # (args, stdin, words the one error line must contain)
        (("user", "passwd", ghost, "--password-stdin"), "a-long-password\n", (ghost,)),
        (("user", "disable", ghost), None, (ghost,)),
        (
            (*add, f"x-{ghost}", "--name", "X", "--role", "agent", "--password-stdin"),
            "",
            ("stdin",),
        ),
        (
            (*add, f"y-{ghost}", "--name", "Y", "--role", "agent", "--password-stdin"),
            "short\n",
            ("10",),
        ),
        (
            (*add, "admin", "--name", "Again", "--role", "agent", "--password-stdin"),
            PASSWORD + "\n",
            ("admin", "taken"),
        ),
        (
            (
                *add,
                f"z-{ghost}",
                "--name",
                "Z",
                "--role",
                "agent",
                "--email",
                "nope",
                "--password-stdin",
            ),
            PASSWORD + "\n",
            ("nope",),
        ),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda c: run_kontakt(*c[0], input=c[1]), cases))
    for (args, _, words), proc in zip(cases, results, strict=True):
        try:
            _one_clear_line(proc, *words)
        except AssertionError as exc:
            raise AssertionError(f"kontakt {' '.join(args)}: {exc}") from exc
    bad_role = run_kontakt(
        *add,
        f"w-{ghost}",
        "--name",
        "W",
        "--role",
        "wizard",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    assert bad_role.returncode == 2 and "wizard" in bad_role.stderr
    assert "Traceback" not in bad_role.stderr
    no_role = run_kontakt(*add, f"v-{ghost}", "--name", "V", "--password-stdin", input=PASSWORD)
    assert no_role.returncode == 2 and "--role" in no_role.stderr
    assert "Traceback" not in no_role.stderr
    for prefix in ("x", "y", "z", "w", "v"):
        assert not [u for u in await service.list_users() if u["username"] == f"{prefix}-{ghost}"]
