"""A named place, and the key that matches its name however a source spells it.

Sources write the same place as "Jisr ash-Shughur", "Jisr al-Shughur" or "JISR ASH SHUGHUR";
:func:`normalize_name` gives them one key, deliberately and predictably (no fuzzy matching, which
would merge different villages). Spellings it cannot fold are listed as a place's aliases.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from dashboard.model.schema import LOC_PRECISIONS

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


# The one rule for what a map can draw as a point: a place known to within this radius (a town, a
# district, a governorate; Homs, the largest, is about 110 km across its middle). Vaguer places are
# a country's centroid, which drawn as a point reads as a place in the desert ("≈24" over Palmyra):
# they are counted, listed and outlined instead, and never framed.
POINT_MAX_KM = 150.0


def drawable(uncertainty_km: object) -> np.ndarray:
    """Which events (by their location uncertainty in km, missing = exact) are drawn as points."""
    if isinstance(uncertainty_km, np.ndarray) and uncertainty_km.dtype.kind == "f":  # a store's column
        return ~(uncertainty_km > POINT_MAX_KM)  # missing (NaN) is exact
    radius = pd.to_numeric(pd.Series(uncertainty_km), errors="coerce").fillna(0).to_numpy(float)
    return radius <= POINT_MAX_KM


def place_errors(name: Any, lat: Any, lon: Any, precision: Any) -> list[tuple[str, str, Any]]:
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
        errors = place_errors(self.name, self.lat, self.lon, self.precision)
        if errors:
            raise ValueError("; ".join(f"{f}: {r} (got {v!r})" for f, r, v in errors))

    def match_keys(self) -> list[str]:
        """The normalised name first, then the aliases'."""
        return [normalize_name(n) for n in (self.name, *self.aliases)]
