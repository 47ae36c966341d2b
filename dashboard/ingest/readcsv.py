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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from dashboard.ingest.csvchecks import (
    column_names,
    nul_cells,
    ragged_records,
    ragged_rows,
    unclosed_quote,
)
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
from dashboard.ingest.records import Records, scan_records
from dashboard.model.problems import Problem, ProblemTable, clip
from dashboard.model.schema import MAX_UPLOAD_BYTES

DELIMITERS = (",", ";", "\t", "|")
# No events file has a header this wide or this long (ACLED's has 31 columns, UCDP's about 50).
# Past them a "header" is something else (a million commas, a file with no line breaks), and
# parsing it anyway cost minutes and gigabytes: 1 MB of commas took 116 s and 11.6 GB.
MAX_COLUMNS = 500
MAX_HEADER_BYTES = 64 * 1024
STR = pd.StringDtype("pyarrow", na_value=np.nan)
ColumnChoice = Callable[[list[str]], Iterable[str]]


@dataclass
class RawTable:
    """Every cell a str ("" when missing); ``lines[i]`` is where row i starts in the file.

    ``header`` is every name in the file's header when only some of its columns were kept
    (``read_table(columns=...)``), and None when ``frame`` has them all."""

    name: str
    frame: pd.DataFrame
    lines: np.ndarray
    problems: ProblemTable = field(default_factory=ProblemTable)
    encoding: str = "utf-8"
    delimiter: str = ","
    header: list[str] | None = None

    def names(self) -> list[str]:
        """The header's names, kept or not."""
        return [str(c) for c in self.frame.columns] if self.header is None else self.header


@dataclass
class _Parsed:
    """The records as pyarrow read them: the header's fields, and after it the kept columns."""

    header: list[str]
    table: pa.Table
    blank: np.ndarray  # per record after the header: every field empty, kept or not
    bad: dict[int, tuple[int, str]]  # the ragged records: {record number: (fields, text)}
    last: list[str]  # every field of the last record after the header that is not blank
    records: Records | None = None  # the scan's account of the ragged rows (then ``bad`` is empty)


def read_table(
    source: Source,
    *,
    name: str | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    on_progress: Callable[[float], None] | None = None,
    columns: ColumnChoice | None = None,
) -> RawTable:
    """Read ``source`` (a path, bytes or a binary file object); never raises for bad content.

    ``columns`` gets the header's names and gives back those to keep (all when None). The
    others are still parsed, so a row of the wrong width is found whatever its columns, but
    their cells are never kept: a file's cost is that of the columns its format reads (every
    cell of a 480-column header took 14 times the file's size)."""
    label = name or source_name(source)
    progress = on_progress or (lambda fraction: None)
    try:
        return _read(source, label, max_bytes, progress, columns)
    except UnusableFileError as exc:
        reason, line = str(exc), exc.line
    except (pa.ArrowException, csv.Error, UnicodeError, ValueError) as exc:
        reason, line = f"cannot be read as CSV: {clip(exc, 200)}", None
    return RawTable(label, pd.DataFrame(), np.zeros(0, np.int64),
                    ProblemTable([Problem(label, line, None, reason, action="error")]))


def _read(source: Source, label: str, max_bytes: int, progress: Callable[[float], None],
          columns: ColumnChoice | None) -> RawTable:
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

    def keep(header: list[str]) -> list[int]:
        if columns is None:
            return list(range(len(header)))
        names = column_names(header, label, [])  # its warnings are given once, below
        wanted = set(columns(names))
        return [i for i, n in enumerate(names) if n in wanted]

    try:
        parsed = _parse(body, delimiter, keep)
    except UnicodeError:
        body, encoding, notes = repair_encoding(body)
        problems += [Problem(label, None if n.line is None else n.line + offset, None, n.reason,
                             clip(n.value), n.action) for n in notes]
        parsed = _parse(body, delimiter, keep)
    progress(0.8)
    bad = parsed.bad
    if not parsed.header or 1 in bad:
        raise UnusableFileError("the first line is not a readable header row", offset + 1)
    names = column_names(parsed.header, label, problems, line=offset + 1)
    kept = keep(parsed.header)
    table, blank = parsed.table, parsed.blank
    split = len(problems)  # the ones found before the ragged rows: a line's come first
    scanned = parsed.records is not None
    cut_empty = np.zeros(0, bool)  # per row, in scan mode: repaired, and empty after the cut
    if parsed.records is not None:
        lines = parsed.records.lines[1:].astype(np.int64) + offset
        ragged = ragged_records(parsed.records, body, offset, label)
        cut_empty = blank & parsed.records.fixed
        blank = blank & ~parsed.records.fixed  # a repaired row is kept, even if it is empty
        parsed.records = None  # its arrays: a ragged row's problem now holds what is needed
        repaired: list[tuple[int, list[str]]] = []
    else:
        total = table.num_rows + 1 + len(bad)
        starts = _start_lines(body, delimiter, total, label, problems) + offset
        parsed_rows = np.ones(total + 1, dtype=bool)
        parsed_rows[[0, *bad]] = False
        lines = starts[np.flatnonzero(parsed_rows) - 1][1:]
        ragged = ProblemTable()
    filled = np.flatnonzero(~blank)
    last_line, last = (int(lines[filled[-1]]), parsed.last) if len(filled) else (0, [])
    if len(cut_empty) and len(filled) and cut_empty[filled[-1]]:
        # The last row is a repaired one the parser saw as blank: ``parsed.last`` is an earlier
        # row's, and the last row's fields are all empty (as ``repaired[-1]`` is, unscanned).
        last = [""] * len(parsed.header)
    del filled, cut_empty
    if blank.any():
        table, lines = table.filter(pa.array(~blank)), lines[~blank]
    frame = table.to_pandas(types_mapper=lambda t: STR)
    frame.columns = [names[i] for i in kept]
    if not scanned:
        repaired = ragged_rows(bad, starts, len(names), delimiter, label, problems)
    if repaired:
        extra = pd.DataFrame([[row[i] for i in kept] for _, row in repaired],
                             columns=frame.columns, index=range(len(repaired)), dtype=STR)
        frame = pd.concat([frame, extra], ignore_index=True)
        lines = np.concatenate([lines, [line for line, _ in repaired]])
        order = np.argsort(lines, kind="stable")
        frame, lines = frame.iloc[order].reset_index(drop=True), lines[order]
        if repaired[-1][0] > last_line:
            last = repaired[-1][1]
    tail = last[-1] if last else ""
    if "\n" in tail and body.endswith(tail.encode()):  # the last value ran on to the end
        frame, lines = unclosed_quote(frame, lines, last, body, offset, label, problems)
    if b"\x00" in body:
        frame = nul_cells(frame, lines, label, problems)
    if not len(frame):
        reason = ("none of its rows could be read" if ragged.has("discarded") or any(
            p.action == "discarded" for p in problems) else "has a header but no data rows")
        problems.append(Problem(label, None, None, reason, action="error"))
    progress(1.0)
    # In line order (a line's problems in the order found) without sorting the ragged rows'
    # problems, which are in order already and may be millions.
    table = ProblemTable([p for p in problems if p.line is None] + sorted(
        (p for p in problems[:split] if p.line is not None), key=_order))
    table.extend(ragged)
    table.extend(sorted((p for p in problems[split:] if p.line is not None), key=_order))
    return RawTable(label, frame, lines.astype(np.int64), table.in_line_order(),
                    encoding, delimiter, None if len(kept) == len(names) else names)


def _order(problem: Problem) -> int:
    return problem.line or 0


def _start_lines(body: bytes, delimiter: str, total: int, label: str,
                 problems: list[Problem]) -> np.ndarray:
    """The line each of the parser's ``total`` records starts on (the ones it skipped too)."""
    starts = record_start_lines(body, delimiter, total)
    if starts is None:
        starts = exact_start_lines(body, delimiter, total)
    if starts is None:
        problems.append(Problem(label, None, None, "quoting is irregular: line numbers in "
                                "messages may be off", action="warning"))
        starts = np.arange(1, total + 1, dtype=np.int64)
    return starts


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


# Rows of the wrong width the parser may report one by one (a Python call each, ~7 µs);
# past them the record scan finds them all at once.
RAGGED_BY_PARSER = 1000


def _parse(body: bytes, delimiter: str, keep: Callable[[list[str]], list[int]]) -> _Parsed:
    """Every record, read block by block: each block's every field is looked at (is the row
    blank, is it the last one), but only the columns ``keep`` picks from the header are kept.

    A file with many ragged rows is scanned for them first (:func:`scan_records`) and the parser
    given only the others (the parser reports each only if its record count is not the scan's)."""
    parsed = _parse_rows(body, delimiter, keep, RAGGED_BY_PARSER)
    if parsed is not None:
        return parsed
    records = scan_records(body, delimiter)
    _check_utf8(body)  # the parser checks only what it reads
    text = body if records.keep is None else np.frombuffer(body, np.uint8)[records.keep].tobytes()
    records.keep = None
    parsed = _parse_rows(text, delimiter, keep, 0)
    del text
    if parsed is not None and parsed.table.num_rows + 1 == len(records.lines):
        parsed.records = records
        return parsed
    del records  # the scan and the parser disagree: the parser's own account, row by row
    parsed = _parse_rows(body, delimiter, keep, None)
    assert parsed is not None  # no limit
    return parsed


def _check_utf8(body: bytes) -> None:
    whole = pa.LargeStringArray.from_buffers(1, pa.py_buffer(np.array([0, len(body)], np.int64)),
                                             pa.py_buffer(body))
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid as exc:
        raise UnicodeError(str(exc)) from exc


def _parse_rows(body: bytes, delimiter: str, keep: Callable[[list[str]], list[int]],
                limit: int | None) -> _Parsed | None:
    """pyarrow's reading of every record; None when more than ``limit`` are ragged."""
    head = body[: 1 << 20].decode("utf-8", errors="replace")
    width = len(next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)))
    names = [f"c{i}" for i in range(width)]
    bad: dict[int, tuple[int, str]] = {}

    def skip(row: pacsv.InvalidRow) -> str:
        if limit is not None and len(bad) >= limit:
            return "error"
        bad[row.number] = (row.actual_columns, row.text)
        return "skip"

    block = 1 << 20  # larger blocks are slower; grown only when one record does not fit
    while True:
        bad.clear()
        try:
            reader = pacsv.open_csv(
                pa.BufferReader(body),
                read_options=pacsv.ReadOptions(column_names=names, use_threads=False,
                                               block_size=block),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                                 ignore_empty_lines=False,
                                                 invalid_row_handler=skip),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False,
                    quoted_strings_can_be_null=False))
            return _kept_columns(reader, bad, keep)
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc):
                raise UnicodeError(str(exc)) from exc
            if limit is not None and len(bad) >= limit:
                return None
            if "straddl" not in str(exc) or block > len(body):
                raise
            block *= 16


def _kept_columns(reader: pacsv.CSVStreamingReader, bad: dict[int, tuple[int, str]],
                  keep: Callable[[list[str]], list[int]]) -> _Parsed:
    """The header, then each block's blank rows and kept columns (a block at a time, so no
    column that is not kept is ever held whole)."""
    header: list[str] = []
    positions: list[int] = []
    batches: list[pa.RecordBatch] = []
    blanks: list[np.ndarray] = []
    last: tuple[pa.RecordBatch, int] | None = None
    for batch in reader:
        if not header:
            if not batch.num_rows or 1 in bad:
                break
            header = [str(v) for v in batch.slice(0, 1).to_pylist()[0].values()]
            positions = keep(header)
            batch = batch.slice(1)
        blank = _blank_rows(batch)
        filled = np.flatnonzero(~blank)
        if len(filled):
            last = (batch, int(filled[-1]))
        batches.append(batch.select(positions))
        blanks.append(blank)
    schema = reader.schema if header else pa.schema([])
    table = pa.Table.from_batches(batches, schema=pa.schema([schema.field(i) for i in positions]))
    cells = [] if last is None else [str(v) for v in last[0].slice(last[1], 1).to_pylist()[0].values()]
    return _Parsed(header, table, np.concatenate([np.zeros(0, bool), *blanks]), dict(bad), cells)


def _blank_rows(batch: pa.RecordBatch) -> np.ndarray:
    """Rows whose every cell is empty (blank lines): they hold nothing, so they go silently."""
    blank = np.ones(batch.num_rows, dtype=bool)
    for column in batch.columns:
        if not blank.any():
            break
        blank &= pc.equal(column, "").to_numpy(zero_copy_only=False).astype(bool)
    return blank
