"""Linking a printed card: its code decides; a code printed but not read leaves the names
to the handwriting and to a reviewer, never linked silently with full confidence."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from ocr.pipeline import ALIGNED_BY_MARKS, CODE_PRINTED
from records.linking import CODE_NOT_READ, link_pages
from records.models import Page
from tests.forms.print_data import YEAR, add_roster_and_contacts
from tests.records.linking_data import Scans, fields_of, service_card


@pytest.fixture
def scans(session: Session) -> Scans:
    return Scans(session)


def _card(scans: Scans, *, code: str | None, notes: tuple[str, ...]) -> Page:
    session = scans.session
    cells = service_card("孟波春", "陈静", year=str(YEAR), contact_phone="13900000012")
    page = scans.page("service_card", cells, card_code=code)
    page.notes = list(notes)
    session.add(page)
    link_pages(session, [page])
    session.flush()
    return page


def test_printed_card_with_its_code_links_exactly(session: Session, scans: Scans) -> None:
    members = add_roster_and_contacts(session, scans=scans)
    page = _card(scans, code=f"SC1|{YEAR}|JJ0101|2", notes=(ALIGNED_BY_MARKS, CODE_PRINTED))
    assert (page.member_id, page.contact_no, page.link_source) == (members["JJ0101"].id, 2, "code")
    fields = fields_of(session, page)
    assert not fields["member_name"].needs_review and fields["member_name"].note == "from_code"


def test_code_printed_but_not_read_goes_to_review(session: Session, scans: Scans) -> None:
    members = add_roster_and_contacts(session, scans=scans)
    page = _card(scans, code=None, notes=(ALIGNED_BY_MARKS, CODE_PRINTED))
    # The names (printed, read well) still find the member and contact ...
    assert (page.member_id, page.contact_no, page.link_source) == (
        members["JJ0101"].id,
        2,
        "handwriting",
    )
    # ... but a person confirms who it is.
    fields = fields_of(session, page)
    for key in ("member_name", "contact_name"):
        assert fields[key].needs_review and fields[key].note == CODE_NOT_READ


def test_cards_printed_without_a_code_link_as_before(session: Session, scans: Scans) -> None:
    add_roster_and_contacts(session, scans=scans)
    blank = _card(scans, code=None, notes=(ALIGNED_BY_MARKS,))
    fields = fields_of(session, blank)
    assert blank.link_source == "handwriting"
    assert fields["member_name"].note != CODE_NOT_READ
    assert fields["contact_name"].note != CODE_NOT_READ
