"""The place gazetteer: named places with coordinates, read from and written to dashboard/data/places.geojson.

Events name places as the sources spell them ("Khan Touman", "Jisr ash-Shughur"), so lookups go
through :func:`~dashboard.model.place.normalize_name`, and each place may carry aliases. The loader resolves
up to a million rows through the unique place names, so a lookup is one dict access on a normalised key.
The file is curated by hand: saving keeps every feature it could not read, byte-for-byte as JSON,
and every property it does not know, so that a tool never deletes a person's work.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import DATA_DIR
from dashboard.model.atomic import write_text_atomic
from dashboard.model.place import Place, normalize_name, place_errors
from dashboard.model.problems import Action, Problem, clip

DEFAULT_GAZETTEER = DATA_DIR / "places.geojson"
FRAME_COLUMNS = ("name", "lat", "lon", "kind", "admin1", "country", "precision",
                 "uncertainty_km", "coord_source")
_KNOWN = frozenset(f for f in FRAME_COLUMNS if f not in ("lat", "lon")) | {"aliases"}
__all__ = ["DEFAULT_GAZETTEER", "FRAME_COLUMNS", "Gazetteer", "Place", "normalize_name"]

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
        self.indent = 2  # the loaded file's own, so that a save changes only what changed
        self._order: list[str] = []  # the loaded file's order of top-level members
        self._index: dict[str, int] = {}
        for place in places or []:
            self.add(place)

    @classmethod
    def load(cls, path: str | Path) -> Gazetteer:
        """Every valid feature of a GeoJSON file, and a Problem for each one that is not."""
        path, gaz = Path(path), cls()
        try:
            text = path.read_text(encoding="utf-8-sig")
            doc = json.loads(text)
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
        first_indent = re.search(r"\n( +)\S", text)
        gaz.indent = len(first_indent.group(1)) if first_indent else gaz.indent
        gaz._top = {k: v for k, v in doc.items() if k not in ("type", "features", "attribution")}
        gaz._order = list(doc)
        for number, feature in enumerate(doc["features"]):
            gaz._load_feature(str(path), number, feature)
        return gaz

    def _load_feature(self, file: str, number: int, feature: Any) -> None:
        where = f"features[{number}]"

        def problem(field: str, reason: str, value: Any, action: Action = "discarded") -> None:
            self.problems.append(Problem(file, None, f"{where}.{field}", reason, clip(value), action))

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
        errors = place_errors(props.get("name"), coords[1], coords[0], precision)
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
        doc = {"type": "FeatureCollection", "attribution": self.attribution, **self._top,
               "features": features}
        return {k: doc[k] for k in self._order if k in doc} | doc

    def save(self, path: str | Path) -> Path:
        """Write the file atomically: readers see the old file or the new one, never a part."""
        text = json.dumps(self.to_geojson(), ensure_ascii=False, indent=self.indent) + "\n"
        return write_text_atomic(path, text)

    def to_frame(self) -> pd.DataFrame:
        rows = [{c: asdict(p)[c] for c in FRAME_COLUMNS} for p in self._places]
        return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
