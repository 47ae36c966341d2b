"""The data's problems on the page: a summary, the first rows and the whole list as a download;
and the actor names of the data that the actor book does not know.

A file can have millions of problems (1.78 million rows repeating one id). Sending them all to
``st.dataframe`` on every rerun made each slider move cost 80-90 s, so the page shows only what a
reader can take in: how many of each kind (the store's summary, computed once per dataset), the
first :data:`SHOWN` by line, and a CSV of all of them that is built only when it is downloaded.
Everything here is computed once per loaded dataset (on its store), so a rerun only redraws it.
"""

from __future__ import annotations

import streamlit as st

from dashboard.events.store import EventStore
from dashboard.model.problems import problems_csv
from dashboard.ui.plain import plain

SHOWN = 200  # problems listed on the page; the download has all of them
KINDS_SHOWN = 100  # rows of the summary shown (a file rarely has more kinds of problem)


def problems_panel(store: EventStore) -> None:
    """The expanders "⚠️ N problems in the data" and "N actor names matched no actor in the
    book" (each only when there is something to say)."""
    _problems(store)
    _unmatched_actors(store)


def _problems(store: EventStore) -> None:
    problems = store.problems
    count = len(problems)
    if not count:
        return
    noun = "problem" if count == 1 else "problems"
    # The label is Markdown: our words and a number only, never the file's name or text.
    with st.expander(f"⚠️ {count:,} {noun} in the data: rows left out or repaired"):
        plain(f"In {store.name}:")
        summary = problems.summary()
        if count > SHOWN or 1 < len(summary) < count:  # when it says more than the list
            plain("By field and reason:")
            st.dataframe(summary.head(KINDS_SHOWN), hide_index=True, width="stretch",
                         key="problem_summary")
            if len(summary) > KINDS_SHOWN:
                plain(f"… and {len(summary) - KINDS_SHOWN:,} more kinds of problem (all in the "
                      "download).")
        if count > SHOWN:
            plain(f"The first {SHOWN:,} of {count:,}, by line:")
        st.dataframe(problems.head(SHOWN), hide_index=True, width="stretch", key="problem_rows")
        st.download_button(f"Download all {count:,} {noun} (CSV)",
                           lambda: problems_csv(problems.frame), on_click="ignore",
                           file_name=f"{store.name}.problems.csv", mime="text/csv",
                           key="problem_csv")


def _unmatched_actors(store: EventStore) -> None:
    unmatched = store.unmatched_actors
    if unmatched.empty:
        return
    count = len(unmatched)
    names = "actor name" if count == 1 else "actor names"
    with st.expander(f"🔎 {count:,} {names} matched no actor in the book"):
        plain(f"In {store.name}, {count:,} {names} matched no actor, alias or dataset name of "
              "the actor book, so a filter by an actor or a side does not find their events. "
              "They are kept as written and can be chosen by name.")
        st.dataframe(unmatched, hide_index=True, width="stretch", key="unmatched_actors",
                     column_config={"name": "actor name as written", "events": "events"})
