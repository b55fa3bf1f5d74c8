"""Exports: pages as records of `record.schema.json` (JSONL), or one row per field (CSV).

The CSV is UTF-8 with a byte-order mark, so Excel and WPS open the Chinese right.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, Any

from sqlmodel import Session, select

from forms.spec import R_CONTACT_FIELDS, R_CONTACT_ROWS, S_RECORD_ROWS, S_ROW_FIELDS, field_keys
from records.crud import iter_pages_with_fields
from records.models import Field, Member, Page, SourceFile

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


def field_record(field: Field | None) -> dict[str, Any]:
    """One field as the schema's `field`; a cell not found has no bbox and needs review."""
    if field is None:
        return {"value": None, "raw": None, "confidence": 0.0, "needs_review": True}
    record: dict[str, Any] = {
        "value": field.value,
        "raw": field.raw,
        "confidence": float(field.confidence),
        "needs_review": bool(field.needs_review),
    }
    if field.bbox is not None:
        record["bbox"] = [float(v) for v in field.bbox]
    return record


def page_record(
    page: Page, source: SourceFile, fields: Iterable[Field], *, member_code: str | None = None
) -> dict[str, Any]:
    """One page as an object of `record.schema.json` (plus the member it is linked to)."""
    by_key = {f.key: f for f in fields}
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
    record["fields"] = {key: field_record(by_key.get(key)) for key in header}
    if page.form == "service_card":
        record["rows"] = [
            {"no": i, **{f: field_record(by_key.get(f"rows.{i}.{f}")) for f in S_ROW_FIELDS}}
            for i in range(1, S_RECORD_ROWS + 1)
        ]
    elif page.form == "registration":
        record["contacts"] = [
            {
                "no": i,
                **{f: field_record(by_key.get(f"contacts.{i}.{f}")) for f in R_CONTACT_FIELDS},
            }
            for i in range(1, R_CONTACT_ROWS + 1)
        ]
    return record


def write_jsonl(session: Session, out: IO[str], *, batch_id: int | None = None) -> int:
    """Write every page (of one batch, or all) as JSON lines; returns how many were written."""
    codes = _member_codes(session)
    written = 0
    for page, source, fields in iter_pages_with_fields(session, batch_id=batch_id):
        record = page_record(page, source, fields, member_code=codes.get(page.member_id or 0))
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        written += 1
    return written


def write_csv(session: Session, out: IO[str], *, batch_id: int | None = None) -> int:
    """Write one row per field of every page; open ``out`` with ``CSV_ENCODING`` and
    ``newline=""``. Returns how many pages were written."""
    codes = _member_codes(session)
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    written = 0
    for page, source, fields in iter_pages_with_fields(session, batch_id=batch_id):
        by_key = {f.key: f for f in fields}
        ordered = [k for k in field_keys(page.form) if k in by_key]
        ordered += sorted(k for k in by_key if k not in ordered)
        for key in ordered:
            field = by_key[key]
            writer.writerow(
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
                    _csv_value(field.value),
                    field.raw or "",
                    f"{field.confidence:.3f}",
                    "是" if field.needs_review else "否",
                    field.engine or "",
                )
            )
        written += 1
    return written


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _member_codes(session: Session) -> dict[int, str]:
    return {m.id: m.code for m in session.exec(select(Member)).all() if m.id is not None}
