"""The package as a user installs it: its files, its command line, its extras, its logs.

Fast checks on the checkout; tests/test_wheel.py builds the wheel and runs it from a fresh venv.
"""

from __future__ import annotations

import logging
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import DATA_DIR, PACKAGE_DIR
from dashboard.cli import SERVE_FLAGS, build_parser, main, serve_command
from dashboard.exports import snapshot_cli
from dashboard.exports.snapshot_png import EXTRA_HINT, chromium_problem
from dashboard.ingest.cache import load_cached
from dashboard.mapping import basemap
from dashboard.mapping.assets import ASSETS, IMAGES, SOURCES, STATIC_DIR, asset_url, missing_assets
from dashboard.model.atomic import remove_stale_temporaries
from tests.conftest import plain_messages

ROOT = Path(__file__).resolve().parent.parent
APP = str(PACKAGE_DIR / "ui" / "app.py")
ENABLE = "pip install 'event-atlas[snapshot]'"


# -- package data ---------------------------------------------------------------------------------

def test_every_asset_a_map_names_is_built_into_static():
    served = {name for name in ASSETS.values() if name is not None}
    assert served | {f"images/{image}" for image in IMAGES} == set(SOURCES)
    assert missing_assets() == []  # the editable install copied them (setup.py)
    assert all((STATIC_DIR / name).stat().st_size > 500 for name in SOURCES)


def test_missing_assets_are_named(tmp_path):
    (tmp_path / "leaflet.js").write_text("L")
    assert missing_assets(tmp_path) == [name for name in SOURCES if name != "leaflet.js"]


def test_the_app_says_when_the_leaflet_files_are_missing(monkeypatch):
    import dashboard.mapping.assets as assets

    monkeypatch.setattr(assets, "missing_assets", lambda: ["leaflet.js"])
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("Leaflet files are missing (leaflet.js)" in text for text in plain_messages(at, "error"))
    st.cache_resource.clear()


def test_package_data_patterns_cover_the_bundled_data_and_the_streamlit_config():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["dashboard"]
    shipped = {path for pattern in patterns for path in PACKAGE_DIR.glob(pattern)}
    data = {path for path in DATA_DIR.rglob("*") if path.is_file()}
    assert data and data <= shipped
    assert PACKAGE_DIR / "ui" / ".streamlit" / "config.toml" in shipped


def test_assets_are_served_under_the_base_url_path():
    assert asset_url("") == "/app/static/"
    assert asset_url("atlas") == asset_url("/atlas/") == "/atlas/app/static/"
    assert asset_url("/a/b") == "/a/b/app/static/"


def test_the_shipped_streamlit_config_agrees_with_the_serve_flags():
    """Streamlit reads ui/.streamlit/config.toml when started without `atlas serve`."""
    config = tomllib.loads((PACKAGE_DIR / "ui" / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    for flag in SERVE_FLAGS:
        name, value = flag.removeprefix("--").split("=", 1)
        section, option = name.split(".")
        assert str(config[section][option]).lower() == value.lower(), flag


# -- the command line -----------------------------------------------------------------------------

def test_version_comes_from_the_package_metadata(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert capsys.readouterr().out == f"atlas {version('event-atlas')}\n"
    assert version("event-atlas") == declared


def _serve_args(argv: list[str]):
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    from dashboard.cli import _streamlit_options

    args.streamlit_options = _streamlit_options(parser, extra)
    return args


def test_serve_passes_streamlit_options_through_after_its_own():
    args = _serve_args(["serve", "--server.baseUrlPath", "/atlas", "--port", "8600",
                        "--theme.base=dark"])
    command = serve_command(args)
    assert command[command.index("run") + 1] == str(PACKAGE_DIR / "ui" / "app.py")
    assert "--server.port=8600" in command
    tail = command[-3:]
    assert tail == ["--server.baseUrlPath", "/atlas", "--theme.base=dark"]  # last: they win
    assert command.index("--server.headless=true") < command.index("--server.baseUrlPath")


def test_serve_passes_the_log_level_to_streamlit():
    assert "--logger.level=debug" in serve_command(_serve_args(["--log-level", "DEBUG", "serve"]))
    assert not any(a.startswith("--logger.level") for a in serve_command(_serve_args(["serve"])))


@pytest.mark.parametrize("argv", [["serve", "--prot", "8600"], ["serve", "8600"],
                                  ["validate", "--server.port", "1"]])
def test_unknown_arguments_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    assert "unrecognised argument" in capsys.readouterr().err


# -- the snapshot extra ---------------------------------------------------------------------------

@pytest.fixture(params=["playwright", "PIL"])
def without_extra(request, monkeypatch):
    """The snapshot extra not installed: importing Playwright (or Pillow) fails."""
    for name in list(sys.modules):
        if name == request.param or name.startswith(request.param + "."):
            monkeypatch.delitem(sys.modules, name)
    for name in (request.param, f"{request.param}.sync_api", f"{request.param}.Image"):
        monkeypatch.setitem(sys.modules, name, None)
    return request.param


def test_a_png_snapshot_without_the_extra_says_how_to_enable_it(without_extra, tmp_path, capsys):
    assert snapshot_cli.main(["--out", str(tmp_path / "map.png")]) == 3
    err = capsys.readouterr().err
    assert ENABLE in err and without_extra in err and "Traceback" not in err
    assert not (tmp_path / "map.png").exists()
    assert snapshot_cli.main(["--series", "month", "--out-dir", str(tmp_path / "maps"), "--gif"]) == 3
    assert not (tmp_path / "maps").exists()


def test_html_csv_and_geojson_snapshots_need_no_extra(without_extra, tmp_path):
    for suffix in ("html", "csv", "geojson"):
        assert snapshot_cli.main(["--out", str(tmp_path / f"map.{suffix}")]) == 0
    assert "leaflet" in (tmp_path / "map.html").read_text(encoding="utf-8")


def test_the_app_disables_the_png_download_and_says_how_to_enable_it(without_extra):
    assert ENABLE in (chromium_problem() or "")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    buttons = {b.proto.label: b.proto.disabled for b in at.get("download_button")}
    assert buttons["Map (PNG)"] is True
    assert buttons["Map (HTML)"] is False and buttons["Events (CSV)"] is False
    assert any(ENABLE in c.value for c in at.caption)
    st.cache_resource.clear()


def test_the_extra_hint_names_the_command():
    assert ENABLE in EXTRA_HINT


# -- logging --------------------------------------------------------------------------------------

def test_the_cache_and_loader_say_what_they_do(tmp_path, caplog):
    events = DATA_DIR / "events.csv"
    with caplog.at_level(logging.INFO, logger="dashboard"):
        load_cached(events, cache_dir=tmp_path)
        load_cached(events, cache_dir=tmp_path)
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("cache miss: events.csv") for line in lines), lines
    assert any(line.startswith("loaded events.csv (format ") and " s" in line for line in lines), lines
    assert any(line.startswith("cache: saved events.csv") for line in lines), lines
    assert any(line.startswith("cache hit: events.csv") for line in lines), lines


def test_a_cache_that_cannot_be_written_is_logged(tmp_path, caplog):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="dashboard"):
        store = load_cached(DATA_DIR / "events.csv", cache_dir=blocked)
    assert len(store) > 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert any("cannot save events.csv" in r.getMessage() for r in warnings), caplog.text


def test_a_damaged_cache_entry_is_logged_and_rebuilt(tmp_path, caplog):
    load_cached(DATA_DIR / "events.csv", cache_dir=tmp_path)
    for entry in tmp_path.glob("*.events.arrow"):
        entry.write_bytes(b"not an Arrow file")
    with caplog.at_level(logging.WARNING, logger="dashboard"):
        assert len(load_cached(DATA_DIR / "events.csv", cache_dir=tmp_path)) > 0
    assert any("is damaged" in r.getMessage() for r in caplog.records), caplog.text


def test_a_stale_temporary_that_cannot_be_removed_is_logged(tmp_path, caplog, monkeypatch):
    stale = tmp_path / ".out.csv.999999999.abc.tmp"
    stale.write_text("x")

    def refuse(self, *args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(Path, "unlink", refuse)
    with caplog.at_level(logging.WARNING, logger="dashboard"):
        assert remove_stale_temporaries(tmp_path / "out.csv") == []
    assert any(str(stale) in r.getMessage() for r in caplog.records), caplog.text


# -- tile layers ----------------------------------------------------------------------------------

def test_online_tile_layers_come_from_xyzservices():
    import xyzservices.providers as xyz
    from jinja2.utils import htmlsafe_json_dumps

    html = basemap.base_map(online_tiles=True).get_root().render()
    for provider in (xyz.OpenStreetMap.Mapnik, xyz.Esri.WorldImagery):
        assert f'"{provider.build_url()}"' in html
        assert f'"attribution": {htmlsafe_json_dumps(provider.html_attribution)}' in html
    assert [provider for _, provider in basemap.TILE_LAYERS] == [xyz.OpenStreetMap.Mapnik,
                                                                   xyz.Esri.WorldImagery]


# -- the floors -----------------------------------------------------------------------------------

def _floors(requirements: list[str]) -> dict[str, str]:
    found = {}
    for requirement in requirements:
        name, _, floor = requirement.partition(">=")
        found[name.strip().lower()] = floor.strip()
    return found


def test_constraints_min_pins_every_declared_floor():
    """constraints-min.txt is what CI installs to test the floors: it must pin each one, exactly."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = _floors(project["dependencies"] + project["optional-dependencies"]["snapshot"])
    assert all(declared.values()), declared  # every dependency has a floor
    pins = {}
    for line in (ROOT / "constraints-min.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            pins[name.strip().lower()] = pinned.strip()
    assert set(pins) == set(declared)
    for name, floor in declared.items():
        assert pins[name].split(".")[:len(floor.split("."))] == floor.split(".") and \
            all(part == "0" for part in pins[name].split(".")[len(floor.split(".")):]), (name, floor)


def test_the_shipped_streamlit_settings_are_the_serve_commands():
    """``.streamlit/config.toml`` beside the app (read wherever Streamlit is started from) says
    what ``atlas serve`` passes on its command line: one set of settings however the app runs."""
    import tomllib

    from dashboard import PACKAGE_DIR
    from dashboard.cli import SERVE_FLAGS

    config = tomllib.loads((PACKAGE_DIR / "ui" / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    from_file = {f"--{section}.{name}={str(value).lower() if isinstance(value, bool) else value}"
                 for section, options in config.items() for name, value in options.items()}
    assert from_file == set(SERVE_FLAGS)
