"""Retention: personal data of old years removed, the facts the visit tally needs kept.

A page is old when its year (the card's, else the year its batch was created) is before
``today.year - keep_years``: the current year and the ``keep_years`` before it are kept,
so cards still arriving for last year are never touched. On an old page, names, phones,
addresses and service contents lose value and raw reading (note "anonymized"), and so do
the corrections of those fields in ``field_edit``; its page image is deleted, and the stored
original once every page of the file is old. Roster phones of old years are cleared.
Status, form, member, contact number, year and each row's date, manner and signed stay.

Running it again changes nothing; a dry run only counts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import MetaData, Table, and_, inspect, null, or_, update
from sqlmodel import Session, col, select

from forms.spec import field_kind
from records.audit import record_event
from records.contacts import clear_personal_data as clear_contacts_of
from records.models import Batch, Field, Member, Page, SourceFile, utcnow

log = logging.getLogger(__name__)

ANONYMIZED = "anonymized"
REMOVED_KINDS = frozenset({"name", "phone", "text"})  # text: service content and addresses
FIELD_EDIT_TABLE = "field_edit"
FIELD_EDIT_VALUES = ("ocr_value", "old_value", "new_value")
ID_CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


@dataclass(frozen=True)
class RetentionResult:
    """What a run removed (or, in a dry run, would remove)."""

    first_kept_year: int
    pages: int  # pages that lost personal fields or their image
    fields: int
    field_edits: int
    images: int
    originals: int
    members: int  # roster entries whose phone was cleared
    dry_run: bool

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k not in ("first_kept_year", "dry_run")}


def is_removed(key: str) -> bool:
    """Fields whose values go when a page is old: names, phones, addresses, contents."""
    return field_kind(key) in REMOVED_KINDS


def apply_retention(
    session: Session,
    *,
    data_dir: Path,
    keep_years: int,
    today: date | None = None,
    dry_run: bool = False,
    actor: str = "cli",
) -> RetentionResult:
    """Anonymize every old page and old roster year, in the caller's transaction.

    Files are deleted before the caller commits: should the commit fail, a second run
    finds the rows unchanged and finishes the job.
    """
    first_kept = (today or date.today()).year - keep_years
    pages = _old_pages(session, first_kept)
    old_ids = {p.id for p in pages if p.id is not None}
    fields = [f for f in _fields_of(session, old_ids) if is_removed(f.key)]
    filled = [f for f in fields if f.value is not None or f.raw is not None]
    with_image = [p for p in pages if p.image_path is not None]
    originals = _originals_only_on(session, old_ids)
    members = session.exec(
        select(Member).where(col(Member.year) < first_kept, col(Member.phone).is_not(None))
    ).all()
    edits = _anonymize_field_edits(session, [f.id for f in fields if f.id], dry_run=dry_run)
    changed = {f.page_id for f in filled} | {p.id for p in with_image}
    result = RetentionResult(
        first_kept_year=first_kept,
        pages=len(changed),
        fields=len(filled),
        field_edits=edits,
        images=len(with_image),
        originals=len(originals),
        members=len(members),
        dry_run=dry_run,
    )
    if dry_run:
        return result
    now = utcnow()
    for field in filled:
        field.value, field.raw, field.note = None, None, ANONYMIZED
        session.add(field)
    for page in pages:
        if page.id not in changed:
            continue
        if page.image_path is not None:
            _delete_page_image(data_dir, page)
            page.image_path = None
        page.updated_at = now
        session.add(page)
    for source in originals:
        _delete_under(data_dir, source.stored_path or "")
        source.stored_path = None
        session.add(source)
    for member in members:
        member.phone, member.updated_at = None, now
        session.add(member)
    # Contacts copied from old forms R lose names, phones and addresses too (rows stay).
    contacts_cleared = clear_contacts_of(session, old_ids)
    record_event(
        session,
        actor=actor,
        action="retention_applied",
        detail={
            "keep_years": keep_years,
            "first_kept_year": first_kept,
            **result.counts(),
            "contacts": contacts_cleared,
        },
    )
    return result


def _old_pages(session: Session, first_kept: int) -> Sequence[Page]:
    """Pages of a year before ``first_kept`` (by their batch's creation when unknown)."""
    created_cutoff = datetime(first_kept, 1, 1, tzinfo=UTC)
    query = (
        select(Page)
        .join(Batch, col(Page.batch_id) == col(Batch.id))
        .where(
            or_(
                col(Page.year) < first_kept,
                and_(col(Page.year).is_(None), col(Batch.created_at) < created_cutoff),
            )
        )
        .order_by(col(Page.id))
    )
    return session.exec(query).all()


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), ID_CHUNK):
        yield ordered[start : start + ID_CHUNK]


def _fields_of(session: Session, page_ids: set[int]) -> list[Field]:
    fields: list[Field] = []
    for chunk in _chunks(page_ids):
        fields.extend(session.exec(select(Field).where(col(Field.page_id).in_(chunk))).all())
    return fields


def _originals_only_on(session: Session, old_ids: set[int]) -> list[SourceFile]:
    """Stored originals all of whose pages are old (a file may span years)."""
    pages_by_file: dict[int, set[int]] = {}
    file_ids: set[int] = set()
    for chunk in _chunks(old_ids):
        file_ids.update(session.exec(select(Page.file_id).where(col(Page.id).in_(chunk))).all())
    for chunk in _chunks(file_ids):
        for file_id, page_id in session.exec(
            select(Page.file_id, Page.id).where(col(Page.file_id).in_(chunk))
        ).all():
            pages_by_file.setdefault(file_id, set()).add(page_id or 0)
    fully_old = [f for f, ids in pages_by_file.items() if ids <= old_ids]
    sources: list[SourceFile] = []
    for chunk in _chunks(fully_old):
        sources.extend(
            session.exec(
                select(SourceFile).where(
                    col(SourceFile.id).in_(chunk), col(SourceFile.stored_path).is_not(None)
                )
            ).all()
        )
    return sources


def _anonymize_field_edits(session: Session, field_ids: list[int], *, dry_run: bool) -> int:
    """Clear the values kept in the review history of these fields; how many rows held any.

    The history table belongs to the review module and may be missing in an installation
    that never had it, so it is found by name rather than imported.
    """
    connection = session.connection()
    if not field_ids or not inspect(connection).has_table(FIELD_EDIT_TABLE):
        return 0
    table = Table(FIELD_EDIT_TABLE, MetaData(), autoload_with=connection)
    values = [table.c[name] for name in FIELD_EDIT_VALUES if name in table.c]
    if not values or "field_id" not in table.c:
        return 0
    holding = or_(*(c.is_not(None) for c in values))
    touched = 0
    for chunk in _chunks(field_ids):
        where = and_(table.c.field_id.in_(chunk), holding)
        if dry_run:
            touched += len(connection.execute(table.select().where(where)).all())
        else:
            done = connection.execute(
                update(table).where(where).values({c.name: null() for c in values})
            )
            touched += done.rowcount
    return touched


def _delete_page_image(data_dir: Path, page: Page) -> None:
    """The page image and the debug images saved beside it (`<stem>.<name>.png`)."""
    image = Path(page.image_path or "")
    _delete_under(data_dir, image.as_posix())
    for debug in (data_dir / image.parent).glob(f"{image.stem}.*.png"):
        _delete_under(data_dir, debug.relative_to(data_dir).as_posix())


def _delete_under(data_dir: Path, relative: str) -> None:
    """Delete a file named relative to ``data_dir``, refusing any path that leaves it."""
    if not relative:
        return
    root = data_dir.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root) or target == root:
        log.warning("retention: a stored path outside the data dir was left alone")
        return
    target.unlink(missing_ok=True)
