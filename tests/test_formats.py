"""detect_format and adapt: ACLED, UCDP GED and our own CSV in our columns, every bad row
reported at its line, every good row kept, hostile text kept as plain data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard.ingest.formats import OUT_COLUMNS, acled, adapt, columns_read, detect_format
from dashboard.ingest.formats.dates import iso_column, numeric_order, to_iso
from dashboard.ingest.formats.text import first_sentence, readable, summaries
from dashboard.ingest.readcsv import read_table

FIXTURES = Path(__file__).parent / "fixtures"
ALIASES = {"military forces of syria (2000-)": "Syrian Arab Army",
           "Government of Syria": "Syrian Arab Army", "hezbollah": "Hezbollah"}


def load(name: str, fmt: str = "auto", aliases=None):
    raw = read_table(FIXTURES / name)
    fmt = detect_format(raw.frame.columns) if fmt == "auto" else fmt
    frame, problems = adapt(raw, fmt, actor_aliases=aliases)
    return raw, frame, problems


def by_id(frame: pd.DataFrame, event_id: str) -> pd.Series:
    (row,) = frame.index[frame["id"] == event_id]
    return frame.loc[row]


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["event_id_cnty", "event_date", "actor1", "event_type", "notes"], "acled"),
        (["EVENT_ID_CNTY", " Event Date ", "Actor1", "Event_Type"], "acled"),
        (["id", "date_start", "side_a", "side_b", "best", "where_prec"], "ucdp"),
        (["id", "date", "place", "actors", "event_type", "summary", "source"], "ours"),
        (["Name", "Town", "When"], "unknown"),
        ([], "unknown"),
    ],
)
def test_detect_format(columns, expected):
    assert detect_format(columns) == expected


@pytest.mark.parametrize(
    ("name", "fmt", "rows"),
    [("acled_syria_sample.csv", "acled", 30), ("ucdp_ged_sample.csv", "ucdp", 30),
     ("ours_with_coords.csv", "ours", 12)],
)
def test_samples_keep_every_row_in_our_columns(name, fmt, rows):
    raw, frame, problems = load(name)
    assert detect_format(raw.frame.columns) == fmt
    assert len(frame) == rows
    assert list(frame.columns) == [*OUT_COLUMNS, "line"]
    assert frame["line"].tolist() == list(range(2, rows + 2))
    assert frame.drop(columns="line").isna().sum().sum() == 0
    assert all(isinstance(v, str) for v in frame["summary"])
    assert frame["id"].is_unique and (frame["id"] != "").all()
    assert frame["date"].str.fullmatch(r"\d{4}-\d{2}(-\d{2})?").all()
    assert not [p for p in problems if p.action in ("discarded", "error")]


def test_acled_mapping():
    _, frame, _ = load("acled_syria_sample.csv", aliases=ALIASES)
    first = by_id(frame, "SYR1001")
    assert first["date"] == "2016-02-01" and first["date_precision"] == "day"
    assert first["actors"] == ("Syrian Arab Army;Hezbollah;NDF: National Defence Forces;"
                               "Opposition Rebels (Syria);Jabhat al Nusra")
    assert first["event_type"] == "battle" and first["fatalities"] == "7"
    assert first["summary"] == ("On 1 February 2016, regime forces and Hezbollah clashed with "
                                "rebels and Jabhat al Nusra near Hardatnin.")
    assert first["quote"].endswith("7 rebels were killed.")
    assert (first["source"], first["claimed_by"]) == ("acled:SOHR", "SOHR")
    assert (first["place"], first["admin1"], first["country"]) == ("Hardatnin", "Aleppo", "Syria")
    assert (first["latitude"], first["longitude"]) == ("36.3019", "37.0697")
    assert (first["loc_precision"], first["uncertainty_km"]) == ("exact", "")
    assert by_id(frame, "SYR1002")["event_type"] == "airstrike"
    assert by_id(frame, "SYR1002")["quote"].startswith("On 2 February 2016, Russian warplanes "
                                                       "struck Haritan. 4 civilians & 2")
    assert by_id(frame, "SYR1003")["event_type"] == "territory"
    assert "rebels' supply line" in by_id(frame, "SYR1003")["quote"]
    assert by_id(frame, "SYR1004")["date"] == "2016-02-03"
    assert by_id(frame, "SYR1005")["event_type"] == "shelling"
    assert by_id(frame, "SYR1006")["date_precision"] == "week"
    assert by_id(frame, "SYR1006")["event_type"] == "civilians"
    assert by_id(frame, "SYR1010")["event_type"] == "protest"
    assert by_id(frame, "SYR1011")["date_precision"] == "month"
    assert (by_id(frame, "SYR1008")["loc_precision"], by_id(frame, "SYR1008")["uncertainty_km"]
            ) == ("approximate", "25")
    assert (by_id(frame, "SYR1021")["loc_precision"], by_id(frame, "SYR1021")["uncertainty_km"]
            ) == ("centroid", "75")
    assert by_id(frame, "SYR1021")["event_type"] == "other"
    assert by_id(frame, "SYR1018")["event_type"] == "shelling"
    # Battles / "Non-state actor overtakes territory": a change of hands, so territory.
    assert by_id(frame, "SYR1027")["event_type"] == "territory"
    assert by_id(frame, "SYR1028")["event_type"] == "territory"
    assert by_id(frame, "SYR1029")["event_type"] == "protest"
    assert by_id(frame, "SYR1030")["source"] == "acled:SOHR; Aleppo Media Center"


def test_unknown_actors_are_kept_as_written():
    _, frame, _ = load("acled_syria_sample.csv", aliases=None)
    assert by_id(frame, "SYR1001")["actors"].startswith("Military Forces of Syria (2000-);")


def test_ucdp_mapping():
    _, frame, _ = load("ucdp_ged_sample.csv", aliases=ALIASES)
    first = by_id(frame, "ucdp-171001")
    assert (first["date"], first["date_end"], first["date_precision"]) == (
        "2016-02-01", "2016-02-01", "day")
    assert first["actors"] == "Syrian Arab Army;Syrian insurgents"
    assert (first["event_type"], first["fatalities"]) == ("battle", "9")
    assert first["summary"] == first["quote"] == "Syria troops press Aleppo offensive"
    assert first["claimed_by"] == "SOHR"
    assert first["source"] == "ucdp:Agence France Presse,2016-02-02,Syria troops press Aleppo offensive"
    assert (first["place"], first["admin1"]) == ("Hardatnin village", "Halab governorate")
    assert by_id(frame, "ucdp-171003")["event_type"] == "civilians"
    assert by_id(frame, "ucdp-171004")["event_type"] == "battle"
    assert by_id(frame, "ucdp-171004")["uncertainty_km"] == "25"
    assert by_id(frame, "ucdp-171005")["date_precision"] == "month"
    assert by_id(frame, "ucdp-171006")["date_precision"] == "week"
    assert by_id(frame, "ucdp-171009")["date_precision"] == "week"
    assert by_id(frame, "ucdp-171030")["date_precision"] == "year"
    assert (by_id(frame, "ucdp-171015")["loc_precision"],
            by_id(frame, "ucdp-171015")["uncertainty_km"]) == ("centroid", "50")
    regional = by_id(frame, "ucdp-171023")
    assert (regional["loc_precision"], regional["uncertainty_km"]) == ("centroid", "100")
    assert regional["summary"] == "Government of Syria - IS" and regional["quote"] == ""


@pytest.mark.parametrize(
    ("name", "kept_lines", "reported"),
    [
        ("quoted_newlines.csv", [2, 4, 10, 13],
         [(7, "latitude/longitude", "discarded"), (11, "id", "discarded")]),
        ("dates_mixed.csv", [2, 3, 4, 5, 6, 7, 8, 9, 13],
         [(10, "event_date", "discarded"), (11, "event_date", "discarded"),
          (12, "event_date", "discarded")]),
        ("duplicate_ids.csv", [2, 3, 5, 9],
         [(4, "id", "discarded"), (6, "id", "discarded"), (7, "id", "discarded"),
          (8, "event_date", "discarded")]),
        ("missing_coords.csv", [2, 3, 4, 5, 8, 9],
         [(6, "place", "discarded"), (7, "longitude", "discarded"),
          (8, "latitude/longitude", "repaired"), (10, "latitude", "discarded")]),
        ("dms_coords.csv", [2, 3, 4, 5, 6, 7, 8, 11],
         [(9, "longitude", "discarded"), (10, "latitude", "discarded")]),
        ("swapped_latlon.csv", list(range(2, 15)),
         [(6, "latitude/longitude", "repaired"), (10, "latitude/longitude", "repaired")]),
        ("acled_swapped.csv", [2, 3, 4, 5],
         [(2, "latitude/longitude", "repaired"), (3, "latitude/longitude", "repaired"),
          (5, "latitude/longitude", "warning")]),
        ("out_of_range.csv", [2, 8],
         [(3, "latitude/longitude", "discarded"), (4, "latitude/longitude", "discarded"),
          (5, "latitude/longitude", "discarded"), (6, "latitude/longitude", "discarded"),
          (7, "latitude", "discarded")]),
        ("semicolon.csv", [2, 3, 4], []),
        ("html_entities.csv", [2, 3, 4, 5], []),
        ("xss_payloads.csv", [2, 3, 4, 5, 6], []),
        ("utf16_bom.csv", [2, 3], []),
        ("ragged_rows.csv", [2, 5, 6, 8], []),
    ],
)
def test_bad_rows_are_reported_at_their_line(name, kept_lines, reported):
    raw, frame, problems = load(name)
    assert frame["line"].tolist() == kept_lines
    assert [(p.line, p.field, p.action) for p in problems] == reported
    assert all(p.file == name and p.reason for p in problems)
    dropped = {p.line for p in problems if p.action == "discarded"}
    assert dropped.isdisjoint(kept_lines)
    assert len(frame) + len(dropped) == len(raw.frame)


def test_reasons_name_the_trouble():
    _, _, problems = load("duplicate_ids.csv")
    assert problems[0].reason == "repeats the id of line 2; the first one is kept"
    assert problems[0].value == "SYR1"
    _, _, problems = load("dates_mixed.csv")
    assert "not a real date" in problems[0].reason and problems[0].value == "31 February 2016"
    _, _, problems = load("swapped_latlon.csv")
    assert "swapped" in problems[0].reason and problems[0].value == "40.1408, 35.3359"


def test_dates_in_several_formats_become_iso():
    _, frame, _ = load("dates_mixed.csv")
    assert frame["date"].tolist() == ["2016-02-03"] * 6 + ["2016-02-25", "2016-02-03",
                                                            "2016-02-03"]


def test_coordinates_come_out_as_plain_decimals():
    _, frame, _ = load("dms_coords.csv")
    assert frame["latitude"].astype(float).round(4).tolist() == [
        36.2, 36.2019, 36.2019, 36.2021, 36.2021, 35.93, 36.2019, 35.9306]
    _, frame, _ = load("semicolon.csv")
    assert frame["latitude"].tolist() == ["35.8622", "35.8136", "35.9306"]
    _, frame, _ = load("swapped_latlon.csv")
    deir = by_id(frame, "sw-5")
    assert (deir["latitude"], deir["longitude"]) == ("35.3359", "40.1408")


def test_missing_coordinates_are_left_for_the_gazetteer():
    _, frame, _ = load("missing_coords.csv")
    blank = frame[frame["latitude"] == ""]
    assert blank["line"].tolist() == [2, 3, 4, 5, 8]
    assert (blank["longitude"] == "").all() and (blank["place"] != "").all()


def test_html_entities_in_notes_become_text():
    _, frame, _ = load("html_entities.csv")
    assert frame["quote"].tolist() == [
        "Clashes in Saraqib & Sarmin; rebels' positions hit.",
        'Residents said "the bakery was hit" <b>twice</b>.',
        "Café owner killed – source said 'local'. [size=no report]",
        "Tom & Jerry &amp; friends: AT&T, R&D, 5 < 6.",
    ]
    assert frame["summary"].iloc[2] == "Café owner killed – source said 'local'."


def test_hostile_text_comes_through_unchanged():
    raw, frame, _ = load("xss_payloads.csv")
    for column in ("place", "summary", "source", "quote", "claimed_by"):
        assert frame[column].tolist() == raw.frame[column].tolist()
    assert frame["place"].iloc[0] == "<script>document.title='pwned'</script>"
    assert frame["actors"].iloc[1] == "<img src=x onerror=\"document.title='pwned'\">"
    assert frame["source"].iloc[2] == "javascript:alert(1)"
    assert frame["summary"].iloc[3].startswith("=HYPERLINK(")
    assert (frame["quote"].iloc[3], frame["claimed_by"].iloc[3]) == ("+cmd|' /C calc'!A0",
                                                                     "@SUM(1)")
    assert frame["actors"].iloc[4] == "-2+3"


def test_unknown_format_is_one_error_listing_the_expected_columns():
    _, frame, problems = load("unknown_format.csv")
    assert frame.empty and list(frame.columns) == [*OUT_COLUMNS, "line"]
    (error,) = problems
    assert error.action == "error"
    for column in ("Name", "event_id_cnty", "date_start", "side_a", "place"):
        assert column in error.reason


def test_a_wrong_format_name_is_a_problem_not_an_exception():
    raw = read_table(FIXTURES / "ours_with_coords.csv")
    frame, problems = adapt(raw, "geojson")
    assert frame.empty and problems[0].action == "error" and "geojson" in problems[0].reason


def test_missing_required_columns_are_named():
    raw = read_table(FIXTURES / "acled_syria_sample.csv")
    raw.frame = raw.frame.drop(columns=["location", "actor1"])
    frame, problems = adapt(raw, "acled")
    assert frame.empty
    (error,) = problems
    assert error.action == "error" and "actor1, location" in error.reason


def test_missing_optional_columns_are_a_warning():
    raw = read_table(FIXTURES / "acled_syria_sample.csv")
    raw.frame = raw.frame.drop(columns=["notes", "geo_precision"])
    frame, problems = adapt(raw, "acled")
    assert len(frame) == 30 and (frame["summary"] == "").all()
    assert [p.action for p in problems] == ["warning"]
    assert "geo_precision, notes" in problems[0].reason


def test_an_unreadable_file_adds_nothing():
    raw = read_table(FIXTURES / "binary_garbage.csv")
    frame, problems = adapt(raw, detect_format(raw.frame.columns))
    assert frame.empty and problems == []


def test_unknown_codes_are_reported_once_per_value():
    raw = read_table(FIXTURES / "acled_syria_sample.csv")
    raw.frame.loc[[0, 1, 2], "event_type"] = "Looting"
    raw.frame.loc[[3, 4], "geo_precision"] = "9"
    frame, problems = adapt(raw, "acled")
    assert len(frame) == 30
    assert frame["event_type"].iloc[:3].tolist() == ["other"] * 3
    assert frame["loc_precision"].iloc[3:5].tolist() == ["", ""]
    assert [(p.line, p.field, p.value) for p in problems] == [
        (2, "event_type", "Looting"), (5, "geo_precision", "9")]
    assert "(3 rows)" in problems[0].reason


def test_ours_accepts_short_coordinate_names_and_lists_unused_columns():
    data = (b"id,date,place,actors,event_type,summary,source,lat,lng,notes\n"
            b"e1,2016-02-01,Aleppo,Hezbollah,battle,s,seed,36.2,37.1,extra\n")
    frame, problems = adapt(read_table(data, name="short.csv"), "ours", actor_aliases=ALIASES)
    assert (frame["latitude"].iloc[0], frame["longitude"].iloc[0]) == ("36.2", "37.1")
    assert frame["actors"].iloc[0] == "Hezbollah"
    assert [p.reason for p in problems] == ["columns not used: notes"]


@pytest.mark.parametrize("name", ["acled_syria_sample.csv", "ucdp_ged_sample.csv",
                                  "ours_with_coords.csv", "acled_swapped.csv", "dms_coords.csv"])
def test_reading_only_the_formats_columns_adapts_the_same(name):
    """read_table(columns=columns_read(...)) keeps what the format reads and nothing it needs
    is missed (Columns raises if a format reads a column that was not kept)."""
    every = read_table(FIXTURES / name)
    fmt = detect_format(every.names())
    some = read_table(FIXTURES / name, columns=lambda names: columns_read(fmt, names))
    assert some.names() == every.names()
    full, full_problems = adapt(every, fmt, actor_aliases=ALIASES)
    frame, problems = adapt(some, fmt, actor_aliases=ALIASES)
    assert frame.equals(full) and list(problems) == list(full_problems)


def test_a_column_left_unread_is_never_taken_for_an_empty_one():
    data = (b"id,date,place,actors,event_type,summary,source\n"
            b"e1,2016-02-01,Aleppo,IRGC,battle,s,src\n")
    raw = read_table(data, name="o.csv", columns=lambda names: [n for n in names if n != "source"])
    with pytest.raises(KeyError, match="READS"):
        adapt(raw, "ours")
    assert columns_read("unknown", raw.names()) == []
    assert columns_read("ours", ["ID", "Date", "lng", "notes"]) == ["ID", "Date", "lng"]


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2016-02-03", None, "2016-02-03"),
        ("2016-02-03 00:00:00.000", None, "2016-02-03"),
        ("2016/2/3", None, "2016-02-03"),
        ("03 February 2016", None, "2016-02-03"),
        ("3 Sept 2016", None, "2016-09-03"),
        ("03-Feb-16", None, "2016-02-03"),
        ("Feb 3, 2016", None, "2016-02-03"),
        ("03.02.2016", None, "2016-02-03"),
        ("25/02/2016", None, "2016-02-25"),
        ("02/25/2016", None, "2016-02-25"),
        ("03/02/2016", "dmy", "2016-02-03"),
        ("03/02/2016", "mdy", "2016-03-02"),
        ("", None, ""),
    ],
)
def test_to_iso(text, order, expected):
    assert to_iso(text, order) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [("03/02/2016", "ambiguous"), ("31 February 2016", "not a real date"),
     ("3 Brumaire 2016", "unknown month"), ("soon", "not a date"), ("2016-13-01", "real date")],
)
def test_to_iso_refuses(text, words):
    with pytest.raises(ValueError, match=words):
        to_iso(text)


def test_numeric_order_needs_proof():
    assert numeric_order(["25/02/2016", "03/02/2016"]) == "dmy"
    assert numeric_order(["02/25/2016", "03/02/2016"]) == "mdy"
    assert numeric_order(["03/02/2016"]) is None
    assert numeric_order(["25/02/2016", "02/25/2016"]) is None
    dates, why = iso_column(pd.Series(["03/02/2016", "25/02/2016", None], dtype="str"))
    assert dates.tolist() == ["2016-02-03", "2016-02-25", ""] and list(why) == ["", "", ""]


def test_summaries_match_the_one_row_rule():
    notes = pd.Series([
        "On 3 February 2016, regime forces shelled Saraqib. 2 killed. [size=no report]",
        "Approx. 20 men were killed in the town. More later.",
        "Is it? Yes it is, said the officer to the press. Ok.",
        "word " * 100,
        "No full stop here",
        "Line one of the note\nline two. Then more.",
        "",
    ], dtype="str")
    assert summaries(notes).tolist() == [first_sentence(t) for t in notes]
    assert first_sentence("word " * 100).endswith("…") and len(first_sentence("word " * 100)) <= 300


def test_readable_keeps_tags_as_text():
    values = pd.Series(["&lt;script&gt;", "<script>", "&amp;lt;", "a &#x27;b&#x27;"], dtype="str")
    assert readable(values).tolist() == ["<script>", "<script>", "&lt;", "a 'b'"]


def test_a_large_generated_export_keeps_lines_and_mappings(tmp_path):
    header = ("event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,"
              "assoc_actor_1,actor2,assoc_actor_2,country,admin1,location,latitude,longitude,"
              "geo_precision,source,notes,fatalities")
    kinds = [("Battles", "Armed clash", "battle"), ("Explosions/Remote violence",
              "Air/drone strike", "airstrike"), ("Riots", "Mob violence", "protest")]
    rows, expected = [], []
    for i in range(30_000):
        kind, sub, ours = kinds[i % 3]
        rows.append(f"SYR{i},{i % 28 + 1:02d} February 2016,{i % 3 + 1},{kind},{sub},"
                    f"Hezbollah,A; B,Civilians (Syria),,Syria,Idleb,Saraqib,35.86,36.80,"
                    f"{i % 3 + 1},SOHR,\"Note {i}, with a comma. More.\",{i % 5}")
        expected.append(ours)
    rows[100] = rows[100].replace("35.86,36.80", "36.80,35.86,extra")  # file line 102
    rows[20_000] = rows[20_000].replace("35.86,36.80", "95.0,36.80")  # file line 20002
    rows.append("SYR5,01 February 2016,1,Battles,Armed clash,X,,,,Syria,Idleb,Saraqib,"
                "35.86,36.80,1,SOHR,n,0")  # duplicate of line 7, at line 30002
    path = tmp_path / "acled_big.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    raw, frame, problems = load(str(path))  # FIXTURES / an absolute path is that path
    assert [p.line for p in raw.problems] == [102]
    assert [(p.line, p.field) for p in problems] == [(20002, "latitude/longitude"), (30002, "id")]
    assert len(frame) == 29_998
    assert frame["event_type"].tolist() == [e for i, e in enumerate(expected)
                                            if i not in (100, 20_000)]
    assert (frame["line"] == frame["id"].str[3:].astype(int) + 2).all()
    assert frame["actors"].iloc[0] == "Hezbollah;A;B;Civilians (Syria)"
    assert frame["summary"].iloc[0] == "Note 0, with a comma."
    assert frame["date"].iloc[27] == "2016-02-28"


@pytest.mark.parametrize(("acled_type", "sub_type", "expected"), [
    ("Battles", "Government regains territory", "territory"),
    ("Battles", "Non-state actor overtakes territory", "territory"),
    ("Strategic developments", "Non-violent transfer of territory", "territory"),
    ("Battles", "Armed clash", "battle"),
    ("Looting", "Government regains territory", ""),
])
def test_acled_territory_sub_events_are_territory(acled_type, sub_type, expected):
    assert acled.event_type(acled_type, sub_type) == expected


def test_ucdp_estimates_named_best_est_are_accepted(tmp_path):
    text = (FIXTURES / "ucdp_ged_sample.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    header = header.replace(",best,high,low,", ",best_est,high_est,low_est,")
    (tmp_path / "ged.csv").write_text(header + "\n" + rest, encoding="utf-8")
    raw = read_table(tmp_path / "ged.csv")
    assert detect_format(raw.frame.columns) == "ucdp"
    frame, problems = adapt(raw, "ucdp")
    assert not [p for p in problems if p.action == "error"]
    assert by_id(frame, "ucdp-171001")["fatalities"] == "9"


def test_an_unknown_location_precision_is_taken_as_approximate(tmp_path):
    from dashboard.books.gazetteer import Gazetteer
    from dashboard.ingest.load import load_events

    from .conftest import make_actor_book

    path = tmp_path / "ours.csv"
    path.write_text("id,date,place,actors,event_type,summary,source,quote,latitude,longitude,loc_precision\n"
                    "a,2016-02-01,Aleppo,IRGC,battle,s,x,q,36.2,37.16,street\n", encoding="utf-8")
    store = load_events(path, fmt="ours", gazetteer=Gazetteer(), actors=make_actor_book())
    assert store.events["loc_precision"].tolist() == ["approximate"]
    assert [(p.line, p.field, p.action) for p in store.problems if p.field == "loc_precision"] == [
        (2, "loc_precision", "repaired")]
