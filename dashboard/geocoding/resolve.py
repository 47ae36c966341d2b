"""Resolve place names: the gazetteer first, then a geocoder, and a reason for every miss.

The gazetteer is curated and wins; a geocoder only fills gaps, and each place it finds records
where its coordinates came from, so that the gazetteer stays a sourced document. Names are
resolved once per normalised key, and two spellings that a geocoder maps to the same feature
become one new place with an alias.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from geopy.geocoders.base import Geocoder

from dashboard.books.gazetteer import Gazetteer
from dashboard.geocoding.base import SearchArea, describe, search_options
from dashboard.geocoding.retry import SHAPE_ERRORS, Answer, RetryingGeocode
from dashboard.model.place import Place, normalize_name


@dataclass(frozen=True, slots=True)
class Resolved:
    name: str
    place: Place
    origin: Literal["gazetteer", "geocoder"]


@dataclass(frozen=True, slots=True)
class Unresolved:
    name: str
    reason: str


@dataclass(slots=True)
class Resolution:
    """Every name, resolved or not; ``new_places`` are the geocoder's finds, to be added."""

    resolved: list[Resolved] = field(default_factory=list)
    unresolved: list[Unresolved] = field(default_factory=list)
    new_places: list[Place] = field(default_factory=list)

    def by_origin(self, origin: str) -> list[Resolved]:
        return [r for r in self.resolved if r.origin == origin]


def _reason(answer: Answer) -> str:
    if answer.outcome == "garbage":
        return f"garbage answer from the geocoder: {answer.detail}"
    if answer.outcome == "failed":
        tries = "no retry" if answer.attempts == 1 else f"{answer.attempts - 1} retries"
        return f"geocoding service failed after {tries}: {answer.detail}"
    return "no match in the gazetteer or the geocoder"


def resolve_places(
    names: Iterable[str],
    *,
    gazetteer: Gazetteer,
    geocoder: Geocoder | None = None,
    area: SearchArea | None = None,
    min_delay_seconds: float | None = None,
    max_retries: int = 2,
    backoff_seconds: float = 2.0,
    today: str | None = None,
    on_result: Callable[[Resolved | Unresolved], None] | None = None,
) -> Resolution:
    """Each name against the gazetteer (name or alias), then ``geocoder`` within ``area``.

    Never raises for a service's failure: timeouts, HTTP 429/5xx after ``max_retries`` retries
    and unparseable answers end as :class:`Unresolved` with the reason. ``today`` (ISO date)
    goes into each new place's coord_source; ``on_result`` sees each outcome as it comes.
    ``min_delay_seconds`` defaults to the geocoder's own ``min_delay_seconds`` attribute, else 1
    (the public Nominatim's limit).
    """
    area = area or SearchArea()
    today = today or dt.date.today().isoformat()
    if min_delay_seconds is None:
        min_delay_seconds = float(getattr(geocoder, "min_delay_seconds", 1.0))
    call = RetryingGeocode(geocoder.geocode, min_delay_seconds=min_delay_seconds,
                           max_retries=max_retries, backoff_seconds=backoff_seconds,
                           ) if geocoder is not None else None
    options = search_options(geocoder, area) if geocoder is not None else {}
    out = Resolution()
    seen: dict[str, Resolved | Unresolved] = {}  # normalised key -> its outcome
    found: dict[str, Place] = {}  # identity -> new place (with later spellings as aliases)
    identity_of: dict[str, str] = {}  # normalised key -> identity
    for name in names:
        key = normalize_name(name)
        if not key:
            outcome: Resolved | Unresolved = Unresolved(name, "empty place name")
        elif key in seen:
            outcome = dataclasses.replace(seen[key], name=name)
        elif (place := gazetteer.lookup(name)) is not None:
            outcome = Resolved(name, place, "gazetteer")
        elif call is None:
            outcome = Unresolved(name, "not in the gazetteer (no geocoder used)")
        else:
            answer = call(name.strip(), exactly_one=True, **options)
            outcome = Unresolved(name, _reason(answer))
            if answer.outcome == "answered" and answer.location is not None:
                try:
                    hit = describe(geocoder, name, answer.location, today=today)
                except SHAPE_ERRORS as error:
                    reason = f"garbage answer from the geocoder: {type(error).__name__}: {error}"
                    outcome = Unresolved(name, reason)
                else:
                    place = hit.place
                    first = found.get(hit.identity)  # another spelling of a place found already
                    if first is not None:
                        aliases = (*first.aliases, name.strip())
                        place = dataclasses.replace(first, aliases=aliases) \
                            if key not in first.match_keys() else first
                    found[hit.identity] = place
                    identity_of[key] = hit.identity
                    outcome = Resolved(name, place, "geocoder")
        if key:
            seen.setdefault(key, outcome)
        if isinstance(outcome, Resolved):
            out.resolved.append(outcome)
        else:
            out.unresolved.append(outcome)
        if on_result is not None:
            on_result(outcome)
    # Geocoded results point at the final place, aliases merged.
    out.resolved = [dataclasses.replace(r, place=found[identity_of[normalize_name(r.name)]])
                    if r.origin == "geocoder" else r for r in out.resolved]
    out.new_places = list(found.values())
    return out
