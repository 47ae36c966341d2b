"""A user's file as UTF-8 bytes: the size limit first, then the encoding, then a binary check.

Split from the CSV parser so that an oversized upload is refused before it is read at all, and
so that the fast parser (pyarrow) only ever sees UTF-8, whatever the file was saved as.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from pathlib import Path
from typing import BinaryIO

import numpy as np

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO

# What a "CSV" really is when it starts with these bytes, so the message can say so.
MAGIC: dict[bytes, str] = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
    b"\x1f\x8b": "a gzip archive",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Office file (.xls?)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"SQLite format 3": "an SQLite database",
    b"PAR1": "a Parquet file",
}
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f")


class UnusableFileError(Exception):
    """The whole file is unusable; the message says why in words a user can act on, and
    ``line`` where in the file, when one line is to blame."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def source_name(source: Source) -> str:
    """The name to put in problems when the caller gives none."""
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return Path(str(getattr(source, "name", "") or "upload")).name


def read_limited(source: Source, max_bytes: int) -> bytes:
    """All bytes of ``source``, refusing anything over ``max_bytes`` before reading it."""
    limit = f"{max_bytes / 10**6:g} MB"
    if isinstance(source, bytes | bytearray | memoryview):
        size = len(source)
        if size > max_bytes:
            raise UnusableFileError(f"file is {size / 10**6:.1f} MB, over the {limit} limit")
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        try:
            size = os.stat(source).st_size
            if size > max_bytes:
                raise UnusableFileError(f"file is {size / 10**6:.1f} MB, over the {limit} limit")
            return Path(source).read_bytes()
        except OSError as exc:
            raise UnusableFileError(f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        if source.seekable():
            here = source.tell()
            size = source.seek(0, os.SEEK_END) - here
            source.seek(here)
            if size > max_bytes:
                raise UnusableFileError(f"file is {size / 10**6:.1f} MB, over the {limit} limit")
        data = source.read(max_bytes + 1)
    except (OSError, ValueError) as exc:
        raise UnusableFileError(f"cannot read the upload: {exc}") from exc
    if not isinstance(data, bytes | bytearray):
        raise UnusableFileError("the upload was opened as text; open it in binary mode ('rb')")
    if len(data) > max_bytes:
        raise UnusableFileError(f"file is over the {limit} limit")
    return bytes(data)


def to_utf8(data: bytes) -> tuple[bytes, str]:
    """UTF-8 bytes and the encoding the file declared by its byte order mark (or "utf-8").

    Files without a BOM are assumed to be UTF-8 here; the parser checks that, and
    :func:`repair_encoding` is the fallback when they are not.
    """
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            raise UnusableFileError(f"this is {what}, not a CSV file; save or export it as CSV")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            if encoding == "utf-8-sig":
                data = data[len(bom) :]
                break
            try:
                return data.decode(encoding).encode("utf-8"), encoding
            except UnicodeDecodeError as exc:
                raise UnusableFileError(f"starts with a {encoding} byte order mark but is not {encoding}: "
                              f"{exc.reason} at byte {exc.start}") from exc
    else:
        encoding = "utf-8"
    if b"\x00" in data:
        guess = utf16_without_bom(data)
        if guess:
            try:
                return data.decode(guess).encode("utf-8"), guess
            except UnicodeDecodeError:
                pass
        # A few NULs (one in a notes field) are repaired row by row by the parser's caller;
        # a file that is largely NULs is not text at all.
        if data.count(b"\x00") > max(16, len(data) // 20):
            raise UnusableFileError("contains many NUL bytes: a binary file, not a CSV file")
    head = data[:65536]
    if head and len(head) - len(head.translate(None, CONTROL)) > max(16, len(head) // 20):
        raise UnusableFileError("contains many control characters: a binary file, not a CSV file")
    return data, encoding


def utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" or "utf-16-be" when the bytes look like UTF-16 saved without a byte order
    mark (NULs in most odd or most even places: the high bytes of ASCII letters, digits and
    delimiters, which every CSV has plenty of), else None."""
    head = data[:65536]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even, odd = head[0 : 2 * pairs : 2].count(0), head[1 : 2 * pairs : 2].count(0)
    if odd > pairs // 4 and even * 100 < pairs:
        return "utf-16-le"
    if even > pairs // 4 and odd * 100 < pairs:
        return "utf-16-be"
    return None


def repair_encoding(data: bytes) -> tuple[bytes, str, str]:
    """Re-read bytes that are not valid UTF-8: (UTF-8 bytes, encoding used, what was done).

    A file that is mostly UTF-8 with a few bad bytes keeps its UTF-8 (Arabic names survive) and
    the bad bytes become U+FFFD; anything else is read as Windows-1252, then Latin-1.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = len(text.encode("utf-8")) - len(text) - 2 * text.count("\ufffd")
    if multibyte > bad:
        return (text.encode("utf-8"), "utf-8",
                f"{bad} byte(s) are not valid UTF-8 and were replaced by \ufffd")
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    return (text.encode("utf-8"), encoding,
            f"not UTF-8; read as {encoding} (check accented names; save as UTF-8 to avoid this)")


def record_start_lines(data: bytes, records: int) -> np.ndarray | None:
    """The 1-based physical line where each of the first ``records`` CSV records starts.

    Cheap when no quoted value holds a line break (records are lines); otherwise a vectorised
    scan counts quotes before each newline (an odd count means the newline is inside quotes).
    None when neither agrees with ``records`` (stray quotes, lone CR line ends): the caller then
    falls back to the slow exact reader.
    """
    newlines = data.count(b"\n")
    ends_open = 0 if data.endswith(b"\n") else 1
    if newlines + ends_open == records:
        return np.arange(1, records + 1, dtype=np.int64)
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == ord('"'))
    breaks = np.flatnonzero(arr == ord("\n"))
    closing = (np.searchsorted(quotes, breaks) & 1) == 0
    ends = np.flatnonzero(closing)
    found = len(ends) + (0 if len(ends) and breaks[ends[-1]] == len(data) - 1 else 1)
    if found != records:
        return None
    return np.concatenate(([1], ends[: records - 1] + 2)).astype(np.int64)


def exact_start_lines(body: bytes, delimiter: str, total: int) -> np.ndarray | None:
    """Start lines from Python's csv module, for files the fast scan cannot follow (slow: about
    8 s per million rows); None when even it disagrees with the parser's record count."""
    text = body.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    starts: list[int] = []
    previous = 0
    try:
        for _ in reader:
            starts.append(previous + 1)
            previous = reader.line_num
    except csv.Error:
        return None
    return np.asarray(starts, dtype=np.int64) if len(starts) == total else None
