"""Match the found cells against the row structure of forms R and S.

The structure of FORMS.md is fixed even where sizes are not: a service card has
two rows of six cells (label/blank pairs) above a record table of nine rows of
five cells; a registration table has rows of four cells with two full-width
section rows. Trying the four quarter turns of the cell boxes and keeping the
one that matches gives form, orientation and the field of every cell at once.

A row that a strike-through split or a faint line merged is fitted to the
columns that the other rows of its block agree on, so one damaged row does not
lose the page.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from forms.spec import (
    R_CONTACT_FIELDS,
    R_CONTACT_ROWS,
    R_MEMBER_KEYS,
    S_HEADER_KEYS,
    S_RECORD_ROWS,
    S_ROW_FIELDS,
)
from ocr.geometry import transform_box, turn_matrix
from ocr.grid import group_rows
from ocr.types import Box

Row = list[Box]


@dataclass(frozen=True)
class FormMatch:
    """A form recognized from its grid: the quarter turns that make it upright and its fields."""

    form: str
    quarter_turns: int
    fields: dict[str, Box]
    table: Box
    score: float


@dataclass(frozen=True)
class _Block:
    """Consecutive rows fitted to ``n`` columns, and how many matched exactly."""

    rows: list[Row]
    exact: int


def _clean(row: Row) -> bool:
    """No cell of the row reaches into a neighbouring row (as a leaked cell does)."""
    top, bottom = _band(row)
    return all(c.h <= 1.5 * (bottom - top) for c in row)


def _columns(rows: list[Row], n: int) -> list[float] | None:
    """Column edges (n + 1 x positions) agreed on by the clean rows having ``n`` cells."""
    exact = [r for r in rows if len(r) == n]
    agreeing = [r for r in exact if _clean(r)] or exact
    if not agreeing:
        return None
    lefts = np.median([[c.x for c in r] for r in agreeing], axis=0)
    right = float(np.median([r[-1].x2 for r in agreeing]))
    return [float(v) for v in lefts] + [right]


def _fit_row(row: Row, edges: list[float]) -> Row | None:
    """The row as one cell per column: split pieces merged, a merged cell cut at the edges.

    One column with no cell of its own (its region leaked into a neighbour where
    writing broke a line) is filled from the column edges and the row's band.
    """
    top, bottom = _band(row)
    fitted: Row = []
    missing = 0
    for left, right in itertools.pairwise(edges):
        inside = [c for c in row if c.x < right and c.x2 > left]
        pieces = [
            c for c in inside if min(c.x2, right) - max(c.x, left) > 0.5 * min(c.w, right - left)
        ]
        x0, x1, y0, y1 = round(left), round(right), top, bottom
        if pieces:  # the cell's own extent, within its column and its row's band
            x0 = max(min(c.x for c in pieces), x0)
            x1 = min(max(c.x2 for c in pieces), x1)
            y0 = max(min(c.y for c in pieces), top)
            y1 = min(max(c.y2 for c in pieces), bottom)
        else:
            missing += 1
        if missing > 1 or x1 - x0 < 0.5 * (right - left):
            return None
        fitted.append(Box(x0, y0, x1 - x0, y1 - y0))
    return fitted


def _block(rows: list[Row], n: int, min_exact: int) -> _Block | None:
    """Fit ``rows`` to ``n`` columns if ``min_exact`` of them already have ``n`` cells."""
    exact = sum(len(r) == n for r in rows)
    if exact < min_exact:
        return None
    edges = _columns(rows, n)
    if edges is None:
        return None
    fitted = []
    for row in rows:
        if not n - 1 <= len(row) <= n + 2:
            return None
        fit = _fit_row(row, edges)
        if fit is None:
            return None
        fitted.append(fit)
    return _Block(fitted, exact)


def _band(row: Row) -> tuple[int, int]:
    """Top and bottom of a row, robust to one cell spanning into the next row."""
    return round(float(np.median([c.y for c in row]))), round(float(np.median([c.y2 for c in row])))


def _narrow_first(rows: list[Row]) -> float:
    """Share of rows whose first cell (the printed 序号) is the narrowest, on the left."""
    return sum(r[0].w < 0.8 * min(c.w for c in r[1:]) for r in rows) / len(rows)


@dataclass(frozen=True)
class _Template:
    """A form's row structure: label/blank rows on top, then a numbered table below.

    Between the two a full-width row may stand (S: the record title drawn inside the
    table; R: the section row 联系群众基本情况). ``*_exact`` is how many rows of each
    block must already have their count of cells before the others are fitted.
    """

    form: str
    top_keys: tuple[tuple[str, ...], ...]
    body_prefix: str
    body_fields: tuple[str, ...]
    body_rows: int
    top_exact: int
    body_exact: int


TEMPLATES = (
    _Template("service_card", S_HEADER_KEYS, "rows", S_ROW_FIELDS, S_RECORD_ROWS, 1, 7),
    _Template("registration", R_MEMBER_KEYS, "contacts", R_CONTACT_FIELDS, R_CONTACT_ROWS, 1, 5),
)


def _match(rows: list[Row], t: _Template) -> tuple[dict[str, Box], float] | None:
    """Fields and score of the best place where ``rows`` show template ``t``."""
    top_n, body_n = len(t.top_keys), t.body_rows + 1  # the body has its header row
    top_cols, body_cols = 2 * len(t.top_keys[0]), len(t.body_fields) + 1
    best: tuple[dict[str, Box], float] | None = None
    for start in range(len(rows) - top_n - body_n + 1):
        top = _block(rows[start : start + top_n], top_cols, t.top_exact)
        if top is None:
            continue
        body_start = start + top_n
        if body_start < len(rows) and len(rows[body_start]) == 1:
            body_start += 1
        if len(rows) < body_start + body_n:
            continue
        body = _block(rows[body_start : body_start + body_n], body_cols, t.body_exact)
        if body is None:
            continue
        fields: dict[str, Box] = {}
        for keys, row in zip(t.top_keys, top.rows, strict=True):
            for j, key in enumerate(keys):
                fields[key] = row[2 * j + 1]
        for i, row in enumerate(body.rows[1:], start=1):
            for j, name in enumerate(t.body_fields, start=1):
                fields[f"{t.body_prefix}.{i}.{name}"] = row[j]
        sections = (start > 0 and len(rows[start - 1]) == 1) + (body_start > start + top_n)
        score = top.exact + body.exact + 2 * _narrow_first(body.rows) + 0.5 * sections
        if best is None or score > best[1]:
            best = fields, score
    return best


def match_form(cells: list[Box], width: int, height: int) -> FormMatch | None:
    """The best (form, quarter turns) for these cells of a ``width``×``height`` page."""
    best: FormMatch | None = None
    for k in range(4):
        turn = turn_matrix(k, width, height)
        turned = [transform_box(turn, c) for c in cells]
        rows = group_rows(turned)
        for template in TEMPLATES:
            found = _match(rows, template)
            if found is None:
                continue
            fields, score = found
            if best is None or score > best.score:
                best = FormMatch(template.form, k, fields, _union(turned), score)
    return best


def _union(boxes: list[Box]) -> Box:
    arr = np.array([[b.x, b.y, b.x2, b.y2] for b in boxes])
    x0, y0 = arr[:, :2].min(axis=0)
    x1, y1 = arr[:, 2:].max(axis=0)
    return Box(int(x0), int(y0), int(x1 - x0), int(y1 - y0))
