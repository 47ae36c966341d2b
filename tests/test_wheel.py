"""The wheel as a user gets it: built from the sources, installed in a fresh venv, run elsewhere.

Slow (about a minute: a build, an install from the registry and a server), so it runs under
CI=true or with ATLAS_WHEEL_TEST=1, and is skipped otherwise. The install leaves out the
snapshot extra, so the command's hint for PNGs is checked on a real install too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from dashboard.bench.apprun import free_port, wait_for_map
from dashboard.exports.snapshot_png import CHROMIUM_ARGS
from dashboard.mapping.assets import SOURCES

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [
    pytest.mark.wheel,
    pytest.mark.skipif(not (os.environ.get("CI") or os.environ.get("ATLAS_WHEEL_TEST")),
                       reason="slow: builds and installs the wheel (CI=true or ATLAS_WHEEL_TEST=1)"),
    pytest.mark.timeout(900),
]


def _run(command: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None,
         timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=timeout, check=False)


def _sources(target: Path) -> Path:
    """The checkout's files as git sees them (tracked and new, not ignored): no build/, no static/."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """A wheel built from a copy of the sources and installed (no extras) into a fresh venv."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = _sources(tmp / "src")
    done = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist", src], cwd=tmp)
    assert done.returncode == 0, done.stderr[-3000:]
    wheel = next((tmp / "dist").glob("event_atlas-*.whl"))
    venv = tmp / "venv"
    done = _run([sys.executable, "-m", "venv", venv], cwd=tmp)
    assert done.returncode == 0, done.stderr
    done = _run([venv / "bin" / "python", "-m", "pip", "install", "-q", "--find-links", tmp / "dist",
                 "event-atlas"], cwd=tmp)
    assert done.returncode == 0, done.stderr[-3000:]
    package = Path(_run([venv / "bin" / "python", "-c", "import dashboard; print(dashboard.PACKAGE_DIR)"],
                        cwd=tmp).stdout.strip())
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    return {"wheel": wheel, "venv": venv, "package": package, "cwd": elsewhere, "cache": tmp / "cache"}


def atlas(installed: dict[str, Path], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return _run([installed["venv"] / "bin" / "atlas", *args], cwd=installed["cwd"], timeout=timeout,
                env={"ATLAS_CACHE_DIR": str(installed["cache"])})


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*"))}


def test_the_wheel_carries_the_data_the_config_and_the_leaflet_files(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for data in ("events.csv", "actors.csv", "sources.csv", "places.geojson",
                 "basemap/syria_region.geojson", "basemap/world_110m.geojson"):
        assert f"dashboard/data/{data}" in names
    assert "dashboard/ui/.streamlit/config.toml" in names
    assert {f"dashboard/ui/static/{name}" for name in SOURCES} <= names
    assert not [n for n in names if n.startswith("dashboard/ui/static/") and n.endswith(".tmp")]


def test_the_installed_package_is_the_wheels_not_the_checkouts(installed):
    assert installed["package"].is_relative_to(installed["venv"])
    assert (installed["package"] / "ui" / "static" / "leaflet.js").is_file()
    done = _run([installed["venv"] / "bin" / "python", "-c", "import playwright"], cwd=installed["cwd"])
    assert done.returncode != 0  # installed without the snapshot extra


def test_version(installed):
    done = atlas(installed, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"atlas {installed['wheel'].name.split('-')[1]}"


def test_validate_the_bundled_data(installed):
    done = atlas(installed, "validate")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"{installed['package'] / 'data' / 'events.csv'}: " in done.stderr
    assert "0 problems" in done.stderr


def test_snapshot_html_and_the_png_hint(installed):
    done = atlas(installed, "snapshot", "--from", "2016-01-01", "--to", "2016-03-01", "--out", "map.html")
    assert done.returncode == 0, done.stderr
    page = (installed["cwd"] / "map.html").read_text(encoding="utf-8")
    assert "atlas-asset:" not in page and "L.map(" in page and "Leaflet" in page
    done = atlas(installed, "snapshot", "--out", "map.png")
    assert done.returncode == 3
    assert "pip install 'event-atlas[snapshot]'" in done.stderr and "Traceback" not in done.stderr
    assert not (installed["cwd"] / "map.png").exists()


def test_serve_behind_a_base_url_path_writes_nothing_into_the_package(installed, tmp_path):
    before = _tree(installed["package"])
    port = free_port()
    base = f"http://127.0.0.1:{port}/atlas"
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [installed["venv"] / "bin" / "atlas", "serve", "--port", str(port),
             "--server.baseUrlPath", "/atlas"], cwd=installed["cwd"], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "ATLAS_CACHE_DIR": str(installed["cache"])})
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        with urllib.request.urlopen(f"{base}/app/static/leaflet.js", timeout=10) as answer:
            assert answer.read() == (installed["package"] / "ui" / "static" / "leaflet.js").read_bytes()
        with urllib.request.urlopen(f"{base}/", timeout=10) as answer:
            assert answer.status == 200 and b"<html" in answer.read().lower()
        _map_draws(f"{base}/")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert _tree(installed["package"]) == before


def _map_draws(url: str) -> None:
    """The page in chromium: the map draws with Leaflet from the package, every request local."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    remote: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.on("request", lambda r: remote.append(r.url) if not r.url.startswith(
                ("http://127.0.0.1", "data:", "blob:", "about:")) else None)
            page.goto(url)
            frame = wait_for_map(page, timeout=60)
            assert frame.evaluate("() => document.querySelectorAll('.leaflet-marker-icon, "
                                  ".leaflet-interactive').length") > 0
        finally:
            browser.close()
    assert remote == []
