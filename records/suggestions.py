"""Suggestions for a field being typed, from the closed sets it must come from.

Member names come from the roster of the page's year, contact names from the linked
member's registration table, sectors and committees from the vocabulary. A reviewer types
characters (`孟波`) or pinyin initials (`mbc`); with nothing typed, the options are ranked
by how well they fit what the page itself says, so the likely link comes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from forms.spec import field_kind
from forms.vocabulary import COMMITTEES, SECTORS
from ocr.parse import name_similarity, normalize_text
from ocr.parse.names import pinyin_of
from records.linking import Candidate, evidence, registered_contacts
from records.models import Field, Member, Page

LIMIT = 10
MIN_SCORE = 0.45
"""A typed query must fit an option at least this well for it to be shown."""


@dataclass(frozen=True)
class Option:
    """One value a field may take, the spellings a query is matched against, and who it is."""

    value: str
    spellings: tuple[str, ...]
    detail: str | None = None
    member_id: int | None = None
    contact_no: int | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Suggestion:
    option: Option
    score: float


def match_score(query: str, spelling: str) -> float:
    """How well a typed query fits one spelling, in [0, 1]: pinyin initials or full pinyin
    for a Latin query, else characters (a prefix beats a part, a part beats a likeness)."""
    q = "".join(query.split()).lower()
    text = normalize_text(spelling)
    if not q or not text:
        return 0.0
    if q.isascii() and q.isalpha():
        initials = "".join(pinyin_of(text, initials=True)).lower()
        initials = "".join(c for c in initials if c.isalpha())
        syllables = "".join(pinyin_of(text)).lower()
        if initials == q or syllables == q:
            return 1.0
        if initials.startswith(q) or syllables.startswith(q):
            return 0.9
        return 0.7 if q in initials else 0.0
    if text == q:
        return 1.0
    if text.startswith(q):
        return 0.9
    if q in text:
        return 0.8
    return 0.7 * name_similarity(q, text)


def rank(query: str, options: Sequence[Option], *, limit: int = LIMIT) -> list[Suggestion]:
    """Options fitting the query, best first (ties keep the given order); all of them, in
    the given order, for an empty query."""
    if not query.strip():
        return [Suggestion(o, 0.0) for o in options[:limit]]
    scored = [
        (max(match_score(query, s) for s in o.spellings), i, o) for i, o in enumerate(options)
    ]
    kept = sorted((t for t in scored if t[0] >= MIN_SCORE), key=lambda t: (-t[0], t[1]))
    return [Suggestion(o, round(score, 3)) for score, _, o in kept[:limit]]


def suggest(
    session: Session,
    *,
    page: Page,
    key: str,
    query: str,
    year: int | None,
    committee: str | None = None,
    limit: int = LIMIT,
) -> list[Suggestion]:
    """Suggestions for field ``key`` of ``page``; ``committee`` limits members to one
    committee (a committee's reviewer sees only its members)."""
    kind = field_kind(key)
    fields = {f.key: f for f in session.exec(select(Field).where(Field.page_id == page.id))}
    if kind == "name" and key == "member_name":
        options = _member_options(session, fields, year=year, committee=committee)
    elif kind == "name":
        member = session.get(Member, page.member_id) if page.member_id is not None else None
        options = _contact_options(session, fields, member) if member is not None else []
    elif kind in ("sector", "committee"):
        table = SECTORS if kind == "sector" else COMMITTEES
        options = [
            Option(name, (name, *aliases), detail="、".join(aliases) or None)
            for name, aliases in table.items()
        ]
    else:
        options = []
    return rank(query, options, limit=limit)


def _member_options(
    session: Session, fields: dict[str, Field], *, year: int | None, committee: str | None
) -> list[Option]:
    members = _roster(session, year)
    if committee is not None:
        members = [m for m in members if m.committee == committee]
    said = {k: _said(fields.get(k)) for k in ("member_name", "member_phone", "sector", "committee")}

    def fit(member: Member) -> float:
        assert member.id is not None
        candidate = Candidate(member.id, member.name, member.phone, member.sector, member.committee)
        return evidence(
            candidate,
            name=said["member_name"],
            phone=said["member_phone"],
            sector=said["sector"],
            committee=said["committee"],
        )

    ordered = sorted(members, key=lambda m: (-fit(m), m.code))
    return [
        Option(
            m.name,
            (m.name,),
            detail=" · ".join(x for x in (m.code, m.sector, m.committee) if x),
            member_id=m.id,
            phone=m.phone,
        )
        for m in ordered
    ]


def _contact_options(session: Session, fields: dict[str, Field], member: Member) -> list[Option]:
    contacts = registered_contacts(session, member)
    name, phone = _said(fields.get("contact_name")), _said(fields.get("contact_phone"))
    ordered = sorted(contacts, key=lambda c: (-evidence(c, name=name, phone=phone), c.key))
    return [
        Option(
            c.name,
            (c.name,),
            detail=f"联系人 {c.key}",
            member_id=member.id,
            contact_no=c.key,
            phone=c.phone,
        )
        for c in ordered
    ]


def _roster(session: Session, year: int | None) -> list[Member]:
    """The year's roster, or the latest one when the page has no year or that year none."""
    if year is not None:
        members = list(session.exec(select(Member).where(Member.year == year)).all())
        if members:
            return members
    latest = session.exec(select(Member.year).order_by(col(Member.year).desc())).first()
    if latest is None:
        return []
    return list(session.exec(select(Member).where(Member.year == latest)).all())


def _said(field: Field | None) -> str | None:
    """What the page says in a field: its value, else its read."""
    if field is None:
        return None
    if isinstance(field.value, str) and field.value:
        return field.value
    return normalize_text(field.raw) if field.raw else None
