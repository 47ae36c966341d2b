"""``python -m dashboard.bench.appcpu``: the real app's CPU per user action, driven by a browser.

The other figures of the benchmark time our functions in a worker; this one measures what a
person's move costs the server that runs the app. It writes a synthetic ACLED export, serves it
with ``python -m dashboard serve`` (``ATLAS_EVENTS``), opens the page in Debian's chromium at
1440x900 and, for each action, reads the CPU time (user + system, /proc) of the app's process and
its children, and of the browser's processes, from the action until the rerun it caused has
finished: Streamlit's script state (``data-test-script-state`` on the page's root, watched by a
MutationObserver) has gone from running back to not running and stayed so for a quiet spell, so
that a rerun the map asks for afterwards (its new view) is counted too.

With ``--beside N``, a second synthetic export of N events (another seed: many of its records
meet the first's) is uploaded beside the served one once the first map is drawn, as a user
comparing two datasets would: the cost of opening it (loading, combining and linking the two) and
the app's memory are reported, and the moves are measured with both open.

The actions: ArrowRight on the date slider's first thumb (a day later), drags of the map (a
pan, which reports the map's new view), and clicks on events in a second session opened on one
month (where the map draws single markers). Also the wall time and the app's CPU to a first map,
for the first session (the export read into the store) and a second one (the store in memory).
It prints a Markdown table of medians and quartiles; nothing is asserted (times depend on the
machine).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboard.bench import table
from dashboard.bench.apprun import running_app
from dashboard.bench.cli import machine
from dashboard.bench.sessions import cpu_seconds, descendants
from dashboard.bench.synth import write_csv
from dashboard.events.engine import engine_choice
from dashboard.exports.snapshot_png import CHROMIUM_ARGS, chromium_problem, find_chromium

MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
THUMB = '[data-testid="stSlider"] input[type="range"]'
VIEWPORT = {"width": 1440, "height": 900}
# Counts the script's runs and notes when its state last changed (page time, ms).
WATCH = """() => {
  if (window.__atlasRuns !== undefined) return true;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  window.__atlasRuns = 0;
  window.__atlasState = app.getAttribute('data-test-script-state');
  window.__atlasChanged = performance.now();
  new MutationObserver(() => {
    const now = app.getAttribute('data-test-script-state');
    if (now !== window.__atlasState) {
      if (now === 'running') window.__atlasRuns += 1;
      window.__atlasState = now;
      window.__atlasChanged = performance.now();
    }
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  return true;
}"""
SETTLED = """() => [window.__atlasRuns, window.__atlasState, performance.now() - window.__atlasChanged,
  !!document.querySelector('[data-testid="stException"]')]"""
MAP_DRAWN = "() => !!(window.L && window.map && document.querySelector('.leaflet-control-layers'))"
# Uncovered, on-screen event markers of the map (their centres in the iframe's pixels).
TARGETS = """() => {
  const out = [];
  for (const path of document.querySelectorAll('path.atlas-event')) {
    const r = path.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 10 || y < 10 || x > innerWidth - 10 || y > innerHeight - 10) continue;
    if (document.elementFromPoint(x, y) === path) out.push([x, y]);
  }
  return out;
}"""


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and every process under it."""
    return cpu_seconds(pid) + sum(cpu_seconds(child) for child in descendants(pid))


def browser_cpu() -> dict[int, float]:
    """CPU seconds of each chromium process this process started (through Playwright's driver)."""
    held = {}
    for pid in descendants(os.getpid()):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/comm").read_text().startswith("chrom"):
                held[pid] = cpu_seconds(pid)
    return held


def browser_since(before: dict[int, float]) -> float:
    """The browser's CPU seconds since ``before``: a renderer that exited meanwhile (a closed
    session's) is left out rather than taking its whole past off the sum."""
    return sum(spent - before.get(pid, 0.0) for pid, spent in browser_cpu().items())


@dataclass
class Sample:
    """What one action cost: wall seconds to the settled page, the app's and the browser's CPU."""

    wall: float
    app: float
    browser: float
    runs: int
    since_start: float | None = None  # a first map: wall seconds from the serve command,
    app_since_start: float | None = None  # and the app's CPU seconds since it started


@dataclass
class Action:
    name: str
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Meter:
    """Reads the app's and the browser's CPU around an action on a page."""

    def __init__(self, app_pid: int, *, quiet_s: float = 0.6, timeout_s: float = 30,
                 start_s: float = 8) -> None:
        self.app_pid = app_pid
        self.start_s = start_s  # an action that started no rerun by then is a failure
        self.quiet_ms = quiet_s * 1000
        self.timeout_s = timeout_s

    def settle(self, page, *, runs_at_least: int, since: float) -> int:
        """Wait until the page has seen ``runs_at_least`` script runs and then none for the quiet
        spell; returns the runs seen. Headless chromium may stop painting a page nobody looks at,
        so one that waits long is nudged with a screenshot."""
        nudge = since + 3
        while True:
            runs, state, idle_ms, failed = page.evaluate(SETTLED)
            if failed:
                raise RuntimeError("the app shows an exception")
            if runs >= runs_at_least and state == "notRunning" and idle_ms >= self.quiet_ms:
                return int(runs)
            now = time.perf_counter()
            if runs == 0 and runs_at_least > 0 and state == "notRunning" and now - since > self.start_s:
                raise TimeoutError(f"no rerun within {self.start_s:.0f} s")
            if now - since > self.timeout_s:
                raise TimeoutError(f"no finished rerun after {self.timeout_s:.0f} s (runs {runs}, {state})")
            if now > nudge:
                page.screenshot()
                nudge = now + 3
            time.sleep(0.05)

    def measure(self, page, act: Callable[[], None]) -> Sample:
        """The cost of ``act()`` (which must cause at least one rerun), to the settled page."""
        page.evaluate("() => { window.__atlasRuns = 0; }")
        app0, browser0, began = tree_cpu(self.app_pid), browser_cpu(), time.perf_counter()
        act()
        runs = self.settle(page, runs_at_least=1, since=began)
        wall = time.perf_counter() - began - self.quiet_ms / 1000
        return Sample(wall=max(wall, 0.0), app=tree_cpu(self.app_pid) - app0,
                      browser=browser_since(browser0), runs=runs)


def open_session(browser: Any, url: str, meter: Meter, *, timeout_s: float) -> tuple[Any, Any, Sample]:
    """A new session (its own browser context) drawn to its first map: (context, page, cost)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    app0, browser0, began = tree_cpu(meter.app_pid), browser_cpu(), time.perf_counter()
    page.goto(url, wait_until="domcontentloaded")
    deadline = began + timeout_s
    while True:  # the component's iframe appears only once the page paints: screenshots force it
        page.screenshot()
        handle = page.query_selector(MAP_IFRAME)
        frame = handle.content_frame() if handle else None
        if frame is not None and page.evaluate(WATCH):
            with contextlib.suppress(Exception):
                if frame.evaluate(MAP_DRAWN) and page.locator("text=/events shown/").count():
                    break
        if time.perf_counter() > deadline:
            raise TimeoutError("the map did not draw")
        time.sleep(0.2)
    wall = time.perf_counter() - began
    cost = Sample(wall=wall, app=tree_cpu(meter.app_pid) - app0, browser=browser_since(browser0), runs=1)
    meter.settle(page, runs_at_least=0, since=time.perf_counter())  # the map's first report, if any
    return context, page, cost


def map_box(page) -> dict:
    box = page.locator(MAP_IFRAME).bounding_box()
    assert box, "the map is not on the page"
    return box


def slider_moves(page, meter: Meter, moves: int) -> Action:
    action = Action("slider move (ArrowRight on the start thumb)")
    for _ in range(moves):
        page.locator(THUMB).first.focus()
        try:
            action.samples.append(meter.measure(page, lambda: page.keyboard.press("ArrowRight")))
        except (TimeoutError, RuntimeError) as exc:
            action.failures.append(str(exc))
    return action


def map_pans(page, meter: Meter, moves: int) -> Action:
    """Drags of the map by 160 px, right then left, so that it stays over the events."""
    action = Action("map pan (drag of 160 px)")
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    for i in range(moves):
        box = map_box(page)
        x, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55
        dx = 160 if i % 2 == 0 else -160

        def drag(x: float = x, y: float = y, dx: float = dx) -> None:
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x + dx, y + dx / 4, steps=8)
            page.mouse.up()

        try:
            action.samples.append(meter.measure(page, drag))
        except (TimeoutError, RuntimeError) as exc:
            action.failures.append(str(exc))
    return action


def marker_clicks(page, meter: Meter, moves: int) -> Action:
    """Clicks on different uncovered event markers (each selects its event)."""
    action = Action("marker click (selects the event)")
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    frame = page.query_selector(MAP_IFRAME).content_frame()
    clicked: set[tuple[int, int]] = set()
    for _ in range(moves):
        frame.evaluate("() => window.map.closePopup()")  # an open popup covers markers
        time.sleep(0.3)
        targets = [t for t in frame.evaluate(TARGETS) if (round(t[0]), round(t[1])) not in clicked]
        if not targets:
            action.failures.append("no uncovered marker left to click")
            break
        tx, ty = targets[len(clicked) * 7 % len(targets)]
        clicked.add((round(tx), round(ty)))
        box = map_box(page)
        try:
            x, y = float(box["x"] + tx), float(box["y"] + ty)
            action.samples.append(meter.measure(page, functools.partial(page.mouse.click, x, y)))
        except (TimeoutError, RuntimeError) as exc:
            action.failures.append(str(exc))
        frame = page.query_selector(MAP_IFRAME).content_frame()
    return action


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return value, value, value
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def spread(values: list[float]) -> str:
    """``median (q1–q3)``."""
    q1, q2, q3 = quartiles(values)
    return f"{table.cell(q2)} ({table.cell(q1)}–{table.cell(q3)})"


def click_window(events_csv: Path, *, events: int = 400) -> str:
    """URL parameters for a window with about ``events`` events (under the marker limit, so the
    map draws single markers): from the start of the busiest month."""
    import pandas as pd

    dates = pd.to_datetime(pd.read_csv(events_csv, usecols=["event_date"])["event_date"],
                           errors="coerce").dropna().sort_values(ignore_index=True)
    busiest = dates.dt.to_period("M").value_counts().index[0]
    start = pd.Period(str(busiest), freq="M").start_time
    first = int(dates.searchsorted(start))
    end = dates.iloc[min(first + events, len(dates) - 1)]
    return f"from={start.date().isoformat()}&to={end.date().isoformat()}"


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def memory_mb(pid: int) -> tuple[float, float, float]:
    """The process's resident memory now, at its peak, and the file-backed part of it now (VmRSS,
    VmHWM, RssFile), in MB. The file-backed pages (a known file's mapped copy, the libraries)
    are the page cache's, shared with every process that maps the same files."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ":" in line)
    return tuple(int(fields[name].split()[0]) / 1024  # type: ignore[return-value]
                 for name in ("VmRSS", "VmHWM", "RssFile"))


def open_beside(page, path: Path, meter: Meter, *, timeout_s: float) -> Sample:
    """Upload ``path`` beside the open data and wait until the app has combined and linked them."""
    patient = Meter(meter.app_pid, timeout_s=timeout_s)
    upload = page.locator('input[type="file"]').first
    sample = patient.measure(page, lambda: upload.set_input_files(str(path)))
    deadline = time.perf_counter() + timeout_s
    while not page.locator('[data-testid="stSidebar"]').get_by_text(f"{path.name} · ").count():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{path.name} was not listed among the datasets")
        page.screenshot()
        time.sleep(0.5)
    return sample


def run(events_csv: Path, work: Path, *, moves: int, clicks: bool = True, timeout_s: float = 300,
        beside: Path | None = None) -> dict:
    """Every figure for one export; see the module's docstring (``clicks``: the marker clicks too;
    ``beside``: an export uploaded next to it before the moves)."""
    with chromium() as browser:
        began = time.perf_counter()  # the serve command typed, the browser already open
        with running_app(env={"ATLAS_EVENTS": str(events_csv)}, log=work / "app.log",
                         timeout=timeout_s) as app:
            return _measure(browser, app, began, events_csv, moves=moves, clicks=clicks,
                            timeout_s=timeout_s, beside=beside)


def _measure(browser: Any, app: Any, began: float, events_csv: Path, *, moves: int, clicks: bool,
             timeout_s: float, beside: Path | None) -> dict:
    url = app.url
    meter = Meter(app.pid)
    context, page, first = open_session(browser, url, meter, timeout_s=timeout_s)
    first.since_start, first.app_since_start = time.perf_counter() - began, tree_cpu(app.pid)
    loaded = memory_mb(app.pid)
    log(f"first map in {first.wall:.1f} s ({first.app:.2f} s of app CPU); {first.since_start:.1f} s "
        f"({first.app_since_start:.2f} s) from the start command; app memory {loaded[0]:,.0f} MB")
    second_context, _, second = open_session(browser, url, meter, timeout_s=timeout_s)
    second_context.close()
    log(f"second session's first map in {second.wall:.1f} s ({second.app:.2f} s of app CPU)")
    opened = memory = None
    alone: list[Action] = []
    if beside is not None:
        alone.append(slider_moves(page, meter, moves))
        alone[0].name = "slider move, the served export alone"
        log(f"slider, alone: app CPU {spread([s.app for s in alone[0].samples])} s")
        before = memory_mb(app.pid)
        opened = open_beside(page, beside, meter, timeout_s=timeout_s * 3)
        memory = (before, memory_mb(app.pid))
        shown = page.locator("text=/events shown/").first.inner_text()
        log(f"{beside.name} opened beside it in {opened.wall:.1f} s ({opened.app:.2f} s of app CPU); "
            f"memory {before[0]:,.0f} -> {memory[1][0]:,.0f} MB (peak {memory[1][1]:,.0f}); {shown}")
    actions = [*alone, slider_moves(page, meter, moves)]
    if beside is not None:
        actions[-1].name = "slider move, with the second export beside it"
    log(f"slider: app CPU {spread([s.app for s in actions[-1].samples])} s")
    actions.append(map_pans(page, meter, moves))
    log(f"pans: app CPU {spread([s.app for s in actions[-1].samples])} s")
    context.close()
    if clicks and beside is None:  # a new session would not have the upload
        context, page, _ = open_session(browser, f"{url}/?{click_window(events_csv)}", meter,
                                        timeout_s=timeout_s)
        actions.append(marker_clicks(page, meter, moves))
        log(f"clicks: app CPU {spread([s.app for s in actions[-1].samples])} s")
        context.close()
    after = memory_mb(app.pid)
    return {"first": first, "second": second, "actions": actions, "opened": opened, "memory": memory,
            "rss": (loaded[0], after[0], after[1], loaded[2], after[2])}


def report(figures: dict, *, n: int, command: str) -> str:
    choice = engine_choice()  # a URL shown without its password; the served file is in memory
    engine = choice if isinstance(choice, str) else f"numpy (the served file; {choice.shown} unused)"
    lines = [f"Event Atlas app CPU per action, {time.strftime('%Y-%m-%d')}, {machine()}, engine {engine}", "",
             f"Command: `{command}` ({n:,} synthetic events; median (quartiles) over the moves)", "",
             "| action | moves | app CPU s | browser CPU s | wall s | reruns |",
             "|:---|---:|---:|---:|---:|---:|"]
    for label, key in (("first map, first session (export read)", "first"),
                       ("first map, second session (data in memory)", "second")):
        sample = figures[key]
        lines.append(f"| {label} | 1 | {table.cell(sample.app)} | {table.cell(sample.browser)} | "
                     f"{table.cell(sample.wall)} | – |")
    first = figures["first"]
    if first.since_start is not None and first.app_since_start is not None:
        lines.append(f"| first map, from the serve command (the browser open) | 1 | "
                     f"{table.cell(first.app_since_start)} | – | {table.cell(first.since_start)} | – |")
    if figures.get("opened") is not None:
        sample, ((rss0, *_), (rss1, peak, _)) = figures["opened"], figures["memory"]
        lines.append(f"| a second export uploaded beside it (loaded, combined, linked) | 1 | "
                     f"{table.cell(sample.app)} | {table.cell(sample.browser)} | {table.cell(sample.wall)} "
                     f"| {sample.runs} |")
        lines.append(f"| app memory: before the upload, after it, peak (MB) | – | {rss0:,.0f}, {rss1:,.0f}, "
                     f"{peak:,.0f} | | | |")
    if figures.get("rss") is not None:
        first_map, end, peak, shared_first, shared_end = figures["rss"]
        lines.append(f"| app memory: after the first map, after the moves, peak (MB); of the first "
                     f"two, file-backed (mapped copy, libraries: shared) | – | "
                     f"{first_map:,.0f}, {end:,.0f}, {peak:,.0f}; {shared_first:,.0f}, {shared_end:,.0f} "
                     f"| | | |")
    notes = []
    for action in figures["actions"]:
        got = action.samples
        lines.append(f"| {action.name} | {len(got)} | {spread([s.app for s in got])} | "
                     f"{spread([s.browser for s in got])} | {spread([s.wall for s in got])} | "
                     f"{table.cell(statistics.median([s.runs for s in got])) if got else '–'} |")
        notes += [f"{action.name}: {failure}" for failure in action.failures]
    lines += ["", "Browser CPU on the first maps includes the screenshots that make headless chromium "
              "paint; wall times of the actions exclude the quiet spell waited for follow-up reruns."]
    if notes:
        lines += ["", "Failures:", *[f"- {note}" for note in notes]]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bench.appcpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="synthetic events to serve")
    parser.add_argument("--moves", type=int, default=15, help="moves of each kind")
    parser.add_argument("--clicks", action=argparse.BooleanOptionalAction, default=True,
                        help="marker clicks too (a second session opened on a few hundred events)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--beside", type=int, default=0,
                        help="upload a second synthetic export of this many events beside the first")
    parser.add_argument("--csv", type=Path, default=None, help="serve this export instead of a synthetic one")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds to wait for a first map (10,000,000 events take minutes)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problem = chromium_problem()
    if problem:
        log(problem)
        return 2
    work = args.workdir or Path(tempfile.mkdtemp(prefix="atlas-appcpu-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        csv = args.csv
        if csv is None:
            csv = write_csv(work / f"events-{args.events}.csv", args.events, seed=args.seed)
        n = args.events if args.csv is None else sum(1 for _ in csv.open("rb")) - 1
        beside = write_csv(work / f"beside-{args.beside}.csv", args.beside, seed=args.seed + 1) \
            if args.beside else None
        figures = run(csv, work, moves=args.moves, clicks=args.clicks, beside=beside, timeout_s=args.timeout)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    command = "python -m dashboard.bench.appcpu " + shlex.join(argv if argv is not None else sys.argv[1:])
    print(report(figures, n=n, command=command.strip()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
