"""``python -m dashboard.bench``: the scaling benchmark, ours against folium's plain way.

For each size it writes a synthetic ACLED export, then measures in separate processes a first
start (CSV to store, cache written), a later start (from the cache) with slider moves, and the
naive way; then the browser's redraw of each payload; then many sessions on the real app. It
prints Markdown tables; nothing is asserted (times depend on the machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dashboard import REPO_DIR
from dashboard.bench import browser, sessions, table
from dashboard.bench.synth import write_csv

SKIPPED = "skipped (> cap)"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_worker(step: str, csv: Path, cache: Path, out: Path, *, moves: int,
               timeout: float | None = None) -> dict | None:
    """One step in its own process; None when it ran past ``timeout``."""
    command = [sys.executable, "-m", "dashboard.bench.worker", step, "--csv", str(csv),
               "--cache", str(cache), "--out", str(out), "--moves", str(moves)]
    env = {**os.environ, "STREAMLIT_LOGGER_LEVEL": "error",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_DIR), os.environ.get("PYTHONPATH")]))}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"the {step} step failed on {csv.name}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_size(n: int, args: argparse.Namespace, work: Path, previous: dict | None) -> dict:
    """Every figure for one size (the browser's are added by :func:`measure_browser`)."""
    csv = work / f"events-{n}.csv"
    began = time.perf_counter()
    write_csv(csv, n, seed=args.seed)
    log(f"[{n:,}] synthetic CSV written in {time.perf_counter() - began:.1f} s")
    cache, out = work / f"cache-{n}", work / "www" / f"n{n}"
    shutil.rmtree(cache, ignore_errors=True)
    row: dict = {"n": n, "csv_mb": csv.stat().st_size / 2**20}
    row |= run_worker("cold", csv, cache, out, moves=args.moves) or {}
    log(f"[{n:,}] first start {row['cold_s']:.2f} s")
    row |= run_worker("warm", csv, cache, out, moves=args.moves) or {}
    log(f"[{n:,}] later start {row['warm_s']:.2f} s; filter {row['filter_ms']:.1f} ms, "
        f"payload {row['build_ms']:.0f} ms / {row['payload_kb_max']:.0f} KB at most")
    before = (previous or {}).get("naive_build_s")
    estimate = before * n / previous["n"] if previous and isinstance(before, float) else 0.0
    if before == SKIPPED or estimate > args.naive_cap_seconds:
        row["naive_build_s"] = SKIPPED
    else:
        naive = run_worker("naive", csv, cache, out, moves=args.moves,
                           timeout=args.naive_cap_seconds + 60 + 3 * row["warm_s"])
        row |= naive if naive and naive["naive_build_s"] <= args.naive_cap_seconds else \
            {"naive_build_s": SKIPPED}
    log(f"[{n:,}] naive: {table.cell(row['naive_build_s'])}")
    if not args.keep:
        csv.unlink()
        shutil.rmtree(cache, ignore_errors=True)
    return row


def measure_browser(row: dict, work: Path, cap: float) -> None:
    """Redraw times for the size's saved payloads (ours swapped in turn, then the naive map)."""
    www = work / "www"
    name = f"n{row['n']}"
    files = sorted(f"{name}/{p.name}" for p in (www / name).glob("ours-*.json"))
    with browser.Redraws(www, timeout_s=cap) as redraws:
        times = redraws.swaps([files[-1], *files])
        row["redraw_s"] = statistics.median(times) / 1000
        row["full_redraw_s"] = times[0] / 1000
        naive = www / name / "naive.json"
        if naive.exists():
            repeats = 3 if row["n"] <= 10_000 else 1
            try:
                row["naive_redraw_s"] = statistics.median(
                    redraws.rebuilds(files[-1], f"{name}/naive.json", repeats)) / 1000
            except Exception:  # Playwright's timeout: the cap
                row["naive_redraw_s"] = SKIPPED
            naive.unlink()
    log(f"[{row['n']:,}] browser redraw {row['redraw_s']:.3f} s, naive "
        f"{table.cell(row.get('naive_redraw_s'))}")


def ratios(row: dict) -> None:
    """Naive over ours for the same (first, whole-span) view: build + redraw, and bytes."""
    if not isinstance(row.get("naive_build_s"), float):
        return
    ours_time = row["full_build_ms"] / 1000 + row.get("full_redraw_s", 0.0)
    naive_time = row["naive_build_s"] + (row["naive_redraw_s"] if isinstance(
        row.get("naive_redraw_s"), float) else 0.0)
    row["ratio_time"] = table.cell(naive_time / ours_time) + "×"
    row["ratio_bytes"] = table.cell(row["naive_kb"] / row["full_payload_kb"]) + "×"


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    return f"{model or platform.processor()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bench", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000,1000000",
                        help="comma-separated event counts")
    parser.add_argument("--naive-cap-seconds", type=float, default=60.0,
                        help="skip the naive way where its build would take longer")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=True,
                        help="measure redraws in Debian's chromium (and the sessions)")
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions (0: none)")
    parser.add_argument("--session-events", type=int, default=100_000)
    parser.add_argument("--session-think", default="0.3,1.0",
                        help="MIN,MAX seconds a session waits between its slider moves")
    parser.add_argument("--moves", type=int, default=15, help="slider moves per size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the CSVs and caches")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="atlas-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    use_browser = args.browser and browser.available()
    if args.browser and not use_browser:
        log("Debian's chromium or Playwright is missing: no browser figures")
    rows: list[dict] = []
    try:
        for n in sizes:
            rows.append(measure_size(n, args, work, rows[-1] if rows else None))
            if use_browser:
                measure_browser(rows[-1], work, args.naive_cap_seconds)
            ratios(rows[-1])
        crowd = None
        if use_browser and args.sessions > 0:
            csv = work / f"sessions-{args.session_events}.csv"
            write_csv(csv, args.session_events, seed=args.seed)
            log(f"sessions: 1, then {args.sessions}, on {args.session_events:,} events…")
            low, high = (float(x) for x in args.session_think.split(","))
            crowd = sessions.measure(csv, work / "app.log", sessions=args.sessions, think=(low, high))
    finally:
        if args.workdir is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    command = "python -m dashboard.bench " + shlex.join(argv if argv is not None else sys.argv[1:])
    print(f"Event Atlas scaling benchmark, {time.strftime('%Y-%m-%d')}, {machine()}\n")
    print(f"Command: `{command.strip()}`\n")
    print(table.markdown(rows))
    print("\n" + table.NOTES[0])
    if crowd is not None:
        print("\n" + table.sessions_text(crowd, args.session_events))
    return 0
