"""Review of pages by a person: correct fields, link to the roster, confirm, reject, reopen.

Every correction is kept in `field_edit` (what recognition produced, what was there, what
the reviewer wrote) and announced in the audit trail by ids only, so personal data lives
in one table. Corrected values pass the same parsers as OCR reads, so a reviewer cannot
store a date or phone the rest of the system would not understand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlmodel as sm
from sqlalchemy import JSON, Column, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from forms.spec import R_CONTACT_ROWS, field_keys, field_kind
from ocr.parse.dates import parse_date
from records.accounts import User
from records.audit import record_event
from records.contacts import on_page_status_changed
from records.corrections import (
    InvalidValue,
    ReviewError,
    StaleWrite,
    TransitionRefused,
    UnknownField,
    normalize_value,
)
from records.linking import REVIEWER, link_pages
from records.models import Field, Member, Page, PageStatus, utcnow

__all__ = [
    "FieldEdit",
    "FieldEditPublic",
    "InvalidValue",
    "ReviewError",
    "StaleWrite",
    "TransitionRefused",
    "UnknownField",
    "confirm_page",
    "correct_field",
    "field_history",
    "normalize_value",
    "page_year",
    "reject_page",
    "reopen_page",
    "set_form",
    "set_link",
]

RELINK_KINDS = frozenset({"name", "phone", "sector", "committee", "year"})
"""Correcting a field of these kinds can change who the page belongs to."""
MAX_REASON = 500
REJECTED_NOTE = "rejected:"
REOPENED_NOTE = "reopened:"


class FieldEdit(sm.SQLModel, table=True):
    """One correction of one field, kept forever (no function changes or deletes a row)."""

    __tablename__ = "field_edit"

    id: int | None = sm.Field(default=None, primary_key=True)
    field_id: int = sm.Field(foreign_key="field.id", index=True)
    page_id: int = sm.Field(foreign_key="page.id", index=True)
    key: str
    # What recognition (and linking) had made of the field before any person touched it.
    ocr_value: Any = sm.Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    old_value: Any = sm.Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    new_value: Any = sm.Field(default=None, sa_column=Column(JSON(none_as_null=True)))
    user_id: int | None = sm.Field(default=None, foreign_key="user.id")
    user_name: str
    at: datetime = sm.Field(default_factory=utcnow)


class FieldEditPublic(sm.SQLModel):
    id: int
    field_id: int
    page_id: int
    key: str
    ocr_value: Any
    old_value: Any
    new_value: Any
    user_id: int | None
    user_name: str
    at: datetime


# --- actions ---------------------------------------------------------------------------


def correct_field(
    session: Session,
    *,
    page: Page,
    key: str,
    value: object,
    user: User,
    expected_version: int | None = None,
) -> Field:
    """Set a field to a person's value: sure, out of review, marked as the reviewer's (so
    linking never overwrites it), with a history entry and an audit event."""
    _next_version(session, page, expected_version)
    _require_review(page, "修改字段", "corrected")
    if key not in field_keys(page.form):
        raise UnknownField(
            f"该页面没有字段「{key}」。", f"A {page.form} page has no field {key!r}."
        )
    kind = field_kind(key)
    new_value = normalize_value(kind, value, year=page_year(session, page=page))
    field = session.exec(select(Field).where(Field.page_id == page.id, Field.key == key)).first()
    if field is None:  # a cell the grid did not find: the reviewer read it off the image
        assert page.id is not None
        field = Field(page_id=page.id, key=key, bbox=None)
        session.add(field)
        session.flush()
        ocr_value = None
    else:
        ocr_value = _ocr_value(session, field)
    field.confidence = 1.0
    field.needs_review = False
    field.engine = REVIEWER
    _change(session, page, field, new_value, user, ocr_value=ocr_value, note="corrected")
    _touch(session, page)
    if kind == "year" and isinstance(new_value, int):
        _reread_dates(session, page=page, year=new_value, user=user)
    if kind in RELINK_KINDS and page.link_source != REVIEWER:
        link_pages(session, [page])  # identity follows the correction
    return field


def _reread_dates(session: Session, *, page: Page, year: int, user: User) -> None:
    """The card's year corrected: every date a person has not set is read again from its
    raw text in that year ("5.8" was read in the wrong one), each change in the history."""
    fields = session.exec(
        select(Field).where(Field.page_id == page.id, col(Field.key).like("rows.%.date"))
    ).all()
    for field in fields:
        if field.engine == REVIEWER or not field.raw:
            continue
        parsed = parse_date(field.raw, year=year)
        if parsed.value is not None and parsed.value != field.value:
            ocr_value = _ocr_value(session, field)
            _change(session, page, field, parsed.value, user, ocr_value=ocr_value, note="reread")


def _change(
    session: Session, page: Page, field: Field, value: Any, user: User, *, ocr_value: Any, note: str
) -> None:
    """Give a field a new value, with its history entry and audit event."""
    assert field.id is not None and page.id is not None
    edit = FieldEdit(
        field_id=field.id,
        page_id=page.id,
        key=field.key,
        ocr_value=ocr_value,
        old_value=field.value,
        new_value=value,
        user_id=user.id,
        user_name=user.name,
    )
    field.value, field.note = value, note
    session.add(field)
    session.add(edit)
    session.flush()
    _event(session, user, "field_change", page, key=field.key, edit_id=edit.id)


def set_link(
    session: Session,
    *,
    page: Page,
    member_id: int | None,
    contact_no: int | None,
    user: User,
    expected_version: int | None = None,
) -> Page:
    """Link a page to a roster member (and a card to the member's contact) by hand; the
    link is the reviewer's (`link_source` reviewer). ``member_id`` None: nobody fits."""
    _next_version(session, page, expected_version)
    _require_review(page, "关联委员", "linked")
    if page.form not in ("registration", "service_card"):
        raise InvalidValue("只有登记表和服务卡可以关联委员。", "Only forms R and S link.")
    member = session.get(Member, member_id) if member_id is not None else None
    if member_id is not None and member is None:
        raise InvalidValue(f"名单中没有编号为 {member_id} 的委员。", f"No member {member_id}.")
    if member is not None and page.year is not None and member.year != page.year:
        raise InvalidValue(
            f"该委员属于 {member.year} 年名单，而页面是 {page.year} 年度的。",
            f"The member is on the {member.year} roster, the page is of {page.year}.",
        )
    if contact_no is not None and (
        page.form != "service_card" or member is None or not 1 <= contact_no <= R_CONTACT_ROWS
    ):
        raise InvalidValue(
            f"联系对象序号只用于已关联委员的服务卡，应为 1–{R_CONTACT_ROWS}。",
            f"contact_no needs a service card, a member, and 1–{R_CONTACT_ROWS}.",
        )
    page.member_id = member_id
    page.contact_no = contact_no
    page.link_source = REVIEWER
    if member is not None:
        page.year = page.year or member.year
        page.committee = member.committee or page.committee
    _touch(session, page)
    _event(session, user, "page_linked", page, member_id=member_id, contact_no=contact_no)
    return page


SETTABLE_FORMS = ("service_card", "registration")
"""What a reviewer may declare a page to be when recognition could not tell."""


def set_form(
    session: Session,
    *,
    page: Page,
    form: str,
    user: User,
    expected_version: int | None = None,
) -> Page:
    """A person says which form a page is when recognition found none (`unknown`, `blank`):
    the form's fields are added empty, to be typed from the image, and the page is linked
    again. A page already read as a form keeps it (its fields have boxes and reads)."""
    if form not in SETTABLE_FORMS:
        raise InvalidValue("只能设为服务卡或登记表。", f"Unknown form {form!r}.")
    _next_version(session, page, expected_version)
    _require_review(page, "修改表格类型", "given a form")
    if page.form in SETTABLE_FORMS:
        raise TransitionRefused(
            "此页已识别为表格，不能更改类型；如有误请退回。",
            f"The page was read as {page.form}; reject it instead.",
        )
    previous, page_id = page.form, page.id
    assert page_id is not None
    have = set(session.exec(select(Field.key).where(Field.page_id == page.id)).all())
    for key in field_keys(form):
        if key not in have:
            session.add(Field(page_id=page_id, key=key, needs_review=True))
    page.form = form
    _touch(session, page)
    session.flush()
    link_pages(session, [page])
    _event(session, user, "page_form_set", page, form=form, previous=previous)
    return page


def confirm_page(
    session: Session, *, page: Page, user: User, expected_version: int | None = None
) -> Page:
    """A person has checked the page: its values count. Fields stay as they are."""
    _next_version(session, page, expected_version)
    _require_review(page, "确认", "confirmed")
    page.status = PageStatus.confirmed
    _touch(session, page)
    on_page_status_changed(session, page)  # a confirmed form R writes the contacts
    _event(session, user, "page_confirmed", page)
    return page


def reject_page(
    session: Session,
    *,
    page: Page,
    reason: str,
    user: User,
    expected_version: int | None = None,
) -> Page:
    """The page does not count (illegible, not a card of ours …); the reason is required."""
    reason = _reason(reason, "退回", "reject")
    _next_version(session, page, expected_version)
    _require_review(page, "退回", "rejected")
    page.status = PageStatus.rejected
    page.notes = [*page.notes, f"{REJECTED_NOTE}{reason}"]
    _touch(session, page)
    on_page_status_changed(session, page)
    _event(session, user, "page_rejected", page, reason=reason)
    return page


def reopen_page(
    session: Session,
    *,
    page: Page,
    reason: str,
    user: User,
    expected_version: int | None = None,
) -> Page:
    """Back to review from confirmed, rejected or duplicate (its note stays: not marked
    again), for a reason kept in the notes and the trail (as is a rejection's reason)."""
    reason = _reason(reason, "重新审核", "reopen")
    _next_version(session, page, expected_version)
    if page.status not in (PageStatus.confirmed, PageStatus.rejected, PageStatus.duplicate):
        raise TransitionRefused(
            "只有已确认、已退回或判为重复的页面可以重新审核。",
            f"Only confirmed, rejected or duplicate pages reopen; this one is {page.status}.",
        )
    previous = page.status
    page.status = PageStatus.needs_review
    page.notes = [
        *(n for n in page.notes if not n.startswith((REJECTED_NOTE, REOPENED_NOTE))),
        f"{REOPENED_NOTE}{reason}",
    ]
    _touch(session, page)
    on_page_status_changed(session, page)
    _event(session, user, "page_reopened", page, previous=str(previous), reason=reason)
    return page


def field_history(session: Session, *, page_id: int) -> list[FieldEdit]:
    """The page's corrections, oldest first."""
    rows = session.exec(
        select(FieldEdit).where(FieldEdit.page_id == page_id).order_by(col(FieldEdit.id))
    )
    return list(rows.all())


def page_year(session: Session, *, page: Page) -> int | None:
    """The card's year: from its code or linking, else the year field as read."""
    if page.year is not None:
        return page.year
    field = session.exec(select(Field).where(Field.page_id == page.id, Field.key == "year")).first()
    value = field.value if field is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- helpers -----------------------------------------------------------------------------


def _require_review(page: Page, action_zh: str, action_en: str) -> None:
    """Only pages in review change; confirmed and rejected ones are reopened first."""
    if page.status == PageStatus.needs_review:
        return
    if page.status in (PageStatus.failed, PageStatus.duplicate):
        raise TransitionRefused(
            f"识别失败或重复的页面不能{action_zh}。",
            f"A {page.status} page cannot be {action_en}.",
        )
    raise TransitionRefused(
        f"页面已{'确认' if page.status == PageStatus.confirmed else '退回'}，"
        f"请先重新审核再{action_zh}。",
        f"The page is {page.status}; reopen it before it can be {action_en}.",
    )


def _reason(reason: str, action_zh: str, action_en: str) -> str:
    """A required reason, trimmed."""
    reason = reason.strip()
    if not reason:
        raise InvalidValue(f"请填写{action_zh}原因。", f"A reason is required to {action_en}.")
    if len(reason) > MAX_REASON:
        raise InvalidValue(f"原因过长（最多 {MAX_REASON} 字）。", f"At most {MAX_REASON} chars.")
    return reason


def _next_version(session: Session, page: Page, expected: int | None) -> None:
    """Take the page's next version, refusing a change made on an older one.

    One conditional UPDATE both checks and bumps, so of two concurrent changes sent for the
    same version only the first passes. ``expected`` None (a script without If-Match) just
    bumps. A refused or failed action is rolled back with its session.
    """
    current = page.version if expected is None else expected
    result = session.execute(
        update(Page)
        .where(col(Page.id) == page.id, col(Page.version) == current)
        .values(version=current + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleWrite(expected)
    set_committed_value(page, "version", current + 1)


def _ocr_value(session: Session, field: Field) -> Any:
    """The value before the first correction of this field (kept by its first edit)."""
    first = session.exec(
        select(FieldEdit).where(FieldEdit.field_id == field.id).order_by(col(FieldEdit.id))
    ).first()
    return first.ocr_value if first is not None else field.value


def _touch(session: Session, page: Page) -> None:
    page.updated_at = utcnow()
    session.add(page)


def _event(session: Session, user: User, action: str, page: Page, **detail: Any) -> None:
    record_event(
        session,
        actor=user.name,
        actor_id=user.id,
        action=action,
        target_type="page",
        target_id=page.id,
        detail={"page_id": page.id, **detail},
    )
