"""How events look: a colour per event type or per side, and the legend that explains it."""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from dashboard.books.actors import ActorBook
from dashboard.mapping.safe import esc
from dashboard.model.schema import EVENT_TYPES


class ColourMode(StrEnum):
    """What a marker's colour says. The values are the words users see and links carry."""

    EVENT_TYPE = "event type"
    SIDE = "side"  # the coalition of the event's first actor


TYPE_COLOURS: dict[str, str] = {
    "battle": "#d62728",
    "airstrike": "#9467bd",
    "shelling": "#8c564b",
    "territory": "#ff7f0e",
    "deployment": "#1f77b4",
    "casualties": "#111111",
    "civilians": "#e377c2",
    "protest": "#bcbd22",
    "statement": "#17becf",
    "diplomacy": "#2ca02c",
    "support": "#7f7f7f",
    "other": "#aaaaaa",
}
SIDE_COLOURS: dict[str, str] = {
    "pro-government axis": "#c0392b",
    "armed opposition": "#27ae60",
    "jihadist groups": "#222222",
    "outside powers": "#2980b9",
    "Kurdish forces": "#f1c40f",
    "unaffiliated": "#95a5a6",
}
# With several datasets open, a marker's outline says which one it comes from (its fill stays the
# type or side), and the timeline stacked by dataset uses the same colours: dark, blue, orange, ...
# in the order the datasets are listed.
DATASET_OUTLINES: tuple[str, ...] = ("#222222", "#1565c0", "#ef6c00", "#00897b", "#8e24aa", "#6d4c41")
CORROBORATED_RADIUS = 3  # pixels added to a marker recorded in more than one dataset


def dataset_outline(number: int) -> str:
    """The outline colour of the ``number``-th open dataset (0-based; repeats past the table)."""
    return DATASET_OUTLINES[number % len(DATASET_OUTLINES)]


HIGHLIGHT = "#ffd400"
HIGHLIGHT_OUTLINE = "#6a3d9a"  # countries holding events known only at country level

assert set(TYPE_COLOURS) == set(EVENT_TYPES), "every event type needs a colour"


def type_colour(event_type: str) -> str:
    """The fill colour of an event type."""
    return TYPE_COLOURS.get(event_type, TYPE_COLOURS["other"])


def side_colour(side: str) -> str:
    """The fill colour of a coalition."""
    return SIDE_COLOURS.get(side, SIDE_COLOURS["unaffiliated"])


def first_sides(actors_column: pd.Series, book: ActorBook) -> pd.Series:
    """The side each event is coloured by: the coalition of its first actor, worked out once per
    distinct actor list (a million rows hold a few hundred)."""
    codes, combos = pd.factorize(actors_column.astype("string").fillna(""), use_na_sentinel=False)
    sides = np.array([book.lead_coalition(str(combo)) for combo in combos], dtype=object)
    return pd.Series(sides[codes] if len(combos) else [], index=actors_column.index, dtype=object)


def legend_values(events: pd.DataFrame, mode: ColourMode, book: ActorBook) -> list[str]:
    """The legend's entries for these events: the types, or the sides, that are present."""
    # Distinct values first: a Python set over a million rows took 0.6 s of a first map.
    if mode == ColourMode.SIDE:
        return sorted(set(first_sides(pd.Series(events["actors"].unique()), book).unique()))
    # The distinct values, then text: a store's categories give them from their codes.
    return sorted({str(value) for value in events["event_type"].unique()})


def legend_entries(mode: ColourMode, present: list[str] | None = None) -> list[tuple[str, str]]:
    """(label, colour) pairs for the legend, limited to the values present when given."""
    table = SIDE_COLOURS if mode == ColourMode.SIDE else TYPE_COLOURS
    keys = [k for k in table if present is None or k in present]
    return [(k, table[k]) for k in keys]


def datasets_legend(datasets: list[str]) -> str:
    """The legend's part for several datasets: each one's outline, and the larger marker of an
    event recorded in more than one (a possible match, not a fact)."""
    if len(datasets) < 2:
        return ""
    rows = "".join(
        f'<div><span style="display:inline-block;width:9px;height:9px;border-radius:50%;'
        f'background:#bbb;border:2.5px solid {dataset_outline(i)};margin-right:5px;'
        f'box-shadow:0 0 0 1px #888"></span>{esc(name)}</div>'
        for i, name in enumerate(datasets))
    return ('<div style="margin-top:5px"><b>Outline: dataset</b></div>' + rows +
            '<div><span style="display:inline-block;width:15px;height:15px;border-radius:50%;'
            'background:#bbb;border:1px solid #333;margin-right:5px;vertical-align:middle"></span>'
            "larger: possibly recorded in another dataset too</div>")


def legend_html(
    mode: ColourMode, present: list[str] | None = None, *, extra: str = "", folded: bool = False
) -> str:
    """A small legend box for the map's corner (all labels escaped)."""
    rows = "".join(
        f'<div><span style="display:inline-block;width:11px;height:11px;border-radius:50%;'
        f'background:{colour};margin-right:5px;border:1px solid #333"></span>{esc(label)}</div>'
        for label, colour in legend_entries(mode, present)
    )
    approx = (
        '<div style="margin-top:4px"><span style="display:inline-block;width:11px;height:11px;'
        'border-radius:50%;border:1.5px dashed #333;margin-right:5px"></span>place known only '
        "approximately (radius = uncertainty)</div>"
    )
    return (
        '<div class="atlas-legend" style="position:absolute;bottom:48px;right:8px;z-index:900;'
        "width:max-content;max-width:230px;"
        "background:rgba(255,255,255,.92);padding:6px 9px;border:1px solid #888;border-radius:4px;"
        f'font:11px/1.3 sans-serif"><details{"" if folded else " open"}>'
        f"<summary><b>Legend · colour: {esc(str(mode))}</b></summary>"
        f"{rows}{approx}{extra}</details></div>"
    )
