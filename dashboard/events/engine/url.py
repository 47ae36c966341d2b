"""``ATLAS_ENGINE`` as a connection URL: read once, checked here, and never shown with its password.

A URL names a server (or a DuckDB file) the events were published to (``python -m dashboard
publish``) and, with ``?table=``, the name they were published under (``atlas_events`` by
default). Parsing is pure: nothing connects until :func:`connect`, so a mistyped setting is
refused before any driver is imported, with a message that names the part that is wrong.

Only the schemes the parity suite runs on are accepted (PostgreSQL and DuckDB files): another
Ibis backend is one entry in ``SCHEMES`` once ``tests/test_engine.py`` passes on it.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, unquote_plus, urlencode, urlsplit

ENGINE_VARIABLE = "ATLAS_ENGINE"
DEFAULT_TABLE = "atlas_events"
# Lower case (PostgreSQL folds unquoted names, so people can query it without quotes), short enough
# that the versioned names publish derives from it (``_<12 hex>_problems``) fit PostgreSQL's 63.
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")
HIDDEN = "***"
CONNECT_TIMEOUT_S = 10  # for a server that does not answer (libpq waits forever by default)


@dataclass(frozen=True)
class Scheme:
    """How one URL scheme is served: the Ibis backend, its driver's module, how to install it."""

    backend: str
    driver: str
    install: str


POSTGRES = Scheme("postgres", "psycopg", "pip install 'event-atlas[postgres]'")
SCHEMES: dict[str, Scheme] = {
    "postgresql": POSTGRES,
    "postgres": POSTGRES,
    "duckdb": Scheme("duckdb", "duckdb", "pip install 'event-atlas[engine]'"),
}
EXAMPLES = "postgresql://user:password@host:5432/database or duckdb:///path/to/file.duckdb"


class EngineError(ValueError):
    """A setting or a server the app cannot use; the message is safe to show (no password)."""


@dataclass(frozen=True)
class EngineUrl:
    """A parsed connection URL. ``target`` holds the password: it goes to the driver only;
    ``shown`` is what messages and logs print."""

    scheme: Scheme
    target: str = field(default="", repr=False)  # what ibis.connect gets: the URL without table=
    table: str = DEFAULT_TABLE
    shown: str = ""  # the URL with the password replaced by ***
    password: str = field(default="", repr=False)  # a repr (a log line, a debugger) never holds it

    @property
    def key(self) -> str:
        """The name of this source's engine among a store's engines (no password in it)."""
        return f"{self.shown}#{self.table}"

    @property
    def label(self) -> str:
        """How people are told which data this is: the table and where it lives."""
        return f"{self.table} on {self.shown}"

    def with_table(self, table: str) -> EngineUrl:
        """The same server, another table name (checked as ``?table=`` is)."""
        return replace(self, table=checked_table(table))

    def hide(self, text: str) -> str:
        """``text`` (a driver's message) with this URL's password blanked, in any spelling."""
        spellings = {self.password, quote(self.password, safe=""), unquote(self.password),
                     unquote_plus(self.password)}
        for secret in sorted(spellings - {""}, key=len, reverse=True):
            text = text.replace(secret, HIDDEN)
        return text


def _hidden_netloc(netloc: str) -> str:
    if "@" not in netloc:
        return netloc
    user, _, host = netloc.rpartition("@")
    name = user.split(":", 1)[0]
    return f"{name}:{HIDDEN}@{host}" if ":" in user else netloc


def hide_password(text: str) -> str:
    """A URL-like text with the password (``user:password@``) blanked: for messages about a
    setting that would not parse (a scheme missing, a port that is not a number)."""
    if "@" not in text:
        return text
    head, _, host = text.rpartition("@")  # a password may hold an unescaped @: the last one ends it
    prefix = head[:head.index("//") + 2] if "//" in head else ""
    user, colon, _ = head[len(prefix):].partition(":")
    return f"{prefix}{user}:{HIDDEN}@{host}" if colon else text


def checked_table(table: str) -> str:
    """``table`` if it is a name publish can use (``TABLE_NAME``), else a clear error."""
    if not TABLE_NAME.fullmatch(table):
        raise EngineError(f"table={table[:60]!r} is not a table name this app publishes under: "
                          "lower-case letters, digits and _, starting with a letter or _, at most "
                          "40 characters")
    return table


def parse_engine_url(text: str) -> EngineUrl:
    """The URL in ``text``, checked: a known scheme, a table name we can quote, a DuckDB file
    named; a clear :class:`EngineError` otherwise (the password never in it)."""
    text = text.strip()
    safe = hide_password(text)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a port that is not a number raises here, not in the driver
    except ValueError as wrong:
        raise EngineError(f"{ENGINE_VARIABLE}={safe!r} is not a connection URL ({wrong}): "
                          f"use {EXAMPLES}") from None
    if "://" not in text:
        raise EngineError(f"{ENGINE_VARIABLE}={safe!r} is not a connection URL: use {EXAMPLES}")
    scheme = SCHEMES.get(parts.scheme.lower())
    if scheme is None:
        known = ", ".join(sorted({f"{name}://" for name in SCHEMES}))
        raise EngineError(f"{ENGINE_VARIABLE}={safe!r}: the scheme {parts.scheme + '://'!r} is not "
                          f"one this app can use ({known}); for example {EXAMPLES}")
    options = parse_qsl(parts.query, keep_blank_values=True)
    tables = [value for name, value in options if name == "table"]
    table = tables[-1] if tables else DEFAULT_TABLE
    table = checked_table(table)
    kept = [(name, value) for name, value in options if name != "table"]
    if scheme is POSTGRES and not any(name == "connect_timeout" for name, _ in kept):
        kept.append(("connect_timeout", str(CONNECT_TIMEOUT_S)))  # a page waits this long at most
    rest = urlencode(kept)
    if scheme.backend == "duckdb" and not (parts.netloc + parts.path).strip("/"):
        raise EngineError(f"{ENGINE_VARIABLE}={safe!r} names no DuckDB file: "
                          "use duckdb:///path/to/file.duckdb")
    # Rebuilt as text, not with urlunsplit: it would turn duckdb:///tmp/x into duckdb:/tmp/x.
    base = text.split("#", 1)[0].split("?", 1)[0]
    base = parts.scheme.lower() + base[len(parts.scheme):]
    target = f"{base}?{rest}" if rest else base
    shown = parts.scheme.lower() + "://" + _hidden_netloc(parts.netloc) + parts.path
    return EngineUrl(scheme=scheme, target=target, table=table, shown=shown,
                     password=parts.password or "")


def connect(url: EngineUrl) -> Any:
    """An Ibis connection to ``url``'s server or file; an :class:`EngineError` naming the server
    (not the password) when the engine extra or the driver is missing or the server says no."""
    for module in ("ibis", url.scheme.driver):
        if importlib.util.find_spec(module) is None:
            raise EngineError(f"{ENGINE_VARIABLE}={url.shown} needs the {module} package: "
                              f"{url.scheme.install}")
    import ibis

    try:
        return ibis.connect(url.target)
    except Exception as error:  # each driver raises its own types: all mean "cannot use it"
        raise EngineError(f"{ENGINE_VARIABLE}: cannot connect to {url.shown}: "
                          f"{url.hide(first_line(error))}") from None


def first_line(error: BaseException) -> str:
    """The first line of an error's message (drivers add pages of context), or its type's name."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
