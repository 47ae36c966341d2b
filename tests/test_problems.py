"""The problems table: columns, not a Python object per bad row, read as a list of Problems."""

from __future__ import annotations

import numpy as np

from dashboard.ingest.load import load_events
from dashboard.model.problems import Problem, ProblemTable, clip, clip_column, problems_csv, problems_frame
from tests.conftest import make_actor_book

HEADER = "id,date,place,actors,event_type,summary,source,latitude,longitude\n"
ROW = "dup,2016-02-01,Aleppo,IRGC,battle,s,src,36.2,37.16\n"


def test_rows_added_in_bulk_read_as_the_problems_added_one_by_one():
    values = ["ok", "x" * 200, "two\nlines", None, 3.5]
    table = ProblemTable([Problem("f.csv", None, None, "whole file", action="warning")])
    table.add_rows(file="f.csv", lines=np.array([7, 3, 9, 4, 5]), field="date",
                   reason=np.array(["a", "b", "a", "c", "a"], dtype=object), values=values)
    table.append(Problem("f.csv", 2, "id", "empty"))
    expected = [Problem("f.csv", None, None, "whole file", action="warning"),
                *(Problem("f.csv", line, "date", why, clip("" if v is None else v))
                  for line, why, v in zip([7, 3, 9, 4, 5], "abaca", values, strict=True)),
                Problem("f.csv", 2, "id", "empty")]
    assert len(table) == 7 and table == expected and list(table) == expected
    assert table[2].value == "x" * 79 + "…" and table[3].value == "two\\nlines"
    assert table[-1] == expected[-1] and table[1:3] == expected[1:3]
    assert [p.line for p in table.in_line_order()] == [None, 2, 3, 4, 5, 7, 9]
    assert table.has("warning") and not table.has("error")


def test_clip_column_is_clip():
    values = ["", "é" * 81, "a\r\nb", "=SUM(A1)", "x" * 80]
    assert clip_column(values).to_pylist() == [clip(v) for v in values]


def test_the_summary_counts_rows_by_field_reason_and_action():
    table = ProblemTable()
    table.add_rows(file="f", lines=np.arange(2, 1002), field="id", reason="repeats", values=None)
    table.add_rows(file="f", lines=np.array([5, 1500]), field="date", reason="no date")
    table.append(Problem("f", None, None, "a warning", action="warning"))
    summary = table.summary()
    assert summary.to_dict("records")[:2] == [
        {"field": "id", "reason": "repeats", "action": "discarded", "rows": 1000, "first line": 2},
        {"field": "date", "reason": "no date", "action": "discarded", "rows": 2, "first line": 5}]
    assert summary["rows"].sum() == len(table) == 1003
    assert table.summary() is summary  # computed once, however often a page asks


def test_reasons_that_differ_only_by_the_line_they_name_are_one_kind():
    table = ProblemTable()
    table.add_rows(file="f", lines=np.array([3, 4, 9]), field="id", reason=np.array(
        [f"repeats the id of line {n}; the first one is kept" for n in (2, 2, 5)], dtype=object))
    table.add_rows(file="f", lines=np.array([6]), field="fatalities", reason="not 12 or 3")
    assert table.summary()[["reason", "rows", "first line"]].values.tolist() == [
        ["repeats the id of line …; the first one is kept", 3, 3], ["not 12 or 3", 1, 6]]
    assert table[2].reason == "repeats the id of line 5; the first one is kept"  # kept as found


def test_a_million_duplicates_cost_bytes_each_not_objects(tmp_path):
    """100,000 rows repeating one id: 99,999 problems held in a few tens of bytes each (as
    Problem objects they took about 330 bytes each, and most of the load's time)."""
    path = tmp_path / "dup.csv"
    path.write_text(HEADER + ROW * 100_000, encoding="utf-8")
    store = load_events(path, actors=make_actor_book())
    assert len(store) == 1 and len(store.problems) == 99_999
    size = store.problems.frame.memory_usage(deep=True).sum()
    assert size / len(store.problems) < 40, size
    first = store.problems[0]
    assert (first.file, first.line, first.field) == ("dup.csv", 3, "id")
    assert first.reason == "repeats the id of line 2; the first one is kept"


def test_the_csv_of_a_table_matches_the_csv_of_its_problems():
    problems = [Problem("f", 2, "id", "empty", "=1+1"), Problem("f", None, None, "whole", "")]
    table = ProblemTable(problems)
    assert problems_csv(table.frame) == problems_csv(problems_frame(problems))
