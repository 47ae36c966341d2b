"""The problems panel through AppTest: a summary, the first rows, the download built on demand."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


def panel_script(count: int, kinds: int) -> None:
    """A page with only the panel, for a store of ``count`` problems of ``kinds`` reasons."""
    import numpy as np
    import pandas as pd
    import streamlit as st

    import dashboard.ui.problems_panel as panel
    from dashboard.events.store import index_store
    from dashboard.model.problems import Problem, ProblemTable
    from dashboard.model.schema import CANONICAL_COLUMNS

    if "store" not in st.session_state:  # loaded once, as the app holds a loaded dataset
        problems = ProblemTable([Problem("<b>x</b>.csv", None, None, "a file-level warning",
                                         action="warning")])
        lines = np.arange(2, count + 1)
        problems.add_rows(file="<b>x</b>.csv", lines=lines, field="date",
                          reason=np.asarray([f"bad date {i % kinds}" for i in lines], dtype=object),
                          values=pd.Series([f"=HYPERLINK({i})" for i in lines]))
        st.session_state.store = index_store("<b>x</b>.csv", pd.DataFrame(columns=list(CANONICAL_COLUMNS)),
                                             problems=problems)
        st.session_state.csv_built = 0
        made = panel.problems_csv

        def counted(frame):
            st.session_state.csv_built += 1
            return made(frame)

        panel.problems_csv = counted
    panel.problems_panel(st.session_state.store)
    st.slider("a slider", 0, 10, key="slider")


def run(count: int, kinds: int = 3) -> AppTest:
    at = AppTest.from_function(panel_script, args=(count, kinds), default_timeout=30)
    at.run()
    assert not at.exception
    return at


def test_many_problems_show_a_summary_the_first_rows_and_a_download():
    at = run(5_000)
    (expander,) = at.expander
    assert expander.label == "⚠️ 5,000 problems in the data: rows left out or repaired"
    summary, rows = (d.value for d in at.dataframe)
    assert summary["rows"].tolist() == [1667, 1666, 1666, 1]  # lines 2-5000 by line % 3
    assert set(summary["reason"]) == {"bad date 0", "bad date 1", "bad date 2",
                                      "a file-level warning"}
    assert len(rows) == 200 and rows["line"].iloc[1:].tolist() == list(range(2, 201))
    assert rows["value"].iloc[1] == "=HYPERLINK(2)"  # shown as text; the CSV neutralises it
    (button,) = at.get("download_button")
    assert button.proto.label == "Download all 5,000 problems (CSV)"
    assert any("The first 200 of 5,000, by line" in m.proto.body for m in at.get("html"))
    assert not any("<b>x</b>" in m.proto.body for m in at.get("html"))  # the name is escaped


def test_a_rerun_builds_neither_the_csv_nor_the_summary_again():
    at = run(5_000)
    store = at.session_state["store"]
    summary = store.problems.summary()
    at.slider(key="slider").set_value(4).run()
    at.slider(key="slider").set_value(7).run()
    assert not at.exception
    assert at.session_state["csv_built"] == 0  # built only when the user downloads it
    assert store.problems.summary() is summary


def test_the_summary_is_capped_and_says_how_many_kinds_are_left_out():
    at = run(1_000, kinds=150)
    summary = at.dataframe[0].value
    assert len(summary) == 100
    assert any("… and 51 more kinds of problem" in m.proto.body for m in at.get("html"))


@pytest.mark.parametrize("count", [1, 2])
def test_a_few_problems_are_simply_listed(count):
    at = run(count, kinds=1)
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == count
    label = "1 problem" if count == 1 else "2 problems"
    assert at.expander[0].label.startswith(f"⚠️ {label} in the data")


def unmatched_script() -> None:
    """A page with only the panel, for the ACLED sample loaded with the bundled actor book."""
    from pathlib import Path

    import streamlit as st

    from dashboard.ingest.load import load_events
    from dashboard.ui.problems_panel import problems_panel

    if "store" not in st.session_state:
        fixtures = Path(st.session_state["fixtures"])
        st.session_state.store = load_events(fixtures / "acled_syria_sample.csv",
                                             name="<i>acled</i>.csv")
    problems_panel(st.session_state.store)


def test_the_names_that_matched_no_actor_are_listed_with_their_counts():
    from pathlib import Path

    at = AppTest.from_function(unmatched_script, default_timeout=30)
    at.session_state["fixtures"] = str(Path(__file__).resolve().parent / "fixtures")
    at.run()
    assert not at.exception
    store = at.session_state["store"]
    expected = store.unmatched_actors
    assert len(expected) == 4 and expected["events"].tolist() == [10, 3, 2, 1]
    label = "🔎 4 actor names matched no actor in the book"
    (expander,) = [e for e in at.expander if e.label.startswith("🔎")]
    assert expander.label == label
    table = next(d.value for d in at.dataframe if "events" in d.value.columns)
    assert table.to_dict("records") == expected.to_dict("records")
    assert table["name"].tolist()[0] == "Civilians (Syria)"
    bodies = [m.proto.body for m in at.get("html")]
    assert any("In &lt;i&gt;acled&lt;/i&gt;.csv, 4 actor names matched no actor" in b
               for b in bodies)  # plain text: the file's name is escaped, never Markdown
