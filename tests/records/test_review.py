"""Review data functions: corrections normalized and kept in history, links, status changes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, col, select

from records.accounts import Role, User
from records.audit import AuditEvent
from records.duplicates import mark_duplicate_pages
from records.linking import REVIEWER, link_pages, relink_year
from records.models import Field, Page, PageStatus
from records.review import (
    FieldEdit,
    InvalidValue,
    TransitionRefused,
    UnknownField,
    confirm_page,
    correct_field,
    field_history,
    normalize_value,
    reject_page,
    reopen_page,
    set_link,
)
from tests.records.linking_data import YEAR, Scans, add_roster, registration, service_card


@pytest.fixture
def scans(session: Session) -> Scans:
    return Scans(session)


@pytest.fixture
def user(session: Session) -> User:
    user = User(name="审核员甲", role=Role.reviewer, password_hash="x")
    session.add(user)
    session.flush()
    return user


def field(session: Session, page: Page, key: str) -> Field:
    return session.exec(select(Field).where(Field.page_id == page.id, Field.key == key)).one()


def events(session: Session, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.id))
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(session.exec(query).all())


def card(scans: Scans, **cells: str) -> Page:
    return scans.page("service_card", {**service_card(), **cells})


# --- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("date", "2026年5月3日", "2026-05-03"),
        ("date", "5.3", "2026-05-03"),
        ("date", "26/5/3", "2026-05-03"),
        ("date", "二〇二六年五月三日", "2026-05-03"),
        ("phone", "139 1234 5678", "13912345678"),
        ("phone", "84812345", "0523-84812345"),
        ("sector", "民革界", "民革"),
        ("sector", "九三", "九三学社"),
        ("committee", "新桥", "新桥镇"),
        ("manner", "visit", "visit"),
        ("signed", False, False),
        ("year", "2026年", 2026),
        ("year", 2026, 2026),
        ("name", "  王芳 ", "王芳"),
        ("text", "  了解就业情况 ", "了解就业情况"),
        ("date", None, None),
        ("name", "   ", None),
        ("manner", None, None),
    ],
)
def test_values_are_normalized_by_kind(kind: str, value: object, expected: object) -> None:
    assert normalize_value(kind, value, year=YEAR) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("date", "2026-02-30"),
        ("date", "2025-05-03"),  # a real date, but not of the card's year
        ("date", "明天"),
        ("phone", "12345"),
        ("phone", 13912345678),
        ("sector", "民x"),
        ("sector", "民革党派"),  # close to 民革, but not its name or an alias
        ("committee", "月球镇"),
        ("manner", "walk"),
        ("signed", "yes"),
        ("year", "1999"),
        ("year", True),
        ("name", "张" * 21),
    ],
)
def test_invalid_values_are_refused_in_both_languages(kind: str, value: object) -> None:
    with pytest.raises(InvalidValue) as refused:
        normalize_value(kind, value, year=YEAR)
    assert isinstance(refused.value, ValueError)
    assert refused.value.message and refused.value.message_en
    assert refused.value.code == "invalid_value"


def test_a_month_day_date_without_the_cards_year_asks_for_the_full_date() -> None:
    with pytest.raises(InvalidValue, match="full date"):
        normalize_value("date", "5月3日", year=None)
    assert normalize_value("date", "2026-05-03", year=None) == "2026-05-03"


# --- corrections -------------------------------------------------------------------------


def test_a_correction_is_sure_marked_and_kept_in_history(
    session: Session, scans: Scans, user: User
) -> None:
    page = card(scans, **{"rows.1.date": "5.8"})
    page.year = YEAR
    ocr_value = field(session, page, "rows.1.date").value
    first = correct_field(session, page=page, key="rows.1.date", value="2026年5月3日", user=user)
    assert (first.value, first.confidence, first.needs_review) == ("2026-05-03", 1.0, False)
    assert (first.engine, first.note, first.raw) == (REVIEWER, "corrected", "5.8")
    correct_field(session, page=page, key="rows.1.date", value="5月4日", user=user)
    history = field_history(session, page_id=page.id or 0)
    assert [(e.ocr_value, e.old_value, e.new_value) for e in history] == [
        (ocr_value, ocr_value, "2026-05-03"),
        (ocr_value, "2026-05-03", "2026-05-04"),
    ]
    assert {(e.user_id, e.user_name, e.key) for e in history} == {
        (user.id, user.name, "rows.1.date")
    }
    (event, _) = events(session, "field_change")
    assert event.detail == {"page_id": page.id, "key": "rows.1.date", "edit_id": history[0].id}
    assert (event.actor, event.actor_id, event.target_type) == (user.name, user.id, "page")


def test_a_field_the_grid_missed_is_created_by_its_correction(
    session: Session, scans: Scans, user: User
) -> None:
    page = card(scans)
    created = correct_field(session, page=page, key="rows.8.manner", value="phone", user=user)
    assert (created.key, created.value, created.bbox) == ("rows.8.manner", "phone", None)
    (edit,) = field_history(session, page_id=page.id or 0)
    assert (edit.ocr_value, edit.old_value, edit.new_value) == (None, None, "phone")


def test_a_key_not_on_the_form_is_unknown_and_nothing_is_written(
    session: Session, scans: Scans, user: User
) -> None:
    page = card(scans)
    for key in ("contacts.1.name", "rows.9.date", "image_path"):
        with pytest.raises(UnknownField):
            correct_field(session, page=page, key=key, value="x", user=user)
    with pytest.raises(InvalidValue):
        correct_field(session, page=page, key="rows.1.date", value="2026-13-01", user=user)
    assert session.exec(select(FieldEdit)).all() == []
    assert events(session) == []


def test_correcting_the_member_name_links_the_page_to_that_member(
    session: Session, scans: Scans, user: User
) -> None:
    members = add_roster(session)
    page = card(scans, member_name="周杰伦", member_phone="13700000000", sector="教育界")
    link_pages(session, [page])
    assert page.member_id is None
    correct_field(session, page=page, key="member_name", value="张伟", user=user)
    assert page.member_id == members["JJ0002"].id
    assert page.committee == "靖城街道"
    assert field(session, page, "member_name").value == "张伟"


def test_a_reviewers_link_survives_corrections_and_relinking(
    session: Session, scans: Scans, user: User
) -> None:
    members = add_roster(session)
    scans.page("registration", registration())
    page = card(scans)
    link_pages(session, session.exec(select(Page)).all())
    assert page.member_id == members["JJ0001"].id
    chosen = members["JJ0003"]
    set_link(session, page=page, member_id=chosen.id, contact_no=2, user=user)
    assert (page.member_id, page.contact_no, page.link_source) == (chosen.id, 2, REVIEWER)
    correct_field(session, page=page, key="member_name", value="孟波春", user=user)
    relink_year(session, YEAR)
    assert (page.member_id, page.contact_no, page.link_source) == (chosen.id, 2, REVIEWER)
    (event,) = events(session, "page_linked")
    assert event.detail == {"page_id": page.id, "member_id": chosen.id, "contact_no": 2}


def test_a_link_must_fit_the_page(session: Session, scans: Scans, user: User) -> None:
    members = add_roster(session)
    other_year = add_roster(session, year=YEAR - 1)["JJ0001"]
    page = card(scans)
    page.year = YEAR
    form_r = scans.page("registration", registration())
    refused = [
        dict(page=page, member_id=9999, contact_no=None),
        dict(page=page, member_id=other_year.id, contact_no=None),
        dict(page=page, member_id=members["JJ0001"].id, contact_no=7),
        dict(page=page, member_id=None, contact_no=1),
        dict(page=form_r, member_id=members["JJ0001"].id, contact_no=1),
    ]
    for arguments in refused:
        with pytest.raises(InvalidValue):
            set_link(session, user=user, **arguments)
    set_link(session, page=page, member_id=None, contact_no=None, user=user)
    assert (page.member_id, page.link_source) == (None, REVIEWER)


# --- status ------------------------------------------------------------------------------


def test_confirm_reject_and_reopen(session: Session, scans: Scans, user: User) -> None:
    page = card(scans)
    uncertain = [f.key for f in session.exec(select(Field).where(Field.needs_review)).all()]
    confirm_page(session, page=page, user=user)
    assert page.status == PageStatus.confirmed
    # Confirming does not touch the fields.
    assert [f.key for f in session.exec(select(Field).where(Field.needs_review))] == uncertain
    for action in (confirm_page, lambda s, **kw: reject_page(s, reason="看不清", **kw)):
        with pytest.raises(TransitionRefused):
            action(session, page=page, user=user)
    with pytest.raises(TransitionRefused):
        correct_field(session, page=page, key="rows.1.manner", value="visit", user=user)
    with pytest.raises(InvalidValue):
        reopen_page(session, page=page, reason=" ", user=user)
    reopen_page(session, page=page, reason="日期看错了", user=user)
    with pytest.raises(InvalidValue):
        reject_page(session, page=page, reason="  ", user=user)
    reject_page(session, page=page, reason=" 不是本市的卡 ", user=user)
    assert page.status == PageStatus.rejected
    assert page.notes == ["reopened:日期看错了", "rejected:不是本市的卡"]
    reopen_page(session, page=page, reason=" 可以辨认 ", user=user)
    assert (page.status, page.notes) == (PageStatus.needs_review, ["reopened:可以辨认"])
    with pytest.raises(TransitionRefused):
        reopen_page(session, page=page, reason="再看", user=user)
    trail = [(e.action, e.detail) for e in events(session)]
    assert trail == [
        ("page_confirmed", {"page_id": page.id}),
        ("page_reopened", {"page_id": page.id, "previous": "confirmed", "reason": "日期看错了"}),
        ("page_rejected", {"page_id": page.id, "reason": "不是本市的卡"}),
        ("page_reopened", {"page_id": page.id, "previous": "rejected", "reason": "可以辨认"}),
    ]


@pytest.mark.parametrize("status", [PageStatus.failed, PageStatus.duplicate])
def test_failed_and_duplicate_pages_are_not_reviewed(
    session: Session, scans: Scans, user: User, status: PageStatus
) -> None:
    page = scans.page("service_card", service_card(), status=status)
    actions: list[Any] = [
        lambda: confirm_page(session, page=page, user=user),
        lambda: reject_page(session, page=page, reason="x", user=user),
        lambda: correct_field(session, page=page, key="year", value=YEAR, user=user),
        lambda: set_link(session, page=page, member_id=None, contact_no=None, user=user),
    ]
    if status == PageStatus.failed:  # a duplicate can be reopened: below
        actions.append(lambda: reopen_page(session, page=page, reason="x", user=user))
    for action in actions:
        with pytest.raises(TransitionRefused):
            action()
    assert page.status == status


def test_a_page_wrongly_taken_for_a_duplicate_is_reopened_and_not_marked_again(
    session: Session, scans: Scans, user: User
) -> None:
    page = scans.page("service_card", service_card(), status=PageStatus.duplicate)
    page.notes = ["duplicate_page:scan-001.pdf#2"]
    reopen_page(session, page=page, reason="另一张卡片，不是重复", user=user)
    assert page.status == PageStatus.needs_review
    assert page.notes == ["duplicate_page:scan-001.pdf#2", "reopened:另一张卡片，不是重复"]
    assert mark_duplicate_pages(session, batch_id=page.batch_id) == []
    assert page.status == PageStatus.needs_review
    confirm_page(session, page=page, user=user)
    assert page.status == PageStatus.confirmed
    trail = [(e.action, e.detail) for e in events(session)]
    assert trail[0] == (
        "page_reopened",
        {"page_id": page.id, "previous": "duplicate", "reason": "另一张卡片，不是重复"},
    )
