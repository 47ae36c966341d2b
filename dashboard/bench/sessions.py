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
import statistics
import time
from pathlib import Path
from typing import TypedDict

from dashboard.bench.apprun import running_app, wait_for_map_async
from dashboard.exports.snapshot_png import CHROMIUM_ARGS, find_chromium

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


def rss_mb(pid: int) -> float:
    """Resident memory of a process now (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """Every live process under ``root`` (the browser's processes under this one)."""
    parent: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    found, frontier = [], [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, ppid in parent.items() if ppid == current]
        found += children
        frontier += children
    return found


def _cpu(server: int) -> tuple[float, float]:
    """(the app's CPU seconds, this process's browsers' CPU seconds)."""
    return cpu_seconds(server), sum(cpu_seconds(pid) for pid in descendants(os.getpid()))


async def _open(browser, url: str, timeout: float):
    """A new session (its own browser context) with its map drawn: (context, page, map frame)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(timeout * 1000)
    await page.goto(url, wait_until="domcontentloaded")
    # the layer control too: a redraw is seen by its replacement (ARM)
    return context, page, await wait_for_map_async(
        page, drawn="() => !!document.querySelector('.leaflet-control-layers')", timeout=timeout)


async def _redrawn(page, frame, deadline: float) -> bool:
    """Wait for the armed redraw; a headless page that has stopped painting (no animation frames
    until something asks for a frame) is nudged with a screenshot every 2 s of waiting."""
    while time.perf_counter() < deadline:
        try:
            await asyncio.wait_for(frame.evaluate("() => window.__redrawn"),
                                   min(2.0, max(deadline - time.perf_counter(), 0.1)))
            return True
        except TimeoutError:
            with contextlib.suppress(Exception):
                await page.screenshot()
    return False


async def _moves(page, frame, moves: int, times: list[float], failures: list[str], timeout: float,
                 key: str, think: tuple[float, float]) -> None:
    try:
        for _ in range(moves):
            await page.locator(THUMB).first.focus()
            await frame.evaluate(ARM)
            began = time.perf_counter()
            await page.keyboard.press(key)
            if await _redrawn(page, frame, began + timeout):
                times.append(time.perf_counter() - began)
            else:
                failures.append("no redraw within the time limit")
            await asyncio.sleep(random.uniform(*think))  # a person looks before moving again
    except Exception as exc:  # one broken session is reported, the others go on
        failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")


async def _run(url: str, pid: int, sessions: int, moves: int, timeout: float,
               key: str, think: tuple[float, float]) -> tuple[list[float], list[str], float,
                                                          tuple[float, float]]:
    """Open the sessions one after another (people do not all arrive in the same second), then
    move every session's slider at once."""
    from playwright.async_api import async_playwright

    times: list[float] = []
    failures: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        opened = []
        for _ in range(sessions):
            try:
                opened.append(await _open(browser, url, timeout))
            except Exception as exc:
                failures.append(f"opening a session: {type(exc).__name__}: "
                                f"{str(exc).splitlines()[0][:200]}")
        opened_rss = rss_mb(pid)  # every session open, nobody moving yet
        server_before, browser_before = _cpu(pid)
        await asyncio.gather(*(_moves(page, frame, moves, times, failures, timeout, key, think)
                               for _, page, frame in opened))
        server_after, browser_after = _cpu(pid)
        cpu = (server_after - server_before, browser_after - browser_before)
        for context, _, _ in opened:
            await context.close()
        await browser.close()
    return times, failures, opened_rss, cpu


class SessionFigures(TypedDict):
    """What :func:`measure` found: seconds per redraw, memory in MB, CPU seconds per move."""

    lone_median_s: float
    lone_p95_s: float
    lone_moves: int
    crowd_median_s: float
    crowd_p95_s: float
    crowd_moves: int
    sessions: int
    failures: list[str]
    rss_lone_mb: float
    rss_crowd_mb: float
    rss_after_moves_mb: float
    think_s: tuple[float, float]
    server_cpu_per_move_s: float
    browser_cpu_per_move_s: float


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")


def measure(events_csv: Path, log: Path, *, sessions: int, moves: int = 8,
            timeout: float = 60, key: str = "ArrowRight",
            think: tuple[float, float] = (0.3, 1.0)) -> SessionFigures:
    """Lone session, then ``sessions`` at once, against one app; seconds per redraw and memory.

    ``key`` moves the slider's start: ArrowRight by a day (with a day's events too few to
    change the map, the move is not redrawn and counts as a failure), PageUp by a tenth.
    ``think`` is the range of seconds a session waits after a redraw before its next move.
    """
    env = {"ATLAS_EVENTS": str(events_csv),
           "ATLAS_CACHE_DIR": str(log.parent / "app-cache")}  # not the user's own cache
    with running_app(env=env, log=log, timeout=300) as app:
        lone, lone_fail, lone_rss, _ = asyncio.run(_run(app.url, app.pid, 1, moves, timeout, key, think))
        crowd, crowd_fail, crowd_rss, (server_cpu, browser_cpu) = asyncio.run(
            _run(app.url, app.pid, sessions, moves, timeout, key, think))
        moved_rss = rss_mb(app.pid)
    return {
        "lone_median_s": statistics.median(lone) if lone else float("nan"),
        "lone_p95_s": p95(lone), "lone_moves": len(lone),
        "crowd_median_s": statistics.median(crowd) if crowd else float("nan"),
        "crowd_p95_s": p95(crowd), "crowd_moves": len(crowd), "sessions": sessions,
        "failures": lone_fail + crowd_fail, "rss_lone_mb": lone_rss, "rss_crowd_mb": crowd_rss,
        "rss_after_moves_mb": moved_rss, "think_s": think,
        # CPU seconds per slider move while everyone moved: the app's and the browsers'
        "server_cpu_per_move_s": server_cpu / max(len(crowd), 1),
        "browser_cpu_per_move_s": browser_cpu / max(len(crowd), 1),
    }
