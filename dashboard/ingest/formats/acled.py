"""ACLED exports (acleddata.com, CSV from the Data Export Tool or the API) in our columns.

Codes follow the ACLED codebook: time_precision 1 day, 2 week, 3 month; geo_precision 1 the
named town, 2 a nearby town or area (~25 km), 3 a region's centroid (~75 km).
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.ingest.formats.common import Columns, Report, actor_names, coded
from dashboard.ingest.formats.dates import iso_column
from dashboard.ingest.formats.text import readable, summaries
from dashboard.ingest.formats.vector import per_combo

TITLE = "ACLED"
SIGNATURE = ("event_id_cnty", "event_date", "actor1", "event_type")
REQUIRED = ("event_id_cnty", "event_date", "event_type", "actor1", "location")
OPTIONAL = ("time_precision", "sub_event_type", "assoc_actor_1", "actor2", "assoc_actor_2",
            "admin1", "country", "latitude", "longitude", "geo_precision", "source", "notes",
            "fatalities")
READS = (*REQUIRED, *OPTIONAL)  # every column convert() reads: the others are never kept
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
GEO_PRECISION = {"1": ("exact", ""), "2": ("approximate", "25"), "3": ("centroid", "75")}
EVENT_TYPES = {
    "battles": "battle",
    "violence against civilians": "civilians",
    "protests": "protest",
    "riots": "protest",
    "explosions/remote violence": "shelling",
    "strategic developments": "other",
}


def event_type(acled_type: str, sub_type: str) -> str:
    """Our event type for ACLED's event_type and sub_event_type ("" when unknown)."""
    ours = EVENT_TYPES.get(" ".join(acled_type.casefold().split()), "")
    sub = sub_type.casefold()
    if ours == "shelling" and "air" in sub and "strike" in sub:
        return "airstrike"
    if ours and "territory" in sub:  # "Government regains territory" is a Battles sub-event
        return "territory"
    return ours


def convert(cols: Columns, report: Report,
            aliases: Mapping[str, str] | None) -> dict[str, object]:
    """Our columns from ACLED's; bad rows are marked in ``report``."""
    absent = cols.missing(OPTIONAL)
    if absent:
        report.file(f"ACLED columns not found, left empty: {', '.join(absent)}", "warning")
    ids = cols["event_id_cnty"]  # an empty id is named after its line by the normaliser

    raw_dates = cols.raw("event_date")
    dates, why = iso_column(raw_dates)
    report.rows(why != "", "event_date", why, raw_dates)
    report.rows((dates == "").to_numpy(dtype=bool), "event_date", "no date")

    kinds = per_combo([cols.raw("event_type"), cols.raw("sub_event_type")], event_type)
    unknown = (kinds == "").to_numpy(dtype=bool)
    report.by_value(unknown, cols.raw("event_type"), "event_type",
                    "not an ACLED event type; recorded as 'other'")
    kinds = kinds.where(~unknown, "other")

    precision = coded(cols.raw("time_precision"), TIME_PRECISION, report, "time_precision")
    geo = cols.raw("geo_precision")
    places = coded(geo, {k: v[0] for k, v in GEO_PRECISION.items()}, report, "geo_precision")
    radius = coded(geo, {k: v[1] for k, v in GEO_PRECISION.items()}, None, "geo_precision")

    notes = readable(cols["notes"])
    source = cols["source"]
    return {
        "id": ids,
        "date": dates,
        "date_precision": precision,
        "place": cols["location"],
        "actors": actor_names([cols.raw(c) for c in ("actor1", "assoc_actor_1", "actor2",
                                                     "assoc_actor_2")], aliases),
        "event_type": kinds,
        "fatalities": cols["fatalities"],
        "summary": summaries(notes),
        "claimed_by": source,
        "source": ("acled:" + source).where(source != "", "acled"),
        "quote": notes,
        "latitude": cols["latitude"],
        "longitude": cols["longitude"],
        "loc_precision": places,
        "uncertainty_km": radius,
        "admin1": cols["admin1"],
        "country": cols["country"],
    }
