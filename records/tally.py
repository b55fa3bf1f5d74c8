"""The visit tally and annual assessment of one year, from confirmed records only.

Interface (stable; the report screens, the API and the exports read these):

- ``tally_year(session, year, *, committee=None, rules=None, rules_dir=None) -> YearTally``
  loads the year's records (`records/tally_query.py`, a handful of queries) and computes.
- ``compute_tally(records: YearRecords, rules: AssessmentRules, *, committee=None,
  generated_at=None) -> YearTally`` is the pure computation over plain records
  (`records/tally_records.py`), for tests and benchmarks.
- ``YearTally``: ``year``, ``rules`` (`records/assessment_rules.AssessmentRules`, with its
  ``version``), ``generated_at``, ``committee`` (the filter, if any), ``members``
  (`MemberTally`, by code), ``by_sector`` / ``by_committee`` (`GroupTally`, in vocabulary
  order), ``standing`` (the standing-committee members as one group), ``overall``,
  ``visits_by_month`` (12 counts, January first), ``unlinked_in_review`` (page ids of
  forms in review that no member is linked to yet); ``member(member_id)``.
- ``MemberTally``: roster data, ``registration_page_id`` / ``registration_received`` /
  ``registration_late`` / ``registration_in_review``, ``contacts`` (`ContactTally`, by
  number), ``contacts_registered``, ``contacts_met`` (registered contacts with enough
  visits), ``total_visits`` / ``total_phone_calls`` / ``total_other``, ``cards_in`` /
  ``cards_missing`` / ``cards_in_review`` (completeness), ``status`` (`MemberStatus`),
  ``reasons`` (Chinese: why 未达标, or what is still 待审核), ``shortfalls`` (what the
  confirmed data already falls short in, whatever the status), ``notes`` (duplicates, cards
  without a contact, cards of unregistered contacts), ``duplicate_page_ids``,
  ``unassigned_page_ids``, ``page_ids`` (every page behind the numbers).
- ``ContactTally``: ``contact_no``, ``name``, ``phone``, ``registered`` (on the confirmed
  form R), ``state`` (`CardState`: in / missing / in_review), ``visits`` /
  ``phone_calls`` / ``other`` (rows dated inside the year), ``uncounted_rows`` (marked
  rows dated outside the year or undated), ``meets_visits``, ``counted_page_id`` (the card
  counted), ``duplicate_page_ids`` (further confirmed cards, not counted),
  ``in_review_page_ids``, ``received`` / ``late``, ``visit_months``, ``rows``
  (`CountedRow`: page id, row number, date, manner, counted), ``card_page_ids``.
- ``MemberStatus`` (met 达标 / not_met 未达标 / pending 待审核) and ``CardState`` (in 已收到 /
  missing 未收到 / in_review 审核中) carry their Chinese ``label``.
- ``masked(tally)``: phones starred for roles without personal data; ``group_tally(kind,
  key, members)``: any set of members summed like a group.

The result types live in `records/tally_model.py` and are re-exported here; the API and
JSON shapes of them are in `records/tally_public.py`, the files in `records/tally_export.py`.

Nothing is stored: every call recomputes from the records, so a correction counts at once.
A member with any form still in review is pending, never failing because review is behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from forms.vocabulary import COMMITTEES, SECTORS
from records.assessment_rules import AssessmentRules, load_rules
from records.gc_pause import gc_paused
from records.privacy import mask_phone
from records.tally_model import (
    CardState,
    ContactTally,
    CountedRow,
    GroupTally,
    MemberStatus,
    MemberTally,
    YearTally,
)
from records.tally_records import ContactRecord, MemberRecord, PageRecord, YearRecords

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = [
    "CardState",
    "ContactTally",
    "CountedRow",
    "GroupTally",
    "MemberStatus",
    "MemberTally",
    "YearTally",
    "compute_tally",
    "group_tally",
    "masked",
    "tally_year",
]

STANDING_GROUP = "常委"
NO_GROUP = "（未填）"


# --- computation ---------------------------------------------------------------------------


def compute_tally(
    records: YearRecords,
    rules: AssessmentRules,
    *,
    committee: str | None = None,
    generated_at: datetime | None = None,
) -> YearTally:
    """Tally and assess every member of ``records`` (of ``committee`` only, if given)."""
    contacts: dict[int, list[ContactRecord]] = defaultdict(list)
    for contact in records.contacts:
        contacts[contact.member_id].append(contact)
    pages: dict[int, list[PageRecord]] = defaultdict(list)
    for page in records.pages:
        pages[page.member_id].append(page)
    chosen = [m for m in records.members if committee is None or m.committee == committee]
    members = tuple(
        member_tally(m, contacts.get(m.id, []), pages.get(m.id, []), rules, records.year)
        for m in sorted(chosen, key=lambda m: (m.code, m.id))
    )
    months = [0] * 12
    for m in members:
        for c in m.contacts:
            for month in c.visit_months:
                months[month - 1] += 1
    standing = [m for m in members if m.standing]
    return YearTally(
        year=records.year,
        rules=rules,
        generated_at=generated_at or datetime.now(UTC),
        members=members,
        by_sector=_groups(members, "sector", list(SECTORS)),
        by_committee=_groups(members, "committee", list(COMMITTEES)),
        standing=group_tally("standing", STANDING_GROUP, standing),
        overall=group_tally("all", "全部", members),
        visits_by_month=tuple(months),
        unlinked_in_review=tuple(sorted(records.unlinked_in_review)),
        committee=committee,
    )


def member_tally(
    member: MemberRecord,
    contacts: Sequence[ContactRecord],
    pages: Sequence[PageRecord],
    rules: AssessmentRules,
    year: int,
) -> MemberTally:
    """One member's tally from their contacts and their linked forms."""
    first = _arrival_order
    regs = sorted((p for p in pages if p.form == "registration" and p.confirmed), key=first)
    reg_review = tuple(
        sorted(p.page_id for p in pages if p.form == "registration" and not p.confirmed)
    )
    cards = [p for p in pages if p.form == "service_card"]
    registered = {c.contact_no: c for c in contacts}
    numbers = sorted(set(registered) | {c.contact_no for c in cards if c.contact_no is not None})
    tallies = tuple(
        contact_tally(no, registered.get(no), [c for c in cards if c.contact_no == no], rules, year)
        for no in numbers
    )
    unassigned = tuple(sorted(c.page_id for c in cards if c.contact_no is None and c.confirmed))
    unassigned_review = tuple(
        sorted(c.page_id for c in cards if c.contact_no is None and not c.confirmed)
    )
    reg = regs[0] if regs else None
    reg_late = reg is not None and reg.received > rules.registration_due
    mine = [c for c in tallies if c.registered]
    shortfalls = _shortfalls(reg, reg_late, mine, rules)
    waiting = _in_review(reg_review, tallies, unassigned_review)
    if waiting:
        status, reasons = MemberStatus.pending, waiting
    elif shortfalls:
        status, reasons = MemberStatus.not_met, shortfalls
    else:
        status, reasons = MemberStatus.met, ()
    return MemberTally(
        member_id=member.id,
        code=member.code,
        name=member.name,
        sector=member.sector,
        committee=member.committee,
        standing=member.standing,
        status=status,
        reasons=reasons,
        shortfalls=shortfalls,
        contacts=tallies,
        contacts_registered=len(mine),
        contacts_met=sum(1 for c in mine if c.meets_visits),
        total_visits=sum(c.visits for c in tallies),
        total_phone_calls=sum(c.phone_calls for c in tallies),
        total_other=sum(c.other for c in tallies),
        cards_in=sum(1 for c in mine if c.state == CardState.received),
        cards_missing=sum(1 for c in mine if c.state == CardState.missing),
        cards_in_review=sum(1 for c in mine if c.state == CardState.in_review),
        registration_page_id=reg.page_id if reg else None,
        registration_received=reg.received if reg else None,
        registration_late=reg_late,
        registration_in_review=reg_review,
        duplicate_page_ids=tuple(sorted(p for c in tallies for p in c.duplicate_page_ids)),
        unassigned_page_ids=unassigned,
        unassigned_in_review=unassigned_review,
        notes=_notes(tallies, unassigned),
    )


def contact_tally(
    contact_no: int,
    contact: ContactRecord | None,
    cards: Sequence[PageRecord],
    rules: AssessmentRules,
    year: int,
) -> ContactTally:
    """One contact: the first confirmed card counts, later confirmed ones are duplicates."""
    confirmed = sorted((c for c in cards if c.confirmed), key=_arrival_order)
    in_review = tuple(sorted(c.page_id for c in cards if not c.confirmed))
    base = ContactTally(
        contact_no=contact_no,
        name=contact.name if contact else None,
        phone=contact.phone if contact else None,
        registered=contact is not None,
        state=CardState.in_review if in_review else CardState.missing,
        in_review_page_ids=in_review,
    )
    if not confirmed:
        return base
    card, duplicates = confirmed[0], confirmed[1:]
    counts = {"visit": 0, "phone": 0, "other": 0}
    rows, months, uncounted = [], [], 0
    for row in sorted(card.rows, key=lambda r: r.row_no):
        inside = row.date is not None and row.date.year == year
        counted = inside and row.manner in counts
        if counted:
            assert row.manner is not None and row.date is not None
            counts[row.manner] += 1
            if row.manner == "visit":
                months.append(row.date.month)
        elif row.manner is not None:
            uncounted += 1
        if row.date is not None or row.manner is not None:
            rows.append(CountedRow(card.page_id, row.row_no, row.date, row.manner, counted))
    return replace(
        base,
        state=CardState.received,
        visits=counts["visit"],
        phone_calls=counts["phone"],
        other=counts["other"],
        uncounted_rows=uncounted,
        meets_visits=counts["visit"] >= rules.min_visits_per_contact,
        counted_page_id=card.page_id,
        duplicate_page_ids=tuple(d.page_id for d in duplicates),
        received=card.received,
        late=card.received > rules.card_due,
        visit_months=tuple(sorted(months)),
        rows=tuple(rows),
    )


def group_tally(kind: str, key: str, members: Iterable[MemberTally]) -> GroupTally:
    """Sum members into one group."""
    chosen = list(members)
    return GroupTally(
        kind=kind,
        key=key,
        members=len(chosen),
        met=sum(1 for m in chosen if m.status == MemberStatus.met),
        not_met=sum(1 for m in chosen if m.status == MemberStatus.not_met),
        pending=sum(1 for m in chosen if m.status == MemberStatus.pending),
        contacts_registered=sum(m.contacts_registered for m in chosen),
        contacts_met=sum(m.contacts_met for m in chosen),
        total_visits=sum(m.total_visits for m in chosen),
        cards_in=sum(m.cards_in for m in chosen),
        cards_missing=sum(m.cards_missing for m in chosen),
        cards_in_review=sum(m.cards_in_review for m in chosen),
        member_ids=tuple(m.member_id for m in chosen),
    )


def masked(tally: YearTally) -> YearTally:
    """The tally as a role without access to personal data sees it (phones masked)."""
    members = tuple(
        replace(
            m,
            contacts=tuple(
                replace(c, phone=mask_phone(c.phone) if c.phone else c.phone) for c in m.contacts
            ),
        )
        for m in tally.members
    )
    return replace(tally, members=members)


def tally_year(
    session: Session,
    year: int,
    *,
    committee: str | None = None,
    rules: AssessmentRules | None = None,
    rules_dir: Path | None = None,
) -> YearTally:
    """Load the year's records and tally them (only ``committee``'s members, if given)."""
    from records.tally_query import load_year_records

    rules = rules or load_rules(year, rules_dir=rules_dir)
    with gc_paused():
        records = load_year_records(session, year, committee=committee)
        return compute_tally(records, rules, committee=committee)


# --- helpers -------------------------------------------------------------------------------


def _arrival_order(page: PageRecord) -> tuple[date, int]:
    return page.received, page.page_id


def _day(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _shortfalls(
    reg: PageRecord | None, reg_late: bool, mine: Sequence[ContactTally], rules: AssessmentRules
) -> tuple[str, ...]:
    """Why the confirmed data does not meet the rules, in the office's words."""
    out = []
    if reg is None:
        out.append("登记表未收到")
    if len(mine) < rules.min_contacts:
        out.append(f"仅登记 {len(mine)} 名联系对象")
    if reg is not None and reg_late and rules.late_registration_fails:
        out.append(f"登记表逾期（{_day(reg.received)}收到）")
    for c in mine:
        if c.state != CardState.received:
            out.append(f"联系对象 {c.contact_no} 服务卡未收到")
            continue
        if c.late and rules.late_card_fails and c.received is not None:
            out.append(f"联系对象 {c.contact_no} 服务卡逾期（{_day(c.received)}收到）")
        if not c.meets_visits:
            out.append(f"联系对象 {c.contact_no} 上门走访仅 {c.visits} 次")
    return tuple(out)


def _in_review(
    reg_review: Sequence[int], tallies: Sequence[ContactTally], unassigned: Sequence[int]
) -> tuple[str, ...]:
    out = ["登记表审核中"] if reg_review else []
    out += [f"联系对象 {c.contact_no} 服务卡审核中" for c in tallies if c.in_review_page_ids]
    if unassigned:
        out.append(f"{len(unassigned)} 张服务卡审核中（尚未关联联系对象）")
    return tuple(out)


def _notes(tallies: Sequence[ContactTally], unassigned: Sequence[int]) -> tuple[str, ...]:
    out = []
    for c in tallies:
        if c.duplicate_page_ids:
            out.append(
                f"联系对象 {c.contact_no} 另有 {len(c.duplicate_page_ids)} 张已确认服务卡"
                "（疑似重复或重扫，未重复计数）"
            )
        if not c.registered:
            out.append(f"联系对象 {c.contact_no} 不在已确认的登记表中，其走访不计入考核")
    if unassigned:
        out.append(f"{len(unassigned)} 张已确认服务卡未关联联系对象，未计数")
    return tuple(out)


def _groups(members: Sequence[MemberTally], attr: str, order: list[str]) -> tuple[GroupTally, ...]:
    keyed: dict[str, list[MemberTally]] = defaultdict(list)
    for m in members:
        keyed[getattr(m, attr) or NO_GROUP].append(m)
    rank = {k: i for i, k in enumerate(order)}
    keys = sorted(keyed, key=lambda k: (rank.get(k, len(rank)), k))
    return tuple(group_tally(attr, k, keyed[k]) for k in keys)
