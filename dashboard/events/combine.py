"""Several datasets in one view: their events side by side in one store, each row naming its dataset.

Every view, filter, export and engine reads one :class:`EventStore`; rather than teach each of them
about several, the open datasets are put together into one store whose ``dataset`` column says
where each row comes from. Rows are never merged: the same battle recorded by ACLED and by UCDP
stays two rows (``dashboard.events.links`` finds that they may be one event, and says why).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.events.store import EventStore, index_store, start_then_id_order
from dashboard.model.frames import stacked
from dashboard.model.problems import ProblemTable
from dashboard.model.schema import DATASET, STORE_COLUMNS

COMBINED_FORMAT = "combined"  # the fmt of a store holding several datasets


def dataset_labels(names: Sequence[str]) -> list[str]:
    """One label per dataset, unique: the file's name, and " (2)", " (3)" for a name seen before
    (the same export opened twice, say, before and after a correction)."""
    seen: dict[str, int] = {}
    labels = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return labels


def _as_array(ids: pd.Series) -> pa.Array:
    """The ids as one Arrow array (an Arrow-backed column comes as a chunked one)."""
    found = pa.array(ids, type=pa.large_string())
    return found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found


def combine(stores: Sequence[EventStore], *, labels: Sequence[str] | None = None,
            name: str = "") -> EventStore:
    """The events of ``stores`` in one store, by start date then id, with their problems.

    ``labels`` name the datasets (their stores' names by default). One store is returned as it
    is. An id found in more than one dataset is written
    ``label:id`` in every dataset after the first that has it, so that a selection, a link or a
    URL names one row; ids found in one dataset only are kept as they are.
    """
    if not stores:
        raise ValueError("combine needs at least one store")
    if len(stores) == 1:
        return stores[0]
    labels = dataset_labels(list(labels) if labels is not None else [store.name for store in stores])
    if len(labels) != len(stores):
        raise ValueError(f"{len(labels)} labels for {len(stores)} datasets")
    frames: list[pd.DataFrame] = []
    seen: list[pa.Array] = []
    for label, store in zip(labels, stores, strict=True):
        frame = store.events.drop(columns=[DATASET])
        ids = frame["id"].astype("str")
        # pyarrow's hash set: pandas' isin on Arrow strings walked a million ids in Python (7 s)
        arrow = _as_array(ids)
        clash = pc.is_in(arrow, value_set=pa.concat_arrays(seen)).to_numpy(zero_copy_only=False) \
            if seen else np.zeros(len(ids), bool)
        if clash.any():
            frame = frame.assign(id=ids.where(~clash, label + ":" + ids))
            arrow = _as_array(frame["id"].astype("str"))
        seen.append(arrow)
        frame[DATASET] = pd.Categorical.from_codes(
            np.full(len(frame), labels.index(label), np.int16), categories=pd.Index(labels))
        frames.append(frame)
    events = stacked(frames, keep_order=(DATASET,))  # the datasets in their own order
    order = start_then_id_order(events["start"], events["id"])
    events = events.take(order).reset_index(drop=True)[list(STORE_COLUMNS)]
    problems = ProblemTable()
    for store in stores:
        problems.extend(store.problems)
    return index_store(name or " + ".join(labels), events, problems=problems,
                       actors=stores[0].actors, fmt=COMBINED_FORMAT)

