"""The document page: one scanned page, its field boxes, and every field to confirm or correct
from the keyboard.

The page is laid out here (which fields, in which grid); the values come from the JSON API
in the browser (`static/document.js`), so masking, history and the version check are the
API's, and every correction goes through it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.deps import SessionDep
from api.errors import Forbidden, NotFound
from api.permissions import Can
from api.routes.pages import masked_detail, page_history
from forms import spec
from ocr.confidence import doubt
from records import crud
from records.models import PageDetail, PageStatus
from review_ui import labels
from review_ui.jumps import DOCUMENT_JUMP_KEYS, jump_letters
from review_ui.labels import label
from review_ui.session import ScreenUser, screen_context

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.globals.update(
    form_label=lambda code: label(labels.FORM_LABELS, code),
    page_status_label=lambda code: label(labels.PAGE_STATUS_LABELS, code),
    batch_status_label=lambda code: label(labels.BATCH_STATUS_LABELS, code),
)

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Slot:
    """One field as the page shows it: where its input goes and whether it has a crop."""

    key: str
    label: str
    kind: str
    has_box: bool
    review: bool
    view: tuple[int, int, int, int] | None = None  # the cell with a margin, in page pixels
    jump: str = ""  # Alt + this letter focuses the field (review_ui.jumps)


@dataclass(frozen=True)
class Layout:
    """The header fields, then a grid of rows (record rows of a card, contacts of form R)."""

    header: list[Slot]
    grid_headers: tuple[str, ...]
    grid: list[tuple[int, list[Slot]]]


@router.get("/pages/{page_id}", response_class=HTMLResponse)
def document_page(
    page_id: int, request: Request, user: ScreenUser, session: SessionDep
) -> HTMLResponse:
    if not user.can(Can.see_pages):
        raise Forbidden("您的角色不能查看卡片。", "Your role may not see cards.")
    page = crud.get_page_detail(session, page_id=page_id)
    if page is None or (user.committee is not None and page.committee != user.committee):
        raise NotFound(f"页面 {page_id} 不存在。", f"Page {page_id} does not exist.")
    can_review = user.can(Can.review)
    editable = can_review and page.status == PageStatus.needs_review
    layout = page_layout(page)
    config = {
        "pageId": page.id,
        "form": page.form,
        "editable": editable,
        "canReview": can_review,
        "csrf": user.csrf_token,
        "slots": [asdict(s) for s in (*layout.header, *(s for _, r in layout.grid for s in r))],
        "noteLabels": labels.FIELD_NOTE_LABELS,
        "linkSourceLabels": labels.LINK_SOURCE_LABELS,
        "statusLabels": labels.PAGE_STATUS_LABELS,
        # The page's data as the API gives it, so the page is ready without asking again.
        "detail": masked_detail(page, user).model_dump(mode="json"),
        "history": [e.model_dump(mode="json") for e in page_history(session, user, page_id)],
        # How likely each field sent to a person is wrong (calibrated per kind): the
        # reviewer's order, likeliest mistake first, whatever the kinds.
        "doubt": {
            f.key: round(doubt(spec.review_class(f.key), f.confidence), 4)
            for f in page.fields
            if f.needs_review
        },
    }
    return templates.TemplateResponse(
        request,
        "document.html",
        {
            "page": page,
            "layout": layout,
            "editable": editable,
            "can_review": can_review,
            "reasons": _reasons(page.notes),
            "config_json": json.dumps(config, ensure_ascii=False).replace("</", "<\\/"),
            **screen_context(user),
        },
    )


def _crop_view(bbox: list[int]) -> tuple[int, int, int, int]:
    """The window of the page image that shows a cell and a little around it."""
    x, y, w, h = bbox
    margin = max(4, round(0.1 * min(w, h)))
    return (x - margin, y - margin, w + 2 * margin, h + 2 * margin)


def page_layout(page: PageDetail) -> Layout:
    """Where each of the page's fields goes: header rows, then the form's row grid."""
    fields = {f.key: f for f in page.fields}

    def slot(key: str) -> Slot:
        found = fields.get(key)
        return Slot(
            key=key,
            label=labels.field_key_label(key),
            kind=spec.field_kind(key),
            has_box=bool(found and found.bbox),
            review=bool(found and found.needs_review),
            view=_crop_view(found.bbox) if found and found.bbox else None,
        )

    parts: tuple[str, ...]
    headers: tuple[str, ...]
    if page.form == "service_card":
        header = [slot("year"), *(slot(k) for row in spec.S_HEADER_KEYS for k in row)]
        parts, headers, count = spec.S_ROW_FIELDS, spec.S_RECORD_HEADERS[1:], spec.S_RECORD_ROWS
        prefix = "rows"
    elif page.form == "registration":
        header = [slot(k) for row in spec.R_MEMBER_KEYS for k in row]
        parts, headers = spec.R_CONTACT_FIELDS, spec.R_CONTACT_HEADERS[1:]
        count, prefix = spec.R_CONTACT_ROWS, "contacts"
    else:
        return Layout([], (), [])
    grid = [(no, [slot(f"{prefix}.{no}.{part}") for part in parts]) for no in range(1, count + 1)]
    letters = iter(jump_letters(len(header) + count * len(parts), DOCUMENT_JUMP_KEYS))
    header = [replace(s, jump=next(letters)) for s in header]
    grid = [(no, [replace(s, jump=next(letters)) for s in row]) for no, row in grid]
    return Layout(header, headers, grid)


def _reasons(notes: list[str]) -> list[tuple[str, str]]:
    """Why the page was rejected or reopened, from its notes."""
    out = []
    for note in notes:
        kind, _, reason = note.partition(":")
        if kind in ("rejected", "reopened") and reason:
            out.append(("退回原因" if kind == "rejected" else "重新审核原因", reason))
        elif kind == "duplicate_page" and reason:
            out.append(("重复页面", f"与页面 {reason} 的图像相同，不再计入"))
        elif kind == "possible_duplicate" and reason:
            out.append(("可能重复", f"与页面 {reason} 可能是同一卡片的重复扫描，请核对"))
    return out
