"""Batches of ingested scans (read-only for now)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep
from api.routes.paging import LimitQuery, OffsetQuery, Paginated
from records import crud
from records.models import BatchPublic

router = APIRouter(prefix="/batches", tags=["batches"])


@router.get("")
def list_batches(
    session: SessionDep, offset: OffsetQuery = 0, limit: LimitQuery = 50
) -> Paginated[BatchPublic]:
    rows, total = crud.list_batches(session, offset=offset, limit=limit)
    items = [crud.batch_public(b) for b in rows]
    return Paginated[BatchPublic](items=items, total=total, offset=offset, limit=limit)
