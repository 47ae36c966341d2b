"""read_table: every kind of file a user may bring is read or refused with a clear problem,
with the right physical line for every row, and never an exception."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import numpy as np
import pytest

from dashboard.ingest import readcsv
from dashboard.ingest.readcsv import read_table
from dashboard.ingest.records import Records, scan_records

FIXTURES = Path(__file__).parent / "fixtures"


def problem_lines(raw, action=None):
    return [p.line for p in raw.problems if action is None or p.action == action]


def assert_all_text(raw):
    assert raw.frame.isna().sum().sum() == 0
    for column in raw.frame.columns:
        assert all(isinstance(v, str) for v in raw.frame[column])


@pytest.mark.parametrize(
    ("name", "rows", "encoding", "delimiter"),
    [
        ("acled_syria_sample.csv", 30, "utf-8", ","),
        ("ucdp_ged_sample.csv", 30, "utf-8", ","),
        ("ours_with_coords.csv", 12, "utf-8", ","),
        ("utf8_bom.csv", 2, "utf-8-sig", ","),
        ("utf16_bom.csv", 2, "utf-16", "\t"),
        ("semicolon.csv", 3, "utf-8", ";"),
        ("latin1.csv", 2, "cp1252", ","),
    ],
)
def test_good_files_keep_every_row(name, rows, encoding, delimiter):
    raw = read_table(FIXTURES / name)
    assert len(raw.frame) == rows
    assert raw.encoding == encoding
    assert raw.delimiter == delimiter
    assert raw.lines.tolist() == list(range(2, rows + 2))
    assert raw.name == name
    assert not [p for p in raw.problems if p.action in ("discarded", "error")]
    assert_all_text(raw)


def test_bom_is_not_part_of_the_first_column_name():
    raw = read_table(FIXTURES / "utf8_bom.csv")
    assert raw.frame.columns[0] == "event_id_cnty"
    assert "معرة النعمان" in raw.frame["notes"].iloc[0]


def test_utf16_keeps_arabic_text():
    raw = read_table(FIXTURES / "utf16_bom.csv")
    assert raw.frame.columns[0] == "event_id_cnty"
    assert "جسر الشغور" in raw.frame["notes"].iloc[0]


def test_cp1252_is_read_with_a_warning_naming_the_encoding():
    raw = read_table(FIXTURES / "latin1.csv")
    assert raw.frame["place"].iloc[0] == "Qalâat al-Madiq"
    assert raw.frame["summary"].iloc[0] == "Café hit – 2 killed"
    assert raw.frame["summary"].iloc[1] == "Clashes near the «centre»"
    (warning,) = raw.problems
    assert warning.action == "warning" and "cp1252" in warning.reason and warning.line is None
    assert "lines 2, 3" in warning.reason


def test_mostly_utf8_with_one_cp1252_row_keeps_utf8_and_names_the_row():
    data = "id,place\n1,حلب\n2,Café\n3,Idlib\n".encode().replace("é".encode(), b"\xe9")
    raw = read_table(data, name="mixed.csv")
    assert raw.encoding == "utf-8"
    assert raw.frame["place"].tolist() == ["حلب", "Café", "Idlib"]  # no U+FFFD
    assert [(p.line, p.action) for p in raw.problems] == [(3, "repaired")]
    assert "cp1252" in raw.problems[0].reason and "Café" in raw.problems[0].value


def test_one_cp1256_row_in_a_utf8_arabic_file_stays_arabic():
    data = "id,place\n1,حلب\n\n2,إدلب\n".encode().replace("إدلب".encode(), "إدلب".encode("cp1256"))
    raw = read_table(data, name="mixed.csv")
    assert raw.frame["place"].tolist() == ["حلب", "إدلب"]
    assert [(p.line, p.action) for p in raw.problems] == [(4, "repaired")]
    assert "cp1256" in raw.problems[0].reason


def test_a_cp1256_file_is_read_as_arabic_not_mojibake():
    text = "id,date,place,notes\n" + "".join(
        f"{i},2016-02-0{i % 9 + 1},حلب,قصف على مدينة حلب\n" for i in range(30))
    raw = read_table(text.encode("cp1256"), name="arabic.csv")
    assert raw.encoding == "cp1256"
    assert set(raw.frame["place"]) == {"حلب"}
    (warning,) = raw.problems
    assert warning.action == "warning" and "cp1256" in warning.reason and "lines 2, 3" in warning.reason


def test_many_bad_lines_in_a_utf8_file_are_summed_up():
    rows = "".join(f"{i},Café\n" for i in range(300))
    data = ("id,place\n0,حلب\n" + rows).encode().replace("é".encode(), b"\xe9")
    raw = read_table(data, name="many.csv")
    assert len(raw.frame) == 301 and raw.frame["place"].iloc[-1] == "Café"
    assert len(raw.problems) == 101 and raw.problems[0].line is None
    assert "200 more lines" in raw.problems[0].reason


def test_semicolon_file_keeps_commas_inside_values():
    raw = read_table(FIXTURES / "semicolon.csv")
    assert raw.frame["summary"].tolist()[:2] == ["Shelling, then silence", "Air strikes; market hit"]
    assert raw.frame["latitude"].iloc[0] == "35,8622"


def test_quoted_line_breaks_give_the_physical_start_line():
    raw = read_table(FIXTURES / "quoted_newlines.csv")
    assert raw.frame["id"].tolist() == ["qn-1", "qn-2", "qn-3", "qn-5", "qn-1", "qn-6"]
    assert raw.lines.tolist() == [2, 4, 7, 10, 11, 13]
    assert raw.frame["summary"].iloc[1] == (
        "Air strikes on Ariha,\n\nwith a blank line inside the quotes.")
    (bad,) = raw.problems
    assert (bad.line, bad.action) == (8, "discarded")
    assert "10 fields, expected 9" in bad.reason


def test_ragged_rows_are_reported_by_line():
    raw = read_table(FIXTURES / "ragged_rows.csv")
    assert raw.frame["id"].tolist() == ["rg-1", "rg-4", "rg-5", "rg-6"]
    assert raw.lines.tolist() == [2, 5, 6, 8]
    assert [(p.line, p.action) for p in raw.problems] == [
        (3, "discarded"), (4, "discarded"), (5, "repaired"), (9, "discarded")]
    assert "row cut short" in raw.problems[1].reason
    assert raw.frame["longitude"].iloc[1] == "37.1343"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.csv", "empty"),
        ("header_only.csv", "no data rows"),
        ("binary_garbage.csv", "binary"),
    ],
)
def test_unusable_files_give_one_error(name, words):
    raw = read_table(FIXTURES / name)
    assert raw.frame.empty
    assert len(raw.lines) == 0
    errors = [p for p in raw.problems if p.action == "error"]
    assert len(errors) == 1 and words in errors[0].reason
    assert errors[0].file == name


def test_header_only_keeps_its_columns():
    raw = read_table(FIXTURES / "header_only.csv")
    assert list(raw.frame.columns)[:3] == ["id", "date", "place"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"%PDF-1.4\n", "PDF"),
        (b"   \n\r\n\t\n", "empty"),
        (b"a,b\n" + bytes(range(1, 9)) * 200, "control characters"),
        (codecs.BOM_UTF16_LE + b"\x00\xd8", "utf-16"),
    ],
)
def test_non_csv_bytes_are_refused(data, words):
    raw = read_table(data, name="upload.csv")
    assert raw.frame.empty
    assert [p.action for p in raw.problems] == ["error"]
    assert words.lower() in raw.problems[0].reason.lower()


class NoReading(io.BytesIO):
    """A seekable upload that fails the test if its content is read."""

    def read(self, *args):
        raise AssertionError("read before the size check")


def test_size_is_checked_before_reading():
    upload = NoReading(b"x" * 5000)
    upload.name = "big.csv"
    raw = read_table(upload, max_bytes=1000)
    (error,) = raw.problems
    assert error.action == "error" and error.file == "big.csv"
    assert "0.0 MB" in error.reason and "limit" in error.reason


def test_size_limit_for_paths_and_bytes(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(300 * 10**6)  # sparse: 300 MB on paper, nothing to read
    raw = read_table(path)
    (error,) = raw.problems
    assert "300.0 MB" in error.reason and "250 MB limit" in error.reason
    assert read_table(b"a\n1\n" * 100, max_bytes=10).problems[0].action == "error"


def test_unseekable_stream_over_the_limit():
    class Stream(io.RawIOBase):
        def __init__(self):
            self.left = 10_000

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, buffer):
            size = min(len(buffer), self.left)
            buffer[:size] = b"a" * size
            self.left -= size
            return size

    raw = read_table(io.BufferedReader(Stream()), name="pipe.csv", max_bytes=2000)
    assert raw.problems[0].action == "error" and "limit" in raw.problems[0].reason


def test_missing_path_is_a_problem_not_an_exception(tmp_path):
    raw = read_table(tmp_path / "nope.csv")
    assert raw.problems[0].action == "error" and "cannot read" in raw.problems[0].reason


def test_duplicate_and_empty_column_names_are_renamed():
    raw = read_table(FIXTURES / "duplicate_columns.csv")
    assert list(raw.frame.columns) == ["id", "date", "place", "actors", "event_type", "summary",
                                       "source", "Date_8", "column_9", "latitude", "longitude"]
    assert raw.frame["date"].tolist() == ["2016-02-01", "2016-02-02"]
    assert [(p.line, p.field, p.action) for p in raw.problems] == [
        (1, "Date", "warning"), (1, "column_9", "warning")]


@pytest.mark.parametrize(
    ("data", "lines", "column"),
    [
        (b"a,b\r\n1,2\r\n3,4\r\n", [2, 3], ["1", "3"]),
        (b"a,b\r1,2\r3,4\r", [2, 3], ["1", "3"]),
        (b"\n\n a,b\n1,2\n\n\n3,4", [4, 7], ["1", "3"]),
        (b'a,b\n1,x"y\n2,"p\nq"\n3,z\n', [2, 3, 5], ["1", "2", "3"]),
        (b'a,b\n"1\n\n",2\n3,4\n', [2, 5], ["1\n\n", "3"]),
        (b"a\tb\n1\t2\n", [2], ["1"]),
        (b"a|b|c\n1|2|3\n", [2], ["1"]),
    ],
)
def test_line_numbers_survive_line_endings_blank_lines_and_stray_quotes(data, lines, column):
    raw = read_table(data, name="t.csv")
    assert raw.lines.tolist() == lines
    assert raw.frame.iloc[:, 0].tolist() == column
    assert not raw.problems


def test_a_field_larger_than_the_parser_block():
    big = "x" * (3 << 20)
    raw = read_table(f'id,text\n1,"{big}"\n2,short\n'.encode(), name="big-field.csv",
                     max_bytes=2**30)
    assert raw.frame["text"].str.len().tolist() == [len(big), 5]
    assert raw.lines.tolist() == [2, 3]


def test_a_huge_ragged_row_does_not_crash():
    big = "y" * 200_000  # beyond Python csv's default field size limit
    raw = read_table(f'a,b\n1,2\n3,"{big}",extra\n4,5\n'.encode(), name="t.csv")
    assert raw.frame["a"].tolist() == ["1", "4"]
    assert [(p.line, p.action) for p in raw.problems] == [(3, "discarded")]


def test_progress_is_reported_and_ends_at_one():
    seen: list[float] = []
    read_table(FIXTURES / "acled_syria_sample.csv", on_progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)


def test_file_objects_and_bytes_are_read_like_paths():
    data = (FIXTURES / "ours_with_coords.csv").read_bytes()
    upload = io.BytesIO(data)
    upload.name = "/tmp/uploads/mine.csv"
    from_object = read_table(upload)
    from_bytes = read_table(data, name="mine.csv")
    assert from_object.name == "mine.csv" == from_bytes.name
    assert from_object.frame.equals(from_bytes.frame)
    assert np.array_equal(from_object.lines, from_bytes.lines)


def test_many_rows_with_bad_ones_at_known_lines():
    rows = [f"{i},Aleppo,{i % 7}" for i in range(20_000)]
    rows[4999] = "4999,Aleppo"  # too few, file line 5001
    rows[12000] = '12000,"Idlib\nnorth",3'  # a quoted line break: later rows start one lower
    rows[15000] = "15000,Homs,1,2"  # too many, file line 15002 + 1
    raw = read_table(("id,place,n\n" + "\n".join(rows) + "\n").encode(), name="many.csv")
    assert len(raw.frame) == 19_998
    assert [p.line for p in raw.problems] == [5001, 15003]
    ids = raw.frame["id"].astype(int).to_numpy()
    expected = ids + 2 + (ids > 12000)
    assert np.array_equal(raw.lines, expected)


@pytest.mark.parametrize(
    ("data", "kept", "reported"),
    [
        (b'a,b\n1,2\n3,"never closed\n4,5\n6,7\n', ["1"], [3]),
        (b'a,b\r\n1,2\r\n3,"abc\r\ndef\r\n', ["1"], [3]),
        (b'a,b\n1,5" gun\n3,"x\ny"\n', ["1", "3"], []),
        (b'a,b\n1,2\n3,"abc', ["1", "3"], []),
    ],
)
def test_an_unclosed_quote_is_reported_not_swallowed(data, kept, reported):
    raw = read_table(data, name="t.csv")
    assert raw.frame["a"].tolist() == kept
    assert [p.line for p in raw.problems] == reported
    assert all("never closed" in p.reason for p in raw.problems)


def test_only_the_chosen_columns_are_kept_but_every_column_is_still_checked():
    """Cells of columns nobody reads are not kept, yet a row is blank, ragged or unclosed by all
    its fields, and the header keeps every name; NULs are reported only in the columns kept."""
    data = (b"a,b,c,d\n"
            b"1,,,\n"
            b",,x,\n"        # filled only in a column not kept: a row, not a blank line
            b",,,\n"         # blank: goes silently
            b"2,3\n"         # ragged, whatever columns are kept
            b"4,,y\x00,\n"   # a NUL in a column not kept: nothing to repair
            b"5,,,\"open\nto the end")
    raw = read_table(data, name="c.csv", columns=lambda names: [n for n in names if n in "ab"])
    assert raw.names() == ["a", "b", "c", "d"] and list(raw.frame.columns) == ["a", "b"]
    assert raw.frame["a"].tolist() == ["1", "", "4"]
    assert raw.lines.tolist() == [2, 3, 6]
    ragged, unclosed = raw.problems
    assert (ragged.line, ragged.action) == (5, "discarded") and "2 fields" in ragged.reason
    assert unclosed.line == 7 and "never closed" in unclosed.reason
    assert unclosed.value.startswith("5 |  |  | open")  # every field of the row, kept or not
    every = read_table(data, name="c.csv")
    assert every.header is None and every.names() == ["a", "b", "c", "d"]
    assert every.frame[["a", "b"]].equals(raw.frame) and [p.line for p in every.problems] == [
        5, 6, 7]


def test_keeping_no_column_still_counts_the_rows_and_reads_the_header():
    raw = read_table(b"x,y\n1,2\n3,4\n", name="n.csv", columns=lambda names: [])
    assert raw.names() == ["x", "y"] and raw.frame.shape == (2, 0) and raw.problems == []


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
@pytest.mark.parametrize("stray_quote", [False, True])
def test_many_ragged_rows_read_as_the_parser_reads_a_few(monkeypatch, line_break, stray_quote):
    """Past RAGGED_BY_PARSER ragged rows the record scan finds them all at once: the same rows,
    lines and problems as the parser's row-by-row account (also where a stray quote makes the
    scan give way to it)."""
    kinds = ['{i},"q, \nr",z', "{i},x", "{i}", "", '{i},"",,""', "{i},y,z,w", '{i},"a""b",c,, ',
             "  ", "{i},é,\u00a0", ",,"]
    rows = [kind.format(i=i) for i in range(1500) for kind in kinds]
    if stray_quote:
        rows[700] = '7" gun,b,c'
    data = ("a,b,c" + line_break + line_break.join(rows) + line_break).encode()
    by_scan = read_table(data, name="r.csv")
    monkeypatch.setattr("dashboard.ingest.readcsv.RAGGED_BY_PARSER", 10**9)
    by_parser = read_table(data, name="r.csv")
    assert by_scan.frame.equals(by_parser.frame) and len(by_scan.frame) == 6000
    assert by_scan.lines.tolist() == by_parser.lines.tolist()
    assert list(by_scan.problems) == list(by_parser.problems) and len(by_scan.problems) == 7500
    assert {p.action for p in by_scan.problems} == {"repaired", "discarded"}


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
@pytest.mark.parametrize("header", ["id,date,place", "id,date,place,actor,notes"])
def test_a_last_row_left_empty_by_its_repair_is_kept_past_the_ragged_limit(
        monkeypatch, line_break, header):
    """Past RAGGED_BY_PARSER ragged rows, a last row that is empty once its empty extra fields
    are cut is kept as the parser's account keeps it, and its unclosed-quote check looks at its
    own (empty) fields, not at those of the row before it (whose last value is a line break
    running to the end of the file)."""
    data = (header + "\n" + "x\n" * 1001 + '1,2020-01-01,"Homs",A,"\n"\n,,,,,,\n').replace(
        "\n", line_break).encode()
    scans: list[Records | None] = []

    def scan(body: bytes, delimiter: str) -> Records | None:
        scans.append(scan_records(body, delimiter))
        return scans[-1]

    monkeypatch.setattr("dashboard.ingest.readcsv.scan_records", scan)
    by_scan = read_table(data, name="e.csv")
    assert len(scans) == 1 and scans[0] is not None  # the record scan's path was taken
    monkeypatch.setattr("dashboard.ingest.readcsv.RAGGED_BY_PARSER", 10**9)
    by_parser = read_table(data, name="e.csv")
    assert len(scans) == 1
    assert by_scan.frame.equals(by_parser.frame)
    assert by_scan.lines.tolist() == by_parser.lines.tolist()
    assert list(by_scan.problems) == list(by_parser.problems)
    width = header.count(",") + 1
    rows = [["1", "2020-01-01", "Homs", "A", line_break]] if width == 5 else []
    assert by_scan.frame.values.tolist() == [*rows, [""] * width]
    assert by_scan.lines.tolist() == [1003] * len(rows) + [1005]
    last = [(p.line, p.field, p.reason, p.action) for p in by_scan.problems if p.line > 1002]
    assert last == [*([] if rows else [(1003, None, "has 5 fields, expected 3 (an unquoted "
                                        "delimiter in a value?)", "discarded")]),
                    (1005, None, f"has 7 fields, expected {width}; dropped the empty extra "
                     "fields", "repaired")]
    assert not any("never closed" in p.reason for p in by_scan.problems)


@pytest.mark.parametrize("line_break", ["\n", "\r\n"])
def test_stray_quotes_are_read_by_the_scan_as_the_parser_reads_them(monkeypatch, line_break):
    """A quote inside an unquoted value (``5" gun``, ``x"``, ``"a"b"c``) is a literal character
    to the parser: past RAGGED_BY_PARSER ragged rows the record scan reads such a file itself,
    with the same rows, lines and problems as the parser's row-by-row account, quoted values
    with doubled quotes and line breaks included."""
    kinds = ['{i},5" gun,"q ""r""' + line_break + 's"', 'x"', '{i},"a"b"c,d"', '{i},a""b,"""",, ',
             '{i},"x' + line_break + ',y",z', '"{i}"" ,"b,"c" ', '{i}"', ' "{i}",x"y,z,"",',
             '{i},"a,b"x"' + line_break + 'y,z', ""]
    rows = [kind.format(i=i) for i in range(400) for kind in kinds]
    data = ("a,b,c" + line_break + line_break.join(rows) + line_break).encode()
    scans: list[Records | None] = []

    def scan(body: bytes, delimiter: str) -> Records | None:
        scans.append(scan_records(body, delimiter))
        return scans[-1]

    monkeypatch.setattr("dashboard.ingest.readcsv.scan_records", scan)
    parse_rows = readcsv._parse_rows
    limits: list[int | None] = []

    def spy(*args: object) -> object:
        limits.append(args[-1])  # type: ignore[arg-type]
        return parse_rows(*args)  # type: ignore[arg-type]

    monkeypatch.setattr("dashboard.ingest.readcsv._parse_rows", spy)
    by_scan = read_table(data, name="q.csv")
    assert len(scans) == 1 and None not in limits  # the scan's account, not the parser's
    monkeypatch.setattr("dashboard.ingest.readcsv.RAGGED_BY_PARSER", 10**9)
    by_parser = read_table(data, name="q.csv")
    assert by_scan.frame.equals(by_parser.frame) and len(by_scan.frame) > 1000
    assert by_scan.lines.tolist() == by_parser.lines.tolist()
    assert list(by_scan.problems) == list(by_parser.problems) and len(by_scan.problems) > 1000
    assert {p.action for p in by_scan.problems} == {"repaired", "discarded"}
    assert not any("irregular" in p.reason for p in by_parser.problems)
    assert by_scan.frame.iloc[0].tolist() == ["0", '5" gun', f'q "r"{line_break}s']
    assert by_scan.frame.iloc[1].tolist() == ["0", 'ab"c', "d\""]
