"""The place gazetteer: named places with coordinates, read from and written to data/places.geojson.

Events name places as the sources spell them ("Khan Touman", "Jisr ash-Shughur"), so lookups go
through :func:`normalize_name`, and each place may carry aliases. The loader resolves up to a
million rows through the unique place names, so a lookup is one dict access on a normalised key.
The file is curated by hand: saving keeps every feature it could not read, byte-for-byte as JSON,
and every property it does not know, so that a tool never deletes a person's work.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import DATA_DIR
from dashboard.atomic import write_text_atomic
from dashboard.problems import Problem, clip
from dashboard.schema import LOC_PRECISIONS

DEFAULT_GAZETTEER = DATA_DIR / "places.geojson"
FRAME_COLUMNS = ("name", "lat", "lon", "kind", "admin1", "country", "precision",
                 "uncertainty_km", "coord_source")
_KNOWN = frozenset(f for f in FRAME_COLUMNS if f not in ("lat", "lon")) | {"aliases"}

# Transliterations write the Arabic article as al-, el- or assimilated to the next letter
# (ash-Shughur, ar-Raqqa, ez-Zor); dropped wherever they stand as a word, so that "Jisr ash-Shughur",
# "Jisr al Shughur" and "jisr shughur" are one key. Vowel spellings (Touman/Tuman) stay distinct:
# those are aliases, because guessing them would merge different places.
_ARTICLES = frozenset({"al", "el", "il", "ul", "ad", "adh", "an", "ar", "as", "ash", "at", "ath",
                       "az", "ed", "edh", "en", "er", "es", "esh", "et", "eth", "ez"})
_APOSTROPHES = dict.fromkeys(map(ord, "'`´ʹʻʼʽʾʿˈ‘’‚‛′ـ"), "")
_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae"})
_NON_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=1 << 16)
def normalize_name(text: str) -> str:
    """The matching key of a place name: no case, accents, apostrophes, hyphens or articles."""
    bare = text.translate(_APOSTROPHES)
    if not bare.isascii():
        decomposed = unicodedata.normalize("NFKD", bare)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LETTERS)
    words = _NON_WORD.sub(" ", bare.casefold()).split()
    kept = [w for w in words if w not in _ARTICLES]
    return " ".join(kept or words)


def _place_errors(name: Any, lat: Any, lon: Any, precision: Any) -> list[tuple[str, str, Any]]:
    """(field, reason, value) for each value that makes a place unusable."""
    errors: list[tuple[str, str, Any]] = []
    if not isinstance(name, str) or not normalize_name(name):
        errors.append(("name", "missing or empty", name))
    for label, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append((label, "not a number", value))
        elif not math.isfinite(value) or abs(value) > limit:
            errors.append((label, f"outside -{limit}..{limit}", value))
    if precision not in LOC_PRECISIONS:
        errors.append(("precision", f"not one of {', '.join(LOC_PRECISIONS)}", precision))
    return errors


@dataclass(frozen=True, slots=True)
class Place:
    """One named place. uncertainty_km is the radius within which the thing itself lies."""

    name: str
    lat: float
    lon: float
    kind: str = ""
    admin1: str = ""
    country: str = ""
    precision: str = "exact"
    uncertainty_km: float | None = None
    coord_source: str = ""
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "aliases", tuple(self.aliases))
        errors = _place_errors(self.name, self.lat, self.lon, self.precision)
        if errors:
            raise ValueError("; ".join(f"{f}: {r} (got {v!r})" for f, r, v in errors))

    def match_keys(self) -> list[str]:
        """The normalised name first, then the aliases'."""
        return [normalize_name(n) for n in (self.name, *self.aliases)]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class Gazetteer:
    """Places by normalised name and alias; names win over aliases, the first place over later."""

    def __init__(self, places: list[Place] | None = None, *, attribution: str = "") -> None:
        self.attribution = attribution
        self.problems: list[Problem] = []
        self._places: list[Place] = []
        self._extras: list[dict[str, Any]] = []  # unknown properties and feature members, kept
        self._rejected: dict[int, Any] = {}  # feature index -> raw feature that could not be read
        self._top: dict[str, Any] = {}  # other top-level members of the file
        self._index: dict[str, int] = {}
        for place in places or []:
            self.add(place)

    @classmethod
    def load(cls, path: str | Path) -> Gazetteer:
        """Every valid feature of a GeoJSON file, and a Problem for each one that is not."""
        path, gaz = Path(path), cls()
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            gaz.problems.append(Problem(str(path), None, None, "file not found; the gazetteer "
                                        "is empty", action="warning"))
            return gaz
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            line = getattr(exc, "lineno", None)
            gaz.problems.append(Problem(str(path), line, None, f"unreadable: {exc}", action="error"))
            return gaz
        if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
            gaz.problems.append(Problem(str(path), None, "features", "not a GeoJSON "
                                        "FeatureCollection", action="error"))
            return gaz
        gaz.attribution = _text(doc.get("attribution"))
        gaz._top = {k: v for k, v in doc.items() if k not in ("type", "features", "attribution")}
        for number, feature in enumerate(doc["features"]):
            gaz._load_feature(str(path), number, feature)
        return gaz

    def _load_feature(self, file: str, number: int, feature: Any) -> None:
        where = f"features[{number}]"

        def problem(field: str, reason: str, value: Any, action: str = "discarded") -> None:
            self.problems.append(Problem(file, None, f"{where}.{field}", reason, clip(value),
                                         action))  # type: ignore[arg-type]

        props = feature.get("properties") if isinstance(feature, dict) else None
        geom = feature.get("geometry") if isinstance(feature, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if not isinstance(props, dict) or not isinstance(geom, dict) or geom.get("type") != "Point" \
                or not isinstance(coords, list) or len(coords) < 2:
            problem("geometry", "not a Feature with a Point geometry and properties", feature)
            self._rejected[number] = feature
            return
        precision = props.get("precision")
        if precision is None:
            precision = "approximate"
            problem("properties.precision", "missing; taken as approximate", "", "repaired")
        errors = _place_errors(props.get("name"), coords[1], coords[0], precision)
        for field, reason, value in errors:
            where_field = {"lat": "geometry.coordinates[1]", "lon": "geometry.coordinates[0]"}
            problem(where_field.get(field, f"properties.{field}"), reason, value)
        raw_aliases = props.get("aliases") or []
        listed = [raw_aliases] if isinstance(raw_aliases, str) else raw_aliases
        aliases = [a.strip() for a in listed if isinstance(a, str) and a.strip()] \
            if isinstance(listed, list) else []
        if aliases != raw_aliases:
            problem("properties.aliases", "not a list of names; kept the names", raw_aliases,
                    "repaired")
        radius = props.get("uncertainty_km")
        if radius is not None and (isinstance(radius, bool) or not isinstance(radius, int | float)
                                   or not math.isfinite(radius) or radius < 0):
            problem("properties.uncertainty_km", "not a distance in km; left empty", radius,
                    "repaired")
            radius = None
        key = None if errors else normalize_name(props["name"])
        holder = self._holder(key) if key else None
        if holder is not None and normalize_name(holder.name) == key:
            problem("properties.name", f"same name as the earlier place {holder.name!r}",
                    props["name"])
            errors = [("name", "duplicate", holder.name)]
        if errors:
            self._rejected[number] = feature
            return
        if holder is not None:
            problem("properties.name", f"also an alias of {holder.name!r}; the name wins",
                    props["name"], "warning")
        for alias in aliases:
            other = self._holder(normalize_name(alias))
            if other is not None:
                problem("properties.aliases", f"also names {other.name!r}; ignored for this "
                        "place", alias, "warning")
        place = Place(props["name"].strip(), float(coords[1]), float(coords[0]),
                      _text(props.get("kind")), _text(props.get("admin1")),
                      _text(props.get("country")), precision, radius,
                      _text(props.get("coord_source")), tuple(aliases))
        extra = {k: v for k, v in props.items() if k not in _KNOWN}
        members = {k: v for k, v in feature.items() if k not in ("type", "geometry", "properties")}
        self.add(place, extra={"properties": extra, "feature": members})

    def _holder(self, key: str) -> Place | None:
        number = self._index.get(key)
        return None if number is None else self._places[number]

    def add(self, place: Place, *, replace: bool = False, extra: dict | None = None) -> Place:
        """Add a place. One with the same normalised name is an error, or replaced if ``replace``.

        A name takes its key over from another place's alias; an alias never takes a key.
        ``extra`` holds properties and feature members this module does not know, kept on save.
        """
        key = normalize_name(place.name)
        holder = self._holder(key)
        if holder is not None and normalize_name(holder.name) == key:
            if not replace:
                raise ValueError(f"the gazetteer already has {holder.name!r}")
            number = self._index[key]
            self._places[number] = place
            self._extras[number] = self._extras[number] if extra is None else extra
            self._reindex()
            return place
        self._places.append(place)
        self._extras.append(extra or {})
        self._index[key] = len(self._places) - 1
        for alias_key in place.match_keys()[1:]:
            self._index.setdefault(alias_key, len(self._places) - 1)
        return place

    def _reindex(self) -> None:
        names = {normalize_name(p.name): n for n, p in reversed(list(enumerate(self._places)))}
        self._index = names
        for number, place in enumerate(self._places):
            for alias_key in place.match_keys()[1:]:
                self._index.setdefault(alias_key, number)

    def lookup(self, name: str) -> Place | None:
        """The place with this name or alias (normalised), or None."""
        if not isinstance(name, str):
            return None
        number = self._index.get(normalize_name(name))
        return None if number is None else self._places[number]

    @property
    def places(self) -> list[Place]:
        return list(self._places)

    def to_geojson(self) -> dict[str, Any]:
        """The FeatureCollection, unreadable features back at their original positions."""
        features: list[Any] = []
        for place, extra in zip(self._places, self._extras, strict=True):
            props = {f.name: getattr(place, f.name) for f in fields(Place)
                     if f.name not in ("name", "lat", "lon", "aliases")}
            props = {"name": place.name, "aliases": list(place.aliases), **props,
                     **extra.get("properties", {})}
            geometry = {"type": "Point", "coordinates": [place.lon, place.lat]}
            features.append({"type": "Feature", **extra.get("feature", {}), "geometry": geometry,
                             "properties": props})
        for number in sorted(self._rejected):
            features.insert(number, self._rejected[number])
        return {"type": "FeatureCollection", "attribution": self.attribution, **self._top,
                "features": features}

    def save(self, path: str | Path) -> Path:
        """Write the file atomically: readers see the old file or the new one, never a part."""
        text = json.dumps(self.to_geojson(), ensure_ascii=False, indent=2) + "\n"
        return write_text_atomic(path, text)

    def to_frame(self) -> pd.DataFrame:
        rows = [{c: asdict(p)[c] for c in FRAME_COLUMNS} for p in self._places]
        return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
