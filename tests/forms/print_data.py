"""A roster whose members have confirmed forms R, as `cardscan print` needs (no OCR).

Shared by the print command, print API and printed-card ingest tests.
"""

from __future__ import annotations

from sqlmodel import Session, select

from api.settings import Settings
from records.contacts import sync_member_contacts
from records.db import init_db, make_engine, session_scope
from records.models import Member, PageStatus
from records.roster import import_roster_rows
from records.roster_file import RosterRow
from tests.records.linking_data import Scans

YEAR = 2027
ROSTER = (
    RosterRow(2, "JJ0101", "孟波春", "民革", "新桥镇", "13800000001", standing=False),
    RosterRow(3, "JJ0102", "张伟", "民盟", "靖城街道", "0523-84812345", standing=False),
    RosterRow(4, "JJ0103", "欧阳晓莉", "九三学社", "新桥镇", "13800000003", standing=True),
)
# Contacts on each member's confirmed form R (number → name, phone); JJ0103 has none yet.
CONTACTS: dict[str, dict[int, tuple[str, str]]] = {
    "JJ0101": {1: ("王芳", "13900000011"), 2: ("陈静", "13900000012"), 4: ("刘洋", "84812346")},
    "JJ0102": {1: ("赵丽", "13900000021"), 2: ("周杰", "0523-84812347")},
}


def add_roster_and_contacts(session: Session, year: int = YEAR, scans: Scans | None = None
                            ) -> dict[str, Member]:
    """The roster of ``year`` and a confirmed form R for the members in CONTACTS."""
    import_roster_rows(session, year=year, rows=ROSTER)
    members = {m.code: m for m in session.exec(select(Member).where(Member.year == year))}
    scans = scans or Scans(session)
    for code, contacts in CONTACTS.items():
        member = members[code]
        cells = {"member_name": member.name}
        for no, (name, phone) in contacts.items():
            cells[f"contacts.{no}.name"] = name
            cells[f"contacts.{no}.phone"] = phone
        page = scans.page("registration", cells, status=PageStatus.confirmed)
        page.member_id = member.id
        session.add(page)
        session.flush()
        assert member.id is not None
        sync_member_contacts(session, member.id)
    return members


def setup_database(settings: Settings, year: int = YEAR) -> None:
    """The roster and contacts in the installation's own database."""
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        add_roster_and_contacts(session, year)
    engine.dispose()
