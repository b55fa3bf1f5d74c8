"""Exports: pages as records of `record.schema.json` (JSONL), or one row per field (CSV).

The CSV is UTF-8 with a byte-order mark, so Excel and WPS open the Chinese right. With
``mask`` every personal field (phones, addresses) is masked in its value and raw reading.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from forms.spec import R_CONTACT_FIELDS, R_CONTACT_ROWS, S_RECORD_ROWS, S_ROW_FIELDS, field_keys
from records.crud import iter_pages_with_fields
from records.models import Field, Member, Page, PageStatus, SourceFile
from records.privacy import is_personal, mask_value

EXPORT_FORMATS = ("jsonl", "csv")
CSV_ENCODING = "utf-8-sig"
CSV_HEADER = (
    "文档编号 document_id",
    "文件 file",
    "页 page",
    "表单 form",
    "状态 status",
    "卡码 card_code",
    "委员编号 member_code",
    "联系对象序号 contact_no",
    "字段 field",
    "值 value",
    "识别原文 raw",
    "置信度 confidence",
    "需复核 needs_review",
    "引擎 engine",
)


@dataclass(frozen=True)
class ExportFilter:
    """Which pages an export holds; a criterion left None does not filter."""

    batch_id: int | None = None
    status: PageStatus | None = None
    committee: str | None = None
    year: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.batch_id is not None:
            conditions.append(col(Page.batch_id) == self.batch_id)
        if self.status is not None:
            conditions.append(col(Page.status) == self.status)
        if self.committee is not None:
            conditions.append(col(Page.committee) == self.committee)
        if self.year is not None:
            conditions.append(col(Page.year) == self.year)
        return conditions

    def as_json(self) -> dict[str, Any]:
        """The criteria set, for the audit trail."""
        values = {
            "batch_id": self.batch_id,
            "status": None if self.status is None else str(self.status),
            "committee": self.committee,
            "year": self.year,
        }
        return {key: value for key, value in values.items() if value is not None}


def count_pages(session: Session, selection: ExportFilter) -> int:
    """How many pages an export with this filter holds."""
    query = select(func.count()).select_from(Page).where(*selection.conditions())
    return int(session.exec(query).one())


def _shown(field: Field, mask: bool) -> tuple[Any, str | None]:
    """Value and raw reading of a field as the export shows them."""
    if mask and is_personal(field.key):
        return mask_value(field.key, field.value), mask_value(field.key, field.raw)
    return field.value, field.raw


def field_record(field: Field | None, *, mask: bool = False) -> dict[str, Any]:
    """One field as the schema's `field`; a cell not found has no bbox and needs review."""
    if field is None:
        return {"value": None, "raw": None, "confidence": 0.0, "needs_review": True}
    value, raw = _shown(field, mask)
    record: dict[str, Any] = {
        "value": value,
        "raw": raw,
        "confidence": float(field.confidence),
        "needs_review": bool(field.needs_review),
    }
    if field.bbox is not None:
        record["bbox"] = [float(v) for v in field.bbox]
    return record


def page_record(
    page: Page,
    source: SourceFile,
    fields: Iterable[Field],
    *,
    member_code: str | None = None,
    mask: bool = False,
) -> dict[str, Any]:
    """One page as an object of `record.schema.json` (plus the member it is linked to)."""
    by_key = {f.key: f for f in fields}

    def shown(key: str) -> dict[str, Any]:
        return field_record(by_key.get(key), mask=mask)

    record: dict[str, Any] = {
        "document_id": page.id,
        "source": {"file": source.original_name, "page": page.page_no, "sha256": source.sha256},
        "form": page.form,
        "status": str(page.status),
        "rotation": page.rotation,
        "card_code": page.card_code,
        "member_code": member_code,
        "contact_no": page.contact_no,
    }
    expected = field_keys(page.form)
    header = [k for k in expected if "." not in k]
    header += sorted(k for k in by_key if "." not in k and k not in header)
    record["fields"] = {key: shown(key) for key in header}
    if page.form == "service_card":
        record["rows"] = [
            {"no": i, **{f: shown(f"rows.{i}.{f}") for f in S_ROW_FIELDS}}
            for i in range(1, S_RECORD_ROWS + 1)
        ]
    elif page.form == "registration":
        record["contacts"] = [
            {"no": i, **{f: shown(f"contacts.{i}.{f}") for f in R_CONTACT_FIELDS}}
            for i in range(1, R_CONTACT_ROWS + 1)
        ]
    return record


def jsonl_lines(
    session: Session, *, selection: ExportFilter | None = None, mask: bool = False
) -> Iterator[str]:
    """One JSON line per page of the selection, for a file or a streamed download."""
    codes = _member_codes(session)
    where = (selection or ExportFilter()).conditions()
    for page, source, fields in iter_pages_with_fields(session, where=where):
        code = codes.get(page.member_id or 0)
        record = page_record(page, source, fields, member_code=code, mask=mask)
        yield json.dumps(record, ensure_ascii=False) + "\n"


def write_jsonl(
    session: Session, out: IO[str], *, selection: ExportFilter | None = None, mask: bool = False
) -> int:
    """Write the pages (all, or the selection) as JSON lines; returns how many were written."""
    written = 0
    for line in jsonl_lines(session, selection=selection, mask=mask):
        out.write(line)
        written += 1
    return written


def _csv_pages(
    session: Session, selection: ExportFilter | None, mask: bool
) -> Iterator[list[tuple[Any, ...]]]:
    """The CSV rows of each page of the selection, one list per page."""
    codes = _member_codes(session)
    where = (selection or ExportFilter()).conditions()
    for page, source, fields in iter_pages_with_fields(session, where=where):
        by_key = {f.key: f for f in fields}
        ordered = [k for k in field_keys(page.form) if k in by_key]
        ordered += sorted(k for k in by_key if k not in ordered)
        rows = []
        for key in ordered:
            field = by_key[key]
            value, raw = _shown(field, mask)
            rows.append(
                (
                    page.id,
                    source.original_name,
                    page.page_no,
                    page.form,
                    str(page.status),
                    page.card_code or "",
                    codes.get(page.member_id or 0, ""),
                    page.contact_no or "",
                    key,
                    _csv_value(value),
                    raw or "",
                    f"{field.confidence:.3f}",
                    "是" if field.needs_review else "否",
                    field.engine or "",
                )
            )
        yield rows


def write_csv(
    session: Session, out: IO[str], *, selection: ExportFilter | None = None, mask: bool = False
) -> int:
    """Write one row per field of every page (all, or the selection); open ``out`` with
    ``CSV_ENCODING`` and ``newline=""``. Returns how many pages were written."""
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    written = 0
    for rows in _csv_pages(session, selection, mask):
        writer.writerows(rows)
        written += 1
    return written


def csv_chunks(
    session: Session, *, selection: ExportFilter | None = None, mask: bool = False
) -> Iterator[str]:
    """The CSV as text pieces for a streamed download: the byte-order mark and header,
    then one piece per page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    yield buffer.getvalue()
    for rows in _csv_pages(session, selection, mask):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _member_codes(session: Session) -> dict[int, str]:
    return {m.id: m.code for m in session.exec(select(Member)).all() if m.id is not None}
