"""Loading one year's records for the tally: five queries, whatever the number of members.

Only what the tally reads is selected (columns, not whole rows), and only the date and
manner cells of confirmed service cards, so 300 members × 6 cards load in a fraction of a
second on SQLite.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import String, or_, type_coerce
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from forms.spec import S_RECORD_ROWS
from records.contacts import Contact
from records.models import Batch, Field, Member, Page, PageStatus
from records.tally_records import (
    ContactRecord,
    MemberRecord,
    PageRecord,
    RowRecord,
    YearRecords,
)

FORMS = ("registration", "service_card")
COUNTED_STATUSES = (PageStatus.confirmed, PageStatus.needs_review)
ROW_CELLS = {
    f"rows.{no}.{part}": 2 * (no - 1) + i
    for no in range(1, S_RECORD_ROWS + 1)
    for i, part in enumerate(("date", "manner"))
}
"""The cells of a card the tally reads, and their slot in a card's list of values."""


def load_year_records(session: Session, year: int, *, committee: str | None = None) -> YearRecords:
    """The roster of ``year`` (of ``committee`` only, if given), their contacts, their forms
    confirmed or in review, and the record rows of their confirmed cards."""
    member_filter: list[Any] = [col(Member.year) == year]
    if committee is not None:
        member_filter.append(col(Member.committee) == committee)
    members = tuple(
        MemberRecord(id=i, code=code, name=name, sector=sector, committee=comm, standing=standing)
        for i, code, name, sector, comm, standing in session.execute(
            select_columns(
                col(Member.id),
                col(Member.code),
                col(Member.name),
                col(Member.sector),
                col(Member.committee),
                col(Member.standing),
            ).where(*member_filter)
        )
    )
    page_filter: list[Any] = [
        *member_filter,
        col(Page.form).in_(FORMS),
        or_(col(Page.year) == year, col(Page.year).is_(None)),
    ]
    rows = _rows_of_confirmed_cards(session, page_filter)
    pages = tuple(
        PageRecord(
            page_id=page_id,
            member_id=member_id,
            form=form,
            confirmed=status == PageStatus.confirmed,
            received=received or _day(created),
            contact_no=contact_no,
            rows=rows.get(page_id, ()),
        )
        for page_id, member_id, form, status, contact_no, received, created in session.execute(
            select_columns(
                col(Page.id),
                col(Page.member_id),
                col(Page.form),
                col(Page.status),
                col(Page.contact_no),
                col(Batch.received_date),
                col(Batch.created_at),
            )
            .join(Member, col(Page.member_id) == col(Member.id))
            .join(Batch, col(Page.batch_id) == col(Batch.id))
            .where(*page_filter, col(Page.status).in_(COUNTED_STATUSES))
            .order_by(col(Page.id))
        )
    )
    contacts = tuple(
        ContactRecord(member_id=member_id, contact_no=no, name=name, phone=phone)
        for member_id, no, name, phone in session.exec(
            select(Contact.member_id, Contact.contact_no, Contact.name, Contact.phone)
            .join(Member, col(Contact.member_id) == col(Member.id))
            .join(Page, col(Contact.page_id) == col(Page.id))
            .where(*member_filter, col(Page.status) == PageStatus.confirmed)
            .order_by(col(Contact.member_id), col(Contact.contact_no))
        )
    )
    return YearRecords(
        year=year,
        members=members,
        contacts=contacts,
        pages=pages,
        unlinked_in_review=_unlinked_in_review(session, year, committee),
    )


def _rows_of_confirmed_cards(
    session: Session, page_filter: list[Any]
) -> dict[int, tuple[RowRecord, ...]]:
    """Date and manner of every record row of the confirmed cards, by page."""
    # Few objects per cell: with tens of thousands of cells, allocations (and the garbage
    # collector they wake) cost more than the query.
    cells: dict[int, list[Any]] = {}
    query = (
        select_columns(col(Field.page_id), col(Field.key), type_coerce(Field.value, String))
        .join(Page, col(Field.page_id) == col(Page.id))
        .join(Member, col(Page.member_id) == col(Member.id))
        .where(
            *page_filter,
            col(Page.form) == "service_card",
            col(Page.status) == PageStatus.confirmed,
            col(Field.key).in_(ROW_CELLS),
        )
    )
    blank = [None] * (2 * S_RECORD_ROWS)
    for page_id, key, value in session.connection().execute(query).all():
        slots = cells.get(page_id)
        if slots is None:
            slots = cells[page_id] = blank.copy()
        slots[ROW_CELLS[key]] = _json_text(value)
    return {
        page_id: tuple(
            RowRecord(row_no=no, date=_date(slots[2 * no - 2]), manner=_manner(slots[2 * no - 1]))
            for no in range(1, S_RECORD_ROWS + 1)
            if slots[2 * no - 2] is not None or slots[2 * no - 1] is not None
        )
        for page_id, slots in cells.items()
    }


def _unlinked_in_review(session: Session, year: int, committee: str | None) -> tuple[int, ...]:
    """Forms in review of this year (or of no known year) that no member is linked to."""
    query = select(Page.id).where(
        col(Page.member_id).is_(None),
        col(Page.form).in_(FORMS),
        col(Page.status) == PageStatus.needs_review,
        or_(col(Page.year) == year, col(Page.year).is_(None)),
    )
    if committee is not None:
        query = query.where(col(Page.committee) == committee)
    return tuple(i for i in session.exec(query.order_by(col(Page.id))) if i is not None)


def _json_text(value: Any) -> Any:
    """A date or manner cell as text. The JSON is read undecoded (decoding 30 000 cells
    costs more than the query): SQLite hands over the JSON text (`"visit"`), PostgreSQL's
    driver the decoded value; dates and manners never hold quotes or escapes."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _manner(value: Any) -> str | None:
    return value if value in ("visit", "phone", "other") else None


def _day(created: datetime) -> date:
    return created.date()
