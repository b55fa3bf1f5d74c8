"""The roster in the database: members per year, updated by code from a roster file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, select

from records.models import Member, utcnow
from records.roster_file import RosterRow


@dataclass(frozen=True)
class RosterImport:
    """What an import changed: members added, updated and unchanged for the year."""

    year: int
    added: int
    updated: int
    unchanged: int


def import_roster_rows(session: Session, *, year: int, rows: Sequence[RosterRow]) -> RosterImport:
    """Add or update the year's members by code; members missing from the file are kept
    (their cards may already be linked), so a partial sheet never loses anyone."""
    existing = {m.code: m for m in session.exec(select(Member).where(Member.year == year)).all()}
    added = updated = unchanged = 0
    for row in rows:
        values: dict[str, object] = {
            "name": row.name,
            "sector": row.sector,
            "committee": row.committee,
            "phone": row.phone,
            "standing": row.standing,
        }
        member = existing.get(row.code)
        if member is None:
            member = Member(
                year=year,
                code=row.code,
                name=row.name,
                sector=row.sector,
                committee=row.committee,
                phone=row.phone,
                standing=row.standing,
            )
            existing[row.code] = member
            added += 1
        elif any(getattr(member, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(member, k, v)
            member.updated_at = utcnow()
            updated += 1
        else:
            unchanged += 1
            continue
        session.add(member)
    session.flush()
    return RosterImport(year=year, added=added, updated=updated, unchanged=unchanged)


def list_members(session: Session, *, year: int) -> list[Member]:
    """The year's members in code order."""
    return list(session.exec(select(Member).where(Member.year == year).order_by(Member.code)))
