"""Schemathesis over the whole OpenAPI document of a real ``kontakt serve``.

Every check (``--checks all``) and every phase (examples, coverage, fuzzing and the
stateful phase that chains operations), authenticated as the administrator with a bearer
token; the password change, logout, renewal and user-administration operations run with the token
of their own throwaway user, so the administrator's token stays valid. The server has an
installation of its own (data directory, and database on PostgreSQL), because the run
creates, changes and deletes whatever the API lets it.

The figures (operations tested, cases generated, failures by check) are printed for the
record. The test fails on any server error and on any answer that contradicts the
document (its status, media type, headers or body schema). The other checks
(e.g. ``positive_data_acceptance``: a schema-valid request refused by a business rule) are
reported, not failed on.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support import services

pytestmark = pytest.mark.timeout(600)

ADMIN_PASSWORD = "schemathesis-admin-1"
THROWAWAY_PASSWORD = "schemathesis-throwaway-1"
MAX_EXAMPLES = 2
# the run must not change these users' credentials: their operations use the throwaway user
OWN_USER_PATHS = r"^/api/v1/(auth/(password|logout|renew)|users/)"
# checks whose failures mean the document is not the truth (or the server broke)
MUST_PASS = {
    "ServerError",  # not_a_server_error
    "UndefinedStatusCode",  # status_code_conformance
    "UndefinedContentType",  # content_type_conformance
    "MissingHeaders",  # response_headers_conformance
    "JsonSchemaError",  # response_schema_conformance
    "MalformedMediaType",
    "MissingContentType",
    "MalformedJson",
    "ContentDeserializationError",
}


@pytest.fixture
def own_installation(tmp_path: Path) -> dict[str, str]:
    """Environment for a fresh installation with its own data directory and database."""
    env = {
        "KONTAKT_DATA_DIR": str(tmp_path / "data"),
        "KONTAKT_INSTANCE_NAME": f"st{uuid.uuid4().hex[:8]}",
        "KONTAKT_SLA_SWEEP_SECONDS": "0",
    }
    database_url = ""
    if services.backend() == "postgres":
        database_url = services.create_pg_database()
        env["KONTAKT_DATABASE_URL"] = database_url
    done = services.run_kontakt(
        "init", "--admin-password-stdin", input=ADMIN_PASSWORD + "\n", extra_env=env
    )
    assert done.returncode == 0, done.stderr
    yield env
    if database_url:
        services.drop_pg_database(database_url)


def _login(http: httpx.Client, username: str, password: str) -> str:
    response = http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def _config(path: Path, admin: str, throwaway: str) -> Path:
    path.write_text(
        f'headers = {{ Authorization = "Bearer {admin}" }}\n'
        f'[generation]\nmax-examples = {MAX_EXAMPLES}\ndatabase = "none"\n'
        "[[operations]]\n"
        f'include-path-regex = "{OWN_USER_PATHS}"\n'
        f'headers = {{ Authorization = "Bearer {throwaway}" }}\n'
    )
    return path


def _figures(report: dict) -> dict[str, int]:
    return {item["type"]: item["count"] for item in report.get("failures", [])}


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(own_installation, tmp_path):
    server = services.start_server(tmp_path, own_installation)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            admin = _login(http, "admin", ADMIN_PASSWORD)
            created = http.post(
                "/api/v1/users",
                json={
                    "username": "st-throwaway",
                    "full_name": "Schemathesis",
                    "password": THROWAWAY_PASSWORD,
                    "roles": ["it_admin"],
                },
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert created.status_code == 201, created.text
            throwaway = _login(http, "st-throwaway", THROWAWAY_PASSWORD)
        config = _config(tmp_path / "schemathesis.toml", admin, throwaway)
        report_path = tmp_path / "report.json"
        started = time.monotonic()
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")),
                "--config-file",
                str(config),
                "run",
                f"{server.url}/api/schema/openapi.json",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--workers",
                "1",
                "--seed",
                "20261202",
                "--no-color",
                "--report",
                "json",
                "--report-json-path",
                str(report_path),
            ],
            capture_output=True,
            text=True,
            timeout=540,
            cwd=tmp_path,
        )
        seconds = time.monotonic() - started
        with httpx.Client(base_url=server.url, timeout=30) as http:
            still_valid = http.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {admin}"}
            ).status_code
    finally:
        server.stop()
    assert report_path.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(report_path.read_text())
    failures = _figures(report)
    operations, cases = report["operations"], report["test_cases"]
    phases = ", ".join(f"{name} {phase['status']}" for name, phase in report["phases"].items())
    print(
        f"\nschemathesis {report['schemathesis_version']}: "
        f"{operations['tested']}/{operations['total']} operations tested, "
        f"{cases['generated']} cases generated, {cases['with_failures']} with failures, "
        f"{cases['errored']} errored, in {seconds:.0f} s; phases: {phases}"
    )
    print("failures by check:", json.dumps(failures, sort_keys=True) if failures else "none")
    for item in report.get("failures", []):
        where = ", ".join(item["operations"])
        print(f"  {item['code']} {item['title']} ({item['count']}): {where}")
    assert still_valid == 200, "the administrator's token was invalidated during the run"
    assert operations["tested"] == operations["total"] > 90
    assert report["complete"], run.stdout[-3000:]
    broken = {name: count for name, count in failures.items() if name in MUST_PASS}
    assert broken == {}, run.stdout[-20000:]
