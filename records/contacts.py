"""A member's contacts (联系对象), as their confirmed registration table (form R) lists them.

One row per member and contact number (1–6, as on the form). The rows always mirror the
member's latest *confirmed* form R: confirming one writes them (updating rows in place, so
a reopened and reconfirmed form never doubles them), and reopening or rejecting it brings
them back to the member's other confirmed form R, or removes them when none is left.
`received_date` is the day the form reached the office: its batch's received date, set by
the clerk, else the day the batch was scanned.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlmodel as sm
from sqlalchemy import UniqueConstraint
from sqlmodel import Session, col, select

from forms.spec import R_CONTACT_ROWS
from records.models import Batch, Field, Page, PageStatus, utcnow

CONTACT_PARTS = ("name", "phone", "address")


class ContactBase(sm.SQLModel):
    member_id: int = sm.Field(foreign_key="member.id", index=True)
    contact_no: int  # 1–6, the row of form R
    name: str | None = None  # None only once retention has cleared it
    phone: str | None = None
    address: str | None = None
    received_date: date | None = None


class Contact(ContactBase, table=True):
    """A contact registered on a confirmed form R (the tally's "contacts registered")."""

    __table_args__ = (UniqueConstraint("member_id", "contact_no", name="uq_contact_member_no"),)

    id: int | None = sm.Field(default=None, primary_key=True)
    page_id: int = sm.Field(foreign_key="page.id", index=True)  # the form R it came from
    created_at: datetime = sm.Field(default_factory=utcnow)
    updated_at: datetime = sm.Field(default_factory=utcnow)


class ContactPublic(ContactBase):
    id: int
    page_id: int
    updated_at: datetime


def received_date(batch: Batch) -> date:
    """The day a batch's forms reached the office: as the clerk set it, else its scan day."""
    return batch.received_date or batch.created_at.date()


def latest_confirmed_registration(session: Session, member_id: int) -> Page | None:
    """The member's confirmed form R that counts for contacts (the newest one)."""
    return session.exec(
        select(Page)
        .where(
            col(Page.member_id) == member_id,
            col(Page.form) == "registration",
            col(Page.status) == PageStatus.confirmed,
        )
        .order_by(col(Page.id).desc())
    ).first()


def sync_member_contacts(session: Session, member_id: int) -> list[Contact]:
    """Make the member's contact rows equal to their latest confirmed form R; returns them."""
    form = latest_confirmed_registration(session, member_id)
    existing = {
        c.contact_no: c
        for c in session.exec(select(Contact).where(col(Contact.member_id) == member_id))
    }
    wanted: dict[int, dict[str, str | None]] = {}
    received: date | None = None
    if form is not None:
        batch = session.get(Batch, form.batch_id)
        received = received_date(batch) if batch is not None else None
        query = select(Field).where(Field.page_id == form.id)
        fields = {f.key: f.value for f in session.exec(query)}
        for no in range(1, R_CONTACT_ROWS + 1):
            values = {p: _text(fields.get(f"contacts.{no}.{p}")) for p in CONTACT_PARTS}
            if values["name"]:
                wanted[no] = values
    for no, row in existing.items():
        if no not in wanted:
            session.delete(row)
    out = []
    for no, values in sorted(wanted.items()):
        assert form is not None and form.id is not None
        row = existing.get(no) or Contact(member_id=member_id, contact_no=no, page_id=form.id)
        now = (values["name"], values["phone"], values["address"], form.id, received)
        if row.id is None or now != (
            row.name,
            row.phone,
            row.address,
            row.page_id,
            row.received_date,
        ):
            row.name, row.phone, row.address = values["name"], values["phone"], values["address"]
            row.page_id, row.received_date = form.id, received
            row.updated_at = utcnow()
            session.add(row)
        out.append(row)
    session.flush()
    return out


def clear_personal_data(session: Session, page_ids: set[int]) -> int:
    """Retention: contacts read from these (old) forms lose name, phone and address; the
    rows stay, since the tally counts them. Returns the rows cleared."""
    if not page_ids:
        return 0
    rows = session.exec(
        select(Contact).where(col(Contact.page_id).in_(page_ids), col(Contact.name).is_not(None))
    ).all()
    for row in rows:
        row.name, row.phone, row.address, row.updated_at = None, None, None, utcnow()
        session.add(row)
    return len(rows)


def on_page_status_changed(session: Session, page: Page) -> None:
    """After a form R is confirmed, reopened or rejected: its member's contacts follow."""
    if page.form == "registration" and page.member_id is not None:
        sync_member_contacts(session, page.member_id)


def member_contacts(session: Session, member_id: int) -> list[Contact]:
    """The member's contact rows, by number."""
    rows = session.exec(
        select(Contact).where(col(Contact.member_id) == member_id).order_by(col(Contact.contact_no))
    )
    return list(rows.all())


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def sync_contacts_of_batch(session: Session, batch_id: int) -> int:
    """After a batch's received date changed: contacts read from its forms R follow.
    Returns the members synced."""
    members = session.exec(
        select(Page.member_id).where(
            col(Page.batch_id) == batch_id,
            col(Page.form) == "registration",
            col(Page.status) == PageStatus.confirmed,
            col(Page.member_id).is_not(None),
        )
    ).all()
    done = sorted({m for m in members if m is not None})
    for member_id in done:
        sync_member_contacts(session, member_id)
    return len(done)
