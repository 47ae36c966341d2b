"""What every format adapter needs: columns found by name, codebook values and actor names
mapped once per distinct value, and problems tied to the file's lines."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.ingest.formats.vector import as_series, per_combo, spread
from dashboard.ingest.readcsv import STR
from dashboard.model.problems import Action, Problem, ProblemTable, clip, text_array
from dashboard.model.schema import ACTOR_SEPARATOR, OUR_COLUMNS, OUR_OPTIONAL_GEO
from dashboard.model.text import fold

OUT_COLUMNS: tuple[str, ...] = (*OUR_COLUMNS, *OUR_OPTIONAL_GEO)
Values = pd.Series | np.ndarray


def column_key(name: object) -> str:
    """How column names are compared: "Event Date " and "event_date" are the same column."""
    return "_".join(str(name).casefold().split())


class Columns:
    """The raw frame's columns by :func:`column_key`; an absent column reads as all "".

    ``header`` is every name in the file's header when the frame holds only the columns the
    format reads (None: the frame's own); asking for one that was left unread is a bug in the
    format's READS, so it raises rather than reading as empty."""

    def __init__(self, frame: pd.DataFrame, header: Iterable[str] | None = None) -> None:
        self.frame = frame
        self.names: dict[str, str] = {}
        self._cache: dict[str, pd.Series] = {}
        self._blank: pd.Series | None = None
        for name in frame.columns if header is None else header:
            self.names.setdefault(column_key(name), name)

    def has(self, key: str) -> bool:
        return key in self.names

    def missing(self, keys: Iterable[str]) -> list[str]:
        return [key for key in keys if key not in self.names]

    def __getitem__(self, key: str) -> pd.Series:
        """The column, trimmed (computed once); the column as read when nothing needed trimming,
        so a clean column is not held twice."""
        if key not in self._cache:
            column = self.raw(key)
            text = pa.chunked_array(pa.array(column))
            trimmed = pc.utf8_trim_whitespace(text)
            same = pc.sum(pc.binary_length(trimmed)).as_py() == pc.sum(pc.binary_length(text)).as_py()
            self._cache[key] = column if same else as_series(trimmed)
        return self._cache[key]

    def raw(self, key: str) -> pd.Series:
        """The column as read, for values that are mapped per distinct value (and trimmed there:
        trimming a million cells first costs more than the mapping)."""
        if key in self.names:
            if self.names[key] not in self.frame:
                raise KeyError(f"column {self.names[key]!r} was not kept: add {key!r} to the "
                               "format's READS")
            return self.frame[self.names[key]].astype(STR)
        if self._blank is None:  # one column of "" for every absent one: each is a row's cost
            self._blank = pd.Series("", index=self.frame.index, dtype=STR)
        return self._blank.copy(deep=False)


class Report:
    """Problems found while adapting, by row position, written as file:line problems."""

    def __init__(self, label: str, lines: np.ndarray) -> None:
        self.label = label
        self.lines = lines
        self.dropped = np.zeros(len(lines), dtype=bool)
        self.problems = ProblemTable()

    def rows(self, mask: np.ndarray, field: str | None, reason: str | Values,
             values: Values | Sequence[Values] | None = None,
             action: Action = "discarded") -> None:
        """One problem per row in ``mask``; ``reason`` may differ per row; ``values`` may be
        several columns, shown joined by ", "."""
        where = np.flatnonzero(mask)
        if action == "discarded":
            where = where[~self.dropped[where]]
            self.dropped[where] = True
        if not len(where):
            return
        why = reason if isinstance(reason, str) else np.asarray(_pick(reason, where), dtype=object)
        shown = None
        if values is not None:
            parts = [values] if isinstance(values, pd.Series | np.ndarray) else values
            texts = [text_array(_pick(part, where)) for part in parts]
            shown = texts[0] if len(texts) == 1 else pc.binary_join_element_wise(
                *texts, pa.scalar(", ", pa.large_string()))
        self.problems.add_rows(file=self.label, lines=self.lines[where], field=field, reason=why,
                               values=shown, action=action)

    def once(self, mask: np.ndarray, field: str | None, reason: str, value: str = "",
             action: Action = "warning") -> None:
        """One problem for a whole group of rows, at the first of them (e.g. an unknown type)."""
        where = np.flatnonzero(mask)
        if len(where):
            count = f" ({len(where)} rows)" if len(where) > 1 else ""
            self.problems.append(Problem(self.label, int(self.lines[where[0]]), field,
                                         reason + count, clip(value), action))

    def by_value(self, mask: np.ndarray, values: pd.Series | np.ndarray, field: str,
                 reason: str, action: Action = "warning", limit: int = 20) -> None:
        """One problem per distinct value among the rows in ``mask`` (first ``limit`` values)."""
        where = np.flatnonzero(mask)
        if not len(where):
            return
        codes, uniques = pd.factorize(np.asarray(_pick(values, where), dtype=object))
        _, first, counts = np.unique(codes, return_index=True, return_counts=True)
        for start, count in sorted(zip(first, counts, strict=True))[:limit]:
            times = f" ({count} rows)" if count > 1 else ""
            self.problems.append(Problem(self.label, int(self.lines[where[start]]), field,
                                         reason + times, clip(uniques[codes[start]]), action))
        if len(first) > limit:
            self.problems.append(Problem(self.label, None, field, f"{reason}: and "
                                         f"{len(first) - limit} more distinct values",
                                         action=action))

    def file(self, reason: str, action: Action = "error") -> None:
        self.problems.append(Problem(self.label, None, None, reason, action=action))


def _pick(values: Values, rows: np.ndarray) -> pd.Series | np.ndarray:
    if len(rows) == len(values):  # every row: no copy (rows are distinct positions)
        return values
    if isinstance(values, pd.Series):
        return values.iloc[rows]
    return np.asarray(values, dtype=object)[rows]


def actor_names(parts: list[pd.Series], aliases: Mapping[str, str] | None, *,
                groups: str = "") -> pd.Series:
    """One ";"-joined list of canonical names per row from several actor columns.

    Each column may itself hold several names separated by ";" (ACLED's associated actors), or
    by ``groups`` as well (UCDP writes a side of several groups as "Syrian insurgents, HTS").
    Names found in ``aliases`` (keys compared by :func:`fold`) become the canonical name;
    unknown names are kept as written. Repeats within a row are dropped.
    """
    lookup = {fold(k): v for k, v in (aliases or {}).items()}

    def join(*cells: str) -> str:
        names: dict[str, None] = {}
        for cell in cells:
            for written in cell.split(ACTOR_SEPARATOR):
                for name in split_groups(written, groups, known=lookup):
                    names.setdefault(lookup.get(fold(name), name), None)
        return ACTOR_SEPARATOR.join(names)

    return per_combo(parts, join)


def split_groups(text: str, separator: str, *, known: Collection[str] = frozenset()) -> list[str]:
    """The names in a cell that lists several groups ("Syrian insurgents, HTS"), spaces squashed.

    Careful, since a name may hold the separator itself: a cell that is one known name (folded,
    in ``known``) stays whole, and a separator inside brackets ("Forces of X (A, B)") or
    one that leaves an empty part is not a split."""
    name = " ".join(text.split())
    if not name:
        return []
    if not separator or separator not in name or fold(name) in known:
        return [name]
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in name:
        depth += (char in "([{") - (char in ")]}")
        if char == separator and depth <= 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts if all(parts) else [name]


def coded(values: pd.Series, meaning: Mapping[str, str], report: Report | None,
          field: str) -> pd.Series:
    """A codebook column in words ("2.0" and " 2" are both code "2"); unknown codes become ""
    and are reported once per code when ``report`` is given."""
    codes, uniques = pd.factorize(values)
    keys = [re.sub(r"\.0+$", "", str(u).strip()) for u in uniques]
    words = spread([meaning.get(key, "") for key in keys], codes)
    if report is not None:
        unknown = [bool(key) and key not in meaning for key in keys]
        if any(unknown):
            mask = np.asarray([*unknown, False])[np.where(codes < 0, len(keys), codes)]
            report.by_value(mask, values, field, f"unknown {field} code; left empty")
    return words
