"""End to end: the real app in Debian's chromium, offline, with every request checked."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pandas as pd
import pytest

from dashboard.bench.apprun import MAP_IFRAME, wait_for_map
from dashboard.events.query import Query, events_in
from dashboard.ingest.load import load_bundled

from .apprunner import (
    act_until,
    click_visible_marker,
    drag_slider_start,
    marker_count,
    open_files,
    shown_counts,
    wait_idle,
    wait_until,
)
from .conftest import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is missing: apt-get install chromium"),
]


def test_map_draws_offline_with_every_event_and_no_outside_request(page):
    store = load_bundled()
    frame = wait_for_map(page)
    wait_until(lambda: marker_count(frame) == len(store), page=page, message="all markers")
    assert shown_counts(page) == (len(store), len(store))
    assert frame.evaluate("() => document.querySelectorAll('.leaflet-control-layers').length") == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    assert page.outside_requests == []


def test_moving_the_slider_changes_markers_and_list(page):
    store = load_bundled()
    frame = wait_for_map(page)
    wait_until(lambda: marker_count(frame) == len(store), page=page, message="all markers")
    start_input = drag_slider_start(page, 0.85)
    wait_until(lambda: shown_counts(page)[0] < len(store), page=page, message="the list to shrink")
    shown, total = shown_counts(page)
    start = pd.Timestamp(start_input.get_attribute("aria-valuetext"))
    expected = len(events_in(store, Query(start=start, end=store.span[1])))
    assert shown == expected and total == len(store)
    new_frame = wait_for_map(page)
    wait_until(lambda: marker_count(new_frame) == shown, page=page, message="markers to follow")
    assert page.outside_requests == []


def open_one_event(app_url: str, page) -> tuple[object, str, object]:
    """The app filtered (through its URL) to one event by its summary: (store, summary, map frame)."""
    store = load_bundled()
    summary = next(s for s in store.events["summary"] if len(events_in(store, Query(text=s))) == 1)
    page.goto(f"{app_url}/?{urlencode({'q': summary})}")
    frame = wait_for_map(page)
    wait_until(lambda: marker_count(frame) == 1, page=page, message="the one marker")
    return store, summary, frame


def test_clicking_a_marker_selects_its_event(app_url, page):
    store, summary, frame = open_one_event(app_url, page)
    click_visible_marker(page, frame)
    wait_until(lambda: "sel=" in page.url, page=page, message="the selection in the URL")
    chosen = events_in(store, Query(text=summary)).iloc[0]
    assert f"sel={quote(chosen['id'])}" in page.url
    wait_until(lambda: page.locator(".atlas-popup").count() > 0, page=page,
               message="the selected event's record under the list")
    assert page.outside_requests == []


def test_the_first_click_on_a_marker_counts_with_the_map_half_below_the_fold(app_url, page):
    page.set_viewport_size({"width": 1500, "height": 760})  # a laptop: the map reaches below the fold
    _, summary, frame = open_one_event(app_url, page)
    # Scroll the page (not the map) so the map's middle, where its one marker is, sits just
    # above the bottom of the screen and the rest of the map below it.
    iframe = page.locator(MAP_IFRAME)
    box = iframe.bounding_box()
    shift = box["y"] + box["height"] / 2 - (page.viewport_size["height"] - 120)
    iframe.evaluate("""(frame, shift) => {
        let box = frame.parentElement;
        while (box && !(box.scrollHeight > box.clientHeight
                        && /auto|scroll/.test(getComputedStyle(box).overflowY))) {
            box = box.parentElement;
        }
        (box || document.scrollingElement).scrollBy(0, shift);
    }""", shift)
    before = iframe.bounding_box()["y"]
    assert before + iframe.bounding_box()["height"] > page.viewport_size["height"], "map not cut"
    click_visible_marker(page, frame, scroll=False)
    wait_until(lambda: "sel=" in page.url, page=page, message="the selection from one click")
    assert abs(iframe.bounding_box()["y"] - before) < 2, "the page jumped under the pointer"
    # The click's rerun redraws the layers; the popup the user opened is open again after it.
    text = summary[:40]
    wait_until(lambda: text in (wait_for_map(page).evaluate(
        "() => (document.querySelector('.leaflet-popup-content') || {}).textContent || ''")),
        page=page, message="the clicked event's popup, open after the rerun")
    page.screenshot(path=str(ARTIFACTS / "dashboard-popup.png"))


def test_selecting_a_row_highlights_its_marker(page):
    wait_for_map(page)
    grid = page.locator('.st-key-atlas-list [data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    wait_until(lambda: grid.bounding_box() is not None, page=page, message="the event list")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection cell
    wait_until(lambda: "sel=" in page.url, page=page, message="the row's selection")
    ring = "() => document.querySelectorAll('path[stroke=\"#ffd400\"]').length"
    wait_until(lambda: wait_for_map(page).evaluate(ring) > 0, page=page, message="the highlight ring")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-selected.png"), full_page=True)
    assert page.outside_requests == []


def test_url_restores_filters(app_url, page):
    store = load_bundled()
    page.goto(f"{app_url}/?from=2016-01-01&to=2016-03-31&actor=IRGC")
    frame = wait_for_map(page)
    expected = len(events_in(store, Query(start=pd.Timestamp("2016-01-01"), end=pd.Timestamp("2016-03-31"),
                                          actors=("IRGC",))))
    wait_until(lambda: shown_counts(page)[0] == expected, page=page, message="the URL's filter")
    wait_until(lambda: marker_count(frame) == expected or marker_count(wait_for_map(page)) == expected,
               page=page, message="markers for the URL's filter")
    # the widgets show the link's filter too, not only the map and the count
    assert [pd.Timestamp(v) for v in slider_values(page)] == [pd.Timestamp("2016-01-01"),
                                                               pd.Timestamp("2016-03-31")]
    chosen = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first
    assert "IRGC" in chosen.inner_text()
    assert page.get_by_text("2016-01-01 to 2016-03-31 · actors: IRGC").count() == 1  # the filter line


def test_a_hostile_upload_is_shown_as_text_and_runs_nothing(page):
    fixture = Path(__file__).resolve().parent / "fixtures" / "xss_payloads.csv"
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    wait_for_map(page)
    title = page.title()
    open_files(page, fixture)
    wait_until(lambda: "xss_payloads.csv" in page.content() and shown_counts(page)[0] > 0, page=page,
               message="the uploaded events")
    # The upload reruns the app: take the map's frame again until it shows the new markers.
    wait_until(lambda: marker_count(wait_for_map(page)) == shown_counts(page)[0], page=page,
               message="their markers")
    frame = wait_for_map(page)
    # Put every popup's content into the page as Leaflet does when it opens one (innerHTML): the
    # payloads must come out as text, and no element (an <img onerror>) may be made of them.
    result = frame.evaluate(
        """() => {
            const markers = [];
            window.map.eachLayer(l => {
                if (L.MarkerClusterGroup && l instanceof L.MarkerClusterGroup) markers.push(...l.getLayers());
                else if (l.options && l.options.className === 'atlas-event') markers.push(l);
            });
            let text = '', elements = 0;
            for (const m of markers) {
                const box = document.createElement('div');
                box.innerHTML = m.getPopup().getContent();
                document.body.appendChild(box);
                text += box.innerText + '\\n';
                elements += box.querySelectorAll('img, script, a[href^="javascript"]').length;
            }
            return {text, elements, count: markers.length};
        }"""
    )
    time.sleep(1)  # give an injected onerror handler the time to fire, if there were one
    page.screenshot(path=str(ARTIFACTS / "hostile-upload.png"), full_page=True)
    assert result["count"] == shown_counts(page)[0]
    assert "<script>document.title='pwned'</script>" in result["text"]
    assert "onerror=" in result["text"]
    assert result["elements"] == 0
    assert frame.evaluate("() => document.title") != "pwned"
    assert page.title() == title and "pwned" not in page.title()
    assert frame.evaluate("() => document.title") != "pwned"
    assert dialogs == []
    assert page.outside_requests == []


def slider_values(page) -> list[str]:
    return [i.get_attribute("aria-valuetext")
            for i in page.locator('[data-testid="stSlider"] input[type="range"]').all()]


def test_play_steps_a_window_through_the_span_and_pauses(page):
    store = load_bundled()
    wait_for_map(page)
    act_until(page, lambda: page.get_by_role("button", name="Play ▶").click(),
              lambda: page.get_by_role("button", name="Pause").count() == 1, message="Play to start")
    first = store.span[0].date().isoformat()

    def stepping() -> bool:
        start, end = (pd.Timestamp(v) for v in slider_values(page))
        return start > pd.Timestamp(first) and (end - start).days <= 31

    wait_until(stepping, page=page, timeout=60, message="a one-month window moving through the span")
    page.get_by_role("button", name="Pause").click()
    wait_until(lambda: page.get_by_role("button", name="Play ▶").count() == 1, page=page,
               message="the Play button to come back")
    paused = slider_values(page)
    time.sleep(2.5)
    assert slider_values(page) == paused  # it stays where it was paused
    start, end = (pd.Timestamp(v) for v in paused)
    assert (end - start).days <= 31
    assert shown_counts(page)[0] == len(events_in(store, Query(start=start, end=end)))
    assert page.outside_requests == []


def test_only_events_in_the_map_view(page):
    store = load_bundled()
    frame = wait_for_map(page)
    wait_until(lambda: marker_count(frame) == len(store), page=page, message="all markers")
    page.get_by_text("Only list events in the map view").click()
    wait_until(lambda: page.locator('[data-testid="stCheckbox"] input:checked').count() >= 2,
               page=page, message="the box to be ticked")
    time.sleep(1)
    wait_for_map(page).evaluate("() => window.map.setView([36.2, 37.15], 10)")  # around Aleppo
    wait_until(lambda: 0 < shown_counts(page)[0] < len(store), page=page,
               message="the list to follow the map")
    box = wait_for_map(page).evaluate(
        "() => { const b = window.map.getBounds();"
        " return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }")
    expected = len(events_in(store, Query(bbox=tuple(box))))
    wait_until(lambda: shown_counts(page)[0] == expected, page=page, timeout=10,
               message=f"the count for the map box {box}: {expected}, shown {shown_counts(page)}")
    assert page.outside_requests == []


def test_typed_dates_set_the_range(page):
    store = load_bundled()
    wait_for_map(page)
    wait_idle(page)  # the map's first report reruns the app: a form redrawn under typing loses it
    boxes = page.locator('[data-testid="stDateInput"] input')
    for index, day in enumerate(("2016-02-01", "2016-02-29")):
        boxes.nth(index).fill(day)
        boxes.nth(index).press("Enter")
        page.keyboard.press("Escape")  # close the calendar
    assert slider_values(page) == [store.span[0].date().isoformat(), store.span[1].date().isoformat()]
    page.get_by_role("button", name="Show these dates").click()
    wait_until(lambda: slider_values(page) == ["2016-02-01", "2016-02-29"], page=page,
               message="the slider at the typed dates")
    expected = len(events_in(store, Query(start=pd.Timestamp("2016-02-01"), end=pd.Timestamp("2016-02-29"))))
    wait_until(lambda: shown_counts(page)[0] == expected, page=page, message="the events of Feb 2016")
