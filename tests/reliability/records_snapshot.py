"""Everything a batch stored, keyed by what a person knows (file name, page number, member
code) rather than row ids, so two installations can be compared."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from records.db import make_engine
from records.models import Batch, Field, Member, Page, SourceFile


def _sha(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def snapshot(database_url: str, data_dir: Path) -> dict[str, Any]:
    """Batches, files, pages (with their fields and image digests) of one installation."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            members = {m.id: m.code for m in session.exec(select(Member)).all()}
            files = session.exec(select(SourceFile).order_by(col(SourceFile.id))).all()
            names = {f.id: f.original_name for f in files}
            pages = session.exec(select(Page)).all()
            page_ref = {p.id: (names[p.file_id], p.page_no) for p in pages}
            out_pages: dict[tuple[str, int], Any] = {}
            for page in pages:
                fields = session.exec(select(Field).where(Field.page_id == page.id)).all()
                notes = [_stable_note(n, page_ref) for n in page.notes]
                out_pages[(names[page.file_id], page.page_no)] = {
                    "status": str(page.status),
                    "form": page.form,
                    "rotation": page.rotation,
                    "size": (page.width, page.height, page.source_width, page.source_height),
                    "card_code": page.card_code,
                    "year": page.year,
                    "member": members.get(page.member_id),
                    "contact_no": page.contact_no,
                    "link_source": page.link_source,
                    "committee": page.committee,
                    "notes": notes,
                    "error": page.error,
                    "image_hash": page.image_hash,
                    "image": _sha(data_dir / page.image_path) if page.image_path else None,
                    "fields": {
                        f.key: (
                            f.value,
                            f.raw,
                            round(f.confidence, 6),
                            f.needs_review,
                            f.engine,
                            f.note,
                            f.bbox,
                        )
                        for f in fields
                    },
                }
            batches = [
                (
                    str(b.status),
                    b.files_total,
                    b.files_ingested,
                    b.files_duplicate,
                    b.files_failed,
                    b.pages_total,
                    b.pages_failed,
                )
                for b in session.exec(select(Batch).order_by(col(Batch.id))).all()
            ]
            out_files = sorted(
                (f.original_name, str(f.status), f.pages, f.error_code, f.sha256) for f in files
            )
    finally:
        engine.dispose()
    return {"batches": batches, "files": out_files, "pages": out_pages}


def _stable_note(note: str, page_ref: dict[int | None, tuple[str, int]]) -> str:
    """`duplicate_page:12` → `duplicate_page:scan.pdf#3` (ids differ between installations)."""
    prefix, _, rest = note.partition(":")
    if rest.isdigit() and int(rest) in page_ref:
        name, number = page_ref[int(rest)]
        return f"{prefix}:{name}#{number}"
    return note
