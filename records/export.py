"""Pages as records in the shape of `record.schema.json`, one JSON object per line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from sqlmodel import Session

from forms.spec import R_CONTACT_FIELDS, R_CONTACT_ROWS, S_RECORD_ROWS, S_ROW_FIELDS, field_keys
from records.crud import iter_pages_with_fields
from records.models import Field, Page, SourceFile

EXPORT_FORMATS = ("jsonl",)


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


def page_record(page: Page, source: SourceFile, fields: Iterable[Field]) -> dict[str, Any]:
    """One page as an object of `record.schema.json`."""
    by_key = {f.key: f for f in fields}
    record: dict[str, Any] = {
        "document_id": page.id,
        "source": {"file": source.original_name, "page": page.page_no, "sha256": source.sha256},
        "form": page.form,
        "status": str(page.status),
        "rotation": page.rotation,
        "card_code": None,
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
    written = 0
    for page, source, fields in iter_pages_with_fields(session, batch_id=batch_id):
        out.write(json.dumps(page_record(page, source, fields), ensure_ascii=False) + "\n")
        written += 1
    return written
