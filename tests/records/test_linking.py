"""Linking pages to the roster: what the evidence model writes into the database (the model
itself: `test_linking_evidence.py`)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from records.linking import (
    REVIEWER,
    link_batch,
    link_pages,
    relink_year,
)
from records.models import Page, PageStatus
from records.roster import import_roster_rows
from records.roster_file import RosterRow
from tests.records.linking_data import (
    OCR,
    YEAR,
    Scans,
    add_roster,
    fields_of,
    reading,
    registration,
    service_card,
    snapshot,
)


@pytest.fixture
def scans(session: Session) -> Scans:
    return Scans(session)


# --- the database side --------------------------------------------------------------------


def test_a_registration_links_to_its_member_and_takes_the_roster_name(
    session: Session, scans: Scans
) -> None:
    members = add_roster(session)
    page = scans.page("registration", registration())
    assert link_pages(session, [page]) == 1
    assert page.member_id == members["JJ0001"].id
    assert page.link_source == "handwriting"
    name = fields_of(session, page)["member_name"]
    assert name.value == "孟波春"
    assert name.confidence > 0.9
    assert name.note is None
    assert name.raw == "孟波春"  # the read is kept


def test_a_misread_name_on_a_registration_gets_the_roster_spelling(
    session: Session, scans: Scans
) -> None:
    members = add_roster(session)
    page = scans.page("registration", registration("孟波眷"))
    link_pages(session, [page])
    assert page.member_id == members["JJ0001"].id
    name = fields_of(session, page)["member_name"]
    assert (name.value, name.raw) == ("孟波春", "孟波眷")
    exact = scans.page("registration", registration())
    link_pages(session, [exact])
    assert name.confidence < fields_of(session, exact)["member_name"].confidence


def unknown_registration() -> dict[str, str]:
    return registration("周杰伦", phone="13700000000", sector="教育界", committee="")


def test_an_unknown_name_links_to_nobody(session: Session, scans: Scans) -> None:
    add_roster(session)
    page = scans.page("registration", unknown_registration())
    assert link_pages(session, [page]) == 0
    assert page.member_id is None
    name = fields_of(session, page)["member_name"]
    assert name.raw == "周杰伦"
    assert name.needs_review is True
    assert name.note == "weak_match"


def test_an_unknown_name_keeps_its_read(session: Session, scans: Scans) -> None:
    add_roster(session)
    page = scans.page("registration", unknown_registration())
    link_pages(session, [page])
    assert page.member_id is None
    assert fields_of(session, page)["member_name"].value == "周杰伦"


def test_a_card_code_decides_the_member_and_contact_whatever_the_handwriting(
    session: Session, scans: Scans
) -> None:
    members = add_roster(session)
    scans.page("registration", registration())
    card = scans.page(
        "service_card",
        service_card("口#乙", "十十", phone="1", sector="??", committee="??"),
        card_code=f"SC1|{YEAR}|JJ0001|3",
    )
    link_pages(session, session.exec(select(Page)).all())
    assert card.member_id == members["JJ0001"].id
    assert card.contact_no == 3
    assert card.link_source == "code"
    fields = fields_of(session, card)
    assert fields["member_name"].value == "孟波春"
    assert fields["member_name"].confidence == 1.0
    assert fields["member_name"].needs_review is False
    assert fields["member_name"].raw == "口#乙"
    # Contact 3 on the member's form R; that form is unreviewed, so a person checks.
    assert fields["contact_name"].value == "刘洋"
    assert fields["contact_name"].needs_review is True
    assert fields["contact_name"].note == "from_code_unverified"


def test_a_card_code_gives_the_contact_number_before_the_form_r_arrives(
    session: Session, scans: Scans
) -> None:
    members = add_roster(session)
    card = scans.page(
        "service_card", service_card("口#乙", "刘洋"), card_code=f"SC1|{YEAR}|JJ0002|3"
    )
    link_pages(session, [card])
    assert (card.member_id, card.contact_no) == (members["JJ0002"].id, 3)
    assert card.year == YEAR


def test_a_card_without_code_links_its_contact_by_name_on_the_form_r(
    session: Session, scans: Scans
) -> None:
    members = add_roster(session)
    form_r = scans.page("registration", registration())
    card = scans.page("service_card", service_card("孟波春", "陈静"))
    assert link_pages(session, [card, form_r]) == 2  # form R first, whatever the order given
    assert card.member_id == members["JJ0001"].id
    assert card.link_source == "handwriting"
    assert card.contact_no == 2
    contact = fields_of(session, card)["contact_name"]
    assert contact.value == "陈静"
    assert contact.note is None


def test_a_contact_misread_on_the_card_keeps_its_read_against_an_unreviewed_form_r(
    session: Session, scans: Scans
) -> None:
    add_roster(session)
    form_r = scans.page("registration", registration())
    card = scans.page("service_card", service_card("孟波春", "陈敬"))
    link_pages(session, [form_r, card])
    assert card.contact_no == 2
    contact = fields_of(session, card)["contact_name"]
    assert contact.value == "陈敬"  # two reads disagree: a person decides
    assert contact.note == "disagrees_with_registration"
    assert contact.needs_review is True


def test_a_confirmed_form_r_makes_its_contacts_trusted(session: Session, scans: Scans) -> None:
    members = add_roster(session)
    form_r = scans.page("registration", registration(), status=PageStatus.confirmed)
    form_r.member_id, form_r.link_source = members["JJ0001"].id, "reviewer"
    session.add(form_r)
    card = scans.page("service_card", service_card("孟波春", "陈敬"))
    link_pages(session, [card])
    assert card.contact_no == 2
    assert fields_of(session, card)["contact_name"].value == "陈静"


def test_a_phone_one_digit_off_the_roster_takes_the_roster_phone(
    session: Session, scans: Scans
) -> None:
    add_roster(session)
    page = scans.page("registration", registration(phone="13800000007"))
    link_pages(session, [page])
    phone = fields_of(session, page)["member_phone"]
    assert phone.value == "13800000001"
    assert phone.raw == "13800000007"
    assert phone.note == "snapped_to_roster"
    assert phone.confidence < OCR


def test_a_phone_equal_to_the_roster_agrees(session: Session, scans: Scans) -> None:
    add_roster(session)
    page = scans.page("registration", registration())
    link_pages(session, [page])
    phone = fields_of(session, page)["member_phone"]
    assert (phone.value, phone.note) == ("13800000001", "agrees_with_record")


def test_a_sector_that_differs_from_the_roster_goes_to_review(
    session: Session, scans: Scans
) -> None:
    add_roster(session)
    page = scans.page("registration", registration(sector="民盟"))
    before = reading("sector", "民盟")
    assert before.needs_review is False  # the read alone is clean
    link_pages(session, [page])
    assert page.member_id is not None
    sector = fields_of(session, page)["sector"]
    assert sector.value == "民盟"  # the page's own read is kept
    assert sector.note == "differs_from_record"
    assert sector.needs_review is True
    assert sector.confidence < before.confidence


def test_fields_a_reviewer_decided_are_never_changed(session: Session, scans: Scans) -> None:
    members = add_roster(session)
    page = scans.page("registration", registration("口口", phone="13800000007", sector="民盟"))
    fields = fields_of(session, page)
    corrections = {"member_name": "孟波春", "member_phone": "13800000007", "sector": "民盟"}
    for key, value in corrections.items():
        fields[key].value, fields[key].engine = value, REVIEWER
        fields[key].confidence, fields[key].needs_review, fields[key].note = 1.0, False, None
        session.add(fields[key])
    session.flush()
    link_pages(session, [page])
    assert page.member_id == members["JJ0001"].id  # the reviewer's name is what is matched
    after = fields_of(session, page)
    for key, value in corrections.items():
        field = after[key]
        assert (field.value, field.engine, field.confidence) == (value, REVIEWER, 1.0)
        assert (field.needs_review, field.note) == (False, None)


def test_linking_twice_changes_nothing(session: Session, scans: Scans) -> None:
    add_roster(session)
    pages = [
        scans.page("registration", registration("孟波眷")),
        scans.page("registration", registration("张伟", phone="13800000002", sector="民革")),
        scans.page("service_card", service_card("孟波春", "陈敬")),
        scans.page("service_card", service_card("孟波春", "王芳"), card_code="SC1|2026|JJ0001|1"),
    ]
    link_pages(session, pages)
    first = snapshot(session, pages)
    link_pages(session, pages)
    assert snapshot(session, pages) == first
    assert [p.member_id is not None for p in pages] == [True] * 4


def test_linking_twice_after_a_phone_snap_changes_nothing(session: Session, scans: Scans) -> None:
    add_roster(session)
    pages = [scans.page("registration", registration(phone="13800000007"))]
    link_pages(session, pages)
    first = snapshot(session, pages)
    link_pages(session, pages)
    assert snapshot(session, pages) == first


def test_a_contact_phone_that_differs_from_the_form_r_is_a_question(
    session: Session, scans: Scans
) -> None:
    add_roster(session)
    form_r = scans.page("registration", registration())
    card = scans.page("service_card", service_card("孟波春", "刘洋", contact_phone="13900000099"))
    link_pages(session, [form_r, card])
    assert card.contact_no == 3
    phone = fields_of(session, card)["contact_phone"]
    assert phone.value == "13900000099"  # form R is itself a read: never snapped to it
    assert phone.note == "differs_from_record"
    assert phone.needs_review is True


def test_a_coded_card_compares_its_contact_phone_with_the_form_r(
    session: Session, scans: Scans
) -> None:
    add_roster(session)
    form_r = scans.page("registration", registration())
    card = scans.page(
        "service_card",
        service_card("孟波春", "刘洋", contact_phone="13900000099"),
        card_code=f"SC1|{YEAR}|JJ0001|3",
    )
    link_pages(session, [form_r, card])
    assert card.contact_no == 3
    assert fields_of(session, card)["contact_phone"].note == "differs_from_record"


def test_a_coded_card_does_not_certify_a_name_read_off_an_unreviewed_form_r(
    session: Session, scans: Scans
) -> None:
    add_roster(session)
    form_r = scans.page("registration", registration(contacts=("王芳", "陈静", "刘羊")))
    card = scans.page(
        "service_card", service_card("孟波春", "刘洋"), card_code=f"SC1|{YEAR}|JJ0001|3"
    )
    link_pages(session, [form_r, card])
    assert card.contact_no == 3
    assert fields_of(session, card)["contact_name"].needs_review is True


def unlinked_by_a_roster_correction(session: Session, scans: Scans) -> Page:
    """A page linked by handwriting, then the office corrects JJ0001 to someone else."""
    add_roster(session)
    page = scans.page("registration", registration(phone="13800000007"))
    link_pages(session, [page])
    assert page.member_id is not None
    assert fields_of(session, page)["member_phone"].value == "13800000001"
    corrected = RosterRow(2, "JJ0001", "钱七", "民进", "东兴镇", "13600000000", standing=False)
    import_roster_rows(session, year=YEAR, rows=[corrected])
    relink_year(session, YEAR)
    assert page.member_id is None
    return page


def test_a_page_that_no_longer_links_loses_its_link_source(session: Session, scans: Scans) -> None:
    page = unlinked_by_a_roster_correction(session, scans)
    assert page.link_source is None


def test_a_page_that_no_longer_links_gets_its_read_phone_back(
    session: Session, scans: Scans
) -> None:
    page = unlinked_by_a_roster_correction(session, scans)
    phone = fields_of(session, page)["member_phone"]
    assert phone.value == "13800000007"
    assert phone.note != "snapped_to_roster"


def test_confirmed_pages_are_not_touched(session: Session, scans: Scans) -> None:
    add_roster(session)
    pages = [
        scans.page("registration", registration("孟波眷"), status=PageStatus.confirmed),
        scans.page(
            "service_card",
            service_card(),
            card_code="SC1|2026|JJ0001|2",
            status=PageStatus.confirmed,
        ),
    ]
    before = snapshot(session, pages)
    assert link_pages(session, pages) == 0
    assert relink_year(session, YEAR) == 0
    assert snapshot(session, pages) == before
    assert all(p.member_id is None for p in pages)


def test_a_roster_imported_later_links_pages_ingested_before_it(
    session: Session, scans: Scans
) -> None:
    pages = [
        scans.page("registration", registration()),
        scans.page("service_card", service_card("孟波春", "陈静")),
    ]
    assert link_pages(session, pages) == 0
    name = fields_of(session, pages[0])["member_name"]
    assert (name.value, name.note, name.needs_review) == ("孟波春", "no_candidates", True)
    members = add_roster(session)
    assert relink_year(session, YEAR) == 2
    assert [p.member_id for p in pages] == [members["JJ0001"].id] * 2
    assert pages[1].contact_no == 2
    name = fields_of(session, pages[0])["member_name"]
    assert (name.value, name.note) == ("孟波春", None)
    assert name.confidence > 0.9


def test_relink_year_keeps_cards_of_other_years_on_their_roster(
    session: Session, scans: Scans
) -> None:
    old = add_roster(session, year=2025)
    add_roster(session, year=YEAR)
    card = scans.page("service_card", service_card(year="2025"))
    assert card.year is None  # not known before a first link, so any year's relink takes it
    relink_year(session, YEAR)
    assert (card.year, card.member_id) == (2025, old["JJ0001"].id)
    before = snapshot(session, [card])
    assert relink_year(session, YEAR) == 0  # once its year is known, 2026 passes it by
    assert snapshot(session, [card]) == before
    assert relink_year(session, 2025) == 1


def test_a_card_links_to_the_roster_of_its_year(session: Session, scans: Scans) -> None:
    old = add_roster(session, year=2025)
    new = add_roster(session, year=YEAR)
    cards = [
        scans.page("service_card", service_card(year="2025")),
        scans.page("service_card", service_card(year=str(YEAR))),
    ]
    link_pages(session, cards)
    assert [c.member_id for c in cards] == [old["JJ0001"].id, new["JJ0001"].id]


def test_link_batch_gives_earlier_cards_their_contact_when_the_form_r_arrives(
    session: Session, scans: Scans
) -> None:
    members = add_roster(session)
    first = scans.batch_id
    card = scans.page("service_card", service_card("孟波春", "刘洋"))
    assert link_batch(session, batch_id=first) == 1
    assert card.member_id == members["JJ0001"].id
    assert card.contact_no is None  # no form R yet: the contact is unknown
    second = scans.new_batch()
    form_r = scans.page("registration", registration())
    assert link_batch(session, batch_id=second) == 1  # counts this batch's pages
    assert form_r.member_id == members["JJ0001"].id
    assert card.contact_no == 3
    assert fields_of(session, card)["contact_name"].value == "刘洋"
