"""The tally as the API and the JSON export show it (pydantic models, labels included)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from records.assessment_rules import AssessmentRules
from records.tally_model import (
    CardState,
    ContactTally,
    CountedRow,
    GroupTally,
    MemberStatus,
    MemberTally,
    YearTally,
)


class RulesPublic(BaseModel):
    """The assessment rules a tally used; `version` names them in every report."""

    year: int
    version: str
    source: str = Field(description="`policy` (the defaults) or the rules file's name")
    min_contacts: int
    max_contacts: int
    min_visits_per_contact: int
    registration_deadline: date
    card_deadline: date
    late_registration_fails: bool
    late_card_fails: bool

    @classmethod
    def of(cls, rules: AssessmentRules) -> RulesPublic:
        return cls.model_validate(rules_dict(rules))


class CountedRowPublic(BaseModel):
    """A written row of the counted card; `counted` when dated inside the year."""

    page_id: int
    row_no: int
    date: date | None
    manner: str | None
    counted: bool

    @classmethod
    def of(cls, row: CountedRow) -> CountedRowPublic:
        return cls.model_validate(row_dict(row))


class ContactTallyPublic(BaseModel):
    """One contact: card state (in / missing / in_review), counts and the cards behind them."""

    contact_no: int
    name: str | None
    phone: str | None = Field(description="masked for roles without personal data")
    registered: bool = Field(description="listed on the member's confirmed form R")
    state: CardState
    state_label: str
    visits: int
    phone_calls: int
    other: int
    uncounted_rows: int
    meets_visits: bool
    counted_page_id: int | None
    duplicate_page_ids: list[int]
    in_review_page_ids: list[int]
    received: date | None
    late: bool
    visit_months: list[int]
    rows: list[CountedRowPublic]

    @classmethod
    def of(cls, c: ContactTally) -> ContactTallyPublic:
        return cls.model_validate(contact_dict(c))


class MemberSummaryPublic(BaseModel):
    """One member's numbers and assessment (without the per-contact detail)."""

    member_id: int
    code: str
    name: str
    sector: str | None
    committee: str | None
    standing: bool
    status: MemberStatus
    status_label: str = Field(description="达标 / 未达标 / 待审核")
    reasons: list[str] = Field(description="why 未达标, or what is still 待审核")
    shortfalls: list[str] = Field(description="what confirmed data falls short in already")
    contacts_registered: int
    contacts_met: int
    total_visits: int
    total_phone_calls: int
    total_other: int
    cards_in: int
    cards_missing: int
    cards_in_review: int
    registration_page_id: int | None
    registration_received: date | None
    registration_late: bool
    registration_in_review: list[int]
    duplicate_page_ids: list[int]
    unassigned_page_ids: list[int]
    unassigned_in_review: list[int]
    notes: list[str]
    page_ids: list[int] = Field(description="every page behind these numbers")

    @classmethod
    def of(cls, m: MemberTally) -> MemberSummaryPublic:
        return cls.model_validate(member_dict(m, contacts=False))


class MemberTallyPublic(MemberSummaryPublic):
    """One member with every contact's card and rows (the drill-down)."""

    contacts: list[ContactTallyPublic]

    @classmethod
    def of(cls, m: MemberTally) -> MemberTallyPublic:
        return cls.model_validate(member_dict(m))


class GroupTallyPublic(BaseModel):
    """A sector, committee, the standing committee, or everyone: summed member numbers."""

    kind: str
    key: str
    members: int
    met: int
    not_met: int
    pending: int
    share_met: float
    contacts_registered: int
    contacts_met: int
    total_visits: int
    cards_in: int
    cards_missing: int
    cards_in_review: int
    member_ids: list[int]

    @classmethod
    def of(cls, g: GroupTally) -> GroupTallyPublic:
        return cls.model_validate(group_dict(g))


class TallyOverview(BaseModel):
    """The year at a glance: rules, groups, visits by month, forms nobody is linked to."""

    year: int
    rules: RulesPublic
    generated_at: datetime
    committee: str | None
    overall: GroupTallyPublic
    standing: GroupTallyPublic
    by_sector: list[GroupTallyPublic]
    by_committee: list[GroupTallyPublic]
    visits_by_month: list[int] = Field(description="12 counts, January first")
    unlinked_in_review: list[int] = Field(description="forms in review linked to nobody yet")

    @classmethod
    def of(cls, t: YearTally) -> TallyOverview:
        return cls.model_validate(overview_dict(t))


class YearTallyPublic(TallyOverview):
    """Everything: the overview and every member with their contacts (the JSON export)."""

    members: list[MemberTallyPublic]

    @classmethod
    def of(cls, t: YearTally) -> YearTallyPublic:
        return cls.model_validate(year_dict(t))


# --- the same shapes as plain dicts (what the JSON export dumps without model overhead) -----


def rules_dict(rules: AssessmentRules) -> dict[str, Any]:
    return {
        "year": rules.year,
        "version": rules.version,
        "source": rules.source,
        "min_contacts": rules.min_contacts,
        "max_contacts": rules.max_contacts,
        "min_visits_per_contact": rules.min_visits_per_contact,
        "registration_deadline": rules.registration_due,
        "card_deadline": rules.card_due,
        "late_registration_fails": rules.late_registration_fails,
        "late_card_fails": rules.late_card_fails,
    }


def row_dict(row: CountedRow) -> dict[str, Any]:
    return {
        "page_id": row.page_id,
        "row_no": row.row_no,
        "date": row.date,
        "manner": row.manner,
        "counted": row.counted,
    }


def contact_dict(c: ContactTally) -> dict[str, Any]:
    return {
        "contact_no": c.contact_no,
        "name": c.name,
        "phone": c.phone,
        "registered": c.registered,
        "state": c.state,
        "state_label": c.state.label,
        "visits": c.visits,
        "phone_calls": c.phone_calls,
        "other": c.other,
        "uncounted_rows": c.uncounted_rows,
        "meets_visits": c.meets_visits,
        "counted_page_id": c.counted_page_id,
        "duplicate_page_ids": list(c.duplicate_page_ids),
        "in_review_page_ids": list(c.in_review_page_ids),
        "received": c.received,
        "late": c.late,
        "visit_months": list(c.visit_months),
        "rows": [row_dict(r) for r in c.rows],
    }


def member_dict(m: MemberTally, *, contacts: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "member_id": m.member_id,
        "code": m.code,
        "name": m.name,
        "sector": m.sector,
        "committee": m.committee,
        "standing": m.standing,
        "status": m.status,
        "status_label": m.status.label,
        "reasons": list(m.reasons),
        "shortfalls": list(m.shortfalls),
        "contacts_registered": m.contacts_registered,
        "contacts_met": m.contacts_met,
        "total_visits": m.total_visits,
        "total_phone_calls": m.total_phone_calls,
        "total_other": m.total_other,
        "cards_in": m.cards_in,
        "cards_missing": m.cards_missing,
        "cards_in_review": m.cards_in_review,
        "registration_page_id": m.registration_page_id,
        "registration_received": m.registration_received,
        "registration_late": m.registration_late,
        "registration_in_review": list(m.registration_in_review),
        "duplicate_page_ids": list(m.duplicate_page_ids),
        "unassigned_page_ids": list(m.unassigned_page_ids),
        "unassigned_in_review": list(m.unassigned_in_review),
        "notes": list(m.notes),
        "page_ids": list(m.page_ids),
    }
    if contacts:
        out["contacts"] = [contact_dict(c) for c in m.contacts]
    return out


def group_dict(g: GroupTally) -> dict[str, Any]:
    return {
        "kind": g.kind,
        "key": g.key,
        "members": g.members,
        "met": g.met,
        "not_met": g.not_met,
        "pending": g.pending,
        "share_met": round(g.share_met, 4),
        "contacts_registered": g.contacts_registered,
        "contacts_met": g.contacts_met,
        "total_visits": g.total_visits,
        "cards_in": g.cards_in,
        "cards_missing": g.cards_missing,
        "cards_in_review": g.cards_in_review,
        "member_ids": list(g.member_ids),
    }


def overview_dict(t: YearTally) -> dict[str, Any]:
    return {
        "year": t.year,
        "rules": rules_dict(t.rules),
        "generated_at": t.generated_at,
        "committee": t.committee,
        "overall": group_dict(t.overall),
        "standing": group_dict(t.standing),
        "by_sector": [group_dict(g) for g in t.by_sector],
        "by_committee": [group_dict(g) for g in t.by_committee],
        "visits_by_month": list(t.visits_by_month),
        "unlinked_in_review": list(t.unlinked_in_review),
    }


def year_dict(t: YearTally) -> dict[str, Any]:
    """The whole tally in the shape of `YearTallyPublic`."""
    return {**overview_dict(t), "members": [member_dict(m) for m in t.members]}


class ContactCompleteness(BaseModel):
    """Whether one contact's card is in, missing or in review, and the pages to open."""

    contact_no: int
    name: str | None
    phone: str | None
    state: CardState
    state_label: str
    page_ids: list[int]


class MemberCompleteness(BaseModel):
    """Which of a member's registered contacts' cards are in, missing or in review."""

    member_id: int
    code: str
    name: str
    committee: str | None
    status: MemberStatus
    status_label: str
    cards_in: int
    cards_missing: int
    cards_in_review: int
    contacts: list[ContactCompleteness]

    @classmethod
    def of(cls, m: MemberTally) -> MemberCompleteness:
        return cls(
            member_id=m.member_id,
            code=m.code,
            name=m.name,
            committee=m.committee,
            status=m.status,
            status_label=m.status.label,
            cards_in=m.cards_in,
            cards_missing=m.cards_missing,
            cards_in_review=m.cards_in_review,
            contacts=[
                ContactCompleteness(
                    contact_no=c.contact_no,
                    name=c.name,
                    phone=c.phone,
                    state=c.state,
                    state_label=c.state.label,
                    page_ids=list(c.card_page_ids),
                )
                for c in m.contacts
                if c.registered
            ],
        )
