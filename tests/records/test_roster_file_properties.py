"""Reading the member roster: properties over random and damaged files (only a
`RosterFileError` ever comes out) and rows that survive a round trip."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.vocabulary import COMMITTEES, SECTORS
from records import roster_file
from records.roster_file import (
    COLUMNS,
    RosterFileError,
    RosterRow,
    read_roster_bytes,
)
from tests.records.test_roster_file import FILE_CODES, HEADER, OLE_MAGIC, ROSTER_DIR, zipped

PREFIXES = (
    b"PK\x03\x04",
    OLE_MAGIC,
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    (HEADER + "\n").encode(),
    (HEADER + "\n").encode("gbk"),
)


def reads_or_file_error(data: bytes) -> None:
    try:
        read_roster_bytes(data, filename="upload.bin")
    except RosterFileError as e:
        assert e.code in FILE_CODES
        assert "upload.bin" in e.message


@given(
    st.one_of(
        st.binary(max_size=2000),
        st.builds(bytes.__add__, st.sampled_from(PREFIXES), st.binary(max_size=500)),
    )
)
def test_random_bytes_raise_only_roster_file_error(data: bytes) -> None:
    reads_or_file_error(data)


XLSX = (ROSTER_DIR / "roster-title-row.xlsx").read_bytes()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, len(XLSX) - 1), st.integers(0, 255)), max_size=8),
    st.integers(100, len(XLSX)),
)
def test_damaged_workbooks_raise_only_roster_file_error(
    changes: list[tuple[int, int]], keep: int
) -> None:
    data = bytearray(XLSX[:keep])
    for position, value in changes:
        data[position % len(data)] = value
    reads_or_file_error(bytes(data))


XLSX_PARTS = (
    "[Content_Types].xml",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/worksheets/sheet2.xml",
)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(XLSX_PARTS))
def test_workbooks_with_a_random_part_raise_only_roster_file_error(part: bytes, name: str) -> None:
    with zipfile.ZipFile(io.BytesIO(XLSX)) as source:
        members = {m: part if m == name else source.read(m) for m in source.namelist()}
    reads_or_file_error(zipped(members))


NAME_CHARS = "张王李赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施欧阳明华国强伟芳敏静丽军"
YES_WORDS, NO_WORDS = ("是", "Y", "yes", "1", "√"), ("否", "N", "no", "0", "")

members = st.lists(
    st.builds(
        RosterRow,
        row_no=st.just(0),
        code=st.from_regex(r"[A-Z]{2}[0-9]{4}", fullmatch=True),
        name=st.text(NAME_CHARS, min_size=2, max_size=4),
        sector=st.none() | st.sampled_from(sorted(SECTORS)),
        committee=st.none() | st.sampled_from(sorted(COMMITTEES)),
        phone=st.none()
        | st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
        | st.from_regex(r"0523-[2-9][0-9]{7}", fullmatch=True),
        standing=st.booleans(),
    ),
    min_size=1,
    max_size=15,
    unique_by=lambda r: r.code,
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    members,
    st.sampled_from(["utf-8", "utf-8-sig", "gbk"]),
    st.sampled_from([",", "\t"]),
    st.data(),
)
def test_valid_rows_written_to_csv_read_back_equal(
    rows: list[RosterRow], encoding: str, delimiter: str, data: st.DataObject
) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for r in rows:
        standing = data.draw(st.sampled_from(YES_WORDS if r.standing else NO_WORDS))
        writer.writerow([r.code, r.name, r.sector, r.committee, r.phone, standing])
    read = read_roster_bytes(text.getvalue().encode(encoding), filename="名单.csv")
    assert read.errors == ()
    assert read.rows == tuple(
        RosterRow(i, r.code, r.name, r.sector, r.committee, r.phone, r.standing)
        for i, r in enumerate(rows, start=2)
    )


def test_vocabulary_keys_are_unambiguous() -> None:
    for vocabulary in (SECTORS, COMMITTEES):
        names = [n for canon, aliases in vocabulary.items() for n in (canon, *aliases)]
        keys = [roster_file._vocab_key(n) for n in names]
        assert len(set(keys)) == len(keys)
