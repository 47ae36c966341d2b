"""How long Debian's chromium takes to draw a rerun's payload, with the local Leaflet files.

A page served from 127.0.0.1 does what streamlit-folium's frontend does with the arguments of a
rerun: the first payload builds the map (its script, then its layers); a later one with the same
map only swaps the layers (remove the old groups and layer control, eval the new script), which is
what a slider move costs with our layers. The naive way puts every marker in the map's own script,
so each rerun rebuilds the whole map. Timed from the moment the payload's JSON arrives (parse
included) until the layers are on the map and two animation frames have passed. The real frontend
also re-creates its iframe when the map's script changes (the naive case), which is not counted:
the naive figures are lower bounds.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

from dashboard.exports.snapshot_png import CHROMIUM_ARGS, chromium_problem, find_chromium
from dashboard.mapping.assets import STATIC_DIR

HARNESS = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>redraw</title>
<style>#map_div{width:900px;height:620px}</style></head>
<body><div id="holder"></div><script>
"use strict";
const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
const run = (code) => (0, eval)(code);
async function assets(a) {
  for (const href of a.css_links || []) {
    const link = document.createElement("link"); link.rel = "stylesheet"; link.href = href;
    document.head.appendChild(link);
  }
  for (const src of a.js_links || []) {
    await new Promise((ok, fail) => { const s = document.createElement("script"); s.src = src;
      s.onload = ok; s.onerror = fail; document.head.appendChild(s); });
  }
}
function build(a) {
  if (window.map) { window.map.remove(); }
  document.getElementById("holder").innerHTML = '<div id="map_div"></div>';
  window.feature_group = []; window.layer_control = null;
  run(a.script); window.map = window.map_div;
  if (a.feature_group) { run(a.feature_group + (a.layer_control || "")); }
}
window.first = async (url) => { const a = await (await fetch(url)).json(); await assets(a); build(a);
  await frames(); return true; };
window.fetchText = async (url) => { window.pending = await (await fetch(url)).text(); return true; };
window.swap = async () => {
  const began = performance.now(); const a = JSON.parse(window.pending);
  (window.feature_group || []).forEach(l => window.map.removeLayer(l)); window.feature_group = [];
  if (window.layer_control) { window.map.removeControl(window.layer_control); }
  run(a.feature_group + (a.layer_control || "")); await frames();
  return performance.now() - began;
};
window.rebuild = async () => {
  const began = performance.now(); build(JSON.parse(window.pending)); await frames();
  return performance.now() - began;
};
</script></body></html>
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(root: Path) -> Iterator[str]:
    """``root`` (with the harness page and the local assets under static/) on 127.0.0.1."""
    (root / "index.html").write_text(HARNESS, encoding="utf-8")
    shutil.copytree(STATIC_DIR, root / "static", dirs_exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def available() -> bool:
    """Whether Chromium and Playwright are there to measure with (found as the snapshots find them)."""
    return chromium_problem() is None


class Redraws:
    """One browser; ``swaps`` and ``rebuilds`` give milliseconds per payload file."""

    def __init__(self, root: Path, *, timeout_s: float = 120) -> None:
        self.root = root
        self.timeout_ms = timeout_s * 1000

    def __enter__(self) -> Redraws:
        from playwright.sync_api import sync_playwright

        self._stack = contextlib.ExitStack()
        self.url = self._stack.enter_context(serving(self.root))
        self._pw = self._stack.enter_context(sync_playwright())
        self._browser = self._pw.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        self._stack.callback(self._browser.close)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _page(self, first: str):
        page = self._browser.new_page(viewport={"width": 1000, "height": 700})
        page.set_default_timeout(self.timeout_ms)
        page.goto(f"{self.url}/index.html")
        page.evaluate("url => window.first(url)", first)
        return page

    def swaps(self, files: list[str]) -> list[float]:
        """Draw ``files[0]`` as the first view, then time swapping in each of the others."""
        page = self._page(files[0])
        try:
            times = []
            for name in files[1:]:
                page.evaluate("url => window.fetchText(url)", name)
                times.append(float(page.evaluate("() => window.swap()")))
            return times
        finally:
            page.close()

    def rebuilds(self, first: str, name: str, repeats: int) -> list[float]:
        """Time rebuilding the whole map from ``name`` (the naive way's rerun)."""
        page = self._page(first)
        try:
            page.evaluate("url => window.fetchText(url)", name)
            return [float(page.evaluate("() => window.rebuild()")) for _ in range(repeats)]
        finally:
            page.close()
