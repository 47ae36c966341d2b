"""The benchmark runs end to end on a tiny size and prints its table; no time is asserted."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from dashboard.bench import cli, table
from dashboard.bench.synth import synthetic_events
from dashboard.bench.worker import windows
from dashboard.events.store import index_store

from .conftest import CHROMIUM, event


def run(capsys, *args: str) -> str:
    assert cli.main(list(args)) == 0
    return capsys.readouterr().out


def rows_of(output: str) -> dict[str, dict[str, str]]:
    """The table's rows by their first cell, each as {column title: cell}."""
    lines = [line for line in output.splitlines() if line.startswith("|")]
    titles = [t.strip() for t in lines[0].strip("|").split("|")]
    rows = [dict(zip(titles, (c.strip() for c in line.strip("|").split("|")), strict=True))
            for line in lines[2:]]
    return {row["events"]: row for row in rows}


def number(text: str) -> float:
    return float(text.replace(",", "").rstrip("×"))


def test_a_tiny_run_prints_every_column_with_figures(capsys):
    output = run(capsys, "--sizes", "200", "--no-browser", "--moves", "3")
    assert "Command: `python -m dashboard.bench --sizes 200 --no-browser --moves 3`" in output
    row = rows_of(output)["200"]
    assert list(row) == [title for _, title in table.COLUMNS]
    for title in ("cold load s", "warm load s", "filter ms", "payload build ms", "payload KB",
                  "peak RSS cold MB", "peak RSS warm MB", "naive build s", "naive KB"):
        assert number(row[title]) > 0, title
    assert row["redraw s"] == "–"  # no browser asked for
    assert number(row["naive ÷ ours, bytes"]) > 0
    assert number(row["CSV MB"]) == pytest.approx(0.05, abs=0.03)


def test_the_naive_way_is_skipped_past_its_cap(capsys):
    output = run(capsys, "--sizes", "150,300", "--no-browser", "--moves", "2",
                 "--naive-cap-seconds", "0")
    rows = rows_of(output)
    assert rows["150"]["naive build s"] == rows["300"]["naive build s"] == "skipped (> cap)"
    assert rows["300"]["naive KB"] == "–" and rows["300"]["naive ÷ ours, time"] == "–"
    assert number(rows["300"]["payload KB"]) > 0


def test_slider_windows_start_with_the_whole_span_and_stay_inside_it():
    store = index_store("t", pd.DataFrame([event(f"e{i}", f"2015-{1 + i % 12:02d}-01") for i in range(40)]))
    first, last = store.span
    queries = windows(store, 12, seed=1)
    assert (queries[0].start, queries[0].end) == (first, last)
    assert len({(q.start, q.end) for q in queries}) == 12
    assert all(first <= q.start <= q.end <= last + pd.Timedelta(days=1) for q in queries)


def test_our_payload_stays_small_while_the_naive_one_grows(tmp_path):
    from dashboard.bench import payload
    from dashboard.bench.synth import to_csv_bytes
    from dashboard.events.query import Query
    from dashboard.events.view import build_view
    from dashboard.ingest.cache import load_cached
    from dashboard.mapping.basemap import base_map

    ours, naive = [], []
    for n in (400, 4000):
        store = load_cached(to_csv_bytes(synthetic_events(n, seed=2)), name="s.csv", cache_dir=tmp_path)
        view = build_view(store, Query())
        ours.append(payload.ours(store, view, asset_url="static/").size)
        naive.append(payload.naive(store.events.head(n // 10), asset_url="static/").size)
    assert ours[1] < 2 * 2**20 and ours[1] < 2 * ours[0]  # grid cells: bounded by the map, not n
    assert naive[1] > 8 * naive[0]  # one marker per event: grows with n
    args = payload.capture(base_map(online_tiles=False))
    assert {"script", "feature_group", "js_links", "css_links"} <= set(args)


def test_table_cells_are_readable():
    assert table.cell(1234567) == "1,234,567"
    assert table.cell(0.1234) == "0.12" and table.cell(12.34) == "12.3" and table.cell(1234.5) == "1,234"
    assert table.cell(None) == table.cell(float("nan")) == "–"
    assert table.cell("skipped (> cap)") == "skipped (> cap)"


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_a_tiny_run_measures_redraws_in_chromium(capsys):
    output = run(capsys, "--sizes", "300", "--browser", "--sessions", "0", "--moves", "3")
    row = rows_of(output)["300"]
    assert 0 < number(row["redraw s"]) < 60
    assert 0 < number(row["naive redraw s"]) < 60


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_sessions_move_the_slider_on_the_real_app(tmp_path):
    from dashboard.bench import sessions
    from dashboard.bench.synth import write_csv

    csv = write_csv(tmp_path / "events.csv", 3000, seed=4)
    result = sessions.measure(csv, tmp_path / "app.log", sessions=2, moves=2, key="PageUp")
    assert result["failures"] == []
    assert result["lone_moves"] == 2 and result["crowd_moves"] == 4
    assert result["lone_median_s"] > 0 and result["crowd_p95_s"] >= result["crowd_median_s"]
    text = table.sessions_text(result, 3000)
    assert re.search(r"2 sessions at once, each waiting 0.3-1 s between moves: "
                     r"median [\d.]+ s, p95 [\d.]+ s", text)


def test_the_worst_files_are_measured_beside_a_clean_one(tmp_path, capsys):
    from dashboard.bench import hostile

    assert hostile.main(["--rows", "300", "--reruns", "1", "--only", "clean,repeated ids,wide header",
                         "--workdir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in lines[2:]}
    assert list(rows) == ["clean", "repeated ids", "wide header"]
    # columns: MB, load s, peak MB, held MB, events, problems, app first run s, app rerun s
    assert rows["clean"][4] == "300" and rows["clean"][5] == "0"
    assert rows["repeated ids"][4] == "1" and rows["repeated ids"][5] == "299"
    assert rows["wide header"][4] == "300" and int(rows["wide header"][5]) >= 1  # "columns not used"
    assert all(float(cells[7]) >= 0 for cells in rows.values())
    assert (tmp_path / "wide-header.csv").read_text().splitlines()[0].count(",") == hostile.WIDE_COLUMNS - 1


def test_the_linking_benchmark_reports_a_row_per_pair_of_sizes(capsys):
    from dashboard.bench.links import main

    main(["--sizes", "600x400", "--repeat", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 600 vs 400 |")]
    assert len(rows) == 1
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[1] == "1,000" and int(cells[4].replace(",", "")) > 0, rows[0]
