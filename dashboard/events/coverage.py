"""Which dataset covers what: events per governorate, month and dataset, and how many of them have
a possible match in another open dataset.

The question behind a comparison is "what does one dataset record that another misses, where and
when"; a table of (governorate, month, dataset) with the linked share and the events found only
there answers it, and is what the app shows and lets the user download.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.events.query import recorded_counts
from dashboard.model.schema import DATASET
from dashboard.model.text import neutralise_cell

NO_GOVERNORATE = "(no governorate)"
COVERAGE_COLUMNS = ("governorate", "month", "dataset", "events", "linked", "only_here", "linked_share")


def coverage(events: pd.DataFrame, governorates: np.ndarray) -> pd.DataFrame:
    """Per governorate, month (of the start) and dataset: events, those with a possible match in
    another dataset (``linked``), those without (``only_here``) and the linked share. ``events``
    are a store's rows (or some of them, keeping the store's index); ``governorates`` the store's
    governorate of every row."""
    if events.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in COVERAGE_COLUMNS})
    where = pd.Series(governorates[events.index.to_numpy()], dtype=object).replace("", NO_GOVERNORATE)
    linked = recorded_counts(events) > 1
    table = pd.DataFrame({
        "governorate": where.to_numpy(),
        "month": events["start"].dt.strftime("%Y-%m").fillna("undated").to_numpy(),
        "dataset": events[DATASET].astype(str).to_numpy(),
        "linked": linked.astype(np.int64),
    })
    grouped = table.groupby(["governorate", "month", "dataset"], sort=True).agg(
        events=("linked", "size"), linked=("linked", "sum")).reset_index()
    grouped["only_here"] = grouped["events"] - grouped["linked"]
    grouped["linked_share"] = (grouped["linked"] / grouped["events"]).round(3)
    return grouped[list(COVERAGE_COLUMNS)]


def coverage_csv(table: pd.DataFrame) -> bytes:
    """The table as a CSV safe to open in a spreadsheet: a dataset is named after its file, and
    a file named "=HYPERLINK(...).csv" must stay text (as the events CSV treats its cells)."""
    safe = table.copy()
    for column in ("governorate", "dataset"):
        safe[column] = safe[column].astype(str).map(neutralise_cell)
    return safe.to_csv(index=False).encode("utf-8-sig")
