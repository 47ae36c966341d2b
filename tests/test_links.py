"""The matcher's rules, on small frames whose right links are known by construction, and on the
ACLED and UCDP samples, which record the same northern Aleppo and Latakia events each its way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dashboard.books.actors import ActorBook
from dashboard.events.combine import combine
from dashboard.events.coverage import coverage
from dashboard.events.links import (
    DISPUTE,
    POSSIBLE,
    LinkRules,
    annotate,
    described,
    differences,
    find_links,
    record_decisions,
)
from dashboard.events.store import index_store
from dashboard.exports.export import export_frame
from dashboard.ingest.load import load_bundled, load_events
from dashboard.model.schema import CANONICAL_COLUMNS

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BOOK = ActorBook.load()


def event(id_: str, day: str, lat: float, lon: float, actors: str, *, end: str | None = None,
          precision: str = "day", km: float = 0.0, kind: str = "battle", fatalities: int | None = None,
          country: str = "Syria", dispute: str = "") -> dict:
    start = pd.Timestamp(day)
    return {"id": id_, "start": start, "end": pd.Timestamp(end) if end else start,
            "date_precision": precision, "place": id_, "lat": lat, "lon": lon,
            "loc_precision": "exact" if km == 0 else "approximate" if km <= 25 else "centroid",
            "uncertainty_km": km, "admin1": "", "country": country, "actors": actors,
            "event_type": kind, "fatalities": fatalities, "wounded": None, "summary": id_,
            "claimed_by": "", "source": "s", "quote": "q", "dispute": dispute, "line": 1}


def store_of(**datasets: list[dict]):
    stores = []
    for name, rows in datasets.items():
        frame = pd.DataFrame(rows, columns=list(CANONICAL_COLUMNS))
        frame["fatalities"] = frame["fatalities"].astype("Int64")
        frame["wounded"] = frame["wounded"].astype("Int64")
        stores.append(index_store(name, frame, actors=BOOK))
    return combine(stores) if len(stores) > 1 else stores[0]


def pairs(store, links, kind: str = POSSIBLE) -> set[tuple[str, str]]:
    ids = store.events["id"].astype(str).to_numpy()
    found = links.frame[links.frame["kind"] == kind]
    return {(ids[a], ids[b]) for a, b in zip(found["a"], found["b"], strict=True) if ids[a] < ids[b]}


ALEPPO = (36.20, 37.16)
TALL_RIFAT = (36.47, 37.10)  # about 30 km north of Aleppo, same governorate
HAMA = (35.13, 36.75)  # another governorate


def test_same_day_same_place_shared_actor_is_a_match_with_its_reasons():
    store = store_of(a=[event("a1", "2016-02-03", *TALL_RIFAT, "Hezbollah;Syrian rebels")],
                     b=[event("b1", "2016-02-03", 36.48, 37.11, "Hezbollah")])
    links = find_links(store)
    assert pairs(store, links) == {("a1", "b1")}
    why = links.of(0)["why"].iloc[0]
    assert why.startswith("same day;") and "km apart" in why and "shared actor: Hezbollah" in why
    assert links.of(0)["score"].iloc[0] > 0.9


def test_days_apart_within_the_tolerance_only():
    rows_b = [event("b-near", "2016-02-06", *ALEPPO, "Hezbollah"),  # 3 days later
              event("b-far", "2016-02-08", *ALEPPO, "Hezbollah")]  # 5 days later
    store = store_of(a=[event("a1", "2016-02-03", *ALEPPO, "Hezbollah")], b=rows_b)
    assert pairs(store, find_links(store, LinkRules(tolerance_days=3))) == {("a1", "b-near")}
    assert pairs(store, find_links(store, LinkRules(tolerance_days=5))) == {("a1", "b-far"), ("a1", "b-near")}
    assert "3 days apart" in find_links(store).of(0)["why"].iloc[0]


def test_a_month_precision_event_meets_the_days_of_its_month():
    store = store_of(a=[event("a-month", "2016-02-01", *ALEPPO, "IRGC", end="2016-02-29", precision="month")],
                     b=[event("b-day", "2016-02-20", *ALEPPO, "IRGC"),
                        event("b-march", "2016-03-10", *ALEPPO, "IRGC")])
    assert pairs(store, find_links(store)) == {("a-month", "b-day")}


def test_distance_counts_both_uncertainties_and_the_users_km():
    # 0.2 degrees of latitude: about 22 km.
    a = [event("a1", "2016-02-03", 36.00, 37.00, "IRGC")]
    exact = store_of(a=a, b=[event("b1", "2016-02-03", 36.20, 37.00, "IRGC")])
    assert pairs(exact, find_links(exact, LinkRules(distance_km=10))) == set()
    assert pairs(exact, find_links(exact, LinkRules(distance_km=25))) == {("a1", "b1")}
    vague = store_of(a=a, b=[event("b1", "2016-02-03", 36.20, 37.00, "IRGC", km=15)])
    assert pairs(vague, find_links(vague, LinkRules(distance_km=10))) == {("a1", "b1")}


def test_a_governorate_level_place_meets_its_governorate_and_never_another():
    store = store_of(a=[event("a-gov", "2016-02-03", *ALEPPO, "IRGC", km=60)],
                     b=[event("b-in", "2016-02-03", *TALL_RIFAT, "IRGC"),
                        event("b-out", "2016-02-03", *HAMA, "IRGC")])
    links = find_links(store)
    assert pairs(store, links) == {("a-gov", "b-in")}
    assert "same governorate (Aleppo)" in links.of(0)["why"].iloc[0]


def test_a_country_level_event_meets_its_country_and_scores_low():
    store = store_of(a=[event("a-syria", "2016-02-03", 35.0, 38.5, "IRGC", km=300)],
                     b=[event("b-aleppo", "2016-02-03", *ALEPPO, "IRGC"),
                        event("b-iraq", "2016-02-03", 33.3, 44.4, "IRGC", country="Iraq")])
    links = find_links(store)
    assert pairs(store, links) == {("a-syria", "b-aleppo")}
    point = store_of(a=[event("a-aleppo", "2016-02-03", *ALEPPO, "IRGC")],
                     b=[event("b-aleppo", "2016-02-03", *ALEPPO, "IRGC")])
    assert links.of(0)["score"].iloc[0] <= find_links(point).of(0)["score"].iloc[0] - 0.25


def test_a_governorate_level_place_outside_the_governorates_meets_its_country():
    baghdad, basra = (33.31, 44.37), (30.51, 47.78)  # in Iraq: no governorate of ours holds them
    store = store_of(a=[event("a-anbar", "2016-02-03", 33.4, 43.3, "IRGC", km=60, country="Iraq")],
                     b=[event("b-baghdad", "2016-02-03", *baghdad, "IRGC", country="Iraq"),
                        event("b-basra", "2016-02-04", *basra, "IRGC", country="Iraq"),
                        event("b-aleppo", "2016-02-03", *ALEPPO, "IRGC")])
    links = find_links(store)
    assert pairs(store, links) == {("a-anbar", "b-baghdad"), ("a-anbar", "b-basra")}
    assert "same country (Iraq)" in links.of(0)["why"].iloc[0]


def test_actors_must_share_a_name_or_a_side():
    store = store_of(a=[event("a1", "2016-02-03", *ALEPPO, "Hezbollah")],
                     b=[event("b-side", "2016-02-03", *ALEPPO, "IRGC"),  # the same side
                        event("b-other", "2016-02-03", *ALEPPO, "Islamic State")])
    links = find_links(store)
    assert pairs(store, links) == {("a1", "b-side")}
    assert "same side: pro-government axis" in links.of(0)["why"].iloc[0]


def test_events_of_one_dataset_are_never_matched_and_periods_over_a_year_are_left_out():
    store = store_of(a=[event("a1", "2016-02-03", *ALEPPO, "IRGC"),
                        event("a2", "2016-02-03", *ALEPPO, "IRGC"),
                        event("a-long", "2011-01-01", *ALEPPO, "IRGC", end="2015-12-31", precision="year")],
                     b=[event("b1", "2016-02-03", *ALEPPO, "IRGC")])
    assert pairs(store, find_links(store)) == {("a1", "b1"), ("a2", "b1")}


def test_each_event_keeps_its_best_candidates_in_each_other_dataset():
    others = [event(f"b{i}", "2016-02-03", 36.20 + i * 0.01, 37.16, "IRGC") for i in range(8)]
    store = store_of(a=[event("a1", "2016-02-03", *ALEPPO, "IRGC")], b=others)
    links = find_links(store, LinkRules(best=3))
    assert len(links.of(int(np.flatnonzero(store.events["id"] == "a1")[0]))) == 3
    assert {b for _, b in pairs(store, links)} == {"b0", "b1", "b2"}, "the nearest three"


def test_competing_claims_of_one_dataset_are_linked_as_such_and_do_not_corroborate():
    store = store_of(a=[event("a-un", "2016-02-03", *ALEPPO, "IRGC", fatalities=42, dispute="toll"),
                        event("a-sohr", "2016-02-03", *ALEPPO, "IRGC", fatalities=35, dispute="toll")])
    links = find_links(store)
    assert pairs(store, links, DISPUTE) == {("a-sohr", "a-un")}
    assert set(links.recorded_in(np.zeros(len(store), np.int64))) == {1}
    said = dict((f, (x, y)) for f, x, y in differences(store, 0, 1))
    assert said["Fatalities"] in {("42", "35"), ("35", "42")}, "tolls side by side, never added"


@pytest.mark.parametrize("held", ["category", "object"])
def test_competing_claims_are_found_from_slugs_however_the_column_is_held(held):
    """Slugs read per distinct text (a category's) or per row give the same claims; a blank, a
    spaced or a missing slug names none."""
    store = store_of(a=[event("a1", "2016-02-03", *ALEPPO, "IRGC", dispute="toll"),
                        event("a2", "2016-02-03", *ALEPPO, "IRGC", dispute=" toll "),
                        event("a3", "2016-02-03", *ALEPPO, "IRGC", dispute=" "),
                        event("a4", "2016-02-03", *ALEPPO, "IRGC", dispute=""),
                        event("a5", "2016-02-03", *ALEPPO, "IRGC", dispute="other")])
    store.events.loc[store.events["id"] == "a4", "dispute"] = None
    if held == "object":
        store.events["dispute"] = store.events["dispute"].astype(object)
    links = find_links(store)
    assert pairs(store, links, DISPUTE) == {("a1", "a2")}
    assert set(described(links.frame)["why"]) == {"same dispute: toll"}


def test_recorded_in_coverage_and_the_export_carry_the_links():
    store = store_of(a=[event("a1", "2016-02-03", *ALEPPO, "IRGC"), event("a2", "2016-03-03", *HAMA, "IRGC")],
                     b=[event("b1", "2016-02-04", *ALEPPO, "IRGC")],
                     c=[event("c1", "2016-02-03", *ALEPPO, "IRGC")])
    annotate(store, find_links(store))
    by_id = dict(zip(store.events["id"], store.events["recorded_in"], strict=True))
    assert by_id == {"a1": 3, "a2": 1, "b1": 3, "c1": 3}
    table = coverage(store.events, store.governorates)
    assert table["events"].sum() == len(store)
    row = table[(table["dataset"] == "a") & (table["month"] == "2016-03")].iloc[0]
    assert (row["governorate"], row["linked"], row["only_here"]) == ("Hama", 0, 1)
    exported = export_frame(store.events).set_index("id")
    assert exported.loc["a1", "linked_ids"].split(";") and "b:b1" in exported.loc["a1", "linked_ids"]
    assert exported.loc["a2", "linked_ids"] == "" and exported.loc["b1", "dataset"] == "b"


def test_the_users_verdicts_overrule_the_matcher_in_recorded_in():
    store = store_of(a=[event("a1", "2016-02-03", *ALEPPO, "IRGC"), event("a2", "2016-03-03", *HAMA, "IRGC")],
                     b=[event("b1", "2016-02-04", *ALEPPO, "IRGC"),
                        event("b2", "2016-06-01", *HAMA, "Hezbollah")],
                     c=[event("c1", "2016-02-03", *ALEPPO, "IRGC")])
    links = find_links(store)
    annotate(store, links)

    def verdict(mine: str, theirs: str, said: str) -> dict:
        datasets = dict(zip(store.events["id"], store.events["dataset"].astype(str), strict=True))
        return {"dataset": datasets[mine], "id": mine, "other_dataset": datasets[theirs],
                "other_id": theirs, "decision": said, "who": "Ana", "when": "2026-12-02T10:00:00Z"}

    # b1 is not a1 (told from either side), and a2 is b2 though the matcher never paired them
    record_decisions(store, [verdict("b1", "a1", "different event"), verdict("a2", "b2", "same event")],
                     links)
    by_id = dict(zip(store.events["id"], store.events["recorded_in"], strict=True))
    assert by_id == {"a1": 2, "a2": 2, "b1": 2, "b2": 2, "c1": 3}
    assert store.events.set_index("id").loc["a1", "decisions"] == \
        "different event as b:b1 (Ana, 2026-12-02T10:00:00Z)"
    record_decisions(store, [], links)  # verdicts withdrawn: the matcher's word again
    assert dict(zip(store.events["id"], store.events["recorded_in"], strict=True)) == \
        {"a1": 3, "a2": 1, "b1": 3, "b2": 1, "c1": 3}


def test_the_acled_and_ucdp_samples_link_the_same_events_written_each_way():
    acled, ucdp = (load_events(FIXTURES / n) for n in ("acled_syria_sample.csv", "ucdp_ged_sample.csv"))
    store = combine([acled, ucdp], labels=["acled", "ucdp"])
    links = find_links(store)
    found = pairs(store, links)
    # Written the ACLED way and the UCDP way: the same day, the same place, a shared actor.
    for known in (("SYR1007", "ucdp-171017"), ("SYR1005", "ucdp-171018"), ("SYR1001", "ucdp-171001"),
                  ("SYR1025", "ucdp-171010")):
        assert known in found, known
    best = links.frame[links.frame["score"] >= 0.99]
    ids = store.events["id"].to_numpy()
    assert all(ids[a].startswith("SYR") != ids[b].startswith("SYR") for a, b in zip(best["a"], best["b"],
                                                                                  strict=True))


@pytest.mark.parametrize("labels", [None, ["curated", "mine"]])
def test_combining_keeps_every_row_names_its_dataset_and_keeps_ids_unique(labels):
    bundled = load_bundled()
    both = combine([bundled, bundled], labels=labels)
    assert len(both) == 2 * len(bundled) and both.events["id"].is_unique
    assert both.events["dataset"].value_counts().tolist() == [len(bundled)] * 2
    assert list(both.events["start"]) == sorted(both.events["start"]), "in date order"


def test_combining_keeps_the_datasets_in_their_order_and_their_text_as_categories():
    """The datasets' order (their markers' outlines, the legend) is the order they were opened in,
    whatever their names; each text column stays a category in text order, as a store keeps it."""
    fixtures = [load_events(FIXTURES / n) for n in ("ucdp_ged_sample.csv", "acled_syria_sample.csv")]
    both = combine([load_bundled(), *fixtures], labels=["zeta", "alpha", "mid"])
    assert list(both.events["dataset"].cat.categories) == ["zeta", "alpha", "mid"]
    for column in ("place", "actors", "summary", "source"):
        held = both.events[column]
        assert isinstance(held.dtype, pd.CategoricalDtype) and held.cat.categories.is_monotonic_increasing
        every = pd.concat([s.events[column].astype(str) for s in (load_bundled(), *fixtures)])
        assert sorted(held.astype(str)) == sorted(every), column


@pytest.mark.parametrize("dtype", ["object", "string[pyarrow]", "large_string[pyarrow]"])
def test_clashing_ids_are_found_whatever_the_strings_are_held_in(dtype):
    """A store read back from the columnar cache holds Arrow strings; an upload may hold objects."""
    first = store_of(a=[event("e1", "2016-02-03", *ALEPPO, "IRGC"), event("e2", "2016-02-04", *HAMA, "IRGC")])
    second = store_of(b=[event("e2", "2016-02-04", *HAMA, "IRGC"), event("e3", "2016-02-05", *HAMA, "IRGC")])
    for store in (first, second):
        kind = pd.ArrowDtype(pa.large_string()) if dtype.startswith("large") else dtype
        store.events["id"] = store.events["id"].astype(kind)
    both = combine([first, second], labels=["a", "b"])
    assert sorted(both.events["id"].astype(str)) == ["b:e2", "e1", "e2", "e3"]


def test_the_north_south_shortcut_drops_no_pair_the_distance_keeps(monkeypatch):
    """Pairs of points farther apart north to south than they may be are dropped before their
    great-circle distance is worked out: the same links as measuring every pair."""
    import dashboard.events.links as links_module

    rng = np.random.default_rng(11)

    def scattered(prefix: str, count: int) -> list[dict]:
        return [event(f"{prefix}{i}", f"2016-02-{1 + i % 5:02d}", float(36.0 + rng.normal(0, 0.15)),
                      float(37.0 + rng.normal(0, 0.15)), "IRGC" if i % 3 else "Hezbollah",
                      km=float(rng.choice([0.0, 2.0, 10.0]))) for i in range(count)]

    store = store_of(a=scattered("a", 150), b=scattered("b", 150))
    rules = LinkRules(distance_km=8)
    shortcut = pairs(store, find_links(store, rules))
    monkeypatch.setattr(links_module, "KM_PER_LATITUDE_DEGREE", 0.0)  # every pair measured
    assert shortcut == pairs(store, find_links(store, rules)) and len(shortcut) > 20


def test_the_shared_actor_named_is_the_first_of_the_list_that_both_name():
    """Two records naming the same two actors: the link names the first as the lists write it."""
    a = [event("a1", "2016-02-03", *ALEPPO, "Syrian rebels;Hezbollah")]
    b = [event("b1", "2016-02-03", *ALEPPO, "Syrian rebels;Hezbollah")]
    store = store_of(a=a, b=b)
    links = find_links(store)
    assert "shared actor: Syrian rebels" in " ".join(described(links.frame)["why"])


def test_a_missing_event_type_counts_as_a_blank_one_in_the_score():
    """Types are compared by their codes: a missing type is the same as a blank one, as when
    they were compared as text ("" either way)."""
    def scored(kind_a, kind_b) -> float:
        store = store_of(a=[event("a1", "2016-02-03", *ALEPPO, "Hezbollah", kind=kind_a)],
                         b=[event("b1", "2016-02-04", *ALEPPO, "Hezbollah", kind=kind_b)])
        return float(find_links(store).frame["score"].iloc[0])

    assert scored("", None) == scored("", "") == scored("battle", "battle") > scored("battle", "protest")
