"""The Streamlit app through AppTest: slider, filters, URL state, notices, uploads."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.events.query import Query, events_in
from dashboard.ingest.load import load_bundled
from tests.conftest import plain_messages

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "ui" / "app.py")
SHOWN = re.compile(r"([\d,]+) of ([\d,]+) events shown")
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def bundled():
    return load_bundled()


@pytest.fixture
def app():
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    yield at
    st.cache_data.clear()
    st.cache_resource.clear()


def messages(at: AppTest, tone: str) -> list[str]:
    """The texts of the app's plain-text messages of one tone (note, info, warning, error)."""
    return plain_messages(at, tone)


def shown(at: AppTest) -> tuple[int, int]:
    for text in messages(at, "note"):
        found = SHOWN.search(text)
        if found:
            return int(found.group(1).replace(",", "")), int(found.group(2).replace(",", ""))
    raise AssertionError("no 'events shown' line")




def url_param(at: AppTest, key: str) -> str | None:
    """A parameter of the app's URL (AppTest gives a list of values up to Streamlit 1.6x, one
    string after)."""
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) and value else value


def _list_frame(at: AppTest) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if "Summary" in d.value.columns]
    assert frames, "the event list is missing"
    return frames[0]


def test_first_view_shows_every_bundled_event(app, bundled):
    app.run()
    assert not app.exception
    assert shown(app) == (len(bundled), len(bundled))
    assert len(_list_frame(app)) == len(bundled)
    lo, hi = app.slider(key="dates").value
    assert (pd.Timestamp(lo), pd.Timestamp(hi)) == bundled.span


def test_moving_the_slider_changes_the_list(app, bundled):
    app.run()
    new = (dt.date(2016, 2, 1), dt.date(2016, 2, 29))
    app.slider(key="dates").set_value(new).run()
    assert app.slider(key="dates").value == new  # the value took
    expected = events_in(bundled, Query(start=pd.Timestamp(new[0]), end=pd.Timestamp(new[1])))
    assert 0 < len(expected) < len(bundled)
    assert shown(app)[0] == len(expected)
    assert set(_list_frame(app)["id"]) == set(expected["id"])
    assert url_param(app, "from") == "2016-02-01"


@pytest.mark.parametrize(("typed", "expected"), [
    ({"date_from": dt.date(2016, 2, 1), "date_to": dt.date(2016, 2, 29)},
     (dt.date(2016, 2, 1), dt.date(2016, 2, 29))),
    ({"date_to": dt.date(2015, 9, 30), "date_from": dt.date(2015, 10, 31)},  # typed backwards
     (dt.date(2015, 9, 30), dt.date(2015, 10, 31))),
])
def test_typed_dates_move_the_slider_and_follow_it(app, bundled, typed, expected):
    app.run()
    for key, day in typed.items():
        app.date_input(key=key).set_value(day)
        app.button(key="apply_dates").click().run()
    assert not app.exception
    assert app.slider(key="dates").value == expected
    assert shown(app)[0] == len(events_in(bundled, Query(start=pd.Timestamp(expected[0]),
                                                         end=pd.Timestamp(expected[1]))))
    app.slider(key="dates").set_value((dt.date(2016, 1, 1), dt.date(2016, 6, 30))).run()
    assert app.date_input(key="date_from").value == dt.date(2016, 1, 1)
    assert app.date_input(key="date_to").value == dt.date(2016, 6, 30)


def test_choosing_an_actor_includes_its_sub_units(app, bundled):
    app.run()
    app.multiselect(key="actors").set_value(["IRGC"]).run()
    expected = events_in(bundled, Query(actors=("IRGC",)))
    assert shown(app)[0] == len(expected) > 0
    assert "Quds Force" in " ".join(_list_frame(app)["Actors"])  # a sub-unit's events are in
    app.checkbox(key="subunits").uncheck().run()
    assert shown(app)[0] == len(events_in(bundled, Query(actors=("IRGC",), include_subunits=False)))


def test_a_whole_side_and_text_search(app, bundled):
    app.run()
    app.multiselect(key="actors").set_value(["coalition:armed opposition"]).run()
    side = events_in(bundled, Query(actors=("coalition:armed opposition",)))
    assert shown(app)[0] == len(side) > 0
    app.text_input(key="text").input("Khan Tuman").run()
    both = events_in(bundled, Query(actors=("coalition:armed opposition",), text="Khan Tuman"))
    assert shown(app)[0] == len(both) < len(side)


def test_url_restores_the_view(app, bundled):
    app.query_params.update({"from": "2016-01-01", "to": "2016-03-31", "actor": "IRGC", "type": "deployment"})
    app.run()
    assert not app.exception and not messages(app, "warning")
    expected = events_in(bundled, Query(start=pd.Timestamp("2016-01-01"), end=pd.Timestamp("2016-03-31"),
                                        actors=("IRGC",), event_types=("deployment",)))
    assert shown(app)[0] == len(expected)
    assert app.slider(key="dates").value == (dt.date(2016, 1, 1), dt.date(2016, 3, 31))
    assert app.multiselect(key="types").value == ["deployment"]


def test_a_bad_url_parameter_shows_a_notice_and_the_rest_applies(app, bundled):
    app.query_params.update({"from": "last-tuesday", "actor": ["IRGC", "Klingons"]})
    app.run()
    assert not app.exception
    notices = " ".join(messages(app, "warning"))
    assert "last-tuesday" in notices and "Klingons" in notices
    assert app.multiselect(key="actors").value == ["IRGC"]
    assert shown(app)[0] == len(events_in(bundled, Query(actors=("IRGC",))))


def test_reset_clears_the_filters(app, bundled):
    app.run()
    app.multiselect(key="actors").set_value(["IRGC"]).run()
    app.text_input(key="text").input("Aleppo").run()
    assert shown(app)[0] < len(bundled)
    next(b for b in app.button if b.label == "Reset filters").click().run()
    assert shown(app) == (len(bundled), len(bundled))
    assert app.multiselect(key="actors").value == [] and app.text_input(key="text").value == ""


def test_no_match_says_so(app):
    app.run()
    app.text_input(key="text").input("no event says this zzzz").run()
    assert shown(app)[0] == 0
    assert any("No events match" in i.value for i in app.info)


def upload(app: AppTest, name: str, fmt: str = "auto") -> AppTest:
    """The file opened alone: added, then the bundled data switched off."""
    app.run()
    if fmt != "auto":
        app.selectbox(key="fmt").set_value(fmt).run()
    data = (FIXTURES / name).read_bytes()
    app.file_uploader(key="upload").set_value([(name, data, "text/csv")]).run()
    app.checkbox(key="use_bundled").uncheck().run()
    return app


@pytest.mark.parametrize("name", ["acled_syria_sample.csv", "ucdp_ged_sample.csv", "ours_with_coords.csv"])
def test_uploaded_exports_are_shown(app, name):
    from dashboard.ingest.load import load_events

    expected = load_events(FIXTURES / name)
    upload(app, name)
    assert not app.exception
    assert shown(app) == (len(expected), len(expected)) and len(expected) > 0
    assert set(_list_frame(app)["id"]) == set(expected.events["id"])


def test_a_bad_file_lists_every_problem_and_keeps_good_rows(app):
    from dashboard.ingest.load import load_events

    expected = load_events(FIXTURES / "out_of_range.csv")
    assert expected.problems and len(expected) > 0
    upload(app, "out_of_range.csv")
    assert not app.exception
    assert shown(app)[0] == len(expected)
    problems = next(d.value for d in app.dataframe if "value" in d.value.columns)
    assert len(problems) == len(expected.problems)
    assert set(problems["line"].dropna().astype(int)) == {p.line for p in expected.problems if p.line}
    count = len(expected.problems)
    assert any(b.label == f"Download all {count} problems (CSV)" for b in app.get("download_button"))


def test_an_upload_says_which_actor_names_matched_no_actor(app):
    upload(app, "acled_syria_sample.csv")
    assert not app.exception
    assert "🔎 4 actor names matched no actor in the book" in [e.label for e in app.expander]
    table = next(d.value for d in app.dataframe if "events" in d.value.columns)
    assert dict(zip(table["name"], table["events"], strict=True)) == {
        "Civilians (Syria)": 10, "Protesters (Syria)": 3, "Unidentified Armed Group (Syria)": 2,
        "Rioters (Syria)": 1}


@pytest.mark.parametrize("name", ["binary_garbage.csv", "empty.csv", "unknown_format.csv"])
def test_an_unusable_file_says_why_and_never_crashes(app, name):
    upload(app, name)
    assert not app.exception
    assert messages(app, "error"), "the app should say the file has no usable events"
    assert app.checkbox(key="use_bundled").value is False, "the file stays the one open"


def test_uploads_do_not_touch_the_bundled_data(app, bundled):
    upload(app, "acled_syria_sample.csv")
    app.checkbox(key="use_bundled").check().run()
    app.file_uploader(key="upload").set_value([]).run()  # the file removed
    assert shown(app) == (len(bundled), len(bundled))


def test_download_buttons_offer_the_four_files_named_after_the_view(app, offered):
    app.query_params.update({"from": "2016-01-01", "to": "2016-03-01", "actor": "IRGC"})
    app.run()
    assert not app.exception
    names = sorted(n for n, _ in offered.values() if n and n.startswith("atlas_"))
    expected = [f"atlas_2016-01-01_2016-03-01_IRGC.{ext}" for ext in ("csv", "geojson", "html", "png")]
    assert names == sorted(expected)
    assert {b.label for b in app.get("download_button")} >= set(offered)


def test_the_map_download_draws_the_layers_the_user_chose(app, offered):
    app.run()
    app.multiselect(key="layers").set_value(["events", "heat"]).run()
    assert not app.exception
    page = offered["Map (HTML)"][1]().decode("utf-8")
    assert "Density (heat)" in page and "Governorates shaded by events" not in page


def test_a_links_notices_stay_until_the_user_acts(app):
    app.query_params.update({"from": "last-tuesday"})
    app.run()
    assert any("last-tuesday" in n for n in messages(app, "warning"))
    app.run()  # a rerun the user did not ask for (the map reporting its first view)
    assert any("last-tuesday" in n for n in messages(app, "warning"))
    app.text_input(key="text").input("Aleppo").run()
    assert not messages(app, "warning")


def _files(*names: str) -> list[tuple[str, bytes, str]]:
    return [(name, (FIXTURES / name).read_bytes(), "text/csv") for name in names]


def test_several_datasets_open_together_switch_on_and_off_and_are_removed(app, bundled):
    from dashboard.ingest.load import load_events

    acled, ucdp = (len(load_events(FIXTURES / n)) for n in ("acled_syria_sample.csv", "ucdp_ged_sample.csv"))
    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    assert not app.exception
    total = len(bundled) + acled + ucdp
    assert shown(app) == (total, total)
    assert set(_list_frame(app)["Dataset"]) == {"Curated events (bundled)", "acled_syria_sample.csv",
                                                "ucdp_ged_sample.csv"}
    listed = " ".join(plain_messages(app, "note"))
    assert f"acled_syria_sample.csv · {acled} events" in listed and f"{len(bundled)} events" in listed
    switches = [c for c in app.checkbox if c.key and c.key.startswith("use-")]
    assert len(switches) == 2
    switches[0].uncheck().run()  # ACLED off
    assert shown(app) == (len(bundled) + ucdp,) * 2
    app.checkbox(key="use_bundled").uncheck().run()
    assert shown(app) == (ucdp, ucdp)
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv")).run()  # UCDP removed
    assert not app.exception
    # ACLED was switched off and the bundled data too: nothing is shown, and the page says why.
    assert "No dataset is switched on" in " ".join(plain_messages(app, "warning"))
    next(c for c in app.checkbox if c.key and c.key.startswith("use-")).check().run()
    assert shown(app) == (acled, acled)


def test_the_link_counts_the_users_files_and_a_page_opened_on_it_says_they_are_missing(app):
    app.run()
    assert url_param(app, "files") is None
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    assert url_param(app, "files") == "2"
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv")).run()
    assert url_param(app, "files") == "1"
    link = {k: app.query_params.get(k) for k in app.query_params}
    reopened = AppTest.from_file(APP, default_timeout=app.default_timeout)
    reopened.query_params.update(link)  # the page reloaded: a new session, no uploads
    reopened.run()
    assert not reopened.exception
    said = " ".join(messages(reopened, "warning"))
    assert "a file of your own" in said and "Add files" in said
    assert url_param(reopened, "files") is None


def test_a_selected_event_shows_who_else_recorded_it_and_the_filter_keeps_single_source_ones(app):
    from dataclasses import replace

    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    app.checkbox(key="use_bundled").uncheck().run()
    app.session_state["atlas"] = replace(app.session_state["atlas"], selected="SYR1007", ring="SYR1007")
    app.run()
    assert not app.exception
    said = " ".join(plain_messages(app, "note"))
    assert "Also recorded in" in said and "ucdp_ged_sample.csv · ucdp-171017" in said
    assert "same day; under 1 km apart; shared actor" in said
    differences = [d.value for d in app.dataframe if "that record" in d.value.columns]
    assert differences and "Tall Rifat town" in set(differences[0]["that record"])
    total = shown(app)[1]
    app.selectbox(key="recorded").set_value("single").run()
    single = shown(app)[0]
    app.selectbox(key="recorded").set_value("corroborated").run()
    assert not app.exception
    assert 0 < single < total and single + shown(app)[0] == total
    assert any(e.label.startswith("Coverage: events per governorate") for e in app.expander)


def test_the_link_rules_are_the_users_and_travel_in_the_link(app):
    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    app.checkbox(key="use_bundled").uncheck().run()
    app.selectbox(key="recorded").set_value("single").run()
    single = shown(app)[0]
    app.number_input(key="link_km").set_value(0.0).run()
    app.number_input(key="link_days").set_value(0).run()
    assert not app.exception
    strict = shown(app)[0]
    assert strict > single, "narrower rules leave more events recorded in one dataset only"
    assert (app.session_state["atlas"].link_days, app.session_state["atlas"].link_km) == (0, 0.0)
    assert url_param(app, "link_km") == "0" and url_param(app, "link_days") == "0"
    app.number_input(key="link_km").set_value(200.0).run()
    app.number_input(key="link_days").set_value(60).run()
    assert not app.exception and shown(app)[0] <= single
    # A browser mounting the inputs afresh shows their defaults: the user's rules, not min_value.
    app.run()
    assert app.number_input(key="link_km").proto.default == 200.0
    assert app.number_input(key="link_days").proto.default == 60


def test_the_timeline_stacks_by_dataset_when_asked(app):
    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    app.radio(key="stack").set_value("dataset").run()
    assert not app.exception
    assert any("by start date, by dataset" in c.value for c in app.caption)

    def nodes(node):
        children = getattr(node, "children", None)
        if children is None:
            yield node
        else:
            for child in children.values():
                yield from nodes(child)

    charts = [n for n in nodes(app._tree) if getattr(n, "type", "") == "vega_lite_chart"]
    assert len(charts) == 1
    spec = str(charts[0].proto)
    assert "ucdp_ged_sample.csv" in spec and "Curated events (bundled)" in spec and "battle" not in spec


def test_a_mistyped_engine_is_named_on_the_page_not_a_traceback(app, monkeypatch):
    monkeypatch.setenv("ATLAS_ENGINE", "duckbd")
    app.run()
    assert not app.exception
    assert any("ATLAS_ENGINE='duckbd' is not an engine" in m for m in plain_messages(app, "error"))


def test_decisions_are_kept_downloaded_and_loaded_back_with_bad_rows_named(app):
    from dataclasses import replace

    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    app.text_input(key="who").input("Ana").run()
    app.session_state["atlas"] = replace(app.session_state["atlas"], selected="SYR1007", ring="SYR1007")
    app.run()
    next(b for b in app.button if b.label == "Same event").click().run()
    assert not app.exception
    assert "You marked it: same event (Ana, " in " ".join(plain_messages(app, "note"))
    saved = app.session_state["atlas_decisions"]
    assert [(d["id"], d["other_id"], d["decision"], d["who"]) for d in saved] == [
        ("SYR1007", "ucdp-171017", "same event", "Ana")]
    header = "dataset,id,other_dataset,other_id,decision,who,when\n"
    when = "Bo,2026-12-01T00:00:00Z\n"
    rows = ("acled_syria_sample.csv,SYR1005,ucdp_ged_sample.csv,ucdp-171018,different event," + when
            + "acled_syria_sample.csv,SYR1001,ucdp_ged_sample.csv,ucdp-171001,perhaps," + when)
    upload = ("mine.csv", (header + rows).encode(), "text/csv")
    app.file_uploader(key="decisions_file").set_value(upload).run()
    assert not app.exception
    said = " ".join(plain_messages(app, "warning"))
    assert "mine.csv: 1 decisions loaded, 1 rows left out" in said
    assert "mine.csv, line 3: decision 'perhaps'" in said
    assert {d["id"]: d["decision"] for d in app.session_state["atlas_decisions"]} == {
        "SYR1007": "same event", "SYR1005": "different event"}
    events = app.session_state["atlas_open"][1].events.set_index("id")
    assert events.loc["SYR1005", "decisions"].startswith(
        "different event as ucdp_ged_sample.csv:ucdp-171018 (Bo")


def test_a_candidate_marked_different_no_longer_counts_as_a_second_record(app):
    from dataclasses import replace

    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    app.checkbox(key="use_bundled").uncheck().run()
    app.selectbox(key="recorded").set_value("single").run()
    single = shown(app)[0]
    events = app.session_state["atlas_open"][1].events.set_index("id")
    assert events.loc["SYR1013", "linked_ids"] == "ucdp_ged_sample.csv:ucdp-171003"  # its only match
    app.selectbox(key="recorded").set_value("").run()
    app.session_state["atlas"] = replace(app.session_state["atlas"], selected="SYR1013", ring="SYR1013")
    app.run()
    next(b for b in app.button if b.label == "Different").click().run()
    app.selectbox(key="recorded").set_value("single").run()
    assert not app.exception
    assert shown(app)[0] == single + 2, "both records of the pair are single-source now"
    assert "You marked it: different event" in " ".join(plain_messages(app, "note"))


def test_a_file_the_operator_names_has_no_upload_cap(app, monkeypatch):
    """ATLAS_EVENTS may name a file of any size (a million-event export is over the 250 MB an
    upload may have); the command line likewise."""
    from dashboard import cli
    from dashboard.ingest import default, load
    from dashboard.model.schema import MAX_UPLOAD_BYTES

    caps: list[int] = []
    for module, name in ((default, "load_cached"), (cli, "load_events"), (load, "load_events")):
        real = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *a, real=real, **k: caps.append(k.get("max_bytes", 0))
                            or real(*a, **k))
    monkeypatch.setenv("ATLAS_EVENTS", str(FIXTURES / "acled_syria_sample.csv"))
    app.run()
    assert not app.exception and shown(app) == (30, 30)
    notes = plain_messages(app, "note")  # the sidebar names the file, not the bundled events
    assert "acled_syria_sample.csv · 30 events" in notes and not any("bundled" in n for n in notes)
    assert caps and caps[0] > MAX_UPLOAD_BYTES * 1000
    caps.clear()
    assert cli.main(["validate", str(FIXTURES / "ucdp_ged_sample.csv")]) in (0, 1)
    assert caps and caps[0] > MAX_UPLOAD_BYTES * 1000


def test_the_coverage_csv_keeps_a_formula_like_file_name_as_text():
    from dashboard.events.coverage import coverage_csv

    table = pd.DataFrame({"governorate": ["Aleppo"], "month": ["2016-02"], "dataset": ["=HYPERLINK(1).csv"],
                          "events": [1], "linked": [0], "only_here": [1], "linked_share": [0.0]})
    assert "'=HYPERLINK(1).csv" in coverage_csv(table).decode("utf-8-sig")


def test_a_marker_click_redoes_neither_the_filter_nor_the_layers(app, monkeypatch, bundled):
    """A click only selects: the view and the map's layers of the last rerun serve again (they
    were half of a click's CPU), while a date move works both out anew."""
    import collections

    import dashboard.events.scene as scene_module
    import dashboard.events.view as view_module
    from dashboard.ui import interaction as ix

    calls: collections.Counter[str] = collections.Counter()

    def counted(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(view_module, "build_view", counted("view", view_module.build_view))
    monkeypatch.setattr(scene_module, "compose", counted("compose", scene_module.compose))
    app.run()
    assert calls == {"view": 1, "compose": 1}
    picked = str(bundled.events["id"].iloc[5])
    app.session_state["atlas"] = ix.marker_clicked(app.session_state["atlas"], picked)
    app.run()
    assert not app.exception
    assert calls == {"view": 1, "compose": 1}
    assert "▶" in set(_list_frame(app)[""]), "the click's event is marked in the list"
    lo, hi = app.slider(key="dates").value
    app.slider(key="dates").set_value((lo + dt.timedelta(days=400), hi)).run()
    assert calls == {"view": 2, "compose": 2}


def test_a_verdict_counts_at_once_under_the_recorded_in_filter(app):
    """The rows a verdict writes on are read again at once: the view of the rerun before it is
    not served again."""
    from dataclasses import replace

    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    app.checkbox(key="use_bundled").uncheck().run()
    app.selectbox(key="recorded").set_value("corroborated").run()
    corroborated = shown(app)[0]
    app.session_state["atlas"] = replace(app.session_state["atlas"], selected="SYR1013", ring="SYR1013")
    app.run()
    next(b for b in app.button if b.label == "Different").click().run()
    assert not app.exception
    assert shown(app)[0] == corroborated - 2, "the pair marked different left the corroborated ones"


def test_switching_the_bundled_data_off_refits_the_map_to_the_events_left(app):
    """The camera rule for datasets: a switch changes the events shown, so the map frames them
    (the user has not moved it), as after a filter change; before, it stayed on Syria."""
    yemen = (b"id,date,place,actors,event_type,summary,source,quote,latitude,longitude\n"
             b"y1,2016-02-01,Sanaa,Houthis,battle,one,src,q,15.35,44.2\n"
             b"y2,2016-02-03,Aden,Houthis,battle,two,src,q,12.8,45.0\n"
             b"y3,2016-02-05,Taiz,Houthis,battle,three,src,q,13.6,44.0\n")
    app.run()
    syria = app.session_state["atlas"].camera
    assert 32 < syria.center[0] < 38
    app.file_uploader(key="upload").set_value([("yemen.csv", yemen, "text/csv")]).run()
    app.checkbox(key="use_bundled").uncheck().run()
    assert not app.exception
    assert shown(app) == (3, 3)
    camera = app.session_state["atlas"].camera
    assert 12 < camera.center[0] < 16 and 43 < camera.center[1] < 46, camera


def test_pause_lands_on_the_window_the_page_showed_when_a_step_came_due_meanwhile(app):
    """A step the timer took on the server while the Pause click was on its way: the click carries
    the slider as the page showed it, and the pause goes back to that window."""
    from dashboard.ui import interaction as ix

    app.run()
    app.slider(key="dates").set_value((dt.date(2015, 1, 1), dt.date(2016, 6, 30))).run()
    app.button(key="play").click().run()
    playing = app.session_state["atlas"]
    assert playing.playing
    seen = app.slider(key="dates").value
    assert (pd.Timestamp(seen[0]), pd.Timestamp(seen[1])) == (playing.start, playing.end)
    stepped = ix.tick(playing)  # the timer's step, on the server only: the page has not redrawn
    assert (stepped.start, stepped.end) != (playing.start, playing.end)
    app.session_state["atlas"] = stepped
    app.button(key="play").click().run()  # "Pause", pressed on the page that showed `seen`
    assert not app.exception
    paused = app.session_state["atlas"]
    assert not paused.playing
    assert (paused.start, paused.end) == (pd.Timestamp(seen[0]), pd.Timestamp(seen[1]))
    assert app.slider(key="dates").value == seen


def test_the_slider_shows_the_dates_that_filter_after_a_dataset_is_switched(app):
    """The date widgets are made anew when the open data's span changes; they show the range that
    filters the events (they showed the whole span over a narrower filter)."""
    mine = (b"id,date,place,actors,event_type,summary,source,quote,latitude,longitude\n"
            b"m1,2016-02-01,Aleppo,IRGC,battle,one,src,q,36.2,37.1\n"
            b"m2,2016-02-20,Hama,IRGC,battle,two,src,q,35.1,36.7\n")
    app.run()
    app.file_uploader(key="upload").set_value([("mine.csv", mine, "text/csv")]).run()
    app.slider(key="dates").set_value((dt.date(2016, 2, 10), dt.date(2016, 3, 1))).run()
    for _ in range(2):  # the bundled data off (the span narrows), then on again (it widens)
        box = app.checkbox(key="use_bundled")
        box.set_value(not box.value).run()
        assert not app.exception
        state = app.session_state["atlas"]
        lo, hi = app.slider(key="dates").value
        assert (pd.Timestamp(lo), pd.Timestamp(hi)) == (state.start, state.end)
    assert (state.start, state.end) == (pd.Timestamp("2016-02-10"), pd.Timestamp("2016-02-20"))


def _blocks_to_the_map(at: AppTest) -> list[str]:
    """The page's top-level blocks up to the one holding the map: kind and key of each."""
    found = []
    for child in at.main.children.values():
        found.append(f"{type(child).__name__}:{str(getattr(child.proto, 'id', '')).rsplit('-', 1)[-1]}")
        if any(getattr(e, "type", "") == "component_instance" for e in _walk(child)):  # the map
            return found
    raise AssertionError("no map on the page")


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def test_the_maps_block_keeps_its_place_whatever_is_said_above_it(app):
    """Loading bars, spinners, notices, problems and the comparison section come and go above the
    map: all drawn in one container, the blocks before the map's are the same in every state (an
    upload's progress bar drawn above the map moved its block while the script ran, which reloaded
    the map's frame and cut its messages to the app: pans were lost)."""
    plain_page = _blocks_to_the_map(AppTest.from_file(APP, default_timeout=60).run())
    app.query_params.update({"from": "last-tuesday"})  # a notice
    app.run()
    assert any("last-tuesday" in m for m in messages(app, "warning"))
    assert _blocks_to_the_map(app) == plain_page
    data = (FIXTURES / "out_of_range.csv").read_bytes()  # a second dataset, with problems
    app.file_uploader(key="upload").set_value([("out_of_range.csv", data, "text/csv")]).run()
    assert not app.exception and app.get("download_button")
    assert _blocks_to_the_map(app) == plain_page


def test_an_upload_is_hashed_once_not_on_every_rerun(app, monkeypatch):
    """Each rerun after an upload once copied and hashed the whole file (16 ms and a 28 MB copy
    for a 28 MB file): the digest is kept per upload, and a new file is hashed when it comes."""
    import hashlib

    sizes = {len((FIXTURES / n).read_bytes()) for n in ("acled_syria_sample.csv", "ucdp_ged_sample.csv")}
    real, hashed = hashlib.sha256, []

    def counting(data=b"", *args, **kwargs):
        if len(data) in sizes:
            hashed.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(hashlib, "sha256", counting)
    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv")).run()
    loaded = len(hashed)  # the upload's digest, and the loader's own
    assert 0 < loaded <= 2
    app.text_input(key="text").input("Aleppo").run()
    app.text_input(key="text").input("").run()
    assert not app.exception and len(hashed) == loaded
    # (AppTest gives every file of a new value a new id: the first is hashed again, not loaded.)
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    ucdp = len((FIXTURES / "ucdp_ged_sample.csv").read_bytes())
    assert hashed.count(ucdp) == loaded
    now = len(hashed)
    app.run()
    app.text_input(key="text").input("Aleppo").run()
    assert not app.exception and len(hashed) == now
    assert shown(app)[1] > 92


def test_selecting_a_match_the_filters_hide_says_so(app):
    """ "Select it" on a possible match that the search hides: the count line says why nothing
    is selected, instead of the selection silently going away; a shown one is selected."""
    from dashboard.ui import interaction as ix

    app.run()
    app.file_uploader(key="upload").set_value(_files("acled_syria_sample.csv", "ucdp_ged_sample.csv")).run()
    app.text_input(key="text").input("Tal Rifaat").run()
    assert 0 < shown(app)[0] < shown(app)[1]
    app.session_state["atlas"] = ix.row_picked(app.session_state["atlas"], "ucdp-171003")  # Ariha
    app.run()
    said = " ".join(messages(app, "note"))
    assert not app.exception and app.session_state["atlas"].selected is None
    assert "ucdp-171003 is hidden by the current filters: clear them to select it." in said
    app.session_state["atlas"] = ix.row_picked(app.session_state["atlas"], "SYR1007")  # Tal Rifaat
    app.run()
    assert app.session_state["atlas"].selected == "SYR1007"
    assert "hidden by the current filters" not in " ".join(messages(app, "note"))
