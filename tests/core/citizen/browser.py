"""Headless Chromium driven over the Chrome DevTools Protocol (websockets), with axe-core.

Chromium is the Debian package (``/usr/bin/chromium``) and axe-core the npm package installed
by ``scripts/bootstrap.sh`` into ``.cache/npm``; both are required, never skipped.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

from tests.support.services import ROOT

AXE_PATHS = [
    ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js",
    Path("/usr/share/nodejs/axe-core/axe.min.js"),
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--remote-debugging-port=0",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("KONTAKT_TEST_CHROMIUM"), "/usr/bin/chromium", "chromium"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate) or candidate
    raise RuntimeError("Chromium is missing; run BOOTSTRAP_SERVICES=1 scripts/bootstrap.sh")


def axe_source() -> str:
    for path in AXE_PATHS:
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise RuntimeError("axe-core is missing; run BOOTSTRAP_SERVICES=1 scripts/bootstrap.sh")


class Browser:
    """One headless Chromium with one page, spoken to through CDP's flat sessions."""

    def __init__(self, profile: Path, timeout: float = 30) -> None:
        self.timeout = timeout
        profile.mkdir(parents=True, exist_ok=True)
        self.log_path = profile.parent / "chromium.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [chromium_path(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        try:
            self.ws = connect(self._endpoint(profile), max_size=None, open_timeout=timeout)
            target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self.call(
                "Target.attachToTarget", {"targetId": target, "flatten": True}
            )["sessionId"]
            self.call("Page.enable", session=self.session)
        except BaseException:
            self.close()
            raise

    def _endpoint(self, profile: Path) -> str:
        marker = profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chromium exited:\n{self.log_path.read_text()}")
            lines = marker.read_text().split("\n") if marker.exists() else []
            if len(lines) >= 2 and lines[0].strip() and lines[1].strip():
                return f"ws://127.0.0.1:{lines[0].strip()}{lines[1].strip()}"
            time.sleep(0.05)
        raise RuntimeError(f"chromium did not open DevTools:\n{self.log_path.read_text()}")

    def call(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        """Send one CDP command and wait for its answer (events meanwhile are kept)."""
        message: dict[str, Any] = {"id": next(self._ids), "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"CDP {method} got no answer")
            reply = json.loads(self.ws.recv(timeout=left))
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    raise RuntimeError(f"CDP {method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            for index, event in enumerate(self.events):
                if event["method"] == method and event.get("sessionId") == self.session:
                    return self.events.pop(index)
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {method} event")
            reply = json.loads(self.ws.recv(timeout=left))
            if "method" in reply:
                self.events.append(reply)

    def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": await_promise, "returnByValue": True},
            session=self.session,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def goto(self, url: str) -> None:
        self.events.clear()
        self.call("Page.navigate", {"url": url}, session=self.session)
        self.wait_event("Page.loadEventFired")

    def submit(self, fields: dict[str, str]) -> None:
        """Fill the page's form fields by id and submit it; waits for the next page."""
        self.events.clear()
        script = "".join(
            f"document.getElementById({json.dumps(k)}).value = {json.dumps(v)};"
            for k, v in fields.items()
        )
        self.evaluate(script + "document.querySelector('form').requestSubmit();")
        self.wait_event("Page.loadEventFired")

    def press_tab(self) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                {"type": kind, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
                session=self.session,
            )

    def axe(self, source: str) -> dict[str, Any]:
        """Run axe-core on the page for the WCAG 2.1 A/AA rules; violations and pass count."""
        if not self.evaluate("typeof window.axe !== 'undefined'"):
            self.evaluate(source)
        options = json.dumps({"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        script = (
            f"axe.run(document, {options}).then(r => ({{"
            "violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})),"
            "passes: r.passes.map(p => p.id)}))"
        )
        return self.evaluate(script, await_promise=True)

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            with contextlib.suppress(Exception):
                self.call("Browser.close")
            ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        self._log.close()
