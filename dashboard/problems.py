"""Problems found in input data, reported as file:line: field: reason.

A problem never stops a load by itself: the row it names is discarded or repaired, and the
problem is kept so that the user sees every row that could not be used and why (Forensic
Architecture's timemap keeps such rows in a "discarded" list; so do we).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

import pandas as pd

Action = Literal["discarded", "repaired", "warning", "error"]
PROBLEM_COLUMNS = ["file", "line", "field", "reason", "value", "action"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one row (or with the whole file when ``line`` is None)."""

    file: str
    line: int | None
    field: str | None
    reason: str
    value: str = ""
    action: Action = "discarded"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        value = f" (got {self.value!r})" if self.value else ""
        return f"{where}:{field} {self.reason}{value} [{self.action}]"


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    """The problems as a table, for display and download."""
    return pd.DataFrame([asdict(p) for p in problems], columns=PROBLEM_COLUMNS)


def clip(value: object, limit: int = 80) -> str:
    """A short, printable rendering of a bad value for a message."""
    text = "" if value is None else str(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"
