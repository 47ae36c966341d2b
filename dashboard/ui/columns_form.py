"""The form that reads a file in none of our formats: the user says which column is which.

It only draws and answers; the app keeps the answer (under its session key) and reloads the
file with it. Column names come from the user's file: they are shown only as the options of
plain selectboxes, never as Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from dashboard.ingest.columnmap import FIELDS, ColumnMap, guess
from dashboard.ui.plain import plain

NONE = "(not in the file)"


def columns_form(columns: Sequence[str], *, current: ColumnMap | None, file_name: str) -> ColumnMap | None:
    """The form, filled with ``current`` or a guess from the column names; the user's map when
    they pressed its button on this run, else None."""
    start = current or guess(columns)
    options = [NONE, *columns]
    with st.form("columns_form", border=True):
        plain(f"{file_name} is in none of the formats we read (ours, ACLED, UCDP GED). Say which of "
              "its columns holds what, and it is read as an event table: a date, and a place name or "
              "coordinates, are needed; the rest is optional (no event type: \"other\"; no source: the "
              "file's name).", tone="info")
        chosen: dict[str, str | None] = {}
        cells = st.columns(3)
        for number, wanted in enumerate(FIELDS):
            picked = start.get(wanted.name)
            index = options.index(picked) if picked in options else 0
            picked_now = cells[number % 3].selectbox(wanted.label, options, index=index,
                                                     key=f"column_{wanted.name}")
            chosen[wanted.name] = None if picked_now == NONE else str(picked_now)
        pressed = st.form_submit_button("Read the file with these columns", type="primary")
    if not pressed:
        return None
    answer = ColumnMap.of(chosen)
    needs = answer.missing()
    if needs:
        plain(f"Still needed: {' and '.join(needs)}.", tone="error")
        return None
    return answer
