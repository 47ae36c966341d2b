"""The benchmark's results as Markdown tables (they go into the README and docs/scaling.md)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import SupportsFloat

from dashboard.bench.sessions import SessionFigures

COLUMNS: tuple[tuple[str, str], ...] = (
    ("n", "events"),
    ("csv_mb", "CSV MB"),
    ("cold_s", "cold load s"),
    ("warm_s", "warm load s"),
    ("filter_ms", "filter ms"),
    ("build_ms", "payload build ms"),
    ("build_ms_max", "build ms (max)"),
    ("payload_kb_median", "payload KB"),
    ("payload_kb_max", "payload KB (max)"),
    ("redraw_s", "redraw s"),
    ("cold_rss_mb", "peak RSS cold MB"),
    ("warm_rss_mb", "peak RSS warm MB"),
    ("naive_build_s", "naive build s"),
    ("naive_kb", "naive KB"),
    ("naive_redraw_s", "naive redraw s"),
    ("ratio_time", "naive ÷ ours, time"),
    ("ratio_bytes", "naive ÷ ours, bytes"),
)
NOTES = (
    "filter, payload build and redraw are medians over the slider moves (the whole span, then "
    "random date ranges); build = the app's map code plus st_folium up to the component call; "
    "payload = the JSON st_folium hands to the browser per rerun; redraw = Debian chromium "
    "swapping in the new layers with the local Leaflet files until two animation frames passed. "
    "The naive way (one folium CircleMarker with a tooltip per event in a MarkerCluster, the "
    "whole map resent and rebuilt per rerun) and the ratios are for all events (the first view); "
    "ours for the same view is the first slider move's figures.",
)


def cell(value: object) -> str:
    """A figure as the table shows it: thousands separated, a sensible number of digits."""
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    if not isinstance(value, SupportsFloat):
        return str(value)
    number = float(value)
    if math.isnan(number):
        return "–"
    if abs(number) >= 100:
        return f"{number:,.0f}"
    if abs(number) >= 10:
        return f"{number:.1f}"
    return f"{number:.2f}"


def markdown(rows: Sequence[Mapping[str, object]]) -> str:
    """One line per size, the columns of COLUMNS."""
    head = "| " + " | ".join(title for _, title in COLUMNS) + " |"
    rule = "|" + "|".join("---:" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(cell(row.get(key)) for key, _ in COLUMNS) + " |" for row in rows]
    return "\n".join([head, rule, *body])


def sessions_text(result: SessionFigures, rows: int) -> str:
    """The concurrency figures in words."""
    lone, crowd = result["lone_p95_s"], result["crowd_p95_s"]
    ratio = crowd / lone if lone and not math.isnan(lone) else float("nan")
    lines = [
        f"Concurrency: the real app (`python -m dashboard serve`, ATLAS_EVENTS = {rows:,} synthetic "
        f"events), time from a slider key press to the map's new layers drawn:",
        f"- 1 session: median {cell(result['lone_median_s'])} s, p95 {cell(lone)} s "
        f"({result['lone_moves']} moves)",
        f"- {result['sessions']} sessions at once, each waiting {result['think_s'][0]:g}-"
        f"{result['think_s'][1]:g} s between moves: median {cell(result['crowd_median_s'])} s, "
        f"p95 {cell(crowd)} s ({result['crowd_moves']} moves); p95 ratio {cell(ratio)}×",
        f"- app memory (VmRSS): {cell(result['rss_lone_mb'])} MB with 1 session open, "
        f"{cell(result['rss_crowd_mb'])} MB with {result['sessions']} open, "
        f"{cell(result['rss_after_moves_mb'])} MB after they all moved at once (the high-water "
        "mark of concurrent reruns' working copies; the data is one shared copy)",
    ]
    lines.append(
        f"- CPU per slider move: {cell(result['server_cpu_per_move_s'])} s in the app, "
        f"{cell(result['browser_cpu_per_move_s'])} s in the browsers (which share this "
        f"machine's {os.cpu_count()} cores with the app here; a user's browser runs on the "
        "user's machine)")
    failures = result["failures"]
    if failures:
        lines.append(f"- {len(failures)} failed moves or sessions: " + "; ".join(sorted(set(failures)))[:400])
    return "\n".join(lines)
