"""What a marker says: the popup and tooltip of an event, every piece of data text escaped.

Dates are written at their precision ("February 2016", "spring 2016") so an imprecise date never
looks exact, and each popup ends with who claims it and the verbatim sentence it rests on.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Mapping

import pandas as pd

from dashboard.mapping.safe import esc
from dashboard.model.schema import shown_actors

SEASONS = {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}
POPUP_QUOTE_LIMIT = 600


@functools.lru_cache(maxsize=1 << 16)
def date_label(start: pd.Timestamp, end: pd.Timestamp, precision: str) -> str:
    """A date as precise as it is known: "3 Feb 2016", "Feb 2016", "spring 2016", "2016".

    Cached: a list and its popups repeat the same few thousand dates on every rerun."""
    if pd.isna(start):
        return "undated"
    if precision == "year":
        label = f"{start.year}"
    elif precision == "season":
        label = f"{SEASONS.get(start.month, start.strftime('%b'))} {start.year}"
    elif precision == "month":
        label = start.strftime("%b %Y")
    else:
        label = f"{start.day} {start.strftime('%b %Y')}"
    natural = {
        "day": start,
        "week": start + pd.Timedelta(days=6),
        "month": start + pd.offsets.MonthEnd(0),
        "season": start + pd.DateOffset(months=3) - pd.Timedelta(days=1),
        "year": start + pd.offsets.YearEnd(0),
    }
    if not pd.isna(end) and end != natural.get(precision, start):
        # A span longer than its precision says: show where it ends, at the same precision.
        if precision == "year":
            return f"{label} – {end.year}" if end.year != start.year else f"{label} (to {end:%-d %b})"
        if precision in ("month", "season"):
            return f"{label} – {end.strftime('%b %Y')}"
        label += f" – {end.day} {end.strftime('%b %Y')}"
    if precision == "week":
        label = f"week of {label}"
    return label


def place_label(event: Mapping) -> str:
    """The place with its precision, when it is not an exact point."""
    text = str(event.get("place") or "unnamed place")
    if event.get("loc_precision") and event["loc_precision"] != "exact":
        radius = event.get("uncertainty_km") or 0
        text += f" ({event['loc_precision']}, ±{radius:g} km)"
    return text


def tooltip_text(event: Mapping) -> str:
    """A one-line hover text; it ends with the event id in brackets, which click handling reads."""
    when = date_label(event["start"], event["end"], event["date_precision"])
    return f"{when} · {event['event_type']} · {event.get('place', '')} [{event['id']}]"


def id_from_tooltip(text: str | None) -> str | None:
    """The event id a tooltip (as returned by st_folium) ends with, if any."""
    text = html.unescape(text or "").strip()
    if not text.endswith("]") or "[" not in text:
        return None
    return text[text.rindex("[") + 1 : -1]


def _count(event: Mapping, column: str) -> str:
    value = event.get(column)
    return "" if value is None or pd.isna(value) else f"{int(value)}"


ALSO_SHOWN = 3  # candidate links named in a popup; the record beside the list has them all


def also_recorded(event: Mapping) -> str:
    """ "acled.csv:SYR1007 (match 0.92), ..." from the links written on the event
    (``dashboard.events.links.annotate``), or "" without any."""
    ids = [i for i in str(event.get("linked_ids") or "").split(";") if i]
    if not ids:
        return ""
    scores = str(event.get("link_scores") or "").split(";")
    named = [f"{i} (match {scores[n]})" if n < len(scores) else i for n, i in enumerate(ids[:ALSO_SHOWN])]
    more = f" and {len(ids) - ALSO_SHOWN} more" if len(ids) > ALSO_SHOWN else ""
    return ", ".join(named) + more + " — possible matches, not facts"


def popup_html(event: Mapping, source: Mapping | None = None) -> str:
    """The popup of one event (escaped; quotes longer than the limit are shortened)."""
    quote = str(event.get("quote") or "")
    if len(quote) > POPUP_QUOTE_LIMIT:
        quote = quote[: POPUP_QUOTE_LIMIT - 1] + "…"
    rows = [
        ("Date", f"{esc(date_label(event['start'], event['end'], event['date_precision']))} "
                 f"<small>({esc(event['date_precision'])})</small>"),
        ("Place", esc(place_label(event))),
        ("Type", esc(event.get("event_type"))),
        ("Actors", esc(shown_actors(str(event.get("actors") or "")))),
        ("Claimed by", esc(event.get("claimed_by"))),
    ]
    for column, label in (("fatalities", "Fatalities"), ("wounded", "Wounded")):
        if _count(event, column):
            rows.append((label, _count(event, column)))
    if event.get("dispute"):
        rows.append(("Disputed", f"competing claims: {esc(event['dispute'])}"))
    source_text = esc(event.get("source"))
    if source:
        source_text = f"{esc(source.get('title'))} — {esc(source.get('outlet'))}"
        if source.get("published"):
            source_text += f", {esc(source['published'])}"
    rows.append(("Source", source_text))
    also = also_recorded(event)
    if also:
        rows.append(("Possibly also in", esc(also)))
    table = "".join(f"<tr><th>{label}</th><td>{value}</td></tr>" for label, value in rows)
    return (
        '<div class="atlas-popup" style="font:12px/1.4 sans-serif;max-width:340px">'
        f"<b>{esc(event.get('summary'))}</b>"
        f'<table style="margin-top:4px;text-align:left;vertical-align:top">{table}</table>'
        f'<blockquote style="margin:6px 0 0;padding-left:6px;border-left:3px solid #999;'
        f'color:#333">“{esc(quote)}”</blockquote></div>'
    )
