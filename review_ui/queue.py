"""The work screens: the review queue at `/`, batches with live progress and upload, and the
field grid (one field kind across many cards).

Reads go straight to the tables (`review_ui.worklist`, `records.crud`), scoped to the
viewer's committee; every change goes through the JSON API from the browser, with the
session's CSRF token, so rules and audit entries are the API's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session, col, select

from api.background import batch_counts
from api.deps import Principal, SessionDep
from api.errors import AppError, Forbidden, NotFound
from api.permissions import Can
from forms.spec import FORM_KINDS
from forms.vocabulary import COMMITTEES
from records import bulk_review, crud
from records.models import Batch, BatchStatus, FileStatus, PageStatus, SourceFile
from records.privacy import mask_value
from review_ui import labels
from review_ui.jumps import GRID_JUMP_KEYS, jump_letters
from review_ui.labels import label
from review_ui.session import ScreenUser, screen_context
from review_ui.worklist import (
    FieldCell,
    FieldOrder,
    QueueFilter,
    counts_left,
    field_cells,
    kinds_to_check,
    next_grid_kind,
    queue_rows,
)

QUEUE_PAGE = 50
GRID_CELLS = 50
BATCH_PAGE = 50

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(
    form_label=lambda code: label(labels.FORM_LABELS, code),
    page_status_label=lambda code: label(labels.PAGE_STATUS_LABELS, code),
    batch_status_label=lambda code: label(labels.BATCH_STATUS_LABELS, code),
    file_status_label=lambda code: label(labels.FILE_STATUS_LABELS, code),
    key_label=labels.field_key_label,
)
router = APIRouter(include_in_schema=False)


def _number(text: str | None) -> int | None:
    """A whole number from a query string; an empty or odd one is no filter."""
    return int(text) if text and text.strip().isdigit() else None


def _choice(text: str | None, allowed: tuple[str, ...] | list[str]) -> str | None:
    return text if text in allowed else None


def _require(user: Principal, capability: Can, message: str) -> None:
    if not user.can(capability):
        raise Forbidden(message, f"Your role ({user.role}) may not {capability.value}.")


# --- the queue ---------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def queue_screen(
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    batch_id: str | None = None,
    form: str | None = None,
    committee: str | None = None,
    status: str = PageStatus.needs_review.value,
    offset: int = 0,
) -> Response:
    """Documents to review, worst first; clerks, who see no page contents, get batches."""
    if not user.can(Can.see_pages):
        return RedirectResponse("/batches", status_code=303)
    filters = QueueFilter(
        batch_id=_number(batch_id),
        form=_choice(form, FORM_KINDS),
        committee=user.committee or _choice(committee, list(COMMITTEES)),
        status=PageStatus(status) if status in PageStatus.__members__ else None,
    )
    offset = max(0, offset)
    rows, total = queue_rows(
        session, filters=filters, scope=user.committee, offset=offset, limit=QUEUE_PAGE
    )
    counts = counts_left(
        session, scope=user.committee, batch_id=filters.batch_id, committee=filters.committee
    )
    query = {
        "batch_id": filters.batch_id or "",
        "form": filters.form or "",
        "committee": filters.committee or "",
        "status": filters.status.value if filters.status else "",
    }
    batches, _ = crud.list_batches(session, limit=BATCH_PAGE)
    return templates.TemplateResponse(
        request,
        "queue.html",
        {
            "checked": _checked(session, user, filters),
            "rows": rows,
            "total": total,
            "counts": counts,
            "left_pages": sum(c.pages for c in counts),
            "left_fields": sum(c.fields for c in counts),
            "filters": filters,
            "query": urlencode(query),
            "offset": offset,
            "page_size": QUEUE_PAGE,
            "batches": batches,
            "running": [b for b in batches if b.status == BatchStatus.running],
            "forms": FORM_KINDS,
            "statuses": list(PageStatus),
            "committees": list(COMMITTEES),
            **screen_context(user),
        },
    )


def _checked(session: Session, user: Principal, filters: QueueFilter) -> dict[str, Any] | None:
    """For a reviewer: the pages of the filter that can be confirmed at once (nothing left
    to check, linked) and those checked but held back, with why; None for other roles."""
    if not user.can(Can.review) or filters.status not in (None, PageStatus.needs_review):
        return None
    scope = bulk_review.PageScope(
        batch_id=filters.batch_id,
        form=filters.form,
        committee=filters.committee,
        user_committee=user.committee,
    )
    selection = {"batch_id": filters.batch_id, "form": filters.form, "committee": filters.committee}
    result = bulk_review.confirm_checked(session, scope, user.user, dry_run=True)
    held = {bulk_review.SKIP_REASONS[k]: len(v) for k, v in result.skipped.items()}
    return {
        "ready": len(result.done),
        "blank": len(result.blank),
        "held": held,
        "selection": json.dumps(selection, ensure_ascii=False),
    }


# --- batches -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchLine:
    """A batch with the page counts of its progress bar (counted live while it runs)."""

    batch: Batch
    pages_done: int
    pages_planned: int
    pages_failed: int
    files_duplicate: int

    @property
    def percent(self) -> int:
        if self.pages_planned <= 0:
            return 100 if self.batch.status != BatchStatus.running else 0
        return min(100, round(100 * self.pages_done / self.pages_planned))


def _batch_line(session: Session, batch: Batch) -> BatchLine:
    if batch.status != BatchStatus.running:
        return BatchLine(
            batch, batch.pages_total, batch.pages_total, batch.pages_failed, batch.files_duplicate
        )
    assert batch.id is not None
    counts = batch_counts(session, batch_id=batch.id)
    return BatchLine(
        batch,
        sum(counts.pages.values()),
        counts.pages_planned,
        counts.page_count(PageStatus.failed),
        counts.file_count(FileStatus.duplicate),
    )


@router.get("/batches", response_class=HTMLResponse)
def batches_screen(
    request: Request, user: ScreenUser, session: SessionDep, offset: int = 0
) -> Response:
    """Every batch with its progress, and the upload form for roles that may upload."""
    _require(user, Can.see_batches, "您的角色不能查看批次。")
    offset = max(0, offset)
    batches, total = crud.list_batches(session, offset=offset, limit=BATCH_PAGE)
    return templates.TemplateResponse(
        request,
        "batches.html",
        {
            "lines": [_batch_line(session, b) for b in batches],
            "total": total,
            "offset": offset,
            "page_size": BATCH_PAGE,
            "can_upload": user.can(Can.upload),
            **screen_context(user),
        },
    )


@router.get("/batches/{batch_id}", response_class=HTMLResponse)
def batch_screen(
    batch_id: int, request: Request, user: ScreenUser, session: SessionDep
) -> Response:
    """One batch: live progress while it runs, and its files with what became of each."""
    _require(user, Can.see_batches, "您的角色不能查看批次。")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"找不到批次 {batch_id}。", f"No batch {batch_id}.")
    files = session.exec(
        select(SourceFile).where(SourceFile.batch_id == batch_id).order_by(col(SourceFile.id))
    ).all()
    return templates.TemplateResponse(
        request,
        "batch.html",
        {
            "line": _batch_line(session, batch),
            "files": files,
            "file_note": _file_note,
            "ui_labels": json.dumps(
                {
                    "fileStatus": labels.FILE_STATUS_LABELS,
                    "fileError": labels.FILE_ERROR_LABELS,
                    "duplicate": labels.DUPLICATE_FILE_NOTE,
                    "batchStatus": labels.BATCH_STATUS_LABELS,
                },
                ensure_ascii=False,
            ),
            **screen_context(user),
        },
    )


def _file_note(source: SourceFile) -> str:
    """What became of a file, in Chinese: its error with the fix, or that it was a duplicate."""
    if source.status == FileStatus.duplicate:
        return labels.DUPLICATE_FILE_NOTE
    if source.error_code:
        return label(labels.FILE_ERROR_LABELS, source.error_code)
    return ""


# --- the field grid ----------------------------------------------------------------------


def display_value(kind: str, value: Any) -> str:
    """A stored value as a reviewer types it: `走访` for visit, `有` for a signature."""
    if value is None:
        return ""
    if kind == "manner":
        return label(labels.MANNER_LABELS, value)
    if kind == "signed" and isinstance(value, bool):
        return labels.SIGNED_LABELS[value]
    return str(value)


def _choices(kind: str) -> list[list[Any]]:
    """The values a field of ``kind`` may take and their labels, for kinds with a few."""
    if kind == "manner":
        return [[code, text] for code, text in labels.MANNER_LABELS.items()]
    if kind == "signed":
        return [[flag, text] for flag, text in labels.SIGNED_LABELS.items()]
    return []


def _shown(cell: FieldCell, kind: str, user: Principal) -> dict[str, Any]:
    """A cell as the template shows it, masked for roles without personal data."""
    personal = not user.can(Can.see_personal_data)
    value = mask_value(cell.key, cell.value) if personal else cell.value
    raw = mask_value(cell.key, cell.raw) if personal else cell.raw
    return {"cell": cell, "display": display_value(kind, value), "raw": raw or ""}


@router.get("/fields/next")
def next_fields(
    user: ScreenUser,
    session: SessionDep,
    kind: str | None = None,
    batch_id: str | None = None,
) -> Response:
    """Where the field grid leads once its values are checked (Ctrl+Enter), and where `f`
    on the queue leads: the grid of ``kind`` while values of it are left to check, else
    of the next kind with some, else back to the queue."""
    _require(user, Can.see_pages, "您的角色不能查看卡片内容。")
    wanted_batch = _number(batch_id)
    left = kinds_to_check(session, scope=user.committee, batch_id=wanted_batch)
    following = next_grid_kind(left, kind)
    batch = {"batch_id": wanted_batch} if wanted_batch else {}
    if following is None:
        return RedirectResponse(f"/?{urlencode(batch)}" if batch else "/", status_code=303)
    return RedirectResponse(f"/fields?{urlencode({'kind': following, **batch})}", status_code=303)


@router.get("/fields", response_class=HTMLResponse)
def fields_screen(
    request: Request,
    user: ScreenUser,
    session: SessionDep,
    kind: str = "date",
    batch_id: str | None = None,
    order: str = "uncertain",
    blank: str | None = None,
    offset: int = 0,
) -> Response:
    """Up to 50 fields of one kind from pages in review, each with its crop, to check at a
    glance; values are saved one by one through the API as they are changed."""
    _require(user, Can.see_pages, "您的角色不能查看卡片内容。")
    if kind not in labels.FIELD_KIND_LABELS:
        raise AppError(
            "未知的字段类型。", f"Unknown field kind {kind!r}.", code="invalid_input", status=422
        )
    field_order: FieldOrder = "page" if order == "page" else "uncertain"
    wanted_batch = _number(batch_id)
    offset = max(0, offset)
    cells, total = field_cells(
        session,
        kind=kind,
        scope=user.committee,
        batch_id=wanted_batch,
        order=field_order,
        include_blank=bool(blank),
        offset=offset,
        limit=GRID_CELLS,
    )
    query = {"kind": kind, "batch_id": wanted_batch or "", "order": field_order}
    if blank:
        query["blank"] = "1"
    batches, _ = crud.list_batches(session, limit=BATCH_PAGE)
    return templates.TemplateResponse(
        request,
        "fields.html",
        {
            "cells": [_shown(c, kind, user) for c in cells],
            "total": total,
            "kind": kind,
            "kinds": labels.FIELD_KIND_LABELS,
            "batch_id": wanted_batch,
            "batches": batches,
            "order": field_order,
            "blank": bool(blank),
            "query": urlencode(query),
            "offset": offset,
            "page_size": GRID_CELLS,
            "jump_keys": jump_letters(len(cells), GRID_JUMP_KEYS),
            "choices": json.dumps(_choices(kind), ensure_ascii=False),
            "can_edit": user.can(Can.review),
            **screen_context(user),
        },
    )
