"""Claims: which reviewer is working on a page right now, so two do not review it at once.

A claim is a note on the page (who, since when) that lapses after `CLAIM_LIFETIME`, so a
closed browser never locks a page for long; the review screen renews it while open. A
claim does not change the page's version: it guards nothing by itself, the version check
of `records/review.py` refuses stale writes. It tells others who is there, and the queue
skips claimed pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from records.accounts import User
from records.duplicates import BLANK, FORMS, SAME_CARD_NOTE
from records.models import Field, Page, PageStatus, utcnow

CLAIM_LIFETIME = timedelta(minutes=15)


@dataclass(frozen=True)
class Claim:
    """Who holds a page and until when."""

    page_id: int
    user_id: int
    user_name: str
    claimed_at: datetime
    expires_at: datetime


class ClaimConflict(Exception):
    """Someone else holds the page; the message names them for the reviewer."""

    code = "claimed"

    def __init__(self, holder: Claim) -> None:
        since = holder.claimed_at.astimezone().strftime("%H:%M")
        self.holder = holder
        self.message = f"此卡片正由 {holder.user_name} 审核（{since} 起），请换一张或稍后再试。"
        self.message_en = f"Page {holder.page_id} is being reviewed by {holder.user_name}."
        super().__init__(self.message_en)


def current_claim(session: Session, *, page: Page, now: datetime | None = None) -> Claim | None:
    """The page's claim if one is in force."""
    now = now or utcnow()
    if page.claimed_by is None or page.claimed_at is None:
        return None
    claimed_at = _aware(page.claimed_at)
    if claimed_at + CLAIM_LIFETIME <= now:
        return None
    user = session.get(User, page.claimed_by)
    assert page.id is not None
    return Claim(
        page_id=page.id,
        user_id=page.claimed_by,
        user_name=user.name if user is not None else str(page.claimed_by),
        claimed_at=claimed_at,
        expires_at=claimed_at + CLAIM_LIFETIME,
    )


def claim_page(session: Session, *, page: Page, user: User, now: datetime | None = None) -> Claim:
    """Claim the page for ``user`` (or renew their claim); `ClaimConflict` if someone else
    holds it. The check and the write are one UPDATE, so two reviewers cannot both win."""
    now = now or utcnow()
    assert page.id is not None and user.id is not None
    result = session.execute(
        update(Page)
        .where(col(Page.id) == page.id, _free_for(user.id, now))
        .values(claimed_by=user.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(page)
        holder = current_claim(session, page=page, now=now)
        assert holder is not None  # the UPDATE found the page taken
        raise ClaimConflict(holder)
    set_committed_value(page, "claimed_by", user.id)
    set_committed_value(page, "claimed_at", now)
    return Claim(page.id, user.id, user.name, now, now + CLAIM_LIFETIME)


def release_claim(session: Session, *, page: Page, user: User) -> bool:
    """Give up ``user``'s claim on the page; False when they held none (nothing changes)."""
    if page.claimed_by is None or page.claimed_by != user.id:
        return False
    page.claimed_by = None
    page.claimed_at = None
    session.add(page)
    return True


def next_page_to_review(
    session: Session,
    *,
    user: User,
    after: int | None = None,
    committee: str | None = None,
    now: datetime | None = None,
) -> int | None:
    """The page a reviewer should open next: in review, not ``after``, not held by anyone
    else, of their committee, and needing a person (a field marked for review, no link, a
    possible re-scan, or a page that is no form of ours); most fields to review first, then
    in file order. A page with nothing left to check, or read as blank, is not opened one
    by one: the queue confirms (or rejects) those all at once
    (`records.bulk_review.confirm_checked`)."""
    now = now or utcnow()
    assert user.id is not None
    to_review = (
        select(col(Field.page_id).label("page_id"), func.count().label("n"))
        .where(col(Field.needs_review).is_(True))
        .group_by(col(Field.page_id))
        .subquery()
    )
    uncertain = func.coalesce(to_review.c.n, 0)
    conditions: list[Any] = [
        col(Page.status) == PageStatus.needs_review,
        _free_for(user.id, now),
    ]
    if after is not None:
        conditions.append(col(Page.id) != after)
    if committee is not None:
        conditions.append(col(Page.committee) == committee)
    query = (
        select(Page, uncertain)
        .outerjoin(to_review, to_review.c.page_id == col(Page.id))
        .where(*conditions)
        .order_by(*worst_first(uncertain))
    )
    for page, fields in session.exec(query):
        if fields or _waits_for_a_person(page):
            return page.id
    return None


def _waits_for_a_person(page: Page) -> bool:
    """Whether a page with no field to check must still be opened: a form page held back
    from the queue's bulk confirmation, or a page that is neither a form nor blank."""
    if page.form in FORMS:
        return hold_reason(page.member_id, page.contact_no, page.form, page.notes or []) is not None
    return page.form != BLANK


def worst_first(uncertain: Any) -> list[Any]:
    """The review order of pages, given the SQL count of their fields to check: most fields
    first; of the pages with none, those still waiting for a person first; then in file
    and page order. The queue lists pages in it, and Ctrl+Enter on a card opens the next
    one in it, so a page waiting for a person is found without reading the checked ones."""
    waiting = case((uncertain > 0, 0), else_=waits_for_a_person_sql())
    return [uncertain.desc(), waiting.desc(), col(Page.file_id), col(Page.page_no), col(Page.id)]


def waits_for_a_person_sql() -> Any:
    """`_waits_for_a_person` in SQL, 1 or 0, for ordering a list of pages: all but the
    possible re-scan (a note in JSON), which the queue shows with its reason."""
    return case(
        (col(Page.form).not_in([*FORMS, BLANK]), 1),
        (col(Page.form).in_(FORMS) & col(Page.member_id).is_(None), 1),
        ((col(Page.form) == "service_card") & col(Page.contact_no).is_(None), 1),
        else_=0,
    )


def hold_reason(
    member_id: int | None, contact_no: int | None, form: str | None, notes: list[str]
) -> str | None:
    """Why a page of a form with nothing left to check still waits for a person (a key of
    `records.bulk_review.SKIP_REASONS`): no link, or a possible re-scan; None otherwise."""
    if member_id is None or (form == "service_card" and contact_no is None):
        return "not_linked"
    if any(note.startswith(SAME_CARD_NOTE) for note in notes):
        return "possible_duplicate"
    return None


def _free_for(user_id: int, now: datetime) -> Any:
    """SQL condition: the page is unclaimed, claimed by ``user_id``, or its claim lapsed."""
    return or_(
        col(Page.claimed_by).is_(None),
        col(Page.claimed_by) == user_id,
        col(Page.claimed_at).is_(None),
        col(Page.claimed_at) <= now - CLAIM_LIFETIME,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; ours are all UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
