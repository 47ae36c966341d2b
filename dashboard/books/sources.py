"""The articles events come from (dashboard/data/sources.csv) and the check that quotes are verbatim.

Every curated event carries the sentence that supports it; this module proves that sentence is in
the article, so a typo or a paraphrase cannot pass as a quote.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, field_validator

from dashboard import DATA_DIR, REPO_DIR
from dashboard.model.problems import Problem, read_model_rows
from dashboard.model.text import squash_spaces

DEFAULT_SOURCES = DATA_DIR / "sources.csv"


def seeds_dir() -> Path:
    """Where the seed articles are: $ATLAS_SEEDS, else ../shared/seeds beside the checkout."""
    return Path(os.environ.get("ATLAS_SEEDS") or REPO_DIR.parent / "shared" / "seeds")


class SourceRow(BaseModel):
    """One article."""

    id: str
    file: str
    title: str
    outlet: str = ""
    author: str = ""
    published: str = ""
    published_note: str = ""
    url: str = ""

    @field_validator("id", "file", "title")
    @classmethod
    def _present(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value.strip()


@dataclass
class SourceBook:
    """Sources by id, with their article text loaded on demand."""

    rows: dict[str, SourceRow] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    seeds: Path = field(default_factory=seeds_dir)
    _texts: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_SOURCES, *, seeds: Path | None = None) -> SourceBook:
        """Read sources.csv; bad rows are reported with their line and left out."""
        book = cls(seeds=seeds or seeds_dir())
        rows, book.problems = read_model_rows(Path(path), SourceRow)
        book.rows = {source.id: source for source in rows}
        return book

    def text_of(self, source_id: str) -> str | None:
        """The article's text with spaces squashed, or None when its file is not at hand."""
        if source_id not in self._texts:
            row = self.rows.get(source_id)
            path = self.seeds / row.file if row else None
            text = path.read_text(encoding="utf-8") if path is not None and path.is_file() else None
            self._texts[source_id] = squash_spaces(text) if text is not None else None
        return self._texts[source_id]

    def unavailable(self) -> list[str]:
        """The article files that are not at hand, so their quotes cannot be checked."""
        return [row.file for row in self.rows.values() if not (self.seeds / row.file).is_file()]

    def quote_found(self, source_id: str, quote: str) -> bool | None:
        """True or False, or None when the article's text is not available to check against."""
        text = self.text_of(source_id)
        if text is None:
            return None
        return squash_spaces(quote) in text
