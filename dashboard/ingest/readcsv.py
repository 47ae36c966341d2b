"""Read any CSV a user brings into a table of strings, with the line every row came from.

Nothing here knows ACLED from UCDP: it only turns bytes into rows and reports what it could
not read (file:line and why), so that the format adapters and the validator can name the
right line even when quoted values contain line breaks. pyarrow's CSV reader does the bulk
(a 1M-row, 300 MB export in about two seconds of CPU, where pandas' C engine took nine);
Python's csv module is only used for the header, for the few bad rows, and for line numbers
when stray quotes make the fast scan unsure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from dashboard.ingest.csvchecks import column_names, nul_cells, ragged_rows, unclosed_quote
from dashboard.ingest.rawbytes import (
    Source,
    UnusableFileError,
    exact_start_lines,
    read_limited,
    record_start_lines,
    repair_encoding,
    source_name,
    to_utf8,
)
from dashboard.model.problems import Problem, clip
from dashboard.model.schema import MAX_UPLOAD_BYTES

DELIMITERS = (",", ";", "\t", "|")
# No events file has a header this wide or this long (ACLED's has 31 columns, UCDP's about 50).
# Past them a "header" is something else (a million commas, a file with no line breaks), and
# parsing it anyway cost minutes and gigabytes: 1 MB of commas took 116 s and 11.6 GB.
MAX_COLUMNS = 500
MAX_HEADER_BYTES = 64 * 1024
STR = pd.StringDtype("pyarrow", na_value=np.nan)


@dataclass
class RawTable:
    """Every cell a str ("" when missing); ``lines[i]`` is where row i starts in the file."""

    name: str
    frame: pd.DataFrame
    lines: np.ndarray
    problems: list[Problem] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","


def read_table(
    source: Source,
    *,
    name: str | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    on_progress: Callable[[float], None] | None = None,
) -> RawTable:
    """Read ``source`` (a path, bytes or a binary file object); never raises for bad content."""
    label = name or source_name(source)
    progress = on_progress or (lambda fraction: None)
    try:
        return _read(source, label, max_bytes, progress)
    except UnusableFileError as exc:
        reason, line = str(exc), exc.line
    except (pa.ArrowException, csv.Error, UnicodeError, ValueError) as exc:
        reason, line = f"cannot be read as CSV: {clip(exc, 200)}", None
    return RawTable(label, pd.DataFrame(), np.zeros(0, np.int64),
                    [Problem(label, line, None, reason, action="error")])


def _read(source: Source, label: str, max_bytes: int,
          progress: Callable[[float], None]) -> RawTable:
    progress(0.0)
    data, encoding = to_utf8(read_limited(source, max_bytes))
    progress(0.2)
    body = data.lstrip(b" \t\r\n")
    offset = data[: len(data) - len(body)].count(b"\n")
    if not body:
        raise UnusableFileError("the file is empty")
    delimiter = _sniff(body)
    _check_header(body, delimiter, offset + 1)
    problems: list[Problem] = []
    try:
        table, bad = _parse(body, delimiter)
    except UnicodeError:
        body, encoding, notes = repair_encoding(body)
        problems += [Problem(label, None if n.line is None else n.line + offset, None, n.reason,
                             clip(n.value), n.action) for n in notes]
        table, bad = _parse(body, delimiter)
    progress(0.8)
    if not table.num_rows or 1 in bad:
        raise UnusableFileError("the first line is not a readable header row", offset + 1)
    header = [table.column(i)[0].as_py() for i in range(table.num_columns)]
    names = column_names(header, label, problems, line=offset + 1)
    total = table.num_rows + len(bad)
    starts = record_start_lines(body, total)
    if starts is None:
        starts = exact_start_lines(body, delimiter, total)
    if starts is None:
        problems.append(Problem(label, None, None, "quoting is irregular: line numbers in "
                                "messages may be off", action="warning"))
        starts = np.arange(1, total + 1, dtype=np.int64)
    starts = starts + offset
    parsed = np.ones(total + 1, dtype=bool)
    parsed[[0, *bad]] = False
    lines = starts[np.flatnonzero(parsed) - 1][1:]
    table = table.slice(1)
    blank = _blank_rows(table)
    if blank.any():
        table, lines = table.filter(pa.array(~blank)), lines[~blank]
    frame = table.to_pandas(types_mapper=lambda t: STR)
    frame.columns = names
    repaired = ragged_rows(bad, starts, len(names), delimiter, label, problems)
    if repaired:
        extra = pd.DataFrame([row for _, row in repaired], columns=names, dtype=STR)
        frame = pd.concat([frame, extra], ignore_index=True)
        lines = np.concatenate([lines, [line for line, _ in repaired]])
        order = np.argsort(lines, kind="stable")
        frame, lines = frame.iloc[order].reset_index(drop=True), lines[order]
    tail = str(frame.iat[-1, -1]) if len(frame) else ""
    if "\n" in tail and body.endswith(tail.encode()):  # the last value ran on to the end
        frame, lines = unclosed_quote(frame, lines, body, offset, label, problems)
    if b"\x00" in body:
        frame = nul_cells(frame, lines, label, problems)
    if frame.empty:
        reason = ("none of its rows could be read" if any(p.action == "discarded" for p in problems)
                  else "has a header but no data rows")
        problems.append(Problem(label, None, None, reason, action="error"))
    progress(1.0)
    return RawTable(label, frame, lines.astype(np.int64), sorted(problems, key=_order),
                    encoding, delimiter)


def _order(problem: Problem) -> int:
    return -1 if problem.line is None else problem.line


def _check_header(body: bytes, delimiter: str, line: int) -> None:
    """Refuse, before any parsing, a header no events file has: longer than MAX_HEADER_BYTES or
    wider than MAX_COLUMNS. Costs one scan of at most 64 KB, so hostile files fail in
    milliseconds instead of minutes."""
    end = body.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if end < 0 and len(body) > MAX_HEADER_BYTES:
        size = MAX_HEADER_BYTES // 1024
        raise UnusableFileError(f"the header line is over {size} KB long (no line break in its "
                                f"first {size} KB): not a CSV header", line)
    header = body[: len(body) if end < 0 else end].decode("utf-8", errors="replace")
    outside = "".join(header.split('"')[::2])  # a quoted delimiter does not start a column
    if outside.count(delimiter) + 1 > MAX_COLUMNS:
        width = len(next(csv.reader(io.StringIO(header, newline=""), delimiter=delimiter), []))
        if width > MAX_COLUMNS:
            raise UnusableFileError(f"the header has {width:,} columns, more than "
                                    f"the {MAX_COLUMNS} an events file can have", line)


def _sniff(body: bytes) -> str:
    """The delimiter that occurs most often outside quotes in the header line (comma on a tie)."""
    line = body[:65536].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    outside = "".join(line.split('"')[::2])
    return max(DELIMITERS, key=lambda d: (outside.count(d), d == ","))


def _parse(body: bytes, delimiter: str) -> tuple[pa.Table, dict[int, tuple[int, str]]]:
    """All records as string columns, plus the ragged ones: {record number: (fields, text)}."""
    head = body[: 1 << 20].decode("utf-8", errors="replace")
    width = len(next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)))
    names = [f"c{i}" for i in range(width)]
    bad: dict[int, tuple[int, str]] = {}

    def skip(row: pacsv.InvalidRow) -> str:
        bad[row.number] = (row.actual_columns, row.text)
        return "skip"

    block = 1 << 20  # larger blocks are slower; grown only when one record does not fit
    while True:
        bad.clear()
        try:
            return pacsv.read_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(column_names=names, use_threads=False,
                                               block_size=block),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                 ignore_empty_lines=False,
                                                 invalid_row_handler=skip),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                    quoted_strings_can_be_null=False),
            ), bad
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc):
                raise UnicodeError(str(exc)) from exc
            if "straddl" not in str(exc) or block > len(body):
                raise
            block *= 16


def _blank_rows(table: pa.Table) -> np.ndarray:
    """Rows whose every cell is empty (blank lines): they hold nothing, so they go silently."""
    blank = pc.equal(table.column(0), "").to_numpy(zero_copy_only=False).astype(bool)
    if blank.any():
        for column in table.columns[1:]:
            blank &= pc.equal(column, "").to_numpy(zero_copy_only=False).astype(bool)
    return blank
