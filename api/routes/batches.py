"""Batches of ingested scans (read-only for now)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api.deps import Principal, SessionDep, require
from api.permissions import Can
from api.routes.paging import LimitQuery, OffsetQuery, Paginated
from records import crud
from records.models import BatchPublic

router = APIRouter(prefix="/batches", tags=["batches"])


@router.get("")
def list_batches(
    principal: Annotated[Principal, Depends(require(Can.see_batches))],
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 50,
) -> Paginated[BatchPublic]:
    del principal
    rows, total = crud.list_batches(session, offset=offset, limit=limit)
    items = [crud.batch_public(b) for b in rows]
    return Paginated[BatchPublic](items=items, total=total, offset=offset, limit=limit)
