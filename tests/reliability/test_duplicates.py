"""Pages found twice: the same image (`duplicate`, not counted) and re-scans of one card
(a note for the reviewer), decided the same whatever order the pages were stored in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlmodel import Session

from ocr.page_hash import page_signature, same_page
from records import crud
from records.db import init_db, make_engine
from records.duplicates import mark_duplicate_pages
from records.linking import link_batch
from records.models import Page, PageStatus
from tests.conftest import form_like_page
from tests.records.linking_data import Scans, add_roster, reading, registration, service_card

CODE = "SC1|2026|JJ0001|2"


def _handwritten(seed: int) -> np.ndarray:
    """A form-like page with strokes in its cells, different for each seed."""
    page = form_like_page(1)
    rng = np.random.default_rng(seed)
    for _ in range(40):
        x, y = int(rng.integers(60, 760)), int(rng.integers(130, 520))
        cv2.line(page, (x, y), (x + int(rng.integers(15, 60)), y + int(rng.integers(-8, 8))), 30, 2)
    return page


def _rescanned(page: np.ndarray) -> np.ndarray:
    """The same sheet again: rescaled, JPEG-compressed, a little darker."""
    h, w = page.shape
    small = cv2.resize(page, (int(w * 0.9), int(h * 0.9)), interpolation=cv2.INTER_AREA)
    _, encoded = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 60])
    again = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    assert again is not None
    return cv2.resize(np.clip(again.astype(int) - 6, 0, 255).astype(np.uint8), (w, h))


def test_signature_matches_the_same_sheet_and_not_another() -> None:
    one, other = _handwritten(1), _handwritten(2)
    assert same_page(page_signature(one), page_signature(_rescanned(one)))
    assert same_page(page_signature(one), page_signature(one))
    assert not same_page(page_signature(one), page_signature(other))
    assert not same_page(page_signature(one), "v0:garbage")
    assert not same_page(page_signature(one), page_signature(one)[:-2])


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'd.db'}")
    init_db(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _rows(*dates: str) -> dict[str, str]:
    cells: dict[str, str] = {}
    for no, day in enumerate(dates, start=1):
        cells[f"rows.{no}.date"] = day
        cells[f"rows.{no}.manner"] = "visit"
    return cells


def _finish(session: Session, batch_id: int) -> list[tuple[str, int, int]]:
    link_batch(session, batch_id=batch_id)
    found = mark_duplicate_pages(session, batch_id=batch_id)
    return [(d.kind, d.page_id, d.original_page_id) for d in found]


def test_the_same_card_code_again_goes_to_review_with_a_note(session: Session) -> None:
    scans = Scans(session)
    add_roster(session)
    first = scans.page("service_card", {**service_card(), **_rows("3月1日")}, card_code=CODE)
    assert _finish(session, scans.batch_id) == []
    later = scans.new_batch()
    again = scans.page("service_card", service_card(), card_code=CODE)
    assert _finish(session, later) == [("same_card", again.id, first.id)]
    assert again.status == PageStatus.needs_review
    assert again.notes[-1] == f"possible_duplicate:{first.id}"
    assert first.notes == []
    # Finishing again (a resumed batch) marks nothing twice.
    assert _finish(session, later) == [("same_card", again.id, first.id)]
    assert again.notes.count(f"possible_duplicate:{first.id}") == 1


def test_a_rescan_by_member_contact_and_rows(session: Session) -> None:
    scans = Scans(session)
    add_roster(session)
    scans.page("registration", registration())
    october = scans.page("service_card", {**service_card(), **_rows("3月1日", "5月2日")})
    other_contact = scans.page("service_card", {**service_card(contact="刘洋"), **_rows("3月1日")})
    _finish(session, scans.batch_id)
    assert (october.member_id, october.contact_no) == (other_contact.member_id, 2)
    assert other_contact.contact_no == 3 and other_contact.notes == []
    december = scans.new_batch()
    more_rows = scans.page(
        "service_card", {**service_card(), **_rows("3月1日", "5月2日", "9月9日")}
    )
    new_rows = scans.page("service_card", {**service_card(), **_rows("10月1日")})
    assert _finish(session, december) == [("same_card", more_rows.id, october.id)]
    assert new_rows.notes == [] and new_rows.status == PageStatus.needs_review


def test_a_rejected_scan_may_be_scanned_again(session: Session) -> None:
    scans = Scans(session)
    scans.page("service_card", service_card(), card_code=CODE, status=PageStatus.rejected)
    later = scans.new_batch()
    scans.page("service_card", service_card(), card_code=CODE)
    assert _finish(session, later) == []


def _page_at(session: Session, scans: Scans, page_no: int, image: np.ndarray) -> Page:
    page = crud.record_page(
        session,
        batch_id=scans.batch_id,
        file_id=scans.file_id,
        page_no=page_no,
        status=PageStatus.needs_review,
        form="service_card",
        rotation=0,
        image_path=None,
        width=100,
        height=100,
        transform=None,
        notes=(),
        error=None,
        boxes={"member_name": (0, 0, 10, 10)},
        readings={"member_name": reading("member_name", f"名{page_no}")},
    )
    page.image_hash = page_signature(image)
    session.add(page)
    session.flush()
    return page


@pytest.mark.parametrize("stored_first", [1, 2])
def test_the_same_image_is_a_duplicate_of_the_earlier_page_whatever_came_first(
    session: Session, stored_first: int
) -> None:
    """Workers finish pages in any order; page 2 repeats page 1 either way."""
    scans = Scans(session)
    sheet = _handwritten(5)
    images = {1: sheet, 2: _rescanned(sheet), 3: _handwritten(6)}
    order = [stored_first, 3 - stored_first, 3]
    pages = {n: _page_at(session, scans, n, images[n]) for n in order}
    found = _finish(session, scans.batch_id)
    assert found == [("same_page", pages[2].id, pages[1].id)]
    assert pages[2].status == PageStatus.duplicate
    assert pages[2].notes == [f"duplicate_page:{pages[1].id}"]
    assert pages[1].status == pages[3].status == PageStatus.needs_review


def test_a_page_a_person_has_confirmed_is_never_marked(session: Session) -> None:
    scans = Scans(session)
    sheet = _handwritten(8)
    first = _page_at(session, scans, 1, sheet)
    second = _page_at(session, scans, 2, sheet)
    second.status = PageStatus.confirmed
    assert _finish(session, scans.batch_id) == []
    assert first.status == PageStatus.needs_review and second.status == PageStatus.confirmed
