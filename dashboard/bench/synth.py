"""Synthetic ACLED-style exports of any size, for the benchmark and the scaling tests.

Real exports cannot ship with the project (licence) and a benchmark needs a million rows, so this
makes rows that look like an ACLED export of Syria: events clustered on a few thousand sites around
real towns, each town with its own years of heavy fighting, 20 actors, and day/week/month time
precision and exact/near/regional geo precision mixed as in real exports. The places are a fixed
list (not dashboard/data/places.geojson) so that the benchmark's figures do not drift when curators edit the
gazetteer; ACLED rows carry their own coordinates, so the importer never needs the gazetteer for them.
Everything is vectorised: a million rows take a few seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from dashboard.books.regions import governorate_of
from dashboard.model.atomic import write_bytes_atomic

# name, lat, lon, ACLED admin1, relative weight, year of heaviest fighting
PLACES: tuple[tuple[str, float, float, str, float, int], ...] = (
    ("Aleppo", 36.2021, 37.1343, "Aleppo", 10, 2015),
    ("Damascus", 33.5138, 36.2765, "Damascus", 6, 2013),
    ("Douma", 33.5711, 36.4022, "Rural Damascus", 6, 2016),
    ("Darayya", 33.4580, 36.2360, "Rural Damascus", 3, 2014),
    ("Harasta", 33.5583, 36.3647, "Rural Damascus", 3, 2017),
    ("Homs", 34.7324, 36.7137, "Homs", 6, 2013),
    ("Al Qusayr", 34.5092, 36.5797, "Homs", 2, 2013),
    ("Ar Rastan", 34.9264, 36.7325, "Homs", 2, 2016),
    ("Tadmor", 34.5560, 38.2690, "Homs", 2, 2016),
    ("Hama", 35.1318, 36.7578, "Hama", 4, 2019),
    ("Idleb", 35.9306, 36.6339, "Idleb", 7, 2020),
    ("Jisr Ash-Shugur", 35.8125, 36.3183, "Idleb", 3, 2015),
    ("Maarrat An Nu'man", 35.6483, 36.6717, "Idleb", 4, 2019),
    ("Saraqab", 35.8647, 36.8006, "Idleb", 3, 2020),
    ("Khan Shaykhun", 35.4411, 36.6511, "Idleb", 3, 2019),
    ("Atareb", 36.1378, 36.8300, "Aleppo", 3, 2020),
    ("Azaz", 36.5863, 37.0446, "Aleppo", 3, 2018),
    ("Afrin", 36.5117, 36.8697, "Aleppo", 3, 2018),
    ("Al Bab", 36.3706, 37.5157, "Aleppo", 3, 2017),
    ("Menbij", 36.5281, 37.9549, "Aleppo", 3, 2016),
    ("Ain Al Arab", 36.8907, 38.3538, "Aleppo", 2, 2015),
    ("Ar-Raqqa", 35.9594, 39.0079, "Ar-Raqqa", 6, 2017),
    ("Ath-Thawrah", 35.8367, 38.5481, "Ar-Raqqa", 2, 2017),
    ("Tell Abiad", 36.6975, 38.9567, "Ar-Raqqa", 2, 2019),
    ("Deir-ez-Zor", 35.3359, 40.1408, "Deir-ez-Zor", 6, 2017),
    ("Al Mayadin", 35.0192, 40.4519, "Deir-ez-Zor", 3, 2018),
    ("Abu Kamal", 34.4531, 40.9186, "Deir-ez-Zor", 3, 2018),
    ("Al-Hasakeh", 36.5024, 40.7477, "Al-Hasakeh", 3, 2015),
    ("Quamishli", 37.0522, 41.2318, "Al-Hasakeh", 2, 2016),
    ("Ras Al Ain", 36.8350, 40.0706, "Al-Hasakeh", 2, 2019),
    ("Dar'a", 32.6189, 36.1021, "Dar'a", 5, 2018),
    ("As-Sweida", 32.7090, 36.5695, "As-Sweida", 2, 2022),
    ("Quneitra", 33.1253, 35.8245, "Quneitra", 1, 2018),
    ("Lattakia", 35.5317, 35.7918, "Lattakia", 2, 2015),
    ("Tartous", 34.8850, 35.9000, "Tartous", 1, 2016),
)

ACTORS: tuple[str, ...] = (
    "Military Forces of Syria (2000-2024)",
    "NDF: National Defence Forces",
    "Hezbollah",
    "Military Forces of Russia (2000-)",
    "Military Forces of Iran (1989-)",
    "Liwa Fatemiyoun",
    "Hayat Tahrir al Sham",
    "Ahrar al Sham",
    "Jaish al Islam",
    "NLF: National Liberation Front",
    "SNA: Syrian National Army",
    "Free Syrian Army",
    "Islamic State (Syria)",
    "SDF: Syrian Democratic Forces",
    "YPG: People's Protection Units",
    "Military Forces of Turkey (2016-)",
    "Military Forces of Israel (1948-)",
    "Military Forces of the United States (2021-)",
    "Unidentified Armed Group (Syria)",
    "Civilians (Syria)",
)

# ACLED event_type, sub_event_type, disorder_type, share, needs an opponent
EVENT_KINDS: tuple[tuple[str, str, str, float, bool], ...] = (
    ("Battles", "Armed clash", "Political violence", 0.34, True),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Political violence", 0.25, True),
    ("Explosions/Remote violence", "Air/drone strike", "Political violence", 0.15, True),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "Political violence", 0.05, False),
    ("Violence against civilians", "Attack", "Political violence", 0.08, True),
    ("Protests", "Peaceful protest", "Demonstrations", 0.06, False),
    ("Riots", "Violent demonstration", "Demonstrations", 0.01, False),
    ("Strategic developments", "Non-violent transfer of territory", "Strategic developments", 0.03, False),
    ("Strategic developments", "Other", "Strategic developments", 0.03, False),
)
SOURCES = ("Syrian Observatory for Human Rights", "SANA", "Step News Agency", "Deir Ezzor 24",
           "North Press Agency", "Enab Baladi")
FIRST_DAY = np.datetime64("2012-01-01")
LAST_DAY = np.datetime64("2024-12-31")
SITES = 4000  # ACLED's Syria data has a few thousand distinct locations


def _sites(rng: np.random.Generator) -> pd.DataFrame:
    """Fixed sites (villages, districts) around each town: where events happen."""
    weights = np.array([p[4] for p in PLACES], dtype=float)
    per_place = np.maximum(1, np.round(SITES * weights / weights.sum())).astype(int)
    town = np.repeat(np.arange(len(PLACES)), per_place)
    rank = np.concatenate([np.arange(k) for k in per_place])
    spread = np.where(rank == 0, 0.0, 0.05 + 0.1 * rng.random(len(town)))
    lat = np.array([p[1] for p in PLACES])[town]
    lon = np.array([p[2] for p in PLACES])[town]
    todo = np.ones(len(town), dtype=bool)
    base_lat, base_lon = lat.copy(), lon.copy()
    for _ in range(20):  # re-draw the sites that fell outside Syria (into the sea or abroad)
        lat = np.where(todo, base_lat + rng.normal(0, 1, len(town)) * spread, lat)
        lon = np.where(todo, base_lon + rng.normal(0, 1, len(town)) * spread, lon)
        todo = governorate_of(lat.round(4), lon.round(4)) == ""
        if not todo.any():
            break
    lat, lon = np.where(todo, base_lat, lat), np.where(todo, base_lon, lon)
    names = np.array([p[0] for p in PLACES], dtype=object)[town]
    prefix = np.array(("Kafr", "Tell", "Deir", "Ain", "Khirbet", "Jabal"), dtype=object)
    names = np.where(rank == 0, names, prefix[rank % 6] + " " + names + " " + rank.astype(str).astype(object))
    # A few sites draw most events, as in real data (Zipf-like within each town).
    pull = 1.0 / (1.0 + rank) ** 0.9
    pull = pull * weights[town] / np.bincount(town, weights=pull)[town]
    return pd.DataFrame({"town": town, "lat": lat.round(4), "lon": lon.round(4), "name": names,
                         "pull": pull / pull.sum()})


def _dates(rng: np.random.Generator, peak_year: np.ndarray) -> np.ndarray:
    """Days: most around each town's peak year, the rest spread over the whole span."""
    span = int((LAST_DAY - FIRST_DAY).astype(int))
    peak = (np.datetime64("2012-07-01") + (peak_year - 2012) * 365).astype("datetime64[D]")
    near = (peak - FIRST_DAY).astype(int) + rng.normal(0, 420, len(peak_year))
    anywhere = rng.integers(0, span + 1, len(peak_year))
    offset = np.where(rng.random(len(peak_year)) < 0.7, near, anywhere)
    return FIRST_DAY + np.clip(offset, 0, span).astype(int).astype("timedelta64[D]")


def synthetic_events(n: int, *, seed: int = 0) -> pd.DataFrame:
    """``n`` events in ACLED's export layout (the columns a 2024 export has), sorted by date."""
    rng = np.random.default_rng(seed)
    sites = _sites(np.random.default_rng(seed + 1))
    site = rng.choice(len(sites), size=n, p=sites["pull"].to_numpy())
    town = sites["town"].to_numpy()[site]
    towns = np.array([p[0] for p in PLACES], dtype=object)
    days = _dates(rng, np.array([p[5] for p in PLACES])[town])
    order = np.argsort(days, kind="stable")
    site, town, days = site[order], town[order], days[order]

    geo_precision = rng.choice([1, 2, 3], size=n, p=[0.72, 0.2, 0.08])
    at_town = geo_precision > 1  # "near" and regional events sit on the town's own coordinates
    first_site = np.r_[0, np.cumsum(np.bincount(sites["town"]))[:-1]]
    located = np.where(at_town, first_site[town], site)
    lat = sites["lat"].to_numpy()[located]
    lon = sites["lon"].to_numpy()[located]
    location = sites["name"].to_numpy()[located]

    kinds = rng.choice(len(EVENT_KINDS), size=n, p=[k[3] for k in EVENT_KINDS])
    table = np.array([k[:3] for k in EVENT_KINDS], dtype=object)
    opposed = np.array([k[4] for k in EVENT_KINDS])[kinds]
    actor_p = 1.0 / np.arange(1, len(ACTORS) + 1) ** 0.8
    actor1 = rng.choice(len(ACTORS), size=n, p=actor_p / actor_p.sum())
    actor2 = (actor1 + rng.integers(1, len(ACTORS), size=n)) % len(ACTORS)
    names = np.array(ACTORS, dtype=object)
    first = names[actor1]
    second = np.where(opposed, names[actor2], "")
    precision = rng.choice([1, 2, 3], size=n, p=[0.78, 0.15, 0.07])
    fatalities = np.where(opposed, rng.geometric(0.35, size=n) - 1, 0)
    date_text = pd.Series(days).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    notes = table[kinds, 1] + " at " + location + "."
    frame = pd.DataFrame(
        {
            "event_id_cnty": "SYR" + pd.Series(np.arange(1, n + 1)).astype(str).to_numpy(object),
            "event_date": date_text,
            "year": days.astype("datetime64[Y]").astype(int) + 1970,
            "time_precision": precision,
            "disorder_type": table[kinds, 2],
            "event_type": table[kinds, 0],
            "sub_event_type": table[kinds, 1],
            "actor1": first,
            "assoc_actor_1": "",
            "actor2": second,
            "assoc_actor_2": "",
            "civilian_targeting": np.where(table[kinds, 0] == "Violence against civilians",
                                           "Civilian targeting", ""),
            "iso": 760,
            "region": "Middle East",
            "country": "Syria",
            "admin1": np.array([p[3] for p in PLACES], dtype=object)[town],
            "admin2": towns[town],
            "location": location,
            "latitude": lat,
            "longitude": lon,
            "geo_precision": geo_precision,
            "source": np.array(SOURCES, dtype=object)[rng.integers(0, len(SOURCES), size=n)],
            "source_scale": "National",
            "notes": notes,
            "fatalities": fatalities,
            "timestamp": 1_700_000_000 + rng.integers(0, 30_000_000, size=n),
        }
    )
    return frame


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV (UTF-8, header), written by pyarrow for speed.

    No value made here holds a comma, quote or line break, so nothing is quoted, as in the files
    ACLED's export tool writes; pyarrow refuses to write a value that would need quotes.
    """
    sink = pa.BufferOutputStream()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pacsv.write_csv(table, sink, pacsv.WriteOptions(quoting_style="none"))
    return sink.getvalue().to_pybytes()


def write_csv(path: str | Path, n: int, seed: int = 0) -> Path:
    """Write ``n`` synthetic events to ``path`` (atomically) and return the path."""
    return write_bytes_atomic(path, to_csv_bytes(synthetic_events(n, seed=seed)))
