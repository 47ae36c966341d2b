"""``python -m dashboard.bench.hostile``: what the worst files cost, beside a clean file of their size.

A file of repeated ids, one of rows that are all rejected, and one with a header as wide as we
accept (a problem per cell it cannot use) used to cost minutes and gigabytes, and every rerun
after them tens of seconds. For each such file and a clean one of the same number of rows, this
measures in fresh processes the load (seconds, peak and held memory, events, problems) and the
app afterwards (its first run and each rerun, through Streamlit's AppTest with the file as the
default data). It prints a Markdown table and asserts nothing: times depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from dashboard import PACKAGE_DIR, REPO_DIR

HEADER = "id,date,place,actors,event_type,summary,source,latitude,longitude"
WIDE_COLUMNS = 480  # under readcsv's 500-column limit: the widest header a file may have


def _clean(n: int) -> list[str]:
    return [f"e{i:07d},2016-02-{1 + i % 28:02d},Aleppo,IRGC,battle,s,src,36.2,37.16" for i in range(n)]


def _repeated(n: int) -> list[str]:
    return ["dup,2016-02-01,Aleppo,IRGC,battle,s,src,36.2,37.16"] * n


def _rejected(n: int) -> list[str]:
    return [f"r{i:07d},3023-99-99,,,,,,," for i in range(n)]


FILES: dict[str, tuple[str, Callable[[int], list[str]]]] = {
    "clean": (HEADER, _clean),
    "repeated ids": (HEADER, _repeated),
    "all rejected": (HEADER, _rejected),
    "wide header": (HEADER + "".join(f",extra{i}" for i in range(WIDE_COLUMNS - 9)), _clean),
}

LOAD = """
import json, sys, time
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
from dashboard.ingest.cache import load_cached
data = open(sys.argv[1], "rb").read()
began = time.perf_counter()
store = load_cached(data, name="file.csv", persist=False)
seconds = time.perf_counter() - began
del data
print(json.dumps({"seconds": seconds, "peak_mb": status("VmHWM:"), "held_mb": status("VmRSS:"),
                  "events": len(store), "problems": len(store.problems)}))
"""

APP = """
import json, os, sys, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=900)
began = time.perf_counter()
at.run()
first = time.perf_counter() - began
reruns = []
for _ in range(int(sys.argv[2])):
    began = time.perf_counter()
    at.run()
    reruns.append(time.perf_counter() - began)
print(json.dumps({"first_s": first, "reruns_s": reruns, "exceptions": len(at.exception)}))
"""


def write_file(path: Path, kind: str, rows: int) -> Path:
    header, make = FILES[kind]
    width = header.count(",")
    with path.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for row in make(rows):
            out.write(row + "," * max(width - row.count(","), 0) + "\n")
    return path


def _run(code: str, *args: str, env: dict[str, str], timeout: float) -> dict:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(path: Path, *, reruns: int, timeout: float = 1800) -> dict:
    """The load and the app's runs for one file, each in a fresh process."""
    path_list = [str(REPO_DIR), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, path_list)),
           "ATLAS_EVENTS": str(path), "ATLAS_CACHE_DIR": tempfile.mkdtemp(prefix="atlas-hostile-cache-"),
           "STREAMLIT_LOGGER_LEVEL": "error"}
    load = _run(LOAD, str(path), env=env, timeout=timeout)
    app = _run(APP, str(PACKAGE_DIR / "ui" / "app.py"), str(reruns), env=env, timeout=timeout)
    return {"mb": path.stat().st_size / 2**20, **load, **app}


def markdown(rows: dict[str, dict]) -> str:
    lines = ["| file | MB | load s | peak MB | held MB | events | problems | app first run s | "
             "app rerun s (median) |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for kind, row in rows.items():
        reruns = sorted(row["reruns_s"])
        median = reruns[len(reruns) // 2] if reruns else float("nan")
        lines.append(f"| {kind} | {row['mb']:.1f} | {row['seconds']:.1f} | {row['peak_mb']:,.0f} | "
                     f"{row['held_mb']:,.0f} | {row['events']:,} | {row['problems']:,} | "
                     f"{row['first_s']:.1f} | {median:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.bench.hostile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="rows in each file")
    parser.add_argument("--reruns", type=int, default=3)
    parser.add_argument("--only", default=",".join(FILES), help="comma-separated: " + ", ".join(FILES))
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temporary folder")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in FILES]
    if unknown:
        parser.error(f"unknown file kinds: {', '.join(unknown)}")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="atlas-hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    for kind in kinds:
        path = write_file(work / f"{kind.replace(' ', '-')}.csv", kind, args.rows)
        print(f"[{kind}] {path.stat().st_size / 2**20:.1f} MB written; measuring", file=sys.stderr,
              flush=True)
        results[kind] = measure(path, reruns=args.reruns)
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
