"""UCDP Georeferenced Event Dataset (GED) CSVs in our columns.

Releases add and rename secondary columns, so only the core ones are relied on and the rest
are ignored. Codes follow the GED codebook: date_prec 1 day, 2 a 2-6 day range, 3 week,
4 month, 5 year or longer; where_prec 1 exact place, 2 within ~25 km, 3 second-order
administrative unit, 4 first-order unit, 5 a linear feature, 6 country, 7 international waters.
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.ingest.formats.common import Columns, Report, actor_names, coded
from dashboard.ingest.formats.dates import iso_column
from dashboard.ingest.formats.text import readable, summaries
from dashboard.ingest.formats.vector import per_combo

TITLE = "UCDP GED"
SIGNATURE = ("date_start", "side_a", "side_b", "best")
REQUIRED = ("id", "date_start", "side_a", "side_b", "type_of_violence", "best")
OPTIONAL = ("date_end", "date_prec", "where_coordinates", "where_prec", "latitude", "longitude",
            "adm_1", "country", "source_headline", "source_original", "source_article",
            "dyad_name")
# Some releases name the estimates best_est, low_est and high_est.
SYNONYMS = {"best_est": "best", "low_est": "low", "high_est": "high"}
READS = (*REQUIRED, *OPTIONAL, "adm_2", *SYNONYMS)  # every column convert() reads
DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
WHERE_PRECISION = {
    "1": ("exact", ""),
    "2": ("approximate", "25"),
    "3": ("centroid", "50"),
    "4": ("centroid", "100"),
    "5": ("approximate", "100"),
    "6": ("centroid", "300"),
    "7": ("approximate", "300"),
}
VIOLENCE = {"1": "battle", "2": "battle", "3": "civilians"}
SOURCE_LIMIT = 200


def convert(cols: Columns, report: Report,
            aliases: Mapping[str, str] | None) -> dict[str, object]:
    """Our columns from UCDP's; bad rows are marked in ``report``."""
    absent = cols.missing(OPTIONAL)
    if absent:
        report.file(f"UCDP columns not found, left empty: {', '.join(absent)}", "warning")
    raw_ids = cols["id"]  # an empty id is named after its line by the normaliser
    ids = ("ucdp-" + raw_ids.str.replace(r"\.0+$", "", regex=True)).where(raw_ids != "", "")

    start_text, end_text = cols.raw("date_start"), cols.raw("date_end")
    start, why = iso_column(start_text, also=[end_text])
    report.rows(why != "", "date_start", why, start_text)
    report.rows((start == "").to_numpy(dtype=bool), "date_start", "no date")
    end, why_end = iso_column(end_text, also=[start_text])
    report.rows(why_end != "", "date_end", why_end + "; left empty",
                end_text, action="repaired")

    kinds = coded(cols.raw("type_of_violence"), VIOLENCE, None, "type_of_violence")
    unknown = (kinds == "").to_numpy(dtype=bool)
    report.by_value(unknown, cols.raw("type_of_violence"), "type_of_violence",
                    "not a UCDP type of violence (1, 2 or 3); recorded as 'other'")
    kinds = kinds.where(~unknown, "other")

    where = cols.raw("where_prec")
    places = coded(where, {k: v[0] for k, v in WHERE_PRECISION.items()}, report, "where_prec")
    radius = coded(where, {k: v[1] for k, v in WHERE_PRECISION.items()}, None, "where_prec")

    headline = readable(cols["source_headline"])
    original = readable(cols["source_original"])
    article = readable(cols["source_article"]).str.slice(0, SOURCE_LIMIT).str.strip()
    place = per_combo([cols.raw("where_coordinates"), cols.raw("adm_2"), cols.raw("adm_1")],
                      lambda *names: next((n.strip() for n in names if n.strip()), ""))
    summary = headline.where(headline != "", cols.raw("dyad_name"))
    return {
        "id": ids,
        "date": start,
        "date_end": end,
        "date_precision": coded(cols.raw("date_prec"), DATE_PRECISION, report, "date_prec"),
        "place": place,
        "actors": actor_names([cols.raw("side_a"), cols.raw("side_b")], aliases, groups=","),
        "event_type": kinds,
        "fatalities": cols["best"],
        "summary": summaries(summary),
        "claimed_by": original,
        "source": ("ucdp:" + article).where(article != "", "ucdp"),
        "quote": headline,
        "latitude": cols["latitude"],
        "longitude": cols["longitude"],
        "loc_precision": places,
        "uncertainty_km": radius,
        "admin1": cols["adm_1"],
        "country": cols["country"],
    }
