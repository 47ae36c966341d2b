"""The interaction state's transitions and invariants, without Streamlit."""

from __future__ import annotations

import random
from dataclasses import replace

import pandas as pd
import pytest

from dashboard.events.timeline import play_windows
from dashboard.mapping.framing import Camera
from dashboard.ui import interaction as ix
from dashboard.ui.interaction import INITIAL, Interaction
from dashboard.ui.urlstate import parse_params, to_params

T = pd.Timestamp
SPAN = (T("2015-01-01"), T("2016-12-31"))
BOX = (35.0, 36.0, 37.0, 38.0)
ALEPPO = ((36.0, 37.0), (36.4, 37.3))


def fitted(state: Interaction = INITIAL) -> Interaction:
    return ix.settle_camera(state, bounds=ALEPPO, selected_at=None)


def moved_by_user(state: Interaction) -> Interaction:
    return ix.map_moved(state, box=BOX, zoom=8, center=(36.0, 37.0))


def test_the_first_render_fits_the_events():
    state = fitted()
    assert state.camera is not None and state.camera.fitted_to == "fit"
    assert not state.fit_wanted and not state.moved


def test_a_date_move_keeps_the_users_zoom_and_pan():
    state = moved_by_user(fitted())
    camera = state.camera
    state = ix.dates_changed(state, T("2016-02-01"), T("2016-02-29"))
    state = ix.settle_camera(state, bounds=((30.0, 30.0), (40.0, 50.0)), selected_at=None)
    assert state.camera == camera and state.moved


def test_a_filter_change_refits_unless_the_user_moved_the_map():
    state = ix.filter_changed(fitted(), actors=("IRGC",))
    assert state.fit_wanted
    moved = ix.filter_changed(moved_by_user(fitted()), actors=("IRGC",))
    assert not moved.fit_wanted
    again = ix.settle_camera(ix.fit_requested(moved), bounds=ALEPPO, selected_at=None)
    assert again.camera.fitted_to == "fit" and not again.moved


def test_show_all_asks_for_one_fit_of_every_event_then_fits_the_bulk_again():
    wanted = ix.fit_requested(fitted(), everything=True)
    assert wanted.fit_wanted and wanted.fit_everything
    done = ix.settle_camera(wanted, bounds=ALEPPO, selected_at=None)
    assert not done.fit_everything and not done.fit_wanted
    assert not ix.fit_requested(done).fit_everything


def test_the_cameras_own_view_is_not_a_user_move():
    state = fitted()
    center, zoom = state.camera.center, state.camera.zoom
    # Leaflet rounds the centre to whole pixels: a hundredth of a degree off at zoom 6.
    reported = ix.map_moved(state, box=BOX, zoom=zoom, center=(center[0] + 0.006, center[1] - 0.005))
    assert not reported.moved and reported.view_box == BOX
    initial = ix.map_moved(state, box=BOX, zoom=6, center=(34.85, 39.0), initial=((34.85, 39.0), 6))
    assert not initial.moved
    assert moved_by_user(state).moved


def test_the_selection_is_an_id_and_is_cleared_when_its_event_is_no_longer_shown():
    state = ix.row_picked(fitted(), "e3")
    assert state.selected == "e3" and state.follow
    kept = ix.reconcile(ix.filter_changed(state, actors=("IRGC",)), {"e3", "e7"}.__contains__)
    assert kept.selected == "e3"
    cleared = ix.reconcile(ix.filter_changed(state, actors=("Hezbollah",)), {"e1", "e2", "e4"}.__contains__)
    assert cleared.selected is None and cleared.ring is None


def test_a_pick_the_filters_hide_is_named_and_a_shown_or_settled_one_is_not():
    picked = ix.row_picked(fitted(), "e9")
    assert ix.hidden_pick(picked, {"e1"}.__contains__) == "e9"
    assert ix.hidden_pick(picked, {"e9"}.__contains__) is None
    settled = ix.settle_camera(picked, bounds=None, selected_at=(36.2, 37.1))
    assert not settled.follow and ix.hidden_pick(settled, {"e1"}.__contains__) is None  # later: silent
    assert ix.hidden_pick(fitted(), set().__contains__) is None


def test_a_row_pick_follows_the_event_and_a_marker_click_keeps_the_map():
    state = ix.row_picked(moved_by_user(fitted()), "e3")
    state = ix.settle_camera(state, bounds=ALEPPO, selected_at=(36.2, 37.16))
    assert state.camera.center == (36.2, 37.16) and state.camera.zoom >= 9 and not state.follow
    camera = state.camera
    clicked = ix.settle_camera(ix.marker_clicked(state, "e5"), bounds=ALEPPO, selected_at=(36.0, 37.0))
    assert clicked.selected == "e5" and clicked.camera == camera
    assert clicked.ring == "e3", "a click re-sends no layer: the page rings the clicked marker itself"


def test_play_starts_at_the_chosen_range_and_stops_at_its_end():
    state = ix.dates_changed(INITIAL, T("2016-01-01"), T("2016-03-15"))
    state = ix.play(state, SPAN)
    assert state.playing and (state.start, state.end) == (T("2016-01-01"), T("2016-01-31"))
    windows = [(state.start, state.end)]
    while state.playing:
        state = ix.tick(state)
        if state.playing:
            windows.append((state.start, state.end))
    assert windows == [(T("2016-01-01"), T("2016-01-31")), (T("2016-02-01"), T("2016-02-29")),
                       (T("2016-03-01"), T("2016-03-15"))]


@pytest.mark.parametrize("step", ["week", "month", "quarter"])
@pytest.mark.parametrize("first", ["2016-01-31", "2016-02-29", "2016-03-10"])
def test_play_shows_the_windows_the_exported_series_photographs(step, first):
    """The app's Play and ``snapshot --series`` step by one rule (events.timeline.play_window)."""
    state = ix.play(replace(ix.dates_changed(INITIAL, T(first), T("2016-12-31")), step=step), SPAN)
    shown = [(state.start, state.end)]
    while (state := ix.tick(state)).playing:
        shown.append((state.start, state.end))
    assert shown == play_windows(T(first), T("2016-12-31"), step=step)


def test_play_skips_empty_windows_and_pauses_at_once():
    busy = {T("2016-01-01"), T("2016-05-01")}
    state = ix.play(ix.dates_changed(INITIAL, T("2016-01-01"), T("2016-06-30")), SPAN)
    state = ix.tick(state, lambda start, end: start in busy)
    assert state.start == T("2016-05-01") and state.playing
    assert not ix.pause(state).playing and ix.pause(state).start == T("2016-05-01")
    assert not ix.tick(state, lambda start, end: False).playing


def test_play_on_a_one_day_file_never_runs_past_the_data():
    one_day = (T("2016-02-03"), T("2016-02-04"))
    state = ix.play(INITIAL, one_day)
    assert state.end <= one_day[1]
    assert not ix.tick(state).playing


def test_a_user_moving_the_slider_stops_play():
    state = ix.play(INITIAL, SPAN)
    assert not ix.dates_changed(state, T("2016-01-01"), T("2016-02-01")).playing


def test_reset_gives_the_initial_state_back():
    state = ix.row_picked(ix.filter_changed(moved_by_user(fitted()), actors=("IRGC",), text="x"), "e1")
    state = ix.look_changed(ix.dates_changed(state, T("2016-01-01"), T("2016-02-01")), layers=("heat",))
    back = ix.reset(state)
    assert back == Interaction(camera=state.camera)
    assert back.fit_wanted and back.selected is None


def test_the_url_gives_the_same_state_back():
    state = ix.row_picked(ix.filter_changed(fitted(), actors=("IRGC",), event_types=("battle",),
                                            subunits=False, text="Khan Tuman"), "e3")
    state = ix.look_changed(ix.dates_changed(state, T("2016-01-01"), T("2016-02-29")),
                            layers=("events", "heat"), in_view=True, step="week", colour_mode="side")
    state = moved_by_user(state)
    params = to_params(ix.to_view(state))
    parsed = parse_params({k: v if isinstance(v, list) else [v] for k, v in params.items()}, span=SPAN,
                          actors=["IRGC"], event_types=["battle"], event_ids=["e3"])
    assert parsed.notices == []
    opened = ix.url_opened(parsed.state)
    for name in ("start", "end", "actors", "event_types", "text", "subunits", "selected", "colour_mode",
                 "layers", "in_view", "step"):
        assert getattr(opened, name) == getattr(state, name), name
    assert opened.camera == Camera((36.0, 37.0), 8, "url") and opened.moved


def test_unknown_url_parameters_get_a_notice():
    parsed = parse_params({"foo": ["bar"]}, span=SPAN, actors=[], event_types=[])
    assert any("'foo'" in notice for notice in parsed.notices)


@pytest.mark.parametrize("seed", range(5))
def test_a_random_walk_keeps_the_invariants(seed):
    """300 random actions: the selection is always a shown event or none, dates in order, and
    a camera exists after every render. A failure names the seed and the actions to replay."""
    rng = random.Random(seed)
    ids = [f"e{i}" for i in range(20)]
    shown_by_actor = {(): set(ids), ("IRGC",): set(ids[:8]), ("Hezbollah",): set(ids[8:12])}
    state, done = INITIAL, []
    for _ in range(300):
        action = rng.choice(["dates", "filter", "row", "marker", "move", "play", "tick", "pause",
                             "reset", "fit", "switch"])
        done.append(action)
        if action == "dates":
            a, b = sorted(rng.sample(range(700), 2))
            state = ix.dates_changed(state, SPAN[0] + pd.Timedelta(days=b), SPAN[0] + pd.Timedelta(days=a))
        elif action == "filter":
            state = ix.filter_changed(state, actors=rng.choice(list(shown_by_actor)))
        elif action in ("row", "marker"):
            visible = sorted(shown_by_actor[state.actors])
            pick = rng.choice(visible)
            state = (ix.row_picked if action == "row" else ix.marker_clicked)(state, pick)
        elif action == "move":
            state = ix.map_moved(state, box=BOX, zoom=rng.choice([5, 7, 9]), center=(36.0, 37.0))
        elif action == "play":
            state = ix.play(state, SPAN)
        elif action == "tick":
            state = ix.tick(state)
        elif action == "pause":
            state = ix.pause(state)
        elif action == "reset":
            state = ix.reset(state)
        elif action == "fit":
            state = ix.fit_requested(state)
        else:
            state = ix.data_switched(state)
        shown = shown_by_actor[state.actors]
        state = ix.reconcile(state, shown.__contains__)
        state = ix.settle_camera(state, bounds=ALEPPO, selected_at=(36.1, 37.1) if state.selected else None)
        context = f"seed {seed}, actions {done}"
        assert state.selected is None or state.selected in shown, context
        assert state.start is None or state.end is None or state.start <= state.end, context
        assert state.camera is not None and not state.follow, context
        if state.playing:
            assert state.play_end is not None and state.end <= state.play_end, context


def test_new_link_rules_refit_only_when_they_change_what_is_shown():
    from dashboard.events.links import LinkRules

    state = replace(ix.INITIAL, fit_wanted=False, selected="e1")
    wider = ix.link_rules_changed(state, days=7, km=30)
    assert wider.link_rules() == LinkRules(tolerance_days=7, distance_km=30.0)
    assert not wider.fit_wanted and wider.ring == "e1"  # no Recorded-in filter: the map stays
    filtered = replace(state, recorded="single")
    assert ix.link_rules_changed(filtered, days=7, km=30).fit_wanted
    assert not ix.link_rules_changed(replace(filtered, moved=True), days=7, km=30).fit_wanted
    assert ix.link_rules_changed(state, days=3, km=10.0) is state  # the same rules: nothing happens
    assert ix.reset(wider).link_rules() == LinkRules()
    assert ix.url_opened(ix.to_view(wider)).link_rules() == wider.link_rules()


def _leaflet_box(center: tuple[float, float], zoom: int, *, width: int = 900, height: int = 620):
    """The (south, west, north, east) a Web Mercator map of that size shows around ``center``."""
    import math

    scale = 256 * 2 ** zoom
    y = (1 - math.asinh(math.tan(math.radians(center[0]))) / math.pi) / 2 * scale

    def lat_at(pixel_y: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * pixel_y / scale))))

    half_lon = width / 2 * 360 / scale
    return (lat_at(y + height / 2), center[1] - half_lon, lat_at(y - height / 2), center[1] + half_lon)


@pytest.mark.parametrize(("center", "zoom"), [((30.0, 20.0), 4), ((36.2, 37.15), 10), ((55.7, 37.6), 3)])
def test_a_link_reopens_the_map_where_it_was_not_south_of_it(center, zoom):
    """The link carries the centre the user saw: opened, and its link opened again, the map does
    not creep south (the mean of a Mercator box's latitudes lies south of its centre)."""
    state = ix.map_moved(ix.settle_camera(INITIAL, bounds=None, selected_at=None),
                         box=_leaflet_box(center, zoom), zoom=zoom, center=center)
    for _ in range(3):
        view = ix.to_view(state)
        assert view.map_center is not None and view.map_zoom == zoom
        assert abs(view.map_center[0] - center[0]) < 1e-3 and abs(view.map_center[1] - center[1]) < 1e-3
        reopened = ix.settle_camera(ix.url_opened(view), bounds=None, selected_at=None)
        assert reopened.camera is not None and reopened.camera.center == view.map_center
        state = ix.map_moved(reopened, box=_leaflet_box(reopened.camera.center, zoom), zoom=zoom,
                             center=reopened.camera.center)
        state = replace(state, moved=True)


def test_pause_keeps_the_window_the_user_saw_when_a_step_came_due_meanwhile():
    """Pause pressed while a step was under way: the page still showed the earlier window, and
    the pause lands on it, not on the window the step moved to."""
    state = ix.play(ix.dates_changed(INITIAL, T("2016-01-01"), T("2016-06-30")), SPAN)
    seen = (state.start, state.end)
    stepped = ix.tick(state)
    assert (stepped.start, stepped.end) != seen
    paused = ix.pause(stepped, window=seen)
    assert not paused.playing and (paused.start, paused.end) == seen
    assert (ix.pause(stepped).start, ix.pause(stepped).end) == (stepped.start, stepped.end)
    idle = ix.pause(ix.dates_changed(INITIAL, T("2016-02-01"), T("2016-02-29")), window=seen)
    assert idle.start == T("2016-02-01")  # not playing: a stray Pause changes nothing


def test_unticking_the_selected_row_clears_the_selection_and_keeps_the_map():
    state = moved_by_user(fitted(ix.row_picked(fitted(), "e3")))
    camera = state.camera
    cleared = ix.row_unpicked(state)
    assert cleared.selected is None and cleared.ring is None and not cleared.follow
    assert cleared.camera == camera and cleared.moved


def test_switching_a_dataset_refits_unless_the_user_moved_the_map():
    state = fitted()
    assert ix.datasets_changed(state, any_in_view=True).fit_wanted
    moved = moved_by_user(state)
    assert not ix.datasets_changed(moved, any_in_view=True).fit_wanted
    assert ix.datasets_changed(moved, any_in_view=False).fit_wanted


def test_the_wide_list_is_a_look_and_goes_into_the_link():
    state = ix.look_changed(fitted(), wide_list=True)
    assert state.wide_list and not state.fit_wanted
    params = to_params(ix.to_view(state))
    assert params["list"] == "wide"
    lists = {name: value if isinstance(value, list) else [value] for name, value in params.items()}
    assert ix.url_opened(parse_params(lists, span=SPAN, actors=[], event_types=[]).state).wide_list
    assert "list" not in to_params(ix.to_view(ix.reset(state)))


def test_dates_outside_the_datasets_left_open_become_their_whole_span():
    """Bundled data switched off beside a file of February 2016: a range in 2008 cannot be shown
    on that file's slider, so it becomes the file's span; a range across it is clamped to it."""
    feb = (T("2016-02-01"), T("2016-02-05"))
    old = ix.dates_changed(fitted(), T("2008-09-02"), T("2008-12-19"))
    switched = ix.datasets_changed(old, any_in_view=True, span=feb)
    assert (switched.start, switched.end) == (None, None)
    across = ix.dates_changed(fitted(), T("2016-01-15"), T("2016-02-03"))
    clamped = ix.datasets_changed(across, any_in_view=True, span=feb)
    assert (clamped.start, clamped.end) == (T("2016-02-01"), T("2016-02-03"))


def test_a_link_reopened_carries_its_map_view_before_the_map_reports_one():
    view = parse_params({"view": ["36.4821,37.2077,5"]}, span=SPAN, actors=[], event_types=[]).state
    state = ix.url_opened(view)
    assert to_params(ix.to_view(state))["view"] == "36.4821,37.2077,5"
