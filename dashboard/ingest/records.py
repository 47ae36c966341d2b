"""Where each CSV record of a file starts and ends, and how many fields it has, without a parser.

pyarrow reports a row of the wrong width through a Python callback that costs about 7 µs per row
whatever the callback does: 1.9 MB of ``x`` lines under an 8-column header took 14 s and, with
a Python object per row, 230 times the file's memory. This scan finds the same records with
numpy over the bytes (a quote at the start of a field opens a quoted value, a line break outside
quotes ends a record, a delimiter outside quotes ends a field), so the parser is only ever given
rows of the header's width. It follows the parser's quoting rule throughout, stray quotes
included (a quote inside an unquoted value is a literal character: ``5" gun``); the caller still
checks its record count against the parser's.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

CHUNK = 1 << 22  # bytes per step of a scan: its per-byte counts never outgrow 4 bytes x this
QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")
# What str.strip() removes among ASCII bytes (it also strips \x1c-\x1f); a record holding only
# these and non-ASCII bytes is checked by Python (it may be all non-breaking spaces).
ASCII_SPACE = np.zeros(256, bool)
ASCII_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True


@dataclass
class Records:
    """The records of a file: the first is the header, of ``width`` fields.

    ``keep`` marks, per byte, what the parser is to read: every record of the header's width,
    the first ``width`` fields of the ragged ones whose extra fields are all empty (with their
    line break), nothing of the others. ``lines`` is where each record the parser reads starts
    (the header's first), ``fixed`` which of them (after the header) are such cut records. The
    other arrays are the ragged records (not blank), in file order."""

    width: int
    keep: np.ndarray | None  # None: every byte (no ragged record)
    lines: np.ndarray
    fixed: np.ndarray
    ragged_lines: np.ndarray
    ragged_counts: np.ndarray
    ragged_starts: np.ndarray
    ragged_ends: np.ndarray
    repaired: np.ndarray  # per ragged record: its extras were empty, its first fields are kept


def scan_records(body: bytes, delimiter: str) -> Records:
    """The records of ``body`` as pyarrow reads them (``newlines_in_values``, empty lines kept,
    a quote inside an unquoted value a literal character: ``5" gun``)."""
    arr = np.frombuffer(body, np.uint8)
    size = len(arr)
    outside = ~quoted(arr, delimiter)
    after_lf = np.zeros(size, bool)
    after_lf[:-1] = arr[1:] == LF
    line_end = (arr == LF) | ((arr == CR) & ~after_lf)  # \n, \r\n (at its \n) or a lone \r
    del after_lf
    ends = _positions(line_end & outside, size)
    if not len(ends) or ends[-1] != size - 1:
        ends = np.append(ends, size)  # the last record runs to the end of the file
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(ends.dtype)
    text_ends = ends.copy()  # a record's text leaves out its line break (\r\n both bytes)
    at = ends[: len(ends) - int(ends[-1] == size)]
    text_ends[: len(at)] -= ((at > 0) & (arr[np.maximum(at - 1, 0)] == CR) & (arr[at] == LF))
    if ends[-1] == size and body.endswith(b"\n"):  # an unclosed quote: pyarrow drops the break
        text_ends[-1] -= 2 if body.endswith(b"\r\n") else 1
    delimiters = (arr == ord(delimiter)) & outside
    counts = (_count_before(delimiters, text_ends) - _count_before(delimiters, starts) + 1)
    counts[text_ends == starts] = 0  # an empty line: pyarrow reads it as a row of empty values
    del delimiters
    lines = _count_before(line_end, starts) + 1
    del line_end
    width = int(counts[0])
    ragged = _positions((counts != width) & (counts != 0), len(counts))
    if not len(ragged):
        none = np.zeros(0, np.int64)
        return Records(width, None, lines, np.zeros(len(lines) - 1, bool), none, none, none, none,
                       np.zeros(0, bool))
    ragged = ragged[~_blank(arr, starts[ragged], text_ends[ragged])]
    r_starts, r_ends, r_counts = starts[ragged], text_ends[ragged], counts[ragged]
    cuts = _width_th_delimiter(arr, outside, delimiter, r_starts, r_ends, r_counts, width)
    repaired = (r_counts > width) & _empty_extras(arr, cuts, r_ends, delimiter, body)
    dropped = np.ones(len(counts), bool)
    dropped[(counts == width) | (counts == 0)] = False
    dropped[ragged[repaired]] = False
    keep = _ranges_mask(size, starts[dropped], ends[dropped] + 1, cuts[repaired],
                        text_ends[ragged[repaired]])
    fixed = np.zeros(len(counts), bool)
    fixed[ragged[repaired]] = True
    return Records(width, keep, lines[~dropped], fixed[~dropped][1:], lines[ragged], r_counts,
                   r_starts, r_ends, repaired)


def fields_of(text: str, delimiter: str) -> list[str]:
    """The fields of one record's text as csv.reader reads them ([] when it cannot)."""
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return []


def quoted(arr: np.ndarray, delimiter: str) -> np.ndarray:
    """Per byte, whether it is inside a quoted value or opens one, by pyarrow's rule (also
    Python's csv module's): a quote opens a quoted value only at the start of a field; inside
    one, two quotes are a quote and one closes it; anywhere else a quote is a literal character
    (``5" gun``, ``"a"b"c`` is ``ab"c``).

    The quotes come in runs of consecutive ones, and what a run of ``k`` does depends only on
    whether it starts a field: one that does opens a value when outside (``k`` odd) and, like
    any run inside one, closes it when ``k`` is odd; one that does not is literal outside and
    closes when ``k`` is odd inside. So each run either flips the state (starts a field, ``k``
    odd), leaves it (``k`` even) or ends outside whatever it was (else): the state after a run
    is the parity of the flips since the last such reset."""
    size = len(arr)
    quote = arr == QUOTE
    edge = np.empty(size, bool)  # the first quote of a run
    edge[:1] = quote[:1]
    np.greater(quote[1:], quote[:-1], out=edge[1:])
    firsts = _positions(edge, size)
    edge[-1:] = quote[-1:]  # now the last quote of a run
    np.greater(quote[:-1], quote[1:], out=edge[:-1])
    odd = (_positions(edge, size) - firsts) % 2 == 0
    del edge
    before = arr[np.maximum(firsts - 1, 0)]
    starts = (firsts == 0) | (before == ord(delimiter)) | (before == LF) | (before == CR)
    del before
    flips = odd & starts
    resets = odd & ~starts
    del odd, starts
    parity = np.bitwise_xor.accumulate(flips.view(np.uint8))  # flips up to each run
    last = np.where(resets, np.arange(len(resets), dtype=firsts.dtype), -1)
    np.maximum.accumulate(last, out=last)  # the last reset up to each run
    after = parity ^ np.where(last >= 0, parity[np.maximum(last, 0)], 0)  # 1: inside after it
    del parity, last, resets, flips
    change = np.diff(after, prepend=np.uint8(0)).astype(bool)  # the runs that change the state
    toggles = np.zeros(size, bool)
    toggles[firsts[change]] = True  # the state changes at their first quote
    del after, change, firsts
    return np.bitwise_xor.accumulate(toggles.view(np.uint8)).view(bool)


def _positions(mask: np.ndarray, size: int) -> np.ndarray:
    """np.flatnonzero in steps, as 4-byte integers when the file allows (a file of empty lines
    has a record per byte: 8-byte positions would be 8 times its size)."""
    kind = np.int32 if size < 2**31 - 1 else np.int64
    return np.concatenate([np.zeros(0, kind)] + [
        (np.flatnonzero(mask[lo: lo + CHUNK]) + lo).astype(kind) for lo in range(0, size, CHUNK)])


def _count_before(mask: np.ndarray, points: np.ndarray) -> np.ndarray:
    """How many of ``mask`` lie before each of ``points`` (ascending), a chunk at a time."""
    out = np.empty(len(points), points.dtype)
    base, size = 0, len(mask)
    for lo in range(0, max(size, 1), CHUNK):
        hi = min(lo + CHUNK, size)
        first = np.searchsorted(points, lo, "left")
        last = np.searchsorted(points, hi, "right" if hi == size else "left")
        local = np.zeros(hi - lo + 1, np.int32)
        np.cumsum(mask[lo:hi], dtype=np.int32, out=local[1:])
        out[first:last] = local[points[first:last] - lo]
        out[first:last] += base
        base += int(local[-1])
    return out


def _blank(arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per record: its text is only white space (str.strip() leaves nothing)."""
    solid = ~ASCII_SPACE[arr]
    solid &= arr < 0x80
    blank = _count_before(solid, ends) == _count_before(solid, starts)
    del solid
    maybe = np.flatnonzero(blank)
    if len(maybe):
        wide = _count_before(arr >= 0x80, _pairs(starts[maybe], ends[maybe]))
        for i in maybe[np.diff(wide)[::2] > 0]:  # non-ASCII: perhaps non-breaking spaces
            blank[i] = not arr[starts[i]: ends[i]].tobytes().decode("utf-8", "replace").strip()
    return blank


def _pairs(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    return np.column_stack((starts, ends)).ravel().astype(np.int64)


def _width_th_delimiter(arr: np.ndarray, outside: np.ndarray, delimiter: str, starts: np.ndarray,
                        ends: np.ndarray, counts: np.ndarray, width: int) -> np.ndarray:
    """Per ragged record with more than ``width`` fields, where its ``width``-th delimiter is
    (its text is cut there to keep the first fields); -1 for the others."""
    cuts = np.full(len(starts), -1, np.int64)
    many = np.flatnonzero(counts > width)
    lo = 0
    while lo < len(many):  # records spanning about CHUNK bytes at a time (at least one)
        hi = max(lo + 1, int(np.searchsorted(starts[many], starts[many[lo]] + CHUNK)))
        rows = many[lo:hi]
        a, b = int(starts[rows[0]]), int(ends[rows[-1]])
        at = np.flatnonzero((arr[a:b] == ord(delimiter)) & outside[a:b]) + a
        owner = np.searchsorted(starts[rows], at, "right") - 1
        inside = at < ends[rows][owner]
        at, owner = at[inside], owner[inside]
        first = np.searchsorted(owner, np.arange(len(rows)), "left")
        cuts[rows] = at[first + width - 1]
        lo = hi
    return cuts


def _empty_extras(arr: np.ndarray, cuts: np.ndarray, ends: np.ndarray, delimiter: str,
                  body: bytes) -> np.ndarray:
    """Per record cut at ``cuts`` (-1: not cut), whether every field after the cut is empty or
    white space, as csv.reader and str.strip() see them."""
    empty = np.zeros(len(cuts), bool)
    cut = np.flatnonzero(cuts >= 0)
    if not len(cut):
        return empty
    spaces = ASCII_SPACE[arr] | (arr == ord(delimiter))
    points = _pairs(cuts[cut] + 1, ends[cut])
    content = _count_before(~spaces & (arr != QUOTE) & (arr < 0x80), points)
    plain = _count_before(~spaces, points)
    empty[cut] = np.diff(plain)[::2] == 0
    unsure = cut[(np.diff(plain)[::2] > 0) & (np.diff(content)[::2] == 0)]
    for i in unsure:  # quotes or non-ASCII bytes only: as csv.reader and str.strip() see them
        text = body[int(cuts[i]) + 1: int(ends[i])].decode("utf-8", "replace")
        empty[i] = not "".join(fields_of(text, delimiter)).strip()
    return empty


def _ranges_mask(size: int, starts: np.ndarray, stops: np.ndarray, *cut: np.ndarray) -> np.ndarray:
    """Every byte but those in [starts, stops) and in the ``cut`` pairs (from, to)."""
    change = np.zeros(size + 1, np.int8)
    for a, b in ((starts, stops), *(zip(cut[::2], cut[1::2], strict=True))):
        change[np.minimum(a, size)] += 1  # the ranges do not overlap: no index twice
        change[np.minimum(b, size)] -= 1
    return np.cumsum(change[:-1], dtype=np.int8) == 0


def texts(body: bytes, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """The text of each [start, end) of ``body`` as one Arrow string array (no str per row)."""
    lengths = (ends - starts).astype(np.int64)
    inside = ~_ranges_mask(len(body), starts, ends)
    data = np.frombuffer(body, np.uint8)[inside]
    offsets = np.concatenate(([0], np.cumsum(lengths)))
    return pa.LargeStringArray.from_buffers(len(lengths), pa.py_buffer(offsets),
                                            pa.py_buffer(data))
