"""Review actions over many pages at once, for a reviewer who has checked them elsewhere.

* `accept_fields`: the uncertain values a reviewer has looked at in the field grid (one
  kind across many cards) and found right are accepted in one go, each exactly as if it
  had been re-entered on its page (`review.correct_field`: history entry, audit event,
  page version, relinking).
* `confirm_checked`: every page in review that leaves nothing to a person — no field
  marked for review, linked (a service card to a member and one of their contacts, a
  registration table to a member), not a possible re-scan of another card, not open in
  another reviewer's hands — is confirmed (`review.confirm_page`, audited one by one).
  The others stay in the queue, counted by why. Pages read as blank (the backs of cards
  scanned on both sides) are rejected in the same pass, as 空白页 (`review.reject_page`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import ColumnElement, exists
from sqlmodel import Session, col, select

from records.accounts import User
from records.claims import current_claim, hold_reason
from records.duplicates import BLANK, FORMS
from records.models import Field, Page, PageStatus
from records.review import ReviewError, StaleWrite, confirm_page, correct_field, reject_page

SKIP_REASONS = {
    "not_linked": "未关联委员或联系对象",
    "possible_duplicate": "可能是另一张卡片的重复扫描",
    "held": "正由其他审核员打开",
    "not_in_review": "已不在待审核状态",
    "invalid": "识别值无效，请在卡片上更正",
    "changed": "刚被其他审核员修改，请重新查看",
}
"""Why a page was left for a person, in the words the screens show."""
BLANK_REASON = "空白页"
"""Why a blank page is rejected, in the words the screens show."""


@dataclass(frozen=True)
class PageScope:
    """Which pages a bulk action may touch: the queue's filters, and the committee a
    committee-bound user is limited to (it always wins)."""

    batch_id: int | None = None
    form: str | None = None
    committee: str | None = None
    user_committee: str | None = None

    def conditions(self, forms: tuple[str, ...] = FORMS) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = [col(Page.status) == PageStatus.needs_review]
        committee = self.user_committee or self.committee
        if committee is not None:
            out.append(col(Page.committee) == committee)
        if self.batch_id is not None:
            out.append(col(Page.batch_id) == self.batch_id)
        out.append(col(Page.form).in_([self.form] if self.form else list(forms)))
        return out


@dataclass
class BulkResult:
    """Page ids done, and the ids left with the reason for each (keys of `SKIP_REASONS`)."""

    done: list[int] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)
    blank: list[int] = field(default_factory=list)  # pages read as blank, rejected as such

    def skip(self, reason: str, page_id: int) -> None:
        self.skipped.setdefault(reason, []).append(page_id)


def checked_pages(session: Session, scope: PageScope) -> list[Page]:
    """Pages in review, within ``scope``, with no field left marked for review."""
    uncertain = exists().where(col(Field.page_id) == col(Page.id), col(Field.needs_review))
    query = select(Page).where(*scope.conditions(), ~uncertain).order_by(col(Page.id))
    return list(session.exec(query).all())


def blank_pages(session: Session, scope: PageScope) -> list[Page]:
    """Pages in review, within ``scope``, that ingest read as blank (none when the scope
    asks for one form)."""
    if scope.form is not None:
        return []
    query = select(Page).where(*scope.conditions(forms=(BLANK,))).order_by(col(Page.id))
    return list(session.exec(query).all())


def blocker(session: Session, page: Page, user: User) -> str | None:
    """Why a checked page still needs a person (a key of `SKIP_REASONS`), or None."""
    if page.status != PageStatus.needs_review:
        return "not_in_review"
    reason = hold_reason(page.member_id, page.contact_no, page.form, page.notes or [])
    if reason is not None:
        return reason
    holder = current_claim(session, page=page)
    if holder is not None and holder.user_id != user.id:
        return "held"
    return None


def confirm_checked(
    session: Session, scope: PageScope, user: User, *, dry_run: bool = False
) -> BulkResult:
    """Confirm every checked page of ``scope`` that nothing holds back, and reject every
    page read as blank (the back of a card scanned on both sides) with the reason
    `BLANK_REASON`; with ``dry_run``, only say which they would be."""
    result = BulkResult()
    for page in checked_pages(session, scope):
        assert page.id is not None
        reason = blocker(session, page, user)
        if reason is not None:
            result.skip(reason, page.id)
        elif dry_run or _done(session, partial(confirm_page, session, page=page, user=user)):
            result.done.append(page.id)
        else:
            result.skip("changed", page.id)
    for page in blank_pages(session, scope):
        assert page.id is not None
        holder = current_claim(session, page=page)
        if holder is not None and holder.user_id != user.id:
            result.skip("held", page.id)
        elif dry_run or _done(
            session, partial(reject_page, session, page=page, reason=BLANK_REASON, user=user)
        ):
            result.blank.append(page.id)
        else:
            result.skip("changed", page.id)
    return result


def _done(session: Session, change: Callable[[], object]) -> bool:
    """Make one page's change on its own; False when the page changed meanwhile."""
    try:
        with session.begin_nested():
            change()
    except StaleWrite:
        return False
    return True


def accept_fields(
    session: Session, pages: dict[int, Page], cells: Iterable[tuple[int, str]], user: User
) -> BulkResult:
    """Accept each (page id, key) still marked for review at its present value. ``pages``
    are the pages the caller may change (visible to ``user``); a cell of another page, one
    no longer in review or no longer uncertain is left alone. ``done`` holds the page ids
    of the cells accepted (once per cell)."""
    result = BulkResult()
    for page_id, key in cells:
        page = pages.get(page_id)
        if page is None or page.status != PageStatus.needs_review:
            result.skip("not_in_review", page_id)
            continue
        current = session.exec(
            select(Field).where(col(Field.page_id) == page_id, col(Field.key) == key)
        ).first()
        if current is None or not current.needs_review:
            continue
        try:
            with session.begin_nested():  # a refused cell leaves the others as they are
                correct_field(session, page=page, key=key, value=current.value, user=user)
        except ReviewError:
            result.skip("invalid", page_id)
            continue
        result.done.append(page_id)
    return result
