"""Shared fixtures: a small hand-made store that does not depend on the bundled data."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from dashboard.bench.apprun import running_app
from dashboard.books.actors import ActorBook, ActorRow
from dashboard.books.sources import seeds_dir
from dashboard.events.store import EventStore, index_store
from dashboard.exports.snapshot_png import CHROMIUM_ARGS, ChromiumMissingError, find_chromium

try:  # the browser the snapshots use; the browser tests are skipped without one
    CHROMIUM: str | None = find_chromium()
except ChromiumMissingError:
    CHROMIUM = None
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
# The seed articles live outside the repository (../shared/seeds or $ATLAS_SEEDS). A checkout
# without them skips the checks that read them; under CI=true their absence fails instead.
needs_seeds = pytest.mark.skipif(
    not seeds_dir().is_dir() and not os.environ.get("CI"),
    reason=f"the seed articles are not in {seeds_dir()} (set ATLAS_SEEDS)")


def make_actor_book() -> ActorBook:
    """IRGC with a sub-unit, Hezbollah, a rebel group and a jihadist group."""
    book = ActorBook()
    for row in (
        ActorRow(name="Iran", coalition="pro-government axis", kind="state"),
        ActorRow(name="IRGC", parent="Iran",
                 aliases="Revolutionary Guards;Islamic Revolutionary Guard Corps"),
        ActorRow(name="Quds Force", parent="IRGC"),
        ActorRow(name="Hezbollah", coalition="pro-government axis", aliases="Hizbullah"),
        ActorRow(name="Syrian rebels", coalition="armed opposition"),
        ActorRow(name="Jabhat al-Nusra", coalition="jihadist groups", aliases="Al-Nusra Front;Nusra Front"),
    ):
        book.add(row)
    return book


def event(id_: str, start: str, *, end: str | None = None, precision: str = "day",
          place: str = "Aleppo", lat: float = 36.2, lon: float = 37.16, actors: str = "IRGC",
          event_type: str = "battle", summary: str = "s", quote: str = "q",
          loc_precision: str = "exact", uncertainty_km: float = 0.0) -> dict:
    """One canonical event row."""
    return {
        "id": id_, "start": pd.Timestamp(start), "end": pd.Timestamp(end or start),
        "date_precision": precision, "place": place, "lat": lat, "lon": lon,
        "loc_precision": loc_precision, "uncertainty_km": uncertainty_km, "admin1": "",
        "country": "Syria", "actors": actors, "event_type": event_type,
        "fatalities": pd.NA, "wounded": pd.NA, "summary": summary, "claimed_by": "someone",
        "source": "src", "quote": quote, "dispute": "", "line": 2,
    }


SMALL_EVENTS = [
    event("a", "2015-10-01", actors="IRGC;Hezbollah", summary="Offensive south of Aleppo"),
    event("b", "2016-02-01", end="2016-02-29", precision="month", actors="Quds Force",
          place="Khan Tuman", lat=36.08, lon=37.02, summary="Advisers deployed", event_type="deployment"),
    event("c", "2016-05-06", actors="Jabhat al-Nusra;Syrian rebels", place="Khan Tuman", lat=36.08,
          lon=37.02, event_type="territory", summary="Town captured", quote="rebels took Khan Tuman"),
    event("d", "2016-06-01", actors="Iran", place="Tehran", lat=35.69, lon=51.39, event_type="statement",
          summary="Minister vows to liberate Aleppo"),
    event("e", "2016-03-01", end="2016-05-31", precision="season", actors="Hezbollah",
          place="southern Aleppo front", lat=36.05, lon=37.1, loc_precision="approximate",
          uncertainty_km=15, summary="Losses on the front"),
]


@pytest.fixture
def small_store() -> EventStore:
    """Five events: spans, a season, an approximate place, a sub-unit and two coalitions."""
    frame = pd.DataFrame(SMALL_EVENTS)
    frame["fatalities"] = frame["fatalities"].astype("Int64")
    frame["wounded"] = frame["wounded"].astype("Int64")
    return index_store("small", frame, actors=make_actor_book())


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Tests (and the app servers they start) keep their columnar cache out of the user's home."""
    import os

    old = os.environ.get("ATLAS_CACHE_DIR")
    os.environ["ATLAS_CACHE_DIR"] = str(tmp_path_factory.mktemp("atlas-cache"))
    yield
    if old is None:
        os.environ.pop("ATLAS_CACHE_DIR", None)
    else:
        os.environ["ATLAS_CACHE_DIR"] = old


_MESSAGE = re.compile(r'<div class="atlas-msg (\w+)">(.*?)</div>', re.S)


def plain_messages(at, tone: str) -> list[str]:
    """The texts of an AppTest run's plain-text messages (dashboard.ui.plain) of one tone."""
    found = []
    for element in at.get("html"):
        for kind, body in _MESSAGE.findall(element.proto.body):
            if kind == tone:
                found.append(html.unescape(re.sub(r"<[^>]+>", "", body)))
    return found


# -- the real app in Debian's chromium (browser tests) ---------------------------------------------

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def app_url():
    with running_app() as app:
        yield app.url


@pytest.fixture
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        outside: list[str] = []

        def guard(route):
            parts = urlparse(route.request.url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
                outside.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        context.route("**/*", guard)
        page = context.new_page()
        page.outside_requests = outside
        page.goto(app_url)
        yield page
        browser.close()


@pytest.fixture
def offered(monkeypatch) -> dict[str, tuple[str | None, object]]:
    """What each download button offers, by label: (file name, data or its maker)."""
    from streamlit.delta_generator import DeltaGenerator

    seen: dict[str, tuple[str | None, object]] = {}
    real = DeltaGenerator.download_button

    def spy(self, label, data, file_name=None, *args, **kwargs):
        seen[label] = (file_name, data)
        return real(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", spy)
    return seen


def editable(frame):
    """A copy of a store's frame whose text columns are plain strings again, so that a test can
    write new text into cells (the store holds them as categories: no new value can be set)."""
    from dashboard.events.store import SHARED_TEXT

    frame = frame.copy()
    for column in SHARED_TEXT:
        frame[column] = frame[column].astype("str")
    return frame


def pytest_collection_modifyitems(items):
    """For two test processes (scripts/test.sh: ``--dist loadgroup``): the browser tests all run
    one after another in one process, each a server and a chromium, so that two of them never
    share the two cores (a journey once saw the sidebar's inputs reset under that load); the other
    tests go a file to a process."""
    for item in items:
        group = "browser" if item.get_closest_marker("browser") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
