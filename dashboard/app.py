"""Event Atlas, the Streamlit app: widgets wired to the pure functions of the dashboard package.

Run it with ``python -m dashboard serve`` (or ``streamlit run dashboard/app.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time
from dataclasses import replace
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from dashboard.assets import install_static
from dashboard.basemap import MAP_HEIGHT_PX, base_map
from dashboard.cache import load_cached
from dashboard.camera import next_camera
from dashboard.export import downloads
from dashboard.layers import DEFAULT_LAYERS, LAYER_NAMES, LayerOptions, event_layers
from dashboard.load import load_bundled
from dashboard.plain import CSS as PLAIN_CSS
from dashboard.plain import plain
from dashboard.popup import id_from_tooltip, popup_html
from dashboard.problems import problems_csv, problems_frame
from dashboard.schema import EVENT_TYPES, MAX_UPLOAD_MB
from dashboard.sources import SourceBook
from dashboard.store import EventStore
from dashboard.style import COLOUR_MODES, TYPE_COLOURS
from dashboard.timeline import STEPS, next_window, timeline_chart, wide_counts
from dashboard.urlstate import ViewState, parse_params, to_params
from dashboard.view import bbox_from_bounds, build_view, list_frame

st.set_page_config(page_title="Event Atlas", page_icon="🗺️", layout="wide")
PAGE_CSS = f"<style>.block-container{{padding-top:2.2rem;padding-bottom:1rem}}{PLAIN_CSS}</style>"


@st.cache_resource(show_spinner=False)
def _static() -> str:
    return str(install_static())


@st.cache_resource(show_spinner="Loading the bundled events…")
def bundled() -> EventStore:
    override = os.environ.get("ATLAS_EVENTS")  # another file as the default data (tests, benchmark)
    return load_cached(override, name=Path(override).name) if override else load_bundled()


@st.cache_resource(show_spinner=False)
def sources() -> dict[str, dict]:
    return {k: v.model_dump() for k, v in SourceBook.load().rows.items()}


@st.cache_resource(show_spinner=False, max_entries=8)
def user_store(digest: str, fmt: str, _data: bytes, name: str) -> EventStore:
    bar, note = st.progress(0.0), st.empty()  # the text names the file: plain text, not Markdown

    def report(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0))
        plain(text, where=note)

    store = load_cached(_data, name=name, fmt=fmt, on_progress=report)
    bar.empty()
    note.empty()
    return store


def choose_data() -> EventStore:
    """The sidebar's data switch: bundled events or the user's own file."""
    with st.sidebar:
        st.header("Data")
        choice = st.radio("Events", ["Bundled data", "My file"], key="data", horizontal=True)
        if choice == "Bundled data":
            return bundled()
        fmt = st.selectbox("Format", ["auto", "ours", "acled", "ucdp"], key="fmt")
        upload = st.file_uploader(f"CSV (ours, ACLED or UCDP GED; up to {MAX_UPLOAD_MB} MB)",
                                  type=["csv", "tsv", "txt"], key="upload")
        if upload is None:
            st.info("Upload a file to see it; the bundled data is shown meanwhile.")
            return bundled()
        data = upload.getvalue()
        return user_store(hashlib.sha256(data).hexdigest(), fmt, data, upload.name)


def seed_from_url(store: EventStore) -> None:
    """On a session's first run, put the URL's state into the widgets; on a change of data, reset."""
    if st.session_state.get("seeded") == store.name:
        return
    first = "seeded" not in st.session_state
    params = {k: st.query_params.get_all(k) for k in st.query_params} if first else {}
    parsed = parse_params(params,
                          span=store.span, actors=list(store.actor_names) + coalition_options(store),
                          event_types=list(EVENT_TYPES), event_ids=store.events["id"])
    state = parsed.state
    lo, hi = store.span
    st.session_state.update(
        dates=((state.start or lo).date(), (state.end or hi).date()), actors=list(state.actors),
        types=list(state.event_types), text=state.text, colour=state.colour_mode,
        subunits=state.subunits, selected=state.selected, seeded=store.name, notices=parsed.notices,
    )


def coalition_options(store: EventStore) -> list[str]:
    return [f"coalition:{c}" for c in store.actors.coalitions()]


def reset() -> None:
    for key in ("actors", "types", "text", "selected", "playing", "seeded", "notices"):
        st.session_state.pop(key, None)
    st.query_params.clear()


def sidebar_filters(store: EventStore) -> None:
    with st.sidebar:
        st.header("Filters")
        options = coalition_options(store) + list(store.actor_counts().index)
        st.multiselect("Actors (any of)", options, key="actors",
                       format_func=lambda a: a.replace("coalition:", "Side: "))
        st.checkbox("Include sub-units (IRGC → Quds Force)", key="subunits")
        st.multiselect("Event types", list(EVENT_TYPES), key="types",
                       help="; ".join(f"{k}: {v}" for k, v in EVENT_TYPES.items()))
        st.text_input("Search summaries and quotes", key="text")
        st.selectbox("Colour markers by", COLOUR_MODES, key="colour")
        st.multiselect("Map layers", LAYER_NAMES, default=list(DEFAULT_LAYERS), key="layers",
                       help="events: markers (clustered) or, when many, grid cells; uncertainty: dashed "
                       "radius of places known only approximately; heat: density; governorates: shaded "
                       "by the events shown; places: every place of the events shown")
        st.checkbox("Only list events in the map view", key="in_view", value=False)
        st.checkbox("Allow online tile layers (requests to tile servers)", key="online", value=False)
        st.button("Reset filters", on_click=reset, width="stretch")


def start_playing(lo: dt.date, hi: dt.date) -> None:
    first = pd.Timestamp(lo)
    last = min(first + STEPS[st.session_state["step"]] - pd.Timedelta(days=1), pd.Timestamp(hi))
    st.session_state.update(playing=True, dates=(first.date(), last.date()))


def typed_dates() -> None:
    """The From and To boxes set the slider (in order, whichever was typed first)."""
    start, end = st.session_state["date_from"], st.session_state["date_to"]
    if start is not None and end is not None:
        st.session_state["dates"] = (min(start, end), max(start, end))


def date_controls(store: EventStore) -> None:
    lo, hi = (d.date() for d in store.span)
    hi = max(hi, lo + dt.timedelta(days=1))  # a slider needs two different ends
    if st.session_state.get("playing"):  # the next window, set before the slider is drawn
        span = (pd.Timestamp(lo), pd.Timestamp(hi))
        current = tuple(pd.Timestamp(d) for d in st.session_state["dates"])
        following = next_window(current, span, step=st.session_state.get("step", "month"))
        if following is None:
            st.session_state["playing"] = False
        else:
            st.session_state["dates"] = tuple(d.date() for d in following)
    st.slider("Date range (events whose dates overlap it)", min_value=lo, max_value=hi, key="dates",
              format="YYYY-MM-DD")
    # Typed dates for a precise range (a slider over years moves by weeks); they follow the slider.
    # A form: its boxes send their values only on submit, so a rerun cannot carry a stale date
    # back (with on_change boxes, a rerun racing a slider move set the slider back).
    st.session_state.update(date_from=st.session_state["dates"][0],
                            date_to=st.session_state["dates"][1])
    with st.form("typed_dates", border=False):
        cols = st.columns([1.2, 1.2, 1.2, 2.4], vertical_alignment="bottom")
        cols[0].date_input("From", key="date_from", min_value=lo, max_value=hi, format="YYYY-MM-DD")
        cols[1].date_input("To", key="date_to", min_value=lo, max_value=hi, format="YYYY-MM-DD")
        cols[2].form_submit_button("Show these dates", key="apply_dates", on_click=typed_dates)
    cols = st.columns([1, 1, 4])
    cols[0].selectbox("Play step", list(STEPS), key="step", index=1, label_visibility="collapsed")
    if st.session_state.get("playing"):
        cols[1].button("Pause", on_click=lambda: st.session_state.update(playing=False))
    else:
        cols[1].button("Play ▶", on_click=start_playing, args=(lo, hi),
                       help="Step a window of the chosen length through the whole span")


def current_state() -> ViewState:
    ss = st.session_state
    start, end = (pd.Timestamp(d) for d in ss["dates"])
    return ViewState(start=start, end=end, actors=tuple(ss["actors"]), event_types=tuple(ss["types"]),
                     text=ss["text"].strip(), selected=ss.get("selected"), colour_mode=ss["colour"],
                     subunits=ss["subunits"])


def main() -> None:
    _static()
    st.html(PAGE_CSS)
    st.markdown("### Event Atlas · where, when, who, and which source says so")
    store = choose_data()
    if store.problems:
        bad = problems_frame(store.problems)
        noun = "problem" if len(bad) == 1 else "problems"
        with st.expander(f"⚠️ {len(bad):,} {noun} in the data: rows left out or repaired"):
            plain(f"In {store.name}:")
            st.dataframe(bad, hide_index=True, width="stretch")
            st.download_button("Download the problems (CSV)", problems_csv(bad),
                               file_name=f"{store.name}.problems.csv", mime="text/csv")
    if store.span is None:
        plain(f"No usable events in {store.name}. See the problems above.", tone="error")
        return
    seed_from_url(store)
    for notice in st.session_state.pop("notices", []):  # shown once, not on every rerun
        plain(notice, tone="warning")
    sidebar_filters(store)
    date_controls(store)
    state = current_state()
    bbox = st.session_state.get("view_box") if st.session_state.get("in_view") else None
    view = build_view(store, state.query(), bbox=bbox)
    st.query_params.from_dict(to_params(state))
    plain(" · ".join(state.query().describe()) or "no filters",
          strong=f"{view.shown:,} of {view.total:,} events shown · ")
    chart = wide_counts(view.timeline, freq=view.timeline_bin, start=state.start, end=state.end)
    if not chart.empty:
        st.caption(f"Events per {view.timeline_bin} by start date, by type (events that began "
                   f"before the range count in its first {view.timeline_bin})")
        st.altair_chart(timeline_chart(chart, TYPE_COLOURS), width="stretch")
    left, right = st.columns([3, 2])
    with left:
        draw_map(store, view, state)
        draw_downloads(store, state, bbox)
    with right:
        draw_list(view, state)
    if st.session_state.get("playing"):
        time.sleep(1.0)
        st.rerun()


def chosen_layers() -> tuple[str, ...]:
    """The map layers picked in the sidebar: drawn on the map and in the map exports."""
    return tuple(st.session_state.get("layers", DEFAULT_LAYERS))


def draw_map(store: EventStore, view, state: ViewState) -> None:
    follow = None
    if st.session_state.pop("follow", False):
        chosen = view.events[view.events["id"] == state.selected]
        follow = (float(chosen.iloc[0]["lat"]), float(chosen.iloc[0]["lon"])) if len(chosen) else None
    camera = next_camera(st.session_state.get("camera"), filter_key=repr(state.query()),
                         bounds=view.bounds, follow=follow)
    st.session_state["camera"] = camera
    large = view.shown > LayerOptions().marker_limit
    zoom = st.session_state.get("view_zoom") or camera.zoom
    layers = event_layers(
        view.events, view.governorate_counts, actors=store.actors, sources=sources(),
        opts=LayerOptions(colour_mode=state.colour_mode, zoom=zoom, selected_id=state.selected,
                          layers=chosen_layers(),
                          open_popup=st.session_state.pop("open_popup", False),
                          bbox=st.session_state.get("view_box") if large else None))
    present = sorted(store.events["event_type"].unique()) if state.colour_mode == "event type" else None
    fmap = base_map(colour_mode=state.colour_mode, online_tiles=st.session_state.get("online", False),
                    legend_present=present, legend_folded=True)  # unfolded, it hides markers
    wants_view = large or st.session_state.get("in_view")
    returned = ["last_object_clicked_tooltip"] + (["bounds", "zoom"] if wants_view else [])
    # The key names the colour mode and whether the map's view is reported: st_folium reads its
    # legend (part of the fixed map) and returned_objects only when its key changes.
    key = f"map-{state.colour_mode}-{'view' if wants_view else 'still'}"
    result = st_folium(fmap, key=key, height=MAP_HEIGHT_PX,
                       use_container_width=True, feature_group_to_add=layers,
                       layer_control=folium.LayerControl(collapsed=True),
                       center=camera.center, zoom=camera.zoom, returned_objects=returned) or {}
    clicked = id_from_tooltip(result.get("last_object_clicked_tooltip"))
    if clicked and clicked != st.session_state.get("last_click"):
        # The map stays where it is, and the popup the click opened opens again after the rerun.
        st.session_state.update(last_click=clicked, selected=clicked, open_popup=True)
        st.rerun()
    box = bbox_from_bounds(result.get("bounds"))
    if wants_view and box and (box, result.get("zoom")) != (st.session_state.get("view_box"),
                                                           st.session_state.get("view_zoom")):
        st.session_state.update(view_box=box, view_zoom=result.get("zoom"))
        st.rerun()


def draw_downloads(store: EventStore, state: ViewState, bbox) -> None:
    """The current view as files: map snapshot (PNG), standalone map (HTML), events (CSV, GeoJSON)."""
    query = replace(state.query(), bbox=bbox) if bbox else state.query()
    items = downloads(store, query, view_bbox=st.session_state.get("view_box"),
                      colour_mode=state.colour_mode, sources=sources(), selected=state.selected,
                      layers=chosen_layers())
    for column, item in zip(st.columns(len(items)), items, strict=True):
        column.download_button(item.label, data=item.make, file_name=item.filename, mime=item.mime,
                               disabled=item.unavailable is not None, on_click="ignore", width="stretch")
        if item.unavailable:
            column.caption(item.unavailable)


def draw_list(view, state: ViewState) -> None:
    frame = list_frame(view.events, selected=state.selected)
    if len(view.events) > len(frame):
        st.caption(f"Listing the first {len(frame):,} of {view.shown:,}; narrow the filters or export.")
    picked = st.dataframe(frame, key="list", hide_index=True, width="stretch", height=360,
                          on_select="rerun", selection_mode="single-row",
                          column_config={"id": None, "": st.column_config.TextColumn(width=20),
                                         "Date": st.column_config.TextColumn(width="medium"),
                                         "Summary": st.column_config.TextColumn(width="large")})
    rows = picked.selection.rows if picked else []
    if rows:
        chosen = frame.iloc[rows[0]]["id"]
        if chosen != st.session_state.get("last_row"):
            st.session_state.update(last_row=chosen, selected=chosen, follow=True)
            st.rerun()
    chosen = view.events[view.events["id"] == state.selected]
    if len(chosen):
        event = chosen.iloc[0].to_dict()
        st.html(popup_html(event, sources().get(event["source"])))
    elif view.shown == 0:
        st.info("No events match these filters. Widen the dates or press Reset filters.")


main()
