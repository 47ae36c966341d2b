"""Helpers for browser tests: what a user does and sees in the served app (dashboard.bench.apprun
runs it and finds its map; dashboard.exports.snapshot_png holds the browser's flags)."""

from __future__ import annotations

import contextlib
import re
import time

from dashboard.bench.apprun import MAP_IFRAME

SHOWN = re.compile(r"([\d,]+) of ([\d,]+) events shown")


def marker_count(frame) -> int:
    """Events on the map (in view or not): members of cluster groups, else loose event layers; plus
    the events outlined on their country (known only at country level)."""
    return int(frame.evaluate(
        """() => {
            let clustered = 0, loose = 0, groups = 0, outlined = 0;
            window.map.eachLayer(layer => {
                if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {
                    groups += 1;
                    clustered += layer.getLayers().filter(m => m.options.className === 'atlas-event').length;
                } else if (layer.options && layer.options.className === 'atlas-event') {
                    loose += 1;
                } else if (layer.feature && layer.feature.properties && layer.feature.properties.atlasVague) {
                    outlined += layer.feature.properties.events;
                }
            });
            return (groups ? clustered : loose) + outlined;
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


def wait_idle(page, *, quiet: float = 1.5, timeout: float = 30) -> None:
    """Wait until the app's script has not run for ``quiet`` seconds: a rerun may still replace
    what the last one drew (after an upload or a first map, the map reports its view and the app
    reruns), and an element clicked while it is replaced is lost."""
    deadline = time.monotonic() + timeout
    last_busy = time.monotonic()
    while time.monotonic() < deadline:
        state = page.locator('[data-testid="stApp"]').get_attribute("data-test-script-state")
        if state != "notRunning":
            last_busy = time.monotonic()
        elif time.monotonic() - last_busy >= quiet:
            return
        time.sleep(0.1)
    raise AssertionError("the app kept rerunning")


def act_until(page, action, done, *, message: str, tries: int = 2, timeout: float = 30) -> None:
    """Do ``action`` once the app is idle and wait for ``done``; once more if it never came.

    An action that lands while a rerun replaces the element under it (the map reporting its view
    reruns the app after every redraw) is lost in the browser, for a person too, who then does it
    again: on a loaded machine that made single waits flaky. An action that never works still
    fails, after ``tries``."""
    for attempt in range(tries):
        wait_idle(page)
        action()
        try:
            wait_until(done, page=page, timeout=timeout, message=message)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise


def download_by_click(page, button, *, tries: int = 3, timeout_ms: float = 20_000):
    """Click a download button and return Playwright's Download; a click that started none (it
    landed while a rerun replaced the button, on a loaded machine) is made again once the app is
    idle, as a person would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        wait_idle(page)
        try:
            with page.expect_download(timeout=timeout_ms) as info:
                button.click()
            return info.value
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


def click_visible_marker(page, frame, *, scroll: bool = True) -> str:
    """Click, as a user would, an event marker that nothing covers (and that is on screen);
    ``scroll`` first brings the map into view."""
    if scroll:
        page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    target = frame.evaluate(
        """() => {
            for (const path of document.querySelectorAll('path.atlas-event')) {
                const r = path.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) continue;
                if (document.elementFromPoint(x, y) === path) return {x, y};
            }
            return null;
        }"""
    )
    assert target, "no uncovered event marker in view"
    origin = page.locator(MAP_IFRAME).bounding_box()
    x, y = origin["x"] + target["x"], origin["y"] + target["y"]
    assert 0 <= y < page.viewport_size["height"], "the marker is off the screen"
    page.mouse.click(x, y)
    return target


def shown_counts(page) -> tuple[int, int]:
    text = page.locator("text=/events shown/").first.inner_text()
    found = SHOWN.search(text)
    assert found, text
    return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))


def drag_slider_start(page, fraction: float):
    """Drag the date slider's first thumb, as a user would, to ``fraction`` of the track; returns
    the thumb's input (its aria-valuetext is the date it shows)."""
    start_input = page.locator('[data-testid="stSlider"] input[type="range"]').first
    start_input.locator("xpath=../..").scroll_into_view_if_needed()
    thumb = start_input.locator("xpath=../..").bounding_box()
    track = page.locator('[data-testid="stSlider"] [data-orientation="horizontal"]').nth(1).bounding_box()
    y = thumb["y"] + thumb["height"] / 2
    page.mouse.move(thumb["x"] + thumb["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] * fraction, y, steps=10)
    page.mouse.up()
    return start_input


def set_dataset(page, number: int, on: bool) -> None:
    """Switch the ``number``-th dataset of the sidebar's data section on or off (1: the bundled)."""
    box = page.get_by_role("checkbox", name=f"Show dataset {number}")
    wait_until(lambda: box.count() == 1, page=page, message=f"dataset {number}'s switch")
    if box.is_checked() != on:
        box.click(force=True)  # Streamlit's input is visually hidden under its drawn box
    wait_until(lambda: box.is_checked() == on, page=page, message=f"dataset {number} switched")


def open_files(page, *paths, alone: bool = True) -> None:
    """Add files through the sidebar's uploader; ``alone``: then switch the bundled data off."""
    from pathlib import Path

    wait_until(lambda: page.locator('input[type="file"]').count() > 0, page=page, message="the uploader")
    sidebar = page.locator('[data-testid="stSidebar"]')
    names = [Path(path).name for path in paths]
    act_until(page, lambda: page.locator('input[type="file"]').set_input_files([str(p) for p in paths]),
              lambda: all(sidebar.get_by_text(f"{name} · ").count() > 0 for name in names),
              message=f"{', '.join(names)} listed among the datasets", timeout=60)
    if alone:
        set_dataset(page, 1, False)
