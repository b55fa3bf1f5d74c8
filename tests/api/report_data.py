"""A small reviewed year for the report screens, stored as ingest, linking and review store it.

Three members of the test roster (tests/records/linking_data.py), every page identified by
its printed code, so any year can be built beside others:

- 孟波春 JJ0001 (新桥镇): form R with 5 contacts, 5 confirmed cards of 3 visits each, and
  a second confirmed card for contact 1 (a rescan, not counted twice) → 达标.
- 张伟 JJ0002 (靖城街道): form R with 3 contacts, one card with 2 visits and a phone call
  → 未达标.
- 李华 JJ0003 (新桥镇, standing committee): form R with 5 contacts, 4 confirmed cards of 3
  visits, the card of contact 1 still in review → 待审核.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from records import accounts
from records.accounts import Role
from records.linking import link_pages
from records.models import Batch, Page
from records.review import confirm_page
from tests.records.linking_data import Scans, add_roster, registration, service_card

FIVE = ("王芳", "陈静", "刘洋", "赵磊", "周敏")
THREE = ("吴刚", "郑丽", "孙强")
MEMBERS = {
    "JJ0001": ("孟波春", "13800000001", "民革", "新桥镇", FIVE),
    "JJ0002": ("张伟", "13800000002", "民盟", "靖城街道", THREE),
    "JJ0003": ("李华", "13800000003", "九三学社", "新桥镇", FIVE),
}


@dataclass(frozen=True)
class ReportYear:
    """What was built: member ids by code, page ids by name (`JJ0001.R`, `JJ0001.S2`, …)."""

    year: int
    members: dict[str, int]
    pages: dict[str, int]


def _received(session: Session, batch_id: int, day: date) -> None:
    batch = session.get_one(Batch, batch_id)
    batch.received_date = day
    session.add(batch)


def _card_cells(code: str, contact_no: int, year: int, visits: int, calls: int) -> dict[str, str]:
    name, phone, sector, committee, contacts = MEMBERS[code]
    cells = service_card(
        name,
        contacts[contact_no - 1],
        year=str(year),
        phone=phone,
        contact_phone=f"1390000001{contact_no}",
        sector=sector,
        committee=committee,
    )
    manners = ["visit"] * visits + ["phone"] * calls
    for row, manner in enumerate(manners, start=1):
        cells[f"rows.{row}.date"] = date(year, 2 + 3 * (row - 1) % 9, 5 + row).isoformat()
        cells[f"rows.{row}.manner"] = manner
    return cells


def build_report_year(session: Session, year: int) -> ReportYear:
    """The roster of ``year`` and its reviewed forms (see the module docstring); committed."""
    members = {code: m.id for code, m in add_roster(session, year).items()}
    assert all(i is not None for i in members.values())
    reviewer = accounts.add_user(
        session, name=f"复核{year}", role=Role.reviewer, password_hash="x", committee=None
    )
    scans = Scans(session)
    _received(session, scans.batch_id, date(year, 4, 1))
    pages: dict[str, Page] = {}
    for code, (name, phone, sector, committee, contacts) in MEMBERS.items():
        cells = registration(
            name, phone=phone, sector=sector, committee=committee, contacts=contacts
        )
        pages[f"{code}.R"] = scans.page("registration", cells, card_code=f"RT1|{year}|{code}")
    link_pages(session, list(pages.values()))
    for page in list(pages.values()):
        confirm_page(session, page=page, user=reviewer)

    _received(session, scans.new_batch(), date(year, 11, 20))
    cards: dict[str, tuple[str, int, int, int]] = {
        **{f"JJ0001.S{n}": ("JJ0001", n, 3, 0) for n in range(1, 6)},
        "JJ0001.S1-rescan": ("JJ0001", 1, 3, 0),
        "JJ0002.S1": ("JJ0002", 1, 2, 1),
        **{f"JJ0003.S{n}": ("JJ0003", n, 3, 0) for n in range(1, 6)},
    }
    for key, (code, no, visits, calls) in cards.items():
        cells = _card_cells(code, no, year, visits, calls)
        pages[key] = scans.page("service_card", cells, card_code=f"SC1|{year}|{code}|{no}")
    new_cards = [pages[k] for k in cards]
    link_pages(session, new_cards)
    for key in cards:
        if key != "JJ0003.S1":  # still in review
            confirm_page(session, page=pages[key], user=reviewer)
    session.commit()
    ids = {key: page.id for key, page in pages.items()}
    assert all(i is not None for i in ids.values())
    return ReportYear(year, members, ids)  # type: ignore[arg-type]
