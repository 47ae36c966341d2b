"""The real app, served on 127.0.0.1 as a user runs it, and its map's iframe in a browser.

One runner for everything that drives the served app: the bench's many sessions and the browser
tests (tests/apprunner.py builds its helpers on this), so the port, the health poll and the map's
iframe have one definition. It lives in bench because no layer below may import a runner of the
whole app; the tests may import anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# streamlit-folium's component: the map and its Leaflet live in this iframe.
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Leaflet has drawn the map in the iframe.
MAP_DRAWN = "() => !!(window.L && document.querySelector('.leaflet-container'))"


@dataclass(frozen=True)
class ServedApp:
    """A running ``python -m dashboard serve``: where it answers and its process id."""

    url: str
    pid: int
    log: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
        return bool(answer.status == 200)
    return False


@contextlib.contextmanager
def running_app(*, env: Mapping[str, str] | None = None, log: Path | None = None,
                timeout: float = 60) -> Iterator[ServedApp]:
    """The dashboard served on a free port, with ``env`` added to this process's environment,
    once Streamlit's health check answers; stopped on exit. Its output goes to ``log`` (by default
    a file in the temporary folder named after the port)."""
    port = free_port()
    log = log or Path(tempfile.gettempdir()) / f"atlas-app-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--port", str(port)],
                                env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the app did not start (log: {log}):\n{tail}")
                time.sleep(0.3)
            yield ServedApp(url, proc.pid, log)
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def map_frame(page: Any) -> Any:
    """The map iframe's frame as it is now (None while the component is not there or replaced);
    ``page`` is a Playwright sync Page."""
    handle = page.query_selector(MAP_IFRAME)
    return handle.content_frame() if handle else None


def wait_for_map(page: Any, *, drawn: str = MAP_DRAWN, timeout: float = 45) -> Any:
    """The map iframe's frame once ``drawn`` (a JS predicate run in it) holds; a sync Page.

    Headless chromium only creates the component's iframe once the page paints, so screenshots are
    taken while waiting to force frames.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.screenshot()
        frame = map_frame(page)
        if frame is not None:
            with contextlib.suppress(Exception):
                if frame.evaluate(drawn):
                    return frame
        time.sleep(0.4)
    raise TimeoutError("the map did not draw")


async def wait_for_map_async(page: Any, *, drawn: str = MAP_DRAWN, timeout: float = 45) -> Any:
    """``wait_for_map`` for a Playwright async Page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        handle = await page.query_selector(MAP_IFRAME)
        frame = await handle.content_frame() if handle else None
        if frame is not None:
            with contextlib.suppress(Exception):
                if await frame.evaluate(drawn):
                    return frame
        await page.screenshot()
        await asyncio.sleep(0.3)
    raise TimeoutError("the map did not draw")
