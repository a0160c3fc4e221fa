"""The core's files for the appliance's own web pages: the staff-page script is public, typed
and not sniffed; no other name reaches the disk."""

from __future__ import annotations


async def test_the_staff_page_script_and_nothing_else(client) -> None:
    script = await client.get("/api/v1/static/staff-page.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    assert "window.KontaktStaffPage" in script.text
    for name in ("pages.py", "..%2Fpages.py", "staff-page.css"):
        missing = await client.get(f"/api/v1/static/{name}")
        assert missing.status_code == 404, name
        assert missing.headers["content-type"].startswith("application/problem+json")
