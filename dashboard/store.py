"""Loaded data, kept apart from UI state: the canonical event frame plus the indexes the filter uses.

The indexes (days as integers, actors as integer codes on an exploded link table) are built once
per load, so that every slider move filters a million rows with numpy comparisons only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.actors import ActorBook
from dashboard.dates import to_days
from dashboard.problems import Problem
from dashboard.regions import governorate_of
from dashboard.schema import ACTOR_SEPARATOR, CANONICAL_COLUMNS


@dataclass
class EventStore:
    """Events of one file (bundled or a user's), their problems and their filter indexes."""

    name: str
    events: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    actors: ActorBook = field(default_factory=ActorBook)
    fmt: str = "ours"
    start_days: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    end_days: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    actor_names: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    link_row: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    link_actor: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    governorates: np.ndarray = field(default_factory=lambda: np.zeros(0, object))

    def __len__(self) -> int:
        return len(self.events)

    @property
    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First start and last end in the data, or None when it is empty."""
        if self.events.empty:
            return None
        return self.events["start"].min(), self.events["end"].max()

    def actor_counts(self) -> pd.Series:
        """How many events each actor takes part in, most first."""
        counts = np.bincount(self.link_actor, minlength=len(self.actor_names))
        return pd.Series(counts, index=self.actor_names).sort_values(ascending=False)


def index_store(
    name: str,
    events: pd.DataFrame,
    *,
    problems: list[Problem] | None = None,
    actors: ActorBook | None = None,
    fmt: str = "ours",
) -> EventStore:
    """Build the filter indexes for a canonical event frame."""
    events = events.reset_index(drop=True)[list(CANONICAL_COLUMNS)]
    exploded = events["actors"].astype("string").fillna("").str.split(ACTOR_SEPARATOR).explode()
    exploded = exploded.str.strip()
    exploded = exploded[exploded.notna() & (exploded != "")]
    codes, names = pd.factorize(exploded, sort=True)
    return EventStore(
        name=name,
        events=events,
        problems=list(problems or []),
        actors=actors or ActorBook(),
        fmt=fmt,
        start_days=to_days(events["start"]),
        end_days=to_days(events["end"]),
        actor_names=np.asarray(names, dtype=object),
        link_row=exploded.index.to_numpy(dtype=np.int32),
        link_actor=codes.astype(np.int32),
        governorates=governorate_of(events["lat"].to_numpy(float), events["lon"].to_numpy(float)),
    )
