"""Problems found in input data, reported as file:line: field: reason.

A problem never stops a load by itself: the row it names is discarded or repaired, and the
problem is kept so that the user sees every row that could not be used and why (Forensic
Architecture's timemap keeps such rows in a "discarded" list; so do we).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from dashboard.model.text import neutralise_cell

Action = Literal["discarded", "repaired", "warning", "error"]
PROBLEM_COLUMNS = ["file", "line", "field", "reason", "value", "action"]
RowModel = TypeVar("RowModel", bound=BaseModel)


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


def problems_csv(frame: pd.DataFrame) -> bytes:
    """The problems table as CSV that is safe to open in a spreadsheet.

    The values quoted from the file (``=HYPERLINK(...)``, ``@SUM(...)``) get a leading ``'``, as
    the events CSV does, so no cell of a hostile file runs as a formula when the user opens it.
    """
    out = frame.copy()
    out["line"] = out["line"].astype("Int64").astype("string").fillna("")
    for column in ("file", "field", "reason", "value", "action"):
        out[column] = out[column].astype("string").fillna("").astype(object).map(neutralise_cell)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def clip(value: object, limit: int = 80) -> str:
    """A short, printable rendering of a bad value for a message."""
    text = "" if value is None else str(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_model_rows(path: Path, model: type[RowModel]) -> tuple[list[RowModel], list[Problem]]:
    """The rows of a small reference CSV validated by a pydantic model, and a Problem per bad row.

    Used for actors.csv and sources.csv; each error names the file, the line and the field.
    """
    if not path.exists():
        return [], [Problem(path.name, None, None, "file not found", action="error")]
    rows: list[RowModel] = []
    problems: list[Problem] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            try:
                rows.append(model(**{k: (v or "") for k, v in row.items() if k}))
            except ValidationError as err:
                first = err.errors()[0]
                where = str(first["loc"][0]) if first["loc"] else None
                problems.append(Problem(path.name, reader.line_num, where, first["msg"]))
    return rows, problems
