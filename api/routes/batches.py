"""Batches of ingested scans: list them, upload a new one, follow its progress and files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from api.background import IngestJob, batch_counts, runner_for
from api.deps import Principal, SessionDep, SettingsDep, require
from api.errors import AppError, NotFound
from api.permissions import Can
from api.routes.paging import LimitQuery, OffsetQuery, Paginated
from api.uploads import Upload, UploadLimits, receive_upload
from records import crud
from records.audit import record_event
from records.models import (
    Batch,
    BatchPublic,
    BatchStatus,
    FileStatus,
    PageStatus,
    SourceFile,
    SourceFilePublic,
)

router = APIRouter(prefix="/batches", tags=["batches"])
Viewer = Annotated[Principal, Depends(require(Can.see_batches))]
Uploader = Annotated[Principal, Depends(require(Can.upload))]
MAX_BATCH_NAME = 200

UPLOAD_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "received_date": {"type": "string", "format": "date"},
                        "name": {"type": "string", "maxLength": MAX_BATCH_NAME},
                    },
                }
            }
        },
    }
}


class UploadAccepted(BaseModel):
    """The batch an upload became; poll `GET /batches/{batch_id}` for its progress."""

    batch_id: int
    status: BatchStatus
    files: int
    bytes: int


class BatchProgress(BatchPublic):
    """A batch with counts taken from its rows, so they move while it runs."""

    files_checked: int  # files looked at so far
    pages_planned: int  # pages of the files checked so far
    pages_done: int  # pages analysed and stored so far


@router.get("")
def list_batches(
    viewer: Viewer,
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 50,
) -> Paginated[BatchPublic]:
    del viewer
    rows, total = crud.list_batches(session, offset=offset, limit=limit)
    items = [crud.batch_public(b) for b in rows]
    return Paginated[BatchPublic](items=items, total=total, offset=offset, limit=limit)


@router.post(
    "",
    status_code=202,
    openapi_extra=UPLOAD_FORM,
    responses={413: {"description": "file_too_large, batch_too_large or too_many_files"}},
)
async def upload_batch(
    request: Request, uploader: Uploader, session: SessionDep, settings: SettingsDep
) -> UploadAccepted:
    """Receive scans (field `files`, optional `received_date` YYYY-MM-DD and `name`) and
    ingest them in the background as one batch; the batch exists when this returns."""
    upload = await receive_upload(
        request,
        uploads_dir=settings.data_dir / "uploads",
        limits=UploadLimits.from_settings(settings),
    )
    try:
        if not upload.files:
            raise AppError(
                "请至少选择一个文件。",
                "Send at least one file in the field `files`.",
                code="no_files",
                status=422,
            )
        received = _received_date(upload.fields.get("received_date"))
        name = upload.fields.get("name", "").strip()[:MAX_BATCH_NAME]
        name = name or f"上传 {datetime.now():%Y-%m-%d %H:%M}"
        batch_id = await run_in_threadpool(
            _start_batch, session, uploader, name=name, received=received, upload=upload
        )
    except BaseException:
        upload.discard()
        raise
    runner_for(request.app).submit(
        IngestJob(batch_id=batch_id, name=name, received_date=received, upload=upload)
    )
    return UploadAccepted(
        batch_id=batch_id, status=BatchStatus.running, files=len(upload.files), bytes=upload.size
    )


def _received_date(text: str | None) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise AppError(
            "收到日期应写成 2026-12-01 这样的格式。",
            "received_date must be written YYYY-MM-DD, e.g. 2026-12-01.",
            code="invalid_input",
            status=422,
        ) from None


def _start_batch(
    session: Session, uploader: Principal, *, name: str, received: date | None, upload: Upload
) -> int:
    """The batch row (status running) and its audit entry, in one transaction."""
    batch = crud.create_batch(session, name=name, received_date=received)
    assert batch.id is not None
    # Counts only: file names are left out of the trail.
    record_event(
        session,
        actor=uploader.name,
        actor_id=uploader.id,
        action="upload",
        target_type="batch",
        target_id=batch.id,
        detail={"batch_id": batch.id, "files": len(upload.files), "bytes": upload.size},
    )
    session.commit()
    return batch.id


@router.get("/{batch_id}")
def get_batch(batch_id: int, viewer: Viewer, session: SessionDep) -> BatchProgress:
    """One batch and how far its ingest has come (files checked, pages done)."""
    del viewer
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise _no_batch(batch_id)
    counts = batch_counts(session, batch_id=batch_id)
    data = crud.batch_public(batch).model_dump()
    data.update(
        files_checked=sum(counts.files.values()),
        files_ingested=counts.file_count(FileStatus.ingested),
        files_duplicate=counts.file_count(FileStatus.duplicate),
        files_failed=counts.file_count(FileStatus.failed),
        pages_planned=counts.pages_planned,
        pages_done=sum(counts.pages.values()),
        pages_failed=counts.page_count(PageStatus.failed),
    )
    return BatchProgress.model_validate(data)


class BatchUpdate(BaseModel):
    """What a clerk may change on a batch: the day its forms reached the office, its name."""

    received_date: date | None = None
    name: str | None = Field(default=None, min_length=1, max_length=MAX_BATCH_NAME)


@router.patch("/{batch_id}", summary="Set a batch's received date or name")
def update_batch(
    batch_id: int, request: BatchUpdate, uploader: Uploader, session: SessionDep
) -> BatchPublic:
    """Set the day the batch's forms reached the office (null: the scan day counts), which
    decides whether forms R and cards were on time; or rename the batch. Audited."""
    from records.contacts import sync_contacts_of_batch

    batch = session.get(Batch, batch_id)
    if batch is None:
        raise _no_batch(batch_id)
    changes = request.model_dump(exclude_unset=True)
    if changes.get("name") is not None:
        changes["name"] = changes["name"].strip() or batch.name
    if "name" in changes and changes["name"] is None:
        del changes["name"]
    changed = sorted(k for k, v in changes.items() if getattr(batch, k) != v)
    for key in changed:
        setattr(batch, key, changes[key])
    if changed:
        session.add(batch)
        if "received_date" in changed:
            sync_contacts_of_batch(session, batch_id)
        record_event(
            session,
            actor=uploader.name,
            actor_id=uploader.id,
            action="batch_changed",
            target_type="batch",
            target_id=batch_id,
            detail={
                "batch_id": batch_id,
                "changed": changed,
                "received_date": batch.received_date.isoformat() if batch.received_date else None,
            },
        )
        session.commit()
    return crud.batch_public(batch)


@router.get("/{batch_id}/files")
def list_batch_files(
    batch_id: int,
    viewer: Viewer,
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 100,
) -> Paginated[SourceFilePublic]:
    """The batch's files in the order they were checked: name, status, pages, error."""
    del viewer
    if session.get(Batch, batch_id) is None:
        raise _no_batch(batch_id)
    where = SourceFile.batch_id == batch_id
    total = session.exec(select(func.count()).select_from(SourceFile).where(where)).one()
    rows = session.exec(
        select(SourceFile).where(where).order_by(col(SourceFile.id)).offset(offset).limit(limit)
    ).all()
    items = [SourceFilePublic.model_validate(r, from_attributes=True) for r in rows]
    return Paginated[SourceFilePublic](items=items, total=int(total), offset=offset, limit=limit)


def _no_batch(batch_id: int) -> NotFound:
    return NotFound(f"找不到批次 {batch_id}。", f"No batch {batch_id}.")
