"""Many people on one app: the real app on 127.0.0.1, N browser sessions moving the date slider.

Each session (its own browser context: its own Streamlit session) presses ArrowRight on the
slider's first thumb, and the time is taken from the key press until the map's iframe has swapped
its layers (the layer control is replaced after the new layers' script ran) and two animation
frames have passed. The app serves ATLAS_EVENTS (a synthetic export) and keeps one copy of the
data for every session, so its memory is read (VmRSS) after one session and after N.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from dashboard.bench.browser import CHROMIUM, CHROMIUM_ARGS

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
THUMB = '[data-testid="stSlider"] input[type="range"]'
ARM = """() => {
  const before = document.querySelector('.leaflet-control-layers');
  window.__redrawn = new Promise(resolve => {
    const seen = new MutationObserver(() => {
      const now = document.querySelector('.leaflet-control-layers');
      if (now && now !== before) {
        seen.disconnect();
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(true)));
      }
    });
    seen.observe(document.body, {childList: true, subtree: true});
  });
  return before !== null;
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process now (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def running_app(events_csv: Path, log: Path, *, timeout: float = 300) -> Iterator[tuple[str, int]]:
    """``python -m dashboard serve`` on a free port with ATLAS_EVENTS set; (url, pid)."""
    port = _free_port()
    env = {**os.environ, "ATLAS_EVENTS": str(events_csv)}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                with contextlib.suppress(OSError), \
                        urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start; see {log}")
                time.sleep(0.3)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


async def _map_frame(page, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        handle = await page.query_selector(MAP_IFRAME)
        frame = await handle.content_frame() if handle else None
        if frame is not None:
            with contextlib.suppress(Exception):
                if await frame.evaluate("() => !!document.querySelector('.leaflet-control-layers')"):
                    return frame
        await page.screenshot()  # headless chromium creates the component's iframe once it paints
        await asyncio.sleep(0.3)
    raise TimeoutError("the map did not draw")


async def _session(browser, url: str, moves: int, start: asyncio.Event, ready: list[bool],
                   times: list[float], failures: list[str], timeout: float, key: str) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = await context.new_page()
        await page.goto(url)
        frame = await _map_frame(page, timeout)
        ready.append(True)
        await start.wait()
        for _ in range(moves):
            await page.locator(THUMB).first.focus()
            await frame.evaluate(ARM)
            began = time.perf_counter()
            await page.keyboard.press(key)
            try:
                await asyncio.wait_for(frame.evaluate("() => window.__redrawn"), timeout)
                times.append(time.perf_counter() - began)
            except TimeoutError:
                failures.append("no redraw within the time limit")
            await asyncio.sleep(random.uniform(0.3, 1.0))  # a person looks before moving again
    except Exception as exc:  # one broken session is reported, the others go on
        failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    finally:
        await context.close()


async def _run(url: str, sessions: int, moves: int, timeout: float,
               key: str) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    times: list[float] = []
    failures: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        start = asyncio.Event()
        ready: list[bool] = []
        tasks = [asyncio.create_task(_session(browser, url, moves, start, ready, times, failures,
                                              timeout, key)) for _ in range(sessions)]
        # Every session gets its first view before anyone moves the slider.
        while len(ready) + len(failures) < sessions and not all(t.done() for t in tasks):
            await asyncio.sleep(0.5)
        start.set()
        await asyncio.gather(*tasks)
        await browser.close()
    return times, failures


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")


def measure(events_csv: Path, log: Path, *, sessions: int, moves: int = 8,
            timeout: float = 60, key: str = "ArrowRight") -> dict:
    """Lone session, then ``sessions`` at once, against one app; seconds per redraw and memory.

    ``key`` moves the slider's start: ArrowRight by a day (with a day's events too few to
    change the map, the move is not redrawn and counts as a failure), PageUp by a tenth.
    """
    with running_app(events_csv, log) as (url, pid):
        lone, lone_fail = asyncio.run(_run(url, 1, moves, timeout, key))
        lone_rss = rss_mb(pid)
        crowd, crowd_fail = asyncio.run(_run(url, sessions, moves, timeout, key))
        crowd_rss = rss_mb(pid)
    return {
        "lone_median_s": statistics.median(lone) if lone else float("nan"),
        "lone_p95_s": p95(lone), "lone_moves": len(lone),
        "crowd_median_s": statistics.median(crowd) if crowd else float("nan"),
        "crowd_p95_s": p95(crowd), "crowd_moves": len(crowd), "sessions": sessions,
        "failures": lone_fail + crowd_fail, "rss_lone_mb": lone_rss, "rss_crowd_mb": crowd_rss,
    }
