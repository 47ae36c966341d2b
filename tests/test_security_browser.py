"""Hostile text in a real browser: every payload family through an uploaded file, the URL and the
search box, into popups, the record panel, the header, the notices and the exported map.

The app runs as it is served (``python -m dashboard serve``) in Debian's chromium. A small HTTP
listener on 127.0.0.1 counts every request made to it; each payload that could make a request
points at it, and each one that could run script tries to set the parent page's title. After every
step of a journey: no Streamlit exception, the title is still the app's, the listener got nothing,
no element links to it or to ``javascript:``, and the payload is shown literally, as text.
(The checks that need no browser are in test_security.py.)
"""

from __future__ import annotations

import contextlib
import csv
import html
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from dashboard.bench.apprun import MAP_IFRAME, map_frame, running_app, wait_for_map
from dashboard.exports.snapshot_png import CHROMIUM_ARGS

from .apprunner import download_by_click, marker_count, open_files
from .conftest import ARTIFACTS, CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is missing: apt-get install chromium"),
]
TITLE = "Event Atlas"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
HIGHLIGHT = "#ffd400"  # the selected event's ring
SHOWN = re.compile(r"[\d,]+ of [\d,]+ events shown")

# Every family of the security issue; {base} is the listener, {port} its port. Each that could run
# script sets the parent page's title (the map's iframe is same-origin and may reach it); each that
# could make a request makes one to the listener. html.escape turns quotes into entities, so the
# two aimed at script (a template literal, the end of one) use none, as an attacker's would.
FAMILIES = {
    "tag": "<img src={base}/img onerror=\"parent.document.title='PWNED'\"><b>bold</b>",
    "attribute": "\" onmouseover=\"parent.document.title='PWNED'\" data-x=\"",
    "script-end": "</script><script>parent.document.title='PWNED'</script>",
    "template-literal": "Report ${{parent.document.title=/PWNED/.source, "
                        "fetch(new URL(/tl/.source, location.origin.replace(/\\d+$/, {port})))}}",
    # folium escaped a backtick unless a backslash came before it: "\\`" ended its literal, ")"
    # its call, and "//" the rest of its line.
    "backtick": "\\\\`)+(parent.document.title=/PWNED/.source)+//",
    "jinja-expr": "{{{{7*7}}}}",
    "jinja-stmt": "{{% if 1 %}}J{{% endif %}}",
    "md-image": "![t]({base}/md.png)",
    "md-link": "[Session expired - log in again]({base}/phish)",
    "js-url": "javascript:parent.document.title='PWNED'",
    "md-js-link": "[log in](javascript:parent.document.title='PWNED')",
    "formula": "=HYPERLINK(\"{base}/f\",\"click\")",
    "bidi": "abc\u202edcba\u2066x\u2069",
    "zero-width": "Al\u200beppo\u200d\ufeff",
}
NAMES = list(FAMILIES)
# The upload's file name is a payload too (a file name cannot hold "/").
FILE_NAME = "{{7*7}}<img src=x onerror=parent.document.title='PWNED'>.csv"
COLUMNS = ("id", "date", "place", "actors", "event_type", "summary", "source", "quote", "claimed_by",
           "latitude", "longitude")


# -- the listener ---------------------------------------------------------------------------------

class Listener:
    """An HTTP server on 127.0.0.1 (a free port) in a thread; ``hits`` lists every path asked for."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                hits.append(self.path)
                self.send_response(204)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()

            do_GET = do_POST = do_HEAD = do_OPTIONS = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture(scope="module")
def listener():
    with Listener() as server:
        yield server


@pytest.fixture(scope="module")
def payloads(listener) -> dict[str, str]:
    return {name: text.format(base=listener.base, port=listener.port) for name, text in FAMILIES.items()}


@pytest.fixture(scope="module")
def app_url():
    with running_app() as app:
        yield app.url


# No host but this machine resolves (the app and the listener are on 127.0.0.1), so nothing leaves the
# machine; requests are watched, not intercepted, which keeps page loads fast.
NO_DNS = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, NO_DNS])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url, listener):
    """A fresh browser context on the app, its requests to the listener and off the machine noted."""
    context = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
    outside: list[str] = []
    to_listener: list[str] = []

    def note(request) -> None:
        parts = urlparse(request.url)
        if parts.port == listener.port:
            to_listener.append(request.url)
        elif parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            outside.append(request.url)

    context.on("request", note)
    context.add_init_script(WATCHER.replace("PORT", str(listener.port)))
    page = context.new_page()
    page.outside_requests = outside
    page.listener_requests = to_listener
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    listener.hits.clear()
    page.goto(app_url)
    yield page
    context.close()


def poll(predicate, *, page, timeout: float = 30, message: str = "condition") -> None:
    """Like apprunner.wait_until, polling faster: a tiny screenshot is enough to make headless
    chromium paint (and so create and update the map's iframe)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            page.screenshot(clip={"x": 0, "y": 0, "width": 4, "height": 4})
            if predicate():
                return
        time.sleep(0.15)
    raise AssertionError(f"timed out waiting for {message}")


# -- what every step checks -----------------------------------------------------------------------

# Installed in every frame before the page's own scripts: it notes every title set (a payload may
# set one that a rerun sets back), every element that links to the listener or to javascript: (a
# notice is shown for a moment only), and, in the top page, the text of every notice about the URL
# as it appears (the map's first report reruns the app, and a notice is shown in one run only).
WATCHER = r"""(() => {
    const port = 'PORT', seen = window.__atlasSeen = {titles: [], hostile: [], notices: []};
    const title = Object.getOwnPropertyDescriptor(Document.prototype, 'title');
    Object.defineProperty(Document.prototype, 'title', {
        configurable: true, enumerable: title.enumerable, get: title.get,
        set(value) { seen.titles.push(String(value)); title.set.call(this, value); },
    });
    const LINKS = ['src', 'href', 'action', 'formaction', 'srcset', 'xlink:href'];
    const NOTICE = /URL (parameter|date)/;
    const check = (el) => {
        for (const name of LINKS) {
            const value = el.getAttribute && el.getAttribute(name);
            if (value && (value.includes(':' + port) || /^\s*javascript:/i.test(value))) {
                seen.hostile.push(el.tagName + ' ' + name + '=' + value);
            }
        }
        for (const attr of el.attributes || []) {
            if (/^on/i.test(attr.name) && /PWNED/.test(attr.value)) {
                seen.hostile.push(el.tagName + ' ' + attr.name);
            }
        }
    };
    const look = (node) => {
        if (!node || node.nodeType !== 1) return;
        check(node);
        node.querySelectorAll('*').forEach(check);
        if (window !== window.top || !NOTICE.test(node.textContent)) return;
        for (const el of [node, ...node.querySelectorAll('*')]) {
            if (NOTICE.test(el.textContent) && ![...el.children].some(c => NOTICE.test(c.textContent))) {
                seen.notices.push(el.textContent.trim());
            }
        }
    };
    new MutationObserver(records => {
        for (const r of records) {
            if (r.type === 'childList') r.addedNodes.forEach(look);
            else if (r.type === 'attributes') check(r.target);
            else look(r.target.parentElement);
        }
    }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
})();"""

HOSTILE_ELEMENTS = """(port) => {
    const bad = [];
    for (const el of document.querySelectorAll('[src], [href], [action], [formaction], [srcset]')) {
        for (const name of ['src', 'href', 'action', 'formaction', 'srcset']) {
            const value = el.getAttribute(name);
            if (value && (value.includes(':' + port) || /^\\s*javascript:/i.test(value))) {
                bad.push(el.tagName + ' ' + name + '=' + value);
            }
        }
    }
    return bad;
}"""


def in_frames(page, script: str, arg=None) -> list:
    """``script``'s results in the page and in each of its frames (a frame being replaced is skipped)."""
    found = []
    for frame in page.frames:
        with contextlib.suppress(Exception):
            found.append(frame.evaluate(script, arg))
    return found


def seen(page) -> dict[str, list[str]]:
    """What the watchers noted since the last call (which they then forget)."""
    noted = in_frames(page, """() => {
        const s = window.__atlasSeen;
        return s ? {titles: s.titles.splice(0), hostile: s.hostile.splice(0),
                    notices: s.notices.splice(0)} : null;
    }""")
    return {key: [v for n in noted if n for v in n[key]] for key in ("titles", "hostile", "notices")}


def findings(page, listener, step: str) -> list[str]:
    """What went wrong in this step: an exception shown, a title set, a request to the listener,
    an element made of a payload, a dialog, a request off the machine."""
    time.sleep(0.3)  # an injected handler (onerror, a fetch) gets the time to fire
    noted = seen(page)
    found = []
    if page.locator('[data-testid="stException"]').count():
        found.append("an exception is shown")
    titles = [t for t in noted["titles"] + in_frames(page, "() => document.title") if "PWNED" in t]
    if page.title() != TITLE or titles:
        found.append(f"the title was set: {page.title()!r} {titles}")
    if listener.hits or page.listener_requests:
        found.append(f"requests to the listener: {listener.hits} {page.listener_requests}")
    elements = noted["hostile"] + [e for f in in_frames(page, HOSTILE_ELEMENTS, listener.port) for e in f]
    if elements:
        found.append(f"elements made of a payload: {sorted(set(elements))}")
    if page.dialogs:
        found.append(f"dialogs: {page.dialogs}")
    if page.outside_requests:
        found.append(f"requests off the machine: {page.outside_requests}")
    return [f"{step}: {f}" for f in found]


def record(page, listener, step: str, failures: list[str]) -> None:
    """Add this step's findings to ``failures``; then start the next step clean (the counters
    emptied, the title put back), so that each finding is put on the step that caused it."""
    found = findings(page, listener, step)
    if found:
        failures.extend(found)
        listener.hits.clear()
        page.listener_requests.clear()
        page.dialogs.clear()
        with contextlib.suppress(Exception):
            page.evaluate("(title) => { document.title = title; }", TITLE)


def assert_clean(page, listener, step: str) -> None:
    found = findings(page, listener, step)
    assert found == [], found


def idle(page) -> bool:
    """Streamlit has finished its run (and drawn the page)."""
    state = page.locator("[data-test-script-state]").first
    return state.count() == 1 and state.get_attribute("data-test-script-state") == "notRunning"


def _lines(page, has_text: str) -> list[str]:
    """The texts of the main area's one-line blocks that contain ``has_text``."""
    blocks = page.locator('[data-testid="stMainBlockContainer"] :is(p, div)', has_text=has_text)
    return [t.strip() for t in blocks.all_inner_texts() if "\n" not in t.strip()]


def header_text(page) -> str:
    """The line under the title: "N of M events shown · filters" ("" when there is none)."""
    found = [t for t in _lines(page, "events shown") if SHOWN.match(t)]
    return found[-1] if found else ""


def notices(page) -> list[str]:
    """The notices about the URL shown since the page was opened, as the watcher saw them."""
    noted = page.evaluate("() => (window.__atlasSeen || {notices: []}).notices.slice()")
    return list(dict.fromkeys(noted))


def settle(page, *, changed_from: str | None = None, timeout: float = 20) -> None:
    """Wait for the run an action started to end: the app idle with a header (or an exception),
    and the header different from ``changed_from``."""
    def done() -> bool:
        shown = header_text(page)
        drawn = bool(shown) or page.locator('[data-testid="stException"]').count() > 0
        return idle(page) and drawn and (changed_from is None or shown != changed_from)

    with contextlib.suppress(AssertionError):  # a step that never settles is judged as it is
        poll(done, page=page, timeout=timeout, message="the app to settle")


# -- journey 1: a hostile upload, each marker clicked ------------------------------------------

def hostile_csv(path, payloads: dict[str, str]) -> dict[str, str]:
    """One event per family, the payload in every text column, each at its own place in Syria
    (a grid 0.9° apart, wider than a cluster at the map's zoom): {event id: payload}."""
    rows, ids = [], {}
    for index, (name, payload) in enumerate(payloads.items()):
        event_id = f"sec-{name}"
        ids[event_id] = payload
        rows.append({
            "id": event_id, "date": f"2016-02-{index + 1:02d}", "place": payload,
            "actors": f"Syrian Arab Army;{payload}", "event_type": "battle", "summary": payload,
            "source": payload, "quote": payload, "claimed_by": payload,
            "latitude": f"{32.9 + 0.9 * (index // 5):.4f}", "longitude": f"{36.4 + 0.9 * (index % 5):.4f}",
        })
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return ids


def upload(page, listener, payloads, tmp_path) -> dict[str, str]:
    """The hostile file, uploaded through the sidebar, its markers drawn: {event id: payload}."""
    path = tmp_path / FILE_NAME
    ids = hostile_csv(path, payloads)
    wait_for_map(page)
    assert_clean(page, listener, "the app opened")
    open_files(page, path)
    poll(lambda: marker_count(map_frame(page)) == len(ids), page=page, timeout=60,
         message="the uploaded events' markers")
    chip = page.locator('[data-testid="stFileChipName"]').first  # it shortens long names on screen
    assert chip.get_attribute("title") == FILE_NAME, f"the file name as text: {chip.get_attribute('title')}"
    assert_clean(page, listener, "the upload")
    return ids


# Where to click for the marker of an event (found by the id its tooltip ends with): the marker
# itself ("free" when nothing covers it), or the cluster it is hidden in, or "away" when it is out of
# the map's view.
MARKER_AT = """(id) => {
    const layers = new Map();
    window.map.eachLayer(layer => {
        if (L.MarkerClusterGroup && layer instanceof L.MarkerClusterGroup) {
            for (const m of layer.getLayers()) layers.set(m, layer);
        } else if (layer.options && layer.options.className === 'atlas-event' && !layers.has(layer)) {
            layers.set(layer, null);
        }
    });
    const named = [...layers].filter(([m]) => {
        if (!m.getTooltip || !m.getTooltip()) return false;
        const tip = document.createElement('div');
        tip.innerHTML = m.getTooltip().getContent();
        return tip.textContent.trim().endsWith('[' + id + ']');
    });
    if (named.length !== 1) return null;
    const [marker, group] = named[0], ll = marker.getLatLng();
    if (!window.map.getBounds().pad(-0.05).contains(ll)) return {away: true, lat: ll.lat, lng: ll.lng};
    let element = marker._map ? marker._path : null, cluster = false;
    if (!element && group) {
        const parent = group.getVisibleParent(marker);
        element = parent && parent._icon;
        cluster = true;
    }
    if (!element) return null;
    const r = element.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
    const top = document.elementFromPoint(x, y);
    return {x, y, lat: ll.lat, lng: ll.lng, cluster,
            free: top === element || (cluster && element.contains(top))};
}"""

# The popup open after the click's rerun: bound to the selected event's ring, at the marker.
RING_POPUP = """([lat, lng, ring]) => {
    const popup = window.map._popup;
    if (!popup || !popup.isOpen() || !popup._source) return null;
    const source = popup._source;
    if (!source.options || source.options.color !== ring) return null;
    const at = source.getLatLng();
    if (Math.abs(at.lat - lat) > 1e-6 || Math.abs(at.lng - lng) > 1e-6) return null;
    const box = popup.getElement().querySelector('.leaflet-popup-content');
    return box ? box.textContent : null;
}"""


def click_marker(page, event_id: str) -> dict | None:
    """A real mouse click on the marker of ``event_id``: a popup covering it is closed, a cluster
    hiding it is clicked open, and a marker out of view is panned to first. None when the map has
    no such marker."""
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    for _ in range(6):
        frame = map_frame(page) or wait_for_map(page)
        target = frame.evaluate(MARKER_AT, event_id)
        if not target:
            return None
        origin = page.locator(MAP_IFRAME).bounding_box()
        if target.get("away"):
            frame.evaluate("([lat, lng]) => window.map.panTo([lat, lng], {animate: false})",
                           [target["lat"], target["lng"]])
        elif target["free"]:
            page.mouse.click(origin["x"] + target["x"], origin["y"] + target["y"])
            if not target["cluster"]:
                return target
        else:
            close = frame.locator(".leaflet-popup-close-button")
            if close.count():
                close.first.click()  # the open popup covers the marker: close it as a user would
            else:
                frame.evaluate("() => window.map.closePopup()")
        time.sleep(0.4)
    raise AssertionError(f"the marker of {event_id} stays out of reach")


def selected_in_url(page) -> str | None:
    return (parse_qs(urlparse(page.url).query).get("sel") or [None])[0]


def test_clicking_every_marker_of_a_hostile_upload_shows_its_text_and_runs_nothing(
        page, listener, payloads, tmp_path):
    """Each marker clicked with the mouse: the popup the click's rerun opens (folium's Popup put it
    in a JS template literal) and the record beside the map show the payloads as text; then two
    rows chosen in the event list."""
    ids = upload(page, listener, payloads, tmp_path)
    failures: list[str] = []
    for event_id, payload in ids.items():
        target = click_marker(page, event_id)
        if target is None:
            failures.append(f"marker of {event_id}: not drawn (the map's script failed)")
            continue
        texts: list[str] = []

        def popup_open(target=target, texts=texts) -> bool:
            text = map_frame(page).evaluate(RING_POPUP, [target["lat"], target["lng"], HIGHLIGHT])
            texts[:] = [text] if text is not None else []
            return text is not None

        poll(lambda event_id=event_id: selected_in_url(page) == event_id, page=page,
             message=f"{event_id} selected by its click")
        try:
            poll(popup_open, page=page, timeout=15, message="the popup")
        except AssertionError:
            failures.append(f"popup of {event_id}: not open after the click's rerun (its script failed)")
            texts[:] = [""]
        record(page, listener, f"popup of {event_id}", failures)
        if texts[0].count(payload) < 5:  # summary, place, actors, claimed by, source, quote
            failures.append(f"popup of {event_id}: not the literal text: {texts[0]!r}")
        panel = page.locator(".atlas-popup").first.inner_text()
        if payload not in panel:
            failures.append(f"record of {event_id}: not the literal text: {panel!r}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "security-popups.png"), full_page=True)

    # Rows chosen in the event list: each one's record is shown beside the map, as text.
    grid = page.locator('.st-key-atlas-list [data-testid="stDataFrame"]').first  # the event list
    grid.scroll_into_view_if_needed()
    for row in (0, 1):
        before = selected_in_url(page)
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 35 * row + 17)  # the row's selection cell
        try:
            poll(lambda before=before: selected_in_url(page) not in (None, before), page=page, timeout=10,
                 message=f"row {row} selected")
        except AssertionError:
            assert row == 0, "the second row's click selected nothing"  # the first: selected already
        settle(page)
        poll(lambda: ids[selected_in_url(page)] in page.locator(".atlas-popup").first.inner_text(),
             page=page, message=f"the record of row {row}, literally")
        record(page, listener, f"row {row} of the list", failures)
    assert not failures, "\n".join(failures)


# -- journey 2: the URL ---------------------------------------------------------------------------

# Cases beyond the families: (name, parameters, text a notice must quote).
ODD_URLS = [
    ("date-with-zone", {"from": "2016-01-01T00:00:00Z"}, "from='2016-01-01T00:00:00Z'"),
    ("unknown-parameter", {"foo": "bar"}, "'foo'"),
    ("hostile-parameter-name", {"{{7*7}}": "![t](x.png)"}, "'{{7*7}}'"),
]


def open_url(page, url: str) -> None:
    """Open ``url`` and wait for its first run's header and notices (or an exception): the
    notices are shown once, and the map's first report reruns the app without them."""
    def drawn() -> bool:
        failed = page.locator('[data-testid="stException"]').count() > 0
        return failed or (bool(header_text(page)) and bool(notices(page)))

    page.goto(url)
    with contextlib.suppress(AssertionError):  # a page without them is judged as it is
        poll(drawn, page=page, timeout=10, message="the header and the notices")


def test_url_text_reaches_header_and_notices_literally(app_url, page, listener, payloads):
    """?q= and ?actor= (unknown, so a notice) with each family; then odd parameters: each a notice,
    never an exception."""
    failures: list[str] = []
    settle(page)
    for name, payload in payloads.items():
        open_url(page, f"{app_url}/?{urlencode({'q': payload, 'actor': payload})}")
        header, shown = header_text(page), notices(page)
        record(page, listener, f"?q= and ?actor= {name}", failures)
        if f"text: “{payload}”" not in header:
            failures.append(f"?q= {name}: the header shows {header!r}")
        # Notices quote the value with repr(), so that invisible characters show; the app may
        # read ?actor=a,b as two names, each then quoted on its own.
        quoted = [repr(payload)], [repr(part.strip()) for part in payload.split(",")]
        if not any(all(any(q in notice for notice in shown) for q in way) for way in quoted):
            failures.append(f"?actor= {name}: the notices show {shown!r}")
    for name, query, quoted in ODD_URLS:
        open_url(page, f"{app_url}/?{urlencode(query)}")
        shown = notices(page)
        record(page, listener, name, failures)
        if not any(quoted in notice for notice in shown) or any("49" in n for n in shown):
            failures.append(f"{name}: the notices show {shown!r}")
    assert not failures, "\n".join(failures)


# -- journey 3: the search box --------------------------------------------------------------------

def search(page, text: str) -> None:
    """Type ``text`` into the sidebar's search box (replacing what it held) and press Enter."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stTextInput"] input').first
    box.click()
    box.fill(text)
    box.press("Enter")


def test_typed_search_text_is_shown_literally(page, listener, payloads):
    """Each family typed into the search box (Enter): the header names it as text."""
    failures: list[str] = []
    wait_for_map(page)
    assert_clean(page, listener, "the app opened")
    for name, payload in payloads.items():
        before = header_text(page)
        search(page, payload)
        settle(page, changed_from=before)
        record(page, listener, f"search box {name}", failures)
        header = header_text(page)
        if f"text: “{payload}”" not in header:
            failures.append(f"search box {name}: the header shows {header!r}")
    assert not failures, "\n".join(failures)


# -- a hostile upload's actors in the header; journey 4: the exported map -------------------------

def exported_parts(data: bytes) -> tuple[str, str, str]:
    """The exported page, and the text of its header and of its footer."""
    page = data.decode("utf-8")
    parts = []
    for tag in ("header", "footer"):
        found = re.search(rf"<{tag}.*?</{tag}>", page, re.S)
        assert found, f"the export has a {tag}"
        parts.append(html.unescape(re.sub(r"<[^>]+>", "", found.group(0))))
    return page, parts[0], parts[1]


def test_hostile_actor_names_and_the_exported_map_stay_text(page, listener, payloads, tmp_path):
    """Actor names from the file chosen in the sidebar are named in the header as text; the map
    exported after a search names the typed text and the file's name literally (branca's Jinja
    made 49 of them)."""
    failures: list[str] = []
    upload(page, listener, payloads, tmp_path)

    # Actor names from the file, chosen in the sidebar, are named in the header.
    chooser = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Actors").locator("input")
    for name in ("md-image", "md-link", "jinja-expr"):
        payload = payloads[name]
        before = header_text(page)
        chooser.click()
        chooser.fill(payload[:12])
        option = page.get_by_role("option", name=payload, exact=True)
        poll(lambda option=option: option.count() == 1, page=page, message=f"the actor option {name}")
        option.click()
        page.keyboard.press("Escape")
        settle(page, changed_from=before)
        record(page, listener, f"actor {name} chosen", failures)
        header = header_text(page)
        if "actors: " not in header or payload not in header:
            failures.append(f"actor {name}: the header shows {header!r}")
    page.get_by_role("button", name="Reset filters").click()
    settle(page)

    # The map exported after a search: its header names the typed text, its footer the file.
    for name in ("jinja-expr", "jinja-stmt"):
        payload = payloads[name]
        before = header_text(page)
        search(page, payload)  # the upload's event of this family matches: the export has a marker
        settle(page, changed_from=before)
        button = page.get_by_role("button", name="Map (HTML)")
        poll(lambda button=button: button.is_enabled(), page=page, message="the HTML export")
        saved = tmp_path / f"export-{name}.html"
        download_by_click(page, button).save_as(saved)
        record(page, listener, f"export after searching {name}", failures)
        raw, header, footer = exported_parts(saved.read_bytes())
        if f"text: “{payload}”" not in header or "49" in header or "“J”" in header:
            failures.append(f"export {name}: the header shows {header!r}")
        if FILE_NAME not in footer:
            failures.append(f"export {name}: the footer shows {footer!r}")
        if f"<img src={listener.base}" in raw or "<img src=x" in raw:
            failures.append(f"export {name}: an <img> made of a payload")
    assert not failures, "\n".join(failures)
