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

from forms.spec import R_CONTACT_ROWS, S_MANNER_VALUES, field_keys, field_kind
from forms.vocabulary import COMMITTEES, SECTORS
from ocr.parse import parse_date, parse_phone, parse_year, snap_vocabulary
from records.accounts import User
from records.audit import record_event
from records.linking import REVIEWER, link_pages
from records.models import Field, Member, Page, PageStatus, utcnow

RELINK_KINDS = frozenset({"name", "phone", "sector", "committee", "year"})
"""Correcting a field of these kinds can change who the page belongs to."""
MAX_LENGTH = {"name": 20, "text": 500}
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


# --- errors ------------------------------------------------------------------------------


class ReviewError(Exception):
    """A review action refused, with a message for the reviewer and one in English."""

    code = "review_refused"

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


class InvalidValue(ReviewError, ValueError):
    """A value that does not fit its field (or a link to nobody); the input must change."""

    code = "invalid_value"


class UnknownField(ReviewError):
    """A field key that the page's form does not have."""

    code = "unknown_field"


class TransitionRefused(ReviewError):
    """The page's status does not allow this action (reopen it first, or it failed)."""

    code = "invalid_transition"


class StaleWrite(ReviewError):
    """The change was made on an older version of the page than the stored one."""

    code = "stale_write"

    def __init__(self, expected: int | None = None) -> None:
        super().__init__(
            "此卡片已被他人修改，请刷新后再改。",
            f"The page changed since version {expected}; reload it and redo the change.",
        )


# --- values ------------------------------------------------------------------------------


def normalize_value(
    kind: str, value: object, *, year: int | None = None
) -> str | int | bool | None:
    """A person's value for a field of ``kind`` in the form OCR values are stored in.

    ``None`` or blank text clears the field; ``year`` is the card's, for `5月3日` dates.
    Raises `InvalidValue` with what to write instead.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "signed":
        if isinstance(value, bool):
            return value
        raise InvalidValue(
            "签名一栏只能填“有”或“无”（true/false）。", "signed must be true or false."
        )
    if kind == "year":
        parsed = parse_year(str(value)) if isinstance(value, int | str) else None
        if isinstance(value, bool) or parsed is None or not parsed.valid:
            raise InvalidValue("年度应为 2000–2099 之间的年份。", "year must be 2000–2099.")
        return parsed.value
    if not isinstance(value, str):
        raise InvalidValue("请填写文字。", f"a {kind} field takes text.")
    text = value.strip()
    if kind == "manner":
        if text not in S_MANNER_VALUES:
            raise InvalidValue(
                "方式只能是走访、电话或其他（visit/phone/other）。",
                "manner must be visit, phone, other or null.",
            )
        return text
    if kind == "date":
        return _date(text, year)
    if kind == "phone":
        phone = parse_phone(text)
        if not phone.valid:
            raise InvalidValue(
                "电话应为 11 位手机号或 0523 开头的固话（如 0523-84812345）。",
                "phone must be an 11-digit mobile or a 0523 landline (0523-84812345).",
            )
        return phone.value
    if kind in ("sector", "committee"):
        table = SECTORS if kind == "sector" else COMMITTEES
        snapped = snap_vocabulary(text, table)
        if not snapped.valid or snapped.similarity < 1.0:
            what = "界别" if kind == "sector" else "政协工委"
            raise InvalidValue(
                f"请填写{what}名单中的名称或其简称。",
                f"{kind} must be a name or alias from the vocabulary.",
            )
        return snapped.value
    limit = MAX_LENGTH.get(kind, MAX_LENGTH["text"])
    if len(text) > limit:
        raise InvalidValue(f"内容过长（最多 {limit} 字）。", f"at most {limit} characters.")
    return text


def _date(text: str, year: int | None) -> str:
    parsed = parse_date(text, year=year)
    if parsed.valid and parsed.similarity == 1.0 and isinstance(parsed.value, str):
        return parsed.value
    if parsed.note == "date_outside_year":
        raise InvalidValue(
            f"日期不在卡片的年度（{year}年）内；如年度有误，请先更正年度。",
            f"the date is not in the card's year {year}; correct the year first if it is wrong.",
        )
    if parsed.note == "no_year":
        raise InvalidValue(
            "卡片没有年度，请填写完整日期（如 2026-05-03）。",
            "the card has no year: write the full date (2026-05-03).",
        )
    raise InvalidValue(
        "不是有效日期，请按 2026-05-03 的格式填写。", "not a valid date; write it as 2026-05-03."
    )


# --- actions on a page -------------------------------------------------------------------


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
    assert field.id is not None and page.id is not None
    edit = FieldEdit(
        field_id=field.id,
        page_id=page.id,
        key=key,
        ocr_value=ocr_value,
        old_value=field.value,
        new_value=new_value,
        user_id=user.id,
        user_name=user.name,
    )
    field.value = new_value
    field.confidence = 1.0
    field.needs_review = False
    field.engine = REVIEWER
    field.note = "corrected"
    session.add(field)
    session.add(edit)
    session.flush()
    _touch(session, page)
    _event(session, user, "field_change", page, key=key, edit_id=edit.id)
    if kind in RELINK_KINDS and page.link_source != REVIEWER:
        link_pages(session, [page])  # identity follows the correction
    return field


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


def confirm_page(
    session: Session, *, page: Page, user: User, expected_version: int | None = None
) -> Page:
    """A person has checked the page: its values count. Fields stay as they are."""
    _next_version(session, page, expected_version)
    _require_review(page, "确认", "confirmed")
    page.status = PageStatus.confirmed
    _touch(session, page)
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
    """Back to review from confirmed or rejected, for a reason kept in the page's notes and
    the trail (the rejection reason stays in the trail)."""
    reason = _reason(reason, "重新审核", "reopen")
    _next_version(session, page, expected_version)
    if page.status not in (PageStatus.confirmed, PageStatus.rejected):
        raise TransitionRefused(
            "只有已确认或已退回的页面可以重新审核。",
            f"Only confirmed or rejected pages reopen; this one is {page.status}.",
        )
    previous = page.status
    page.status = PageStatus.needs_review
    page.notes = [
        *(n for n in page.notes if not n.startswith((REJECTED_NOTE, REOPENED_NOTE))),
        f"{REOPENED_NOTE}{reason}",
    ]
    _touch(session, page)
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
