"""Small text helpers shared by the loaders: folding names for matching, escaping for HTML."""

from __future__ import annotations

import html
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """A case-, accent- and spacing-insensitive key, so "Hezbollah " matches "hezbollah"."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def squash_spaces(text: str) -> str:
    """Every run of Unicode whitespace (non-breaking spaces included) as one plain space."""
    return _SPACES.sub(" ", text).strip()


def esc(value: object) -> str:
    """HTML-escape anything that came from data; None and NaN become an empty string."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)
