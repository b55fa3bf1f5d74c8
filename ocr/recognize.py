"""Field recognition: every found cell of a page becomes a value, a raw read and a confidence.

Reads in three passes over the straightened page: marks and ink (manner boxes,
signatures, which record rows are blank), the OCR engines on the cells that
hold writing (batched per engine), then a parser per field kind. Names stay
provisional here: they snap to the roster and the member's contacts when the
page is linked (``records/linking.py``), where the closed sets live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from forms.spec import field_keys, field_kind, review_class, row_of
from forms.vocabulary import COMMITTEES, SECTORS
from ocr.confidence import field_confidence, needs_review
from ocr.crops import cut_cell, split_lines
from ocr.engines import OcrEngine, TextKind, get_engine
from ocr.engines.base import Choices
from ocr.marks import InkReading, MarkReading, cell_ink, read_manner
from ocr.parse import (
    Parsed,
    clause_commas,
    normalize_text,
    parse_date,
    parse_phone,
    parse_year,
    plausible_name,
    snap_vocabulary,
    strip_label,
)
from ocr.parse.words import best_reading, common_words
from ocr.types import Box

YEAR_LABELS = ("年度：", "年度:", "年度")
OMR = "omr"
WEAK_MARK = 0.5
"""A mark read with less confidence than this does not make a row written on its own."""
INK = "ink"
ENGINE_KIND: dict[str, TextKind] = {
    "phone": "digits",
    "date": "date",
    "year": "year",
    "name": "name",
}


@dataclass(frozen=True)
class RecognitionOptions:
    """Which engine reads which field kind, and the year for dates written without one."""

    engine: str = "rapidocr"
    engine_by_kind: tuple[tuple[str, str], ...] = ()
    default_year: int | None = None

    def engine_for(self, kind: str) -> str:
        return dict(self.engine_by_kind).get(kind, self.engine)


@dataclass(frozen=True)
class FieldReading:
    """One recognized field: normalized value, what was read, and how sure we are."""

    value: str | int | bool | None
    raw: str | None
    ocr_confidence: float
    confidence: float
    needs_review: bool
    engine: str | None
    note: str | None = None


def recognize_page(
    image: np.ndarray,
    form: str,
    boxes: Mapping[str, Box],
    options: RecognitionOptions,
    engines: Callable[[str], OcrEngine] = get_engine,
) -> dict[str, FieldReading]:
    """Readings for every field of ``form`` whose cell was found on the page."""
    keys = [k for k in field_keys(form) if k in boxes]
    cells = {k: cut_cell(image, boxes[k]) for k in keys}
    marks = {k: read_manner(cells[k]) for k in keys if field_kind(k) == "manner"}
    inks = {k: cell_ink(cells[k]) for k in keys if row_of(k) and field_kind(k) != "manner"}
    blank_rows = _blank_rows(keys, marks, inks)

    lines: dict[str, list[np.ndarray]] = {}
    for key in keys:
        kind = field_kind(key)
        if kind in ("manner", "signed") or (row_of(key) in blank_rows):
            continue
        if key in inks and not inks[key].has_ink:
            continue
        found = split_lines(cells[key])
        if found:
            lines[key] = found
    reads = _run_engines(lines, options, engines)

    out: dict[str, FieldReading] = {}
    year = options.default_year
    if "year" in keys:
        out["year"] = _year_reading(reads.get("year"), options.default_year)
        if isinstance(out["year"].value, int):
            year = out["year"].value
    for key in keys:
        if key == "year":
            continue
        kind = field_kind(key)
        if row_of(key) in blank_rows:
            out[key] = _blank_row_field(key, kind, marks, inks)
        elif kind == "manner":
            out[key] = _manner_reading(marks[key])
        elif kind == "signed":
            out[key] = _signed_reading(inks[key])
        elif key not in reads:  # a header blank's ink is measured only now, for its doubt
            out[key] = _empty_reading(key, kind, inks.get(key) or cell_ink(cells[key]))
        else:
            out[key] = _text_reading(key, kind, reads[key], year)
    return out


def _blank_rows(
    keys: list[str], marks: Mapping[str, MarkReading], inks: Mapping[str, InkReading]
) -> set[tuple[str, int]]:
    """Record and contact rows with no writing and no sure mark: blank, not errors.

    A signature alone or a faint mark alone makes no record (a neighbour's flourish
    over the line, a speck in a box): the row is blank and that cell is reviewed.
    """
    written: dict[tuple[str, int], bool] = {}
    for key in keys:
        row = row_of(key)
        if row is None:
            continue
        kind = field_kind(key)
        if kind == "manner":
            mark = marks[key]
            sure = mark.choice is not None and mark.confidence >= WEAK_MARK
            evidence = sure or mark.note == "two_marks"
        elif kind == "signed":
            evidence = False
        else:
            evidence = inks[key].has_ink
        written[row] = written.get(row, False) or evidence
    return {row for row, w in written.items() if not w}


@dataclass(frozen=True)
class CellRead:
    """What the engine read in one cell (its lines joined) and which engine read it."""

    text: str
    score: float
    engine: str
    choices: Choices = ()


def _run_engines(
    lines: Mapping[str, list[np.ndarray]],
    options: RecognitionOptions,
    engines: Callable[[str], OcrEngine],
) -> dict[str, CellRead]:
    """What each key's cell reads as, one batch per engine and kind.

    A cell written on two lines reads as their concatenation, scored by its weaker line.
    """
    groups: dict[tuple[str, TextKind], list[tuple[str, np.ndarray]]] = defaultdict(list)
    for key, crops in lines.items():
        kind = field_kind(key)
        group = groups[(options.engine_for(kind), ENGINE_KIND.get(kind, "text"))]
        group.extend((key, crop) for crop in crops)
    reads: dict[str, CellRead] = {}
    for (name, text_kind), group in groups.items():
        engine = engines(name)
        readings = engine.recognize([crop for _, crop in group], text_kind)
        for (key, _), reading in zip(group, readings, strict=True):
            if key in reads:
                read = reads[key]
                reads[key] = CellRead(
                    read.text + reading.text,
                    min(read.score, reading.confidence),
                    read.engine,
                    read.choices + reading.choices if read.choices and reading.choices else (),
                )
            else:
                reads[key] = CellRead(
                    reading.text, reading.confidence, engine.version, reading.choices
                )
    return reads


def _parse(key: str, kind: str, raw: str, year: int | None) -> Parsed:
    text = normalize_text(raw)
    if kind == "date":
        return parse_date(text, year=year)
    if kind == "phone":
        return parse_phone(text)
    if kind == "sector":
        return snap_vocabulary(text, SECTORS)
    if kind == "committee":
        return snap_vocabulary(text, COMMITTEES)
    if kind == "name" and key.startswith("contacts."):
        # Form R is where contacts are first named: no closed set, only the shape of a name.
        return Parsed(value=text or None, valid=plausible_name(text), note=None)
    if kind == "name":
        # Snapped to the roster or the member's contacts at linking; unverified until then.
        return Parsed(value=text or None, valid=False, note="not_snapped")
    text = clause_commas(text)
    return Parsed(value=text or None, valid=bool(text))


def _text_reading(key: str, kind: str, read: CellRead, year: int | None) -> FieldReading:
    text, score, note = read.text, read.score, None
    if kind == "text" and read.choices:
        # Where the engine hesitated, the reading that makes words; a changed character
        # was the engine's second guess, and the confidence falls with its probability.
        worded, chosen = best_reading(read.choices, common_words())
        if worded != "".join(options[0][0] for options in read.choices):
            text, score, note = worded, min(score, chosen), "by_words"
    parsed = _parse(key, kind, text, year)
    confidence = field_confidence(kind, ocr=score, parsed=parsed)
    if kind == "text":
        confidence = field_confidence(kind, ocr=score, parsed=None) if parsed.value else 0.0
    return FieldReading(
        value=parsed.value,
        raw=read.text,
        ocr_confidence=read.score,
        confidence=confidence,
        needs_review=needs_review(review_class(key), confidence),
        engine=read.engine,
        note=note or parsed.note,
    )


OTHER_YEAR_FACTOR = 0.5
"""A card of another year than its batch's is possible (a late card) but worth a look."""


def _year_reading(read: CellRead | None, expected: int | None) -> FieldReading:
    if read is None:
        return FieldReading(None, None, 0.0, 0.0, True, None, "empty")
    raw, score, engine = read.text, read.score, read.engine
    parsed = parse_year(strip_label(normalize_text(raw), YEAR_LABELS))
    confidence = field_confidence("year", ocr=score, parsed=parsed)
    if expected is not None and parsed.value is not None and parsed.value != expected:
        confidence *= OTHER_YEAR_FACTOR
    return FieldReading(
        parsed.value, raw, score, confidence, needs_review("year", confidence), engine, parsed.note
    )


def _manner_reading(mark: MarkReading) -> FieldReading:
    confidence = mark.confidence if mark.choice is not None else 0.0
    return FieldReading(
        value=mark.choice,
        raw=None,
        ocr_confidence=mark.confidence,
        confidence=confidence,
        needs_review=needs_review("manner", confidence),
        engine=OMR,
        note=mark.note,
    )


def _signed_reading(ink: InkReading) -> FieldReading:
    return FieldReading(
        ink.has_ink,
        None,
        ink.confidence,
        ink.confidence,
        needs_review("signed", ink.confidence),
        INK,
    )


def _empty_reading(key: str, kind: str, ink: InkReading) -> FieldReading:
    """A cell read as empty in a row that has writing, or an empty header blank. Its
    confidence is how sure the ink measure is that the cell is empty: low when it saw
    writing that no engine could read."""
    confidence = 1.0 - ink.confidence if ink.has_ink else ink.confidence
    if row_of(key) is None or kind in ("date", "name"):
        # Header blanks and a written row's date or name must be filled: a person looks,
        # however sure the ink is that the cell is empty. That certainty is still the
        # confidence, so these come after the doubtful reads in a reviewer's order.
        return FieldReading(None, None, confidence, confidence, True, INK, "empty")
    review = needs_review(review_class(key), confidence)
    return FieldReading(None, None, confidence, confidence, review, INK)


def _blank_row_field(
    key: str, kind: str, marks: Mapping[str, MarkReading], inks: Mapping[str, InkReading]
) -> FieldReading:
    """A field of a blank row: no value, as sure as the emptiness of its own cell."""
    if kind == "manner":
        mark = marks[key]
        # How sure the boxes are empty: a weak mark leaves that much doubt.
        confidence = mark.confidence if mark.choice is None else 1.0 - mark.confidence
    else:
        ink = inks[key]
        # How sure the cell is empty: ink there (a stray stroke) leaves that much doubt.
        confidence = 1.0 - ink.confidence if ink.has_ink else ink.confidence
    value: bool | None = False if kind == "signed" else None
    return FieldReading(
        value,
        None,
        confidence,
        confidence,
        needs_review(kind, confidence),
        OMR if kind == "manner" else INK,
        "blank_row",
    )
