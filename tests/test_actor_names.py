"""Actor names as ACLED and UCDP write them: mapped onto the actor book, multi-group sides split,
and the names that match nothing listed with their counts."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from dashboard.books.actors import DEFAULT_NAMES, ActorBook
from dashboard.events.query import Query, select
from dashboard.ingest.formats.common import split_groups
from dashboard.ingest.load import load_events

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ACLED_ACTORS = ("actor1", "assoc_actor_1", "actor2", "assoc_actor_2")


@pytest.fixture(scope="module")
def book() -> ActorBook:
    return ActorBook.load()


def rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def chosen(store, *actors: str) -> set[str]:
    return set(store.events["id"][select(store, Query(actors=actors))])


def acled_names(row: dict[str, str]) -> set[str]:
    return {n.strip() for c in ACLED_ACTORS for n in row[c].split(";") if n.strip()}


@pytest.mark.parametrize(("side", "written"), [
    ("jihadist groups", "Islamic State (Syria)"),
    ("armed opposition", "Opposition Rebels (Syria)"),
    ("pro-government axis", "Military Forces of Syria (2000-)"),
    ("pro-government axis", "Military Forces of Russia (2000-)"),
])
def test_a_side_finds_acled_rows_by_acleds_own_names(book, side, written):
    store = load_events(FIXTURES / "acled_syria_sample.csv", actors=book)
    naming = {r["event_id_cnty"] for r in rows("acled_syria_sample.csv") if written in acled_names(r)}
    assert naming, written
    assert naming <= chosen(store, f"coalition:{side}")


def test_acled_names_become_the_books_actors(book):
    store = load_events(FIXTURES / "acled_syria_sample.csv", actors=book)
    first = store.events.set_index("id").loc["SYR1001", "actors"].split(";")
    assert first == ["Syrian Arab Army", "Hezbollah", "National Defence Forces", "Syrian rebels",
                     "Jabhat al-Nusra"]


def ucdp_with_multi_group_sides(tmp_path: Path) -> tuple[Path, set[str], set[str]]:
    """The UCDP sample with side_b "Syrian insurgents, HTS" in some rows and "HTS" in one."""
    table = rows("ucdp_ged_sample.csv")
    multi, alone = set(), set()
    for index, row in enumerate(table):
        if row["side_b"] == "Syrian insurgents" and index % 2 == 0:
            row["side_b"] = "Syrian insurgents, HTS"
            multi.add(f"ucdp-{row['id']}")
    table[-1]["side_a"] = "HTS"
    alone.add(f"ucdp-{table[-1]['id']}")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    path = tmp_path / "ucdp.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, multi, alone


def test_hts_finds_every_ucdp_row_that_names_it_in_a_multi_group_side(book, tmp_path):
    path, multi, alone = ucdp_with_multi_group_sides(tmp_path)
    assert len(multi) >= 3
    store = load_events(path, actors=book)
    assert len(store) == 30
    assert chosen(store, "HTS") == multi | alone
    assert chosen(store, "Hayat Tahrir al-Sham") == multi | alone
    assert multi <= chosen(store, "Syrian insurgents")  # the other group of the side too
    assert multi | alone <= chosen(store, "coalition:jihadist groups")
    row = store.events.set_index("id").loc[sorted(multi)[0], "actors"]
    assert row.split(";") == ["Syria (government)", "Syrian rebels", "Hayat Tahrir al-Sham"]
    assert "Syrian insurgents, HTS" not in set(store.actor_names)


@pytest.mark.parametrize(("text", "parts"), [
    ("Syrian insurgents, HTS", ["Syrian insurgents", "HTS"]),
    ("Government of Syria,Government of Russia (Soviet Union)",
     ["Government of Syria", "Government of Russia (Soviet Union)"]),
    ("Forces of X (north, south), IS", ["Forces of X (north, south)", "IS"]),
    ("Forces of X (north, south)", ["Forces of X (north, south)"]),
    ("HTS,", ["HTS,"]),  # an empty part: not a list
    ("  IS  ", ["IS"]),
    ("", []),
])
def test_split_groups(text, parts):
    assert split_groups(text, ",") == parts


def test_a_known_name_with_a_comma_is_not_split():
    known = {"forces of a, b and c"}
    assert split_groups("Forces of A, B and C", ",", known=known) == ["Forces of A, B and C"]


def test_acled_names_are_not_split_at_commas(book, tmp_path):
    lines = (FIXTURES / "acled_syria_sample.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Opposition Rebels (Syria)", '"Rebels, of somewhere"', 1)
    (tmp_path / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = load_events(tmp_path / "a.csv", actors=book)
    assert "Rebels, of somewhere" in set(store.actor_names)


def expected_unmatched(book: ActorBook, name: str, columns: tuple[str, ...],
                       split: str = "") -> dict[str, int]:
    """Counted from the raw file: per name, the rows that name it and that the book lacks."""
    counts: Counter[str] = Counter()
    for row in rows(name):
        names = {part for column in columns for cell in row[column].split(";")
                 for part in (cell.split(split) if split else [cell]) if part.strip()}
        counts.update({" ".join(n.split()) for n in names if book.canonical(n.strip()) is None})
    return dict(counts)


@pytest.mark.parametrize(("name", "columns", "split"), [
    ("acled_syria_sample.csv", ACLED_ACTORS, ""),
    ("ucdp_ged_sample.csv", ("side_a", "side_b"), ","),
])
def test_the_store_lists_the_names_that_matched_no_actor(book, name, columns, split):
    store = load_events(FIXTURES / name, actors=book)
    listed = dict(zip(store.unmatched_actors["name"], store.unmatched_actors["events"],
                      strict=True))
    assert listed == expected_unmatched(book, name, columns, split)
    assert listed  # the samples name civilians, whom the book does not hold
    assert list(store.unmatched_actors["events"]) == sorted(listed.values(), reverse=True)


def test_the_bundled_data_names_only_known_actors():
    from dashboard.ingest.load import load_bundled

    assert load_bundled().unmatched_actors.empty


def test_every_dataset_name_maps_to_an_actor_and_says_where_it_comes_from(book):
    with DEFAULT_NAMES.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert table and not [p for p in book.problems if "actor_names" in p.file]
    for row in table:
        assert book.canonical(row["name"]) == row["actor"], row
        assert row["dataset"] in ("ACLED", "UCDP GED") and row["source"].strip()
        assert f"{row['dataset']}: {row['source']}" in book.source_of(row["name"])
    pairs = [(row["dataset"], row["name"]) for row in table]
    assert len(set(pairs)) == len(pairs)  # one row per dataset and name
    assert book.source_of("Syrian Arab Army") == ""  # the book's own name needs no source


def test_a_bad_dataset_name_is_reported_not_used(tmp_path):
    (tmp_path / "actors.csv").write_text("name,aliases,parent,coalition,kind\n"
                                         "ISIS,IS,,jihadist groups,armed group\n"
                                         "Syrian rebels,,,armed opposition,armed group\n",
                                         encoding="utf-8")
    (tmp_path / "actor_names.csv").write_text(
        "name,actor,dataset,source\n"
        "Islamic State (Syria),ISIS,ACLED,seen in an export\n"
        "Opposition Rebels (Syria),Nobody,ACLED,seen in an export\n"
        "IS,Syrian rebels,UCDP GED,a mistake\n"
        "Blank source,ISIS,ACLED,\n", encoding="utf-8")
    book = ActorBook.load(tmp_path / "actors.csv")
    assert book.canonical("islamic state (syria)") == "ISIS"
    assert book.canonical("Opposition Rebels (Syria)") is None
    assert book.canonical("IS") == "ISIS"  # the book's own alias stands
    assert book.canonical("Blank source") is None
    found = sorted((p.field, p.value) for p in book.problems)
    assert found == [("actor", "Nobody"), ("name", "IS"), ("source", "")]
