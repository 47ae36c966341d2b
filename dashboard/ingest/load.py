"""Load any events file into an EventStore: read, detect the format, adapt, normalise, index.

Every row that cannot be used is kept out with a Problem that names its line, field and reason;
every row that can be used is kept. The app and the ``validate`` command share this one path, so
the app never shows data that ``validate`` would reject without saying so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa

from dashboard import DATA_DIR
from dashboard.books.actors import DEFAULT_ACTORS, ActorBook
from dashboard.books.gazetteer import DEFAULT_GAZETTEER, Gazetteer
from dashboard.books.sources import DEFAULT_SOURCES, SourceBook
from dashboard.events.store import EventStore, index_store, start_then_id_order
from dashboard.ingest.columnmap import ColumnMap, remap
from dashboard.ingest.formats import adapt, columns_read, detect_format
from dashboard.ingest.readcsv import read_table
from dashboard.model.dates import period_end, period_start, read_dates
from dashboard.model.problems import Action, Problem, ProblemTable
from dashboard.model.schema import (
    CANONICAL_COLUMNS,
    DATE_PRECISIONS,
    EVENT_TYPES,
    LOC_PRECISIONS,
    MAX_UPLOAD_BYTES,
    OUR_COLUMNS,
    OUR_OPTIONAL_GEO,
    join_actors,
    split_actors,
)
from dashboard.model.text import numbers_in, unneutralise_column

DEFAULT_EVENTS = DATA_DIR / "events.csv"
log = logging.getLogger(__name__)


class _Report:
    """Collects problems for rows picked by boolean masks, and which rows are dropped."""

    def __init__(self, name: str, lines: np.ndarray) -> None:
        self.name = name
        self.lines = lines
        self.dropped = np.zeros(len(lines), dtype=bool)
        self.problems = ProblemTable()

    def add(
        self, mask: np.ndarray | pd.Series, field: str, reason: str | np.ndarray, values: pd.Series,
        action: Action
    ) -> None:
        """One problem per row in ``mask``; ``reason`` may be one per row (a date's reason says
        what is wrong with that date)."""
        rows = np.flatnonzero(np.asarray(mask, dtype=bool) & ~self.dropped)
        if not len(rows):
            return
        why = reason if isinstance(reason, str) else np.asarray(reason, dtype=object)[rows]
        self.problems.add_rows(file=self.name, lines=self.lines[rows], field=field, reason=why,
                               values=values.iloc[rows], action=action)
        if action == "discarded":
            self.dropped[rows] = True


def _actor_lookup(values: pd.Series, actors: ActorBook) -> tuple[pd.Series, pd.Series]:
    """Canonical ";"-joined actors per row, and the names the book does not know (";"-joined)."""
    codes, uniques = pd.factorize(values)
    canon: list[str] = []
    unknown: list[str] = []
    for text in uniques:
        names = split_actors(str(text))
        mapped = [actors.canonical(n) or n for n in names]
        canon.append(join_actors(dict.fromkeys(mapped)))
        unknown.append(join_actors(n for n in names if actors.canonical(n) is None))

    def per_row(texts: list[str]) -> pd.Series:
        return pd.Series(pd.array(texts, dtype="str").take(codes), index=values.index)

    return per_row(canon), per_row(unknown)


_FROM_GAZETTEER = ("lat", "lon", "precision", "uncertainty_km", "admin1", "country")


def _coordinates(
    frame: pd.DataFrame, report: _Report, gazetteer: Gazetteer
) -> pd.DataFrame:
    """lat, lon, precision, uncertainty, admin1 and country: from the file, else the gazetteer.

    The adapter (formats.finish.coordinates) has already checked the coordinates: each is "" or a
    plain decimal in range, and a row with only one of them is gone.
    """
    lat_text, lon_text = frame["latitude"].str.strip(), frame["longitude"].str.strip()
    lat, lon = numbers_in(lat_text), numbers_in(lon_text)
    given = (lat_text != "") | (lon_text != "")
    places = frame["place"].str.strip()
    found = {name: gazetteer.lookup(name) for name in places[~given].unique() if name}
    known = pd.DataFrame.from_records(
        [{attr: getattr(place, attr) for attr in _FROM_GAZETTEER} | {"name": name}
         for name, place in found.items() if place is not None],
        columns=[*_FROM_GAZETTEER, "name"]).set_index("name")
    missing = ~given & ~places.isin(known.index)
    report.add(missing, "place", "not in the gazetteer, and the row has no coordinates", places,
               "discarded")
    looked_up = known.reindex(places[~given]).set_axis(places.index[~given])

    def from_gazetteer(attr: str) -> pd.Series:
        return looked_up[attr].reindex(places.index)

    out = pd.DataFrame(index=frame.index)
    out["lat"] = lat.where(given, from_gazetteer("lat")).astype(float)
    out["lon"] = lon.where(given, from_gazetteer("lon")).astype(float)
    precision = frame["loc_precision"].str.strip().str.lower()
    bad_precision = given & (precision != "") & ~precision.isin(LOC_PRECISIONS)
    report.add(bad_precision, "loc_precision", f"not one of {', '.join(LOC_PRECISIONS)}; "
               "taken as approximate", precision, "repaired")
    precision = precision.where(~bad_precision, "approximate").replace("", "exact")
    out["loc_precision"] = precision.where(given, from_gazetteer("precision"))
    radius = numbers_in(frame["uncertainty_km"]).fillna(0.0)
    out["uncertainty_km"] = radius.where(given, from_gazetteer("uncertainty_km")).astype(float)
    for column in ("admin1", "country"):
        own = frame[column].str.strip()
        out[column] = own.where(own != "", from_gazetteer(column)).fillna("")
    return out


def normalise(
    frame: pd.DataFrame,
    *,
    name: str,
    gazetteer: Gazetteer,
    actors: ActorBook,
    sources: SourceBook | None = None,
    fmt: str = "ours",
) -> tuple[pd.DataFrame, ProblemTable]:
    """Turn an adapted frame (our columns as text, plus ``line``) into canonical events."""
    frame = frame.reset_index(drop=True)  # copy-on-write: the caller's frame is not changed
    for column in (*OUR_COLUMNS, *OUR_OPTIONAL_GEO):
        if column not in frame:
            frame[column] = ""
        frame[column] = frame[column].astype("str").fillna("")
    if fmt == "ours":  # our own CSV exports guard text against spreadsheet formulas: undo that
        for column in ("id", "place", "actors", "summary", "claimed_by", "quote", "dispute"):
            frame[column] = unneutralise_column(frame[column])
    lines = frame["line"].to_numpy() if "line" in frame else np.arange(len(frame)) + 2
    report = _Report(name, lines)

    ids = frame["id"].str.strip()
    unnamed = (ids == "").to_numpy()
    report.add(unnamed, "id", "empty; named after its line", ids, "repaired")
    if unnamed.any():
        ids = ids.mask(unnamed, pd.Series([f"line-{n}" for n in lines], index=frame.index))
    dates = read_dates(frame["date"], also=[frame["date_end"]])
    start, implied = dates.start, dates.implied
    bad = dates.why != ""
    report.add(bad, "date", dates.why, frame["date"], "discarded")
    report.add(start.isna() & ~bad, "date", "no date", frame["date"], "discarded")
    precision = frame["date_precision"].str.strip().str.lower()
    bad = (precision != "") & ~precision.isin(DATE_PRECISIONS)
    report.add(bad, "date_precision", f"not one of {', '.join(DATE_PRECISIONS)}; taken from the "
               "date", precision, "repaired")
    precision = precision.where(~bad & (precision != ""), implied.replace("", "day"))
    ends = read_dates(frame["date_end"], also=[frame["date"]])
    end_given, end_text = ends.start, frame["date_end"].str.strip()
    report.add(ends.why != "", "date_end", ends.why, end_text, "discarded")
    start = period_start(start, precision)
    start_filled = start.fillna(pd.Timestamp(0))
    end = end_given.where(end_given.notna(), period_end(start_filled, precision))
    report.add(end < start, "date_end", "before the start date", end_text, "discarded")

    coords = _coordinates(frame, report, gazetteer)

    canon, unknown = _actor_lookup(frame["actors"], actors)
    if fmt == "ours":
        report.add(unknown != "", "actors", "not in actors.csv", unknown, "warning")

    kinds = frame["event_type"].str.strip().str.lower()
    bad = ~kinds.isin(list(EVENT_TYPES))
    report.add(bad, "event_type", "not in the event type vocabulary; taken as other", kinds,
               "repaired")
    kinds = kinds.where(~bad, "other")

    counts = {}
    for column in ("fatalities", "wounded"):
        text = frame[column].str.strip()
        number = numbers_in(text)
        bad = (text != "") & (number.isna() | (number < 0) | (number % 1 != 0))
        report.add(bad, column, "not a whole number >= 0; left empty", text, "repaired")
        counts[column] = number.where(~bad).astype("Int64")

    if sources is not None:
        known = frame["source"].str.strip().isin(list(sources.rows))
        report.add(~known, "source", "not in sources.csv", frame["source"], "warning")
        found = [
            sources.quote_found(s, q) if ok else None
            for s, q, ok in zip(frame["source"], frame["quote"], known, strict=True)
        ]
        report.add(np.array([f is False for f in found]), "quote",
                   "not found verbatim in the source article", frame["quote"], "warning")

    order = _row_order(start, ids, report.dropped)
    ready = {"id": ids, "start": start, "end": end, "date_precision": precision,
             **{c: coords[c] for c in coords.columns}, "actors": canon, "event_type": kinds,
             **counts, "line": pd.Series(lines)}
    del ids, start, end, precision, coords, canon, unknown, kinds, counts
    # One column at a time, each freed once taken in order: never two copies of every column.
    events = pd.DataFrame({
        name: (ready.pop(name) if name in ready else frame[name].str.strip())
        .take(order).reset_index(drop=True)
        for name in CANONICAL_COLUMNS
    })
    return events, report.problems


def _row_order(start: pd.Series, ids: pd.Series, dropped: np.ndarray) -> np.ndarray:
    """Positions of the kept rows in the store's order (by start date, then id)."""
    order = start_then_id_order(start, ids)
    return order[~dropped[order]]


def _return_freed_memory() -> None:
    """Arrow's allocator keeps freed blocks for reuse; between the loader's steps they would only
    add up to the peak, so they go back to the system."""
    pa.default_memory_pool().release_unused()


def load_events(
    source: str | Path | bytes | BinaryIO,
    *,
    name: str | None = None,
    fmt: str | ColumnMap = "auto",
    gazetteer: Gazetteer | None = None,
    actors: ActorBook | None = None,
    sources: SourceBook | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    on_progress: Callable[[float], None] | None = None,
) -> EventStore:
    """Everything usable in an events file, and a Problem for everything that is not.

    ``fmt`` is "auto", a format's name, or the user's :class:`ColumnMap` for a file in none of
    them."""
    begun = time.monotonic()
    gazetteer = gazetteer or Gazetteer.load(DEFAULT_GAZETTEER)
    actors = actors or ActorBook.load()
    raw = read_table(source, name=name, max_bytes=max_bytes, on_progress=on_progress,
                     columns=_columns_read(fmt))
    _return_freed_memory()  # the file's bytes and the parser's blocks
    label = raw.name
    problems = ProblemTable(raw.problems)
    if problems.has("error") or not len(raw.frame):
        log.info("%s: nothing usable (%s problems)", label, len(problems))
        return index_store(label, pd.DataFrame(columns=list(CANONICAL_COLUMNS)),
                           problems=problems, actors=actors, fmt="unknown")
    if isinstance(fmt, ColumnMap):  # the user said which of their columns is which
        raw, fmt, adapt_as = remap(raw, fmt), "mapped", "ours"
    else:
        fmt = detect_format(raw.names()) if fmt == "auto" else fmt
        adapt_as = fmt
    adapted, adapt_problems = adapt(raw, adapt_as, actor_aliases=actors.alias_map())
    del raw  # the file's own columns: a large file's peak memory is each step's copies at once
    _return_freed_memory()
    problems.extend(adapt_problems)
    if adapt_problems.has("error"):
        log.info("%s: not usable as %s (%s problems)", label, fmt, len(problems))
        return index_store(label, pd.DataFrame(columns=list(CANONICAL_COLUMNS)),
                           problems=problems, actors=actors, fmt=fmt)
    events, more = normalise(adapted, name=label, gazetteer=gazetteer, actors=actors,
                             sources=sources, fmt=fmt)
    del adapted
    _return_freed_memory()
    problems.extend(more)
    store = index_store(label, events, problems=in_line_order(problems), actors=actors, fmt=fmt)
    log.info("loaded %s (format %s): %s events usable, %s problems, in %.2f s", label, fmt,
             f"{len(store):,}", f"{len(store.problems):,}", time.monotonic() - begun)
    return store


def _columns_read(fmt: str | ColumnMap) -> Callable[[list[str]], list[str]]:
    """Which of a header's columns the load will read: the user's mapped ones, or those of
    the format (detected from the header itself when "auto")."""
    if isinstance(fmt, ColumnMap):
        mapped = {theirs for _, theirs in fmt.pairs}
        return lambda header: [name for name in header if name in mapped]
    return lambda header: columns_read(detect_format(header) if fmt == "auto" else fmt, header)


def in_line_order(problems: Iterable[Problem]) -> ProblemTable:
    """Problems by line, the file's own first: reading, adapting and normalising each find their
    own, and a user fixing a file goes through it from the top (stable, so a line's problems keep
    the order they were found in)."""
    table = problems if isinstance(problems, ProblemTable) else ProblemTable(problems)
    return table.in_line_order()


def load_bundled(path: str | Path = DEFAULT_EVENTS) -> EventStore:
    """Curated events with every check on: the gazetteer, actors and sources beside the file (the
    bundled ones where a folder has none), quotes checked against their articles, and the reference
    files' own problems reported with the events'."""
    folder = Path(path).parent

    def beside(name: str, default: Path) -> Path:
        return folder / name if (folder / name).exists() else default

    gazetteer = Gazetteer.load(beside("places.geojson", DEFAULT_GAZETTEER))
    actors = ActorBook.load(beside("actors.csv", DEFAULT_ACTORS))
    sources = SourceBook.load(beside("sources.csv", DEFAULT_SOURCES))
    store = load_events(path, fmt="ours", gazetteer=gazetteer, actors=actors, sources=sources)
    store.problems = ProblemTable.concat([gazetteer.problems, actors.problems, sources.problems,
                                          store.problems])
    return store
