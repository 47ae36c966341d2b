"""A stand-in for Nominatim's /search on 127.0.0.1, so geopy is tested through its real HTTP code.

Each query follows a script of modes, one per request, the last repeating: a dict is a result
(served like Nominatim's json format: lat/lon as strings, osm_type, osm_id, class, type,
addresstype, boundingbox, and address only when addressdetails=1), or one of "empty", "429"
(with Retry-After: 0), "500", "503", "timeout" (hangs until released), "garbage" (not JSON) and
"shape" (JSON that is not a list of places). Every request is recorded.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


def result(name: str, lat: float, lon: float, *, osm_id: int = 1, osm_type: str = "node",
           category: str = "place", kind: str = "town", addresstype: str | None = None,
           state: str = "Aleppo Governorate", country: str = "Syria", cc: str = "sy",
           half_box: float = 0.02) -> dict[str, Any]:
    """One Nominatim search result."""
    return {
        "place_id": osm_id + 1000, "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
        "osm_type": osm_type, "osm_id": osm_id, "lat": f"{lat:.7f}", "lon": f"{lon:.7f}",
        "class": category, "type": kind, "place_rank": 16, "importance": 0.41,
        "addresstype": addresstype or kind, "name": name,
        "display_name": f"{name}, {state}, {country}",
        "address": {kind: name, "state": state, "country": country, "country_code": cc},
        "boundingbox": [f"{lat - half_box:.7f}", f"{lat + half_box:.7f}",
                        f"{lon - half_box:.7f}", f"{lon + half_box:.7f}"],
    }


class FakeNominatim:
    """Start with ``with FakeNominatim() as server:``; ``server.domain`` is host:port."""

    def __init__(self, *, hang_seconds: float = 5.0) -> None:
        self.scripts: dict[str, list[Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.hang_seconds = hang_seconds
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,),
                                        daemon=True)

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def script(self, query: str, *modes: Any) -> None:
        self.scripts[query] = list(modes)

    def count(self, query: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if query is None or r["q"] == query)

    def __enter__(self) -> FakeNominatim:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _next_mode(self, query: str, params: dict[str, str], agent: str) -> Any:
        with self._lock:
            seen = sum(1 for r in self.requests if r["q"] == query)
            self.requests.append({"q": query, "params": params, "user_agent": agent})
            modes = self.scripts.get(query, ["empty"])
            return modes[min(seen, len(modes) - 1)]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def _send(self, status: int, body: str, headers: dict[str, str] | None = None,
                      ) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                if url.path != "/search":
                    self._send(404, '{"error": "not found"}')
                    return
                params = {k: v[-1] for k, v in parse_qs(url.query).items()}
                mode = fake._next_mode(params.get("q", ""), params,
                                       self.headers.get("User-Agent", ""))
                # The client may have given up first (the timeout mode).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(mode, params)

            def _answer(self, mode: Any, params: dict[str, str]) -> None:
                if isinstance(mode, dict):
                    place = dict(mode)
                    if params.get("addressdetails") != "1":
                        place.pop("address", None)
                    self._send(200, json.dumps([place]))
                elif mode == "empty":
                    self._send(200, "[]")
                elif mode == "429":
                    self._send(429, '{"error": "Too Many Requests"}', {"Retry-After": "0"})
                elif mode in ("500", "503"):
                    self._send(int(mode), "<html><body>Service Unavailable</body></html>")
                elif mode == "timeout":
                    fake._release.wait(fake.hang_seconds)
                    self._send(200, "[]")
                elif mode == "garbage":
                    self._send(200, "<html>upstream proxy error</html> {not json")
                elif mode == "shape":
                    self._send(200, '[{"lat": "north", "lon": "east", "display_name": 7}]')
                else:
                    raise ValueError(f"unknown mode {mode!r}")

        return Handler
