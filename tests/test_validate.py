"""The validate command: silent on the bundled data, precise (file:line: field: reason) on broken copies."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from dashboard import DATA_DIR
from dashboard.cli import main

from .conftest import needs_seeds

FILES = ("events.csv", "places.geojson", "actors.csv", "sources.csv")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(DATA_DIR / name, tmp_path / name)
    return tmp_path


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, table: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def run(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["validate", *args])
    out = capsys.readouterr().out
    return code, [line for line in out.splitlines() if line.strip()]


def test_without_the_articles_validate_says_quotes_were_not_checked(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ATLAS_SEEDS", str(tmp_path))
    assert main(["validate"]) == 0
    err = capsys.readouterr().err
    assert "note: quotes from 5 article(s) not checked" in err and str(tmp_path) in err


def test_bundled_data_is_clean(capsys):
    code, lines = run(capsys)
    assert (code, lines) == (0, [])


def test_a_clean_copy_is_clean(capsys, data_copy):
    assert run(capsys, str(data_copy / "events.csv")) == (0, [])


# Each breakage: (row index, field, new value, expected text in the report)
BREAKAGES = [
    (0, "date", "2016-02-30", "date: not a real date"),
    (1, "date_end", "2001-01-01", "date_end: before the start date"),
    (2, "place", "Atlantis", "place: not in the gazetteer"),
    (3, "source", "no-such-article", "source: not in sources.csv"),
    (4, "quote", "A sentence no article contains.", "quote: not found verbatim"),
    (5, "event_type", "picnic", "event_type: not in the event type vocabulary"),
    (6, "actors", "Klingon Empire", "actors: not in actors.csv"),
    (7, "fatalities", "many", "fatalities: not a whole number"),
    (8, "date_precision", "fortnight", "date_precision: not one of"),
    (9, "id", "", "id: empty; named after its line"),
    (10, "date", "", "date: no date"),
    (11, "wounded", "-3", "wounded: not a whole number"),
]


# The quote check reads the articles.
@pytest.mark.parametrize(("index", "field", "value", "expected"), [
    pytest.param(*b, marks=needs_seeds) if b[1] == "quote" else b for b in BREAKAGES])
def test_each_breakage_is_reported_with_file_line_and_field(capsys, data_copy, index, field, value, expected):
    events = data_copy / "events.csv"
    table = rows(events)
    table[index][field] = value
    write_rows(events, table)
    code, lines = run(capsys, str(events))
    assert code == 1
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"events.csv:{index + 2}: ")  # line 1 is the header
    assert expected in lines[0]


@needs_seeds
def test_all_problems_are_reported_in_one_run(capsys, data_copy):
    events = data_copy / "events.csv"
    table = rows(events)
    for index, field, value, _ in BREAKAGES:
        table[index][field] = value
    table.append(dict(table[10]))  # a duplicate id
    write_rows(events, table)
    code, lines = run(capsys, str(events))
    assert code == 1
    for index, _, _, expected in BREAKAGES:
        assert any(x.startswith(f"events.csv:{index + 2}: ") and expected in x for x in lines), expected
    assert any(x.startswith(f"events.csv:{len(table) + 1}: id: repeats the id of line 12") for x in lines)
    assert len(lines) == len(BREAKAGES) + 1


def test_reference_files_are_checked_too(capsys, data_copy):
    places = json.loads((data_copy / "places.geojson").read_text(encoding="utf-8"))
    places["features"][0]["geometry"]["coordinates"] = [37.0, 123.0]
    (data_copy / "places.geojson").write_text(json.dumps(places), encoding="utf-8")
    actors = rows(data_copy / "actors.csv")
    actors[0]["parent"] = "Nobody"
    write_rows(data_copy / "actors.csv", actors)
    code, lines = run(capsys, str(data_copy / "events.csv"))
    assert code == 1
    text = "\n".join(lines)
    assert "places.geojson: features[0]" in text and "outside -90..90" in text
    assert "actors.csv" in text and "Nobody" in text


def test_a_user_export_is_validated_without_curation_checks(capsys):
    fixtures = Path(__file__).resolve().parent / "fixtures"
    assert run(capsys, str(fixtures / "acled_syria_sample.csv"))[0] == 0
    code, lines = run(capsys, str(fixtures / "out_of_range.csv"))
    assert code == 1 and lines and all(line.startswith("out_of_range.csv:") for line in lines)


def test_problems_are_listed_in_line_order(capsys, tmp_path):
    """Reading, adapting and normalising each find their own problems; the user reads them
    from the top of the file."""
    text = (Path(__file__).parent / "fixtures" / "acled_syria_sample.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[1] = lines[1].replace("Battles,", "Looting,", 1)  # adapter: unknown event type
    lines[3] = lines[3].replace(",", ",,", 1)  # reader: a ragged row
    lines[5] = lines[5].replace("36.", "x36.", 1)  # adapter: unreadable latitude
    (tmp_path / "acled.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out = run(capsys, str(tmp_path / "acled.csv"))
    numbers = [int(line.split(":")[1]) for line in out if line.startswith("acled.csv:")]
    assert code == 1 and len(numbers) >= 3
    assert numbers == sorted(numbers)
