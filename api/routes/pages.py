"""Pages, their fields and their straightened images (read-only for now)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from api.deps import Principal, SessionDep, SettingsDep, require
from api.permissions import Can
from api.routes.paging import LimitQuery, OffsetQuery, Paginated
from records import crud
from records.models import PageDetail, PagePublic, PageStatus

router = APIRouter(prefix="/pages", tags=["pages"], dependencies=[Depends(require(Can.see_pages))])
Viewer = Annotated[Principal, Depends(require(Can.see_pages))]


@router.get("")
def list_pages(
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 50,
    batch_id: int | None = None,
    status: PageStatus | None = None,
    form: str | None = None,
) -> Paginated[PagePublic]:
    items, total = crud.list_pages(
        session, offset=offset, limit=limit, batch_id=batch_id, status=status, form=form
    )
    return Paginated[PagePublic](items=items, total=total, offset=offset, limit=limit)


@router.get("/{page_id}")
def get_page(page_id: int, session: SessionDep) -> PageDetail:
    detail = crud.get_page_detail(session, page_id=page_id)
    if detail is None:
        raise HTTPException(status_code=404, detail=f"page {page_id} does not exist")
    return detail


@router.get("/{page_id}/image", response_class=FileResponse)
def get_page_image(page_id: int, session: SessionDep, settings: SettingsDep) -> FileResponse:
    page = crud.get_page(session, page_id=page_id)
    if page is None:
        raise HTTPException(status_code=404, detail=f"page {page_id} does not exist")
    if page.image_path is None:
        raise HTTPException(status_code=404, detail=f"page {page_id} has no image (it failed)")
    path = (settings.data_dir / page.image_path).resolve()
    if not path.is_relative_to(settings.data_dir) or not path.is_file():
        raise HTTPException(
            status_code=404,
            detail=f"the image of page {page_id} is missing from {settings.data_dir}; "
            "check CARDSCAN_DATA_DIR",
        )
    return FileResponse(path, media_type="image/png")
