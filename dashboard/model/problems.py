"""Problems found in input data, reported as file:line: field: reason.

A problem never stops a load by itself: the row it names is discarded or repaired, and the
problem is kept so that the user sees every row that could not be used and why (Forensic
Architecture's timemap keeps such rows in a "discarded" list; so do we).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals
from pydantic import BaseModel, ValidationError

from dashboard.model.text import neutralise_column

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
    if isinstance(problems, ProblemTable):
        return problems.frame
    return pd.DataFrame([asdict(p) for p in problems], columns=PROBLEM_COLUMNS)


def problems_csv(frame: pd.DataFrame) -> bytes:
    """The problems table as CSV that is safe to open in a spreadsheet.

    The values quoted from the file (``=HYPERLINK(...)``, ``@SUM(...)``) get a leading ``'``, as
    the events CSV does, so no cell of a hostile file runs as a formula when the user opens it.
    """
    out = pd.DataFrame({"line": frame["line"].astype("Int64").astype("string").fillna("")})
    for column in ("file", "field", "reason", "value", "action"):
        out[column] = neutralise_column(frame[column])
    return out[PROBLEM_COLUMNS].to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


CLIP = 80  # characters of a bad value quoted in a message


def clip(value: object, limit: int = CLIP) -> str:
    """A short, printable rendering of a bad value for a message."""
    text = "" if value is None else str(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clip_column(values: object, limit: int = CLIP) -> pa.Array:
    """:func:`clip` over a whole column at once (Arrow kernels: a million values in milliseconds,
    where a Python call per value took seconds)."""
    text = text_array(values)
    for control, shown in (("\n", "\\n"), ("\r", "\\r")):  # a copy of the column only if needed
        if pc.any(pc.match_substring(text, control)).as_py():
            text = pc.replace_substring(text, control, shown)
    long = pc.fill_null(pc.greater(pc.utf8_length(text), limit), False)
    if not pc.any(long).as_py():
        return text
    ellipsis, empty = pa.scalar("…", pa.large_string()), pa.scalar("", pa.large_string())
    cut = pc.binary_join_element_wise(pc.utf8_slice_codeunits(text, 0, limit - 1), ellipsis, empty)
    return pc.if_else(long, cut, text)


def text_array(values: object) -> pa.Array:
    """Any column of values as an Arrow (large) string array, "" for missing ones."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        array = values
    else:
        series = values if isinstance(values, pd.Series) else pd.Series(
            np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values,
            dtype=object)
        if series.dtype == object:
            series = series.map(lambda v: "" if v is None or v is pd.NA or
                                (isinstance(v, float) and v != v) else str(v))
        array = pa.array(series.astype("str").array, type=pa.large_string()) \
            if len(series) else pa.array([], pa.large_string())
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    return pc.fill_null(array, "")


class ProblemTable(Sequence[Problem]):
    """Many problems held as columns: a file of five million bad rows has five million problems.

    As :class:`Problem` objects they took about 300 bytes each and most of the load's time; here
    a problem is a few bytes of codes (file, field, reason and action are categories) plus its
    clipped value in an Arrow string array, and a whole group of rows is added at once. It reads
    as a sequence of :class:`Problem` (built on demand), so small consumers need not change; the
    app reads :attr:`frame`, :meth:`summary` and :meth:`head` instead, each computed once.
    """

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        self._chunks: list[pd.DataFrame] = []
        self._pending: list[Problem] = []  # added one by one; made a chunk when next read
        self._frame: pd.DataFrame | None = None
        self.extend(problems)

    # -- building -------------------------------------------------------------------------------

    def extend(self, problems: Iterable[Problem]) -> None:
        """Add problems given one by one (a file's few problems, a reference book's)."""
        if isinstance(problems, ProblemTable):
            if len(problems):
                self._add(problems.frame)
            return
        self._pending.extend(problems)
        self._frame = None
        self.__dict__.pop("_summary", None)

    def _flush(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        self._chunks.append(pd.DataFrame({
            "file": pd.Categorical([p.file for p in rows]),
            "line": pd.array([p.line for p in rows], dtype="Int64"),
            "field": pd.Categorical([p.field for p in rows]),
            "reason": pd.Categorical([p.reason for p in rows]),
            "value": pd.array([p.value for p in rows], dtype="str"),
            "action": pd.Categorical([p.action for p in rows]),
        }))

    def append(self, problem: Problem) -> None:
        self.extend([problem])

    def add_rows(self, *, file: str, lines: np.ndarray, field: str | None,
                 reason: str | Sequence[str] | np.ndarray | pd.Categorical[Any], values: object = None,
                 action: Action | pd.Categorical[Any] = "discarded") -> None:
        """One problem per entry of ``lines``: the same file and field, a reason and an action
        that are the same or one per row, and each row's value (clipped here)."""
        count = len(lines)
        if not count:
            return

        def same(text: str | None) -> pd.Categorical[Any]:
            if text is None:  # every row missing: no category
                none = pd.Index([], dtype=object)
                return pd.Categorical.from_codes(np.full(count, -1, np.int8), categories=none)
            return pd.Categorical.from_codes(np.zeros(count, np.int8), categories=pd.Index([text]))

        why = same(reason) if isinstance(reason, str) else reason \
            if isinstance(reason, pd.Categorical) else pd.Categorical(np.asarray(reason, dtype=object))
        shown = clip_column(values if values is not None else [""] * count)
        self._add(pd.DataFrame({
            "file": same(file),
            "line": pd.array(np.asarray(lines, dtype=np.int64), dtype="Int64"),
            "field": same(field),
            "reason": why,
            "value": pd.Series(pd.arrays.ArrowStringArray(shown.cast(pa.large_string())))
            .astype("str"),
            "action": action if isinstance(action, pd.Categorical) else same(action),
        }))

    def _add(self, chunk: pd.DataFrame) -> None:
        self._flush()
        self._chunks.append(chunk.reset_index(drop=True))
        self._frame = None
        self.__dict__.pop("_summary", None)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> ProblemTable:
        """A table from a problems frame (the cache's copy), without a Problem per row."""
        table = cls()
        if len(frame):
            table._add(pd.DataFrame({
                "file": frame["file"].astype("category"),
                "line": frame["line"].astype("Int64"),
                "field": frame["field"].astype("category"),
                "reason": frame["reason"].astype("category"),
                "value": frame["value"].astype("str").fillna(""),
                "action": frame["action"].astype("category"),
            }))
        return table

    @classmethod
    def concat(cls, parts: Iterable[Iterable[Problem]]) -> ProblemTable:
        table = cls()
        for part in parts:
            table.extend(part)
        return table

    # -- reading --------------------------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        """Every problem as one frame (file, line, field, reason, value, action)."""
        if self._frame is None:
            self._flush()
            if not self._chunks:
                self._frame = pd.DataFrame({
                    "file": pd.Categorical([]), "line": pd.array([], dtype="Int64"),
                    "field": pd.Categorical([]), "reason": pd.Categorical([]),
                    "value": pd.array([], dtype="str"), "action": pd.Categorical([])})
            elif len(self._chunks) == 1:
                self._frame = self._chunks[0]
            else:
                columns = {}
                for name in PROBLEM_COLUMNS:
                    parts = [chunk[name] for chunk in self._chunks]
                    columns[name] = (pd.Series(union_categoricals([_str_categories(c)
                                                                   for c in parts]))
                                     if isinstance(parts[0].dtype, pd.CategoricalDtype)
                                     else pd.concat(parts, ignore_index=True))
                self._frame = pd.DataFrame(columns)
            self._chunks = [self._frame] if len(self._frame) else []
        return self._frame

    def __len__(self) -> int:
        return sum(len(chunk) for chunk in self._chunks) + len(self._pending)

    @overload
    def __getitem__(self, index: int) -> Problem: ...
    @overload
    def __getitem__(self, index: slice) -> list[Problem]: ...

    def __getitem__(self, index: int | slice) -> Problem | list[Problem]:
        if isinstance(index, slice):
            return list(_as_problems(self.frame.iloc[index]))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return next(_as_problems(self.frame.iloc[index:index + 1]))

    def __iter__(self) -> Iterator[Problem]:
        frame = self.frame
        for start in range(0, len(frame), 10_000):  # never a Problem for every row at once
            yield from _as_problems(frame.iloc[start:start + 10_000])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ProblemTable | list | tuple):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"ProblemTable({len(self):,} problems)"

    def has(self, action: Action) -> bool:
        """Whether any problem has this action ("error": the file could not be read)."""
        return any(p.action == action for p in self._pending) or any(
            (chunk["action"] == action).any() for chunk in self._chunks)

    def in_line_order(self) -> ProblemTable:
        """By line, the file's own problems (no line) first; a line's problems keep their order."""
        frame = self.frame
        key = frame["line"].to_numpy(np.int64, na_value=-1)
        if not (key[1:] < key[:-1]).any():  # already in order: no copy of every problem
            return self
        order = np.argsort(key, kind="stable")
        return ProblemTable.from_frame(frame.iloc[order].reset_index(drop=True))

    def head(self, count: int) -> pd.DataFrame:
        """The first ``count`` problems as a frame of plain text (what a page lists: categories
        would carry every distinct reason of the file to the browser)."""
        head = self.frame.iloc[:count].reset_index(drop=True)
        return head.astype({c: "str" for c in ("file", "field", "reason", "action")}).fillna(
            {"field": ""})

    def summary(self) -> pd.DataFrame:
        """How many problems of each field, reason and action, most first, with the first line
        of each (computed once). Reasons that differ only by the line they name ("repeats the
        id of line 2", "... of line 3") count as one."""
        return self._summary

    @cached_property
    def _summary(self) -> pd.DataFrame:
        frame = self.frame
        columns = ["field", "reason", "action", "rows", "first line"]
        if frame.empty:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "rows" else "str")
                                 for c in columns})
        patterns = pd.Index(frame["reason"].cat.categories.astype("str")).str.replace(
            _LINE_NUMBER, "line …", regex=True)
        of_category, reasons = pd.factorize(patterns)
        # One integer key per (field, reason, action): grouping five million rows by codes takes
        # a fraction of a second, by their text several seconds.
        fields = frame["field"].cat.codes.to_numpy(np.int64) + 1  # 0: no field
        reason = of_category[frame["reason"].cat.codes.to_numpy()].astype(np.int64)
        action = frame["action"].cat.codes.to_numpy(np.int64)
        n_reason, n_action = len(reasons) + 1, len(frame["action"].cat.categories) + 1
        key = (fields * n_reason + reason) * n_action + action
        lines = frame["line"].to_numpy(dtype=np.float64, na_value=np.nan)
        grouped = pd.DataFrame({"key": key, "line": lines}).groupby("key", sort=False)["line"]
        out = grouped.agg(["size", "min"])
        keys = out.index.to_numpy(np.int64)
        field_names = np.asarray(["", *map(str, frame["field"].cat.categories)], dtype=object)
        action_names = np.asarray(list(map(str, frame["action"].cat.categories)), dtype=object)
        result = pd.DataFrame({
            "field": field_names[keys // n_action // n_reason],
            "reason": np.asarray(reasons, dtype=object)[keys // n_action % n_reason],
            "action": action_names[keys % n_action],
            "rows": out["size"].to_numpy(np.int64),
            "first line": pd.array(out["min"].to_numpy(), dtype="Int64"),
        })
        return result.astype({"field": "str", "reason": "str", "action": "str"}).sort_values(
            ["rows", "first line"], ascending=[False, True], kind="stable",
            na_position="first").reset_index(drop=True)


_LINE_NUMBER = r"\bline \d+"


def _str_categories(column: pd.Series) -> pd.Categorical:
    """The column's categories as ``str`` (an all-None column's are object): unions need one
    dtype."""
    categories = column.cat.categories
    return pd.Categorical.from_codes(column.cat.codes.to_numpy(), categories=pd.Index(
        [str(c) for c in categories], dtype="str"))


def _as_problems(frame: pd.DataFrame) -> Iterator[Problem]:
    lines = frame["line"].astype(object).where(frame["line"].notna(), None).tolist()
    fields = frame["field"].astype(object).where(frame["field"].notna(), None).tolist()
    for file, line, field, reason, value, action in zip(
            frame["file"].astype(str).tolist(), lines, fields, frame["reason"].astype(str).tolist(),
            frame["value"].astype(str).fillna("").tolist(), frame["action"].astype(str).tolist(),
            strict=True):
        yield Problem(file, None if line is None else int(line), field, reason, value, action)


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
