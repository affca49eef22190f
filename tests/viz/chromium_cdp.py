"""A small Chromium driver over the DevTools protocol, for the browser tests.

Chromium (Debian's ``chromium``) runs headless with the network cut off: every host name
resolves to nothing (``--host-resolver-rules``), no proxy is used, and background
services (updates, sync, safe browsing lists) are off. Each page records what the tests
assert on: every request it made, console errors, uncaught exceptions, log errors (a
refused Content-Security-Policy lands there) and JavaScript dialogs (``alert``), which are
dismissed at once.

Only the ``websockets`` package is needed; no browser is downloaded.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.sync.client import connect

__all__ = ["CHROMIUM_FLAGS", "find_chromium", "Chromium", "Page", "BrowserError"]

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--no-default-browser-check",
    "--disable-extensions",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1280,900",
)


class BrowserError(RuntimeError):
    """Chromium did not start, or a page did not do what was expected in time."""


def find_chromium() -> str | None:
    """Path of a Chromium binary: ``$GUANXI_CHROMIUM``, else ``chromium`` on PATH."""
    explicit = os.environ.get("GUANXI_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class _Session:
    events: list[tuple[str, dict]] = field(default_factory=list)


class Chromium:
    """One headless Chromium process and one DevTools connection to it."""

    def __init__(
        self, executable: str, *, startup_timeout: float = 30.0, env: dict[str, str] | None = None
    ):
        """Start Chromium; ``env`` adds to (or overrides) its environment, e.g.
        ``FONTCONFIG_FILE`` to give it other fonts."""
        self._profile = tempfile.mkdtemp(prefix="guanxi-chromium-")
        self._log = open(Path(self._profile).with_suffix(".log"), "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                executable,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self._profile}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
        self.ws = None
        try:
            self._connect(startup_timeout)
        except BaseException:
            self.close(keep_log=True)
            raise

    def _connect(self, startup_timeout: float) -> None:
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + startup_timeout
        while True:
            if port_file.exists():
                lines = port_file.read_text().split()
                if len(lines) >= 2:
                    break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise BrowserError(
                    f"chromium did not start (exit {self.proc.returncode}); "
                    f"log: {Path(self._profile).with_suffix('.log')}"
                )
            time.sleep(0.05)
        # entered as a context manager (websockets >= 17.1 asks for it); left in close()
        self.ws = connect(
            f"ws://127.0.0.1:{lines[0]}{lines[1]}", max_size=None, open_timeout=startup_timeout
        ).__enter__()
        self._ids = itertools.count(1)
        self._sessions: dict[str, _Session] = {}
        self.version = self.send("Browser.getVersion")["product"]

    # -- protocol
    def _dispatch(self, message: dict) -> None:
        session = self._sessions.get(message.get("sessionId", ""))
        if session is None:
            return
        method, params = message["method"], message.get("params", {})
        session.events.append((method, params))
        if method == "Page.javascriptDialogOpening":  # never leave an alert() open
            self.ws.send(
                json.dumps(
                    {
                        "id": next(self._ids),
                        "sessionId": message["sessionId"],
                        "method": "Page.handleJavaScriptDialog",
                        "params": {"accept": False},
                    }
                )
            )

    def send(
        self,
        method: str,
        params: dict | None = None,
        *,
        session_id: str | None = None,
        timeout: float = 30.0,
    ) -> dict:
        msg_id = next(self._ids)
        message = {"id": msg_id, "method": method, "params": params or {}}
        if session_id:
            message["sessionId"] = session_id
        self.ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError(f"no answer to {method} within {timeout} s")
            reply = json.loads(self.ws.recv(timeout=left))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._dispatch(reply)

    def pump(self, seconds: float) -> None:
        """Read events for ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                reply = json.loads(self.ws.recv(timeout=left))
            except TimeoutError:
                return
            if "method" in reply:
                self._dispatch(reply)

    # -- pages
    def new_page(self, *, width: int = 1280, height: int = 900) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session_id = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self._sessions[session_id] = _Session()
        page = Page(self, target, session_id)
        for domain in ("Page", "Runtime", "Network", "Log"):
            page.send(f"{domain}.enable")
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return page

    def close(self, *, keep_log: bool = False) -> None:
        """Close the browser and remove its profile (and its log, unless ``keep_log``)."""
        try:
            if self.ws is not None:
                # the socket may close under us as the browser exits
                with contextlib.suppress(Exception):
                    self.send("Browser.close", timeout=5)
                self.ws.__exit__(None, None, None)
                self.ws = None
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self._log.close()
            shutil.rmtree(self._profile, ignore_errors=True)
            if not keep_log:
                Path(self._profile).with_suffix(".log").unlink(missing_ok=True)


class Page:
    """One tab, with the record of what happened in it."""

    def __init__(self, browser: Chromium, target_id: str, session_id: str):
        self.browser = browser
        self.target_id = target_id
        self.session_id = session_id

    def send(self, method: str, params: dict | None = None, **kw) -> dict:
        return self.browser.send(method, params, session_id=self.session_id, **kw)

    @property
    def events(self) -> list[tuple[str, dict]]:
        return self.browser._sessions[self.session_id].events

    def _events(self, method: str) -> list[dict]:
        return [p for m, p in self.events if m == method]

    # -- what happened
    @property
    def requests(self) -> list[str]:
        """URL of every request the page made (``data:`` URIs included)."""
        return [p["request"]["url"] for p in self._events("Network.requestWillBeSent")]

    @property
    def failed_requests(self) -> list[dict]:
        return self._events("Network.loadingFailed")

    @property
    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries (CSP refusals)."""
        out = []
        for p in self._events("Runtime.consoleAPICalled"):
            if p["type"] in ("error", "assert"):
                out.append(
                    "console: "
                    + " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
                )
        for p in self._events("Runtime.exceptionThrown"):
            d = p["exceptionDetails"]
            out.append("exception: " + d.get("exception", {}).get("description", d["text"]))
        for p in self._events("Log.entryAdded"):
            if p["entry"]["level"] == "error":
                out.append(f"log: {p['entry']['text']} {p['entry'].get('url', '')}".strip())
        return out

    @property
    def console(self) -> list[str]:
        """Every console message, of any level."""
        return [
            " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            for p in self._events("Runtime.consoleAPICalled")
        ]

    @property
    def warnings(self) -> list[str]:
        out = [
            " ".join(str(a.get("value", "")) for a in p["args"])
            for p in self._events("Runtime.consoleAPICalled")
            if p["type"] == "warning"
        ]
        out += [
            p["entry"]["text"]
            for p in self._events("Log.entryAdded")
            if p["entry"]["level"] == "warning"
        ]
        return out

    @property
    def dialogs(self) -> list[str]:
        return [p["message"] for p in self._events("Page.javascriptDialogOpening")]

    # -- actions
    def goto(self, url: str, *, timeout: float = 30.0) -> None:
        before = len(self._events("Page.loadEventFired"))
        result = self.send("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise BrowserError(f"cannot open {url}: {result['errorText']}")
        deadline = time.monotonic() + timeout
        while len(self._events("Page.loadEventFired")) <= before:
            if time.monotonic() > deadline:
                raise BrowserError(f"{url} did not finish loading within {timeout} s")
            self.browser.pump(0.05)

    def evaluate(self, expression: str, *, timeout: float = 30.0):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 30.0, interval: float = 0.05):
        """Evaluate ``expression`` until it is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise BrowserError(f"{expression!r} still false after {timeout} s")
            self.browser.pump(interval)

    def move_mouse(self, x: float, y: float) -> None:
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def click(self, x: float, y: float) -> None:
        """A left click at page coordinates ``x``, ``y`` (press, then release)."""
        self.move_mouse(x, y)
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target_id})
        self.browser._sessions.pop(self.session_id, None)
