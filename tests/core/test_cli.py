"""The ``kontakt`` command as a shell uses it: output piped into ``head`` ends quietly."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.core.secrets.installs import Installation, new_installation
from tests.support import services

USERS = 3000  # a listing far larger than a pipe's buffer, so the writer meets the closed end

# Staff rows copied from the first administrator straight into the table (creating 3000 users
# through the service would hash 3000 passwords); only their usernames differ.
ADD_USERS = f"""
from core import db
from core.auth.tables import User
from core.cli_support import run_db
from core.settings import load_settings

async def add():
    admin = await User.select().where(User.username == "admin").first()
    del admin["id"]
    async with db.transaction():
        for start in range(0, {USERS}, 500):  # PostgreSQL takes at most 32767 arguments
            rows = range(start, min(start + 500, {USERS}))
            await User.insert(*[User(**{{**admin, "username": f"user{{i:05d}}"}}) for i in rows])

run_db(load_settings(), add)
"""


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory):
    installation = new_installation(tmp_path_factory.mktemp("cli") / "data")
    done = subprocess.run(
        [sys.executable, "-c", ADD_USERS],
        capture_output=True,
        text=True,
        env=services.kontakt_env(installation.env),
        cwd=services.ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yield installation
    installation.drop()


def test_user_list_into_head_ends_without_a_broken_pipe(crowded: Installation) -> None:
    pipeline = subprocess.run(
        ["bash", "-c", f"{sys.executable} -m core.cli user list | head -1; "
         'echo "exit ${PIPESTATUS[0]}" >&2'],
        capture_output=True,
        text=True,
        env=services.kontakt_env(crowded.env),
        cwd=services.ROOT,
        timeout=120,
    )  # fmt: skip
    assert pipeline.stdout.split() == [
        "USERNAME",
        "FULL_NAME",
        "ROLES",
        "ACTIVE",
        "EMAIL",
        "PHONE_EXTENSION",
    ]
    # Nothing but the exit code of kontakt on stderr: no BrokenPipeError, no traceback.
    assert pipeline.stderr.strip() == "exit 1", pipeline.stderr
    whole = crowded.run("user", "list")
    assert whole.returncode == 0, whole.stderr
    assert len(whole.stdout.splitlines()) == USERS + 2
