"""Our own event table (the columns of dashboard/data/events.csv), from the user or from dashboard/data/.

Values pass through as written (the normaliser parses dates, numbers and places); this only
checks that the required columns exist, accepts common short names for coordinates, and says
which columns will not be used.
"""

from __future__ import annotations

from collections.abc import Mapping

from dashboard.ingest.formats.common import OUT_COLUMNS, Columns, Report, actor_names
from dashboard.model.schema import OUR_REQUIRED

TITLE = "event table (our format)"
SIGNATURE = ("id", "date", "place", "actors")
REQUIRED = OUR_REQUIRED
SYNONYMS = {"lat": "latitude", "lon": "longitude", "lng": "longitude", "long": "longitude"}
READS = (*OUT_COLUMNS, *SYNONYMS)  # every column convert() reads


def convert(cols: Columns, report: Report,
            aliases: Mapping[str, str] | None) -> dict[str, object]:
    """Our columns as they are; actors made canonical through ``aliases``."""
    for short, full in SYNONYMS.items():
        if cols.has(short) and not cols.has(full):
            cols.names[full] = cols.names[short]
    used = {*OUT_COLUMNS, *SYNONYMS}
    unused = [name for key, name in cols.names.items() if key not in used]
    if unused:
        report.file(f"columns not used: {', '.join(unused)}", "warning")
    out: dict[str, object] = {column: cols[column] for column in OUT_COLUMNS}
    out["actors"] = actor_names([cols.raw("actors")], aliases)
    return out
