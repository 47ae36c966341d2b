"""A seeded random walk through the real app script (AppTest): 300 user actions in a row (dates,
filters, rows, markers, map moves, a 3-row upload and its switch, Reset, Play, ticks and Pause, a
reload from the link), checking after each one what the user would see: no exception, the count
the filter gives, the selection one of the events shown, and a link that opens the same view.

The pure walk (``test_interaction``) holds the transitions to their invariants; this one holds the
app that wires widgets to them, where the past defects were (a row number kept across a filter
change, a rerun that lost a step). A failure prints the seed and the actions to replay.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.events.query import events_in
from dashboard.ingest.load import load_bundled
from dashboard.ui import interaction as ix
from dashboard.ui.urlstate import to_params
from tests.test_app import APP, shown

STEPS = 300
MINE = ("mine.csv", b"id,date,place,actors,event_type,summary,source,quote,latitude,longitude\n"
        b"m1,2016-02-01,Aleppo,IRGC,battle,first of mine,src,q,36.2,37.1\n"
        b"m2,2016-02-03,Hama,Hezbollah,battle,second of mine,src,q,35.1,36.7\n"
        b"m3,2016-02-05,Homs,IRGC,airstrike,third of mine,src,q,34.7,36.7\n", "text/csv")


def _fresh(params: dict[str, str | list[str]] | None = None) -> AppTest:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    if params:
        at.query_params.update(params)
    return at.run()


def _lists(params: dict) -> dict[str, list[str]]:
    """Query parameters with every value as a list (AppTest gives one string or a list)."""
    return {name: list(value) if isinstance(value, list | tuple) else [value]
            for name, value in params.items()}


def _listed_ids(at: AppTest) -> list[str]:
    frames = [d.value for d in at.dataframe if "Summary" in d.value.columns]
    return [] if not frames else list(frames[0]["id"]) if "id" in frames[0] else []


@pytest.mark.parametrize("seed", [11])
def test_three_hundred_random_actions_never_show_an_exception_or_break_an_invariant(seed):
    rng = random.Random(seed)
    bundled = load_bundled()
    lo, hi = (d.date() for d in bundled.span)
    days = (hi - lo).days
    actors = ["IRGC", "Hezbollah", "Russia", "Quds Force", "coalition:pro-government axis"]
    types = ["battle", "airstrike", "deployment", "diplomacy", "statement"]
    at, done = _fresh(), []
    uploaded = False
    for step in range(STEPS):
        action = rng.choice(["dates", "dates", "actors", "types", "text", "subunits", "row", "marker",
                             "move", "play", "tick", "pause", "reset", "upload", "bundled", "reload",
                             "recorded", "wide"])
        done.append(action)
        context = f"seed {seed}, step {step}, actions {done}"
        state = at.session_state["atlas"]
        if action == "dates":
            a, b = sorted(rng.sample(range(days + 1), 2))
            at.slider(key="dates").set_value((lo + dt.timedelta(days=a), lo + dt.timedelta(days=b)))
        elif action == "actors":
            options = at.multiselect(key="actors").options
            at.multiselect(key="actors").set_value(
                [a for a in rng.sample(actors, rng.choice([0, 1, 2])) if a in options])
        elif action == "types":
            at.multiselect(key="types").set_value(rng.sample(types, rng.choice([0, 1, 2])))
        elif action == "text":
            at.text_input(key="text").set_value(rng.choice(["", "Aleppo", "Khan Touman", "{{7*7}}", "zzz"]))
        elif action == "subunits":
            at.checkbox(key="subunits").set_value(not at.checkbox(key="subunits").value)
        elif action in ("row", "marker"):
            listed = _listed_ids(at)
            if listed:  # the list's callback and the map's turn a row or a marker into its id
                pick = listed[rng.randrange(len(listed))]
                transition = ix.row_picked if action == "row" else ix.marker_clicked
                at.session_state["atlas"] = transition(state, pick)
        elif action == "move":
            lat, lon, zoom = rng.uniform(32, 37), rng.uniform(35, 41), rng.choice([5, 7, 9])
            box = (lat - 1, lon - 1.5, lat + 1, lon + 1.5)
            at.session_state["atlas"] = ix.map_moved(state, box=box, zoom=zoom, center=(lat, lon))
        elif action == "play":
            if not state.playing:
                at.button(key="play").click()
        elif action == "tick":
            if state.playing:  # the timer's step (its fragment waits in real time)
                at.session_state["atlas"] = ix.tick(state)
        elif action == "pause":
            if state.playing:
                at.button(key="play").click()
        elif action == "reset":
            next(b for b in at.button if b.label == "Reset filters").click()
        elif action == "upload":
            uploaded = not uploaded
            at.file_uploader(key="upload").set_value([MINE] if uploaded else [])
        elif action == "bundled":
            box = at.checkbox(key="use_bundled")
            if uploaded or not box.value:  # never every dataset off: that page is tested elsewhere
                box.set_value(not box.value)
        elif action == "recorded":
            if any(box.key == "recorded" for box in at.selectbox):
                at.selectbox(key="recorded").set_value(rng.choice(["", "single", "corroborated"]))
        elif action == "wide":
            at.toggle(key="wide_list").set_value(not at.toggle(key="wide_list").value)
        elif action == "reload":
            if uploaded or not at.checkbox(key="use_bundled").value:
                continue  # a link names no upload: it reopens the bundled data
            link = _lists(dict(at.query_params))
            at = _fresh(link)
            assert not at.exception, f"an exception after {context}: {at.exception}"
            assert _lists(to_params(ix.to_view(at.session_state["atlas"]))) == link, context
            continue
        at.run()
        assert not at.exception, f"an exception after {context}: {at.exception}"
        state = at.session_state["atlas"]
        if state.start is not None and state.end is not None:
            assert state.start <= state.end, context
        count, total = shown(at)
        if not uploaded and at.checkbox(key="use_bundled").value and not state.recorded and not state.in_view:
            assert total == len(bundled), context
            assert count == len(events_in(bundled, state.query())), context
        listed = _listed_ids(at)
        if state.selected is not None:
            assert state.selected in listed or count > len(listed), context
        slider = at.slider(key="dates").value
        if state.start is not None and state.end is not None:
            assert (pd.Timestamp(slider[0]), pd.Timestamp(slider[1])) == (state.start, state.end), context
