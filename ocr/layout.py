"""Match the found cells against the row structure of forms R and S.

The structure of FORMS.md is fixed even where sizes are not: a service card has
two rows of six cells (label/blank pairs) above a record table of nine rows of
five cells; a registration table has rows of four cells with two full-width
section rows. Trying the four quarter turns of the cell boxes and keeping the
one that matches gives form, orientation and the field of every cell at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forms.spec import R_CONTACT_FIELDS, R_MEMBER_KEYS, S_HEADER_KEYS, S_ROW_FIELDS
from ocr.geometry import transform_box, turn_matrix
from ocr.grid import group_rows
from ocr.types import Box


@dataclass(frozen=True)
class FormMatch:
    """A form recognized from its grid: the quarter turns that make it upright and its fields."""

    form: str
    quarter_turns: int
    fields: dict[str, Box]
    table: Box
    score: float


def _narrow_first(row: list[Box]) -> bool:
    """The printed 序号 column is the narrowest, on the left."""
    return row[0].w < 0.8 * min(c.w for c in row[1:])


def _match_service_card(rows: list[list[Box]]) -> tuple[dict[str, Box], float] | None:
    counts = [len(r) for r in rows]
    for start in range(len(counts) - 10):
        if counts[start] != 6 or counts[start + 1] != 6:
            continue
        rec = start + 2
        if rec < len(counts) and counts[rec] == 1:
            rec += 1  # the record title drawn as a full-width row of the same table
        record = rows[rec : rec + 9]
        if len(record) < 9 or any(len(r) != 5 for r in record):
            continue
        fields: dict[str, Box] = {}
        for keys, row in zip(S_HEADER_KEYS, rows[start : start + 2], strict=True):
            for j, key in enumerate(keys):
                fields[key] = row[2 * j + 1]
        for i, row in enumerate(record[1:], start=1):
            for j, name in enumerate(S_ROW_FIELDS, start=1):
                fields[f"rows.{i}.{name}"] = row[j]
        narrow = sum(_narrow_first(r) for r in record) / len(record)
        return fields, 20.0 + narrow
    return None


def _match_registration(rows: list[list[Box]]) -> tuple[dict[str, Box], float] | None:
    counts = [len(r) for r in rows]
    for start in range(len(counts) - 8):
        if counts[start] != 4 or counts[start + 1] != 4:
            continue
        nxt = start + 2
        if nxt < len(counts) and counts[nxt] == 1:
            nxt += 1  # the section row 联系群众基本情况
        table = rows[nxt : nxt + 7]
        if len(table) < 7 or any(len(r) != 4 for r in table):
            continue
        fields: dict[str, Box] = {}
        for keys, row in zip(R_MEMBER_KEYS, rows[start : start + 2], strict=True):
            for j, key in enumerate(keys):
                fields[key] = row[2 * j + 1]
        for i, row in enumerate(table[1:], start=1):
            for j, name in enumerate(R_CONTACT_FIELDS, start=1):
                fields[f"contacts.{i}.{name}"] = row[j]
        narrow = sum(_narrow_first(r) for r in table) / len(table)
        has_sections = (start > 0 and counts[start - 1] == 1) + (nxt == start + 3)
        return fields, 10.0 + narrow + 0.5 * has_sections
    return None


def match_form(cells: list[Box], width: int, height: int) -> FormMatch | None:
    """The best (form, quarter turns) for these cells of a ``width``×``height`` page."""
    best: FormMatch | None = None
    for k in range(4):
        turn = turn_matrix(k, width, height)
        turned = [transform_box(turn, c) for c in cells]
        rows = group_rows(turned)
        for form, matcher in (
            ("service_card", _match_service_card),
            ("registration", _match_registration),
        ):
            found = matcher(rows)
            if found is None:
                continue
            fields, score = found
            if best is None or score > best.score:
                best = FormMatch(form, k, fields, _union(turned), score)
    return best


def _union(boxes: list[Box]) -> Box:
    arr = np.array([[b.x, b.y, b.x2, b.y2] for b in boxes])
    x0, y0 = arr[:, :2].min(axis=0)
    x1, y1 = arr[:, 2:].max(axis=0)
    return Box(int(x0), int(y0), int(x1 - x0), int(y1 - y0))
