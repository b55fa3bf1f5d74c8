"""Contacts from confirmed forms R, and the tally read from the database after review actions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from records.accounts import Role, User
from records.contacts import Contact, member_contacts
from records.linking import link_pages
from records.models import Batch, Member, Page
from records.review import confirm_page, correct_field, reject_page, reopen_page
from records.tally import CardState, MemberStatus, tally_year
from tests.records.linking_data import YEAR, Scans, add_roster, registration, service_card


@pytest.fixture
def user(session: Session) -> User:
    user = User(name="审核员乙", role=Role.reviewer, password_hash="x")
    session.add(user)
    session.flush()
    return user


def visits(*dates: str, manner: str = "visit") -> dict[str, str]:
    cells: dict[str, str] = {}
    for no, day in enumerate(dates, start=1):
        cells[f"rows.{no}.date"] = day
        cells[f"rows.{no}.manner"] = manner
    return cells


def card(scans: Scans, code: str, no: int, *days: str) -> Page:
    cells = {**service_card(), **visits(*days)}
    return scans.page("service_card", cells, card_code=f"SC1|{YEAR}|{code}|{no}")


def set_received(session: Session, scans: Scans, day: date) -> None:
    batch = session.get_one(Batch, scans.batch_id)
    batch.received_date = day
    session.add(batch)
    session.flush()


def test_confirmed_registration_writes_contacts_and_reconfirm_updates_them(
    session: Session, user: User
) -> None:
    members = add_roster(session)
    scans = Scans(session)
    set_received(session, scans, date(YEAR, 4, 2))
    form = scans.page("registration", registration(contacts=("王芳", "陈静", "刘洋")))
    link_pages(session, [form])
    assert form.member_id == members["JJ0001"].id
    assert member_contacts(session, form.member_id) == []  # nothing before confirmation

    confirm_page(session, page=form, user=user)
    rows = member_contacts(session, form.member_id)
    assert [(c.contact_no, c.name, c.received_date) for c in rows] == [
        (1, "王芳", date(YEAR, 4, 2)),
        (2, "陈静", date(YEAR, 4, 2)),
        (3, "刘洋", date(YEAR, 4, 2)),
    ]
    assert all(c.page_id == form.id and c.phone for c in rows)

    reopen_page(session, page=form, reason="联系人姓名有误", user=user)
    assert member_contacts(session, form.member_id) == []  # not confirmed: not counted
    correct_field(session, page=form, key="contacts.2.name", value="陈晶", user=user)
    correct_field(session, page=form, key="contacts.3.name", value=None, user=user)
    confirm_page(session, page=form, user=user)
    rows = member_contacts(session, form.member_id)
    assert [(c.contact_no, c.name) for c in rows] == [(1, "王芳"), (2, "陈晶")]
    total = session.exec(select(Contact).where(Contact.member_id == form.member_id)).all()
    assert len(total) == 2  # updated, never doubled

    reopen_page(session, page=form, reason="误确认", user=user)
    reject_page(session, page=form, reason="不是登记表", user=user)
    assert member_contacts(session, form.member_id) == []


def test_tally_from_the_database_follows_every_review_action(session: Session, user: User) -> None:
    members = add_roster(session)
    code = "JJ0001"
    member = members[code]
    scans = Scans(session)
    set_received(session, scans, date(YEAR, 4, 10))
    names = ("王芳", "陈静", "刘洋", "赵敏", "孙丽")
    form = scans.page("registration", registration(contacts=names))
    scans.new_batch()
    set_received(session, scans, date(YEAR, 11, 28))
    cards = [
        card(scans, code, no, f"{YEAR}-03-0{no}", f"{YEAR}-06-0{no}", f"{YEAR}-09-0{no}")
        for no in range(1, 6)
    ]
    link_pages(session, [form, *cards])
    assert all(c.member_id == member.id for c in cards)

    tally = tally_year(session, YEAR)
    assert {m.code for m in tally.members} == {"JJ0001", "JJ0002", "JJ0003"}
    mine = tally.member(member.id)  # type: ignore[arg-type]
    assert mine is not None and mine.status == MemberStatus.pending
    assert mine.total_visits == 0  # nothing confirmed counts yet

    for page in (form, *cards):
        confirm_page(session, page=page, user=user)
    mine = tally_year(session, YEAR).member(member.id)  # type: ignore[arg-type]
    assert mine is not None and mine.status == MemberStatus.met, mine.reasons
    assert mine.total_visits == 15 and mine.contacts_registered == 5
    assert mine.registration_page_id == form.id
    assert mine.registration_received == date(YEAR, 4, 10)
    assert [c.counted_page_id for c in mine.contacts] == [c.id for c in cards]
    assert mine.contacts[0].received == date(YEAR, 11, 28)
    assert mine.contacts[0].visit_months == (3, 6, 9)

    # A correction lands: card 2's third row was a phone call, not a visit.
    reopen_page(session, page=cards[1], reason="方式有误", user=user)
    mine = tally_year(session, YEAR).member(member.id)  # type: ignore[arg-type]
    assert mine is not None and mine.status == MemberStatus.pending
    assert mine.contact(2).state == CardState.in_review  # type: ignore[union-attr]
    correct_field(session, page=cards[1], key="rows.3.manner", value="phone", user=user)
    confirm_page(session, page=cards[1], user=user)
    mine = tally_year(session, YEAR).member(member.id)  # type: ignore[arg-type]
    assert mine is not None and mine.status == MemberStatus.not_met
    assert mine.reasons == ("联系对象 2 上门走访仅 2 次",)
    assert mine.total_visits == 14 and mine.total_phone_calls == 1

    # A rescan of card 1, confirmed too: flagged, counted once.
    scans.new_batch()
    again = card(scans, code, 1, f"{YEAR}-03-01", f"{YEAR}-06-01", f"{YEAR}-09-01")
    link_pages(session, [again])
    confirm_page(session, page=again, user=user)
    mine = tally_year(session, YEAR).member(member.id)  # type: ignore[arg-type]
    assert mine is not None and mine.duplicate_page_ids == (again.id,)
    assert mine.total_visits == 14

    # Committee scope: JJ0002 is of 靖城街道.
    scoped = tally_year(session, YEAR, committee="新桥镇")
    assert {m.code for m in scoped.members} == {"JJ0001", "JJ0003"}


def test_tally_loads_in_a_fixed_number_of_queries(session: Session) -> None:
    members = add_roster(session)
    scans = Scans(session)
    for code in members:
        for no in range(1, 4):
            card(scans, code, no, f"{YEAR}-05-01")
    link_pages(session, session.exec(select(Page)).all())
    session.flush()
    engine = session.get_bind()
    statements: list[Any] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        tally = tally_year(session, YEAR)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(tally.members) == len(members)
    assert all(m.status == MemberStatus.pending for m in tally.members)
    assert sum(len(c.in_review_page_ids) for m in tally.members for c in m.contacts) == 9
    assert len(statements) == 5, statements  # members, rows, pages, contacts, unlinked
    assert session.exec(select(Member)).first() is not None


def test_retention_clears_contact_names_but_the_tally_still_counts_them(
    session: Session, user: User, tmp_path: Any
) -> None:
    from records.retention import apply_retention

    old = 2018
    members = add_roster(session, year=old)
    scans = Scans(session)
    form = scans.page(
        "registration", registration(contacts=("王芳", "陈静", "刘洋", "赵敏", "孙丽"))
    )
    form.year = old
    link_pages(session, [form])
    assert form.member_id == members["JJ0001"].id
    confirm_page(session, page=form, user=user)
    apply_retention(session, data_dir=tmp_path, keep_years=5, today=date(2026, 6, 1))
    rows = member_contacts(session, form.member_id)
    assert len(rows) == 5 and {(c.name, c.phone, c.address) for c in rows} == {(None, None, None)}
    mine = tally_year(session, old).member(form.member_id)
    assert mine is not None and mine.contacts_registered == 5
