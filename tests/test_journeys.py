"""User journeys in Debian's chromium against ``python -m dashboard serve``: ordinary sequences of
clicks that used to show a traceback, select another event or move the map away, each step
checked as the user sees it (no exception, the selection, the count, the map's zoom and centre).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest

from dashboard.bench.apprun import MAP_IFRAME, wait_for_map
from dashboard.events.query import Query, events_in
from dashboard.exports.snapshot_png import CHROMIUM_ARGS
from dashboard.ingest.load import load_bundled
from tests.apprunner import (
    act_until,
    download_by_click,
    drag_slider_start,
    marker_count,
    open_files,
    set_dataset,
    shown_counts,
    wait_idle,
    wait_until,
)
from tests.conftest import CHROMIUM
from tests.test_columnmap import ARCHIVE

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]
ROW_PX, HEAD_PX = 35, 35


def no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, "an exception is shown"


def selected(page) -> str | None:
    return (parse_qs(urlparse(page.url).query).get("sel") or [None])[0]


def record_shown(page) -> bool:
    """The selected event's full record under the list (outside the map's frame)."""
    return page.locator(".atlas-popup").count() > 0


def tick_row(page, number: int) -> None:
    wait_idle(page)  # a rerun still under way replaces the list under the pointer
    grid = page.locator('.st-key-atlas-list [data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    wait_until(lambda: grid.bounding_box() is not None, page=page, message="the event list")
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + HEAD_PX + ROW_PX / 2 + (number - 1) * ROW_PX)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the sidebar's multiselect named ``label``, as a user types it."""
    box = page.locator('[data-testid="stMultiSelect"]').filter(has_text=label).first
    field = box.locator("input")
    field.click()
    field.fill(option)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def map_view(frame) -> tuple[int, float, float]:
    return tuple(frame.evaluate("() => [map.getZoom(), map.getCenter().lat, map.getCenter().lng]"))


@pytest.fixture
def store():
    return load_bundled()


def test_a_ticked_row_survives_or_clears_on_a_filter_change_never_a_traceback(page, store):
    wait_for_map(page)
    tick_row(page, 9)
    wait_until(lambda: selected(page) is not None, page=page, message="the 9th row selected")
    first = selected(page)
    no_exception(page)
    choose(page, "Event types", "diplomacy")
    diplomacy = len(events_in(store, Query(event_types=("diplomacy",))))
    wait_until(lambda: shown_counts(page)[0] == diplomacy, page=page, message="the diplomacy events")
    no_exception(page)
    kept = store.events.set_index("id").loc[first, "event_type"] == "diplomacy"
    wait_until(lambda: selected(page) == (first if kept else None), page=page,
               message="the selection kept only while its event is shown")
    wait_idle(page)  # the link changes mid-run; the record under the list is redrawn at its end
    assert record_shown(page) == kept


def test_a_filter_never_selects_an_event_the_user_did_not_choose(page, store):
    wait_for_map(page)
    tick_row(page, 3)
    wait_until(lambda: selected(page) is not None, page=page, message="the 3rd row selected")
    first = selected(page)
    choose(page, "Actors", "Hezbollah")
    hezbollah = events_in(store, Query(actors=("Hezbollah",)))
    wait_until(lambda: shown_counts(page)[0] == len(hezbollah), page=page, message="Hezbollah's events")
    no_exception(page)
    still = first in set(hezbollah["id"])
    wait_until(lambda: selected(page) == (first if still else None), page=page,
               message="the same selection or none")
    page.screenshot()
    assert selected(page) in (first, None)


def test_the_users_zoom_and_pan_survive_date_moves(page):
    frame = wait_for_map(page)
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    start = map_view(frame)
    for _ in range(2):
        frame.locator(".leaflet-control-zoom-in").click()
        page.wait_for_timeout(600)
    wait_until(lambda: map_view(wait_for_map(page))[0] == start[0] + 2, page=page, message="zoomed in")
    wait_until(lambda: "view=" in page.url, page=page, message="the moved map in the URL")
    zoomed = map_view(wait_for_map(page))
    before = shown_counts(page)[0]
    drag_slider_start(page, 0.6)
    wait_until(lambda: shown_counts(page)[0] != before, page=page, message="a narrower date range")
    no_exception(page)
    page.wait_for_timeout(1500)  # a re-fit, were there one, would have moved the map by now
    after = map_view(wait_for_map(page))
    assert after[0] == zoomed[0], f"zoom {zoomed[0]} became {after[0]} on a date move"
    assert abs(after[1] - zoomed[1]) < 1e-6 and abs(after[2] - zoomed[2]) < 1e-6


def test_governorates_shade_by_the_events_shown_and_follow_the_dates(page, store):
    """The shading's areas and tooltips in the page: the governorates with events in the range are
    filled, the others not, and a date move refills them."""
    from dashboard.events.view import build_view

    def filled(frame) -> dict[str, float]:
        return frame.evaluate("""() => {
            const out = {};
            map.eachLayer(l => {
                if (l.feature && l.feature.properties && 'atlasIndex' in l.feature.properties) {
                    const name = new RegExp('<td>(.*?)</td>').exec(l.getTooltip().getContent())[1];
                    out[name] = l.options.fillOpacity;
                }
            });
            return out;
        }""")

    def expected(query: Query) -> set[str]:
        return {name for name, count in build_view(store, query).governorate_counts.items() if count}

    frame = wait_for_map(page)
    wait_until(lambda: {n for n, o in filled(frame).items() if o > 0} == expected(Query()), page=page,
               message="the governorates of every event shaded")
    assert len(filled(frame)) >= 14 and any(o == 0 for o in filled(frame).values())
    start_input = drag_slider_start(page, 0.97)
    start = pd.Timestamp(start_input.get_attribute("aria-valuetext"))
    later = expected(Query(start=start, end=store.span[1]))
    frame = wait_for_map(page)
    wait_until(lambda: {n for n, o in filled(frame).items() if o > 0} == later, page=page,
               message=f"the governorates from {start.date()}: {sorted(later)}")
    assert later != expected(Query())
    no_exception(page)


def test_a_link_to_a_zoomed_out_view_reopens_there_each_time(page):
    """A map moved to zoom 4 over the Mediterranean and shared: the link opens on the same centre,
    and the link of that page again (the Mercator map's centre is not its box's mean latitude)."""
    frame = wait_for_map(page)
    wait_idle(page)
    frame.evaluate("() => map.setView([30, 20], 4)")
    wait_until(lambda: "view=" in page.url, page=page, message="the moved map in the URL")
    for _ in range(2):
        link = page.url
        page.goto(link)
        wait_until(lambda: (lambda v: v[0] == 4 and abs(v[1] - 30) < 0.05 and abs(v[2] - 20) < 0.05)(
            map_view(wait_for_map(page))), page=page, message=f"the map at 30, 20, zoom 4 from {link}")
        wait_idle(page)
        no_exception(page)
    assert abs(float(parse_qs(urlparse(page.url).query)["view"][0].split(",")[0]) - 30) < 0.05


def test_the_heat_layer_is_drawn_above_the_basemap(app_url, page):
    page.goto(f"{app_url}/?layer=heat")
    frame = wait_for_map(page)
    check = """() => {
        const canvas = document.querySelector('canvas.leaflet-heatmap-layer');
        if (!canvas) return null;
        const pane = canvas.parentElement, land = map.getPane('overlayPane');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
        return {painted, pane: pane.className, above: +getComputedStyle(pane).zIndex
                > +getComputedStyle(land).zIndex};
    }"""
    wait_until(lambda: (frame.evaluate(check) or {}).get("painted", 0) > 100, page=page,
               message="heat pixels")
    result = frame.evaluate(check)
    no_exception(page)
    assert result["above"], f"the heat's pane ({result['pane']}) is under the basemap's land"
    assert not re.search(r"leaflet-overlay-pane", result["pane"])


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_slider_count_map_and_list_show_without_scrolling(app_url, size):
    """At 1440x900 the whole map, the slider, the count and the list (300 px wide at least) are on
    the first screen; at 1280x720 the map keeps 55% of the width and the list starts on it."""
    from playwright.sync_api import sync_playwright

    width, height = size
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(app_url)
        wait_for_map(page)
        shown_counts(page)
        boxes = {name: page.locator(selector).first.bounding_box() for name, selector in (
            ("slider", '[data-testid="stSlider"]'), ("count", "text=/events shown/"),
            ("map", MAP_IFRAME), ("list", '.st-key-atlas-list [data-testid="stDataFrame"]'))}
        page.screenshot(path=f"artifacts/layout-{width}x{height}.png")
        browser.close()
    assert boxes["map"]["width"] >= 0.55 * width and boxes["map"]["height"] >= 560
    assert boxes["list"]["y"] + 100 <= height, "the list's first rows on the first screen"
    if size == (1440, 900):
        for name, box in boxes.items():
            assert box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 300) <= height, name
        assert boxes["map"]["y"] + boxes["map"]["height"] <= height, "the whole map above the fold"
        assert boxes["list"]["width"] >= 300, "a list too narrow to read beside the map"


def test_on_a_phone_the_controls_stay_in_rows_and_the_map_starts_on_the_first_screen(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(app_url)
        wait_for_map(page)
        shown_counts(page)
        title = page.locator(".atlas-title").bounding_box()
        count = page.locator("text=/events shown/").first.bounding_box()
        play = page.get_by_role("button", name="Play ▶").bounding_box()
        typed = page.get_by_role("button", name="Show these dates").bounding_box()
        box = page.locator(MAP_IFRAME).bounding_box()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        page.screenshot(path="artifacts/layout-390x844.png")
        browser.close()
    assert title["y"] >= 40, "the title is not under Streamlit's header"
    assert width <= 390, "nothing wider than the phone"
    assert abs(play["y"] - typed["y"]) < 120, "Play's row right under the dates' row, not a column"
    assert count["y"] < box["y"] < 844 - 300, "the map starts on the first screen, 300 px of it at least"
    assert box["width"] >= 340


def test_upload_then_pick_then_switch_back_to_the_bundled_data(page, store, tmp_path):
    wait_for_map(page)
    tick_row(page, 2)
    wait_until(lambda: selected(page) is not None, page=page, message="a bundled event selected")
    mine = tmp_path / "mine.csv"
    mine.write_text("id,date,place,actors,event_type,summary,source,quote,latitude,longitude\n"
                    "m1,2016-02-01,Aleppo,IRGC,battle,first of mine,src,q,36.2,37.1\n"
                    "m2,2016-02-03,Hama,IRGC,battle,second of mine,src,q,35.1,36.7\n"
                    "m3,2016-02-05,Homs,IRGC,battle,third of mine,src,q,34.7,36.7\n")
    open_files(page, mine)
    wait_until(lambda: shown_counts(page) == (3, 3), page=page, message="the uploaded events")
    no_exception(page)
    assert selected(page) is None, "a bundled selection does not carry into another dataset"
    tick_row(page, 1)
    wait_until(lambda: selected(page) == "m1", page=page, message="an uploaded event selected")
    set_dataset(page, 1, True)  # back to the bundled data: switched on, my file off
    set_dataset(page, 2, False)
    wait_until(lambda: shown_counts(page) == (len(store), len(store)), page=page,
               message="the bundled events again")
    no_exception(page)
    wait_until(lambda: selected(page) is None, page=page, message="no selection from the upload")
    wait_for_map(page)


STACK_JS = """() => {
    // A cluster icon on screen: of events sharing one place if any (a click spiderfies it), else
    // the biggest (a click zooms in on it).
    let best = null;
    map.eachLayer(layer => {
        if (!(L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup)) return;
        layer._featureGroup.eachLayer(c => {
            if (!c.getAllChildMarkers || !c._icon) return;
            const kids = c.getAllChildMarkers(), here = kids[0].getLatLng();
            const r = c._icon.getBoundingClientRect();
            const off = r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight;
            if (kids.length < 3 || off) return;
            const stacked = kids.every(k => k.getLatLng().equals(here));
            const score = (stacked ? 1e6 : 0) + kids.length;
            if (!best || score > best.score)
                best = {x: r.left + r.width / 2, y: r.top + r.height / 2, n: kids.length, stacked, score};
        });
    });
    return best;
}"""
LEGS_JS = """() => {
    // The spiderfied markers ("legs") on screen, as screen points, and the popup's text.
    const legs = [];
    map.eachLayer(layer => {
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup && layer._spiderfied) {
            layer._spiderfied.getAllChildMarkers().forEach(m => {
                if (m._path) {
                    const r = m._path.getBoundingClientRect();
                    const x = r.left + r.width / 2, y = r.top + r.height / 2;
                    legs.push({x, y, free: document.elementFromPoint(x, y) === m._path});
                }
            });
        }
    });
    const popup = document.querySelector('.leaflet-popup-content');
    return {legs, popup: popup ? popup.innerText : null};
}"""


def test_stacked_events_are_read_one_after_another_in_an_open_cluster(page, store):
    """Open the stack of events at one place, click its markers one by one: each click selects its
    event and opens its popup, and the stack stays open (the click re-sends no layer)."""
    frame = wait_for_map(page)
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    origin = page.locator(MAP_IFRAME).bounding_box()
    for _ in range(6):  # click clusters, as a user does, until one opens into its events
        wait_until(lambda: frame.evaluate(STACK_JS), page=page, message="a cluster on screen")
        stack = frame.evaluate(STACK_JS)
        page.mouse.click(origin["x"] + stack["x"], origin["y"] + stack["y"])
        page.wait_for_timeout(1200)
        if stack["stacked"]:
            break
    assert stack["stacked"], "no stack of events at one place reached"
    wait_until(lambda: len(frame.evaluate(LEGS_JS)["legs"]) == stack["n"], page=page,
               message="the stack spiderfied")
    view = map_view(frame)
    seen, clicked = [], set()
    for leg in range(3):
        legs = frame.evaluate(LEGS_JS)["legs"]  # one the open popup does not cover
        free = [i for i, spot in enumerate(legs) if spot["free"] and i not in clicked]
        if not free:  # the open popup covers the rest: close it, as a user would
            frame.locator(".leaflet-popup-close-button").click()
            wait_until(lambda: frame.evaluate(LEGS_JS)["popup"] is None, page=page, message="no popup")
            legs = frame.evaluate(LEGS_JS)["legs"]
            free = [i for i, spot in enumerate(legs) if spot["free"] and i not in clicked]
        number = free[0]
        clicked.add(number)
        target = legs[number]
        page.mouse.click(origin["x"] + target["x"], origin["y"] + target["y"])
        wait_until(lambda: selected(page) is not None and selected(page) not in seen, page=page,
                   message=f"leg {leg + 1} selected")
        chosen = selected(page)
        seen.append(chosen)
        summary = store.events.set_index("id").loc[chosen, "summary"]
        page.wait_for_timeout(1500)  # the click's rerun has come back
        no_exception(page)
        shown = frame.evaluate(LEGS_JS)
        assert len(shown["legs"]) == stack["n"], "the opened stack stayed open"
        assert shown["popup"] and summary[:40] in shown["popup"], "the clicked event's popup is open"
        assert record_shown(page)
        picked = frame.evaluate("() => window.atlasPicked && window.atlasPicked.layer.options.color")
        assert picked == "#ffd400", "the clicked marker itself is marked"
        assert map_view(frame)[0] == view[0], "the map kept its zoom"
    assert len(set(seen)) == 3


def test_a_row_pick_marks_the_event_itself_inside_its_cluster(page, store):
    """Pick a stacked event in the list, open its stack: the event's own marker is marked, not just
    a ring around the stack."""
    frame = wait_for_map(page)
    events = store.events
    stacked = events[events.duplicated(["lat", "lon"], keep=False) & (events["uncertainty_km"] < 150)]
    shown = events.reset_index(drop=True)  # the list's order: the store's (sorted by date)
    row = next(i for i, event_id in enumerate(shown["id"]) if event_id in set(stacked["id"]) and i < 9)
    tick_row(page, row + 1)
    wait_until(lambda: selected(page) == shown["id"][row], page=page, message="the row selected")
    frame = wait_for_map(page)
    wait_until(lambda: frame.evaluate(
        "() => !!(window.atlasPicked && window.atlasPicked.layer.options.color === '#ffd400')"),
        page=page, message="the picked event's marker marked")
    no_exception(page)
    at = frame.evaluate("() => { const p = window.atlasPicked.layer.getLatLng(); return [p.lat, p.lng]; }")
    chosen = events.set_index("id").loc[shown["id"][row]]
    assert at == pytest.approx([chosen["lat"], chosen["lon"]], abs=1e-4)


OUTLINED_JS = """() => {
    let outlined = 0, points = 0;
    map.eachLayer(layer => {
        const p = layer.feature && layer.feature.properties;
        if (p && p.atlasVague) outlined += p.events;
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup)
            points += layer.getLayers().filter(m => m.options.className === 'atlas-event').length;
    });
    return [outlined, points];
}"""


def test_country_level_events_are_counted_and_outlined_not_drawn_as_points(page, store):
    frame = wait_for_map(page)
    vague = store.events[store.events["uncertainty_km"] > 150]
    assert len(vague) > 10  # the bundled data has year- and country-level rows
    wait_until(lambda: frame.evaluate(OUTLINED_JS) == [len(vague), len(store) - len(vague)], page=page,
               message="country-level events outlined, the rest as markers")
    note = page.locator(f"text=/{len(vague)} events known only at country level/")
    assert note.count() == 1 and "outlined on the map" in note.first.inner_text()
    no_exception(page)
    choose(page, "Actors (any of)", "Russia")
    russia = events_in(store, Query(actors=("Russia",)))
    russia_vague = int((russia["uncertainty_km"] > 150).sum())
    wait_until(lambda: shown_counts(page)[0] == len(russia), page=page, message="Russia's events")
    wait_until(lambda: frame.evaluate(OUTLINED_JS) == [russia_vague, len(russia) - russia_vague],
               page=page, message="Russia's country-level events outlined")


def test_a_file_of_many_problems_shows_a_summary_the_first_rows_and_a_full_download(page, tmp_path):
    """2,000 rows repeating one id: the page lists 200 and counts the rest, offers the whole list
    as a download, and lists the one kept row's unknown actor as matching no actor."""
    mine = tmp_path / "repeats.csv"
    mine.write_text("id,date,place,actors,event_type,summary,source,quote,latitude,longitude\n"
                    + "dup,2016-02-01,Aleppo,IRGC;Nobody Known,battle,s,src,q,36.2,37.1\n" * 2000)
    wait_for_map(page)
    open_files(page, mine)
    wait_until(lambda: shown_counts(page) == (1, 1), page=page, message="the one kept event")
    no_exception(page)
    page.get_by_text("⚠️ 2,000 problems in the data").click()
    wait_until(lambda: page.get_by_text("The first 200 of 2,000, by line").count() > 0, page=page,
               message="the first rows of the problems")
    # The download itself is checked in tests/test_problems*.py: in this harness chromium saves
    # it empty now and then (by hand, and from a plain script, it was whole every time).
    button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="Download all 2,000 problems")
    wait_until(lambda: button.count() == 1, page=page, message="the download of every problem")
    page.get_by_text("🔎 1 actor name matched no actor in the book").click()
    wait_until(lambda: page.get_by_text("1 actor name matched no actor, alias").count() > 0,
               page=page, message="the unmatched actor names")
    no_exception(page)


def test_a_file_in_no_format_is_read_through_the_columns_the_user_chooses(page, tmp_path):
    """An incident list in none of our formats: the app asks which column is which, guesses, and
    reads it; rows it cannot use are reported by line, the rest shown."""
    wait_for_map(page)
    archive = tmp_path / "archive.csv"
    archive.write_bytes(ARCHIVE)
    open_files(page, archive)
    form = page.locator('[data-testid="stForm"]').filter(has_text="in none of the formats")
    wait_until(lambda: form.count() == 1, page=page, message="the column form")
    no_exception(page)
    wait_until(lambda: page.get_by_text("No usable events in archive.csv").count() == 1, page=page,
               message="the refusal, until the columns are chosen")
    shown = form.inner_text() + " ".join(form.locator("input").evaluate_all(
        "inputs => inputs.map(i => i.value || i.placeholder || '')"))
    for guessed in ("location", "description", "link"):  # guessed from the columns' names
        assert guessed in shown, guessed
    form.get_by_role("button", name="Read the file with these columns").click()
    wait_until(lambda: shown_counts(page) == (2, 2), page=page, message="the two usable rows")
    no_exception(page)
    assert page.get_by_text("2 problems in the data").count() == 1  # lines 4 and 5, by line in the panel
    # the map's frame is looked up on each try: a change of data may re-create the iframe
    wait_until(lambda: marker_count(wait_for_map(page)) == 2, page=page, message="the two events' markers")


def test_the_first_view_frames_syria_says_what_is_outside_and_show_all_frames_everything(page, store):
    frame = wait_for_map(page)
    wait_until(lambda: page.get_by_text("of the events shown are outside the map's view").count() == 1,
               page=page, message="the count of events outside the first view")
    zoom, lat, lon = map_view(frame)
    assert zoom >= 6 and 32 < lat < 37.5 and 35 < lon < 42.5, "the first view is on Syria, not Europe"
    # Said right above the map, on the first screen, with its buttons, in a row that keeps its height.
    notice = page.get_by_text("of the events shown are outside the map's view").first
    assert notice.bounding_box()["y"] < page.locator(MAP_IFRAME).bounding_box()["y"] < 400
    map_top = page.locator(MAP_IFRAME).bounding_box()["y"]
    note = page.get_by_text("of the events shown are outside the map's view").first.inner_text()
    away = int(re.search(r"([\d,]+) of the events shown are outside", note).group(1).replace(",", ""))
    assert 0 < away < 10, note  # Moscow, Munich, Geneva: the far few, named by number
    page.get_by_role("button", name="Show all").click()
    wait_until(lambda: map_view(wait_for_map(page))[0] < zoom, page=page, message="the map zoomed out")
    wait_until(lambda: page.get_by_text("of the events shown are outside the map's view").count() == 0,
               page=page, message="every event in view")
    assert abs(page.locator(MAP_IFRAME).bounding_box()["y"] - map_top) < 1, "the map moved with the notice"
    no_exception(page)


def test_comparing_datasets_who_else_recorded_an_event_single_source_ones_and_the_coverage(page, store):
    """The bundled events beside the ACLED and UCDP samples: pick an ACLED event, read its
    possible matches in the panel, go to one and see the first among its own, keep the
    single-source events only, and download the coverage table."""
    from dashboard.events.combine import combine
    from dashboard.events.links import annotate, find_links
    from dashboard.ingest.load import load_events

    names = ("acled_syria_sample.csv", "ucdp_ged_sample.csv")
    fixtures = Path(__file__).resolve().parent / "fixtures"
    expected = combine([store, *(load_events(fixtures / n) for n in names)],
                       labels=["Curated events (bundled)", *names])
    annotate(expected, find_links(expected))
    single = int((expected.events["recorded_in"] == 1).sum())
    total = len(expected)
    wait_for_map(page)
    open_files(page, *(fixtures / n for n in names), alone=False)
    wait_until(lambda: shown_counts(page) == (total, total), page=page, message="the three datasets")
    no_exception(page)
    search = page.locator('[data-testid="stTextInput"]').filter(has_text="Search summaries").locator("input")
    search.fill("Tal Rifaat")
    search.press("Enter")
    wait_until(lambda: 0 < shown_counts(page)[0] < total, page=page, message="the search")
    tick_row(page, 1)
    wait_until(lambda: selected(page) is not None, page=page, message="a row picked")
    first = selected(page)
    panel = page.get_by_text("Also recorded in ·")
    wait_until(lambda: panel.count() == 1, page=page, message="the Also-recorded-in panel")
    no_exception(page)
    own = expected.events.set_index("id").loc[first, "dataset"]
    others = [n for n in ("Curated events (bundled)", *names) if n != own]
    body = page.locator('[data-testid="stMainBlockContainer"]').inner_text()
    assert "possible match (" in body and any(f"{n} · " in body for n in others), body[-2000:]
    assert "km apart" in body or "same governorate" in body
    page.get_by_role("button", name="Select it").first.click()
    wait_until(lambda: selected(page) not in (None, first), page=page, message="the candidate selected")
    wait_until(lambda: f"· {first} ·" in page.locator('[data-testid="stMainBlockContainer"]').inner_text(),
               page=page, message="the first event among the candidate's own matches")
    no_exception(page)
    search.fill("")
    search.press("Enter")
    wait_until(lambda: shown_counts(page) == (total, total), page=page, message="the search cleared")
    field = page.locator('[data-testid="stSelectbox"]').filter(has_text="Recorded in").locator("input")
    field.click()
    field.fill("one dataset")
    page.keyboard.press("Enter")
    wait_until(lambda: shown_counts(page) == (single, total), page=page, message="single-source events only")
    no_exception(page)
    button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="Coverage (CSV)")
    act_until(page, lambda: page.get_by_text("Coverage: events per governorate, month and dataset").click(),
              lambda: button.count() == 1 and button.is_visible(), message="the coverage download")
    table = pd.read_csv(download_by_click(page, button).path())
    assert int(table["events"].sum()) == total
    assert set(table["dataset"]) == {"Curated events (bundled)", *names}
    assert int(table["only_here"].sum()) == single


def test_selecting_a_match_the_search_hides_says_why_and_a_shown_one_is_selected(page, store):
    """The bundled events beside the ACLED and UCDP samples, searched for Tal Rifaat: pick the
    first row, press "Select it" on a possible match the search hides (the line above the map
    says so, nothing is selected, no traceback), then pick the row again and select a match the
    search shows."""
    from dashboard.events.combine import combine
    from dashboard.events.links import annotate, find_links
    from dashboard.ingest.load import load_events

    names = ("acled_syria_sample.csv", "ucdp_ged_sample.csv")
    fixtures = Path(__file__).resolve().parent / "fixtures"
    expected = combine([store, *(load_events(fixtures / n) for n in names)],
                       labels=["Curated events (bundled)", *names])
    links = find_links(expected)
    annotate(expected, links)
    ids = expected.events["id"].astype(str).to_numpy()
    found = set(events_in(expected, Query(text="Tal Rifaat"))["id"].astype(str))
    wait_for_map(page)
    open_files(page, *(fixtures / n for n in names), alone=False)
    wait_until(lambda: shown_counts(page)[1] == len(expected), page=page, message="the three datasets")
    search = page.locator('[data-testid="stTextInput"]').filter(has_text="Search summaries").locator("input")
    search.fill("Tal Rifaat")
    search.press("Enter")
    wait_until(lambda: shown_counts(page) == (len(found), len(expected)), page=page, message="the search")
    tick_row(page, 1)
    wait_until(lambda: selected(page) is not None, page=page, message="a row picked")
    first = str(selected(page))
    shown_matches = [ids[b] for b in links.of(int((ids == first).nonzero()[0][0]))["b"].head(6)]
    hidden = next(i for i, other in enumerate(shown_matches) if other not in found)
    visible = next(i for i, other in enumerate(shown_matches) if other in found and other != first)
    buttons = page.get_by_role("button", name="Select it")
    wait_until(lambda: buttons.count() == len(shown_matches), page=page, message="the possible matches")
    buttons.nth(hidden).click()
    line = f"{shown_matches[hidden]} is hidden by the current filters: clear them to select it."
    wait_until(lambda: page.get_by_text(line, exact=False).count() == 1, page=page, message="the reason said")
    no_exception(page)
    assert selected(page) is None and shown_counts(page) == (len(found), len(expected))
    tick_row(page, 1)
    wait_until(lambda: selected(page) == first, page=page, message="the row picked again")
    wait_until(lambda: buttons.count() == len(shown_matches), page=page, message="its matches again")
    buttons.nth(visible).click()
    wait_until(lambda: selected(page) == shown_matches[visible], page=page, message="the match selected")
    assert page.get_by_text("hidden by the current filters", exact=False).count() == 0
    no_exception(page)


def test_the_analyst_overrules_a_match_and_narrows_the_link_rules(page):
    """The ACLED and UCDP samples alone: pick the Ariha air strike, mark its one match as a
    different event, keep the single-source events, then narrow ± km and ± days: after each step
    the count is the one the matcher and the verdict give, and the link carries the rules."""
    from dashboard.events.combine import combine
    from dashboard.events.links import LinkRules, annotate, find_links, record_decisions
    from dashboard.ingest.load import load_events

    names = ("acled_syria_sample.csv", "ucdp_ged_sample.csv")
    fixtures = Path(__file__).resolve().parent / "fixtures"
    expected = combine([load_events(fixtures / n) for n in names], labels=list(names))
    total = len(expected)
    verdict = {"dataset": names[0], "id": "SYR1013", "other_dataset": names[1], "other_id": "ucdp-171003",
               "decision": "different event", "who": "anonymous", "when": "2026-12-02T00:00:00Z"}

    def single(rules: LinkRules, decided: list[dict]) -> int:
        links = find_links(expected, rules)
        annotate(expected, links)
        record_decisions(expected, decided, links)
        return int((expected.events["recorded_in"] == 1).sum())

    wait_for_map(page)
    open_files(page, *(fixtures / n for n in names))
    wait_until(lambda: shown_counts(page) == (total, total), page=page, message="the two samples")
    search = page.locator('[data-testid="stTextInput"]').filter(has_text="Search summaries").locator("input")
    search.fill("Ariha")
    search.press("Enter")
    wait_until(lambda: 0 < shown_counts(page)[0] < total, page=page, message="the search")
    tick_row(page, 1)
    wait_until(lambda: selected(page) in ("SYR1013", "ucdp-171003"), page=page, message="the strike picked")
    wait_until(lambda: page.get_by_role("button", name="Different").count() == 1, page=page,
               message="its one possible match")
    page.get_by_role("button", name="Different").click()
    wait_until(lambda: page.get_by_text("You marked it: different event").count() == 1, page=page,
               message="the verdict shown")
    no_exception(page)
    search.fill("")
    search.press("Enter")
    wait_until(lambda: shown_counts(page) == (total, total), page=page, message="the search cleared")
    field = page.locator('[data-testid="stSelectbox"]').filter(has_text="Recorded in").locator("input")
    field.click()
    field.fill("one dataset")
    page.keyboard.press("Enter")
    want = single(LinkRules(), [verdict])
    assert want == single(LinkRules(), []) + 2  # the verdict left both records single-source
    wait_until(lambda: shown_counts(page) == (want, total), page=page,
               message="single-source, the verdict counted")
    no_exception(page)
    narrower = (("± km", LinkRules(distance_km=0)), ("± days", LinkRules(tolerance_days=0, distance_km=0)))
    for label, rules in narrower:
        box = page.locator('[data-testid="stNumberInput"]').filter(has_text=label).locator("input")
        want = single(rules, [verdict])
        act_until(page, lambda box=box: (box.fill("0"), box.press("Enter")),
                  lambda want=want: shown_counts(page) == (want, total),
                  message=f"single-source under {rules}")
        no_exception(page)
    assert want > single(LinkRules(), [verdict])  # narrower rules: fewer matches
    params = parse_qs(urlparse(page.url).query)
    assert params.get("link_km") == ["0"] and params.get("link_days") == ["0"]
    assert params.get("recorded") == ["single"]


def ticked_in_list(page, number: int) -> bool:
    """Whether the list shows row ``number``'s box ticked (the grid is a canvas: by its colour)."""
    from io import BytesIO

    import numpy as np
    from PIL import Image

    grid = page.locator('.st-key-atlas-list [data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    clip = {"x": box["x"] + 2, "y": box["y"] + HEAD_PX + (number - 1) * ROW_PX + 8, "width": 20, "height": 18}
    pixels = np.asarray(Image.open(BytesIO(page.screenshot(clip=clip))).convert("RGB")).astype(int)
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((red > 150) & (green < 110) & (blue < 110)).sum()) > 40


def test_the_selected_rows_box_stays_ticked_and_unticking_it_clears_the_selection(page, store):
    wait_for_map(page)
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    assert not ticked_in_list(page, 4)
    tick_row(page, 4)
    wait_until(lambda: selected(page) is not None, page=page, message="the 4th row selected")
    wait_idle(page)
    picked = selected(page)
    no_exception(page)
    assert record_shown(page)
    wait_until(lambda: ticked_in_list(page, 4), page=page, message="the picked row shown ticked")
    view = map_view(wait_for_map(page))
    act_until(page, lambda: tick_row(page, 4), lambda: selected(page) is None,
              message="the selection cleared by unticking its row")
    wait_idle(page)
    no_exception(page)
    assert not record_shown(page) and not ticked_in_list(page, 4)
    assert map_view(wait_for_map(page)) == view, "unticking moved the map"
    tick_row(page, 2)
    wait_until(lambda: selected(page) not in (None, picked), page=page, message="another row picked")
    wait_until(lambda: ticked_in_list(page, 2) and not ticked_in_list(page, 4), page=page,
               message="only the new row ticked")


def test_the_wide_list_shows_every_column_under_the_map_and_the_map_stays(page, store):
    wait_for_map(page)
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    wait_idle(page)
    narrow = page.locator('.st-key-atlas-list [data-testid="stDataFrame"]').first.bounding_box()
    before = map_view(wait_for_map(page))
    toggle = page.locator('[data-testid="stCheckbox"]').filter(has_text="Wide list").first
    act_until(page, lambda: toggle.click(), lambda: "list=wide" in page.url, message="the wide list")
    wait_idle(page)
    no_exception(page)
    grid = page.locator('.st-key-atlas-list [data-testid="stDataFrame"]').first
    wide = grid.bounding_box()
    iframe = page.locator(MAP_IFRAME).bounding_box()
    assert wide["width"] > 2.5 * narrow["width"], (narrow, wide)
    fits = page.evaluate("""() => { const s = document.querySelector('.st-key-atlas-list .dvn-scroller');
                                    return s ? [s.scrollWidth, s.clientWidth] : null; }""")
    assert fits is not None and fits[0] <= fits[1] + 2, f"the wide list's columns overflow it: {fits}"
    assert wide["y"] > iframe["y"] + iframe["height"], "the wide list is under the map"
    assert map_view(wait_for_map(page)) == before, "the map moved when the list did"
    assert shown_counts(page)[0] == len(store)
    tick_row(page, 1)
    wait_until(lambda: selected(page) is not None, page=page, message="a row picked in the wide list")
    no_exception(page)
    assert "list=wide" in page.url
    page.reload()
    wait_for_map(page)
    wait_idle(page)
    assert page.locator('.st-key-atlas-list [data-testid="stDataFrame"]').first.bounding_box()["width"] > 1000


def test_a_server_started_on_a_named_file_calls_it_by_its_name_beside_an_upload():
    """ATLAS_EVENTS names the data every session starts from: the sidebar calls it by its file's
    name (it called it the bundled events), alone and beside an upload."""
    from playwright.sync_api import sync_playwright

    from dashboard.bench.apprun import running_app

    fixtures = Path(__file__).resolve().parent / "fixtures"
    with running_app(env={"ATLAS_EVENTS": str(fixtures / "acled_syria_sample.csv")}) as app, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1500, "height": 1100}).new_page()
        page.goto(app.url)
        wait_for_map(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        wait_until(lambda: sidebar.get_by_text("acled_syria_sample.csv · 30 events").count() == 1,
                   page=page, message="the named file listed by its name")
        assert sidebar.get_by_text("Curated events (bundled)").count() == 0
        assert shown_counts(page) == (30, 30)
        no_exception(page)
        open_files(page, fixtures / "ucdp_ged_sample.csv", alone=False)
        wait_idle(page)
        no_exception(page)
        shown, total = shown_counts(page)
        assert shown == total > 30  # both files' events
        assert page.locator('[data-testid="stSidebar"]').get_by_text("Curated events").count() == 0
        browser.close()


def test_a_named_file_started_again_works_from_its_mapped_copy(tmp_path):
    """The second start on a named file maps the copy the first one wrote (its columns used in
    place, read-only): the same events, and a person's usual moves (a row picked, the dates moved,
    the events exported) work on it as on the first start, never a traceback."""
    from playwright.sync_api import sync_playwright

    source = Path(__file__).resolve().parent / "fixtures" / "acled_syria_sample.csv"
    env = {"ATLAS_EVENTS": str(source), "ATLAS_CACHE_DIR": str(tmp_path / "cache")}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        first = _start_pick_move_export(browser, env, tmp_path / "cache")
        second = _start_pick_move_export(browser, env, tmp_path / "cache")
        browser.close()
    assert first == second  # the same dates moved to, the same events exported


def _start_pick_move_export(browser, env: dict[str, str], cache: Path) -> tuple[int, list[str]]:
    from dashboard.bench.apprun import running_app

    with running_app(env=env) as app:
        page = browser.new_context(viewport={"width": 1500, "height": 1100}).new_page()
        page.goto(app.url)
        wait_for_map(page)
        wait_until(lambda: shown_counts(page) == (30, 30), page=page, message="the file's 30 events")
        assert list(cache.glob("*.events.arrow")), "no mapped copy written"
        tick_row(page, 2)
        wait_until(lambda: selected(page) is not None, page=page, message="a row picked")
        no_exception(page)
        drag_slider_start(page, 0.5)
        wait_until(lambda: 0 < shown_counts(page)[0] < 30, page=page, message="later events only")
        wait_idle(page)
        no_exception(page)
        shown = shown_counts(page)[0]
        button = page.locator('[data-testid="stDownloadButton"]').filter(has_text="Events (CSV)")
        table = pd.read_csv(download_by_click(page, button).path())
        assert len(table) == shown
        no_exception(page)
        page.context.close()
    return shown, sorted(table["id"].astype(str))


def test_the_map_still_answers_a_pan_after_a_file_is_opened_beside_the_data(page, tmp_path):
    """Opening a file redraws the page above the map (its progress bar, the dataset lines): with
    a million events served and a 100,000-event upload, the map's frame was moved in the page on
    the way, reloaded, and its pans no longer reached the app (Streamlit: "component message for
    unregistered ComponentInstance"). That race needs a slow upload (tests/test_app.py holds the
    page's blocks in place instead); here the whole flow, as a person does it: after an upload and
    a date move, each drag of the map moves the view the app (and the link) knows."""
    from dashboard.bench.synth import write_csv

    export = tmp_path / "acled_export.csv"
    write_csv(export, 30_000, seed=3)
    unregistered: list[str] = []
    page.on("console", lambda m: unregistered.append(m.text) if "unregistered" in m.text else None)
    wait_for_map(page)
    open_files(page, export, alone=False)
    wait_idle(page)
    before = shown_counts(page)[0]
    drag_slider_start(page, 0.3)
    wait_until(lambda: shown_counts(page)[0] != before, page=page, message="a narrower date range")
    wait_idle(page)
    no_exception(page)
    for dx in (160, -240):
        view = parse_qs(urlparse(page.url).query).get("view")
        page.locator(MAP_IFRAME).scroll_into_view_if_needed()
        box = page.locator(MAP_IFRAME).bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + dx, y + dx / 4, steps=8)
        page.mouse.up()
        wait_until(lambda view=view: parse_qs(urlparse(page.url).query).get("view") != view, page=page,
                   message="the dragged map's view known to the app")
        no_exception(page)
    assert unregistered == []


def test_a_reload_after_opening_a_file_says_the_file_is_gone_and_how_to_get_it_back(page, store):
    """A reload is a new session, which holds none of the files the last one opened (they are
    never written anywhere): the page used to fall back to the bundled data without a word. The
    link counts the files open, so the reloaded page says one is missing and how to open it."""
    fixture = Path(__file__).resolve().parent / "fixtures" / "acled_syria_sample.csv"
    wait_for_map(page)
    open_files(page, fixture, alone=False)
    wait_until(lambda: shown_counts(page)[1] == len(store) + 30, page=page, message="both datasets")
    wait_until(lambda: "files=1" in page.url, page=page, message="the link counting the file")
    page.reload()
    wait_for_map(page)
    wait_until(lambda: page.get_by_text("a file of your own").count() == 1, page=page,
               message="the notice that the file is not open")
    assert page.get_by_text('open it again with "Add files"', exact=False).count() == 1
    wait_until(lambda: shown_counts(page) == (len(store), len(store)), page=page, message="the bundled data")
    no_exception(page)
    wait_until(lambda: "files=" not in page.url, page=page, message="the link without the file")
    open_files(page, fixture, alone=False)
    wait_until(lambda: shown_counts(page)[1] == len(store) + 30, page=page, message="the file open again")
    wait_until(lambda: page.get_by_text("a file of your own").count() == 0, page=page,
               message="the notice gone once the file is open")
    assert "files=1" in page.url
    no_exception(page)
