"""Pages found twice, decided when a batch finishes (after linking), the same way however the
batch was run: a page is compared with every page before it in (file, page) order.

* `same_page`: the straightened page matches an earlier page's image signature
  (`ocr.page_hash`): the same sheet in another file. Status `duplicate`, never counted, and
  a note `duplicate_page:<id>` names the page kept.
* `same_card`: a re-scan of a card already in the system — the same card code, or the same
  member, contact (service cards) and written rows (the rows of one within the other's: a
  card scanned in October and again in December with more rows). The page stays in review
  with a note `possible_duplicate:<id>`: a reviewer keeps one and rejects the other (the
  tally also flags a second confirmed card of one member, contact and year).

Only pages still in review are marked; a page a person has confirmed or rejected is theirs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
from sqlmodel import Session, col, select

from ingest.types import DuplicatePage
from ocr.page_hash import decode_signature, same_page_mask
from records.models import Field, Page, PageStatus, SourceFile, utcnow

SAME_PAGE_NOTE = "duplicate_page:"
SAME_CARD_NOTE = "possible_duplicate:"
FORMS = ("registration", "service_card")
BLANK = "blank"
"""The form of a page that ingest read as blank (`ocr.pipeline`)."""
_ORIGINAL_STATUSES = (PageStatus.needs_review, PageStatus.confirmed, PageStatus.rejected)

PageKey = tuple[int, int]


def _key(page: Page) -> PageKey:
    return (page.file_id, page.page_no)


def mark_duplicate_pages(session: Session, *, batch_id: int) -> list[DuplicatePage]:
    """Mark the batch's pages found before (in this batch or earlier ones); returns every
    page of the batch that is marked, with the page it repeats."""
    pages = session.exec(
        select(Page)
        .where(col(Page.batch_id) == batch_id, col(Page.form).in_(FORMS))
        .order_by(col(Page.file_id), col(Page.page_no))
    ).all()
    todo = [p for p in pages if p.status == PageStatus.needs_review and not _marked(p)]
    if todo:
        forms = {p.form for p in todo}
        others = session.exec(
            select(Page).where(col(Page.form).in_(forms), col(Page.status).in_(_ORIGINAL_STATUSES))
        ).all()
        _mark_same_pages(todo, others)
        remaining = [p for p in todo if p.status == PageStatus.needs_review]
        # A card scanned again after its first scan was rejected is the fix, not a repeat.
        kept = [p for p in others if p.status in (PageStatus.needs_review, PageStatus.confirmed)]
        _mark_same_cards(session, remaining, kept)
        for page in todo:
            if _marked(page):
                page.updated_at = utcnow()
                session.add(page)
        session.flush()
    return _findings(session, pages)


def _marked(page: Page) -> bool:
    return any(n.startswith((SAME_PAGE_NOTE, SAME_CARD_NOTE)) for n in page.notes)


def _mark_same_pages(todo: Sequence[Page], others: Sequence[Page]) -> None:
    """Status `duplicate` for a page whose image matches an earlier page of its form."""
    groups: dict[str, list[tuple[Page, np.ndarray]]] = defaultdict(list)
    for page in sorted(others, key=_key):
        blocks = decode_signature(page.image_hash) if page.image_hash else None
        if blocks is not None:
            groups[page.form].append((page, blocks))
    matrices = {form: np.stack([b for _, b in group]) for form, group in groups.items()}
    for page in todo:
        blocks = decode_signature(page.image_hash) if page.image_hash else None
        if blocks is None or page.form not in groups:
            continue
        group = groups[page.form]
        for index in np.flatnonzero(same_page_mask(matrices[page.form], blocks)):
            earlier = group[int(index)][0]
            if _key(earlier) >= _key(page):
                break  # rows are in (file, page) order: only earlier pages count
            if earlier.status != PageStatus.duplicate:
                page.status = PageStatus.duplicate
                page.notes = [*page.notes, f"{SAME_PAGE_NOTE}{earlier.id}"]
                break


def _mark_same_cards(session: Session, todo: Sequence[Page], others: Sequence[Page]) -> None:
    """A note for a page that repeats an earlier card by code, or by member and content."""
    if not todo:
        return
    values = _field_values(session, [*todo, *others])
    by_code: dict[str, list[Page]] = defaultdict(list)
    by_member: dict[tuple[str, int], list[Page]] = defaultdict(list)
    for page in sorted(others, key=_key):
        if page.card_code:
            by_code[page.card_code].append(page)
        if page.member_id is not None:
            by_member[(page.form, page.member_id)].append(page)
    for page in todo:
        mine = _identity(page, values.get(page.id or 0, {}))
        candidates = [*by_code.get(page.card_code or "", [])]
        if page.member_id is not None:
            candidates += by_member.get((page.form, page.member_id), [])
        for earlier in sorted(candidates, key=_key):
            if _key(earlier) >= _key(page):
                break
            if earlier.form != page.form:
                continue
            theirs = _identity(earlier, values.get(earlier.id or 0, {}))
            if _same_card(page, earlier, mine, theirs):
                page.notes = [*page.notes, f"{SAME_CARD_NOTE}{earlier.id}"]
                break


def _field_values(session: Session, pages: Iterable[Page]) -> dict[int, dict[str, object]]:
    ids = {p.id for p in pages if p.id is not None}
    out: dict[int, dict[str, object]] = defaultdict(dict)
    wanted = ("rows.", "contacts.")
    for field in session.exec(select(Field).where(col(Field.page_id).in_(ids))).all():
        if field.key.startswith(wanted) and field.key.endswith((".date", ".manner", ".name")):
            out[field.page_id][field.key] = field.value
    return out


def _identity(page: Page, values: dict[str, object]) -> frozenset[tuple[str, str]]:
    """What a card says beside its header: its written rows (service card: date and manner;
    form R: the contacts' names), as a set of non-empty values."""
    if page.form == "service_card":
        rows = {k.rsplit(".", 1)[0] for k in values if k.startswith("rows.")}
        said = {
            (str(values.get(f"{r}.date")), str(values.get(f"{r}.manner")))
            for r in rows
            if values.get(f"{r}.date") not in (None, "")
        }
    else:
        said = {
            ("contact", str(v))
            for k, v in values.items()
            if k.startswith("contacts.") and k.endswith(".name") and v not in (None, "")
        }
    return frozenset(said)


def _same_card(
    page: Page,
    earlier: Page,
    mine: frozenset[tuple[str, str]],
    theirs: frozenset[tuple[str, str]],
) -> bool:
    if page.card_code and page.card_code == earlier.card_code:
        return True
    if page.member_id is None or page.member_id != earlier.member_id:
        return False
    if page.year is not None and earlier.year is not None and page.year != earlier.year:
        return False
    if page.form == "service_card" and (
        page.contact_no is None or page.contact_no != earlier.contact_no
    ):
        return False
    # One scan may be older, before more rows were written: rows of one within the other's.
    return bool(mine) and bool(theirs) and (mine <= theirs or theirs <= mine)


def _findings(session: Session, pages: Sequence[Page]) -> list[DuplicatePage]:
    """Every marked page of the batch with the page it repeats, as the report shows them."""
    marked: list[tuple[Page, str, int]] = []
    for page in pages:
        for note in page.notes:
            for prefix, kind in ((SAME_PAGE_NOTE, "same_page"), (SAME_CARD_NOTE, "same_card")):
                if note.startswith(prefix) and note[len(prefix) :].isdigit():
                    marked.append((page, kind, int(note[len(prefix) :])))
    if not marked:
        return []
    originals = {
        p.id: p
        for p in session.exec(select(Page).where(col(Page.id).in_({o for _, _, o in marked}))).all()
    }
    file_ids = {p.file_id for p, _, _ in marked} | {p.file_id for p in originals.values()}
    names = {
        f.id: f.original_name
        for f in session.exec(select(SourceFile).where(col(SourceFile.id).in_(file_ids))).all()
    }
    out = []
    for page, kind, original_id in marked:
        original = originals.get(original_id)
        if original is None or page.id is None:
            continue
        out.append(
            DuplicatePage(
                kind=kind,
                page_id=page.id,
                file_name=names.get(page.file_id, ""),
                page_no=page.page_no,
                original_page_id=original_id,
                original_file_name=names.get(original.file_id, ""),
                original_page_no=original.page_no,
                original_batch_id=original.batch_id,
            )
        )
    return out
