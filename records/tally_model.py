"""The results of the tally (see `records/tally.py` for the interface they belong to)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from records.assessment_rules import AssessmentRules


class MemberStatus(StrEnum):
    met = "met"
    not_met = "not_met"
    pending = "pending"

    @property
    def label(self) -> str:
        return {"met": "达标", "not_met": "未达标", "pending": "待审核"}[self.value]


class CardState(StrEnum):
    received = "in"
    missing = "missing"
    in_review = "in_review"

    @property
    def label(self) -> str:
        return {"in": "已收到", "missing": "未收到", "in_review": "审核中"}[self.value]


@dataclass(frozen=True)
class CountedRow:
    """One written row of a counted card, and whether it counts in the year."""

    page_id: int
    row_no: int
    date: date | None
    manner: str | None
    counted: bool


@dataclass(frozen=True)
class ContactTally:
    """One contact of a member: their card's state and what it records."""

    contact_no: int
    name: str | None
    phone: str | None
    registered: bool
    state: CardState
    visits: int = 0
    phone_calls: int = 0
    other: int = 0
    uncounted_rows: int = 0
    meets_visits: bool = False
    counted_page_id: int | None = None
    duplicate_page_ids: tuple[int, ...] = ()
    in_review_page_ids: tuple[int, ...] = ()
    received: date | None = None
    late: bool = False
    visit_months: tuple[int, ...] = ()
    rows: tuple[CountedRow, ...] = ()

    @property
    def card_page_ids(self) -> tuple[int, ...]:
        """Every card of this contact: the counted one, duplicates, those in review."""
        counted = () if self.counted_page_id is None else (self.counted_page_id,)
        return counted + self.duplicate_page_ids + self.in_review_page_ids


@dataclass(frozen=True)
class MemberTally:
    """One member's year: contacts, visits, completeness and assessment."""

    member_id: int
    code: str
    name: str
    sector: str | None
    committee: str | None
    standing: bool
    status: MemberStatus
    reasons: tuple[str, ...]
    shortfalls: tuple[str, ...]
    contacts: tuple[ContactTally, ...]
    contacts_registered: int
    contacts_met: int
    total_visits: int
    total_phone_calls: int
    total_other: int
    cards_in: int
    cards_missing: int
    cards_in_review: int
    registration_page_id: int | None = None
    registration_received: date | None = None
    registration_late: bool = False
    registration_in_review: tuple[int, ...] = ()
    duplicate_page_ids: tuple[int, ...] = ()
    unassigned_page_ids: tuple[int, ...] = ()  # confirmed cards linked to no contact
    unassigned_in_review: tuple[int, ...] = ()  # cards in review linked to no contact yet
    notes: tuple[str, ...] = ()

    @property
    def page_ids(self) -> tuple[int, ...]:
        """Every page behind this member's numbers, form R first."""
        reg = () if self.registration_page_id is None else (self.registration_page_id,)
        cards = tuple(p for c in self.contacts for p in c.card_page_ids)
        return (
            reg
            + self.registration_in_review
            + cards
            + self.unassigned_page_ids
            + (self.unassigned_in_review)
        )

    def contact(self, contact_no: int) -> ContactTally | None:
        return next((c for c in self.contacts if c.contact_no == contact_no), None)


@dataclass(frozen=True)
class GroupTally:
    """A group of members (a sector, a committee, the standing committee, everyone)."""

    kind: str  # sector | committee | standing | all
    key: str
    members: int = 0
    met: int = 0
    not_met: int = 0
    pending: int = 0
    contacts_registered: int = 0
    contacts_met: int = 0
    total_visits: int = 0
    cards_in: int = 0
    cards_missing: int = 0
    cards_in_review: int = 0
    member_ids: tuple[int, ...] = ()

    @property
    def share_met(self) -> float:
        """Met among members (0 when the group is empty)."""
        return self.met / self.members if self.members else 0.0


@dataclass(frozen=True)
class YearTally:
    """The whole year: every member, the groups, and the rules they were assessed by."""

    year: int
    rules: AssessmentRules
    generated_at: datetime
    members: tuple[MemberTally, ...]
    by_sector: tuple[GroupTally, ...]
    by_committee: tuple[GroupTally, ...]
    standing: GroupTally
    overall: GroupTally
    visits_by_month: tuple[int, ...]
    unlinked_in_review: tuple[int, ...] = ()
    committee: str | None = None

    def member(self, member_id: int) -> MemberTally | None:
        return next((m for m in self.members if m.member_id == member_id), None)
