"""A file in none of our formats, read through the user's own choice of columns.

Incident lists come in every shape (the Syrian Archive's ``link, location, latitude, longitude,
date, violation, weapons, description``; a newsroom's spreadsheet). Refusing them is right when we
cannot tell what a column means, but the user can: they say which column holds the date, the
place or the coordinates, the text, and so on (:class:`ColumnMap`), and the file is then read as our
own table, with every check and every problem by line as for any other file. Fields the file lacks
get honest defaults: the event type "other", the file's name as the source, the line as the id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from dashboard.ingest.readcsv import RawTable


@dataclass(frozen=True)
class Field:
    """One of our columns a user's column can fill."""

    name: str  # our column
    label: str  # what the form asks
    guesses: str  # a pattern of column names that usually mean it


FIELDS: tuple[Field, ...] = (
    Field("date", "Date (required)", r"^(event_?)?date|^day$|^time|^when"),
    Field("date_end", "End date", r"date_?end|end_?date|^to$"),
    Field("place", "Place name", r"^(place|location|locality|city|town|village|site|area)"),
    Field("latitude", "Latitude", r"^lat"),
    Field("longitude", "Longitude", r"^(lon|lng|long)"),
    Field("summary", "What happened (text)", r"summary|description|notes?$|text|details|title"),
    Field("actors", "Actors", r"actor|perpetrator|party|parties|side"),
    Field("event_type", "Event type (ours: battle, airstrike, ...)", r"event_?type|^type$"),
    Field("fatalities", "Fatalities", r"fatal|deaths|killed|dead"),
    Field("source", "Source (link or name)", r"source|link|url|reference"),
    Field("quote", "Quote from the source", r"quote|excerpt"),
    Field("id", "Id", r"^(event_?)?id$"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)


@dataclass(frozen=True)
class ColumnMap:
    """Our field -> the user's column, for the fields the user chose."""

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, chosen: Mapping[str, str | None]) -> ColumnMap:
        """From a form's answers (None or "" for a field left out), in our fields' order."""
        unknown = set(chosen) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"not fields we read: {', '.join(sorted(unknown))}")
        return cls(tuple((name, str(chosen[name])) for name in FIELD_NAMES if chosen.get(name)))

    def get(self, field_name: str) -> str | None:
        return dict(self.pairs).get(field_name)

    def missing(self) -> list[str]:
        """What the map still needs: a date, and a place name or both coordinates."""
        needs = []
        if not self.get("date"):
            needs.append("a date column")
        if not self.get("place") and not (self.get("latitude") and self.get("longitude")):
            needs.append("a place column, or latitude and longitude")
        return needs

    def __str__(self) -> str:
        """A short stable name (the cache tells files read through different maps apart)."""
        text = "\x1f".join(f"{ours}={theirs}" for ours, theirs in self.pairs)
        return f"mapped-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def guess(columns: Iterable[str]) -> ColumnMap:
    """A first answer for the form: each field from the first column whose name looks like it."""
    names = [str(c) for c in columns]
    chosen: dict[str, str | None] = {}
    taken: set[str] = set()
    for wanted in FIELDS:
        pattern = re.compile(wanted.guesses, re.IGNORECASE)
        found = next((n for n in names if n not in taken and pattern.search(n.strip())), None)
        if found is not None:
            chosen[wanted.name] = found
            taken.add(found)
    return ColumnMap.of(chosen)


def remap(raw: RawTable, columns: ColumnMap) -> RawTable:
    """``raw`` with our columns taken from the user's, the rest filled with honest defaults; the
    lines stay the file's own, so every problem still names the right line."""
    frame = raw.frame
    present = set(raw.names())
    absent = [theirs for _, theirs in columns.pairs if theirs not in present]
    if absent:
        raise ValueError(f"no such column in {raw.name}: {', '.join(absent)}")
    blank = pd.Series("", index=frame.index, dtype=object)
    out = {name: frame[theirs] for name, theirs in columns.pairs}
    if "place" not in out:  # a point with no name: named by its coordinates
        out["place"] = frame[columns.get("latitude") or ""].str.strip() + ", " + \
            frame[columns.get("longitude") or ""].str.strip()
    if "latitude" in out and "longitude" in out:
        out.setdefault("loc_precision", pd.Series("exact", index=frame.index, dtype=object))
    out.setdefault("event_type", pd.Series("other", index=frame.index, dtype=object))
    out.setdefault("source", pd.Series(raw.name, index=frame.index, dtype=object))
    out.setdefault("actors", blank)
    out.setdefault("summary", blank)
    if "id" not in out:  # named after its line, as the loader names a row with an empty id
        out["id"] = pd.Series([f"line-{n}" for n in raw.lines], index=frame.index, dtype=object)
    mapped = pd.DataFrame(out, index=frame.index)
    return RawTable(raw.name, mapped, raw.lines, raw.problems, raw.encoding, raw.delimiter)
