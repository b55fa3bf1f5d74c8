"""The review pages: a list of batches and pages, and one page with its field boxes."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from api.errors import Forbidden
from api.permissions import Can
from records import crud
from review_ui.labels import BATCH_STATUS_LABELS, FORM_LABELS, PAGE_STATUS_LABELS, label
from review_ui.session import ScreenUser, screen_context

PAGE_SIZE = 100

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(
    form_label=lambda code: label(FORM_LABELS, code),
    page_status_label=lambda code: label(PAGE_STATUS_LABELS, code),
    batch_status_label=lambda code: label(BATCH_STATUS_LABELS, code),
)

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, user: ScreenUser, session: SessionDep, offset: int = 0) -> HTMLResponse:
    offset = max(0, offset)
    batches, batch_total = crud.list_batches(session, limit=50)
    if user.can(Can.see_pages):
        pages, page_total = crud.list_pages(
            session, offset=offset, limit=PAGE_SIZE, committee=user.committee
        )
    else:
        pages, page_total = [], 0
    return templates.TemplateResponse(
        request,
        "index.html",
        {
            "batches": batches,
            "batch_total": batch_total,
            "pages": pages,
            "page_total": page_total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            **screen_context(user),
        },
    )


@router.get("/pages/{page_id}", response_class=HTMLResponse)
def page_view(
    page_id: int, request: Request, user: ScreenUser, session: SessionDep
) -> HTMLResponse:
    if not user.can(Can.see_pages):
        raise Forbidden("您的角色不能查看卡片。", "Your role may not see cards.")
    detail = crud.get_page_detail(session, page_id=page_id)
    page = crud.get_page(session, page_id=page_id)
    if page is not None and user.committee is not None and page.committee != user.committee:
        detail = None  # another committee's card: as if it did not exist
    if detail is None:
        raise HTTPException(status_code=404, detail=f"page {page_id} does not exist")
    return templates.TemplateResponse(
        request, "page.html", {"page": detail, **screen_context(user)}
    )
