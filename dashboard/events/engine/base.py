"""The questions a view asks of the events, as one interface every engine answers alike.

A view (``dashboard.events.view.build_view``) never reads rows to count them: it asks a
:class:`Selection` (the events one :class:`~dashboard.events.query.Query` matches) for its mask,
its size, its timeline and its governorates, and the list for its first events. The in-memory
numpy path and the Ibis path (DuckDB embedded, a server engine later) answer through the same
methods, so the parity suite can hold them to the same answers and the views never know which
one ran.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import pandas as pd

from dashboard.events.query import Query

# The columns every timeline answer has, in this order (what facets.timeline returns).
TIMELINE_COLUMNS = ("period", "event_type", "events")


class Selection(ABC):
    """The events one query matches, in the store's order (by start date, then id)."""

    @abstractmethod
    def rows(self) -> np.ndarray:
        """Positions in the store of the matching events, ascending (int64)."""

    @abstractmethod
    def count(self) -> int:
        """How many events match."""

    @abstractmethod
    def timeline(self) -> pd.DataFrame:
        """Matching events per period (the store's bin) and type: ``TIMELINE_COLUMNS``, sorted by
        period then type; events without a start or a type left out."""

    @abstractmethod
    def region_counts(self) -> dict[str, int]:
        """Matching events per governorate, most first, ties by name; events outside every
        governorate (or placed too vaguely for one) left out."""

    @abstractmethod
    def first(self, limit: int) -> pd.DataFrame:
        """The first ``limit`` matching events in the store's order: columns ``row`` and ``id``."""

    def mask(self, size: int) -> np.ndarray:
        """A boolean mask over ``size`` rows (the store's) of the matching events."""
        mask = np.zeros(size, dtype=bool)
        mask[self.rows()] = True
        return mask


class Engine(ABC):
    """One way of answering queries over one store's events."""

    name: str

    @abstractmethod
    def select(self, query: Query) -> Selection:
        """The events ``query`` matches; nothing is computed until a question is asked."""


def sorted_regions(counts: dict[str, int]) -> dict[str, int]:
    """Governorate counts in the one order every engine gives: most first, then by name, without
    the empty name (no governorate) and without zeros."""
    kept = sorted(((name, n) for name, n in counts.items() if name and n),
                  key=lambda item: (-item[1], item[0]))
    return dict(kept)
