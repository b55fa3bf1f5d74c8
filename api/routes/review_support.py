"""What the review screen needs beside the page itself: cell crops, suggestions from the
closed sets, validation as the reviewer types, claims, and the next page to review.

None of these change a page's data: a claim only says who is working on it.
"""

from __future__ import annotations

import io
from dataclasses import asdict
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from PIL import Image
from pydantic import BaseModel
from pydantic import Field as Body
from sqlmodel import Session, select

from api.deps import Principal, SessionDep, SettingsDep, require
from api.errors import AppError, NotFound
from api.permissions import Can
from api.routes.pages import page_image_path, visible_page
from forms.spec import field_keys, field_kind
from records import claims, review, suggestions
from records.models import Field, Page
from records.privacy import mask_phone

router = APIRouter(prefix="/pages", tags=["review"], dependencies=[Depends(require(Can.see_pages))])
Viewer = Annotated[Principal, Depends(require(Can.see_pages))]
Reviewer = Annotated[Principal, Depends(require(Can.review))]

CROP_MARGIN = 0.1
"""Share of a cell's shorter side shown around it, so writing over the rules shows."""
MIN_CROP_MARGIN = 4
PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "the cell as a PNG image"}
}


class SuggestionPublic(BaseModel):
    value: str = Body(description="what the field takes")
    detail: str | None = Body(description="code, sector, committee or aliases, to tell apart")
    member_id: int | None = None
    contact_no: int | None = None
    phone: str | None = None
    score: float = Body(description="how well the query fits, 0–1 (0 for an empty query)")


class ValueCheck(BaseModel):
    value: Any = Body(default=None, description="the value as the reviewer typed it")


class Validation(BaseModel):
    ok: bool
    value: Any = Body(description="the value as it would be stored (ISO date, 0523 landline …)")
    message: str | None = Body(description="what to write instead, when not ok")


class ClaimPublic(BaseModel):
    page_id: int
    user_id: int
    user_name: str
    claimed_at: datetime
    expires_at: datetime


class NextPage(BaseModel):
    page_id: int | None = Body(description="the next page to review; null when none is left")


# --- reading -----------------------------------------------------------------------------


@router.get("/{page_id}/fields/{key}/crop.png", response_class=Response, responses=PNG)
def get_crop(
    page_id: int, key: str, viewer: Viewer, session: SessionDep, settings: SettingsDep
) -> Response:
    """The field's cell cut from the straightened page with a small margin, as is (rules
    and all, unlike the recognizers' crops)."""
    page = visible_page(session, viewer, page_id)
    field = _field(session, page, key)
    if not field.bbox:
        raise NotFound(
            "该字段没有单元格位置（表格中未找到），请对照整页图像填写。",
            f"Field {key} has no box on page {page_id}.",
            code="no_box",
        )
    path = page_image_path(settings, page)
    image = _page_image(str(path), path.stat().st_mtime_ns)
    x, y, w, h = (int(v) for v in field.bbox)
    m = max(MIN_CROP_MARGIN, round(CROP_MARGIN * min(w, h)))
    box = (max(0, x - m), max(0, y - m), min(image.width, x + w + m), min(image.height, y + h + m))
    out = io.BytesIO()
    image.crop(box).save(out, format="PNG", compress_level=1)
    return Response(
        out.getvalue(), media_type="image/png", headers={"Cache-Control": "private, max-age=3600"}
    )


@router.get("/{page_id}/suggest/{key}")
def suggest(
    page_id: int,
    key: str,
    viewer: Viewer,
    session: SessionDep,
    q: Annotated[str, Query(max_length=50, description="characters or pinyin initials")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = suggestions.LIMIT,
) -> list[SuggestionPublic]:
    """Values for a name, sector or committee field, best first: roster members of the
    page's year, the linked member's registered contacts, or the vocabulary."""
    page = visible_page(session, viewer, page_id)
    _require_key(page, key)
    found = suggestions.suggest(
        session,
        page=page,
        key=key,
        query=q,
        year=review.page_year(session, page=page),
        committee=viewer.committee,
        limit=limit,
    )
    masked = not viewer.can(Can.see_personal_data)
    return [
        SuggestionPublic(
            value=s.option.value,
            detail=s.option.detail,
            member_id=s.option.member_id,
            contact_no=s.option.contact_no,
            phone=mask_phone(s.option.phone) if masked and s.option.phone else s.option.phone,
            score=s.score,
        )
        for s in found
    ]


@router.post("/{page_id}/validate/{key}")
def validate(
    page_id: int, key: str, check: ValueCheck, reviewer: Reviewer, session: SessionDep
) -> Validation:
    """How a value would be stored in the field, or why it would be refused (nothing is
    written)."""
    page = visible_page(session, reviewer, page_id)
    _require_key(page, key)
    year = review.page_year(session, page=page)
    try:
        value = review.normalize_value(field_kind(key), check.value, year=year)
    except review.InvalidValue as e:
        return Validation(ok=False, value=None, message=e.message)
    return Validation(ok=True, value=value, message=None)


# --- claims ------------------------------------------------------------------------------


@router.post("/{page_id}/claim")
def claim(page_id: int, reviewer: Reviewer, session: SessionDep) -> ClaimPublic:
    """Claim the page for review (or renew the claim); a claim lapses after 15 minutes.
    409 `claimed` names the reviewer who holds it."""
    page = visible_page(session, reviewer, page_id)
    try:
        held = claims.claim_page(session, page=page, user=reviewer.user)
    except claims.ClaimConflict as e:
        raise AppError(e.message, e.message_en, code=e.code, status=409) from e
    session.commit()
    return ClaimPublic(**asdict(held))


@router.delete("/{page_id}/claim", status_code=204)
def release(page_id: int, reviewer: Reviewer, session: SessionDep) -> Response:
    """Give up one's claim (nothing happens when the page is not claimed by the caller)."""
    page = visible_page(session, reviewer, page_id)
    if claims.release_claim(session, page=page, user=reviewer.user):
        session.commit()
    return Response(status_code=204)


@router.get("/{page_id}/next")
def next_page(page_id: int, reviewer: Reviewer, session: SessionDep) -> NextPage:
    """The page to open after this one: in review, not claimed by someone else, most
    fields to review first."""
    visible_page(session, reviewer, page_id)
    found = claims.next_page_to_review(
        session, user=reviewer.user, after=page_id, committee=reviewer.committee
    )
    return NextPage(page_id=found)


# --- helpers -----------------------------------------------------------------------------


def _require_key(page: Page, key: str) -> None:
    if key not in field_keys(page.form):
        raise NotFound(
            f"该页面没有字段「{key}」。",
            f"A {page.form} page has no field {key!r}.",
            code="unknown_field",
        )


def _field(session: Session, page: Page, key: str) -> Field:
    _require_key(page, key)
    field = session.exec(select(Field).where(Field.page_id == page.id, Field.key == key)).first()
    if field is None:
        raise NotFound(
            "表格中未找到该字段的单元格。",
            f"Field {key} was not found on page {page.id}.",
            code="no_box",
        )
    return field


PAGES_DECODED = 64
"""Decoded page images kept for their next crops: a field grid shows up to 50 cells, most
from different pages, and the next kind's grid the same pages again. A straightened page
decodes in about 13 ms and holds about 2 MB (grayscale 1685 x 1345): about 140 MB at most."""


@lru_cache(maxsize=PAGES_DECODED)
def _page_image(path: str, mtime_ns: int) -> Image.Image:
    """A decoded page image, kept for the next crops of the same page (keyed by mtime so a
    rewritten file is read again)."""
    with Image.open(Path(path)) as image:
        image.load()
        return image.copy()
