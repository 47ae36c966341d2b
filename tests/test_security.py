"""Text from a file, a URL or a form is never run: every payload family through every way in to
every sink that does not need a browser (the browser journeys are in test_security_browser.py).

A payload passes a sink when the sink shows it *literally*: the text read back from the page, the
export or the data equals the payload, and nothing in it was evaluated (no 49 for ``{{7*7}}``, no
directory made by a Jinja expression, no element made of a tag, no formula left live).
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import folium
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.events.query import Query
from dashboard.events.scene import MapSpec
from dashboard.events.store import index_store
from dashboard.exports.export import to_csv_bytes, to_geojson_bytes
from dashboard.exports.snapshot import standalone_html
from dashboard.exports.snapshot_cli import main as snapshot_main
from dashboard.mapping.layers import LayerOptions, event_layers
from dashboard.mapping.popup import popup_html, tooltip_text
from dashboard.mapping.safe import esc, script_json
from dashboard.model.problems import Problem, problems_csv, problems_frame
from dashboard.ui.urlstate import parse_params
from tests.conftest import SMALL_EVENTS, make_actor_book, plain_messages

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "ui" / "app.py")
MKDIR = "atlas-pwned-dir"

# Every family the issue names. The Jinja ones would evaluate on the server; the mkdir one would
# create a directory in the working folder if any template engine ever saw it.
PAYLOADS = {
    "tag": "<img src=x onerror=\"document.title='PWNED'\"><b>bold</b>",
    "script-end": "</script><script>document.title='PWNED'</script>",
    "template-literal": "Report ${document.title='PWNED'} `tick`",
    "jinja-expr": "{{7*7}}",
    "jinja-stmt": "{% if 1 %}J{% endif %}",
    "jinja-rce": "{{ cycler.__init__.__globals__.os.mkdir('" + MKDIR + "') }}",
    "md-image": "![t](http://127.0.0.1:8999/q.png)",
    "md-link": "[Session expired - log in again](http://127.0.0.1:8999/login)",
    "js-url": "javascript:document.title='PWNED'",
    "formula": '=HYPERLINK("http://127.0.0.1:8999/x","click")',
    "bidi": "abc\u202edcba\u2066x\u2069",
    "zero-width": "Al\u200beppo\u200d\ufeff",
    "underscore-id": "_abc123 {{'feature_group_0'}}",
}
IDS = list(PAYLOADS)
TEXT_COLUMNS = ("summary", "place", "actors", "claimed_by", "source", "quote", "dispute")


class _Text(HTMLParser):
    """The text a browser would show for a piece of HTML, and the tags it would make."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def shown_text(fragment: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(fragment)
    return "".join(parser.parts), parser.tags


def hostile_store(payload: str):
    """The small store with ``payload`` in every text column of every event."""
    rows = []
    for row in SMALL_EVENTS:
        row = dict(row)
        for column in TEXT_COLUMNS:
            row[column] = f"{payload}" if column != "actors" else f"{row['actors']};{payload}"
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["fatalities"] = frame["fatalities"].astype("Int64")
    frame["wounded"] = frame["wounded"].astype("Int64")
    return index_store(f"{payload}.csv", frame, actors=make_actor_book())


def scripts_of(page: str) -> list[str]:
    return re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)


# -- the popup, the tooltip and the map's layers -------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_popup_and_tooltip_show_the_payload_as_text(payload):
    event = dict(SMALL_EVENTS[0], summary=payload, place=payload, claimed_by=payload, quote=payload)
    text, tags = shown_text(popup_html(event, {"title": payload, "outlet": payload}))
    assert text.count(payload) >= 4
    assert set(tags) <= {"div", "b", "table", "tr", "th", "td", "small", "blockquote"}
    text, tags = shown_text(esc(tooltip_text(event)))
    assert payload in text and tags == []


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_layers_carry_the_payload_only_as_json_data(payload):
    store = hostile_store(payload)
    layers = event_layers(store.events, {}, actors=store.actors,
                          opts=LayerOptions(selected_id="c", cluster=False))
    fmap = folium.Map(tiles=None)
    for layer in layers:
        layer.add_to(fmap)
    page = fmap.get_root().render()
    assert "$(`" not in page, "folium's template-literal popup is not used"
    tables = [json.loads(found) for found in re.findall(r"var d = (\{.*?\});\n", page)]
    popups = [p for table in tables for p in (table.get("popup") or [])]
    assert popups and all(payload in shown_text(p)[0] for p in popups)


def test_script_json_cannot_end_a_script_or_look_like_a_template():
    text = script_json({"a": "</script><!-- {{x}} _abc \u2028"})
    assert "</" not in text and "<!--" not in text and "{{" not in text and "_" not in text
    assert json.loads(text) == {"a": "</script><!-- {{x}} _abc \u2028"}


# -- the exported page and the snapshot command ---------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_exported_page_shows_title_filters_and_names_literally(payload, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = hostile_store(payload)
    page = standalone_html(store, MapSpec(query=Query(text=""), title=payload, selected="c"),
                           sources={payload: {"title": payload, "outlet": payload}},
                           made=dt.datetime(2016, 1, 1, tzinfo=dt.UTC))
    head = re.search(r"<header.*?</header>", page, re.S).group(0)
    foot = re.search(r"<footer.*?</footer>", page, re.S).group(0)
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert html.unescape(title) == payload
    assert shown_text(head)[0].startswith(payload)
    assert payload in shown_text(foot)[0]  # the data's name and its sources
    assert not (tmp_path / MKDIR).exists()
    assert "$(`" not in page


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_snapshot_command_writes_the_text_it_was_given(payload, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "map.html"
    assert snapshot_main(["--text", payload, "--title", payload, "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    head = shown_text(re.search(r"<header.*?</header>", page, re.S).group(0))[0]
    assert f"text: “{payload}”" in head
    assert head.startswith(payload)
    assert not (tmp_path / MKDIR).exists()


def test_the_jinja_expression_of_the_issue_is_not_evaluated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "x.html"
    snapshot_main(["--text", "{{7*7}}", "--out", str(out)])
    head = shown_text(re.search(r"<header.*?</header>", out.read_text(), re.S).group(0))[0]
    assert "text: “{{7*7}}”" in head and "“49”" not in head


# -- data exports ---------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_data_exports_keep_the_literal_text_and_neutralise_formulas(payload):
    store = hostile_store(payload)
    rows = list(csv.DictReader(io.StringIO(to_csv_bytes(store.events).decode("utf-8-sig"))))
    expected = "'" + payload if payload.startswith("=") else payload
    assert all(row["summary"] == expected and row["quote"] == expected for row in rows)
    features = json.loads(to_geojson_bytes(store.events))["features"]
    assert all(f["properties"]["summary"] == payload for f in features)


@pytest.mark.parametrize("value", ['=HYPERLINK("http://127.0.0.1:8999/x")', "@SUM(1+1)", "+1", "-1+2",
                                   "\t=1", "plain"])
def test_problems_csv_neutralises_formulas_from_the_file(value):
    problems = [Problem("=evil.csv", 7, "@field", "not a date", value=value)]
    text = problems_csv(problems_frame(problems)).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["value"] == (value if value == "plain" else "'" + value)
    assert row["file"] == "'=evil.csv" and row["field"] == "'@field" and row["line"] == "7"


# -- the URL --------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["2016-01-01T00:00:00Z", "-2016-01-01", "2016-02-30", "0001-01-01",
                                   "9999-12-31", "１２３４-01-01", "2016-1-1", "", " ", "\x00",
                                   "2016-01-01\n", "{{7*7}}"])
def test_any_url_date_gives_a_state_or_a_notice_never_an_exception(value):
    span = (pd.Timestamp("2015-01-01"), pd.Timestamp("2016-12-31"))
    parsed = parse_params({"from": [value], "to": [value]}, span=span, actors=[], event_types=[])
    start = parsed.state.start
    assert start is None or span[0] <= start <= span[1]
    assert start is not None or not value.strip() or parsed.notices


# -- the app (AppTest): header, notices, record panel, never Markdown ----------------------------

@pytest.fixture
def app():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield AppTest.from_file(APP, default_timeout=60)
    st.cache_data.clear()
    st.cache_resource.clear()


def _markdown_texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [a.value for alerts in (at.warning, at.error, at.info, at.success) for a in alerts]
    parts += [x.label for x in at.expander]
    return "\n".join(parts)


@pytest.mark.parametrize("payload", [PAYLOADS[k] for k in ("md-image", "md-link", "jinja-expr", "tag")],
                         ids=["md-image", "md-link", "jinja-expr", "tag"])
def test_url_text_reaches_header_and_notices_as_plain_text(app, payload):
    app.query_params.update({"q": payload, "actor": payload})
    app.run()
    assert not app.exception
    header = " ".join(plain_messages(app, "note"))
    assert f"text: “{payload}”" in header
    # Notices quote a value with repr(), so that invisible characters show.
    assert any(repr(payload) in notice for notice in plain_messages(app, "warning"))
    assert payload not in _markdown_texts(app), "no user text in a Markdown element"


def test_search_box_text_is_shown_as_plain_text(app):
    app.run()
    payload = PAYLOADS["md-image"]
    app.text_input(key="text").input(payload).run()
    assert not app.exception
    assert f"text: “{payload}”" in " ".join(plain_messages(app, "note"))
    assert payload not in _markdown_texts(app)


# -- files on the server, the serve flags ---------------------------------------------------------

def test_cache_entries_of_a_users_file_are_private(tmp_path):
    from dashboard.bench.synth import synthetic_events
    from dashboard.bench.synth import to_csv_bytes as synth_csv
    from dashboard.ingest.cache import load_cached

    folder = tmp_path / "cache"
    folder.mkdir(mode=0o755)
    load_cached(synth_csv(synthetic_events(50, seed=1)), name="mine.csv", cache_dir=folder)
    entries = list(folder.iterdir())
    assert entries, "the load was cached"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert all(entry.stat().st_mode & 0o777 == 0o600 for entry in entries)


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from dashboard.model.atomic import write_text_atomic

    target = tmp_path / "places.geojson"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    leftover = tmp_path / f".places.geojson.{int(dead.stdout)}.abcd1234.tmp"
    leftover.write_bytes(b"x" * 1000)
    old_style = tmp_path / ".places.geojson.k2j3h4g5.tmp"  # before the pid was in the name
    old_style.write_bytes(b"x")
    hour_ago = time.time() - 7200
    os.utime(old_style, (hour_ago, hour_ago))
    mine = tmp_path / f".places.geojson.{os.getpid()}.zzzz.tmp"  # a write still running
    mine.write_bytes(b"x")
    write_text_atomic(target, "{}")
    assert target.read_text() == "{}"
    assert not leftover.exists() and not old_style.exists() and mine.exists()


def test_the_app_shows_no_error_details_and_one_upload_limit():
    from dashboard.cli import SERVE_FLAGS
    from dashboard.model.schema import MAX_UPLOAD_BYTES, MAX_UPLOAD_MB

    assert "--client.showErrorDetails=none" in SERVE_FLAGS
    assert f"--server.maxUploadSize={MAX_UPLOAD_MB}" in SERVE_FLAGS
    assert MAX_UPLOAD_BYTES == MAX_UPLOAD_MB * 10**6  # Streamlit's browser check counts MB as 10**6


def test_a_file_spanning_centuries_draws_its_timeline(app, tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("id,date,place,actors,event_type,summary,source,quote,latitude,longitude\n"
                    "a1,1700-01-01,Aleppo,IRGC,battle,old,src,q,36.2,37.1\n"
                    "a2,2000-01-01,Aleppo,IRGC,battle,new,src,q,36.2,37.1\n")
    import os

    os.environ["ATLAS_EVENTS"] = str(path)
    try:
        app.run()
    finally:
        del os.environ["ATLAS_EVENTS"]
    assert not app.exception
    assert "2 of 2 events shown" in " ".join(plain_messages(app, "note"))


def test_an_upload_leaves_nothing_on_disk(app, tmp_path, monkeypatch):
    """The upload is held in its session only: the columnar cache gets no copy of it."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("ATLAS_CACHE_DIR", str(cache))
    app.run()
    before = set(cache.rglob("*")) if cache.exists() else set()
    data = (Path(__file__).resolve().parent / "fixtures" / "xss_payloads.csv").read_bytes()
    app.file_uploader(key="upload").set_value([("secret-sources.csv", data, "text/csv")]).run()
    app.checkbox(key="use_bundled").uncheck().run()
    assert not app.exception
    from dashboard.ingest.load import load_events

    rows = len(load_events(Path(__file__).resolve().parent / "fixtures" / "xss_payloads.csv"))
    assert f"of {rows:,} events shown" in " ".join(plain_messages(app, "note")), "the upload is shown"
    after = set(cache.rglob("*")) if cache.exists() else set()
    assert after == before, f"the upload left {sorted(map(str, after - before))}"
