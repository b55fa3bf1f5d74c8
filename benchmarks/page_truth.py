"""Compare page-analysis results with the generator's ground truth (pure functions).

A field cell counts as found when the detected box, mapped back through the
page's transform and the generator's ``form_to_image`` matrix into flat-form
coordinates, lies inside the true cell (with a tolerance for line width).
The ``year`` blank has no ruled cell: its box counts as found when it covers
the centre of the true blank and stays on that text line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks.batch_truth import BatchTruth

TOLERANCE_MM = 1.0


@dataclass
class PageScore:
    form_ok: bool
    rotation_ok: bool
    cells_total: int = 0
    cells_found: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def all_cells(self) -> bool:
        return self.cells_found == self.cells_total


def _to_form(
    box: list[int] | tuple[int, int, int, int],
    transform: np.ndarray,
    form_to_image: np.ndarray,
    image_scale: tuple[float, float],
) -> np.ndarray:
    """Corners of a page box in flat-form pixels."""
    x, y, w, h = box
    corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], dtype=np.float64)
    # raw image (as ingested) -> generator image grid: undo the PDF render scale
    scale = np.diag([1 / image_scale[0], 1 / image_scale[1], 1.0])
    page_to_form = np.linalg.inv(form_to_image) @ scale @ np.linalg.inv(transform)
    homog = np.hstack([corners, np.ones((4, 1))]) @ page_to_form.T
    return homog[:, :2] / homog[:, 2:3]


def score_page(
    truth: dict[str, Any],
    *,
    form: str,
    rotation: int,
    transform: Any,
    fields: dict[str, list[int]],
    raw_size: tuple[int, int],
) -> PageScore:
    """Score one analyzed page against its ground-truth object."""
    score = PageScore(form_ok=form == truth["form"], rotation_ok=True)
    geometry = truth.get("geometry") or {}
    cells: dict[str, list[float]] = geometry.get("cells") or {}
    if truth["form"] not in ("service_card", "registration"):
        return score
    score.rotation_ok = rotation == truth["rotation"]
    score.cells_total = len(cells)
    if not score.form_ok:
        score.missed = sorted(cells)
        return score
    gw, gh = geometry["image_size"]
    image_scale = (raw_size[0] / gw, raw_size[1] / gh)
    form_to_image = np.array(geometry["form_to_image"], dtype=np.float64)
    tol = TOLERANCE_MM * geometry.get("form_dpi", 300) / 25.4
    matrix = np.array(transform, dtype=np.float64)
    for key, (x, y, w, h) in cells.items():
        box = fields.get(key)
        if box is None:
            score.missed.append(key)
            continue
        pts = _to_form(box, matrix, form_to_image, image_scale)
        if key == "year":
            cx, cy = x + w / 2, y + h / 2
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            ok = x0 <= cx <= x1 and y0 <= cy <= y1 and y0 >= y - 1.5 * h and y1 <= y + 2.5 * h
        else:
            ok = bool(
                (pts[:, 0] >= x - tol).all()
                and (pts[:, 0] <= x + w + tol).all()
                and (pts[:, 1] >= y - tol).all()
                and (pts[:, 1] <= y + h + tol).all()
            )
        if ok:
            score.cells_found += 1
        else:
            score.missed.append(key)
    return score


def load_stored_pages(
    database_url: str, batch: BatchTruth
) -> dict[tuple[str, int], tuple[Any, dict[str, list[int]]]]:
    """Stored pages keyed by (file, page), as ``batch.key`` finds a truth record's page."""
    from sqlmodel import Session, select

    from records.db import make_engine
    from records.models import Field, Page, SourceFile

    stored: dict[tuple[str, int], tuple[Any, dict[str, list[int]]]] = {}
    with Session(make_engine(database_url)) as session:
        for page, name in session.exec(select(Page, SourceFile.original_name).join(SourceFile)):
            boxes = {
                f.key: list(f.bbox or [])
                for f in session.exec(select(Field).where(Field.page_id == page.id))
            }
            stored[batch.stored_key(name, page.page_no)] = (page, boxes)
    return stored


def score_stored(truth: dict[str, Any], page: Any, boxes: dict[str, list[int]]) -> PageScore:
    """Score a stored page (a ``records.models.Page`` and its field boxes) against truth."""
    return score_page(
        truth,
        form=page.form,
        rotation=page.rotation,
        transform=page.transform,
        fields=boxes,
        raw_size=(page.source_width or 0, page.source_height or 0),
    )
