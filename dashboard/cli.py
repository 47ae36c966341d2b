"""The command line (``atlas``): one sub-command per job, each a thin wrapper over the package's functions."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from dashboard import PACKAGE_DIR
from dashboard.books.sources import SourceBook
from dashboard.events.engine import ENGINE_VARIABLE, EngineError, engine_choice
from dashboard.events.engine.url import parse_engine_url
from dashboard.events.store import EventStore
from dashboard.exports import snapshot_cli
from dashboard.geocoding import cli as geocode_cli
from dashboard.ingest.load import DEFAULT_EVENTS, load_bundled, load_events
from dashboard.ingest.published import publish as publish_store
from dashboard.model.schema import MAX_UPLOAD_MB, NAMED_FILE_MAX_BYTES

SERVE_FLAGS = (
    "--server.enableStaticServing=true",
    "--server.headless=true",
    f"--server.maxUploadSize={MAX_UPLOAD_MB}",
    "--client.showErrorDetails=none",  # an unforeseen error shows a plain message, no server paths
    "--browser.gatherUsageStats=false",
    "--client.toolbarMode=minimal",
    # A served dashboard's code does not change under it: no watcher threads polling every module
    # (they contend with the script for the interpreter), and no full garbage collection after
    # every rerun (~7% of a slider move's CPU at 100,000 events; Python's own collector still runs).
    "--server.fileWatcherType=none",
    "--runner.postScriptGC=false",
    # Some widgets take the state's value both as their default and through Session State (see
    # ui/app.py compare_section): by design, not the mistake this warning is for.
    "--global.disableWidgetStateDuplicationWarning=true",
)


LOG_LEVELS = ("debug", "info", "warning", "error")


def package_version() -> str:
    """The installed distribution's version: pyproject.toml is its one home."""
    try:
        return version("event-atlas")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def serve_command(args: argparse.Namespace) -> list[str]:
    """``streamlit run`` on the app with our settings, then the user's Streamlit options, which win
    (``--server.baseUrlPath /atlas`` behind a proxy); the log level is Streamlit's ``logger.level``,
    which the app's own loggers follow too."""
    # Streamlit's own command line, begun by dashboard.ui.serve once the app's start work is under way
    command = [sys.executable, "-m", "dashboard.ui.serve", "run", str(PACKAGE_DIR / "ui" / "app.py"),
               *SERVE_FLAGS, f"--server.port={args.port}", f"--server.address={args.address}"]
    if args.log_level:
        command.append(f"--logger.level={args.log_level}")
    return [*command, *args.streamlit_options]


def serve(args: argparse.Namespace) -> int:
    """Start the Streamlit app (replaces this process); ``--engine`` is ``ATLAS_ENGINE`` for it,
    checked here so that a mistyped URL stops the command rather than the page."""
    if args.engine is not None:
        os.environ[ENGINE_VARIABLE] = args.engine
    try:
        engine_choice()
    except EngineError as wrong:
        print(f"error: {wrong}", file=sys.stderr)
        return 2
    os.execv(sys.executable, serve_command(args))
    return 0  # pragma: no cover - execv does not return


def validate(args: argparse.Namespace) -> int:
    """Check an events file; print every problem as file:line: field: reason; non-zero if any.

    A file with a sources.csv beside it (the bundled data, or a copy of its folder) is checked as
    curated data: places, actors, sources and verbatim quotes included.
    """
    path = Path(args.events)
    curated = args.format in ("auto", "ours") and (path.parent / "sources.csv").exists()
    store = load_checked(path, args.format)
    for problem in store.problems:
        print(problem)
    count = len(store.problems)
    print(f"{path}: {len(store):,} events usable, {count:,} problem{'s' * (count != 1)} "
          f"(format: {store.fmt})", file=sys.stderr)
    book = SourceBook.load(path.parent / "sources.csv") if curated else None
    missing = book.unavailable() if book is not None else []
    if book is not None and missing:
        print(f"note: quotes from {len(missing)} article(s) not checked: {', '.join(missing)} "
              f"not in {book.seeds} (set ATLAS_SEEDS)", file=sys.stderr)
    return 1 if store.problems else 0


def load_checked(path: Path, fmt: str) -> EventStore:
    """A file through the normal loader: curated data (a sources.csv beside it) with every check
    of the bundled data, any other file read as ``fmt``."""
    curated = fmt in ("auto", "ours") and (path.parent / "sources.csv").exists()
    return load_bundled(path) if curated else load_events(path, fmt=fmt, max_bytes=NAMED_FILE_MAX_BYTES)


def publish(args: argparse.Namespace) -> int:
    """Load a file (every check) and publish its events to the server ``--engine`` names, where
    a dashboard with the same ``ATLAS_ENGINE`` reads them; non-zero, with the reason, if it cannot."""
    text = args.engine or os.environ.get(ENGINE_VARIABLE, "")
    try:
        url = parse_engine_url(text) if "://" in text else None
        if url is None:
            raise EngineError(f"publish needs --engine URL (or {ENGINE_VARIABLE}): a server or a "
                              "DuckDB file, e.g. postgresql://user:password@host:5432/database")
        if args.table:
            url = url.with_table(args.table)
        path = Path(args.events)
        store = load_checked(path, args.format)
        count = len(store.problems)
        if store.problems.has("error") or not len(store):
            for problem in store.problems:
                print(problem, file=sys.stderr)
            print(f"{path}: nothing published: {len(store):,} usable events, {count:,} problem"
                  f"{'s' * (count != 1)}", file=sys.stderr)
            return 1
        published = publish_store(store, url, source=path.name)
    except EngineError as wrong:
        print(f"error: {wrong}", file=sys.stderr)
        return 2
    print(f"{path}: {published.rows:,} events published as {url.table} on {url.shown} "
          f"(version {published.version}, {count:,} problem{'s' * (count != 1)}; format: {store.fmt})",
          file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atlas", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    parser.add_argument("--log-level", choices=LOG_LEVELS, type=str.lower,
                        help="what the cache and loader report on stderr (default: warning; "
                             "for serve: Streamlit's logger.level, info)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="start the dashboard (other --section.option arguments go to Streamlit)",
                       epilog="Any Streamlit option may follow, e.g. --server.baseUrlPath /atlas "
                              "(see `streamlit run --help`).")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--engine", metavar="ENGINE",
                   help="who answers the views: numpy (default), duckdb, or the URL of published "
                        "events (postgresql://user:password@host/db); sets ATLAS_ENGINE")
    p.set_defaults(func=serve)
    p = sub.add_parser("publish", help="load an events file (every check) and publish it to a server "
                                       "or DuckDB file for dashboards to read (--engine URL)")
    p.add_argument("events")
    p.add_argument("--engine", metavar="URL",
                   help="where to: postgresql://user:password@host:5432/database or "
                        "duckdb:///path/file.duckdb (default: ATLAS_ENGINE)")
    p.add_argument("--table", help="the name to publish under (default: the URL's ?table=, "
                                   "else atlas_events)")
    p.add_argument("--format", default="auto", choices=["auto", "ours", "acled", "ucdp"])
    p.set_defaults(func=publish)
    p = sub.add_parser("validate", help="check an events file (ours, ACLED or UCDP)")
    p.add_argument("events", nargs="?", default=str(DEFAULT_EVENTS))
    p.add_argument("--format", default="auto", choices=["auto", "ours", "acled", "ucdp"])
    p.set_defaults(func=validate)
    geocode_cli.add_parser(sub)
    snapshot_cli.add_parser(sub)
    return parser


def _streamlit_options(parser: argparse.ArgumentParser, extra: list[str]) -> list[str]:
    """The arguments ``serve`` hands to Streamlit: options named ``--section.option``, with values."""
    for item in extra:
        if item.startswith("-") and "." not in item.split("=", 1)[0]:
            parser.error(f"unrecognised argument {item} (Streamlit options look like --server.baseUrlPath)")
    if extra and not extra[0].startswith("--"):
        parser.error(f"unrecognised argument {extra[0]}")
    return extra


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command != "serve" and extra:
        parser.error(f"unrecognised arguments: {' '.join(extra)}")
    args.streamlit_options = _streamlit_options(parser, extra) if args.command == "serve" else []
    if args.command != "serve":
        logging.basicConfig(level=(args.log_level or "warning").upper(),
                            format="%(levelname)s %(name)s: %(message)s")
    return int(args.func(args))
