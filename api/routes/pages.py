"""Pages, their fields and straightened images, and their review: correct, link, confirm.

A user bound to a committee sees only that committee's pages; any other page is "not
found", so its existence is not revealed. Phones and addresses are masked for roles
without access to personal data, in the fields and in their history alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel
from pydantic import Field as Body
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import ExpectedVersion, Principal, SessionDep, SettingsDep, require
from api.errors import NotFound
from api.permissions import Can
from api.routes.paging import LimitQuery, OffsetQuery, Paginated
from api.routes.roster import visible_member
from api.settings import Settings
from records import crud, review
from records.models import Field, FieldPublic, Page, PageDetail, PagePublic, PageStatus, SourceFile
from records.privacy import is_personal, mask_value
from records.review import FieldEditPublic

router = APIRouter(prefix="/pages", tags=["pages"], dependencies=[Depends(require(Can.see_pages))])
Viewer = Annotated[Principal, Depends(require(Can.see_pages))]
Reviewer = Annotated[Principal, Depends(require(Can.review))]


class PageSummary(PagePublic):
    """A page in a list, with how many of its fields still need a person."""

    fields_to_review: int


class FieldCorrection(BaseModel):
    value: Any = Body(description="the new value; null clears the field")


class FieldSaved(FieldPublic):
    """A corrected field, and the page version the next change must be made on."""

    page_version: int


class Rejection(BaseModel):
    reason: str = Body(min_length=1, max_length=review.MAX_REASON)


class Reopening(BaseModel):
    reason: str = Body(min_length=1, max_length=review.MAX_REASON)


class FormChoice(BaseModel):
    form: Literal["service_card", "registration"] = Body(
        description="what the page is, when recognition could not tell"
    )


class Link(BaseModel):
    member_id: int | None = None
    contact_no: int | None = None


# --- reading -----------------------------------------------------------------------------


@router.get("")
def list_pages(
    viewer: Viewer,
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 50,
    batch_id: int | None = None,
    status: PageStatus | None = None,
    form: str | None = None,
    committee: str | None = None,
    member_id: int | None = None,
    needs_review: bool | None = None,
    order: Literal["file", "uncertain"] = "file",
) -> Paginated[PageSummary]:
    """Pages filtered; `order=uncertain` puts pages with most fields to review first."""
    to_review = (
        select(col(Field.page_id).label("page_id"), func.count().label("n"))
        .where(col(Field.needs_review).is_(True))
        .group_by(col(Field.page_id))
        .subquery()
    )
    uncertain = func.coalesce(to_review.c.n, 0)
    conditions: list[Any] = []
    for column, wanted in (
        (Page.batch_id, batch_id),
        (Page.status, status),
        (Page.form, form),
        (Page.committee, committee),
        (Page.member_id, member_id),
    ):
        if wanted is not None:
            conditions.append(col(column) == wanted)
    if viewer.committee is not None:
        conditions.append(col(Page.committee) == viewer.committee)
    if needs_review is not None:
        conditions.append(uncertain > 0 if needs_review else uncertain == 0)
    query = (
        select(Page, SourceFile, uncertain)
        .join(SourceFile, col(Page.file_id) == col(SourceFile.id))
        .outerjoin(to_review, to_review.c.page_id == col(Page.id))
        .where(*conditions)
    )
    page_order: list[Any] = [col(Page.file_id), col(Page.page_no), col(Page.id)]
    if order == "uncertain":
        page_order.insert(0, uncertain.desc())
    query = query.order_by(*page_order)
    count = (
        select(func.count())
        .select_from(Page)
        .outerjoin(to_review, to_review.c.page_id == col(Page.id))
        .where(*conditions)
    )
    rows = session.exec(query.offset(offset).limit(limit)).all()
    items = [_summary(page, source, int(n)) for page, source, n in rows]
    total = int(session.exec(count).one())
    return Paginated[PageSummary](items=items, total=total, offset=offset, limit=limit)


@router.get("/{page_id}")
def get_page(page_id: int, viewer: Viewer, session: SessionDep) -> PageDetail:
    visible_page(session, viewer, page_id)
    return page_detail(session, viewer, page_id)


@router.get("/{page_id}/image", response_class=FileResponse)
def get_page_image(
    page_id: int, viewer: Viewer, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    page = visible_page(session, viewer, page_id)
    return FileResponse(page_image_path(settings, page), media_type="image/png")


@router.get("/{page_id}/history")
def get_history(page_id: int, viewer: Viewer, session: SessionDep) -> list[FieldEditPublic]:
    """Every correction of the page's fields, oldest first."""
    visible_page(session, viewer, page_id)
    return page_history(session, viewer, page_id)


def page_history(session: Session, principal: Principal, page_id: int) -> list[FieldEditPublic]:
    """The page's corrections, oldest first, masked for the principal."""
    edits = [
        FieldEditPublic.model_validate(e) for e in review.field_history(session, page_id=page_id)
    ]
    if principal.can(Can.see_personal_data):
        return edits
    return [
        e.model_copy(
            update={
                k: mask_value(e.key, getattr(e, k)) for k in ("ocr_value", "old_value", "new_value")
            }
        )
        for e in edits
    ]


# --- review ------------------------------------------------------------------------------


@router.put("/{page_id}/fields/{key}")
def correct_field(
    page_id: int,
    key: str,
    correction: FieldCorrection,
    reviewer: Reviewer,
    session: SessionDep,
    version: ExpectedVersion,
) -> FieldSaved:
    """Set one field to the reviewer's value (normalized like a read: ISO dates, …)."""
    page = visible_page(session, reviewer, page_id)
    field = review.correct_field(
        session,
        page=page,
        key=key,
        value=correction.value,
        user=reviewer.user,
        expected_version=version,
    )
    session.commit()
    session.refresh(field)
    saved = _mask_field(FieldPublic.model_validate(field), reviewer)
    return FieldSaved(**saved.model_dump(), page_version=page.version)


@router.put("/{page_id}/link")
def set_link(
    page_id: int, link: Link, reviewer: Reviewer, session: SessionDep, version: ExpectedVersion
) -> PageDetail:
    """Link the page to a member of the roster (and a card to one of the member's contacts)."""
    page = visible_page(session, reviewer, page_id)
    if link.member_id is not None:
        visible_member(session, reviewer, link.member_id)
    review.set_link(
        session,
        page=page,
        member_id=link.member_id,
        contact_no=link.contact_no,
        user=reviewer.user,
        expected_version=version,
    )
    session.commit()
    return page_detail(session, reviewer, page_id)


@router.put("/{page_id}/form")
def set_form(
    page_id: int,
    choice: FormChoice,
    reviewer: Reviewer,
    session: SessionDep,
    version: ExpectedVersion,
) -> PageDetail:
    """Declare an unrecognized page a service card or registration table: its fields are
    added empty, to be typed from the image."""
    page = visible_page(session, reviewer, page_id)
    review.set_form(
        session, page=page, form=choice.form, user=reviewer.user, expected_version=version
    )
    session.commit()
    return page_detail(session, reviewer, page_id)


@router.post("/{page_id}/confirm")
def confirm_page(
    page_id: int, reviewer: Reviewer, session: SessionDep, version: ExpectedVersion
) -> PageDetail:
    page = visible_page(session, reviewer, page_id)
    review.confirm_page(session, page=page, user=reviewer.user, expected_version=version)
    session.commit()
    return page_detail(session, reviewer, page_id)


@router.post("/{page_id}/reject")
def reject_page(
    page_id: int,
    rejection: Rejection,
    reviewer: Reviewer,
    session: SessionDep,
    version: ExpectedVersion,
) -> PageDetail:
    page = visible_page(session, reviewer, page_id)
    review.reject_page(
        session,
        page=page,
        reason=rejection.reason,
        user=reviewer.user,
        expected_version=version,
    )
    session.commit()
    return page_detail(session, reviewer, page_id)


@router.post("/{page_id}/reopen")
def reopen_page(
    page_id: int,
    reopening: Reopening,
    reviewer: Reviewer,
    session: SessionDep,
    version: ExpectedVersion,
) -> PageDetail:
    """Back to review, for a reason (kept in the page's notes and the audit trail)."""
    page = visible_page(session, reviewer, page_id)
    review.reopen_page(
        session,
        page=page,
        reason=reopening.reason,
        user=reviewer.user,
        expected_version=version,
    )
    session.commit()
    return page_detail(session, reviewer, page_id)


# --- helpers -----------------------------------------------------------------------------


def visible_page(session: Session, principal: Principal, page_id: int) -> Page:
    """The page, if it exists and the principal's committee (if any) is the page's."""
    page = crud.get_page(session, page_id=page_id)
    if page is None or (principal.committee is not None and page.committee != principal.committee):
        raise NotFound(f"页面 {page_id} 不存在。", f"Page {page_id} does not exist.")
    return page


def page_image_path(settings: Settings, page: Page) -> Path:
    """The stored straightened image of a page, inside the storage (the data dir unless
    CARDSCAN_STORAGE_DIR names a shared folder)."""
    if page.image_path is None:
        raise NotFound(
            f"页面 {page.id} 没有图像（识别失败）。", f"Page {page.id} has no image (it failed)."
        )
    data_dir = settings.storage_root
    path = (data_dir / page.image_path).resolve()
    if not path.is_relative_to(data_dir) or not path.is_file():
        raise NotFound(
            f"页面 {page.id} 的图像文件缺失，请检查数据目录设置（CARDSCAN_DATA_DIR）。",
            f"The image of page {page.id} is missing from the data dir; check CARDSCAN_DATA_DIR.",
            code="image_missing",
        )
    return path


def page_detail(session: Session, principal: Principal, page_id: int) -> PageDetail:
    """A page with its fields, masked for the principal: the API's answer."""
    detail = crud.get_page_detail(session, page_id=page_id)
    assert detail is not None  # checked by visible_page in the same request
    return masked_detail(detail, principal)


def masked_detail(detail: PageDetail, principal: Principal) -> PageDetail:
    """A page already read, its personal fields masked for roles that may not see them
    (the document page is rendered with it)."""
    fields = [_mask_field(f, principal) for f in detail.fields]
    return detail.model_copy(update={"fields": fields})


def _mask_field(field: FieldPublic, principal: Principal) -> FieldPublic:
    """Value and raw read of a personal field masked for roles that may not see them."""
    if principal.can(Can.see_personal_data) or not is_personal(field.key):
        return field
    return field.model_copy(
        update={
            "value": mask_value(field.key, field.value),
            "raw": mask_value(field.key, field.raw),
        }
    )


def _summary(page: Page, source: SourceFile, fields_to_review: int) -> PageSummary:
    data: dict[str, Any] = page.model_dump()
    data.update(
        file_name=source.original_name,
        sha256=source.sha256,
        has_image=page.image_path is not None,
        fields_to_review=fields_to_review,
    )
    return PageSummary.model_validate(data)
