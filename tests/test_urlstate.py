"""URL state: a shared link restores the view; a bad or stale parameter is dropped with a notice."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.ui.urlstate import ViewState, parse_params, to_params

SPAN = (pd.Timestamp("2015-09-01"), pd.Timestamp("2016-06-30"))
ACTORS = ["IRGC", "Hezbollah", "coalition:armed opposition"]
TYPES = ["battle", "statement"]


def parse(params: dict[str, list[str]]):
    return parse_params(params, span=SPAN, actors=ACTORS, event_types=TYPES, event_ids=["e1", "e2"])


def test_round_trip():
    state = ViewState(start=pd.Timestamp("2016-02-01"), end=pd.Timestamp("2016-02-29"),
                      actors=("IRGC", "coalition:armed opposition"), event_types=("battle",),
                      text="Aleppo", selected="e2", colour_mode="side", subunits=False,
                      recorded="single", link_days=7, link_km=2.5, stack="dataset")
    params = {k: v if isinstance(v, list) else [v] for k, v in to_params(state).items()}
    parsed = parse(params)
    assert parsed.state == state
    assert parsed.notices == []


def test_defaults_make_an_empty_url():
    assert to_params(ViewState()) == {}


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"from": ["not-a-date"]}, "from='not-a-date'"),
        ({"actor": ["Nobody"]}, "actor='Nobody'"),
        ({"type": ["dance"]}, "type='dance'"),
        ({"colour": ["purple"]}, "colour='purple'"),
        ({"sel": ["gone"]}, "sel='gone'"),
        ({"from": ["1990-01-01"]}, "outside the data"),
        ({"link_days": ["1.5"]}, "link_days='1.5'"),
        ({"link_days": ["61"]}, "link_days='61'"),
        ({"link_km": ["nan"]}, "link_km='nan'"),
        ({"link_km": ["-1"]}, "link_km='-1'"),
        ({"stack": ["colour"]}, "stack='colour'"),
        ({"files": ["two"]}, "files='two'"),
        ({"files": ["100"]}, "files='100'"),
    ],
)
def test_bad_parameters_give_a_notice_and_are_ignored(params, notice):
    parsed = parse({**params, "actor": [*params.get("actor", []), "IRGC"]})
    assert any(notice in n for n in parsed.notices), parsed.notices
    assert "IRGC" in parsed.state.actors  # the good part of the URL still applies


def test_out_of_range_dates_are_clamped_and_swapped():
    parsed = parse({"from": ["2017-01-01"], "to": ["2016-01-01"]})
    assert parsed.state.start == pd.Timestamp("2016-01-01")
    assert parsed.state.end == SPAN[1]


def test_comma_separated_actors_are_accepted():
    assert parse({"actor": ["IRGC,Hezbollah"]}).state.actors == ("IRGC", "Hezbollah")


def test_the_link_rules_and_stacking_travel_in_the_link():
    assert to_params(ViewState(link_days=0, link_km=25.0, stack="dataset")) == {
        "link_days": "0", "link_km": "25", "stack": "dataset"}
    state = parse({"link_days": ["0"], "link_km": ["25"]}).state
    assert (state.link_days, state.link_km, state.stack) == (0, 25.0, "type")


@pytest.mark.parametrize(("params", "said"), [
    ({"sub": ["false"]}, "sub='false'"), ({"inview": ["yes"]}, "inview='yes'"),
    ({"list": ["bogus"]}, "list='bogus'"),
])
def test_a_switch_with_another_value_gets_a_notice_and_its_default(params, said):
    """``sub=false`` used to leave sub-units on, and ``list=bogus`` the list beside the map, silently."""
    parsed = parse_params(params, span=None, actors=[], event_types=[])
    assert any(said in notice for notice in parsed.notices), parsed.notices
    assert parsed.state.subunits and not parsed.state.in_view and not parsed.state.wide_list


def test_the_switches_own_values_need_no_notice():
    parsed = parse_params({"sub": ["0"], "inview": ["1"], "list": ["wide"]}, span=None, actors=[],
                          event_types=[])
    assert not parsed.notices
    assert not parsed.state.subunits and parsed.state.in_view and parsed.state.wide_list
    assert not parse_params({"list": ["beside"], "sub": ["1"]}, span=None, actors=[], event_types=[]).notices


def test_a_search_longer_than_a_link_carries_is_cut_with_a_notice():
    parsed = parse_params({"q": ["x" * 250]}, span=None, actors=[], event_types=[])
    assert parsed.state.text == "x" * 200
    assert any("cut to its first 200" in notice for notice in parsed.notices)


def test_a_link_says_how_many_of_the_users_files_were_open_and_the_reopened_page_says_so():
    """Never their names or content: only the count, so that a page reloaded or opened from the
    link says the view had files it does not have (a reload used to drop them without a word)."""
    assert to_params(ViewState(files=2)) == {"files": "2"}
    assert to_params(ViewState(files=0)) == {}
    parsed = parse({"files": ["2"], "actor": ["IRGC"]})
    (said,) = parsed.notices
    assert "2 files of your own" in said and "Add files" in said and "reloaded" in said
    assert parsed.state.files == 0 and parsed.state.actors == ("IRGC",)  # this page has none yet
    assert "a file of your own" in parse({"files": ["1"]}).notices[0]
    assert parse({"files": ["0"]}).notices == []
