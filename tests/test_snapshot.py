"""Framed map exports: the standalone HTML (offline, every event drawn), its PNG, and the command."""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image, ImageChops, ImageStat

from dashboard.books.regions import attribution
from dashboard.events.query import Query, events_in
from dashboard.events.scene import MapSpec
from dashboard.events.store import EventStore, index_store
from dashboard.exports import snapshot_png
from dashboard.exports.export import to_csv_bytes
from dashboard.exports.snapshot import standalone_html
from dashboard.exports.snapshot_cli import main
from dashboard.exports.snapshot_png import CHROMIUM_ARGS, ChromiumMissingError, find_chromium, render_png
from dashboard.mapping.framing import FIT_MAX_ZOOM, VIEW_MAX_ZOOM, fit_bounds

from .conftest import CHROMIUM, editable

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed here "
                                    "(apt-get install chromium); CI installs it")
browser = [pytest.mark.browser, needs_chromium]

SOURCES = {"src": {"title": "Offensive <b>report</b>", "outlet": "Test Wire"}}
MADE = datetime(2016, 7, 1, 12, 30, tzinfo=UTC)
SPRING = Query(start=pd.Timestamp("2016-01-01"), end=pd.Timestamp("2016-06-30"))
FETCHING = re.compile(r"<(?:script|img|iframe|source)\b[^>]*\bsrc\s*=\s*[\"']?\s*(?:https?:)?//|"
                      r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//|url\(\s*[\"']?\s*(?:https?:)?//|"
                      r"@import\s+[\"']?(?:url\()?\s*[\"']?(?:https?:)?//", re.IGNORECASE)


@pytest.fixture
def store(small_store) -> EventStore:
    """The small store, with markup in a summary to prove it is escaped."""
    frame = editable(small_store.events)
    frame.loc[frame["id"] == "c", "summary"] = "<script>alert('x')</script> Town captured"
    return index_store("small <test>", frame, actors=small_store.actors)


def _page(store: EventStore, query: Query, *, view_bbox=None, **kwargs) -> str:
    spec = MapSpec(query=query, view_box=view_bbox, **kwargs)
    return standalone_html(store, spec, sources=SOURCES, made=MADE)


def test_html_is_framed(store):
    query = Query(start=SPRING.start, end=SPRING.end, actors=("IRGC",), text="advisers")
    page = _page(store, query, title="Aleppo <front>")
    assert "<h1>Aleppo &lt;front&gt;</h1>" in page
    assert "2016-01-01 to 2016-06-30" in page
    assert "1 event<" in page  # only b matches (IRGC with sub-units, "advisers" in its summary)
    assert "actors: IRGC; text: “advisers”" in page
    assert 'class="atlas-legend"' in page and "deployment</div>" in page
    assert "L.control.scale()" in page
    assert "Offensive &lt;b&gt;report&lt;/b&gt; (Test Wire)" in page
    assert "Data: small &lt;test&gt;" in page
    assert attribution() and attribution().split(" | ")[0] in page
    assert "Made 2016-07-01 12:30 UTC" in page


def test_html_escapes_data_and_fetches_nothing(store):
    page = _page(store, Query())
    assert "<script>alert(" not in page and "&lt;script&gt;alert(" in page
    assert "atlas-asset:" not in page, "every asset is inlined"
    assert FETCHING.findall(page) == []
    assert FETCHING.findall('<script src="https://cdn.example/x.js"></script>'), "the check can fail"


def test_count_says_how_many_are_in_the_extent(store):
    page = _page(store, Query(), view_bbox=(35.5, 36.5, 36.5, 37.5))
    assert "5 events match; 4 within the map area shown" in page


ALEPPO = (36.0, 36.9, 36.4, 37.4)  # (south, west, north, east): the city, zoomed in on in the app
FIT = re.compile(r"\.fitBounds\(\s*(\[\[.*?\]\])\s*,\s*(\{.*?\})\s*\)", re.DOTALL)


def _fit_call(page: str) -> tuple[list[list[float]], dict]:
    """Bounds and options of the page's own ``fitBounds`` call (the last: Leaflet's source comes first)."""
    bounds, options = FIT.findall(page)[-1]
    return json.loads(bounds), json.loads(options)


def test_html_fits_the_users_box_not_the_events(store):
    bounds, options = _fit_call(_page(store, Query(), view_bbox=ALEPPO))
    assert bounds == [[36.0, 36.9], [36.4, 37.4]]
    assert options["maxZoom"] >= 13, "a city-sized box needs zoom 10-11, a town's 12-13"
    assert options.get("padding", [0, 0]) == [0, 0], "the box is what the user saw, edge to edge"
    bounds, options = _fit_call(_page(store, Query()))
    assert bounds == [list(corner) for corner in fit_bounds(store.events)]
    assert options["maxZoom"] == FIT_MAX_ZOOM


@pytest.mark.parametrize(("layers", "drawn", "left_out"), [
    (None, ["Events (", "Governorates shaded by events"], ["Density (heat)"]),
    (("events", "heat"), ["Events (", "Density (heat)"], ["Governorates shaded by events"]),
    (("governorates",), ["Governorates shaded by events"], ["Events (", "Density (heat)"]),
])
def test_html_draws_the_layers_chosen_in_the_app(store, layers, drawn, left_out):
    page = _page(store, Query(), **({"layers": layers} if layers else {}))
    for name in drawn:
        assert name in page
    for name in left_out:
        assert name not in page


def test_cli_layer_option_picks_the_layers(events_file, tmp_path):
    out = tmp_path / "heat.html"
    assert main(["--events", str(events_file), "--layer", "heat", "--layer", "events",
                 "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Density (heat)" in page and "Governorates shaded by events" not in page


def test_missing_chromium_is_explained(monkeypatch):
    with pytest.raises(ChromiumMissingError, match="apt-get install chromium"):
        render_png("<html></html>", chromium="/nonexistent/chromium")
    monkeypatch.setenv("ATLAS_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(ChromiumMissingError, match="/nonexistent/chromium"):
        find_chromium()


@pytest.fixture
def page_in_browser():
    """Opens an HTML file in chromium and records every request the page makes."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed here (apt-get install chromium); CI installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        requests: list[str] = []
        context = chromium.new_context(viewport={"width": 900, "height": 600})
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            ("file:", "data:", "about:", "blob:")) else route.abort())
        context.on("request", lambda request: requests.append(request.url))

        def open_page(path: Path):
            requests.clear()
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            tab.goto(path.as_uri())
            tab.wait_for_function("window.atlasReady === true", timeout=20_000)
            return tab, requests, errors

        yield open_page
        chromium.close()


@pytest.mark.browser
@pytest.mark.parametrize("cluster", [True, False])
@pytest.mark.parametrize("query", [Query(), SPRING, Query(actors=("Hezbollah",))])
def test_offline_html_draws_every_event_and_asks_no_host(store, tmp_path, page_in_browser, query,
                                                         cluster):
    path = tmp_path / "map.html"
    path.write_text(_page(store, query, cluster=cluster), encoding="utf-8")
    tab, requests, errors = page_in_browser(path)
    markers = tab.evaluate("window.atlasMarkers()")
    expected = len(events_in(store, query))
    assert expected > 0 and errors == []
    assert markers["total"] == expected
    if not cluster:  # every marker is on the map itself, none hidden in a cluster
        assert markers["drawn"] == expected
    assert requests and all(url.startswith(("file:", "data:", "about:", "blob:")) for url in requests)
    tab.close()


@pytest.mark.browser
def test_popups_open_with_the_event(store, tmp_path, page_in_browser):
    path = tmp_path / "map.html"
    path.write_text(_page(store, Query(event_types=("statement",)), cluster=False), encoding="utf-8")
    tab, _, errors = page_in_browser(path)
    assert tab.evaluate("window.atlasEventMarkers().length") == 1
    tab.evaluate("window.atlasEventMarkers()[0].openPopup()")
    assert "Minister vows to liberate Aleppo" in tab.inner_text(".atlas-popup")
    assert errors == []
    tab.close()


def _map_view(tab, page: str) -> dict:
    name = re.search(r"var (map_[0-9a-f]+) = L\.map\(", page).group(1)
    return tab.evaluate(f"""(() => {{ const b = {name}.getBounds(); return {{zoom: {name}.getZoom(),
        south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast()}}; }})()""")


@pytest.mark.browser
@pytest.mark.parametrize("box", [
    ALEPPO,
    (36.05, 36.98, 36.11, 37.06),  # around Khan Tuman: a town, zoom 12-13
    (32.3, 35.6, 37.4, 42.4),  # the whole country
])
def test_opened_html_shows_the_users_box(store, tmp_path, page_in_browser, box):
    page = _page(store, Query(), view_bbox=box)
    path = tmp_path / "map.html"
    path.write_text(page, encoding="utf-8")
    tab, _, errors = page_in_browser(path)
    shown = _map_view(tab, page)
    south, west, north, east = box
    slack = 1e-6
    assert errors == []
    assert (shown["south"] <= south + slack and shown["west"] <= west + slack
            and shown["north"] >= north - slack and shown["east"] >= east - slack), (shown, box)
    # Tight in one direction (the map's shape rarely matches the box's): not the wide default.
    tightness = min((shown["north"] - shown["south"]) / (north - south),
                    (shown["east"] - shown["west"]) / (east - west))
    assert tightness <= 1.25, (shown, box)
    assert shown["zoom"] <= VIEW_MAX_ZOOM
    tab.close()


@pytest.mark.browser
def test_opened_html_without_a_box_fits_the_events(store, tmp_path, page_in_browser):
    page = _page(store, Query(actors=("Hezbollah",)))  # a and e, a few km apart near Aleppo
    path = tmp_path / "map.html"
    path.write_text(page, encoding="utf-8")
    tab, _, _ = page_in_browser(path)
    shown = _map_view(tab, page)
    for lat, lon in events_in(store, Query(actors=("Hezbollah",)))[["lat", "lon"]].to_numpy(float):
        assert shown["south"] < lat < shown["north"] and shown["west"] < lon < shown["east"]
    assert shown["zoom"] == FIT_MAX_ZOOM, "two nearby events: as close as the events' cap allows"
    tab.close()


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


@pytest.mark.browser
@needs_chromium
def test_png_is_a_picture_of_the_filtered_map(store):
    first = _image(render_png(_page(store, Query()), width=800, height=500, scale=1))
    other = _image(render_png(_page(store, Query(actors=("Iran",))), width=800, height=500, scale=1))
    assert first.size == other.size == (800, 500)
    assert min(ImageStat.Stat(first).var) > 100, "not a blank image"
    assert ImageChops.difference(first, other).getbbox() is not None


@pytest.mark.browser
@needs_chromium
def test_png_default_size_is_1600_by_1000_at_2x(store):
    png = render_png(_page(store, SPRING))
    assert png.startswith(b"\x89PNG") and _image(png).size == (3200, 2000)


@pytest.mark.browser
@needs_chromium
def test_render_inside_an_event_loop_goes_to_a_subprocess(store, monkeypatch):
    page = _page(store, SPRING)
    calls = []
    real = snapshot_png.render_png_subprocess
    monkeypatch.setattr(snapshot_png, "render_png_subprocess",
                        lambda *a, **k: calls.append(k) or real(*a, **k))

    async def inside_loop() -> bytes:  # as in a server thread with a running asyncio loop
        return render_png(page, width=400, height=300, scale=1)

    assert _image(asyncio.run(inside_loop())).size == (400, 300)
    assert calls == [{"width": 400, "height": 300, "scale": 1, "chromium": None}]


@pytest.fixture
def events_file(store, tmp_path) -> Path:
    path = tmp_path / "events.csv"
    path.write_bytes(to_csv_bytes(store.events))
    return path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "2016-03-01", "--to", "2016-01-01", "--out", "x.png"], "before --from"),
        (["--out", "x.txt"], "must end in"),
        (["--gif", "--out", "x.png"], "--gif needs --series"),
        (["--series", "month", "--out", "x.png"], "needs --out-dir"),
        (["--actor", "IRGX", "--out", "x.html"], "did you mean IRGC"),
        ([], "--out FILE is required"),
    ],
)
def test_cli_rejects_bad_arguments(events_file, tmp_path, capsys, argv, message):
    assert main(["--events", str(events_file), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("argv", [["--from", "2016-13-01"], ["--bbox", "1,2,3"], ["--width", "10"],
                                  ["--type", "picnic"]])
def test_cli_rejects_unparsable_values(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", "x.png"])
    assert exit_info.value.code == 2 and "error" in capsys.readouterr().err


def test_cli_missing_events_file(tmp_path, capsys):
    assert main(["--events", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x.html")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("ext", ["html", "csv", "geojson"])
def test_cli_writes_html_and_data(events_file, tmp_path, ext):
    out = tmp_path / f"aleppo.{ext}"
    argv = ["--events", str(events_file), "--from", "2016-01-01", "--to", "2016-03-01",
            "--actor", "IRGC", "--out", str(out)]
    assert main(argv) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "2016-01-01 to 2016-03-01" in text if ext == "html" else "Advisers deployed" in text
    assert "Town captured" not in text


@pytest.mark.browser
@needs_chromium
def test_cli_series_writes_a_png_per_month_and_a_gif(events_file, tmp_path):
    argv = ["--events", str(events_file), "--from", "2016-01-01", "--to", "2016-03-31",
            "--series", "month", "--out-dir", str(tmp_path / "maps"), "--gif",
            "--width", "400", "--height", "300", "--scale", "1"]
    assert main(argv) == 0
    pngs = sorted((tmp_path / "maps").glob("*.png"))
    assert [p.name for p in pngs] == ["atlas_2016-01-01_2016-01-31.png",
                                      "atlas_2016-02-01_2016-02-29.png",
                                      "atlas_2016-03-01_2016-03-31.png"]
    assert all(_image(p.read_bytes()).size == (400, 300) for p in pngs)
    gif = Image.open(tmp_path / "maps" / "atlas_2016-01-01_2016-03-31.gif")
    assert gif.n_frames == 3


@pytest.mark.browser
@needs_chromium
def test_cli_png(events_file, tmp_path):
    out = tmp_path / "aleppo.png"
    argv = ["--events", str(events_file), "--actor", "IRGC", "--out", str(out),
            "--width", "500", "--height", "400", "--scale", "1"]
    assert main(argv) == 0 and _image(out.read_bytes()).size == (500, 400)


@pytest.mark.browser
def test_a_fitted_map_says_how_many_of_its_events_the_picture_holds(tmp_path, page_in_browser, small_store):
    frame = small_store.events
    near = [frame.iloc[0].to_dict() | {"id": f"n{i}", "lat": 36.0 + i * 0.02} for i in range(24)]
    far = [frame.iloc[0].to_dict() | {"id": "moscow", "lat": 55.75, "lon": 37.6}]
    store = index_store("far", pd.DataFrame(near + far), actors=small_store.actors)
    path = tmp_path / "map.html"
    path.write_text(_page(store, Query()), encoding="utf-8")
    tab, _, errors = page_in_browser(path)
    header = tab.locator(".atlas-when").inner_text()
    assert errors == [] and "25 events; 24 of them within the map area shown" in header, header
    tab.close()
