"""What to print for a year: one service card per registered contact, one form R per member.

The values come from the roster of the year (`cardscan roster import … --year Y`) and the
contacts each member registered on form R; the PDFs themselves are drawn by `forms/pdf.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from forms.pdf import CardPrint, RegistrationPrint
from ocr.parse.codes import CardCode, format_card_code
from records.contacts import member_contacts as confirmed_contacts
from records.linking import registered_contacts
from records.models import Member


class PrintSelectionError(ValueError):
    """Nothing to print for the request (no roster for the year, no such member)."""

    def __init__(self, code: str, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message = message
        self.message_en = message_en


@dataclass(frozen=True)
class PrintSelection:
    """Which members to print for: a year, optionally one member code or one committee."""

    year: int
    member_code: str | None = None
    committee: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"year": self.year, "member": self.member_code, "committee": self.committee}


@dataclass
class CardRun:
    """The cards to print, and the members who have no registered contact to print for."""

    cards: list[CardPrint] = field(default_factory=list)
    members_without_contacts: list[str] = field(default_factory=list)  # member codes
    """Members with no confirmed form R (no contact known to print a card for)."""


def members_for(session: Session, selection: PrintSelection) -> list[Member]:
    """The roster members selected, by committee then code; refuses an empty selection."""
    query = select(Member).where(Member.year == selection.year)
    if selection.member_code is not None:
        query = query.where(Member.code == selection.member_code)
    if selection.committee is not None:
        query = query.where(Member.committee == selection.committee)
    members = list(session.exec(query.order_by(col(Member.committee), col(Member.code))).all())
    if members:
        return members
    any_roster = session.exec(select(Member.id).where(Member.year == selection.year)).first()
    if any_roster is None:
        raise PrintSelectionError(
            "no_roster",
            f"{selection.year} 年没有委员名单，请先导入名单（cardscan roster import 文件 --year "
            f"{selection.year}）。",
            f"there is no roster for {selection.year}; import it first "
            f"(cardscan roster import FILE --year {selection.year})",
        )
    raise PrintSelectionError(
        "no_members",
        "名单中没有符合条件的委员（委员编号或政协工委不对）。",
        "no roster member matches the member code or committee given",
    )


@dataclass(frozen=True)
class PrintContact:
    """A contact as printed on a card: the number on form R, name and phone."""

    no: int
    name: str
    phone: str | None


def contacts_to_print(session: Session, member: Member) -> list[PrintContact]:
    """The contacts of the member's confirmed form R: this year's, else the latest earlier
    year's (contacts usually stay, so cards can be printed before the new form R is back).

    Only confirmed contacts are printed: a name still in review may be misread.
    """
    earlier = session.exec(
        select(Member)
        .where(Member.code == member.code, col(Member.year) < member.year)
        .order_by(col(Member.year).desc())
    ).all()
    for candidate in (member, *earlier):
        assert candidate.id is not None
        rows = [
            PrintContact(row.contact_no, row.name, row.phone)
            for row in confirmed_contacts(session, candidate.id)
            if row.name
        ]
        # Names a reviewer fixed on a form R still in review count as confirmed too.
        rows = rows or [
            PrintContact(c.key, c.name, c.phone)
            for c in registered_contacts(session, candidate)
            if c.trusted
        ]
        if rows:
            return sorted(rows, key=lambda c: c.no)
    return []


def cards_to_print(session: Session, selection: PrintSelection) -> CardRun:
    """One personalized service card per registered contact of each selected member."""
    run = CardRun()
    for member in members_for(session, selection):
        contacts = contacts_to_print(session, member)
        if not contacts:
            run.members_without_contacts.append(member.code)
            continue
        for contact in contacts:
            code = _code(CardCode("service_card", selection.year, member.code, contact.no))
            run.cards.append(
                CardPrint(
                    year=selection.year,
                    code=code,
                    member_name=member.name,
                    sector=member.sector,
                    member_phone=member.phone,
                    committee=member.committee,
                    contact_name=contact.name,
                    contact_phone=contact.phone,
                )
            )
    return run


def registrations_to_print(session: Session, selection: PrintSelection) -> list[RegistrationPrint]:
    """One form R per selected member, with the member's own details and code."""
    return [
        RegistrationPrint(
            year=selection.year,
            code=_code(CardCode("registration", selection.year, member.code)),
            member_name=member.name,
            sector=member.sector,
            member_phone=member.phone,
            committee=member.committee,
        )
        for member in members_for(session, selection)
    ]


def _code(code: CardCode) -> str:
    try:
        return format_card_code(code)
    except ValueError as e:
        raise PrintSelectionError(
            "bad_member_code",
            f"委员编号 {code.member_code!r} 不能印入二维码（不能含空格或“|”），请在名单中改正。",
            f"member code {code.member_code!r} cannot go into a card code (no spaces or '|')",
        ) from e
