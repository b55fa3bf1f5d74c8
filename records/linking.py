"""Linking pages to the roster: which member a form belongs to, and which contact a card names.

A card code decides exactly. Without one, the written names are matched
against the closed sets (the roster of the card's year; the contacts on the
member's registration table) with a Chinese-aware similarity, and the phone,
sector and committee written beside them count as evidence. The name fields
then hold the matched name, with a confidence that says how clear the match
was, and the raw read is kept. Corrections made by a reviewer are never
overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from forms.spec import R_CONTACT_ROWS
from forms.vocabulary import COMMITTEES, SECTORS
from ocr.confidence import field_confidence, needs_review
from ocr.parse import (
    Parsed,
    name_similarity,
    normalize_text,
    parse_card_code,
    parse_phone,
    plausible_name,
    snap_vocabulary,
)
from ocr.pipeline import CODE_PRINTED
from records.models import Field, Member, Page, PageStatus, utcnow
from records.record_checks import REVIEWER, check_phone, check_vocabulary

CODE_NOT_READ = "code_not_read"
"""Field note: the page carries a printed card code that could not be read."""
LINK_MIN_SCORE = 0.75
"""Below this combined evidence a page is not linked at all (a reviewer picks the person)."""
PHONE_PULL = 0.3
"""An equal phone number leaves only this share of the name's doubt."""
VOCAB_PULL = 0.8
"""An equal sector or committee leaves this share of the doubt."""


@dataclass(frozen=True)
class Candidate:
    """Someone a page may name: a roster member (key = member id) or a contact (key = number)."""

    key: int
    name: str
    phone: str | None = None
    sector: str | None = None
    committee: str | None = None
    trusted: bool = True  # the roster is; contacts read off a form R in review are not
    confidence: float = 1.0  # the engine's score of an untrusted candidate's read


@dataclass(frozen=True)
class Match:
    """The best candidate for what a page says, with its evidence score and lead."""

    candidate: Candidate | None
    score: float
    margin: float

    def parsed(self, read: str | None, read_confidence: float = 1.0) -> Parsed:
        """The name field as a snap to this match (the raw read when nothing matched).

        An untrusted candidate (itself an OCR read) that differs from this read is a
        disagreement between two reads: the surer read (a name-shaped one) is shown, and
        a person decides.
        """
        if self.candidate is None:
            return Parsed(
                value=read or None, valid=False, similarity=0.0, margin=0.0, note="no_candidates"
            )
        if not self.candidate.trusted and read and name_similarity(read, self.candidate.name) < 1:
            own = plausible_name(read) and read_confidence >= self.candidate.confidence
            return Parsed(
                value=read if own else self.candidate.name,
                valid=False,
                similarity=self.score,
                margin=self.margin,
                note="disagrees_with_registration",
            )
        if self.score < LINK_MIN_SCORE:
            # Nobody on the list fits: the page keeps what it says, for a person to decide.
            return Parsed(
                value=read or None,
                valid=False,
                similarity=self.score,
                margin=self.margin,
                note="weak_match",
            )
        return Parsed(
            value=self.candidate.name, valid=True, similarity=self.score, margin=self.margin
        )


def evidence(
    candidate: Candidate,
    *,
    name: str | None,
    phone: str | None = None,
    sector: str | None = None,
    committee: str | None = None,
) -> float:
    """How well one candidate fits what the page says, in [0, 1]; the name weighs most."""
    score = name_similarity(name, candidate.name) if name else 0.0
    if phone and candidate.phone:
        score = 1 - (1 - score) * PHONE_PULL if _same_phone(phone, candidate.phone) else score * 0.9
    for said, known in ((sector, candidate.sector), (committee, candidate.committee)):
        if said and known:
            score = 1 - (1 - score) * VOCAB_PULL if said == known else score * 0.97
    return score


def best_match(
    candidates: Sequence[Candidate],
    *,
    name: str | None,
    phone: str | None = None,
    sector: str | None = None,
    committee: str | None = None,
) -> Match:
    """The candidate that fits best and its lead over the runner-up."""
    if not candidates or not (name or phone):
        return Match(None, 0.0, 0.0)
    scored = sorted(
        (
            (evidence(c, name=name, phone=phone, sector=sector, committee=committee), c)
            for c in candidates
        ),
        key=lambda pair: -pair[0],
    )
    best_score, best = scored[0]
    second = next((s for s, c in scored[1:] if c.name != best.name or c.key != best.key), 0.0)
    return Match(best, best_score, max(0.0, best_score - second))


def _same_phone(a: str, b: str) -> bool:
    """Equal numbers, a landline written with or without its area code."""
    return a.replace("0523-", "") == b.replace("0523-", "")


# --- the database side ------------------------------------------------------------------


def link_pages(session: Session, pages: Iterable[Page]) -> int:
    """Link forms R first (they list the contacts), then service cards; returns pages linked.

    Only pages in review are linked, and never one a reviewer linked by hand."""
    # A reviewer's link (link_source "reviewer") is theirs to change, never linking's.
    todo = [p for p in pages if p.status == PageStatus.needs_review and p.link_source != REVIEWER]
    linked = 0
    for page in sorted(todo, key=lambda p: p.form != "registration"):
        if page.form in ("registration", "service_card"):
            linked += _link_page(session, page)
    return linked


def link_batch(session: Session, *, batch_id: int) -> int:
    """Link a batch's pages, then the cards in review of members whose form R it brought."""
    pages = list(session.exec(select(Page).where(Page.batch_id == batch_id)).all())
    linked = link_pages(session, pages)
    members = {p.member_id for p in pages if p.form == "registration" and p.member_id}
    if members:
        earlier = session.exec(
            select(Page).where(
                col(Page.member_id).in_(members),
                col(Page.form) == "service_card",
                col(Page.batch_id) != batch_id,
            )
        ).all()
        link_pages(session, earlier)
    return linked


def relink_year(session: Session, year: int) -> int:
    """Link again every page still in review for ``year`` (after a roster import)."""
    pages = session.exec(
        select(Page).where(
            col(Page.status) == PageStatus.needs_review,
            col(Page.form).in_(["registration", "service_card"]),
            (col(Page.year) == year) | col(Page.year).is_(None),
        )
    ).all()
    return link_pages(session, pages)


def _link_page(session: Session, page: Page) -> int:
    fields = {f.key: f for f in session.exec(select(Field).where(Field.page_id == page.id))}
    code = parse_card_code(page.card_code) if page.card_code else None
    year_field = fields.get("year")
    if code is not None:
        page.year = code.year
    elif year_field is not None and isinstance(year_field.value, int):
        page.year = year_field.value
    roster = _roster(session, page.year)
    page.link_source = None
    member: Member | None = None
    if code is not None:
        member = next((m for m in roster if m.code == code.member_code), None)
    if member is not None:
        page.link_source = "code"
        _set_name(fields.get("member_name"), Parsed(value=member.name, valid=True), exact=True)
    else:
        # Match on what the page itself says, never on values an earlier link put there.
        match = best_match(
            [_member_candidate(m) for m in roster],
            name=_read(fields.get("member_name")),
            phone=_own_value(fields.get("member_phone"), "phone"),
            sector=_own_value(fields.get("sector"), "sector"),
            committee=_own_value(fields.get("committee"), "committee"),
        )
        _set_name(fields.get("member_name"), match.parsed(_read(fields.get("member_name"))))
        if match.candidate is not None and match.score >= LINK_MIN_SCORE:
            member = next(m for m in roster if m.id == match.candidate.key)
            page.link_source = "handwriting"
    page.member_id = member.id if member else None
    check_phone(fields.get("member_phone"), member.phone if member else None, trusted=True)
    check_vocabulary(fields.get("sector"), member.sector if member else None, SECTORS)
    check_vocabulary(fields.get("committee"), member.committee if member else None, COMMITTEES)
    if page.form == "service_card":
        _link_contact(session, page, fields, member, code.contact_no if code else None)
    if page.link_source != "code" and CODE_PRINTED in (page.notes or []):
        _flag_identity(fields)
    written = fields.get("committee")
    page.committee = (member.committee if member and member.committee else None) or (
        written.value if written is not None and isinstance(written.value, str) else None
    )
    page.updated_at = utcnow()
    session.add(page)
    return int(member is not None)


def _flag_identity(fields: dict[str, Field]) -> None:
    """A code was printed but not read (damaged, covered): a person checks who it is."""
    for key in ("member_name", "contact_name"):
        field = fields.get(key)
        if field is not None and field.engine != REVIEWER:
            field.needs_review = True
            field.note = CODE_NOT_READ


def _link_contact(
    session: Session,
    page: Page,
    fields: dict[str, Field],
    member: Member | None,
    code_contact: int | None,
) -> None:
    contacts = registered_contacts(session, member) if member else []
    name_field = fields.get("contact_name")
    read = _read(name_field)
    phone = _own_value(fields.get("contact_phone"), "phone")
    if code_contact is not None:
        page.contact_no = code_contact
        known = next((c for c in contacts if c.key == code_contact), None)
        if known is not None and known.trusted:
            _set_name(name_field, Parsed(value=known.name, valid=True), exact=True)
        elif known is not None:
            # The code says who; the name still compares two reads, the card's and form R's.
            score = evidence(known, name=read, phone=phone) if read else 0.0
            if score >= LINK_MIN_SCORE:
                _set_name(name_field, Match(known, score, 1.0).parsed(read, _ocr(name_field)))
            else:  # the card's read is no name we know: form R's, for a person to check
                _set_name(
                    name_field,
                    Parsed(
                        value=known.name, valid=False, similarity=score, note="from_code_unverified"
                    ),
                )
        else:
            _set_name(name_field, Match(None, 0.0, 0.0).parsed(read))
    else:
        match = best_match(contacts, name=read, phone=phone)
        _set_name(name_field, match.parsed(read, _ocr(name_field)))
        ok = match.candidate is not None and match.score >= LINK_MIN_SCORE
        page.contact_no = match.candidate.key if ok and match.candidate else None
    known = next((c for c in contacts if c.key == page.contact_no), None)
    check_phone(
        fields.get("contact_phone"),
        known.phone if known else None,
        trusted=known.trusted if known else False,
    )


def registration_of(session: Session, member: Member) -> tuple[Page, dict[str, Field]] | None:
    """The member's latest form R (a confirmed one before any in review) and its fields."""
    forms = session.exec(
        select(Page)
        .where(
            col(Page.member_id) == member.id,
            col(Page.form) == "registration",
            col(Page.status).in_([PageStatus.needs_review, PageStatus.confirmed]),
        )
        .order_by(col(Page.status) == PageStatus.confirmed, col(Page.id))
    ).all()
    if not forms:
        return None
    form = forms[-1]
    return form, {f.key: f for f in session.exec(select(Field).where(Field.page_id == form.id))}


def registered_contacts(session: Session, member: Member) -> list[Candidate]:
    """The contacts on the member's latest registration table, as read (or corrected)."""
    found = registration_of(session, member)
    if found is None:
        return []
    form, fields = found
    out = []
    for no in range(1, R_CONTACT_ROWS + 1):
        name_field = fields.get(f"contacts.{no}.name")
        name = _value(name_field)
        if name_field is not None and name:
            trusted = name_field.engine == REVIEWER or form.status == PageStatus.confirmed
            phone = _value(fields.get(f"contacts.{no}.phone"))
            out.append(
                Candidate(no, name, phone=phone, trusted=trusted, confidence=_ocr(name_field))
            )
    return out


def _roster(session: Session, year: int | None) -> list[Member]:
    """Members of ``year``'s roster, or of the latest roster when that year has none."""
    if year is not None:
        members = session.exec(select(Member).where(Member.year == year)).all()
        if members:
            return list(members)
    latest = session.exec(select(Member.year).order_by(col(Member.year).desc())).first()
    if latest is None:
        return []
    return list(session.exec(select(Member).where(Member.year == latest)).all())


def _member_candidate(member: Member) -> Candidate:
    assert member.id is not None
    return Candidate(member.id, member.name, member.phone, member.sector, member.committee)


def _set_name(field: Field | None, parsed: Parsed, *, exact: bool = False) -> None:
    """Store a snapped name, unless a reviewer already decided this field."""
    if field is None or field.engine == REVIEWER:
        return
    if field.raw is None and not exact:
        return  # an empty blank stays empty and in review
    ocr = 1.0 if exact else float(field.ocr_confidence or 0.0)
    confidence = 1.0 if exact else field_confidence("name", ocr=ocr, parsed=parsed)
    field.value = parsed.value
    field.confidence = confidence
    field.needs_review = needs_review("name", confidence)
    field.note = "from_code" if exact else parsed.note


def _read(field: Field | None) -> str | None:
    """What the engine read in a field, normalized (never a value a previous link set)."""
    if field is None:
        return None
    if field.engine == REVIEWER:
        return field.value if isinstance(field.value, str) else None
    return normalize_text(field.raw) if field.raw else None


def _ocr(field: Field | None) -> float:
    """The engine's own score of a field's read (a reviewer's value counts as sure)."""
    if field is None:
        return 0.0
    return 1.0 if field.engine == REVIEWER else float(field.ocr_confidence or 0.0)


def _own_value(field: Field | None, kind: str) -> str | None:
    """The normalized value of what the page says in a field (a reviewer's value if any)."""
    if field is None:
        return None
    if field.engine == REVIEWER or not field.raw:
        return _value(field)
    text = normalize_text(field.raw)
    if kind == "phone":
        parsed = parse_phone(text)
    else:
        parsed = snap_vocabulary(text, SECTORS if kind == "sector" else COMMITTEES)
    return parsed.value if isinstance(parsed.value, str) and parsed.valid else None


def _value(field: Field | None) -> str | None:
    return field.value if field is not None and isinstance(field.value, str) else None
