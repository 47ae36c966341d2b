"""Checks every format shares once its rows are in our columns: coordinates and repeated ids.

Missing coordinates are not an error here: the row is kept with latitude and longitude ""
and the normaliser looks its place name up in the gazetteer (and reports it if that fails).
Only a row with neither coordinates nor a place name is discarded, as nothing could place it.
Coordinates that are present but unreadable or out of range are discarded, not guessed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.ingest.formats.common import OUT_COLUMNS, Report
from dashboard.ingest.formats.coords import coordinate_column
from dashboard.ingest.formats.geocheck import check_coordinates
from dashboard.ingest.readcsv import STR

PAIR = "latitude/longitude"


def _text(values: object, count: int) -> pd.Series:
    if isinstance(values, pd.Series):
        return values.astype(STR).reset_index(drop=True)
    if isinstance(values, str):
        return pd.Series([values] * count, dtype=STR)
    return pd.Series(np.asarray(values, dtype=object), dtype=STR).fillna("")


def coordinates(out: dict[str, object], report: Report) -> None:
    """Parse, repair and check latitude/longitude in place; write them back as plain decimals."""
    count = len(report.lines)
    lat_text = _text(out["latitude"], count)
    lon_text = _text(out["longitude"], count)
    lat, lat_why, lat_plain = coordinate_column(lat_text, "lat")
    lon, lon_why, lon_plain = coordinate_column(lon_text, "lon")
    report.rows(lat_why != "", "latitude", lat_why, lat_text)
    report.rows(lon_why != "", "longitude", lon_why, lon_text)
    pair = [lat_text, lon_text]
    half = np.isnan(lat) != np.isnan(lon)
    report.rows(half & np.isnan(lon), "longitude", "latitude given without a longitude", pair)
    report.rows(half & np.isnan(lat), "latitude", "longitude given without a latitude", pair)

    # Problems of the pair name both fields, so neither is blamed for the other.
    checked = check_coordinates(lat, lon, _text(out["country"], count))
    report.rows(checked.placeholder, PAIR, "0, 0 is a placeholder, not a place; the "
                "place name will be looked up instead", pair, action="repaired")
    swapped = checked.swapped != ""
    report.rows(swapped, PAIR, "latitude and longitude swapped back: " + checked.swapped,
                pair, action="repaired")
    report.rows(checked.out_of_range, PAIR, "out of range (latitude must be within ±90, "
                "longitude within ±180)", pair)
    report.rows(checked.outside_country, PAIR, "lies outside the row's country",
                pair, action="warning")

    place = (_text(out["place"], count) == "").to_numpy(dtype=bool)
    nowhere = np.isnan(checked.lat) & np.isnan(checked.lon) & place
    report.rows(nowhere, "place", "no coordinates and no place name to look up")

    changed = swapped | checked.placeholder
    out["latitude"] = _decimals(lat_text, checked.lat, lat_plain & ~changed)
    out["longitude"] = _decimals(lon_text, checked.lon, lon_plain & ~changed)


def _decimals(text: pd.Series, degrees: np.ndarray, keep: np.ndarray) -> pd.Series:
    """The text where it already was a plain decimal, else the value written out ("" if NaN)."""
    redo = np.flatnonzero(~keep & ~(np.isnan(degrees) & (text == "").to_numpy(dtype=bool)))
    if not len(redo):
        return text
    result = text.copy()
    result.iloc[redo] = ["" if np.isnan(v) else repr(round(float(v), 6)) for v in degrees[redo]]
    return result


def duplicate_ids(out: dict[str, object], report: Report) -> None:
    """Keep the first row of each id among rows still kept; discard later ones, naming both."""
    ids = _text(out["id"], len(report.lines))
    live = np.flatnonzero(~report.dropped & (ids != "").to_numpy(dtype=bool))
    kept = ids.iloc[live].reset_index(drop=True)
    repeats = kept.duplicated(keep="first").to_numpy(dtype=bool)
    if not repeats.any():
        return
    first = pd.Series(report.lines[live]).groupby(kept.to_numpy(dtype=object)).transform("first")
    reasons = np.full(len(ids), "", dtype=object)
    reasons[live[repeats]] = [f"repeats the id of line {line}; the first one is kept"
                              for line in first.to_numpy()[repeats]]
    report.rows(reasons != "", "id", reasons, ids)


def assemble(out: dict[str, object], report: Report) -> pd.DataFrame:
    """Our columns as strings plus ``line``, without the discarded rows. Columns are taken out of
    ``out`` one at a time, so each full column can be freed once its kept rows are copied."""
    keep = np.flatnonzero(~report.dropped)
    count = len(report.lines)
    everything = len(keep) == count

    def kept(column: pd.Series) -> pd.Series:  # column by column: no full frame of dropped rows
        return column if everything else column.take(keep).reset_index(drop=True)

    columns = {name: kept(_text(out.pop(name, ""), count)) for name in OUT_COLUMNS}
    columns["line"] = kept(pd.Series(report.lines, dtype=np.int64))
    return pd.DataFrame(columns)
