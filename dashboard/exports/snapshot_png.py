"""A standalone map page photographed by headless Chromium, with nothing allowed off the machine.

Only a real browser draws a Leaflet map exactly as the user saw it, so the PNG comes from
Debian's chromium driven by Playwright (with Pillow for GIFs: the ``snapshot`` extra, which a plain
install leaves out). Every request that is not file:, data:, blob: or about:
is aborted, so a snapshot can never leak what an analyst is looking at. Playwright's sync API
refuses to run in a thread with a running asyncio loop; there the render moves to a subprocess.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from dashboard import REPO_DIR

# Every headless Chromium the project starts (snapshots, the bench, the browser tests): no sandbox
# (containers, CI), no GPU, and none of the browser's own traffic (updates, sync, QUIC).
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
)
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
INSTALL_HINT = ("Map snapshots (PNG) need Chromium: install it with `sudo apt-get install chromium` "
                "(Debian/Ubuntu), or set ATLAS_CHROMIUM to a Chromium or Chrome executable. The HTML "
                "map, CSV and GeoJSON downloads work without it.")
EXTRA_HINT = ("PNG and GIF export need the snapshot extra (Playwright and Pillow): "
              "pip install 'event-atlas[snapshot]'. The HTML map, CSV and GeoJSON work without it.")
SETTLE_MS = 250
SUBPROCESS_TIMEOUT_S = 300
GIF_WIDTH = 1000
GIF_FRAME_MS = 1200


class SnapshotError(RuntimeError):
    """The browser could not draw or photograph the map."""


class ChromiumMissingError(SnapshotError):
    """No Chromium to render with; the message says how to get one."""


class ExtraMissingError(SnapshotError):
    """Playwright or Pillow is not installed; the message says how to install them."""


def require_extra() -> None:
    """Raise ExtraMissingError unless the snapshot extra (Playwright and Pillow) is installed."""
    try:
        import PIL.Image  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as err:
        raise ExtraMissingError(f"{EXTRA_HINT} ({err.name or 'a package'} is not installed)") from None


def find_chromium(chromium: str | os.PathLike[str] | None = None) -> str:
    """The browser to use: ``chromium`` if given, else $ATLAS_CHROMIUM, else chromium on the PATH.

    An explicit choice that is not an executable is an error, not a reason to try another.
    """
    explicit = chromium or os.environ.get("ATLAS_CHROMIUM")
    if explicit:
        candidates = [str(explicit)]
    else:
        candidates = [c for c in (shutil.which("chromium"), shutil.which("chromium-browser"),
                                  "/usr/bin/chromium") if c]
    for candidate in candidates:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    where = f" ({explicit} is not an executable file)" if explicit else ""
    raise ChromiumMissingError(f"Chromium not found{where}. {INSTALL_HINT}")


def chromium_problem(chromium: str | None = None) -> str | None:
    """Why a PNG cannot be made here (for the app to show), or None when it can."""
    try:
        require_extra()
        find_chromium(chromium)
    except SnapshotError as err:
        return str(err)
    return None


def _local_only(route) -> None:
    if route.request.url.startswith(LOCAL_SCHEMES):
        route.continue_()
    else:
        route.abort("blockedbyclient")


def render_pngs(
    htmls: Iterable[str],
    *,
    width: int = 1600,
    height: int = 1000,
    scale: float = 2,
    chromium: str | None = None,
    timeout_s: float = 60,
) -> Iterator[bytes]:
    """A PNG of each page, of ``width * scale`` by ``height * scale`` pixels, from one browser."""
    require_extra()
    executable = find_chromium(chromium)
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="atlas-snapshot-") as tmp, sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS),
                                         timeout=timeout_s * 1000)
        except PlaywrightError as err:
            raise SnapshotError(f"could not start {executable}: {err.message.splitlines()[0]}") from err
        try:
            context = browser.new_context(viewport={"width": width, "height": height},
                                          device_scale_factor=scale)
            context.route("**/*", _local_only)
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            for number, html in enumerate(htmls):
                page_file = Path(tmp) / f"map-{number}.html"
                page_file.write_text(html, encoding="utf-8")
                try:
                    page.goto(page_file.as_uri(), wait_until="load", timeout=timeout_s * 1000)
                    page.wait_for_function("window.atlasReady === true", timeout=timeout_s * 1000)
                except PlaywrightError as err:
                    detail = "; ".join(errors[-3:]) or err.message.splitlines()[0]
                    raise SnapshotError(f"the map did not finish drawing: {detail}") from err
                page.add_style_tag(content=STATIC_CSS)  # a picture has no buttons to press
                page.wait_for_timeout(SETTLE_MS)
                yield page.screenshot(type="png")
        finally:
            browser.close()


STATIC_CSS = ".leaflet-control-zoom,.leaflet-control-layers{display:none!important}"


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def render_png(
    html: str,
    *,
    width: int = 1600,
    height: int = 1000,
    scale: float = 2,
    chromium: str | None = None,
    isolate: bool | None = None,
) -> bytes:
    """The page as a PNG. ``isolate`` renders in a subprocess; by default only inside an event loop."""
    if isolate is None:
        isolate = _in_event_loop()
    if isolate:
        return render_png_subprocess(html, width=width, height=height, scale=scale, chromium=chromium)
    return next(iter(render_pngs([html], width=width, height=height, scale=scale, chromium=chromium)))


def render_png_subprocess(
    html: str, *, width: int = 1600, height: int = 1000, scale: float = 2, chromium: str | None = None
) -> bytes:
    """:func:`render_png` in a fresh Python process
    (``python -m dashboard.exports.snapshot_cli --html-in``)."""
    require_extra()
    executable = find_chromium(chromium)
    with tempfile.TemporaryDirectory(prefix="atlas-snapshot-") as tmp:
        page_file, png_file = Path(tmp) / "map.html", Path(tmp) / "map.png"
        page_file.write_text(html, encoding="utf-8")
        command = [sys.executable, "-m", "dashboard.exports.snapshot_cli", "--html-in", str(page_file),
                   "--out", str(png_file), "--width", str(width), "--height", str(height),
                   "--scale", str(scale), "--chromium", executable]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO_DIR), os.environ.get("PYTHONPATH", "")) if p)}
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env,
                                  timeout=SUBPROCESS_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as err:
            raise SnapshotError(f"rendering took longer than {SUBPROCESS_TIMEOUT_S} s") from err
        if done.returncode != 0 or not png_file.is_file():
            tail = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise SnapshotError(f"rendering failed in a subprocess: {tail}")
        return png_file.read_bytes()


def gif_frame(png: bytes, *, width: int = GIF_WIDTH):
    """A PNG shrunk to ``width`` and reduced to a palette: one frame of an animated series."""
    require_extra()
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)),
                             Image.Resampling.LANCZOS)
    return image.quantize(colors=255)


def gif_from_frames(frames: list, *, frame_ms: int = GIF_FRAME_MS) -> bytes:
    """The frames (from :func:`gif_frame`) as one looping animated GIF."""
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=frame_ms, loop=0)
    return buffer.getvalue()
