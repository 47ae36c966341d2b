"""Numbers read from a file's text: Arrow's fast cast and pandas' reading give the same answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.model.text import numbers_in

TEXTS = [
    ["1", "2.5", "", "-3", "1e3", "inf", "nan", "+5", ".5", "5."],  # all numbers: the fast cast
    ["1", "x", ""],  # a word: pandas
    [" 5", "6"],  # a space Arrow does not take
    ["1,5"], ["0x10"], ["1_000"], ["Infinity", "-inf", "NaN"],
    ["99999999999999999999", "1"],  # past int64
    ["12345678901234567", ""],  # a whole number a float would round
    ["12345678901234567"],
    [],
]


@pytest.mark.parametrize("values", TEXTS)
@pytest.mark.parametrize("kind", ["str", object, "string"])
def test_numbers_in_reads_as_pandas_does(values, kind):
    text = pd.Series(values, dtype=kind, index=range(3, 3 + len(values)), name="lat")
    got, want = numbers_in(text), pd.to_numeric(text, errors="coerce")
    assert got.index.equals(want.index) and got.name == want.name
    # The same type, but that whole numbers small enough for a float may come as floats.
    assert got.dtype == want.dtype or (want.dtype.kind == "i" and got.dtype.kind == "f")
    assert np.array_equal(got.to_numpy(float, na_value=np.nan), want.to_numpy(float, na_value=np.nan),
                          equal_nan=True)
    if want.dtype.kind == "i" and len(want):  # kept exact where a float would not be
        assert got.dtype.kind == "i" and got.tolist() == want.tolist()


def test_a_column_of_mixed_values_is_read_as_pandas_reads_it():
    mixed = pd.Series([1, "2", None, "x"], dtype=object, name="n")
    got, want = numbers_in(mixed), pd.to_numeric(mixed, errors="coerce")
    pd.testing.assert_series_equal(got, want)


def test_the_loader_keeps_counts_whole_and_reports_the_unreadable(tmp_path):
    """Through load_events: a count past 32 bits stays whole, a word and a fraction are reported."""
    from dashboard.ingest.load import load_events

    header = ("event_id_cnty,event_date,time_precision,event_type,sub_event_type,actor1,"
              "assoc_actor_1,actor2,assoc_actor_2,country,admin1,location,latitude,longitude,"
              "geo_precision,source,notes,fatalities")
    counts = ["3000000000", "many", "2.5", "", "4"]
    rows = [f"SYR{i},0{i + 1} February 2016,1,Battles,Armed clash,Hezbollah,,,,Syria,Idleb,"
            f"Saraqib,35.86,36.8{i},1,SOHR,Note {i}.,{count}" for i, count in enumerate(counts)]
    path = tmp_path / "acled.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    store = load_events(path)
    by_id = store.events.set_index("id")["fatalities"]
    assert by_id["SYR0"] == 3_000_000_000 and by_id["SYR4"] == 4
    assert all(pd.isna(by_id[i]) for i in ("SYR1", "SYR2", "SYR3"))
    assert sorted((p.line, p.field) for p in store.problems) == [(3, "fatalities"), (4, "fatalities")]
    assert store.events["lon"].round(2).tolist() == [36.80, 36.81, 36.82, 36.83, 36.84]


def test_a_column_of_plain_numbers_is_read_without_pandas(monkeypatch):
    """The loaders' text columns take Arrow's cast (a tenth of pandas' time at a million rows)."""
    from dashboard.ingest.readcsv import STR

    def slow(*args, **kwargs):
        raise AssertionError("read by pandas")

    monkeypatch.setattr(pd, "to_numeric", slow)
    assert numbers_in(pd.Series(["36.2", "", "-1e3"], dtype=STR)).tolist()[::2] == [36.2, -1000.0]
