"""One measurement in a process of its own, so that its peak memory is its own.

``python -m dashboard.bench.worker STEP --csv FILE --cache DIR --out DIR`` prints one JSON line.
Steps: ``cold`` (a first start: CSV to store, cache written), ``warm`` (a later start from the
cache, then slider moves: filter and payload per move, payloads saved for the browser) and
``naive`` (a later start, then folium's plain way for every event, payload saved).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.events.query import Query
from dashboard.events.store import EventStore
from dashboard.events.view import build_view
from dashboard.ingest.cache import load_cached
from dashboard.model.schema import NAMED_FILE_MAX_BYTES

ASSET_URL = "static/"  # where the browser harness serves the local Leaflet files


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM, which starts afresh at exec: getrusage's
    ru_maxrss would include the parent's memory at fork time)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def windows(store: EventStore, count: int, *, seed: int = 0) -> list[Query]:
    """Date ranges a user might set with the slider: the whole span first, then random ones."""
    if store.span is None:
        raise ValueError(f"{store.name} has no events to set a date range over")
    first, last = store.span
    days = (last - first).days
    rng = np.random.default_rng(seed)
    queries = [Query(start=first, end=last)]
    for _ in range(count - 1):
        length = int(rng.integers(7, max(8, days // 3)))
        begin = first + pd.Timedelta(days=int(rng.integers(0, max(1, days - length))))
        queries.append(Query(start=begin, end=begin + pd.Timedelta(days=length)))
    return queries


def load(args: argparse.Namespace) -> tuple[EventStore, float]:
    began = time.perf_counter()
    store = load_cached(args.csv, cache_dir=args.cache, max_bytes=NAMED_FILE_MAX_BYTES)
    return store, time.perf_counter() - began


def cold(args: argparse.Namespace) -> dict:
    store, seconds = load(args)
    return {"rows": len(store), "problems": len(store.problems), "cold_s": seconds,
            "cold_rss_mb": peak_rss_mb()}


def warm(args: argparse.Namespace) -> dict:
    from dashboard.bench import payload  # imports streamlit; only this step needs it

    store, seconds = load(args)
    filter_ms, build_ms, sizes, shown = [], [], [], []
    for number, query in enumerate(windows(store, args.moves)):
        began = time.perf_counter()
        view = build_view(store, query)
        filtered = time.perf_counter()
        built = payload.ours(store, view, asset_url=ASSET_URL)
        filter_ms.append(1000 * (filtered - began))
        build_ms.append(1000 * built.seconds)
        sizes.append(built.size)
        shown.append(view.shown)
        (args.out / f"ours-{number:02d}.json").write_text(built.json, encoding="utf-8")
    return {"warm_s": seconds, "filter_ms": statistics.median(filter_ms),
            "build_ms": statistics.median(build_ms), "build_ms_max": max(build_ms),
            "full_build_ms": build_ms[0], "payload_kb_max": max(sizes) / 1024,
            "payload_kb_median": statistics.median(sizes) / 1024, "full_payload_kb": sizes[0] / 1024,
            "shown": shown, "warm_rss_mb": peak_rss_mb()}


def naive(args: argparse.Namespace) -> dict:
    from dashboard.bench import payload

    store, _ = load(args)
    built = payload.naive(store.events, asset_url=ASSET_URL)
    (args.out / "naive.json").write_text(built.json, encoding="utf-8")
    return {"naive_build_s": built.seconds, "naive_kb": built.size / 1024,
            "naive_rss_mb": peak_rss_mb()}


STEPS = {"cold": cold, "warm": warm, "naive": naive}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bench.worker")
    parser.add_argument("step", choices=list(STEPS))
    parser.add_argument("--csv", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--moves", type=int, default=15)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(json.dumps(STEPS[args.step](args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
