"""The app-CPU benchmark runs end to end on a small export and prints its table; no time is asserted."""

from __future__ import annotations

import re

import pytest

from dashboard.bench import appcpu

from .conftest import CHROMIUM

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")]


def test_a_small_run_measures_every_move_with_cpu_figures(capsys):
    assert appcpu.main(["--events", "2000", "--moves", "2", "--no-clicks"]) == 0
    out = capsys.readouterr().out
    assert "--events 2000 --moves 2" in out
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in out.splitlines() if line.startswith("| ") and not line.startswith("| action")}
    slider, pan = rows["slider move (ArrowRight on the start thumb)"], rows["map pan (drag of 160 px)"]
    for moves, app_cpu, browser_cpu, *_ in (slider, pan):
        assert moves == "2"  # each move caused a rerun that finished
        assert float(app_cpu.split()[0]) > 0 and float(browser_cpu.split()[0]) > 0
    assert float(rows["first map, first session (export read)"][1]) > 0
    started = rows["first map, from the serve command (the browser open)"]
    # From the command, the app's CPU and the wall include the start: more than from the page's open.
    assert float(started[1]) > float(rows["first map, first session (export read)"][1])
    assert float(started[3]) > float(rows["first map, first session (export read)"][3])
    assert "Failures" not in out
    assert re.search(r"2,000 synthetic events", out)


def test_a_second_export_opened_beside_the_first_is_measured_with_the_memory(capsys):
    assert appcpu.main(["--events", "1500", "--beside", "800", "--moves", "2", "--no-clicks"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in out.splitlines() if line.startswith("| ") and not line.startswith("| action")}
    opened = rows["a second export uploaded beside it (loaded, combined, linked)"]
    assert float(opened[1]) > 0 and int(opened[4]) >= 1  # app CPU spent, a rerun ran
    before, after, peak = (float(x.replace(",", "")) for x in
                           rows["app memory: before the upload, after it, peak (MB)"][1].split(", "))
    assert 0 < before <= peak and 0 < after <= peak
    for name in ("slider move, the served export alone", "slider move, with the second export beside it"):
        assert rows[name][0] == "2", name
    assert "Failures" not in out


def test_quartiles_of_a_few_values():
    assert appcpu.quartiles([1.0, 2.0, 3.0, 4.0, 5.0]) == (2.0, 3.0, 4.0)
    assert appcpu.spread([0.25]) == "0.25 (0.25–0.25)"
