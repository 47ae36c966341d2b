"""Start the real app on 127.0.0.1 and drive Debian's chromium against it (helpers for browser tests)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    """The dashboard served by ``python -m dashboard serve`` on a free port; yields its URL."""
    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"atlas-app-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "serve", "--port", str(port)],
            env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start: {log.read_text()[-2000:]}")
                time.sleep(0.3)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for_map(page, *, timeout: float = 45) -> object:
    """The map iframe's frame once Leaflet has drawn in it.

    Headless chromium only creates the component's iframe once the page paints, so screenshots are
    taken while waiting to force frames.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.screenshot()
        handle = page.query_selector(MAP_IFRAME)
        frame = handle.content_frame() if handle else None
        if frame is not None:
            with contextlib.suppress(Exception):
                if frame.evaluate("() => !!(window.L && document.querySelector('.leaflet-container'))"):
                    return frame
        time.sleep(0.5)
    raise AssertionError("the map did not draw")


def marker_count(frame) -> int:
    """Events drawn: loose markers plus the events inside cluster icons."""
    return int(frame.evaluate(
        """() => {
            const loose = document.querySelectorAll('path.atlas-event').length;
            let clustered = 0;
            document.querySelectorAll('.marker-cluster span').forEach(s => clustered += +s.textContent);
            return loose + clustered;
        }"""
    ))


def wait_until(predicate, *, timeout: float = 30, page=None, message: str = "condition") -> None:
    """Poll ``predicate`` (forcing frames with screenshots when a page is given)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page is not None:
            page.screenshot()
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.4)
    raise AssertionError(f"timed out waiting for {message}")
