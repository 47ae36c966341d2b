"""The event model: column names and the small fixed vocabularies every loader maps onto.

Keeping them in one place lets the loader, the validator, the importers (ACLED, UCDP) and the
exports agree on what an event is.
"""

from __future__ import annotations

from collections.abc import Iterable

EVENT_TYPES: dict[str, str] = {
    "battle": "armed clash, offensive, assault or siege",
    "airstrike": "air, drone or missile strike",
    "shelling": "artillery, shelling, explosion or other remote violence that is not an air strike",
    "territory": "a place captured, lost or retaken",
    "deployment": "troops or units arriving, massing or withdrawing",
    "casualties": "deaths, wounded or funerals reported without a battle row of their own",
    "civilians": "violence against civilians",
    "protest": "protest or riot",
    "statement": "official declaration, speech, threat or claim of intent",
    "diplomacy": "meetings, talks, agreements, coordination between states",
    "support": "arms, money, advisers or training supplied",
    "other": "anything else (imported data that fits no other type)",
}

# Order matters: from the finest to the coarsest.
DATE_PRECISIONS: tuple[str, ...] = ("day", "week", "month", "season", "year")

# How well a coordinate is known: a named site, an area whose true extent is wider, or the centroid
# of a governorate, region or country.
LOC_PRECISIONS: tuple[str, ...] = ("exact", "approximate", "centroid")

# The columns of dashboard/data/events.csv ("our" format). latitude/longitude/loc_precision/uncertainty_km
# are optional: without them the place is looked up in the gazetteer.
OUR_REQUIRED: tuple[str, ...] = ("id", "date", "place", "actors", "event_type", "summary", "source")
OUR_COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "date_end",
    "date_precision",
    "place",
    "actors",
    "event_type",
    "fatalities",
    "wounded",
    "summary",
    "claimed_by",
    "source",
    "quote",
    "dispute",
)
OUR_OPTIONAL_GEO: tuple[str, ...] = (
    "latitude",
    "longitude",
    "loc_precision",
    "uncertainty_km",
    "admin1",
    "country",
)

# The in-memory event frame every loader produces and every view reads (through dashboard.events.query).
CANONICAL_COLUMNS: tuple[str, ...] = (
    "id",
    "start",  # datetime64, first day the event may have happened
    "end",  # datetime64, last day (inclusive); a month-precision event spans its month
    "date_precision",
    "place",
    "lat",
    "lon",
    "loc_precision",
    "uncertainty_km",
    "admin1",
    "country",
    "actors",  # ";"-joined canonical actor names
    "event_type",
    "fatalities",  # nullable Int64
    "wounded",  # nullable Int64
    "summary",
    "claimed_by",
    "source",
    "quote",
    "dispute",
    "line",  # line of the input file the row came from
)

# The column naming the dataset each event comes from: a store holds one file's events, or several
# files' events side by side (dashboard.events.combine); ``index_store`` fills it with the store's
# name when a loader did not.
DATASET = "dataset"
STORE_COLUMNS: tuple[str, ...] = (*CANONICAL_COLUMNS, DATASET)

# Between the names of one event's actors: in our files, in the frame (the "actors" column) and in
# actors.csv's aliases. People read the names with SHOWN_ACTOR_SEPARATOR between them.
ACTOR_SEPARATOR = ";"
SHOWN_ACTOR_SEPARATOR = ", "


def split_actors(text: str) -> list[str]:
    """The names of an ``ACTOR_SEPARATOR``-joined list, stripped, empty ones left out."""
    return [name for name in (part.strip() for part in text.split(ACTOR_SEPARATOR)) if name]


def join_actors(names: Iterable[str]) -> str:
    """Names as one list for the "actors" column (the inverse of :func:`split_actors`)."""
    return ACTOR_SEPARATOR.join(names)


def first_actor(text: str) -> str:
    """The list's first name ("" for none): the actor an event's side colour follows."""
    names = split_actors(text)
    return names[0] if names else ""


def shown_actors(text: str) -> str:
    """The list as people read it: "IRGC, Hezbollah"."""
    return SHOWN_ACTOR_SEPARATOR.join(split_actors(text))

# The largest upload, in the unit Streamlit's uploader counts (MB = 10**6 bytes, as its browser
# check does): one number for the browser, the server flag, the loader's check and the captions.
MAX_UPLOAD_MB = 250
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 10**6
# A file the operator names (ATLAS_EVENTS, the command line) has no practical cap: the upload cap
# guards the server against what strangers send, not against its own data.
NAMED_FILE_MAX_BYTES = 2**40
