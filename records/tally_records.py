"""What the tally reads: plain records of one year, loaded from the database at the edge.

`records/tally_query.py` fills a `YearRecords` with few queries; `records/tally.py`
computes over it without touching the database, so rules are tested on hand-built records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class MemberRecord:
    """A member on the year's roster."""

    id: int
    code: str
    name: str
    sector: str | None = None
    committee: str | None = None
    standing: bool = False


@dataclass(frozen=True)
class ContactRecord:
    """A contact from the member's confirmed form R (the `contact` table)."""

    member_id: int
    contact_no: int
    name: str | None
    phone: str | None = None


@dataclass(frozen=True)
class RowRecord:
    """One record row of a service card: its date and manner (visit | phone | other)."""

    row_no: int
    date: date | None
    manner: str | None


@dataclass(frozen=True)
class PageRecord:
    """A form R or service card linked to a member, confirmed or still in review.

    ``received`` is the day its batch reached the office (the batch's received date, else
    the day the batch was scanned). ``rows`` are read for confirmed cards only.
    """

    page_id: int
    member_id: int
    form: str  # registration | service_card
    confirmed: bool
    received: date
    contact_no: int | None = None
    rows: tuple[RowRecord, ...] = ()


@dataclass(frozen=True)
class YearRecords:
    """Everything the tally of one year needs."""

    year: int
    members: tuple[MemberRecord, ...]
    contacts: tuple[ContactRecord, ...] = ()
    pages: tuple[PageRecord, ...] = ()
    # Forms of the year in review that no member is linked to yet (they may be anyone's).
    unlinked_in_review: tuple[int, ...] = field(default=())
