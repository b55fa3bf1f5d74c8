"""Confirming checked pages in bulk against concurrent reviewers: a page changed by someone
else since it was read is left for a person, the others are confirmed."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from records import bulk_review
from records.accounts import Role, User
from records.claims import claim_page
from records.linking import link_pages
from records.models import Field, Page, PageStatus
from records.review import correct_field
from tests.records.linking_data import Scans, add_roster, registration, service_card


def test_a_page_changed_by_another_reviewer_meanwhile_is_left_for_a_person(
    session: Session,
) -> None:
    add_roster(session)
    scans = Scans(session)
    form_r = scans.page("registration", registration())
    card = scans.page("service_card", service_card())
    link_pages(session, [form_r, card])
    for f in session.exec(select(Field).where(Field.needs_review == True)).all():  # noqa: E712
        f.needs_review = False  # as if every value had been checked
        session.add(f)
    me = User(name="审核员甲", role=Role.reviewer, password_hash="x")
    other = User(name="审核员乙", role=Role.reviewer, password_hash="x")
    session.add_all([me, other])
    session.commit()
    scope = bulk_review.PageScope()
    assert len(bulk_review.checked_pages(session, scope)) == 2  # read by this session

    engine = session.get_bind()
    assert isinstance(engine, Engine)
    with Session(engine) as theirs:  # another reviewer corrects the card meanwhile
        page = theirs.get_one(Page, card.id)
        correct_field(theirs, page=page, key="rows.1.content", value="走访", user=other)
        theirs.commit()

    result = bulk_review.confirm_checked(session, scope, me)
    session.commit()
    assert result.done == [form_r.id] and result.skipped == {"changed": [card.id]}
    session.expire_all()
    assert session.get_one(Page, form_r.id).status == PageStatus.confirmed
    assert session.get_one(Page, card.id).status == PageStatus.needs_review
    assert bulk_review.SKIP_REASONS["changed"]


def test_pages_read_as_blank_are_rejected_with_the_checked_ones(session: Session) -> None:
    add_roster(session)
    scans = Scans(session)
    form_r = scans.page("registration", registration())
    link_pages(session, [form_r])
    for f in session.exec(select(Field).where(Field.page_id == form_r.id)).all():
        f.needs_review = False
    blank, held = scans.page("blank", {}), scans.page("blank", {})
    me = User(name="审核员甲", role=Role.reviewer, password_hash="x")
    other = User(name="审核员乙", role=Role.reviewer, password_hash="x")
    session.add_all([me, other])
    session.commit()
    claim_page(session, page=held, user=other)
    session.commit()

    only_cards = bulk_review.PageScope(form="registration")
    assert bulk_review.confirm_checked(session, only_cards, me, dry_run=True).blank == []
    preview = bulk_review.confirm_checked(session, bulk_review.PageScope(), me, dry_run=True)
    assert (preview.done, preview.blank, preview.skipped) == (
        [form_r.id],
        [blank.id],
        {"held": [held.id]},
    )
    assert session.get_one(Page, blank.id).status == PageStatus.needs_review  # a dry run

    result = bulk_review.confirm_checked(session, bulk_review.PageScope(), me)
    session.commit()
    assert (result.done, result.blank) == ([form_r.id], [blank.id])
    session.expire_all()
    rejected = session.get_one(Page, blank.id)
    assert (rejected.status, rejected.notes) == (PageStatus.rejected, ["rejected:空白页"])
    assert session.get_one(Page, held.id).status == PageStatus.needs_review
    assert session.get_one(Page, form_r.id).status == PageStatus.confirmed
