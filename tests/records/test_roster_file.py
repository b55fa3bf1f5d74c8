"""Reading the member roster (CSV or XLSX): exact rows, exact row errors, file-level errors."""

from __future__ import annotations

import codecs
import io
import zipfile
from pathlib import Path

import pytest

from records import roster_file
from records.roster_file import (
    COLUMNS,
    RosterFileError,
    RosterRead,
    RosterRow,
    read_roster,
    read_roster_bytes,
)

ROSTER_DIR = Path(__file__).parents[1] / "data" / "roster"
HEADER = "委员编号,姓名,界别,政协工委,联系电话,是否常委"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FILE_CODES = {
    "unreadable",
    "empty_file",
    "file_too_large",
    "too_many_rows",
    "unsupported_type",
    "legacy_xls",
    "encrypted",
    "corrupt_xlsx",
    "bad_csv",
    "no_header",
    "missing_column",
}


def read_lines(*lines: str, encoding: str = "utf-8") -> RosterRead:
    return read_roster_bytes("\n".join(lines).encode(encoding), filename="名单.csv")


def one_row(**cells: str) -> RosterRead:
    """A roster with the full header and one data row (row 2) made of these cells."""
    values = dict(code="JJ0001", name="张三", sector="", committee="", phone="", standing="")
    values.update(cells)
    return read_lines(HEADER, ",".join(values.values()))


# --- the fixtures -----------------------------------------------------------------------------


def test_utf8_bom_csv() -> None:
    read = read_roster(ROSTER_DIR / "roster-utf8-bom.csv")
    assert read.rows == (
        RosterRow(2, "JJ0001", "张三", "民革", "新桥镇", "13800000001", True),
        RosterRow(3, "JJ0002", "李四", "民盟", "靖城街道", "0523-84810002", False),
        RosterRow(4, "JJ0003", "王五", "九三学社", "江阴-靖江工业园区", "13800000003", False),
        RosterRow(5, "JJ0004", "赵六", None, None, None, False),
        RosterRow(7, "JJ0005", "钱七", "特邀人士", "市政协办公室", "0523-84810005", True),
    )
    assert read.errors == ()
    assert read.columns == {c: c for c in COLUMNS}


def test_gbk_csv_with_header_variants() -> None:
    read = read_roster(ROSTER_DIR / "roster-gbk.csv")
    assert read.rows == (
        RosterRow(2, "JJ0101", "孙八", "经济界", "季市镇", "13800000101", True),
        RosterRow(3, "JJ0102", "周九", "医药卫生界", "生祠镇", "13800000102", False),
        RosterRow(5, "JJ0103", "吴十", "无党派人士", "滨江新区", None, True),
    )
    assert read.errors == ()
    assert read.columns == {
        "委员编号": "编号",
        "姓名": "委员姓名",
        "界别": "所属界别",
        "政协工委": "所属工委",
        "联系电话": "手机",
        "是否常委": "常委",
    }


def test_xlsx_with_title_row_number_cells_and_a_notes_sheet_first() -> None:
    read = read_roster(ROSTER_DIR / "roster-title-row.xlsx")
    assert read.rows == (
        RosterRow(4, "JJ0501", "尤一", "农工党", "孤山镇", "13800000501", True),
        RosterRow(5, "502", "许二", "教育界", "马桥镇", "13800000502", False),
        RosterRow(6, "JJ0503", "何三", "科技界", "城南园区", "0523-84810503", True),
        RosterRow(8, "JJ0504", "吕四", "体育界", "西来镇", "0523-84810504", False),
    )
    assert read.errors == ()
    assert read.columns["联系电话"] == "联系电话（手机）"


def test_each_kind_of_row_error_once() -> None:
    read = read_roster(ROSTER_DIR / "roster-bad-rows.csv")
    assert [(e.row_no, e.column, e.code) for e in read.errors] == [
        (3, "委员编号", "missing_code"),
        (4, "姓名", "missing_name"),
        (5, "委员编号", "duplicate_code"),
        (6, "联系电话", "bad_phone"),
        (7, "界别", "unknown_sector"),
        (8, "政协工委", "unknown_committee"),
        (9, "是否常委", "bad_standing"),
        (10, "委员编号", "bad_code"),
    ]
    assert [r.row_no for r in read.rows] == [2, 6, 7, 8, 9, 12]
    kept = {r.row_no: r for r in read.rows}
    assert kept[6].phone is None and kept[7].sector is None and kept[8].committee is None
    assert kept[9].standing is False
    messages = [e.message for e in read.errors]
    assert messages[2] == "第 5 行：委员编号「JJ0201」与第 2 行重复"
    assert messages[3] == "第 6 行：联系电话「13****20」不是 11 位手机号或 0523 固话"
    assert not any("1380000020" in m for m in messages)


def test_missing_name_column() -> None:
    with pytest.raises(RosterFileError) as caught:
        read_roster(ROSTER_DIR / "roster-missing-name-column.csv")
    assert caught.value.code == "missing_column"
    assert "roster-missing-name-column.csv" in caught.value.message
    assert "姓名" in caught.value.message


def test_workbook_without_the_header() -> None:
    with pytest.raises(RosterFileError) as caught:
        read_roster(ROSTER_DIR / "not-a-roster.xlsx")
    assert caught.value.code == "no_header"
    assert caught.value.message.startswith("not-a-roster.xlsx：")


def test_legacy_xls_is_told_by_content_not_name() -> None:
    with pytest.raises(RosterFileError) as caught:
        read_roster(ROSTER_DIR / "roster-legacy-xls-renamed.txt")
    assert caught.value.code == "legacy_xls"
    assert ".xlsx" in caught.value.message and "CSV" in caught.value.message


def test_excel_unicode_text_is_utf16_and_tab_separated() -> None:
    read = read_roster(ROSTER_DIR / "roster-unicode-text.txt")
    assert read.rows == (
        RosterRow(2, "JJ0401", "朱一", None, None, "13800000401", False),
        RosterRow(3, "JJ0402", "秦二", None, None, "0523-84810402", False),
    )
    assert set(read.columns) == {"委员编号", "姓名", "联系电话"}


def test_xlsx_named_as_csv_reads_the_same() -> None:
    path = ROSTER_DIR / "roster-title-row.xlsx"
    assert read_roster_bytes(path.read_bytes(), filename="名单.csv") == read_roster(path)


# --- file-level errors ------------------------------------------------------------------------


def file_error(data: bytes, filename: str = "upload.bin") -> RosterFileError:
    with pytest.raises(RosterFileError) as caught:
        read_roster_bytes(data, filename=filename)
    assert filename in caught.value.message
    return caught.value


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (codecs.BOM_UTF8 + b"\r\n \r\n", "empty_file"),
        (OLE_MAGIC + bytes(64) + "EncryptionInfo".encode("utf-16-le"), "encrypted"),
        (zipped({"word/document.xml": b"<w/>"}), "unsupported_type"),
        (zipped({"xl/workbook.xml": b"<not xml"}), "corrupt_xlsx"),
        (b"PK\x03\x04 truncated", "corrupt_xlsx"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "unsupported_type"),
        ('委员编号,姓名\n"'.encode() + b"x" * 200_000, "bad_csv"),
        (("\n" * 10 + HEADER + "\nJJ0001,张三,,,,\n").encode(), "no_header"),
        ("2026年政协委员名单\n序号,备注\n".encode("gbk"), "no_header"),
    ],
    ids=[
        "empty",
        "bom-only",
        "encrypted",
        "docx",
        "bad-workbook-xml",
        "truncated-zip",
        "png",
        "unclosed-quote",
        "header-past-row-10",
        "no-header",
    ],
)
def test_file_errors(data: bytes, code: str) -> None:
    assert file_error(data).code == code


def test_file_error_codes_are_the_documented_ones() -> None:
    assert set(roster_file._FILE_PROBLEMS) == FILE_CODES


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(RosterFileError) as caught:
        read_roster(tmp_path / "名单.xlsx")
    assert caught.value.code == "unreadable"
    assert "名单.xlsx" in caught.value.message


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_file, "MAX_DATA_ROWS", 3)
    lines = [HEADER] + [f"JJ{i:04},张三,,,," for i in range(4)]
    assert file_error("\n".join(lines).encode()).code == "too_many_rows"


# --- headers, cells and rows ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "column"),
    [
        (" 委员编号 ", "委员编号"),
        ("代码", "委员编号"),
        ("委员代码", "委员编号"),
        ("编号（必填）", "委员编号"),
        ("*编号", "委员编号"),
        ("ＪＪ编号", None),
        ("姓    名", "姓名"),
        ("委员姓名：", "姓名"),
        ("界 别", "界别"),
        ("工委", "政协工委"),
        ("所属工委", "政协工委"),
        ("电话", "联系电话"),
        ("手机号码", "联系电话"),
        ("联系电话(手机)", "联系电话"),
        ("常委", "是否常委"),
        ("是否常委（是/否）", "是否常委"),
    ],
)
def test_header_variants(header: str, column: str | None) -> None:
    cells = {"委员编号": ("编号", "JJ0001"), "姓名": ("姓名", "张三")}
    value = cells[column][1] if column in cells else "是"
    cells[column or "备注"] = (header, value)
    header_row, data_row = (",".join(pair) for pair in zip(*cells.values(), strict=True))
    read = read_lines(header_row, data_row)
    assert len(read.rows) == 1
    if column is None:
        assert header not in read.columns.values()
    else:
        assert read.columns[column] == header.strip()


def test_header_on_a_later_row_with_blank_and_numbering_rows() -> None:
    read = read_lines(
        "2026年政协委员名单,,,",
        ",,,",
        "序号,委员编号,姓名,备注",
        "1,JJ0001,张三,",
        "2,,,",
        ",,,备注只写在无关列",
        "3,JJ0002,李四,",
    )
    assert [(r.row_no, r.code) for r in read.rows] == [(4, "JJ0001"), (7, "JJ0002")]
    assert read.errors == ()
    assert read.columns == {"委员编号": "委员编号", "姓名": "姓名"}


def test_code_and_name_are_normalized() -> None:
    read = one_row(code=" ｊｊ０１２３ ", name=" 欧阳　 小明 ")
    assert (read.rows[0].code, read.rows[0].name) == ("JJ0123", "欧阳小明")


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("13800000001", "13800000001"),
        ("138 0000 0001", "13800000001"),
        ("138-0000-0001", "13800000001"),
        ("+86 138 0000 0001", "13800000001"),
        ("１３８００００００01", "13800000001"),
        ("0523-84810001", "0523-84810001"),
        ("(0523)84810001", "0523-84810001"),
        ("84810001", "0523-84810001"),
        ("52384810001", "0523-84810001"),
        ("无", None),
        ("-", None),
        ("", None),
    ],
)
def test_phones(text: str, phone: str | None) -> None:
    read = one_row(phone=text)
    assert read.rows[0].phone == phone
    assert read.errors == ()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("1391234", "1391234"),
        ("23800000201", "238****0201"),
        ("138 0000 0201 5", "138****2015"),
        ("010-84810001", "010****0001"),
        ("010-8481000", "01****00"),
        ("84810001 / 13800000001", "848****0001"),
    ],
)
def test_bad_phones_are_masked_in_messages(text: str, shown: str) -> None:
    read = one_row(phone=text)
    assert read.rows[0].phone is None
    (error,) = read.errors
    assert error.code == "bad_phone" and error.column == "联系电话"
    assert error.message == f"第 2 行：联系电话「{shown}」不是 11 位手机号或 0523 固话"


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("民革", "民革"),
        ("中国国民党革命委员会", "民革"),
        ("民 革 界", "民革"),
        ("九三学社界", "九三学社"),
        ("文化艺术", "文化艺术界"),
        ("社科界", "社会科学界"),
        ("特邀委员", "特邀人士"),
        ("ＩＴ界", None),
        ("民主", None),
        ("界", None),
    ],
)
def test_sectors(text: str, sector: str | None) -> None:
    read = one_row(sector=text)
    assert read.rows[0].sector == sector
    assert [e.code for e in read.errors] == ([] if sector else ["unknown_sector"])


@pytest.mark.parametrize(
    ("text", "committee"),
    [
        ("新桥", "新桥镇"),
        ("孤山镇政协工委", "孤山镇"),
        ("季市工委", "季市镇"),
        ("江阴－靖江工业园区", "江阴-靖江工业园区"),
        ("江阴靖江工业园区", "江阴-靖江工业园区"),
        ("政协办公室", "市政协办公室"),
        ("靖江", None),
        ("新桥村", None),
    ],
)
def test_committees(text: str, committee: str | None) -> None:
    read = one_row(committee=text)
    assert read.rows[0].committee == committee
    assert [e.code for e in read.errors] == ([] if committee else ["unknown_committee"])


@pytest.mark.parametrize(
    ("text", "standing"),
    [
        ("是", True),
        ("Y", True),
        ("yes", True),
        ("1", True),
        ("√", True),
        ("TRUE", True),
        ("否", False),
        ("n", False),
        ("No", False),
        ("0", False),
        ("", False),
        (" ", False),
    ],
)
def test_standing(text: str, standing: bool) -> None:
    read = one_row(standing=text)
    assert read.rows[0].standing is standing
    assert read.errors == ()


def test_all_errors_of_a_row_are_reported_even_when_it_is_dropped() -> None:
    read = one_row(code="", sector="火星", phone="123")
    assert read.rows == ()
    assert [e.code for e in read.errors] == ["missing_code", "unknown_sector", "bad_phone"]


def test_a_dropped_row_does_not_claim_its_code() -> None:
    read = read_lines(HEADER, "JJ0001,,,,,", "JJ0001,张三,,,,")
    assert [r.row_no for r in read.rows] == [3]
    assert [e.code for e in read.errors] == ["missing_name"]


def test_messages_use_the_header_as_written() -> None:
    read = read_lines("编号,委员姓名,手机", ",张三,")
    assert read.errors[0].message == "第 2 行：编号为空"
    assert read.errors[0].column == "委员编号"
