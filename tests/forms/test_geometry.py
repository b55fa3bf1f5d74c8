"""The printed layout: FORMS.md's structure, paper sizes, and nothing printed over anything."""

from __future__ import annotations

import itertools

import pytest

from forms import spec
from forms.geometry import (
    A4_PORTRAIT_MM,
    A5_LANDSCAPE_MM,
    MARK_SIDE,
    FormGeometry,
    Rect,
    geometry_of,
    registration,
    service_card,
)
from samples.layout import A4_PORTRAIT, A5_LANDSCAPE, FORM_DPI

FORMS = ("service_card", "registration")


def _overlap(a: Rect, b: Rect) -> bool:
    return a.x < b.x2 and b.x < a.x2 and a.y < b.y2 and b.y < a.y2


def _inside(a: Rect, b: Rect) -> bool:
    return b.x <= a.x and b.y <= a.y and a.x2 <= b.x2 and a.y2 <= b.y2


def test_paper_sizes_and_the_generators_sizes_agree() -> None:
    assert (service_card().width, service_card().height) == A5_LANDSCAPE_MM == (210.0, 148.0)
    assert (registration().width, registration().height) == A4_PORTRAIT_MM == (210.0, 297.0)
    assert service_card().page_px(FORM_DPI) == A5_LANDSCAPE
    assert registration().page_px(FORM_DPI) == A4_PORTRAIT


@pytest.mark.parametrize("form", FORMS)
def test_every_field_has_one_cell_inside_the_table(form: str) -> None:
    g = geometry_of(form)
    keys = set(spec.field_keys(form))
    assert set(g.cells) == keys
    for key, cell in g.cells.items():
        if key != "year":
            assert _inside(cell, g.table), key
    for (ka, a), (kb, b) in itertools.combinations(g.cells.items(), 2):
        assert not _overlap(a, b), (ka, kb)


@pytest.mark.parametrize("form", FORMS)
def test_marks_code_and_table_stand_apart_inside_the_printable_area(form: str) -> None:
    g = geometry_of(form)
    page = Rect(0, 0, g.width, g.height)
    printable = Rect(5, 5, g.width - 10, g.height - 10)  # any printer reaches this far
    for mark in g.marks:
        assert mark.w == mark.h == MARK_SIDE
        assert _inside(mark, printable)
        assert not _overlap(mark, g.table) and not _overlap(mark, g.qr)
        for text in g.texts:
            assert not _overlap(mark, text.box), text.text
    assert _inside(g.qr, page) and not _overlap(g.qr, g.table)
    # The code stands top-right, outside the tables (FORMS.md).
    assert g.qr.cx > g.table.cx and g.qr.y2 <= g.table.y
    for text in g.texts:
        assert not _overlap(g.qr, text.box), text.text
    # The marks span a rectangle: one homography maps them, whatever the turn.
    (tl, tr, br, bl) = g.mark_centres
    assert tl[1] == tr[1] and bl[1] == br[1] and tl[0] == bl[0] and tr[0] == br[0]


def _rows(g: FormGeometry) -> list[list[Rect]]:
    """Cells of ruled rows: the field cells grouped by their top edge."""
    by_top: dict[float, list[Rect]] = {}
    for key, cell in g.cells.items():
        if key != "year":
            by_top.setdefault(round(cell.y, 3), []).append(cell)
    return [sorted(r, key=lambda c: c.x) for _, r in sorted(by_top.items())]


def test_service_card_structure_is_forms_md() -> None:
    g = service_card()
    rows = _rows(g)
    # 2 header rows of 3 blanks (beside their labels), 8 record rows of 4 written cells.
    assert [len(r) for r in rows] == [3, 3] + [4] * spec.S_RECORD_ROWS
    labels = [t.text for t in g.texts]
    for text in (spec.S_TITLE, spec.S_YEAR_LABEL, spec.S_RECORD_TITLE, spec.S_FOOTER,
                 *spec.S_RECORD_HEADERS, *itertools.chain(*spec.S_HEADER_LABELS)):
        assert text in labels
    assert labels.count("走访") == spec.S_RECORD_ROWS
    assert sorted(g.manner_boxes) == list(range(1, spec.S_RECORD_ROWS + 1))
    for i, boxes in g.manner_boxes.items():
        assert all(_inside(b, g.cells[f"rows.{i}.manner"]) for b in boxes)
    assert g.year_blank is not None and _inside(g.year_blank, g.cells["year"])


def test_registration_structure_is_forms_md() -> None:
    g = registration()
    rows = _rows(g)
    assert [len(r) for r in rows] == [2, 2] + [3] * spec.R_CONTACT_ROWS
    labels = [t.text for t in g.texts]
    for text in (spec.R_TITLE, spec.R_SECTION_MEMBER, spec.R_SECTION_CONTACTS, *spec.R_NOTES,
                 *spec.R_CONTACT_HEADERS, *itertools.chain(*spec.R_MEMBER_LABELS)):
        assert text in labels


@pytest.mark.parametrize("form", FORMS)
def test_cells_sit_between_their_ruled_lines(form: str) -> None:
    """Each cell edge lies on a ruled line (half its weight away from the line's centre)."""
    g = geometry_of(form)
    for key, cell in g.cells.items():
        if key == "year":
            continue
        for edge, horizontal in ((cell.y, True), (cell.y2, True), (cell.x, False),
                                 (cell.x2, False)):
            near = [
                r for r in g.rules
                if r.horizontal == horizontal
                and abs((r.y0 if horizontal else r.x0) - edge) <= r.weight / 2 + 1e-9
            ]
            assert near, (key, edge)
