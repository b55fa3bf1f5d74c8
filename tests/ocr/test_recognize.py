"""Field recognition over a page: blank rows, marks, engines per kind, parsers, confidence."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr.engines import Reading, TextKind
from ocr.recognize import RecognitionOptions, recognize_page
from ocr.types import Box
from tests.ocr.text_images import kai_font, ruled_cell

ROW_H, PAGE_W = 80, 1400


class ScriptedEngine:
    """Answers each crop from a script by text kind; records what it was asked."""

    name = "scripted"
    version = "scripted 1"

    def __init__(self, answers: dict[str, list[str]], *, confidence: float = 0.99) -> None:
        self.answers = {k: list(v) for k, v in answers.items()}
        self.confidence = confidence
        self.calls: list[tuple[TextKind, int]] = []

    def recognize(self, crops: Sequence[np.ndarray], kind: TextKind = "text") -> list[Reading]:
        self.calls.append((kind, len(crops)))
        return [Reading(self.answers[kind].pop(0), self.confidence) for _ in crops]


class CrashingEngine:
    name = "crashing"
    version = "crashing 1"

    def recognize(self, crops: Sequence[np.ndarray], kind: TextKind = "text") -> list[Reading]:
        raise RuntimeError("model file damaged")


def manner_cell(width: int, height: int, tick: int | None) -> np.ndarray:
    """`□走访 □电话 □其他` with a tick in box ``tick`` (0–2) or none."""
    image = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=30, width=3)
    font = kai_font(int(height * 0.4))
    side = int(height * 0.38)
    step = width // 3
    for i, label in enumerate(("走访", "电话", "其他")):
        x, y = 12 + i * step, (height - side) // 2
        draw.rectangle((x, y, x + side, y + side), outline=20, width=2)
        draw.text((x + side + 6, y - 4), label, font=font, fill=20)
        if tick == i:
            draw.line((x + 3, y + side // 2, x + side // 2, y + side - 2), fill=10, width=5)
            draw.line((x + side // 2, y + side - 2, x + side + 8, y - 10), fill=10, width=5)
    return np.array(image)


def card_page(rows: list[tuple[list[str], int | None, str, bool]]) -> tuple[np.ndarray, dict]:
    """A page holding a year blank, a name, a phone and record rows (date lines, tick,
    content, signed); returns the image and the field boxes."""
    height = 200 + ROW_H * len(rows) + 40
    page = np.full((height, PAGE_W), 250, np.uint8)
    boxes: dict[str, Box] = {}

    def put(key: str, cell: np.ndarray, x: int, y: int) -> None:
        h, w = cell.shape
        page[y : y + h, x : x + w] = cell
        boxes[key] = Box(x + 3, y + 3, w - 6, h - 6)

    put("year", ruled_cell(["2026"], width=200, height=60), 1100, 20)
    put("member_name", ruled_cell(["孟波春"], width=300, height=70), 100, 100)
    put("contact_phone", ruled_cell(["13912345678"], width=360, height=70), 500, 100)
    for i, (date_lines, tick, content, signed) in enumerate(rows, start=1):
        y = 200 + (i - 1) * ROW_H
        size = 28 if len(date_lines) < 2 else 22
        put(f"rows.{i}.date", ruled_cell(date_lines, width=220, height=ROW_H, size=size), 100, y)
        put(f"rows.{i}.manner", manner_cell(330, ROW_H, tick), 320, y)
        put(
            f"rows.{i}.content",
            ruled_cell([content] if content else [], width=450, height=ROW_H),
            650,
            y,
        )
        put(
            f"rows.{i}.signed",
            ruled_cell(["孙建"] if signed else [], width=250, height=ROW_H),
            1100,
            y,
        )
    return page, boxes


def test_a_card_is_read_parsed_and_its_blank_row_left_alone() -> None:
    page, boxes = card_page([(["5月3日"], 0, "了解情况", True), ([], None, "", False)])
    engine = ScriptedEngine(
        {
            "year": ["年度：2026"],
            "name": ["孟波春"],
            "digits": ["139 1234 5678"],
            "date": ["5月3日"],
            "text": ["了解情况"],
        }
    )
    out = recognize_page(
        page, "service_card", boxes, RecognitionOptions(), engines=lambda name: engine
    )
    assert out["year"].value == 2026
    assert out["contact_phone"].value == "13912345678"
    assert out["rows.1.date"].value == "2026-05-03"  # the year came from the card
    assert out["rows.1.manner"].value == "visit"
    assert out["rows.1.content"].value == "了解情况"
    assert out["rows.1.signed"].value is True
    row2 = [out[f"rows.2.{f}"] for f in ("date", "manner", "content", "signed")]
    assert [r.value for r in row2] == [None, None, None, False]
    assert all(r.note == "blank_row" and not r.needs_review for r in row2)
    # The blank row never reached the engine: one date crop, one content crop.
    assert ("date", 1) in engine.calls and ("text", 1) in engine.calls
    # Names wait for the roster: unverified until linking.
    assert out["member_name"].needs_review and out["member_name"].note == "not_snapped"
    assert out["rows.1.date"].engine == "scripted 1"


def test_an_empty_header_blank_goes_to_a_person_after_the_doubtful_reads() -> None:
    """Left empty by the writer, or unread: a person looks, but the ink measure's certainty
    that the blank is empty is its confidence, so it comes after the doubtful reads."""
    page, boxes = card_page([(["5月3日"], 0, "了解情况", True)])
    page[100 : 100 + 70, 500 : 500 + 360] = ruled_cell([], width=360, height=70)
    engine = ScriptedEngine(
        {"year": ["2026"], "name": ["孟波春"], "date": ["5月3日"], "text": ["了解情况"]},
        confidence=0.6,
    )
    out = recognize_page(
        page, "service_card", boxes, RecognitionOptions(), engines=lambda name: engine
    )
    phone = out["contact_phone"]
    assert (phone.value, phone.needs_review, phone.note) == (None, True, "empty")
    assert phone.confidence > 0.9 > out["rows.1.content"].confidence


def test_free_text_keeps_the_read_and_stores_a_dot_between_clauses_as_a_comma() -> None:
    page, boxes = card_page([(["5月3日"], 0, "电话联系，反映问题", True)])
    answers = {"year": ["2026"], "name": ["孟波春"], "digits": ["13912345678"]}
    engine = ScriptedEngine({**answers, "date": ["5月3日"], "text": ["电话联系·反映问题"]})
    out = recognize_page(
        page, "service_card", boxes, RecognitionOptions(), engines=lambda name: engine
    )
    assert out["rows.1.content"].value == "电话联系，反映问题"
    assert out["rows.1.content"].raw == "电话联系·反映问题"  # what was read stays on record


class HesitantEngine(ScriptedEngine):
    """Reads free text with per-character choices: unsure of its last character."""

    def recognize(self, crops: Sequence[np.ndarray], kind: TextKind = "text") -> list[Reading]:
        readings = super().recognize(crops, kind)
        if kind != "text":
            return readings
        out = []
        for r in readings:
            choices = tuple(((c, 0.99),) for c in r.text[:-1])
            last = (
                ((r.text[-1], 0.9), ("候", 0.08))
                if r.text.endswith("侯")
                else ((r.text[-1], 0.99),)
            )
            out.append(Reading(r.text, r.confidence, (*choices, last)))
        return out


def test_a_character_the_engine_doubted_is_read_as_the_word_and_shown_to_a_person() -> None:
    page, boxes = card_page([(["5月3日"], 0, "电话问候", True), (["5月9日"], 1, "走访企业", True)])
    answers = {"year": ["2026"], "name": ["孟波春"], "digits": ["13912345678"]}
    engine = HesitantEngine(
        {**answers, "date": ["5月3日", "5月9日"], "text": ["电话问侯", "走访企业"]}
    )
    out = recognize_page(
        page, "service_card", boxes, RecognitionOptions(), engines=lambda name: engine
    )
    fixed, kept = out["rows.1.content"], out["rows.2.content"]
    assert (fixed.value, fixed.raw, fixed.note) == ("电话问候", "电话问侯", "by_words")
    assert fixed.confidence < kept.confidence and fixed.needs_review  # a guess: a person looks
    assert (kept.value, kept.note) == ("走访企业", None)


def test_a_two_line_date_reads_as_one_value() -> None:
    page, boxes = card_page([(["2026/", "4/27"], 1, "电话问候", True)])
    engine = ScriptedEngine(
        {
            "year": ["2026"],
            "name": ["孟波春"],
            "digits": ["13912345678"],
            "date": ["2026/", "4/27"],
            "text": ["电话问候"],
        }
    )
    out = recognize_page(
        page, "service_card", boxes, RecognitionOptions(), engines=lambda name: engine
    )
    assert out["rows.1.date"].raw == "2026/4/27"
    assert out["rows.1.date"].value == "2026-04-27"
    assert out["rows.1.manner"].value == "phone"


def test_an_impossible_date_and_a_low_score_go_to_review() -> None:
    page, boxes = card_page([(["2026.2.30"], 2, "参加座谈会", False)])
    engine = ScriptedEngine(
        {
            "year": ["2026"],
            "name": ["孟波春"],
            "digits": ["13912345678"],
            "date": ["2026.2.30"],
            "text": ["参加座谈会"],
        },
        confidence=0.4,
    )
    out = recognize_page(
        page, "service_card", boxes, RecognitionOptions(), engines=lambda name: engine
    )
    assert out["rows.1.date"].value is None and out["rows.1.date"].needs_review
    assert out["contact_phone"].needs_review  # valid, but the engine was unsure
    assert out["rows.1.signed"].value is False


def test_engine_by_kind_sends_each_kind_to_its_engine() -> None:
    page, boxes = card_page([(["5.3"], 0, "走访", True)])
    digits = ScriptedEngine({"digits": ["13912345678"]})
    rest = ScriptedEngine({"year": ["2026"], "name": ["孟波春"], "date": ["5.3"], "text": ["走访"]})
    options = RecognitionOptions(engine="rest", engine_by_kind=(("phone", "digits"),))
    out = recognize_page(
        page,
        "service_card",
        boxes,
        options,
        engines=lambda name: digits if name == "digits" else rest,
    )
    assert digits.calls == [("digits", 1)]
    assert all(kind != "digits" for kind, _ in rest.calls)
    assert out["contact_phone"].value == "13912345678"


def test_a_crashing_engine_raises_for_the_worker_to_flag_the_page() -> None:
    page, boxes = card_page([(["5.3"], 0, "走访", True)])
    with pytest.raises(RuntimeError):
        recognize_page(
            page, "service_card", boxes, RecognitionOptions(), engines=lambda name: CrashingEngine()
        )


def test_pages_without_form_fields_read_nothing() -> None:
    page = np.full((100, 100), 250, np.uint8)
    assert recognize_page(page, "blank", {}, RecognitionOptions()) == {}
    cv2.rectangle(page, (10, 10), (50, 50), 0, 2)
    assert recognize_page(page, "unknown", {"x": Box(10, 10, 40, 40)}, RecognitionOptions()) == {}


def test_a_signature_alone_makes_no_record_but_is_shown_to_a_person() -> None:
    page, boxes = card_page([(["5.3"], 0, "走访", True), ([], None, "", True)])
    engine = ScriptedEngine(
        {
            "year": ["2026"],
            "name": ["孟波春"],
            "digits": ["13912345678"],
            "date": ["5.3"],
            "text": ["走访"],
        }
    )
    out = recognize_page(
        page, "service_card", boxes, RecognitionOptions(), engines=lambda name: engine
    )
    assert out["rows.2.date"].note == "blank_row" and out["rows.2.date"].value is None
    assert out["rows.2.signed"].value is False
    assert out["rows.2.signed"].needs_review  # ink where no visit was written: a person looks
