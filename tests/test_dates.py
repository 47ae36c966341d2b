"""Dates in several formats, and precision widening a date to its period."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from dashboard.books.gazetteer import Gazetteer
from dashboard.ingest.load import load_events
from dashboard.model.dates import parse_dates, period_end, read_dates
from tests.conftest import make_actor_book

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("text", "expected", "implied"),
    [
        ("2016-02-03", "2016-02-03", ""),
        ("03 February 2016", "2016-02-03", ""),
        ("3 Feb 2016", "2016-02-03", ""),
        ("2016-02-03 00:00:00.000", "2016-02-03", ""),
        ("2016/02/03", "2016-02-03", ""),
        ("2016-02", "2016-02-01", "month"),
        ("February 2016", "2016-02-01", "month"),
        ("2016", "2016-01-01", "year"),
        (" 2016-02-03 ", "2016-02-03", ""),
    ],
)
def test_parse_dates_reads_common_formats(text, expected, implied):
    parsed, precision = parse_dates(pd.Series([text]))
    assert parsed.iloc[0] == pd.Timestamp(expected)
    assert precision.iloc[0] == implied


@pytest.mark.parametrize("text", ["", "yesterday", "2016-13-01", "2016-02-30", "31/31/2016"])
def test_unreadable_dates_are_nat(text):
    parsed, _ = parse_dates(pd.Series([text]))
    assert pd.isna(parsed.iloc[0])


@pytest.mark.parametrize(
    ("start", "precision", "end"),
    [
        ("2016-02-03", "day", "2016-02-03"),
        ("2016-02-03", "week", "2016-02-09"),
        ("2016-02-01", "month", "2016-02-29"),
        ("2016-03-01", "season", "2016-05-31"),
        ("2015-12-01", "season", "2016-02-29"),
        ("2016-01-01", "year", "2016-12-31"),
    ],
)
def test_period_end(start, precision, end):
    result = period_end(pd.Series([pd.Timestamp(start)]), pd.Series([precision]))
    assert result.iloc[0] == pd.Timestamp(end)


# --- One parser, one rule, for every format -------------------------------------------------

OURS_HEADER = ("id,date,date_end,date_precision,place,actors,event_type,fatalities,wounded,"
               "summary,claimed_by,source,quote,dispute,latitude,longitude,loc_precision,"
               "uncertainty_km")


def ours_csv(path: Path, *rows: tuple[str, str, str]) -> Path:
    """Our format, one row per (id, date, date_end, precision), placed by coordinates."""
    lines = [OURS_HEADER]
    lines += [f"{i},{d},{e},{p},Aleppo,IRGC,battle,,,s,,,q,,36.2,37.16,exact," for i, d, e, p in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load(path: Path, fmt: str = "auto"):
    return load_events(path, fmt=fmt, gazetteer=Gazetteer(), actors=make_actor_book())


@pytest.mark.parametrize("text", ["0001-01-01", "1500-01-01", "1677-09-22", "3000-01-01",
                                  "9999-12-31", "02 June 3023", "1500", "3000-02"])
def test_a_date_pandas_cannot_hold_is_one_problem_not_a_crash(tmp_path, text):
    store = load(ours_csv(tmp_path / "e.csv", ("ok", "2016-02-01", "", ""),
                          ("bad", text, "", ""), ("end", "2016-02-02", text, "")))
    assert store.events["id"].tolist() == ["ok"]
    found = [(p.line, p.field, p.action) for p in store.problems]
    assert found == [(3, "date", "discarded"), (4, "date_end", "discarded")]
    assert all("outside 1678-2261" in p.reason for p in store.problems)


def test_acled_and_ucdp_out_of_range_dates_keep_the_rest(tmp_path):
    acled = FIXTURES / "acled_syria_sample.csv"
    lines = acled.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("01 February 2016", "02 June 3023")
    (tmp_path / "acled.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = load(tmp_path / "acled.csv")
    assert len(store) == len(lines) - 2
    bad = [p for p in store.problems if p.field == "event_date"]
    assert [(p.line, p.action) for p in bad] == [(2, "discarded")]
    assert "year 3023" in bad[0].reason

    ucdp = FIXTURES / "ucdp_ged_sample.csv"
    lines = ucdp.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("2016-02-01 00:00:00.000,2016-02-01 00:00:00.000",
                                "2016-02-01 00:00:00.000,9999-12-31")
    (tmp_path / "ucdp.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = load(tmp_path / "ucdp.csv")
    assert len(store) == len(lines) - 1
    end = [p for p in store.problems if p.field == "date_end"]
    assert [(p.line, p.action) for p in end] == [(2, "repaired")] and "9999" in end[0].reason


def test_slash_dates_are_read_in_the_right_order():
    """Swapping day and month anywhere in the parser breaks this."""
    dates = read_dates(pd.Series(["25/02/2016", "03/02/2016", "02/02/2016", "04.02.2016"]))
    assert dates.start.dt.strftime("%Y-%m-%d").tolist() == [
        "2016-02-25", "2016-02-03", "2016-02-02", "2016-02-04"]
    dates = read_dates(pd.Series(["02/25/2016", "03/02/2016"]))
    assert dates.start.dt.strftime("%Y-%m-%d").tolist() == ["2016-02-25", "2016-03-02"]
    assert list(dates.why) == ["", ""]


def test_an_unsettled_slash_date_is_ambiguous_in_every_format(tmp_path):
    dates = read_dates(pd.Series(["03/02/2016", "2016-02-01"]))
    assert pd.isna(dates.start.iloc[0]) and "ambiguous" in dates.why[0]
    assert "3 February or 2 March" in dates.why[0]
    # ours: reported, not silently read as either day
    store = load(ours_csv(tmp_path / "e.csv", ("a", "03/02/2016", "", ""), ("b", "2016-02-01", "", "")))
    assert store.events["id"].tolist() == ["b"]
    assert [(p.line, p.field) for p in store.problems] == [(2, "date")]
    assert "ambiguous" in store.problems[0].reason
    # the end date of another row settles it: day-first
    store = load(ours_csv(tmp_path / "e.csv", ("a", "03/02/2016", "", ""),
                          ("b", "2016-02-01", "25/02/2016", "")))
    assert store.problems == []
    first = store.events.set_index("id").loc["a"]
    assert first["start"] == pd.Timestamp("2016-02-03")
    # ACLED: the same rule, the same words
    acled = FIXTURES / "acled_syria_sample.csv"
    lines = acled.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("01 February 2016", "03/02/2016")
    (tmp_path / "acled.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = [p for p in load(tmp_path / "acled.csv").problems if p.field == "event_date"]
    assert [p.line for p in problems] == [2] and "ambiguous" in problems[0].reason


def test_month_precision_spans_the_whole_month(tmp_path):
    """ACLED's time_precision 3 on a 15 Oct 2022 row: some time in October."""
    store = load(ours_csv(tmp_path / "e.csv", ("m", "2022-10-15", "", "month"),
                          ("y", "2022-10-15", "", "year")))
    events = store.events.set_index("id")
    assert (events.loc["m", "start"], events.loc["m", "end"]) == (
        pd.Timestamp("2022-10-01"), pd.Timestamp("2022-10-31"))
    assert (events.loc["y", "start"], events.loc["y", "end"]) == (
        pd.Timestamp("2022-01-01"), pd.Timestamp("2022-12-31"))
    acled = FIXTURES / "acled_syria_sample.csv"
    lines = acled.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("01 February 2016,2016,1,", "15 October 2022,2022,3,")
    (tmp_path / "acled.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    row = load(tmp_path / "acled.csv").events.set_index("id").loc["SYR1001"]
    assert (row["start"], row["end"], row["date_precision"]) == (
        pd.Timestamp("2022-10-01"), pd.Timestamp("2022-10-31"), "month")


def test_a_million_rows_of_few_dates_parse_quickly():
    values = pd.Series(["2016-02-03", "03 February 2016", "25/02/2016", ""] * 250_000)
    began = time.perf_counter()
    dates = read_dates(values)
    assert time.perf_counter() - began < 5
    assert dates.start.notna().sum() == 750_000
