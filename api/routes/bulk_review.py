"""Review over many pages at once: accept the uncertain values checked in the field grid,
and confirm every page in review that leaves nothing to a person (`records/bulk_review.py`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from pydantic import Field as Body
from sqlmodel import col, select

from api.deps import Principal, SessionDep, require
from api.permissions import Can
from records import bulk_review
from records.models import Page

router = APIRouter(prefix="/review", tags=["review"])
Reviewer = Annotated[Principal, Depends(require(Can.review))]
MAX_CELLS = 500


class CellRef(BaseModel):
    page_id: int
    key: str = Body(max_length=64)


class Acceptance(BaseModel):
    cells: list[CellRef] = Body(max_length=MAX_CELLS, description="the values checked")


class Selection(BaseModel):
    """The queue's filters; a committee-bound reviewer is limited to their committee."""

    batch_id: int | None = None
    form: Literal["service_card", "registration"] | None = None
    committee: str | None = None


class BulkOutcome(BaseModel):
    """Pages done (or of the cells accepted), and those left for a person, by reason."""

    done: list[int]
    skipped: dict[str, list[int]]
    reasons: dict[str, str] = Body(description="the reasons in Chinese, by key")
    blank: list[int] = Body(default=[], description="pages read as blank, rejected as such")


def _outcome(result: bulk_review.BulkResult) -> BulkOutcome:
    reasons = {k: bulk_review.SKIP_REASONS[k] for k in result.skipped}
    return BulkOutcome(
        done=result.done, skipped=result.skipped, reasons=reasons, blank=result.blank
    )


def _scope(selection: Selection, reviewer: Principal) -> bulk_review.PageScope:
    return bulk_review.PageScope(
        batch_id=selection.batch_id,
        form=selection.form,
        committee=selection.committee,
        user_committee=reviewer.committee,
    )


@router.post("/accept-fields")
def accept_fields(body: Acceptance, reviewer: Reviewer, session: SessionDep) -> BulkOutcome:
    """Accept uncertain values as they stand (each recorded as the reviewer's own entry)."""
    ids = {c.page_id for c in body.cells}
    query = select(Page).where(col(Page.id).in_(ids))
    if reviewer.committee is not None:
        query = query.where(col(Page.committee) == reviewer.committee)
    pages = {p.id: p for p in session.exec(query).all() if p.id is not None}
    cells = [(c.page_id, c.key) for c in body.cells]
    result = bulk_review.accept_fields(session, pages, cells, reviewer.user)
    session.commit()
    return _outcome(result)


@router.get("/checked")
def checked(
    reviewer: Reviewer,
    session: SessionDep,
    batch_id: int | None = None,
    form: Literal["service_card", "registration"] | None = None,
    committee: str | None = None,
) -> BulkOutcome:
    """What `confirm-checked` would do now, without doing it (``done``: would be confirmed)."""
    scope = _scope(Selection(batch_id=batch_id, form=form, committee=committee), reviewer)
    return _outcome(bulk_review.confirm_checked(session, scope, reviewer.user, dry_run=True))


@router.post("/confirm-checked")
def confirm_checked(body: Selection, reviewer: Reviewer, session: SessionDep) -> BulkOutcome:
    """Confirm every page in review, within the filters, with no field marked for review,
    linked, not a possible re-scan and not open in another reviewer's hands; reject the
    pages read as blank as 空白页 (``blank``)."""
    result = bulk_review.confirm_checked(session, _scope(body, reviewer), reviewer.user)
    session.commit()
    return _outcome(result)
