"""The field grid's order: uncertain cells likeliest mistake first across the classes a kind
holds (a form R's contact names are calibrated apart from the names a card snaps to the
roster), as the document page orders them; then the least confident of the others."""

from __future__ import annotations

from sqlmodel import Session, select

from forms.spec import review_class
from ocr.confidence import doubt
from records.models import Field
from review_ui.worklist import field_cells
from tests.records.linking_data import Scans, registration, service_card


def test_the_name_grid_puts_the_likeliest_mistake_first_whatever_its_class(
    session: Session,
) -> None:
    scans = Scans(session)
    form_r = scans.page("registration", registration())
    card = scans.page("service_card", service_card())
    set_to = {  # (page, key) → (confidence, uncertain)
        (card.id, "member_name"): (0.30, True),  # a card's name: snapped to the roster
        (form_r.id, "contacts.2.name"): (0.90, True),  # a form R's: nothing to snap to
        (form_r.id, "contacts.1.name"): (0.92, True),
        (card.id, "contact_name"): (0.97, False),
        (form_r.id, "member_name"): (0.96, False),
    }
    for field in session.exec(select(Field)).all():
        confidence, uncertain = set_to.get((field.page_id, field.key), (0.999, False))
        field.confidence, field.needs_review = confidence, uncertain
    session.commit()
    # The shipped calibration: a form R contact name at 0.90 is likelier wrong than a
    # card's name at 0.30, which the roster vouches for.
    assert doubt(review_class("contacts.2.name"), 0.90) > doubt(review_class("member_name"), 0.3)

    def shown(offset: int, limit: int) -> list[tuple[int | None, str]]:
        cells, total = field_cells(
            session,
            kind="name",
            scope=None,
            batch_id=None,
            order="uncertain",
            include_blank=False,
            offset=offset,
            limit=limit,
        )
        assert total == 6  # every name of both pages: a card's two, the form R's four
        return [(c.page_id, c.key) for c in cells]

    expected = [
        (form_r.id, "contacts.2.name"),  # same doubt as the next one: the less sure first
        (form_r.id, "contacts.1.name"),
        (card.id, "member_name"),
        (form_r.id, "member_name"),  # then the sure ones, least sure first
        (card.id, "contact_name"),
        (form_r.id, "contacts.3.name"),
    ]
    assert shown(0, 6) == expected
    assert shown(2, 2) == expected[2:4]  # a page of the grid across the two parts
