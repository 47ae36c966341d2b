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
from typing import BinaryIO, NamedTuple

import charset_normalizer
import numpy as np

from dashboard.ingest.records import quoted
from dashboard.model.problems import Action

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


class EncodingNote(NamedTuple):
    """What :func:`repair_encoding` did, for a problem: ``line`` counts from 1 in the bytes given
    (None for the whole file)."""

    line: int | None
    reason: str
    value: str
    action: Action


LINES_LISTED = 10  # a whole-file re-read names this many lines
LINES_REPORTED = 100  # a mostly UTF-8 file reports this many repaired lines, then sums up


# The legacy encodings exports are saved in (Windows code pages); limiting the detector to them
# keeps it from reading a short Arabic line as UTF-16 or Mac Cyrillic.
LEGACY = ("cp1252", "cp1256", "cp1251", "cp1250", "cp1253", "cp1254", "cp1255", "cp1257",
          "cp1258")
# The code page of a script, when the file's valid UTF-8 part is written in it.
SCRIPTS = (("\u0600", "\u06ff", "cp1256"), ("\u0400", "\u04ff", "cp1251"),
           ("\u0590", "\u05ff", "cp1255"), ("\u0370", "\u03ff", "cp1253"))


def detect_legacy(data: bytes, context: str = "") -> str:
    """The single-byte encoding ``data`` (not UTF-8) was most likely saved in.

    charset-normalizer tells cp1256 (Arabic) from cp1252 (Western) from cp1251 (Cyrillic). A few
    bytes are ambiguous (one Arabic word reads as Hebrew too), so ``context``, the text around
    them, breaks the tie: Arabic elsewhere in the file makes cp1256 the choice when it fits. When
    the guess reads the bytes exactly as cp1252 does, cp1252 is named, the encoding users know.
    Only a sample is looked at, so a 250 MB file costs what 256 KB does.
    """
    sample = data[:262144]
    matches = [m.encoding for m in charset_normalizer.from_bytes(sample, cp_isolation=list(LEGACY))]
    choice = matches[0] if matches else "cp1252"
    for low, high, page in SCRIPTS:
        if page in matches and any(low <= ch <= high for ch in context):
            choice = page
            break
    if _decodes(sample, "cp1252") and sample.decode(choice) == sample.decode("cp1252"):
        return "cp1252"
    return choice


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _decode_legacy(data: bytes, encoding: str) -> tuple[str, str]:
    for name in (encoding, "cp1252", "latin-1"):
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    raise AssertionError("latin-1 decodes any bytes")


def repair_encoding(data: bytes) -> tuple[bytes, str, list[EncodingNote]]:
    """Re-read bytes that are not valid UTF-8: (UTF-8 bytes, encoding used, what was done).

    A file with valid multi-byte UTF-8 in it (Arabic names) is UTF-8: only its lines that are not
    are re-read, in the encoding detected from those lines, and each is reported at its line.
    A file with none is one legacy encoding throughout (cp1256 Arabic, cp1252 Western...): it is
    re-read whole, with one warning naming the encoding and the lines it changed. Nothing is
    silently turned into U+FFFD or into mojibake.
    """
    lines = data.split(b"\n")
    bad = [number for number, line in enumerate(lines) if not _decodes(line, "utf-8")]
    skip = set(bad)
    good = b"\n".join(line for number, line in enumerate(lines) if number not in skip)
    # Lead bytes of multi-byte UTF-8 characters in the valid lines.
    multibyte = len(good) - len(good.translate(None, bytes(range(0xC0, 0x100))))
    if multibyte:
        context = good[:262144].decode("utf-8", errors="ignore")
        encoding = detect_legacy(b"\n".join(lines[i] for i in bad), context)
        notes: list[EncodingNote] = []
        for number in bad:
            text, used = _decode_legacy(lines[number], encoding)
            lines[number] = text.encode("utf-8")
            if len(notes) < LINES_REPORTED:
                notes.append(EncodingNote(number + 1, f"not valid UTF-8 (the rest of the file is); "
                                          f"read as {used}: check this row", text, "repaired"))
        if len(bad) > LINES_REPORTED:
            notes.append(EncodingNote(None, f"{len(bad) - LINES_REPORTED:,} more lines were not "
                                      f"valid UTF-8 and were read as {encoding}", "", "warning"))
        return b"\n".join(lines), "utf-8", notes
    text, encoding = _decode_legacy(data, detect_legacy(data))
    shown = ", ".join(str(n + 1) for n in bad[:LINES_LISTED])
    more = f" and {len(bad) - LINES_LISTED:,} more" if len(bad) > LINES_LISTED else ""
    note = (f"not UTF-8; read as {encoding} (line{'s' * (len(bad) > 1)} {shown}{more}): check "
            "names with accents or non-Latin letters; save as UTF-8 to avoid this")
    return text.encode("utf-8"), encoding, [EncodingNote(None, note, "", "warning")]


def record_start_lines(data: bytes, delimiter: str, records: int) -> np.ndarray | None:
    """The 1-based physical line where each of the first ``records`` CSV records starts.

    Cheap when no quoted value holds a line break (records are lines); otherwise a vectorised
    scan finds which newlines are inside quoted values, by the parser's quoting rule (stray
    quotes included: :func:`quoted`). None when it does not agree with ``records`` (lone CR
    line ends): the caller then falls back to the slow exact reader.
    """
    newlines = data.count(b"\n")
    ends_open = 0 if data.endswith(b"\n") else 1
    if newlines + ends_open == records:
        return np.arange(1, records + 1, dtype=np.int64)
    arr = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(arr == ord("\n"))
    ends = np.flatnonzero(~quoted(arr, delimiter)[breaks])
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
