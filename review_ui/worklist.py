"""What is left to review, read straight from the tables: the work queue, its counts, and the
cells of one field kind across many cards.

Every query takes ``scope``, the viewer's committee (None: all): pages of other committees
are left out, as the API leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import ColumnElement, Subquery, func, or_
from sqlmodel import Session, col, select

from forms.spec import field_keys, field_kind, review_class
from ocr.confidence import doubt
from records.claims import current_claim, worst_first
from records.models import Field, Member, Page, PageStatus, SourceFile

FieldOrder = Literal["uncertain", "page"]


@dataclass(frozen=True)
class QueueFilter:
    """The filters of the queue form; ``status`` None shows every status."""

    batch_id: int | None = None
    form: str | None = None
    committee: str | None = None
    status: PageStatus | None = PageStatus.needs_review


@dataclass(frozen=True)
class QueueRow:
    """One document in the queue, with how many of its fields still need a person."""

    page_id: int
    batch_id: int
    file_name: str
    page_no: int
    form: str
    status: PageStatus
    committee: str | None
    year: int | None
    member_name: str | None
    fields_to_review: int
    held_by: str | None  # the reviewer who has the page open now (a claim in force)


@dataclass(frozen=True)
class FormCount:
    """Pages still in review of one form, and their fields still to check."""

    form: str
    pages: int
    fields: int


@dataclass(frozen=True)
class FieldCell:
    """One field of a page in review, as the field grid shows it."""

    page_id: int
    key: str
    value: Any
    raw: str | None
    confidence: float
    needs_review: bool
    has_box: bool
    file_name: str
    page_no: int


def _fields_to_review() -> Subquery:
    """Per page, how many of its fields need review."""
    return (
        select(col(Field.page_id).label("page_id"), func.count().label("n"))
        .where(col(Field.needs_review).is_(True))
        .group_by(col(Field.page_id))
        .subquery()
    )


def _scoped(scope: str | None, committee: str | None) -> list[ColumnElement[bool]]:
    """The viewer's committee always wins over the committee asked for."""
    wanted = scope if scope is not None else committee
    return [col(Page.committee) == wanted] if wanted is not None else []


def queue_rows(
    session: Session, *, filters: QueueFilter, scope: str | None, offset: int, limit: int
) -> tuple[list[QueueRow], int]:
    """Documents worst first (most fields to review; then, of those with none, the ones that
    still wait for a person before the ones the queue confirms at once), then in file and
    page order, with the total count of the filter."""
    to_review = _fields_to_review()
    uncertain = func.coalesce(to_review.c.n, 0)
    conditions = _scoped(scope, filters.committee)
    for column, wanted in (
        (Page.batch_id, filters.batch_id),
        (Page.form, filters.form),
        (Page.status, filters.status),
    ):
        if wanted is not None:
            conditions.append(col(column) == wanted)
    query = (
        select(Page, col(SourceFile.original_name), col(Member.name), uncertain)
        .join(SourceFile, col(Page.file_id) == col(SourceFile.id))
        .outerjoin(Member, col(Page.member_id) == col(Member.id))
        .outerjoin(to_review, to_review.c.page_id == col(Page.id))
        .where(*conditions)
        .order_by(*worst_first(uncertain))
        .offset(offset)
        .limit(limit)
    )
    rows = [
        QueueRow(
            page_id=page.id or 0,
            batch_id=page.batch_id,
            file_name=file_name,
            page_no=page.page_no,
            form=page.form,
            status=page.status,
            committee=page.committee,
            year=page.year,
            member_name=member_name,
            fields_to_review=int(n),
            held_by=claim.user_name if (claim := current_claim(session, page=page)) else None,
        )
        for page, file_name, member_name, n in session.exec(query).all()
    ]
    total = session.exec(select(func.count()).select_from(Page).where(*conditions)).one()
    return rows, int(total)


def counts_left(
    session: Session, *, scope: str | None, batch_id: int | None, committee: str | None
) -> list[FormCount]:
    """Pages in review and their fields to review, by form (most fields first)."""
    to_review = _fields_to_review()
    conditions = _scoped(scope, committee)
    conditions.append(col(Page.status) == PageStatus.needs_review)
    if batch_id is not None:
        conditions.append(col(Page.batch_id) == batch_id)
    fields = func.coalesce(func.sum(to_review.c.n), 0)
    query = (
        select(col(Page.form), func.count(), fields)
        .select_from(Page)
        .outerjoin(to_review, to_review.c.page_id == col(Page.id))
        .where(*conditions)
        .group_by(col(Page.form))
        .order_by(fields.desc(), col(Page.form))
    )
    return [FormCount(form, int(n), int(f)) for form, n, f in session.exec(query).all()]


def keys_of_kind(kind: str) -> list[str]:
    """Every field key, of either form, whose field is of ``kind`` (`rows.3.date`, …)."""
    keys = {k for form in ("service_card", "registration") for k in field_keys(form)}
    return sorted(k for k in keys if field_kind(k) == kind)


GRID_ORDER: tuple[str, ...] = (
    "year",
    "name",
    "phone",
    "sector",
    "committee",
    "date",
    "manner",
    "signed",
    "text",
)
"""The field grid's kinds in the order a batch is cleared: who and when first (a corrected
year re-reads a card's dates, a corrected name relinks it), then the record rows."""


def kinds_to_check(session: Session, *, scope: str | None, batch_id: int | None) -> list[str]:
    """The kinds with a value still marked for review on a page in review, in `GRID_ORDER`."""
    conditions = _scoped(scope, None)
    conditions += [col(Page.status) == PageStatus.needs_review, col(Field.needs_review).is_(True)]
    if batch_id is not None:
        conditions.append(col(Page.batch_id) == batch_id)
    keys = session.exec(
        select(col(Field.key))
        .join(Page, col(Field.page_id) == col(Page.id))
        .where(*conditions)
        .distinct()
    ).all()
    found = {field_kind(key) for key in keys}
    return [kind for kind in GRID_ORDER if kind in found]


def next_grid_kind(left: list[str], current: str | None) -> str | None:
    """The kind to show once the values of ``current`` shown have been checked: the same
    while some of it are left, else the next in `GRID_ORDER` with values left, wrapping
    round (a corrected year can put a card's dates back in doubt); None when none are left."""
    if current in left or not left:
        return current if left else None
    at = GRID_ORDER.index(current) if current in GRID_ORDER else -1
    return next((kind for kind in left if GRID_ORDER.index(kind) > at), left[0])


def field_cells(
    session: Session,
    *,
    kind: str,
    scope: str | None,
    batch_id: int | None,
    order: FieldOrder,
    include_blank: bool,
    offset: int,
    limit: int,
) -> tuple[list[FieldCell], int]:
    """Fields of one kind on pages in review: uncertain ones likeliest mistake first, then the
    least confident others; or in page order. Cells read as confidently empty are left out
    unless ``include_blank``."""
    conditions = _scoped(scope, None)
    conditions += [
        col(Page.status) == PageStatus.needs_review,
        col(Field.key).in_(keys_of_kind(kind)),
    ]
    if batch_id is not None:
        conditions.append(col(Page.batch_id) == batch_id)
    if not include_blank:
        conditions.append(or_(col(Field.value).is_not(None), col(Field.needs_review).is_(True)))
    query = (
        select(Field, Page, col(SourceFile.original_name))
        .join(Page, col(Field.page_id) == col(Page.id))
        .join(SourceFile, col(Page.file_id) == col(SourceFile.id))
        .where(*conditions)
        .order_by(col(Page.file_id), col(Page.page_no), col(Field.id))
    )
    if order == "page":
        rows = list(session.exec(query.offset(offset).limit(limit)).all())
    else:
        # The uncertain cells likeliest mistake first, as the document page orders them (the
        # calibrated doubt of their class, then the least sure); then the least sure others.
        uncertain = sorted(
            session.exec(query.where(col(Field.needs_review).is_(True))).all(),
            key=lambda row: (
                -doubt(review_class(row[0].key), row[0].confidence),
                row[0].confidence,
            ),
        )
        rows = uncertain[offset : offset + limit]
        sure = query.where(col(Field.needs_review).is_(False)).order_by(None)
        sure = sure.order_by(
            col(Field.confidence), col(Page.file_id), col(Page.page_no), col(Field.id)
        )
        if len(rows) < limit:
            start = max(0, offset - len(uncertain))
            rows += session.exec(sure.offset(start).limit(limit - len(rows))).all()
    cells = [
        FieldCell(
            page_id=field.page_id,
            key=field.key,
            value=field.value,
            raw=field.raw,
            confidence=field.confidence,
            needs_review=field.needs_review,
            has_box=field.bbox is not None,
            file_name=file_name,
            page_no=page.page_no,
        )
        for field, page, file_name in rows
    ]
    count = (
        select(func.count())
        .select_from(Field)
        .join(Page, col(Field.page_id) == col(Page.id))
        .where(*conditions)
    )
    return cells, int(session.exec(count).one())
