"""The dashboard's state in the URL, so that a view can be shared and reopened.

Parsing never fails: a bad or stale parameter is dropped with a notice the app shows, and the rest
of the URL still applies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from dashboard.events.links import MAX_DAYS, MAX_KM, LinkRules
from dashboard.events.query import RECORDED, Query
from dashboard.events.timeline import STEPS
from dashboard.mapping.layers import DEFAULT_LAYERS, LAYER_NAMES
from dashboard.mapping.style import ColourMode

PARAMETERS = ("from", "to", "actor", "type", "q", "sel", "colour", "sub", "layer", "inview", "list", "step",
              "view", "recorded", "link_days", "link_km", "stack", "files")
STACKS = ("type", "dataset")  # what the timeline's bars may be stacked by
# The days pandas can hold (nanosecond timestamps): a URL date beyond them is clamped to the data.
EARLIEST, LATEST = dt.date(1678, 1, 1), dt.date(2261, 12, 31)
MAX_TEXT = 200  # characters of a search a link may carry
MAX_FILES = 99  # the user's own files a link may say were open


@dataclass(frozen=True)
class ViewState:
    """What the user chose: everything needed to rebuild the view."""

    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    text: str = ""
    selected: str | None = None
    colour_mode: ColourMode = ColourMode.EVENT_TYPE
    subunits: bool = True
    recorded: str = ""
    link_days: int = LinkRules().tolerance_days
    link_km: float = LinkRules().distance_km
    stack: str = "type"
    layers: tuple[str, ...] = DEFAULT_LAYERS
    in_view: bool = False
    wide_list: bool = False  # the list under the map at full width
    step: str = "month"
    map_center: tuple[float, float] | None = None  # where the user had moved the map, if anywhere
    map_zoom: int | None = None
    # How many files of the user's own were open when the link was written: never their names or
    # content (a link holds none of a user's data), only so that a page reopened without them says so.
    files: int = 0

    def query(self) -> Query:
        """The filter part of the state."""
        return Query(start=self.start, end=self.end, actors=self.actors,
                     event_types=self.event_types, text=self.text, include_subunits=self.subunits,
                     recorded=self.recorded)


@dataclass
class Parsed:
    """A state read from a URL, and what had to be ignored in it."""

    state: ViewState
    notices: list[str] = field(default_factory=list)


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(text: str, name: str, notices: list[str]) -> pd.Timestamp | None:
    """A calendar day written YYYY-MM-DD, and nothing else: a time, a zone ("...T00:00:00Z") or
    a sign ("-2016-01-01") is a notice, never an exception (pandas read them as times with a
    zone or as years before Christ, which later comparisons could not handle)."""
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
        return pd.Timestamp(max(min(day, LATEST), EARLIEST))
    except (ValueError, TypeError, OverflowError):
        notices.append(f"Ignored URL parameter {name}={text!r}: not a date (YYYY-MM-DD).")
        return None


def _known(values: Iterable[str], allowed: Iterable[str], name: str, notices: list[str]) -> tuple:
    allowed = set(allowed)
    kept = []
    for value in values:
        items = [value] if value in allowed else [v.strip() for v in value.split(",")]
        for item in items:
            if not item:
                continue
            if item in allowed:
                kept.append(item)
            else:
                notices.append(f"Ignored URL parameter {name}={item!r}: not in this data.")
    return tuple(dict.fromkeys(kept))


def parse_params(
    params: Mapping[str, list[str]],
    *,
    span: tuple[pd.Timestamp, pd.Timestamp] | None,
    actors: Iterable[str],
    event_types: Iterable[str],
    event_ids: Iterable[str] = (),
) -> Parsed:
    """Read a view from query parameters (each a list of values, as st.query_params.get_all)."""
    notices: list[str] = [f"Ignored URL parameter {name!r}: not one this dashboard uses."
                          for name in params if name not in PARAMETERS]
    first = lambda key: (params.get(key) or [""])[-1]  # noqa: E731
    start = _date(first("from"), "from", notices) if first("from") else None
    end = _date(first("to"), "to", notices) if first("to") else None
    if span is not None:
        lo, hi = span
        if start is not None and not lo <= start <= hi:
            notices.append(f"URL date from={start.date()} is outside the data; clamped.")
            start = min(max(start, lo), hi)
        if end is not None and not lo <= end <= hi:
            notices.append(f"URL date to={end.date()} is outside the data; clamped.")
            end = min(max(end, lo), hi)
    if start is not None and end is not None and end < start:
        notices.append("URL dates were in the wrong order; swapped.")
        start, end = end, start
    colour_text = first("colour") or str(ColourMode.EVENT_TYPE)
    try:
        colour = ColourMode(colour_text)
    except ValueError:
        notices.append(f"Ignored URL parameter colour={colour_text!r}: use one of "
                       f"{', '.join(map(str, ColourMode))}.")
        colour = ColourMode.EVENT_TYPE
    selected = first("sel") or None
    if selected is not None and selected not in set(event_ids):
        notices.append(f"Ignored URL parameter sel={selected!r}: no such event.")
        selected = None
    layers = (_known(params["layer"], (*LAYER_NAMES, "none"), "layer", notices) if "layer" in params
              else DEFAULT_LAYERS)
    step = first("step") or "month"
    if step not in STEPS:
        notices.append(f"Ignored URL parameter step={step!r}: use one of {', '.join(STEPS)}.")
        step = "month"
    center, zoom = _map_view(first("view"), notices) if first("view") else (None, None)
    recorded = first("recorded")
    if recorded and recorded not in RECORDED:
        notices.append(f"Ignored URL parameter recorded={recorded!r}: use one of {', '.join(RECORDED)}.")
        recorded = ""
    link_days = _number(first("link_days"), "link_days", LinkRules().tolerance_days, MAX_DAYS, notices)
    link_km = _number(first("link_km"), "link_km", LinkRules().distance_km, MAX_KM, notices)
    stack = first("stack") or "type"
    if stack not in STACKS:
        notices.append(f"Ignored URL parameter stack={stack!r}: use one of {', '.join(STACKS)}.")
        stack = "type"
    switches = {name: _switch(first(name), name, on, off, notices)
                for name, on, off in (("sub", "1", "0"), ("inview", "1", "0"), ("list", "wide", "beside"))}
    files = int(_number(first("files"), "files", 0, MAX_FILES, notices))
    if files:
        notices.append(missing_files(files))
    text = first("q")
    if len(text) > MAX_TEXT:
        notices.append(f"URL parameter q was cut to its first {MAX_TEXT} characters.")
    state = ViewState(
        start=start,
        end=end,
        actors=_known(params.get("actor", []), actors, "actor", notices),
        event_types=_known(params.get("type", []), event_types, "type", notices),
        text=text[:MAX_TEXT],
        selected=selected,
        colour_mode=colour,
        subunits=switches["sub"] is not False,
        recorded=recorded,
        link_days=int(link_days),
        link_km=float(link_km),
        stack=stack,
        layers=tuple(layer for layer in layers if layer != "none"),
        in_view=switches["inview"] is True,
        wide_list=switches["list"] is True,
        step=step,
        map_center=center,
        map_zoom=zoom,
    )
    return Parsed(state, notices)


def to_params(state: ViewState) -> dict[str, str | list[str]]:
    """The query parameters for a state (defaults left out, to keep links short)."""
    params: dict[str, str | list[str]] = {}
    if state.start is not None:
        params["from"] = state.start.date().isoformat()
    if state.end is not None:
        params["to"] = state.end.date().isoformat()
    if state.actors:
        params["actor"] = list(state.actors)
    if state.event_types:
        params["type"] = list(state.event_types)
    if state.text:
        params["q"] = state.text
    if state.selected:
        params["sel"] = state.selected
    if state.colour_mode != ColourMode.EVENT_TYPE:
        params["colour"] = str(state.colour_mode)
    if not state.subunits:
        params["sub"] = "0"
    if state.recorded:
        params["recorded"] = state.recorded
    if state.link_days != LinkRules().tolerance_days:
        params["link_days"] = str(state.link_days)
    if state.link_km != LinkRules().distance_km:
        params["link_km"] = f"{state.link_km:g}"
    if state.stack != "type":
        params["stack"] = state.stack
    if state.layers != DEFAULT_LAYERS:
        params["layer"] = list(state.layers) or ["none"]
    if state.in_view:
        params["inview"] = "1"
    if state.wide_list:
        params["list"] = "wide"
    if state.step != "month":
        params["step"] = state.step
    if state.map_center is not None and state.map_zoom is not None:
        params["view"] = f"{state.map_center[0]:.4f},{state.map_center[1]:.4f},{state.map_zoom}"
    if state.files:
        params["files"] = str(state.files)
    return params


def missing_files(count: int) -> str:
    """What a page opened on a link (or reloaded) says when the view had files of the user's own
    open: they are held by the browser session that opened them, never by a link."""
    some = "a file" if count == 1 else f"{count} files"
    them = "it" if count == 1 else "them"
    return (f"This view was made with {some} of your own open beside the data. Files are not part "
            f"of a link and are not kept when the page is reloaded: open {them} again with "
            f"\"Add files\" to see the same events.")


def _switch(text: str, name: str, on: str, off: str, notices: list[str]) -> bool | None:
    """A parameter with two values: True for ``on``, False for ``off``, None when absent or
    anything else (with a notice: ``sub=false`` used to leave sub-units on without a word)."""
    if text in ("", on, off):
        return None if not text else text == on
    notices.append(f"Ignored URL parameter {name}={text!r}: use {on} or {off}.")
    return None


def _number(text: str, name: str, default: float, most: float, notices: list[str]) -> float:
    """A link rule from the URL: a number from 0 to ``most`` (days are whole), else the default."""
    if not text:
        return default
    whole = isinstance(default, int)
    try:
        value = int(text) if whole else float(text)
        if not 0 <= value <= most:
            raise ValueError(text)
    except ValueError:
        notices.append(f"Ignored URL parameter {name}={text!r}: use a number from 0 to {most:g}.")
        return default
    return value


def _map_view(text: str, notices: list[str]) -> tuple[tuple[float, float] | None, int | None]:
    """``lat,lon,zoom`` of a map view, or a notice."""
    try:
        lat, lon, zoom = (float(part) for part in text.split(","))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 2 <= zoom <= 18):
            raise ValueError(text)
    except ValueError:
        notices.append(f"Ignored URL parameter view={text!r}: use latitude,longitude,zoom.")
        return None, None
    return (lat, lon), int(zoom)
