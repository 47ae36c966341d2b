"""``python -m dashboard snapshot``: the map (PNG or HTML) or its data for a filter, from a script.

Reports and batch jobs need the same framed maps as the app without clicking through it, and
a series (one map per week or month, optionally as an animated GIF) shows how a front moved.
Examples::

    python -m dashboard snapshot --from 2016-01-01 --to 2016-03-01 --actor IRGC --out aleppo.png
    python -m dashboard snapshot --from 2015-10-01 --to 2016-06-30 --series month --out-dir maps --gif
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dashboard.events.query import BBox, Query
from dashboard.events.scene import MapSpec
from dashboard.exports.snapshot_png import (
    ChromiumMissingError,
    ExtraMissingError,
    SnapshotError,
    gif_frame,
    gif_from_frames,
    render_png,
    render_pngs,
    require_extra,
)
from dashboard.mapping.layers import DEFAULT_LAYERS, LAYER_NAMES
from dashboard.mapping.style import ColourMode
from dashboard.model.atomic import write_bytes_atomic
from dashboard.model.schema import EVENT_TYPES

OUTPUTS = (".png", ".html", ".csv", ".geojson")


class UsageError(ValueError):
    """Arguments that parse but do not make sense together or for this data."""


def _date(text: str) -> pd.Timestamp:
    try:
        value = pd.Timestamp(text)
    except (ValueError, TypeError):
        value = None
    if value is None or pd.isna(value):  # "" and "NaT" parse as NaT
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD)")
    return value.normalize()


def _bbox(text: str) -> BBox:
    try:
        south, west, north, east = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected S,W,N,E in degrees, got {text!r}") from None
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise argparse.ArgumentTypeError(f"not a box (need -90<=S<N<=90, -180<=W<E<=180): {text!r}")
    return south, west, north, east


def _bounded(kind: type, low: float, high: float):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is outside {low:g}..{high:g}")
        return value
    return parse


def _layers(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(dict.fromkeys(args.layers)) or DEFAULT_LAYERS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The snapshot options (shared by ``python -m dashboard snapshot`` and this module's main)."""
    parser.add_argument("--events", help="events file (default: the bundled data)")
    parser.add_argument("--format", default="auto", choices=["auto", "ours", "acled", "ucdp"])
    parser.add_argument("--from", dest="start", type=_date, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=_date, help="last day, YYYY-MM-DD")
    parser.add_argument("--actor", action="append", default=[], help="actor or coalition:SIDE (repeat)")
    parser.add_argument("--no-subunits", action="store_true", help="an actor without its sub-units")
    parser.add_argument("--type", dest="types", action="append", default=[], choices=list(EVENT_TYPES))
    parser.add_argument("--text", default="", help="words to find in summaries and quotes")
    parser.add_argument("--bbox", type=_bbox, help="S,W,N,E: only events in this box, map framed on it")
    parser.add_argument("--colour", default=str(ColourMode.EVENT_TYPE), choices=[str(m) for m in ColourMode])
    parser.add_argument("--title", default="Event Atlas")
    parser.add_argument("--no-cluster", action="store_true", help="draw every marker, no clusters")
    parser.add_argument("--layer", dest="layers", action="append", default=[], choices=list(LAYER_NAMES),
                        help="a map layer to draw (repeat; default: " + ", ".join(DEFAULT_LAYERS) + ")")
    parser.add_argument("--width", type=_bounded(int, 200, 4000), default=1600)
    parser.add_argument("--height", type=_bounded(int, 200, 4000), default=1000)
    parser.add_argument("--scale", type=_bounded(float, 0.5, 4), default=2.0)
    parser.add_argument("--out", type=Path, help="output: .png, .html, .csv or .geojson")
    parser.add_argument("--series", choices=["week", "month", "quarter"],
                        help="one PNG per period from --from to --to, into --out-dir")
    parser.add_argument("--out-dir", type=Path, help="folder for --series")
    parser.add_argument("--gif", action="store_true", help="with --series: also an animated GIF")
    parser.add_argument("--chromium", help="browser executable (default: $ATLAS_CHROMIUM or chromium)")
    parser.add_argument("--html-in", type=Path, help=argparse.SUPPRESS)  # render a page (subprocess)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``snapshot`` on the main command line's sub-parsers."""
    parser = subparsers.add_parser("snapshot", help="export a framed map (PNG/HTML) or its data",
                                   description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _check(args: argparse.Namespace) -> None:
    if args.start is not None and args.end is not None and args.end < args.start:
        raise UsageError(f"--to {args.end.date()} is before --from {args.start.date()}")
    if args.series:
        if args.out_dir is None:
            raise UsageError("--series needs --out-dir")
        if args.out is not None:
            raise UsageError("use --out-dir (not --out) with --series")
    elif args.out is None:
        raise UsageError("--out FILE is required (.png, .html, .csv or .geojson)")
    elif args.out.suffix.lower() not in OUTPUTS:
        raise UsageError(f"--out {args.out}: the name must end in {', '.join(OUTPUTS)}")
    elif args.html_in is not None and args.out.suffix.lower() != ".png":
        raise UsageError("--html-in renders to a .png --out")
    if args.gif and not args.series:
        raise UsageError("--gif needs --series")


def _store(args: argparse.Namespace):
    from dashboard.ingest.load import load_bundled, load_events
    from dashboard.model.schema import NAMED_FILE_MAX_BYTES

    if args.events is None:
        store = load_bundled()
    else:
        path = Path(args.events)
        if not path.is_file():
            raise UsageError(f"--events {path}: no such file")
        store = load_events(path, fmt=args.format, max_bytes=NAMED_FILE_MAX_BYTES)
    if len(store) == 0:
        reasons = "; ".join(str(p) for p in store.problems[:3])
        raise UsageError(f"no usable events in {store.name}" + (f": {reasons}" if reasons else ""))
    known = set(store.actor_names)
    sides = set(store.actors.coalition_keys())
    for actor in args.actor:
        if actor not in known | sides and store.actors.canonical(actor) is None:
            close = difflib.get_close_matches(actor, sorted(known | sides), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UsageError(f"--actor {actor!r} is not an actor in {store.name}{hint}")
    return store


def _sources() -> dict[str, dict]:
    from dashboard.books.sources import SourceBook

    return {k: v.model_dump() for k, v in SourceBook.load().rows.items()}


def _spec(args: argparse.Namespace, query: Query, *, view_box: BBox | None) -> MapSpec:
    return MapSpec(query=query, view_box=view_box, title=args.title, colour_mode=ColourMode(args.colour),
                   cluster=not args.no_cluster, layers=_layers(args))


def _series(args: argparse.Namespace, store, query: Query, sources: dict) -> list[Path]:
    from dashboard.events.query import events_in
    from dashboard.events.timeline import play_windows
    from dashboard.exports.export import export_name
    from dashboard.exports.snapshot import standalone_html

    lo, hi = store.span
    windows = play_windows(query.start or lo, query.end or hi, step=args.series)
    every = events_in(store, query)
    frame_box = args.bbox
    if frame_box is None and len(every):  # one extent for every frame, so maps can be compared
        frame_box = (every["lat"].min(), every["lon"].min(), every["lat"].max(), every["lon"].max())
    queries = [query.with_dates(first, last) for first, last in windows]
    pages = (standalone_html(store, _spec(args, q, view_box=frame_box), sources=sources)
             for q in queries)
    written, frames = [], []
    shots = render_pngs(pages, width=args.width, height=args.height, scale=args.scale,
                        chromium=args.chromium)
    for window_query, png in zip(queries, shots, strict=True):
        written.append(write_bytes_atomic(args.out_dir / export_name(window_query, "png"), png))
        if args.gif:
            frames.append(gif_frame(png))
    if frames:
        gif = gif_from_frames(frames)
        written.append(write_bytes_atomic(args.out_dir / export_name(query, "gif"), gif))
    return written


def _single(args: argparse.Namespace, store, query: Query, sources: dict) -> Path:
    from dashboard.events.query import events_in
    from dashboard.exports.export import to_csv_bytes, to_geojson_bytes
    from dashboard.exports.snapshot import standalone_html

    suffix = args.out.suffix.lower()
    if suffix == ".csv":
        return write_bytes_atomic(args.out, to_csv_bytes(events_in(store, query)))
    if suffix == ".geojson":
        return write_bytes_atomic(args.out, to_geojson_bytes(events_in(store, query), sources))
    page = standalone_html(store, _spec(args, query, view_box=args.bbox), sources=sources)
    if suffix == ".html":
        return write_bytes_atomic(args.out, page.encode("utf-8"))
    png = render_png(page, width=args.width, height=args.height, scale=args.scale,
                     chromium=args.chromium)
    return write_bytes_atomic(args.out, png)


def run(args: argparse.Namespace) -> int:
    """Write the snapshot(s); 0 on success, 2 for bad arguments, 3 without chromium or the snapshot
    extra (for a PNG or a series), 1 otherwise."""
    try:
        _check(args)
        if args.series or args.out.suffix.lower() == ".png":
            require_extra()  # before any work: say at once how to get PNGs
        if args.html_in is not None:
            png = render_png(args.html_in.read_text(encoding="utf-8"), width=args.width,
                             height=args.height, scale=args.scale, chromium=args.chromium,
                             isolate=False)
            written = [write_bytes_atomic(args.out, png)]
        else:
            store = _store(args)
            query = Query(start=args.start, end=args.end, bbox=args.bbox, actors=tuple(args.actor),
                          event_types=tuple(args.types), text=args.text.strip(),
                          include_subunits=not args.no_subunits)
            sources = _sources()
            written = (_series(args, store, query, sources) if args.series
                       else [_single(args, store, query, sources)])
    except UsageError as err:
        print(f"snapshot: error: {err}", file=sys.stderr)
        return 2
    except (ChromiumMissingError, ExtraMissingError) as err:
        print(f"snapshot: {err}", file=sys.stderr)
        return 3
    except (SnapshotError, OSError) as err:
        print(f"snapshot: failed: {err}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``python -m dashboard.exports.snapshot_cli`` (the app's subprocess renders use it)."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.exports.snapshot_cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
