"""A minimal Chrome DevTools Protocol client: open a page in headless Chromium, run JavaScript, wait.

Used by the Voilà test, where the page draws its widgets only after its kernel has run (real
time, over a websocket), so ``--dump-dom`` cannot wait for it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import tempfile
import time
import urllib.request
from typing import Any

from cusp.render.export import CHROMIUM_FLAGS, chromium_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Page:
    """``with Page(url) as page: page.eval("document.title")``."""

    def __init__(self, url: str, width: int = 1000, height: int = 1200):
        self.url, self.port = url, free_port()
        self.profile = tempfile.TemporaryDirectory(ignore_cleanup_errors=True)  # Chromium helpers may still be writing its profile as it exits
        self.proc = subprocess.Popen([chromium_path(), *CHROMIUM_FLAGS, f"--remote-debugging-port={self.port}",
                                      f"--user-data-dir={self.profile.name}", f"--window-size={width},{height}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.loop = asyncio.new_event_loop()
        self.ws: Any = None
        self.n = 0

    def __enter__(self) -> "Page":
        import websockets

        deadline = time.monotonic() + 30
        while True:
            try:
                tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json", timeout=2))
                target = next(t for t in tabs if t.get("type") == "page")
                break
            except Exception:  # noqa: BLE001 - Chromium still starting
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        self.ws = self.loop.run_until_complete(websockets.connect(target["webSocketDebuggerUrl"], max_size=2**26))
        self.call("Page.navigate", url=self.url)
        return self

    def call(self, method: str, **params: Any) -> dict:
        self.n += 1
        n = self.n

        async def go() -> dict:
            await self.ws.send(json.dumps({"id": n, "method": method, "params": params}))
            while True:
                msg = json.loads(await self.ws.recv())
                if msg.get("id") == n:
                    return msg

        return self.loop.run_until_complete(go())

    def eval(self, js: str) -> Any:
        res = self.call("Runtime.evaluate", expression=js, returnByValue=True)
        return res.get("result", {}).get("result", {}).get("value")

    def wait_for(self, js: str, timeout: float = 180) -> Any:
        """Poll ``js`` until it returns something truthy; that value, or AssertionError at the timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.eval(js)
            if value:
                return value
            time.sleep(0.5)
        raise AssertionError(f"timed out waiting for: {js}")

    def __exit__(self, *exc: Any) -> None:
        try:
            if self.ws is not None:
                self.loop.run_until_complete(self.ws.close())
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.loop.close()
            self.profile.cleanup()
