"""What the review replay (`bench_review.py`) knows from the generator's truth and the
database: which page is which card, which of its stored values are wrong, and which pages
still need a reviewer's hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from benchmarks.batch_truth import read_batch_truth
from benchmarks.field_truth import same_value, truth_fields
from forms.spec import field_kind
from records.db import make_engine
from records.models import Field, PageStatus, SourceFile
from records.models import Page as PageRow
from review_ui.worklist import keys_of_kind


def truths_by_page(batch_dir: Path, data_dir: Path) -> dict[int, dict[str, Any]]:
    """Page id → the generator's truth for each form page ingest read as its own form (a
    re-scanned file counts as the file it repeats)."""
    batch = read_batch_truth(batch_dir)
    truths = {batch.key(t): t for t in batch.pages}
    out = {}
    with Session(make_engine(f"sqlite:///{data_dir / 'cardscan.db'}")) as session:
        for page, name in session.exec(select(PageRow, SourceFile.original_name).join(SourceFile)):
            t = truths.get(batch.stored_key(name, page.page_no))
            if t and page.form == t["form"] and page.form in ("service_card", "registration"):
                assert page.id is not None
                out[page.id] = t
            elif t and t["form"] in ("service_card", "registration"):
                print(f"  page {page.id}: a {t['form']} read as {page.form}: not replayed")
    return out


def wrong_fields(session: Session, page_id: int, truth: dict[str, Any]) -> dict[str, Any]:
    stored = {f.key: f.value for f in session.exec(select(Field).where(Field.page_id == page_id))}
    return {
        key: value
        for key, value in truth_fields(truth).items()
        if key in stored and not same_value(field_kind(key), value, stored[key])
    }


def pages_in_review(engine: Engine, truths: dict[int, dict[str, Any]]) -> set[int]:
    """The form pages (of ``truths``) still in review."""
    with Session(engine) as session:
        query = select(PageRow.id).where(PageRow.status == PageStatus.needs_review)
        return {int(page_id) for page_id in session.exec(query) if page_id is not None} & set(
            truths
        )


def other_pages(engine: Engine, truths: dict[int, dict[str, Any]]) -> set[int]:
    """Pages in review that are no card and that the queue's `c` leaves (a letter, a page
    whose form was not found): each is opened and rejected. Blank pages go with `c`."""
    with Session(engine) as session:
        query = select(PageRow.id).where(
            PageRow.status == PageStatus.needs_review, PageRow.form != "blank"
        )
        return {int(page_id) for page_id in session.exec(query) if page_id is not None} - set(
            truths
        )


def needs_a_hand(engine: Engine, page_id: int, truth: dict[str, Any]) -> bool:
    """Whether a page in review must be opened: a field marked for review, a wrong value
    (known from the truth), or no link. The others are confirmed from the queue."""
    with Session(engine) as session:
        row = session.get(PageRow, page_id)
        assert row is not None
        if row.status != PageStatus.needs_review:
            return False
        unlinked = row.member_id is None or (row.form == "service_card" and row.contact_no is None)
        uncertain = session.exec(
            select(Field.id).where(Field.page_id == page_id, Field.needs_review == True)  # noqa: E712
        ).first()
        return unlinked or uncertain is not None or bool(wrong_fields(session, page_id, truth))


def wrong_in_grid(
    engine: Engine, truths: dict[int, dict[str, Any]], kind: str
) -> set[tuple[int, str]]:
    """The wrong values of ``kind`` that its field grid shows (not those read as empty)."""
    out = set()
    with Session(engine) as session:
        for page_id in pages_in_review(engine, truths):
            shown = session.exec(
                select(Field.key).where(
                    Field.page_id == page_id,
                    col(Field.key).in_(keys_of_kind(kind)),
                    or_(col(Field.value).is_not(None), col(Field.needs_review).is_(True)),
                )
            ).all()
            wrong = wrong_fields(session, page_id, truths[page_id])
            out |= {(page_id, key) for key in shown if key in wrong}
    return out
