"""Property tests over every parser (dates, phones, names, vocabulary, year, card codes,
roster rows) and the geometry functions: no exception on any input, outputs in their
normal form and closed sets, normalizing twice changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forms.vocabulary import COMMITTEES, SECTORS
from ocr.geometry import (
    apply,
    as_tuple,
    order_quad,
    quad_corners,
    quad_size,
    scale_matrix,
    transform_box,
    translate_matrix,
    turn_matrix,
)
from ocr.parse import (
    format_card_code,
    name_similarity,
    normalize_text,
    parse_card_code,
    parse_date,
    parse_phone,
    parse_year,
    plausible_name,
    snap_name,
    snap_vocabulary,
    strip_label,
)
from ocr.types import Box
from records.roster_file import RosterFileError, read_roster_bytes

FUZZ = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
"""Modest runs with a deadline: a parser that hangs on an input fails instead of stalling."""

# Text as OCR gives it: digits, date and phone punctuation, Chinese numerals and names,
# confusable letters, full-width forms, spaces and anything else.
OCR_ALPHABET = (
    "0123456789 .-/:年月日号〇零一二两三四五六七八九十廿卅○OolI|丨()（）+"
    "张王李陈刘杨民革盟建进农工致公九三学社界新桥镇城南园区靖江工商联度：，、"
)
ocr_text = st.text(OCR_ALPHABET, max_size=30) | st.text(max_size=30)
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-\d{7,8}")


@FUZZ
@given(ocr_text, st.none() | st.integers(1990, 2100))
def test_dates_are_iso_and_reparse_to_themselves(raw: str, year: int | None) -> None:
    parsed = parse_date(raw, year=year)
    if parsed.value is None:
        assert not parsed.valid
        return
    assert isinstance(parsed.value, str)
    day = dt.date.fromisoformat(parsed.value)  # a real calendar date
    if parsed.valid and year is not None:
        assert day.year == year
    again = parse_date(parsed.value, year=year)
    assert (again.value, again.valid) == (parsed.value, parsed.valid)


@FUZZ
@given(ocr_text)
def test_phones_are_mobile_or_landline_and_idempotent(raw: str) -> None:
    parsed = parse_phone(raw)
    if parsed.valid:
        assert isinstance(parsed.value, str)
        assert MOBILE.fullmatch(parsed.value) or LANDLINE.fullmatch(parsed.value)
        assert parse_phone(parsed.value).value == parsed.value
    else:
        assert parsed.note


@FUZZ
@given(ocr_text, st.sampled_from([SECTORS, COMMITTEES]))
def test_vocabulary_snaps_only_into_its_closed_list(raw: str, table: dict) -> None:
    parsed = snap_vocabulary(raw, table)
    assert parsed.value is None or parsed.value in table
    assert 0.0 <= parsed.similarity <= 1.0 and 0.0 <= parsed.margin <= 1.0
    if parsed.valid:
        assert isinstance(parsed.value, str)
        assert snap_vocabulary(parsed.value, table).value == parsed.value


@FUZZ
@given(ocr_text)
def test_year_is_in_range_and_idempotent(raw: str) -> None:
    parsed = parse_year(raw)
    if parsed.valid:
        assert isinstance(parsed.value, int) and 2000 <= parsed.value <= 2099
        assert parse_year(str(parsed.value)).value == parsed.value
        assert parse_year(f"年度：{parsed.value}年").value == parsed.value


@FUZZ
@given(ocr_text, st.lists(st.text("张王李陈刘杨明华国强伟芳 ·", max_size=5), max_size=6))
def test_names_snap_to_a_candidate_or_keep_the_read(raw: str, candidates: list[str]) -> None:
    parsed = snap_name(raw, candidates)
    read = normalize_text(raw)
    assert parsed.value in (None, read, *candidates)
    assert 0.0 <= parsed.similarity <= 1.0
    if parsed.valid:
        assert parsed.value in candidates
    for candidate in candidates:
        score = name_similarity(raw, candidate)
        assert 0.0 <= score <= 1.0
        assert score == name_similarity(candidate, raw)
    plausible_name(raw)  # a yes or no, never an exception


@FUZZ
@given(st.text(max_size=40), st.lists(st.text(max_size=4), max_size=3))
def test_text_normalization_is_idempotent(raw: str, labels: list[str]) -> None:
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert once == once.strip()
    stripped = strip_label(raw, labels)
    assert normalize_text(stripped) == stripped


card_texts = st.one_of(
    st.text(max_size=40),
    st.builds(
        "|".join,
        st.lists(
            st.sampled_from(["SC1", "RT1", "2026", "2099", "1999", "JJ0123", "7", "3", " ", ""])
            | st.text(max_size=6),
            max_size=5,
        ),
    ),
)


@FUZZ
@given(card_texts)
def test_a_parsed_card_code_formats_to_a_canonical_text(text: str) -> None:
    code = parse_card_code(text)
    if code is None:
        return
    canonical = format_card_code(code)
    assert parse_card_code(canonical) == code
    assert format_card_code(parse_card_code(canonical) or code) == canonical
    assert 2000 <= code.year <= 2099
    assert code.contact_no is None or 1 <= code.contact_no <= 6


# --- roster rows -------------------------------------------------------------------------

HEADER = ["委员编号", "姓名", "界别", "政协工委", "联系电话", "是否常委"]
cells = st.text(OCR_ALPHABET + 'AJ,"\n', max_size=12)


@FUZZ
@given(st.lists(st.lists(cells, min_size=6, max_size=6), min_size=1, max_size=8))
def test_roster_rows_are_normalized_or_reported(rows: list[list[str]]) -> None:
    """Whatever the cells say, each row is read normalized or comes back as a row error, and
    the rows read, written out again, read back the same."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerows([HEADER, *rows])
    try:
        read = read_roster_bytes(text.getvalue().encode("utf-8"), filename="名单.csv")
    except RosterFileError as e:
        assert e.code in ("bad_csv", "no_header", "too_many_rows")
        return
    for row in read.rows:
        assert row.code and row.name
        assert row.sector is None or row.sector in SECTORS
        assert row.committee is None or row.committee in COMMITTEES
        assert row.phone is None or MOBILE.fullmatch(row.phone) or LANDLINE.fullmatch(row.phone)
    assert all(e.code and e.message for e in read.errors)
    again = io.StringIO()
    writer = csv.writer(again, lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in read.rows:
        writer.writerow(
            [r.code, r.name, r.sector, r.committee, r.phone, "是" if r.standing else ""]
        )
    reread = read_roster_bytes(again.getvalue().encode("utf-8"), filename="名单.csv")
    assert [replace(r, row_no=0) for r in reread.rows] == [replace(r, row_no=0) for r in read.rows]


# --- geometry ----------------------------------------------------------------------------

coords = st.floats(-2000, 2000, allow_nan=False, allow_infinity=False)
points = st.lists(st.tuples(coords, coords), min_size=1, max_size=20)


@FUZZ
@given(
    points,
    st.floats(0.1, 10),
    st.floats(0.1, 10),
    coords,
    coords,
    st.integers(0, 3),
    st.integers(1, 3000),
    st.integers(1, 3000),
)
def test_homographies_invert_and_compose(
    pts: list[tuple[float, float]],
    sx: float,
    sy: float,
    tx: float,
    ty: float,
    turns: int,
    w: int,
    h: int,
) -> None:
    matrix = translate_matrix(tx, ty) @ turn_matrix(turns, w, h) @ scale_matrix(sx, sy)
    array = np.array(pts)
    there = apply(matrix, array)
    back = apply(np.linalg.inv(matrix), there)
    assert np.allclose(back, array, atol=1e-6 * (1 + np.abs(array).max()))
    normal = np.array(as_tuple(matrix * 3.0))
    assert normal[2, 2] == 1.0 and np.allclose(normal, matrix / matrix[2, 2])


@FUZZ
@given(
    st.integers(-500, 500),
    st.integers(-500, 500),
    st.integers(1, 400),
    st.integers(1, 400),
    coords,
    coords,
)
def test_boxes_move_with_translations(x: int, y: int, w: int, h: int, tx: float, ty: float) -> None:
    moved = transform_box(translate_matrix(round(tx), round(ty)), Box(x, y, w, h))
    assert moved == Box(x + round(tx), y + round(ty), w, h)


@FUZZ
@given(st.floats(20, 2000), st.floats(20, 2000), st.floats(-60, 60), coords, coords, st.randoms())
def test_the_corners_of_a_rotated_rectangle_are_found_and_ordered(
    w: float, h: float, angle: float, cx: float, cy: float, rng: object
) -> None:
    theta = np.deg2rad(angle)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    half = np.array([[-w, -h], [w, -h], [w, h], [-w, h]]) / 2
    corners = half @ rot.T + [cx, cy]
    # Points along the sides too, shuffled: the corners are what reaches furthest out.
    sides = [
        corners[i] + t * (corners[(i + 1) % 4] - corners[i]) for i in range(4) for t in (0.3, 0.7)
    ]
    cloud = np.array([*corners, *sides])
    np.random.default_rng(abs(hash(rng)) % 2**32).shuffle(cloud)
    found = quad_corners(cloud)
    scale = 1e-4 * (1 + np.abs(corners).max())  # quad_corners works in float32
    for corner in corners:
        assert min(np.linalg.norm(found - corner, axis=1)) < scale
    ordered = order_quad(found)
    assert ordered[0].sum() == min(p.sum() for p in ordered)  # top-left first
    width, height = quad_size(ordered)
    assert np.allclose(sorted((width, height)), sorted((w, h)), rtol=1e-3)
