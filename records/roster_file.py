"""The office's member roster (CSV or XLSX) read into validated rows; no database, no settings.

The format is told from the bytes, the header row is found among the first rows and matched
leniently, and every data row is checked: a bad row becomes a `RowError` and reading goes on.
Only a file that cannot be a roster at all raises `RosterFileError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Final

import openpyxl

from forms.vocabulary import COMMITTEES, SECTORS
from ocr.parse.phones import parse_phone

# Canonical column names: what `RowError.column` and the keys of `RosterRead.columns` use.
COLUMNS: Final = ("委员编号", "姓名", "界别", "政协工委", "联系电话", "是否常委")
CODE, NAME, SECTOR, COMMITTEE, PHONE, STANDING = COLUMNS

HEADER_SCAN_ROWS: Final = 10
MAX_FILE_BYTES: Final = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES: Final = 200 * 1024 * 1024  # a zip bomb posing as a workbook stops here
MAX_DATA_ROWS: Final = 20_000  # a roster has hundreds; more means the wrong file

_HEADER_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    CODE: ("委员编号", "编号", "代码", "委员代码"),
    NAME: ("姓名", "委员姓名"),
    SECTOR: ("界别", "所属界别"),
    COMMITTEE: ("政协工委", "工委", "所属工委"),
    PHONE: ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式"),
    STANDING: ("是否常委", "常委"),
}
_HEADER_LOOKUP: Final = {a: col for col, aliases in _HEADER_ALIASES.items() for a in aliases}

_SPACE = re.compile(r"[\s\u200b\ufeff]+")
_BRACKETED = re.compile(r"\(.*?\)|\[.*?\]|【.*?】")
_DASHES = re.compile(r"[-‐‑‒–—―−]")
_NON_DIGIT = re.compile(r"[^0-9]")
_CODE_SHAPE = re.compile(r"[0-9A-Z][0-9A-Z_-]{0,31}")  # goes into the card's QR text
_BLANK_MARKS: Final = frozenset({"-", "/", "—", "无", "暂无"})
_YES: Final = frozenset({"是", "y", "yes", "1", "√", "✓", "✔", "true"})
_NO: Final = frozenset({"否", "n", "no", "0", "", "false"})
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class RosterRow:
    """One member as the roster gives it, normalized; `row_no` is the row Excel shows."""

    row_no: int
    code: str
    name: str
    sector: str | None
    committee: str | None
    phone: str | None
    standing: bool


@dataclass(frozen=True)
class RowError:
    """One problem in one row: `message` is for the office (Chinese), `code` for machines."""

    row_no: int
    column: str | None
    message: str
    code: str


@dataclass(frozen=True)
class RosterRead:
    """The good rows, the row errors, and which header text each canonical column was found as."""

    rows: tuple[RosterRow, ...]
    errors: tuple[RowError, ...]
    columns: dict[str, str]


class RosterFileError(Exception):
    """The whole file is unusable as a roster; `code` is stable, `message` names file and fix."""

    def __init__(self, code: str, filename: str, **details: str) -> None:
        zh, en = _FILE_PROBLEMS[code]
        self.code = code
        self.filename = filename
        self.message = f"{filename}：{zh.format(**details)} / {filename}: {en.format(**details)}"
        super().__init__(self.message)


# What each file-level error code tells the office (Chinese) and the log (English).
_FILE_PROBLEMS: Final[dict[str, tuple[str, str]]] = {
    "unreadable": ("无法打开该文件。", "the file cannot be opened ({reason})."),
    "empty_file": ("文件是空的，请重新导出名单。", "the file is empty; export the roster again."),
    "file_too_large": ("文件过大，不像委员名单。", "the file is too large to be the roster."),
    "too_many_rows": ("行数过多，不像委员名单。", "too many rows to be the member roster."),
    "unsupported_type": (
        "{zh}不是 CSV 或 Excel（.xlsx）名单，请上传 .xlsx 或 CSV 文件。",
        "{en} is not a CSV or Excel (.xlsx) roster; upload an .xlsx or CSV file.",
    ),
    "legacy_xls": (
        "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 或 CSV（UTF-8）后再上传。",
        "it is a legacy Excel .xls file; in Excel use Save As .xlsx or CSV UTF-8 and upload that.",
    ),
    "encrypted": (
        "文件设有打开密码，请在 Excel 中取消密码后另存，再上传。",
        "the workbook is password-protected; remove the password in Excel and save a copy.",
    ),
    "corrupt_xlsx": (
        "Excel 文件已损坏，无法读取，请在 Excel 中重新另存后再上传。",
        "the Excel file is damaged; open it in Excel, save it again and upload that copy.",
    ),
    "bad_csv": (
        "CSV 格式有误（引号不成对或单元格过长），请从 Excel 重新另存。",
        "the CSV is malformed (unbalanced quotes or an overlong cell); save it again.",
    ),
    "no_header": (
        f"前 {HEADER_SCAN_ROWS} 行中找不到表头（需含“委员编号”和“姓名”列）。",
        f"no header row with 委员编号 (code) and 姓名 (name) in the first {HEADER_SCAN_ROWS} rows.",
    ),
    "missing_column": (
        "表头缺少“{columns}”列，请补上后再上传。",
        "the header row has no {columns} column; add it and upload again.",
    ),
}


def read_roster(path: Path) -> RosterRead:
    """Read a roster file from disk; see `read_roster_bytes`."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RosterFileError("file_too_large", path.name)
        data = path.read_bytes()
    except OSError as e:
        raise RosterFileError("unreadable", path.name, reason=e.strerror or str(e)) from e
    return read_roster_bytes(data, filename=path.name)


def read_roster_bytes(data: bytes, *, filename: str) -> RosterRead:
    """Read a roster from an upload's bytes; the content decides CSV or XLSX, not the name."""
    if len(data) > MAX_FILE_BYTES:
        raise RosterFileError("file_too_large", filename)
    if data.startswith(_OLE_MAGIC):
        # An OLE2 file is a legacy .xls (or other old Office file) or a password-protected .xlsx.
        encrypted = "EncryptionInfo".encode("utf-16-le") in data
        raise RosterFileError("encrypted" if encrypted else "legacy_xls", filename)
    if data.startswith(b"PK"):
        try:
            with closing(_xlsx_tables(data, filename)) as sheets:
                return _read_tables(sheets, filename)
        except RosterFileError:
            raise
        except Exception as e:  # zipfile and openpyxl raise many kinds on a damaged workbook
            raise RosterFileError("corrupt_xlsx", filename) from e
    text = _decode_text(data, filename)
    try:
        return _read_tables(_csv_tables(text), filename)
    except csv.Error as e:
        raise RosterFileError("bad_csv", filename) from e


def _decode_text(data: bytes, filename: str) -> str:
    """The text of a CSV saved as UTF-8 (BOM or not), UTF-16 with BOM, or GBK/GB18030."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")  # Excel in China saves CSV as GBK, a subset of GB18030
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        if not text.strip():
            raise RosterFileError("empty_file", filename)
        return text
    raise RosterFileError("unsupported_type", filename, zh="其内容", en="its content")


def _csv_tables(text: str) -> Iterator[Iterator[Sequence[object]]]:
    """The text split by each delimiter in turn; the one whose header matches wins."""
    for delimiter in (",", "\t", ";"):
        yield csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_tables(data: bytes, filename: str) -> Generator[Iterator[Sequence[object]], None, None]:
    """The rows of each worksheet of an XLSX, from row 1, empty rows included."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    if "xl/workbook.xml" not in archive.namelist():
        zh, en = "这是 ZIP 压缩包或其他文档，", "it is a ZIP archive or another document"
        raise RosterFileError("unsupported_type", filename, zh=zh, en=en)
    if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
        raise RosterFileError("file_too_large", filename)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()  # some exporters write a wrong A1:… extent
            yield sheet.iter_rows(min_row=1, values_only=True)
    finally:
        workbook.close()


def _read_tables(tables: Iterable[Iterator[Sequence[object]]], filename: str) -> RosterRead:
    """Read the first table whose first rows hold a header with both code and name."""
    partial: dict[str, tuple[int, str]] = {}
    for table in tables:
        numbered = enumerate(table, start=1)
        head = list(islice(numbered, HEADER_SCAN_ROWS))
        for position, (_, values) in enumerate(head):
            found = _match_header([_cell_text(v) for v in values])
            if CODE in found and NAME in found:
                return _read_body(chain(head[position + 1 :], numbered), found, filename)
            if len(found) > len(partial):
                partial = found
    if len(partial) >= 2:  # two known column names make a header row that lacks a required one
        missing = [c for c in (CODE, NAME) if c not in partial]
        raise RosterFileError("missing_column", filename, columns="、".join(missing))
    raise RosterFileError("no_header", filename)


def _match_header(cells: Sequence[str]) -> dict[str, tuple[int, str]]:
    """Canonical column → (cell index, header text) for the cells that name a known column."""
    found: dict[str, tuple[int, str]] = {}
    for index, text in enumerate(cells):
        key = _BRACKETED.sub("", _squash(text)).strip("*:")
        column = _HEADER_LOOKUP.get(key)
        if column is not None and column not in found:
            found[column] = (index, text.strip())
    return found


def _read_body(
    table: Iterable[tuple[int, Sequence[object]]],
    found: dict[str, tuple[int, str]],
    filename: str,
) -> RosterRead:
    """Check every data row; a row with a duplicate code is an error on its second occurrence."""
    headers = {column: text for column, (_, text) in found.items()}
    rows: list[RosterRow] = []
    errors: list[RowError] = []
    first_row_of: dict[str, int] = {}
    data_rows = 0
    for row_no, values in table:
        cells = {
            column: _cell_text(values[index]).strip() if index < len(values) else ""
            for column, (index, _) in found.items()
        }
        if not any(cells.values()):
            continue  # blank, or only a pre-numbered 序号 column: nothing to report
        data_rows += 1
        if data_rows > MAX_DATA_ROWS:
            raise RosterFileError("too_many_rows", filename)
        row, row_errors = _check_row(row_no, cells, headers)
        errors.extend(row_errors)
        if row is None:
            continue
        if row.code in first_row_of:
            first = first_row_of[row.code]
            message = f"第 {row_no} 行：{headers[CODE]}「{row.code}」与第 {first} 行重复"
            errors.append(RowError(row_no, CODE, message, "duplicate_code"))
            continue
        first_row_of[row.code] = row_no
        rows.append(row)
    return RosterRead(rows=tuple(rows), errors=tuple(errors), columns=headers)


def _check_row(
    row_no: int, cells: dict[str, str], headers: dict[str, str]
) -> tuple[RosterRow | None, list[RowError]]:
    """One row normalized; None when code or name is unusable. Every problem is reported."""
    errors: list[RowError] = []

    def report(column: str, code: str, problem: str) -> None:
        message = f"第 {row_no} 行：{headers.get(column, column)}{problem}"
        errors.append(RowError(row_no, column, message, code))

    code = _squash(cells.get(CODE, "")).upper()
    if not code:
        report(CODE, "missing_code", "为空")
    elif not _CODE_SHAPE.fullmatch(code):
        report(CODE, "bad_code", f"「{_clip(code)}」只能由字母、数字、“-”和“_”组成")
    name = _squash(cells.get(NAME, ""))
    if not name:
        report(NAME, "missing_name", "为空")

    sector_text = _optional(cells.get(SECTOR, ""))
    sector = _snap(sector_text, _SECTOR_LOOKUP, ("界",), "界")
    if sector_text and sector is None:
        report(SECTOR, "unknown_sector", f"「{_clip(sector_text)}」不在界别名单中")
    committee_text = _optional(cells.get(COMMITTEE, ""))
    committee = _snap(committee_text, _COMMITTEE_LOOKUP, ("政协工委", "工委"), "")
    if committee_text and committee is None:
        report(COMMITTEE, "unknown_committee", f"「{_clip(committee_text)}」不在政协工委名单中")
    phone_text = _optional(cells.get(PHONE, ""))
    phone = _normalize_phone(phone_text) if phone_text else None
    if phone_text and phone is None:
        report(PHONE, "bad_phone", f"「{_mask_phone(phone_text)}」不是 11 位手机号或 0523 固话")
    flag = _squash(cells.get(STANDING, "")).lower()
    if flag not in _YES and flag not in _NO:
        report(STANDING, "bad_standing", f"「{_clip(flag)}」应填“是”或“否”")

    if not name or not _CODE_SHAPE.fullmatch(code):
        return None, errors
    row = RosterRow(row_no, code, name, sector, committee, phone, standing=flag in _YES)
    return row, errors


def _cell_text(value: object) -> str:
    """A cell as text; an Excel number loses the `.0` of a phone or code stored as a number."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _squash(text: str) -> str:
    """NFKC (full-width letters, digits, brackets to ASCII) with all whitespace removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def _optional(text: str) -> str:
    """The text of an optional cell, '' for blank or a placeholder such as 无 or -."""
    return "" if _squash(text) in _BLANK_MARKS else text


def _vocab_key(text: str) -> str:
    return _DASHES.sub("", _squash(text))


def _vocab_lookup(vocabulary: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {
        _vocab_key(n): canon for canon, aliases in vocabulary.items() for n in (canon, *aliases)
    }


_SECTOR_LOOKUP: Final = _vocab_lookup(SECTORS)
_COMMITTEE_LOOKUP: Final = _vocab_lookup(COMMITTEES)


def _snap(text: str, lookup: dict[str, str], suffixes: tuple[str, ...], add: str) -> str | None:
    """Canonical name for an exact name or alias, allowing a suffix written or left off."""
    if not text:
        return None
    key = _vocab_key(text)
    candidates = [key, *(key.removesuffix(s) for s in suffixes), key + add]
    return next((lookup[c] for c in candidates if c in lookup), None)


def _normalize_phone(text: str) -> str | None:
    """An 11-digit mobile, or `0523-` and 8 digits for a Jingjiang landline; None otherwise.

    A roster is typed, not read: the OCR parser's rules apply, plus what spreadsheets do
    to numbers (`523…` in a number cell has lost its leading 0).
    """
    digits = _NON_DIGIT.sub("", unicodedata.normalize("NFKC", text))
    if len(digits) == 11 and digits.startswith("523"):
        digits = "0" + digits
    parsed = parse_phone(digits if digits else text)
    return parsed.value if parsed.valid and isinstance(parsed.value, str) else None


def _mask_phone(text: str) -> str:
    """A phone as a message may show it: from 8 digits on, only its ends."""
    digits = _NON_DIGIT.sub("", unicodedata.normalize("NFKC", text))
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 8:
        return f"{digits[:2]}****{digits[-2:]}"
    return _clip(text)


def _clip(text: str, limit: int = 20) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
