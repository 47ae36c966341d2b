"""``python -m dashboard.bench.engines``: the view's filter and counts, numpy path against
Ibis+DuckDB, side by side on the same store.

For each size it makes a synthetic ACLED export, loads it as the app does (the real loader and the
columnar round trip, in memory), builds the DuckDB engine's table, and times what ``build_view``
asks of an engine for one slider move (the mask, the timeline, the governorate counts) over the
same moves on both engines: date ranges as the slider sets them, and the same ranges with a side,
a type and a search. It prints a Markdown table of medians and ratios; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import replace

from dashboard.bench.synth import synthetic_events, to_csv_bytes
from dashboard.bench.worker import windows
from dashboard.events.engine import Engine, engine_for
from dashboard.events.query import Query
from dashboard.events.store import EventStore
from dashboard.ingest.cache import load_cached
from dashboard.model.schema import NAMED_FILE_MAX_BYTES

ENGINES = ("numpy", "duckdb")


def move_ms(engine: Engine, store: EventStore, query: Query) -> float:
    """One slider move's questions to the engine, in milliseconds."""
    began = time.perf_counter()
    selection = engine.select(query)
    selection.mask(len(store))
    selection.timeline()
    selection.region_counts()
    return 1000 * (time.perf_counter() - began)


def moves(store: EventStore, count: int) -> dict[str, list[Query]]:
    """The slider's date ranges, and the same ranges with a side, a type and a search."""
    dates = windows(store, count, seed=1)
    side = next(iter(store.actors.coalitions()), "")
    narrowed = [replace(q, actors=(f"coalition:{side}",) if side else (), event_types=("battle",),
                        text="clash") for q in dates]
    return {"dates": dates, "dates+side+type+text": narrowed}


def measure(size: int, *, repeats: int, log=print) -> list[dict]:
    """Rows of the table for one size: per kind of move, each engine's median and the ratio."""
    data = to_csv_bytes(synthetic_events(size, seed=0))
    began = time.perf_counter()
    store = load_cached(data, name=f"synthetic-{size}.csv", fmt="acled", persist=False,
                        max_bytes=NAMED_FILE_MAX_BYTES)
    del data
    log(f"{size:,} events loaded in {time.perf_counter() - began:.1f} s")
    built = {}
    engines = {}
    for name in ENGINES:
        began = time.perf_counter()
        engines[name] = engine_for(store, name=name)
        built[name] = time.perf_counter() - began
    rows = []
    for kind, queries in moves(store, repeats).items():
        medians = {}
        for name, engine in engines.items():
            move_ms(engine, store, queries[0])  # the first question compiles and warms up
            medians[name] = statistics.median(move_ms(engine, store, q) for q in queries)
        rows.append({"events": size, "moves": kind, "numpy ms": medians["numpy"],
                     "duckdb ms": medians["duckdb"], "duckdb ÷ numpy": medians["duckdb"] / medians["numpy"],
                     "duckdb table built s": built["duckdb"]})
        log(f"  {kind}: numpy {medians['numpy']:.1f} ms, duckdb {medians['duckdb']:.1f} ms")
    return rows


def markdown(rows: Sequence[dict]) -> str:
    """The rows as a Markdown table, numbers with thousands separators."""
    if not rows:
        return ""
    heads = list(rows[0])
    lines = ["| " + " | ".join(heads) + " |", "|" + "|".join("---:" for _ in heads) + "|"]
    for row in rows:
        cells = [f"{v:,}" if isinstance(v, int) else f"{v:,.2f}" if isinstance(v, float) else str(v)
                 for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bench.engines")
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated event counts")
    parser.add_argument("--repeats", type=int, default=5, help="slider moves per kind (median of them)")
    args = parser.parse_args(argv)
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows += measure(size, repeats=args.repeats, log=lambda text: print(text, file=sys.stderr, flush=True))
    print(markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
