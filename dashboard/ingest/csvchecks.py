"""What read_table reports about a file's header and rows: names, ragged rows, open quotes.

Kept apart from the parsing so that every message a user sees about the shape of a file is
in one place, worded the same way, with its line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.ingest.records import Records, fields_of, texts
from dashboard.model.problems import Problem, ProblemTable, clip


def column_names(header: list[str], label: str, problems: list[Problem], *,
                 line: int = 1) -> list[str]:
    """Stripped names; empty ones named column_N and repeats numbered, each with a warning."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(header, start=1):
        text = raw.replace("\ufeff", "").replace("\x00", "").strip()
        if not text:
            text = f"column_{position}"
            problems.append(Problem(label, line, text, f"column {position} has no name; "
                                    f"called it {text!r}", action="warning"))
        key = text.casefold()
        if key in seen:
            renamed = f"{text}_{position}"
            problems.append(Problem(label, line, text, f"column {position} repeats the name of "
                                    f"column {seen[key]}; renamed {renamed!r} (its values are "
                                    "not used)", action="warning"))
            text, key = renamed, renamed.casefold()
        seen[key] = position
        names.append(text)
    return names


def ragged_reason(count: int, width: int, repaired: bool) -> str:
    """Why a row of ``count`` fields was repaired (its extra fields were empty) or discarded."""
    if repaired:
        return f"has {count} fields, expected {width}; dropped the empty extra fields"
    hint = "an unquoted delimiter in a value?" if count > width else "row cut short?"
    return f"has {count} {'field' if count == 1 else 'fields'}, expected {width} ({hint})"


def ragged_rows(bad: dict[int, tuple[int, str]], starts: np.ndarray, width: int, delimiter: str,
                label: str, problems: list[Problem]) -> list[tuple[int, list[str]]]:
    """Report rows with the wrong number of fields; give back those with only empty extras.

    The parser's own account of them, for the rare file whose quoting the record scan cannot
    follow (:func:`ragged_records` is the same for the others, without an object per row)."""
    repaired: list[tuple[int, list[str]]] = []
    for number, (count, text) in sorted(bad.items()):
        if not text.strip():
            continue
        line = int(starts[number - 1])
        fields = fields_of(text, delimiter)
        extras_empty = len(fields) == count and not "".join(fields[width:]).strip()
        if count > width and extras_empty:
            repaired.append((line, fields[:width]))
            problems.append(Problem(label, line, None, ragged_reason(count, width, True),
                                    clip(text), "repaired"))
            continue
        problems.append(Problem(label, line, None, ragged_reason(count, width, False),
                                clip(text)))
    return repaired


def ragged_records(records: Records, body: bytes, offset: int, label: str) -> ProblemTable:
    """A problem per ragged record found by the scan, held as columns: the same file, line,
    reason and text as :func:`ragged_rows` gives, for any number of rows."""
    counts, codes = np.unique(records.ragged_counts, return_inverse=True)
    fixed = records.repaired.astype(np.int64)  # a reason per (fields, repaired)
    reasons = [ragged_reason(int(c), records.width, bool(r)) for c in counts for r in (0, 1)]
    actions = pd.Index(["repaired", "discarded"])
    table = ProblemTable()
    table.add_rows(file=label, lines=records.ragged_lines + offset, field=None,
                   reason=pd.Categorical.from_codes(codes * 2 + fixed, pd.Index(reasons)),
                   values=texts(body, records.ragged_starts, records.ragged_ends),
                   action=pd.Categorical.from_codes(1 - fixed, actions))
    return table


def unclosed_quote(frame: pd.DataFrame, lines: np.ndarray, cells: list[str], body: bytes,
                   offset: int, label: str, problems: list[Problem]
                   ) -> tuple[pd.DataFrame, np.ndarray]:
    """Drop the last row (``cells`` are all its fields, kept or not): an unclosed quote made it
    swallow the rest of the file."""
    last_line = offset + body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    problems.append(Problem(label, int(lines[-1]), None, "a quote opened in this row is never "
                            f"closed, so the row runs to the end of the file (line {last_line})",
                            clip(" | ".join(cells)), "discarded"))
    return frame.iloc[:-1], lines[:-1]


def nul_cells(frame: pd.DataFrame, lines: np.ndarray, label: str,
              problems: list[Problem]) -> pd.DataFrame:
    """Drop NUL bytes from the cells that hold them, one repaired problem per cell: only the
    columns read (those in ``frame``) are looked at; a NUL in a column not kept is not reported.

    A stray NUL (a notes field pasted from a PDF, a truncated write) says nothing about the rest
    of the file: only its cell is touched, and the user is told where it was.
    """
    for name in frame.columns:
        has = frame[name].str.contains("\x00", regex=False).to_numpy(dtype=bool)
        if not has.any():
            continue
        where = np.flatnonzero(has)
        shown = frame[name].iloc[where].str.replace("\x00", "\u2400", regex=False)  # ␀
        problems.extend(Problem(label, int(lines[row]), str(name), "contained a NUL byte; "
                                "removed it", clip(value), "repaired")
                        for row, value in zip(where, shown, strict=True))
        frame[name] = frame[name].str.replace("\x00", "", regex=False)
    return frame
