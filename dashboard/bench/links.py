"""Benchmark of linking two datasets: seconds, candidates and memory, at two sizes side by side.

``python -m dashboard.bench.links`` links two synthetic ACLED-style exports of Syria (the same
sites and years of fighting, different seeds, so that many records meet) of 25,000 and 17,000
events (the size of ACLED's and UCDP's Syria data for a few years), then 1,000,000 against
100,000. It reports the median of ``--repeat`` runs of ``find_links`` and of writing the links
onto the rows (``annotate``), the candidates found, and the process's peak memory; loading the
files is not counted.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from dashboard.bench.synth import write_csv
from dashboard.events.combine import combine
from dashboard.events.links import POSSIBLE, annotate, find_links
from dashboard.events.store import EventStore
from dashboard.ingest.load import load_events
from dashboard.model.schema import NAMED_FILE_MAX_BYTES


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pair(first: int, second: int, folder: Path) -> EventStore:
    stores = []
    for n, seed in ((first, 1), (second, 2)):
        path = write_csv(folder / f"synthetic-{n}-{seed}.csv", n, seed=seed)
        stores.append(load_events(path, fmt="acled", max_bytes=NAMED_FILE_MAX_BYTES))
    return combine(stores, labels=[f"A ({first:,})", f"B ({second:,})"])


def measure(first: int, second: int, *, repeat: int, folder: Path) -> dict[str, float]:
    store = pair(first, second, folder)
    before = peak_mb()
    timings, writes = [], []
    links = None
    for _ in range(repeat):
        began = time.perf_counter()
        links = find_links(store)
        middle = time.perf_counter()
        annotate(store, links)
        timings.append(middle - began)
        writes.append(time.perf_counter() - middle)
    assert links is not None
    possible = links.frame[links.frame["kind"] == POSSIBLE]
    return {"events": len(store), "find_s": statistics.median(timings),
            "annotate_s": statistics.median(writes),
            "links": len(possible) // 2, "corroborated": int((store.events["recorded_in"] > 1).sum()),
            "peak_mb": peak_mb(), "peak_before_mb": before}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25000x17000,1000000x100000",
                        help="pairs of sizes, e.g. 25000x17000,1000000x100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print("| datasets | events | find_links s (median) | annotate s | links | events with a match "
          "| peak MB (before linking) |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for item in args.sizes.split(","):
            first, second = (int(x) for x in item.split("x"))
            row = measure(first, second, repeat=args.repeat, folder=Path(folder))
            print(f"| {first:,} vs {second:,} | {row['events']:,} | {row['find_s']:.2f} | "
                  f"{row['annotate_s']:.2f} | {row['links']:,} | {row['corroborated']:,} | "
                  f"{row['peak_mb']:,.0f} ({row['peak_before_mb']:,.0f}) |", flush=True)


if __name__ == "__main__":
    main()
