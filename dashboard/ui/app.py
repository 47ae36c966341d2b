"""Event Atlas, the Streamlit app: widgets mapped to the transitions of one interaction state.

Run it with ``python -m dashboard serve`` (or ``streamlit run dashboard/ui/app.py``). The state the
user builds up lives in one value, :class:`dashboard.ui.interaction.Interaction`, kept under one
session key; every widget's callback applies one transition to it, and each run draws the widgets
from it. No other module touches ``st.session_state``.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar, cast

import folium
import pandas as pd
import streamlit as st
from streamlit.logger import get_logger
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard.books.actors import selection_label
from dashboard.books.sources import SourceBook
from dashboard.events.combine import COMBINED_FORMAT, combine
from dashboard.events.coverage import coverage, coverage_csv
from dashboard.events.engine import ENGINE_VARIABLE, EngineError, EngineUrl, engine_choice, engine_name
from dashboard.events.engine.url import parse_engine_url
from dashboard.events.links import (
    MAX_DAYS,
    MAX_KM,
    Links,
    annotate,
    differences,
    find_links,
    record_decisions,
)
from dashboard.events.query import RECORDED, Query, select
from dashboard.events.scene import Screen, compose, dataset_names, screen_layers_key
from dashboard.events.store import EventStore
from dashboard.events.timeline import STEPS, counts_over_time, timeline_spec, wide_counts
from dashboard.events.view import (
    LIST_LIMIT,
    LIST_READS,
    PLACE_COLUMNS,
    View,
    bbox_from_bounds,
    build_view,
    list_frame,
)
from dashboard.exports.export import downloads
from dashboard.ingest.cache import load_cached
from dashboard.ingest.columnmap import ColumnMap
from dashboard.ingest.default import default_setting, default_store
from dashboard.ingest.published import published_version, read_published
from dashboard.ingest.readcsv import read_table
from dashboard.mapping.assets import asset_url, missing_assets
from dashboard.mapping.basemap import start_view
from dashboard.mapping.framing import MAP_HEIGHT_PX, fit_bounds
from dashboard.mapping.layers import LAYER_NAMES
from dashboard.mapping.popup import id_from_tooltip, popup_html
from dashboard.mapping.style import TYPE_COLOURS, ColourMode, dataset_outline
from dashboard.model.memory import give_back_free_memory
from dashboard.model.place import drawable
from dashboard.model.schema import EVENT_TYPES, MAX_UPLOAD_MB
from dashboard.model.text import neutralise_cell
from dashboard.ui import interaction as ix
from dashboard.ui.columns_form import columns_form
from dashboard.ui.interaction import Interaction
from dashboard.ui.mapframe import DrawnLayers, draw_layers, send_map
from dashboard.ui.plain import CSS as PLAIN_CSS
from dashboard.ui.plain import plain
from dashboard.ui.problems_panel import problems_panel
from dashboard.ui.urlstate import MAX_TEXT, STACKS, parse_params, to_params

SIDEBAR_PX = 240
# The wide list's columns, sized so that all of them fit the 1,150 px a 1440-px window gives it.
WIDE_COLUMNS = {name: st.column_config.TextColumn(width=px) for name, px in (
    ("Summary", 320), ("Place", 120), ("Type", 90), ("Actors", 180), ("Claimed by", 110), ("Source", 120))}

# A sidebar of 240 px (Streamlit's default is 300): the map keeps 55% of a 1440-px screen and the
# list beside it gains the rest; on a phone the sidebar starts closed ("auto" behaviour).
st.set_page_config(page_title="Event Atlas", page_icon="🗺️", layout="wide",
                   initial_sidebar_state=SIDEBAR_PX)
get_logger("dashboard")  # the package's log lines print as Streamlit's do, at its logger.level
log = get_logger("dashboard.ui.app")
# Map first: at 1440x900 the slider, the count, the map and the list fit without scrolling.
PAGE_CSS = ("<style>.block-container{padding:1.6rem 1.4rem 1rem;max-width:none}"
            ".atlas-title{font-size:1.15rem;font-weight:600;margin:0}"
            # A phone: below Streamlit's header, and the rows of small controls (From, To, Play's
            # step and speed) kept as rows rather than stacked one per line above the map.
            "@media (max-width:640px){.block-container{padding:3.4rem .8rem 1rem}"
            "[data-testid=stHorizontalBlock] [data-testid=stHorizontalBlock]{flex-wrap:nowrap;gap:.4rem}"
            "[data-testid=stHorizontalBlock] [data-testid=stHorizontalBlock]>[data-testid=stColumn]"
            "{min-width:0!important;flex:1 1 0!important;width:auto!important}}"
            # The count's row keeps one height whether or not it holds the outside-the-view line
            # and its buttons, so the map under it never moves.
            "@media (min-width:641px){.st-key-atlas-count"
            "{height:2.6rem!important;min-height:2.6rem;overflow:hidden}}"
            ".st-key-atlas-count .atlas-msg{margin:0;line-height:1.3}"
            f"{PLAIN_CSS}</style>")
T = TypeVar("T")
STATE = "atlas"  # the session key of the interaction state
DATA = "atlas_data"  # which dataset the state belongs to
# What the last rerun worked out, with what it depends on (see reuse()).
VIEW, LAYERS, CHART = "atlas_view", "atlas_layers", "atlas_chart"
ROWS_VERSION = "atlas_rows_version"  # counts the writes of links and verdicts onto the rows
SPAN_SHOWN = "atlas_span_shown"  # the bounds the date widgets were last drawn with
LIST_IDS = "atlas_list_ids"  # the event ids of the list as last drawn, for its selection callback
ss = st.session_state


def assets_at() -> str:
    """Where the map's Leaflet files are served: under ``server.baseUrlPath`` behind a proxy."""
    return asset_url(str(st.get_option("server.baseUrlPath") or ""))


@st.cache_resource(show_spinner="Loading the bundled events…")
def bundled() -> EventStore:
    store = default_store()  # ATLAS_EVENTS's file or the bundled events; begun at serve's start
    # Streamlit collects every generation after each run: freezing what lives as long as the
    # process (the store, the imported modules) spares that collection walking it on every rerun.
    gc.freeze()
    return store


# How often a running app asks the server whether its published events were published again.
PUBLISHED_CHECK_S = 60


@st.cache_data(ttl=PUBLISHED_CHECK_S, show_spinner=False)
def published_now(setting: str) -> str:
    """The version currently published where ``setting`` (ATLAS_ENGINE's URL) points."""
    return published_version(parse_engine_url(setting))


@st.cache_resource(show_spinner="Loading the published events…", max_entries=2)
def published(setting: str, version: str) -> EventStore:
    """One version of the published events, read once per process and shared by every session;
    a new version (a new publish) is read on its own key, and the one before freed."""
    store = read_published(parse_engine_url(setting))
    give_back_free_memory()
    gc.freeze()
    return store


def base_data() -> tuple[str, EventStore]:
    """The data every session starts from, with its label: the file ATLAS_EVENTS names, else the
    events published where ATLAS_ENGINE's URL points, else the bundled events."""
    choice = engine_choice()
    if isinstance(choice, EngineUrl) and not default_setting():
        setting = os.environ.get(ENGINE_VARIABLE, "").strip()
        return f"Published events ({choice.table})", published(setting, published_now(setting))
    named = default_setting()  # ATLAS_EVENTS: the file is named as an upload is
    return (Path(named).name if named else BUNDLED_LABEL), bundled()


@st.cache_resource(show_spinner=False)
def sources() -> dict[str, dict]:
    return {k: v.model_dump() for k, v in SourceBook.load().rows.items()}


UPLOADS = "atlas_uploads"  # {sha256: (format, store)} of this session's uploads
COLUMNS = "atlas_columns"  # {sha256: ColumnMap}: how the user said to read a file in no format
HEADER = "atlas_header"  # {sha256: column names} of such a file, read once for the column form
DIGESTS = "atlas_digests"  # {file_id: sha256} of the files in the upload widget
OPEN = "atlas_open"  # (the open datasets' identity, their combined store)
BUNDLED_LABEL = "Curated events (bundled)"
LINKS = "atlas_links"  # (the store and rules they were found with, Links)
DECISIONS = "atlas_decisions"  # the user's verdicts on candidate links: a list of dicts
DECISION_COLUMNS = ("dataset", "id", "other_dataset", "other_id", "decision", "who", "when")


def upload_digest(upload: UploadedFile) -> str:
    """The sha256 of an uploaded file, worked out once per upload (its ``file_id``): hashing and
    copying a 28 MB file on every rerun cost 16 ms and 28 MB more a rerun."""
    known = ss.setdefault(DIGESTS, {})
    if upload.file_id not in known:
        known[upload.file_id] = hashlib.sha256(upload.getvalue()).hexdigest()
    return str(known[upload.file_id])


def user_store(digest: str, fmt: str | ColumnMap, upload: UploadedFile, name: str) -> EventStore:
    """The events of one of this session's uploads. Held in the session only (freed when it ends,
    or when the file is removed) and never written to disk: an upload stays its owner's."""
    held = ss.setdefault(UPLOADS, {})
    if digest in held and held[digest][0] == fmt:
        return held[digest][1]
    held.pop(digest, None)  # read again through other columns: the old copy goes first
    bar, note = st.progress(0.0), st.empty()  # the text names the file: plain text, not Markdown

    def report(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0))
        plain(text, where=note)

    store = load_cached(upload.getvalue(), name=name, fmt=fmt, on_progress=report, persist=False)
    give_back_free_memory()
    bar.empty()
    note.empty()
    held[digest] = (fmt, store)
    return store


# -- the state and its transitions ----------------------------------------------------------------

def current() -> Interaction:
    return ss.get(STATE, ix.INITIAL)


def apply(transition: Callable[..., Interaction], *args: object, **kwargs: object) -> None:
    """Replace the state by ``transition(state, ...)``: every widget callback goes through here.

    The link's notices stay until the user does something: the map reporting its first view
    reruns the app a second after it opens, and took them away before they could be read."""
    new = transition(current(), *args, **kwargs)
    if transition is not ix.map_moved and new.notices:
        new = replace(new, notices=())
    ss[STATE] = new


def day(value: dt.date) -> pd.Timestamp:
    return pd.Timestamp(value)


def on_dates() -> None:
    start, end = ss["dates"]
    apply(ix.dates_changed, day(start), day(end))


def on_typed_dates() -> None:
    start, end = ss["date_from"], ss["date_to"]
    if start is not None and end is not None:
        apply(ix.dates_changed, day(start), day(end))


def on_filter(field: str, key: str, convert: Callable[[Any], object]) -> Callable[[], None]:
    return lambda: apply(ix.filter_changed, **{field: convert(ss[key])})


def on_look(field: str, key: str, convert: Callable[[Any], object]) -> Callable[[], None]:
    return lambda: apply(ix.look_changed, **{field: convert(ss[key])})


def on_link_rules() -> None:
    apply(ix.link_rules_changed, days=int(ss["link_days"]), km=float(ss["link_km"]))


def on_list_pick() -> None:
    """A row ticked in the list: its position is turned into its event id at once. The selected
    event's row unticked: nothing is selected."""
    picked = ss.get(ss.get("atlas_list_key", ""))
    rows = picked.selection.rows if picked else []
    ids = ss.get(LIST_IDS, [])
    if rows and 0 <= rows[0] < len(ids):
        apply(ix.row_picked, ids[rows[0]])
    elif not rows and current().selected is not None:
        apply(ix.row_unpicked)


def on_map(key: str, initial: tuple[tuple[float, float], float]) -> Callable[[str], None]:
    def changed(value_key: str) -> None:
        ss[key] = result = ss.get(value_key) or {}  # as st_folium keeps the map's value under its key
        clicked = id_from_tooltip(result.get("last_object_clicked_tooltip"))
        if clicked and clicked != ss.get("atlas_last_click"):
            ss["atlas_last_click"] = clicked
            apply(ix.marker_clicked, clicked)
        center = result.get("center") or {}
        try:
            point = (float(center["lat"]), float(center["lng"]))
        except (KeyError, TypeError, ValueError):
            point = None
        apply(ix.map_moved, box=bbox_from_bounds(result.get("bounds")), zoom=result.get("zoom"),
              center=point, initial=initial)
    return changed


# -- data -----------------------------------------------------------------------------------------

def choose_data() -> EventStore | None:
    """The sidebar's data section: the bundled events and any number of the user's files, each
    listed with its events and problems and switched on or off; the open ones, as one store."""
    with st.sidebar:
        st.header("Data")
        fmt = st.selectbox("Format of added files", ["auto", "ours", "acled", "ucdp"], key="fmt")
        files = st.file_uploader(f"Add files: CSV (ours, ACLED or UCDP GED; up to {MAX_UPLOAD_MB} MB each)",
                                 type=["csv", "tsv", "txt"], key="upload", accept_multiple_files=True)
    opened: list[tuple[str, str, EventStore]] = []
    mapped_by = ss.setdefault(COLUMNS, {})
    for upload in files or []:
        digest = upload_digest(upload)
        if any(digest == seen[0] for seen in opened):
            continue  # the same file twice: one dataset
        mapped = mapped_by.get(digest)
        store = user_store(digest, mapped or fmt, upload, upload.name)
        opened.append((digest, upload.name, store))
        if store.fmt in ("unknown", "mapped"):
            ask_columns(digest, upload, upload.name, mapped)
    digests = {digest for digest, *_ in opened}
    for held in (ss.get(UPLOADS, {}), mapped_by, ss.get(HEADER, {})):
        for gone in [d for d in held if d not in digests]:
            del held[gone]  # a removed file's events go with it
    present = {upload.file_id for upload in files or []}
    hashed = ss.get(DIGESTS, {})
    for gone in [f for f in hashed if f not in present]:
        del hashed[gone]
    try:
        base_label, base = base_data()
    except EngineError as wrong:  # the server is down, or nothing is published there: say which
        plain(str(wrong), tone="error")
        return None
    chosen: list[tuple[str, EventStore]] = []
    with st.sidebar:
        plain("Open datasets (switch each on or off; remove a file with its ✕ above):")
        listed = [("use_bundled", base_label, base)] + [
            (f"use-{digest[:16]}", name, store) for digest, name, store in opened]
        for number, (key, label, store) in enumerate(listed, start=1):
            tick, line = st.columns([1, 8], vertical_alignment="center")
            # The file's name is plain text beside the box: a checkbox's label is Markdown.
            if tick.checkbox(f"Show dataset {number}", key=key, value=True,
                             label_visibility="collapsed"):
                chosen.append((label, store))
            with line:
                plain(dataset_line(label, store))
    if not chosen:
        plain("No dataset is switched on: tick one in the sidebar's data section.", tone="warning")
        return None
    identity = tuple(chosen)  # the stores themselves: an id could be a freed store's
    held = ss.get(OPEN)
    if held is None or held[0] != identity:
        began = time.monotonic()
        ss[OPEN] = held = (identity, combine([store for _, store in chosen],
                                             labels=[label for label, _ in chosen]))
        if len(chosen) > 1:
            log.info("opened %d datasets together: %s events in %.2f s", len(chosen),
                     f"{len(held[1]):,}", time.monotonic() - began)
    return held[1]


def dataset_line(label: str, store: EventStore) -> str:
    """A dataset as the data section lists it: its name, its events and its problems."""
    problems = len(store.problems)
    said = f" · {problems:,} problem{'s' if problems != 1 else ''}" if problems else ""
    return f"{label} · {len(store):,} event{'s' if len(store) != 1 else ''}{said}"


def ask_columns(digest: str, upload: UploadedFile, name: str, mapped: ColumnMap | None) -> None:
    """The column form for a file in none of our formats (or read through one already)."""
    headers = ss.setdefault(HEADER, {})
    if digest not in headers:  # read once per upload, not on every rerun
        headers[digest] = read_table(upload.getvalue(), name=name, columns=lambda names: []).names()
    header = headers[digest]
    if not header:
        return  # not a table at all: its problem says why, and no column can help
    with st.expander("Read this file by choosing its columns", expanded=mapped is None):
        answer = columns_form(header, current=mapped, file_name=name)
    if answer is not None and answer != mapped:
        ss[COLUMNS][digest] = answer
        st.rerun()  # the file is read again, through the user's columns


def coalition_options(store: EventStore) -> list[str]:
    return store.actors.coalition_keys()


def enter(store: EventStore) -> None:
    """The state for these datasets: from the URL on a session's first run; on a change, the
    filters and the selection stay while one of the datasets that were open stays open (a file
    added beside the bundled data is compared, not switched to), and start afresh otherwise."""
    identity = frozenset(f"{label}:{count}" for label, count in store.dataset_sizes)
    if ss.get(DATA) == identity:
        return
    if DATA not in ss:
        params = {k: st.query_params.get_all(k) for k in st.query_params}
        parsed = parse_params(params, span=store.span,
                              actors=list(store.actor_names) + coalition_options(store),
                              event_types=list(EVENT_TYPES), event_ids=store.events["id"])
        ss[STATE] = ix.url_opened(parsed.state, parsed.notices)
    elif identity & ss[DATA]:
        box, points = current().view_box, int(drawable(store.events["uncertainty_km"]).sum())
        apply(ix.datasets_changed, any_in_view=box is None or ix.outside(box, store.events) < points,
              span=store.span)
    else:
        apply(ix.data_switched)
    ss[DATA] = identity


def store_links(store: EventStore) -> Links:
    """The candidate links of the open datasets (and their competing claims), found once per set
    of datasets and rules, and written onto the rows of a combined store (which is this
    session's own) for the filter, the markers and the exports."""
    rules = current().link_rules()
    key = (store, rules)
    held = ss.get(LINKS)
    if held is None or held[0] != key:
        several = store.fmt == COMBINED_FORMAT
        with st.spinner("Looking for records of the same events in the other datasets…" if several
                        else "Reading competing claims…"):
            began = time.monotonic()
            links = find_links(store, rules)
            if several:
                log.info("linked %s events: %s links (both ways) in %.2f s", f"{len(store):,}",
                         f"{len(links):,}", time.monotonic() - began)
                annotate(store, links)
                record_decisions(store, ss.get(DECISIONS, []), links)
                rows_changed()
                give_back_free_memory()  # the search's peak is gigabytes at a million events
        ss[LINKS] = held = (key, links)
    return held[1]


# -- widgets, drawn from the state ----------------------------------------------------------------

def sync(key: str, value: object) -> None:
    """Show ``value`` in the widget ``key`` (before it is drawn): the state is the truth. Set
    only when it differs, so that a rerun from elsewhere (the map reporting its view) never
    resets what the user is typing into a form."""
    if ss.get(key) != value:
        ss[key] = value


def sidebar_filters(store: EventStore, state: Interaction) -> None:
    options = coalition_options(store) + list(store.actor_counts().index)
    sync("actors", [a for a in state.actors if a in options])
    sync("subunits", state.subunits)
    sync("types", list(state.event_types))
    sync("text", state.text)
    sync("colour", state.colour_mode)
    sync("layers", list(state.layers))
    sync("in_view", state.in_view)
    with st.sidebar:
        st.header("Filters")
        st.multiselect("Actors (any of)", options, key="actors",
                       on_change=on_filter("actors", "actors", tuple),
                       format_func=selection_label)
        st.checkbox("Include sub-units (IRGC → Quds Force)", key="subunits",
                    on_change=on_filter("subunits", "subunits", bool))
        st.multiselect("Event types", list(EVENT_TYPES), key="types",
                       on_change=on_filter("event_types", "types", tuple),
                       help="; ".join(f"{k}: {v}" for k, v in EVENT_TYPES.items()))
        st.text_input("Search summaries, quotes, places and actors", key="text",
                      on_change=on_filter("text", "text", lambda v: str(v).strip()[:MAX_TEXT]))
        st.selectbox("Colour markers by", list(ColourMode), key="colour", format_func=str,
                     on_change=on_look("colour_mode", "colour", ColourMode))
        st.multiselect("Map layers", LAYER_NAMES, key="layers", on_change=on_look("layers", "layers", tuple),
                       help="events: markers (clustered) or, when many, grid cells; uncertainty: dashed "
                       "radius of places known only approximately; heat: density; governorates: shaded "
                       "by the events shown; places: every place of the events shown")
        st.checkbox("Only list events in the map view", key="in_view",
                    on_change=on_look("in_view", "in_view", bool))
        st.checkbox("Allow online tile layers (requests to tile servers)", key="online", value=False)
        st.button("Reset filters", on_click=apply, args=(ix.reset,), width="stretch")


def compare_section(store: EventStore, state: Interaction) -> None:
    """With several datasets open: how near two records must be to be candidates, the
    Recorded-in filter, the coverage table and the user's decisions on candidates."""
    several = store.fmt == COMBINED_FORMAT
    if not several and not state.recorded:
        return
    sync("recorded", state.recorded)
    sync("stack", state.stack)
    sync("link_days", state.link_days)
    sync("link_km", state.link_km)
    with st.sidebar:
        st.header("Compare datasets")
        st.selectbox("Recorded in", ["", *RECORDED], key="recorded",
                     format_func=lambda k: RECORDED.get(k, "any number of datasets"),
                     on_change=on_filter("recorded", "recorded", str),
                     help="Possible matches: records of other open datasets whose dates overlap "
                     "(± the days below), whose places are within both uncertainties plus the "
                     "distance below (or in the same governorate, for a governorate-level place), "
                     "and whose actors share a name or a side. A candidate, not a fact.")
        st.radio("Stack the timeline by", list(STACKS), key="stack", horizontal=True,
                 on_change=on_look("stack", "stack", str))
        cols = st.columns(2)
        # The state's rules are also the inputs' defaults: a browser that mounts an input afresh
        # shows its default, and one of min_value (0) came back as the user's rules once under load.
        cols[0].number_input("± days", min_value=0, max_value=MAX_DAYS, step=1, key="link_days",
                             value=state.link_days, on_change=on_link_rules)
        cols[1].number_input("± km", min_value=0.0, max_value=MAX_KM, step=5.0, key="link_km",
                             value=float(state.link_km), on_change=on_link_rules)
        st.text_input("Your name (kept with your decisions)", key="who", max_chars=80)
        decided = ss.get(DECISIONS, [])
        st.download_button(f"Decisions ({len(decided)}, CSV)", data=decisions_csv(decided),
                           file_name="atlas-decisions.csv", mime="text/csv", key="decisions_csv",
                           on_click="ignore", width="stretch", disabled=not decided)
        st.file_uploader("Load decisions (CSV)", type=["csv"], key="decisions_file",
                         on_change=load_decisions)
        for note in ss.get("atlas_decision_notes", []):  # what the last loaded file said
            plain(note, tone="warning")


def coverage_panel(store: EventStore) -> None:
    """Which dataset covers what, per governorate and month: a table and its CSV."""
    if store.fmt != COMBINED_FORMAT:
        return
    made = ss.get(LINKS, (None,))[0]  # the links it reads: worked out again only with them
    held = ss.get("atlas_coverage")
    if held is None or held[0] != made:
        ss["atlas_coverage"] = held = (made, coverage(store.events, store.governorates))
    table = held[1]
    with st.expander(f"Coverage: events per governorate, month and dataset ({len(table):,} rows)"):
        plain("Every event of the open datasets, whatever the filters: what each dataset covers. "
              "linked: events with a possible match in another open dataset; only_here: events no "
              "other open dataset seems to record.")
        st.dataframe(table, hide_index=True, width="stretch", height=260, key="coverage")
        st.download_button("Coverage (CSV)", data=coverage_csv(table),
                           file_name="atlas-coverage.csv", mime="text/csv", key="coverage_csv",
                           on_click="ignore")


def decisions_csv(decided: list[dict]) -> bytes:
    frame = pd.DataFrame(decided, columns=list(DECISION_COLUMNS)).astype("string").fillna("")
    for column in frame.columns:
        frame[column] = frame[column].map(neutralise_cell)
    return frame.to_csv(index=False).encode("utf-8-sig")


def load_decisions() -> None:
    """Decisions saved earlier, loaded back: each row naming both records and a verdict is
    kept; the others are reported by line."""
    upload = ss.get("decisions_file")
    if upload is None:
        return
    try:
        frame = pd.read_csv(upload, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError) as problem:
        ss["atlas_decision_notes"] = [f"{upload.name}: not a CSV of decisions ({problem})"]
        return
    missing = [c for c in DECISION_COLUMNS if c not in frame.columns]
    if missing:
        ss["atlas_decision_notes"] = [f"{upload.name}: no column {', '.join(missing)}"]
        return
    kept, notes = [], []
    for line, row in zip(range(2, len(frame) + 2), frame.to_dict("records"), strict=False):
        verdict = str(row["decision"]).lstrip("'")
        if verdict not in ("same event", "different event") or not row["id"] or not row["other_id"]:
            notes.append(f"{upload.name}, line {line}: decision {verdict!r} is not "
                         "'same event' or 'different event', or an id is missing: left out")
            continue
        kept.append({c: str(row[c]).lstrip("'") if c != "decision" else verdict for c in DECISION_COLUMNS})
    ss[DECISIONS] = merge_decisions(ss.get(DECISIONS, []), kept)
    ss["atlas_decision_notes"] = [f"{upload.name}: {len(kept):,} decisions loaded"
                                  + (f", {len(notes):,} rows left out:" if notes else "."), *notes[:20]]
    ss.pop(LINKS, None)  # written onto the rows again


def merge_decisions(old: list[dict], new: list[dict]) -> list[dict]:
    """The latest verdict on each pair of records."""
    by_pair = {(d["dataset"], d["id"], d["other_dataset"], d["other_id"]): d for d in [*old, *new]}
    return list(by_pair.values())


def decide(store: EventStore, a: int, b: int, verdict: str) -> None:
    events = store.events
    record = {"dataset": str(events["dataset"].iat[a]), "id": str(events["id"].iat[a]),
              "other_dataset": str(events["dataset"].iat[b]), "other_id": str(events["id"].iat[b]),
              "decision": verdict, "who": str(ss.get("who") or "").strip() or "anonymous",
              "when": pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")}
    ss[DECISIONS] = merge_decisions(ss.get(DECISIONS, []), [record])
    record_decisions(store, ss[DECISIONS], store_links(store))
    rows_changed()


def rows_changed() -> None:
    """The combined store's rows were written on (links, verdicts): views made before are stale."""
    ss[ROWS_VERSION] = ss.get(ROWS_VERSION, 0) + 1


def also_panel(store: EventStore, links: Links, row: int) -> None:
    """ "Also recorded in": the selected record's candidates in the other datasets (and its
    competing claims), best first, each with its reasons and the differences side by side."""
    found = links.of(row)
    if found.empty:
        if store.fmt == COMBINED_FORMAT:
            plain("No possible match in the other open datasets.", tone="info")
        return
    events = store.events
    plain("Possible matches and competing claims, best first: candidates, not facts; "
          "rows are never merged and tolls never added up.", strong="Also recorded in · ")
    verdicts = {frozenset({(d["dataset"], d["id"]), (d["other_dataset"], d["other_id"])}): d
                for d in ss.get(DECISIONS, [])}
    mine = (str(events["dataset"].iat[row]), str(events["id"].iat[row]))
    for cand in found.head(6).to_dict("records"):
        b = int(cand["b"])
        other = events.iloc[b]
        with st.container(border=True):
            plain(f"{other['dataset']} · {other['id']} · {other['summary']}",
                  strong=f"{cand['kind']} ({cand['score']:.2f}) · ")
            plain(str(cand["why"]))
            diff = differences(store, row, b)
            if diff:
                st.dataframe(pd.DataFrame(diff, columns=["field", "this record", "that record"]),
                             hide_index=True, width="stretch", key=f"diff-{row}-{b}")
            said = verdicts.get(frozenset({mine, (str(other["dataset"]), str(other["id"]))}))
            if said:
                plain(f"You marked it: {said['decision']} ({said['who']}, {said['when']}).")
            if cand["kind"] != "same dispute":
                cols = st.columns(3)
                cols[0].button("Same event", key=f"same-{row}-{b}", on_click=decide,
                               args=(store, row, b, "same event"))
                cols[1].button("Different", key=f"diff-btn-{row}-{b}", on_click=decide,
                               args=(store, row, b, "different event"))
                cols[2].button("Select it", key=f"go-{row}-{b}", on_click=apply,
                               args=(ix.row_picked, str(other["id"])))


def date_controls(store: EventStore, state: Interaction) -> None:
    assert store.span is not None  # main() stops before the controls when there are no events
    lo, hi = (d.date() for d in store.span)
    hi = max(hi, lo + dt.timedelta(days=1))  # a slider needs two different ends

    def clamp(value: pd.Timestamp | None, default: dt.date) -> dt.date:
        return default if value is None else min(max(value.date(), lo), hi)

    shown = (clamp(state.start, lo), clamp(state.end, hi))
    if ss.get(SPAN_SHOWN) != (lo, hi):
        # Other data, other bounds: Streamlit makes the date widgets anew, and a new widget
        # starts at its default (the whole span) unless its value is set in this very run.
        ss[SPAN_SHOWN] = (lo, hi)
        for key in ("dates", "date_from", "date_to"):
            ss.pop(key, None)
    sync("dates", shown)
    sync("date_from", shown[0])
    sync("date_to", shown[1])
    sync("step", state.step)
    sync("speed", state.speed_s)
    sync("skip_empty", state.skip_empty)
    st.slider("Date range (events whose dates overlap it)", min_value=lo, max_value=hi, key="dates",
              format="YYYY-MM-DD", on_change=on_dates)
    # Typed dates for a precise range (a slider over years moves by weeks); they follow the slider.
    dates, play_row = st.columns([1.15, 1], vertical_alignment="bottom")
    with dates, st.form("typed_dates", border=False):
        cols = st.columns([1, 1, 1], vertical_alignment="bottom")
        cols[0].date_input("From", key="date_from", min_value=lo, max_value=hi, format="YYYY-MM-DD")
        cols[1].date_input("To", key="date_to", min_value=lo, max_value=hi, format="YYYY-MM-DD")
        cols[2].form_submit_button("Show these dates", key="apply_dates", on_click=on_typed_dates)
    cols = play_row.columns([1, 1.1, 1.2, 1], vertical_alignment="center")
    cols[0].selectbox("Play step", list(STEPS), key="step", label_visibility="collapsed",
                      on_change=on_look("step", "step", str))
    cols[1].selectbox("Seconds a step", ix.PLAY_SPEEDS, key="speed", label_visibility="collapsed",
                      format_func=lambda s: f"{s:g} s a step", on_change=on_look("speed_s", "speed", float))
    cols[2].checkbox("Skip empty windows", key="skip_empty",
                     on_change=on_look("skip_empty", "skip_empty", bool))
    span = (pd.Timestamp(lo), pd.Timestamp(hi))
    # One button whose label changes: the layout never moves while playing.
    if state.playing:
        cols[3].button("Pause", key="play", on_click=on_pause, width="stretch")
    else:
        cols[3].button("Play ▶", key="play", on_click=start_playing, args=(span,), width="stretch",
                       help="Step a window of the chosen length from the range's start to its end")


def on_pause() -> None:
    """Pause on the window the page showed when the user pressed it (the slider's value that came
    with the click), even if a step came due on the server meanwhile."""
    shown = ss.get("dates")
    window = (day(shown[0]), day(shown[1])) if isinstance(shown, tuple | list) and len(shown) == 2 else None
    apply(ix.pause, window=window)


def start_playing(span: tuple[pd.Timestamp, pd.Timestamp]) -> None:
    ss["atlas_last_tick"] = time.monotonic()
    apply(ix.play, span)


def play_timer(store: EventStore, state: Interaction) -> None:
    """While playing, a fragment that wakes every step's seconds and moves to the next window."""
    if not state.playing:
        return

    def has_events(start: pd.Timestamp, end: pd.Timestamp) -> bool:
        return bool(select(store, replace(state.query(), start=start, end=end)).any())

    @st.fragment(run_every=state.speed_s)
    def timer() -> None:
        # A clock, not a flag: reruns from elsewhere (the map reporting its view) re-create the
        # fragment, and a step is still due once its seconds have passed since the last one.
        now = time.monotonic()
        last = ss.setdefault("atlas_last_tick", now)
        if current().playing and now - last >= 0.9 * state.speed_s:
            ss["atlas_last_tick"] = now
            apply(ix.tick, has_events)
            st.rerun()

    timer()


# -- the page -------------------------------------------------------------------------------------

def top_of_page() -> tuple[EventStore, Links, Interaction] | None:
    """The data and what is said about it above the controls: loading bars, spinners, problems,
    notices and the comparison section come and go, so they are all drawn in one container (see
    main). None when there is nothing to show a map of."""
    missing = missing_assets()
    if missing:  # the build copies them (setup.py); a checkout installed before that lacks them
        plain(f"The map's Leaflet files are missing ({', '.join(missing)}): reinstall the package "
              "(pip install -e . in a checkout).", tone="error")
    st.html('<p class="atlas-title">Event Atlas · where, when, who, and which source says so</p>')
    try:
        engine_name()
    except ValueError as wrong:  # a mistyped ATLAS_ENGINE: say so, never a traceback
        plain(str(wrong), tone="error")
        return None
    store = choose_data()
    if store is None:
        return None
    links = store_links(store)
    problems_panel(store)
    if store.span is None:
        plain(f"No usable events in {store.name}. See the problems above.", tone="error")
        return None
    enter(store)
    state = current()
    for notice in state.notices:  # until the user's next action
        plain(notice, tone="warning")
    sidebar_filters(store, state)
    compare_section(store, state)
    return store, links, state


def main() -> None:
    st.html(PAGE_CSS)
    # Everything above the date controls whose presence varies is drawn in this one container, so
    # that the page's blocks keep their places: an upload's progress bar drawn above the map moved
    # the map's block on the page while the script ran, its frame reloaded, and Streamlit no longer
    # took the map's messages (a pan reached nobody) until the page was reloaded.
    with st.container(key="atlas-top"):
        top = top_of_page()
    if top is None:
        return
    store, links, state = top
    date_controls(store, state)
    try:
        view = session_view(store, state.map_spec().query)
    except EngineError as wrong:  # the server of published events stopped answering: say which
        plain(str(wrong), tone="error")
        return
    # One comparison finds the selected event (a set of a million ids on every rerun did too).
    chosen = view.rows.matching("id", state.selected).frame() if state.selected else view.rows.head(0)
    def shown(_: str) -> bool:
        return len(chosen) > 0

    hidden = ix.hidden_pick(state, shown)  # said on the count line
    state = ix.reconcile(state, shown)
    # The map goes to an event picked in the list, unless it is known only to its country.
    point = chosen[drawable(chosen["uncertainty_km"])]
    at = (float(point.iloc[0]["lat"]), float(point.iloc[0]["lon"])) if len(point) else None
    bounds = None
    if ix.fit_due(state):  # the box of the events costs a tenth of a move: only for a fit
        bounds = fit_bounds(view.rows.frame(PLACE_COLUMNS), trim=False) if state.fit_everything \
            else view.bounds
    ss[STATE] = state = ix.settle_camera(state, bounds=bounds, selected_at=at)
    # The link says how many files of the user's own are open (never which): a reload loses them.
    st.query_params.from_dict(to_params(replace(ix.to_view(state), files=len(ss.get(UPLOADS, {})))))
    count_line(view, state, hidden=hidden)
    several = store.fmt == COMBINED_FORMAT
    # The list beside the map (map first), or under it at full width with every column in view:
    # beside a 55%-wide map it has room for the date and the summary's first words.
    left, right = st.columns([2.6, 1])
    with left:
        draw_map(store, view, state)
        draw_downloads(store, state)
        if len(chosen) and not state.wide_list:  # under the map: the differences side by side
            also_panel(store, links, int(chosen.index[0]))
        if not state.wide_list:
            coverage_panel(store)
    with right:
        glance = view.glance
        if glance:
            plain(glance, tone="info")
        if not state.wide_list:
            draw_list(view, state, chosen, several=several)
        timeline_chart(store, view, state)
    if state.wide_list:
        draw_list(view, state, chosen, several=several)
        if len(chosen):
            also_panel(store, links, int(chosen.index[0]))
        coverage_panel(store)
    play_timer(store, state)


def reuse(slot: str, key: tuple, make: Callable[[], T]) -> T:
    """What ``make`` gave at the last rerun when ``key`` is the same, else ``make()`` (kept in the
    session under ``slot``): a click or a pan changes little, and only that is worked out again."""
    held = ss.get(slot)
    if held is not None and held[0] == key:
        return cast(T, held[1])
    value = make()
    ss[slot] = (key, value)
    return value


def count_line(view: View, state: Interaction, *, hidden: str | None = None) -> None:
    """Right above the map, in a row of fixed height (the map never moves when it changes): the
    count and the filters, and, when events shown lie outside the map's view, how many, with
    "Fit to events" and "Show all" (under the map they were below the fold); and the event just
    picked (``hidden``: "Select it" on a possible match) when the filters hide it."""
    # After a fit too: it leaves far outliers out.
    away = ix.outside(state.view_box, view.rows)
    with st.container(key="atlas-count"):
        cols = st.columns([5.2, 1, 1], vertical_alignment="center")
        outside = (f" · {away:,} of the events shown {'is' if away == 1 else 'are'} outside the map's view."
                   if away else "")
        if hidden is not None:  # a pick the filters hide: say so, rather than nothing happening
            outside += f" · {hidden} is hidden by the current filters: clear them to select it."
        with cols[0]:
            plain((" · ".join(state.query().describe()) or "no filters") + outside,
                  strong=f"{view.shown:,} of {view.total:,} events shown · ")
        if away and state.moved:
            cols[1].button("Fit to events", key="fit", on_click=apply, args=(ix.fit_requested,),
                           help="Frame the bulk of the events shown", width="stretch")
        if away:
            cols[2].button("Show all", key="fit_all", on_click=apply, args=(ix.fit_requested,),
                           kwargs={"everything": True}, help="Frame every event shown, far ones too",
                           width="stretch")


def session_view(store: EventStore, query: Query) -> View:
    """The view of the data and the filter (the same one as at the last rerun when neither changed,
    nor the links and verdicts written on the rows)."""
    key = (store, query, ss.get(ROWS_VERSION, 0))
    return reuse(VIEW, key, lambda: build_view(store, query))


def timeline_chart(store: EventStore, view: View, state: Interaction) -> None:
    """Events over time beside the list, by type or (several datasets) by dataset."""
    assert store.span is not None  # main() stops before the chart when there are no events
    start, end = state.start or store.span[0], state.end or store.span[1]
    by_dataset = store.fmt == COMBINED_FORMAT and state.stack == "dataset"

    def make() -> tuple[pd.DataFrame, dict] | None:
        long, colours, by = view.timeline, TYPE_COLOURS, "event_type"
        if by_dataset:  # counted from the events shown: the engines' timeline is by type
            by, long = "dataset", counts_over_time(view.rows.frame(("start", "dataset")), by="dataset",
                                                   freq=view.timeline_bin)
            colours = {name: dataset_outline(i) for i, name in enumerate(dataset_names(store))}
        chart = wide_counts(long, by=by, freq=view.timeline_bin, start=start, end=end)
        # 130 px: the legend of nine types fits beside it (at 110 its last entry was cut off).
        return None if chart.empty else timeline_spec(chart, colours, height=130)

    drawn = reuse(CHART, (view, start, end, by_dataset), make)
    if drawn is not None:
        st.caption(f"Events per {view.timeline_bin} by start date, by "
                   f"{'dataset' if by_dataset else 'type'} (events that began before the range "
                   f"count in its first {view.timeline_bin})")
        st.vega_lite_chart(*drawn, width="stretch")


def draw_map(store: EventStore, view: View, state: Interaction) -> None:
    camera = state.camera
    assert camera is not None  # settled before drawing
    screen = Screen(zoom=state.view_zoom or camera.zoom, online_tiles=ss.get("online", False),
                    ring=state.ring, asset_url=assets_at())
    spec = state.map_spec()

    def make() -> DrawnLayers:
        scene = compose(store, spec, sources=sources(), view=view, screen=screen)
        return draw_layers(scene.fixed_key, scene.fmap, scene.layers, folium.LayerControl(collapsed=True))

    drawn = reuse(LAYERS, (view, screen_layers_key(spec, view, screen)), make)
    # The key names the colour mode: st_folium reads its legend (part of the fixed map) only when
    # its key changes.
    key = f"map-{state.colour_mode}"
    # st_folium's call, with the fixed map rendered once per fixed key (ui/mapframe.py).
    send_map(drawn, key=key, height=MAP_HEIGHT_PX, center=camera.center, zoom=camera.zoom,
             on_change=on_map(key, start_view(drawn.fixed.fmap)),
             returned_objects=["last_object_clicked_tooltip", "bounds", "zoom", "center"])
    vague = view.country_level
    if vague:
        plain(f"{vague}: outlined on the map, and in the list.")


def draw_downloads(store: EventStore, state: Interaction) -> None:
    """The current view as files: map snapshot (PNG), standalone map (HTML), events (CSV, GeoJSON)."""
    items = downloads(store, state.map_spec(), sources=sources())
    for column, item in zip(st.columns(len(items)), items, strict=True):
        column.download_button(item.label, data=item.make, file_name=item.filename, mime=item.mime,
                               disabled=item.unavailable is not None, on_click="ignore", width="stretch")
        if item.unavailable:
            column.caption(item.unavailable)


def draw_list(view: View, state: Interaction, chosen: pd.DataFrame, *, several: bool) -> None:
    frame = list_frame(view.rows.head(LIST_LIMIT, LIST_READS), selected=state.selected)
    sync("wide_list", state.wide_list)
    st.toggle("Wide list (under the map, every column)", key="wide_list",
              on_change=on_look("wide_list", "wide_list", bool),
              help="Beside the map the list shows the date and the summary's start (scroll right for "
                   "the rest); under it, every column at once")
    if view.shown > len(frame):
        st.caption(f"Listing the first {len(frame):,} of {view.shown:,}; narrow the filters or export.")
    ids = frame["id"].tolist()
    # A new key whenever the rows or the selection change: a tick is a position in *these* rows,
    # so it can never carry over to rows it was not made on; the selected event's row starts ticked.
    digest = hashlib.sha1("\x1f".join([*ids, state.selected or ""]).encode()).hexdigest()[:16]
    ss[LIST_IDS], ss["atlas_list_key"] = ids, f"list-{digest}"
    at = ids.index(state.selected) if state.selected in ids else None
    # In a keyed container: the page (and its tests) tell the list from the other tables by it.
    st.container(key="atlas-list").dataframe(
                 frame, key=f"list-{digest}", hide_index=True, width="stretch", height=360,
                 on_select=on_list_pick, selection_mode="single-row",
                 selection_default={"selection": {"rows": [at]}} if at is not None else None,
                 placeholder="",
                 column_config={"id": None, "": st.column_config.TextColumn(width=20, pinned=True),
                                "Date": st.column_config.TextColumn(width=96, pinned=True),
                                "Fatalities": st.column_config.NumberColumn(width=70, format="%d"),
                                **(WIDE_COLUMNS if state.wide_list else {
                                    "Summary": st.column_config.TextColumn(width="large")}),
                                # Which dataset says so, when several are open.
                                "Dataset": st.column_config.TextColumn(width="medium") if several else None})
    if len(chosen):
        event = chosen.iloc[0].to_dict()
        st.html(popup_html(event, sources().get(event["source"])))
    elif view.shown == 0:
        st.info("No events match these filters. Widen the dates or press Reset filters.")


main()
