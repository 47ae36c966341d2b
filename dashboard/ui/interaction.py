"""The dashboard's interaction state: one declared value, and a pure transition per user action.

The app used to keep an undeclared state machine in 28 ``session_state`` keys, and its bugs were
the ones such machines have: a list selection kept its row *number* when the filter changed (a
traceback, or another event selected), and each slider move re-framed the map. Here the state is
one frozen value with its initial value, each user action is a function from a state to the next,
and the invariants hold by construction (and are unit-tested without Streamlit):

- the selection is an event id, never a row position; :func:`reconcile` clears it when the event
  is no longer shown, and nothing turns it into another event;
- the camera follows one rule (:func:`settle_camera`): it fits the events when the filter (not
  the dates) changes and the user has not moved the map since the last fit, goes to an event
  picked in the list, and otherwise stays where the user put it;
- Play steps a window of the chosen length from the chosen range's start to its end;
- :func:`reset` gives the initial state back, and the URL (:func:`to_view`) is derived from it.

The app script only maps widget events to these transitions and renders the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from dashboard.events.links import LinkRules
from dashboard.events.query import BBox, Query
from dashboard.events.scene import MapSpec
from dashboard.events.timeline import next_window, play_window
from dashboard.mapping.framing import Bounds, Camera, fit_camera, follow_camera
from dashboard.mapping.layers import DEFAULT_LAYERS
from dashboard.mapping.style import ColourMode
from dashboard.model.box import in_box
from dashboard.model.place import drawable
from dashboard.model.rows import Rows
from dashboard.ui.urlstate import ViewState

PLAY_SPEEDS = (0.5, 1.0, 2.0)  # seconds a step
SNAP_PX = 4  # a reported view this close to the asked one is the camera's, not the user's


@dataclass(frozen=True)
class Interaction:
    """Everything the user has chosen and done, and where the map looks."""

    start: pd.Timestamp | None = None  # None: the data's first day
    end: pd.Timestamp | None = None  # None: the data's last day
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    text: str = ""
    subunits: bool = True
    recorded: str = ""  # "" or a key of query.RECORDED: corroborated or single-source events only
    link_days: int = LinkRules().tolerance_days  # how near two records must be to be candidates
    link_km: float = LinkRules().distance_km
    stack: str = "type"  # the timeline's bars stacked by event type or by dataset
    colour_mode: ColourMode = ColourMode.EVENT_TYPE
    layers: tuple[str, ...] = DEFAULT_LAYERS
    in_view: bool = False  # list only the events in the map's view
    wide_list: bool = False  # the list under the map at full width (every column shown) or beside it
    selected: str | None = None  # an event id
    # The event the map's layers ring. A marker click rings its event in the page itself and
    # leaves this alone: layers that did not change are not re-sent, so an opened cluster stays
    # open and the popup with it. Whatever redraws the layers anyway rings the selection.
    ring: str | None = None
    follow: bool = False  # centre the map on the selected event at the next render
    camera: Camera | None = None  # what the map is told to show; None until the first fit
    fit_wanted: bool = True  # the next render fits the map to the events
    fit_everything: bool = False  # ... to every event drawn, far outliers included ("Show all")
    moved: bool = False  # the user has panned or zoomed since the last fit
    view_box: BBox | None = None  # the map's view as last reported (south, west, north, east)
    view_zoom: float | None = None
    # ... and its centre as reported: on a Web Mercator map the mean of the box's latitudes lies
    # south of it (30 px at zoom 4), and a link carrying that mean crept south each time it opened
    view_center: tuple[float, float] | None = None
    playing: bool = False
    step: str = "month"
    speed_s: float = 1.0
    skip_empty: bool = True
    play_end: pd.Timestamp | None = None  # the last day Play reaches (the range's end)
    notices: tuple[str, ...] = field(default=(), compare=False)  # shown once, then dropped

    def query(self) -> Query:
        """The filter of this state (dates included)."""
        return Query(start=self.start, end=self.end, actors=self.actors, event_types=self.event_types,
                     text=self.text, include_subunits=self.subunits, recorded=self.recorded)

    def link_rules(self) -> LinkRules:
        """The rules the datasets' records are linked by."""
        return LinkRules(tolerance_days=self.link_days, distance_km=self.link_km)

    def map_spec(self) -> MapSpec:
        """What the map (and every exported map) shows: the filter, narrowed to the map's view
        when the user asked to list only what is in it, the layers, colours and selection."""
        box = self.view_box if self.in_view else None
        return MapSpec(query=replace(self.query(), bbox=box), layers=self.layers,
                       colour_mode=self.colour_mode, selected=self.selected, view_box=self.view_box)

    def filter_key(self) -> tuple:
        """What a fit depends on: the filter without its dates (a date move keeps the map)."""
        return (self.actors, self.event_types, self.text, self.subunits, self.recorded)


INITIAL = Interaction()
FILTER_FIELDS = frozenset({"actors", "event_types", "text", "subunits", "recorded"})
LOOK_FIELDS = frozenset({"colour_mode", "layers", "in_view", "wide_list", "step", "speed_s", "skip_empty",
                         "stack"})


# -- transitions ----------------------------------------------------------------------------------

def dates_changed(state: Interaction, start: pd.Timestamp, end: pd.Timestamp) -> Interaction:
    """The slider or the typed dates: a new range, in order; the map stays; Play stops."""
    start, end = min(start, end), max(start, end)
    return replace(state, start=start, end=end, playing=False, ring=state.selected)


def filter_changed(state: Interaction, **changes: object) -> Interaction:
    """Actors, types, text or sub-units: refit the map unless the user has moved it."""
    unknown = set(changes) - FILTER_FIELDS
    if unknown:
        raise TypeError(f"not filter fields: {sorted(unknown)}")
    # The names are checked above; replace() cannot type values passed as **changes.
    new = replace(state, **changes)  # type: ignore[arg-type]
    if new.filter_key() == state.filter_key():
        return state
    return replace(new, fit_wanted=not state.moved, ring=state.selected)


def look_changed(state: Interaction, **changes: object) -> Interaction:
    """How things are drawn (colour, layers, list in view, Play's step and speed): nothing moves."""
    unknown = set(changes) - LOOK_FIELDS
    if unknown:
        raise TypeError(f"not look fields: {sorted(unknown)}")
    # The names are checked above; replace() cannot type values passed as **changes.
    return replace(state, **changes, ring=state.selected)  # type: ignore[arg-type]


def row_picked(state: Interaction, event_id: str | None) -> Interaction:
    """An event picked in the list: selected, and the map goes to it."""
    if event_id is None:
        return state
    return replace(state, selected=event_id, follow=True, ring=event_id)


def row_unpicked(state: Interaction) -> Interaction:
    """The selected event's row unticked in the list: nothing is selected; the map stays."""
    return replace(state, selected=None, ring=None, follow=False)


def marker_clicked(state: Interaction, event_id: str | None) -> Interaction:
    """A marker clicked on the map: selected; the map, its layers and the open popup stay."""
    if event_id is None:
        return state
    return replace(state, selected=event_id, follow=False)


def _same_view(center: tuple[float, float], zoom: float, other: tuple[float, float],
               other_zoom: float) -> bool:
    """Two views alike within a few pixels (Leaflet rounds a centre to whole pixels)."""
    tolerance = SNAP_PX * 360 / (256 * 2 ** float(zoom))
    return (zoom == other_zoom and abs(center[0] - other[0]) < tolerance
            and abs(center[1] - other[1]) < tolerance)


def map_moved(state: Interaction, *, box: BBox | None, zoom: float | None,
              center: tuple[float, float] | None,
              initial: tuple[tuple[float, float], float] | None = None) -> Interaction:
    """The map reported its view. A view other than the one the camera asked for (or the map's
    ``initial`` view, which it reports once before taking the camera's) is the user's doing:
    from then on a filter change no longer refits (until "Fit to events")."""
    if box is None or zoom is None or center is None:
        return state
    ours = ((state.camera is not None and _same_view(center, zoom, state.camera.center, state.camera.zoom))
            or (initial is not None and _same_view(center, zoom, *initial)))
    if (box, zoom, center) == (state.view_box, state.view_zoom, state.view_center) and (ours or state.moved):
        return state
    return replace(state, view_box=box, view_zoom=zoom, view_center=center, moved=state.moved or not ours)


def fit_requested(state: Interaction, *, everything: bool = False) -> Interaction:
    """"Fit to events" (the bulk of them) or "Show all" (``everything``, far outliers included):
    the next render frames them, and filter changes refit again."""
    return replace(state, fit_wanted=True, fit_everything=everything, moved=False, follow=False)


def play(state: Interaction, span: tuple[pd.Timestamp, pd.Timestamp]) -> Interaction:
    """Start Play at the chosen range's start, one window of the chosen step, up to its end."""
    first = state.start if state.start is not None else span[0]
    last = state.end if state.end is not None else span[1]
    if first >= last:
        first, last = span
    first, window_end = play_window(first, last, step=state.step)
    return replace(state, playing=True, play_end=last, start=first, end=window_end, ring=state.selected)


def tick(state: Interaction, has_events: Callable[[pd.Timestamp, pd.Timestamp], bool] | None = None,
         *, max_skip: int = 10_000) -> Interaction:
    """The next window, or a stop at the range's end; with ``skip_empty``, windows with no event
    are passed over (``has_events`` says whether a window has any)."""
    if not state.playing or state.end is None or state.play_end is None:
        return replace(state, playing=False)
    window: tuple[pd.Timestamp, pd.Timestamp] = (state.start or state.end, state.end)
    for _ in range(max_skip):
        following = next_window(window, (window[0], state.play_end), step=state.step)
        if following is None:
            return replace(state, playing=False)
        window = following
        if not state.skip_empty or has_events is None or has_events(*window):
            return replace(state, start=window[0], end=window[1], ring=state.selected)
    return replace(state, playing=False)


def pause(state: Interaction, *,
          window: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> Interaction:
    """Pause at once, on the window the user was looking at when they pressed Pause (``window``,
    as their page showed it): a step that came due while the click was on its way is undone."""
    if window is None or not state.playing:
        return replace(state, playing=False)
    start, end = min(window), max(window)
    return replace(state, playing=False, start=start, end=end, ring=state.selected)


def link_rules_changed(state: Interaction, *, days: int, km: float) -> Interaction:
    """How near two records must be to be candidates: the links are found again. With a
    Recorded-in filter on, the events shown change, so the map refits unless the user moved it."""
    new = replace(state, link_days=int(days), link_km=float(km))
    if new == state:
        return state
    return replace(new, fit_wanted=bool(state.recorded) and not state.moved, ring=state.selected)


def reset(state: Interaction) -> Interaction:
    """The initial state; the map refits to the events."""
    return replace(INITIAL, camera=state.camera)


def data_switched(state: Interaction) -> Interaction:
    """Another dataset: nothing of the last one's filters or selection applies to it."""
    return replace(INITIAL, camera=state.camera, colour_mode=state.colour_mode, layers=state.layers)


def datasets_changed(state: Interaction, *, any_in_view: bool,
                     span: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> Interaction:
    """A dataset switched on or off beside others that stay: the filters and the selection (while
    its event is shown) stay; the events shown change, so the map refits as after a filter change
    (unless the user has moved it), and also when none of the events now open is in its view.
    The dates stay within the open data's ``span``: a range wholly outside it (the slider could
    only show it clamped to one end, over events it was not filtering) becomes the whole span."""
    start, end = state.start, state.end
    if span is not None and start is not None and end is not None:
        if end < span[0] or start > span[1]:
            state = replace(state, start=None, end=None, playing=False)
        else:
            state = replace(state, start=max(start, span[0]), end=min(end, span[1]))
    return replace(state, fit_wanted=True) if not state.moved or not any_in_view else state


def url_opened(view: ViewState, notices: list[str] | tuple[str, ...] = ()) -> Interaction:
    """The state a shared link describes (what it could not use comes as notices)."""
    camera = None
    fit = True
    if view.map_center is not None and view.map_zoom is not None:
        camera, fit = Camera(view.map_center, view.map_zoom, "url"), False
    return replace(INITIAL, start=view.start, end=view.end, actors=view.actors,
                   event_types=view.event_types, text=view.text, subunits=view.subunits,
                   recorded=view.recorded, link_days=view.link_days, link_km=view.link_km,
                   stack=view.stack, colour_mode=view.colour_mode, layers=view.layers,
                   in_view=view.in_view, wide_list=view.wide_list,
                   selected=view.selected, ring=view.selected, step=view.step, camera=camera, fit_wanted=fit,
                   moved=camera is not None, notices=tuple(notices))


# -- selectors and invariants ---------------------------------------------------------------------

def to_view(state: Interaction) -> ViewState:
    """The part of the state a link carries: filters, dates, selection, look and map view."""
    center = zoom = None
    if state.moved and state.view_center is not None and state.view_zoom is not None:
        lat, lon = state.view_center
        center, zoom = (round(lat, 4), round(lon, 4)), int(state.view_zoom)
    elif state.moved and state.camera is not None:  # a link opened, its map not yet reporting
        lat, lon = state.camera.center
        center, zoom = (round(lat, 4), round(lon, 4)), int(state.camera.zoom)
    return ViewState(start=state.start, end=state.end, actors=state.actors,
                     event_types=state.event_types, text=state.text, selected=state.selected,
                     colour_mode=state.colour_mode, subunits=state.subunits, recorded=state.recorded,
                     link_days=state.link_days, link_km=state.link_km, stack=state.stack,
                     layers=state.layers, in_view=state.in_view, wide_list=state.wide_list,
                     step=state.step, map_center=center,
                     map_zoom=zoom)


def reconcile(state: Interaction, shown: Callable[[str], bool]) -> Interaction:
    """The selection stays while its event is shown and is cleared otherwise."""
    if state.selected is not None and not shown(state.selected):
        return replace(state, selected=None, ring=None, follow=False)
    return state


def hidden_pick(state: Interaction, shown: Callable[[str], bool]) -> str | None:
    """The event just picked (a row, "Select it" on a possible match) when the filters hide it:
    :func:`reconcile` clears it, and the user is told why rather than seeing nothing happen."""
    if state.selected is not None and state.follow and not shown(state.selected):
        return state.selected
    return None


def fit_due(state: Interaction) -> bool:
    """Whether the next render fits the map to the events (so their box is needed at all)."""
    return state.fit_wanted or state.camera is None


def settle_camera(state: Interaction, *, bounds: Bounds | None,
                  selected_at: tuple[float, float] | None) -> Interaction:
    """The one camera rule: go to an event picked in the list; fit the events when a fit is due
    (first view, a filter change while the user had not moved the map, Reset, "Fit to events");
    otherwise keep the camera, so that the map stays where the user put it."""
    if state.follow and selected_at is not None:
        zoom = state.view_zoom or (state.camera.zoom if state.camera else None)
        return replace(state, camera=follow_camera(selected_at, zoom=zoom), follow=False)
    if fit_due(state):
        return replace(state, camera=fit_camera(bounds), fit_wanted=False, fit_everything=False,
                       moved=False, follow=False)
    return replace(state, follow=False) if state.follow else state


def outside(box: BBox | None, events: pd.DataFrame | Rows) -> int:
    """How many of the events drawn as points lie outside the map's view (0 when it is not known);
    ``events`` may be a view's rows, whose coordinates only are read."""
    rows = events if isinstance(events, Rows) else Rows(events)
    if box is None or not len(rows):
        return 0
    if rows.everything or len(rows) * 4 < len(rows.table):  # few rows: take their coordinates
        unc, lat, lon = (rows.values(name, float) for name in ("uncertainty_km", "lat", "lon"))
        return int(np.count_nonzero(drawable(unc) & ~in_box(lat, lon, box)))
    # Most of the table: test its own columns in place (no copies), then keep these rows.
    table = rows.table
    away = drawable(table["uncertainty_km"].to_numpy(float)) & \
        ~in_box(table["lat"].to_numpy(float), table["lon"].to_numpy(float), box)
    return int(np.count_nonzero(away & rows.mask))
