"""Pages, fields and rosters as ingest and linking store them, built without OCR.

Shared by the linking, review, claims, roster and review-screen tests.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from forms.spec import field_kind
from forms.vocabulary import COMMITTEES, SECTORS
from ocr.confidence import field_confidence, needs_review
from ocr.parse import Parsed, normalize_text, parse_phone, plausible_name, snap_vocabulary
from ocr.recognize import FieldReading
from records import crud
from records.models import Field, Member, Page, PageStatus
from records.roster import import_roster_rows
from records.roster_file import RosterRow

YEAR = 2026
OCR = 0.95
ENGINE = "fake-hand-1"


def reading(key: str, raw: str, *, ocr: float = OCR, engine: str = ENGINE) -> FieldReading:
    """What recognition stores for one read cell (see ocr.recognize)."""
    kind = field_kind(key)
    text = normalize_text(raw)
    parsed: Parsed
    if kind == "year":
        parsed = Parsed(value=int(text), valid=True)
    elif kind == "phone":
        parsed = parse_phone(text)
    elif kind == "sector":
        parsed = snap_vocabulary(text, SECTORS)
    elif kind == "committee":
        parsed = snap_vocabulary(text, COMMITTEES)
    elif kind == "name" and key.startswith("contacts."):
        parsed = Parsed(value=text or None, valid=plausible_name(text))
    elif kind == "name":
        parsed = Parsed(value=text or None, valid=False, note="not_snapped")
    else:
        parsed = Parsed(value=text or None, valid=bool(text))
    confidence = field_confidence(kind, ocr=ocr, parsed=parsed)
    return FieldReading(
        value=parsed.value,
        raw=raw,
        ocr_confidence=ocr,
        confidence=confidence,
        needs_review=needs_review(kind, confidence),
        engine=engine,
        note=parsed.note,
    )


class Scans:
    """Pages stored as ingest stores them, one source file per batch."""

    def __init__(self, session: Session, *, batches_before: int = 0) -> None:
        """``batches_before``: how many batches an earlier `Scans` made in this database."""
        self.session = session
        self.batches = batches_before
        self.new_batch()

    def new_batch(self) -> int:
        self.batches += 1
        batch = crud.create_batch(self.session, name=f"batch {self.batches}")
        assert batch.id is not None
        source = crud.add_source_file(
            self.session,
            batch_id=batch.id,
            original_name=f"scan-{self.batches}.pdf",
            sha256=f"{self.batches:064x}",
            size=1,
            kind="pdf",
            status="ingested",
            pages=0,
            stored_path=None,
        )
        assert source.id is not None
        self.batch_id, self.file_id, self.page_no = batch.id, source.id, 0
        return batch.id

    def page(
        self,
        form: str,
        cells: dict[str, str],
        *,
        card_code: str | None = None,
        status: PageStatus = PageStatus.needs_review,
    ) -> Page:
        self.page_no += 1
        page = crud.record_page(
            self.session,
            batch_id=self.batch_id,
            file_id=self.file_id,
            page_no=self.page_no,
            status=status,
            form=form,
            rotation=0,
            image_path=None,
            width=100,
            height=100,
            transform=None,
            notes=(),
            error=None,
            boxes={key: (0, 0, 10, 10) for key in cells},
            readings={key: reading(key, raw) for key, raw in cells.items()},
            card_code=card_code,
        )
        self.session.flush()
        return page


def registration(
    name: str = "孟波春",
    *,
    phone: str = "13800000001",
    sector: str = "民革",
    committee: str = "新桥镇",
    contacts: tuple[str, ...] = ("王芳", "陈静", "刘洋"),
) -> dict[str, str]:
    cells = {"member_name": name, "sector": sector, "member_phone": phone, "committee": committee}
    for no, contact in enumerate(contacts, start=1):
        cells[f"contacts.{no}.name"] = contact
        cells[f"contacts.{no}.phone"] = f"1390000001{no}"
        cells[f"contacts.{no}.address"] = "靖江市人民路1号"
    return cells


def service_card(
    name: str = "孟波春",
    contact: str = "陈静",
    *,
    year: str = str(YEAR),
    phone: str = "13800000001",
    contact_phone: str = "13900000012",
    sector: str = "民革",
    committee: str = "新桥镇",
) -> dict[str, str]:
    return {
        "year": year,
        "member_name": name,
        "sector": sector,
        "member_phone": phone,
        "contact_name": contact,
        "contact_phone": contact_phone,
        "committee": committee,
    }


ROSTER_ROWS = (
    RosterRow(2, "JJ0001", "孟波春", "民革", "新桥镇", "13800000001", standing=False),
    RosterRow(3, "JJ0002", "张伟", "民盟", "靖城街道", "13800000002", standing=False),
    RosterRow(4, "JJ0003", "李华", "九三学社", "新桥镇", "13800000003", standing=True),
)


def add_roster(session: Session, year: int = YEAR) -> dict[str, Member]:
    import_roster_rows(session, year=year, rows=ROSTER_ROWS)
    members = session.exec(select(Member).where(Member.year == year)).all()
    return {m.code: m for m in members}


def fields_of(session: Session, page: Page) -> dict[str, Field]:
    return {f.key: f for f in session.exec(select(Field).where(Field.page_id == page.id))}


def snapshot(session: Session, pages: list[Page]) -> list[Any]:
    """Everything linking may change, of these pages and their fields."""
    session.flush()
    out: list[Any] = []
    for page in pages:
        out.append((page.id, page.year, page.member_id, page.contact_no, page.link_source))
        for key, f in sorted(fields_of(session, page).items()):
            out.append((key, f.value, f.confidence, f.needs_review, f.note, f.engine))
    return out
