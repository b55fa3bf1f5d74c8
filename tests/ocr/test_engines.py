"""The OCR engines: the real models on rendered lines, and the constrained CTC decoder."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.engines import ENGINE_NAMES, get_engine
from ocr.engines.rapid import ctc_choices, ctc_decode
from tests.ocr.text_images import text_image


def test_registry_knows_both_engines_and_refuses_others() -> None:
    assert set(ENGINE_NAMES) == {"rapidocr", "tesseract"}
    with pytest.raises(ValueError, match="unknown OCR engine"):
        get_engine("paddle-server")


def test_engines_are_built_once_per_process() -> None:
    assert get_engine("rapidocr") is get_engine("rapidocr")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("张晓明", "name"),
        ("13912345678", "digits"),
        ("2026年5月3日", "date"),
        ("了解企业用工情况", "text"),
    ],
)
def test_rapidocr_reads_rendered_kai_lines(text: str, kind: str) -> None:
    engine = get_engine("rapidocr")
    [reading] = engine.recognize([text_image(text)], kind)  # type: ignore[arg-type]
    assert reading.text.replace(" ", "") == text
    assert 0.8 < reading.confidence <= 1.0
    assert engine.version.startswith("rapidocr 3.")


def test_rapidocr_keeps_order_and_reads_empty_crops_as_nothing() -> None:
    engine = get_engine("rapidocr")
    crops = [text_image("李明"), np.zeros((0, 0), np.uint8), text_image("0523-84812345")]
    readings = engine.recognize(crops, "text")
    assert readings[0].text == "李明"
    assert (readings[1].text, readings[1].confidence) == ("", 0.0)
    assert readings[2].text.replace(" ", "") == "0523-84812345"


def test_tesseract_reads_digits_with_its_whitelist() -> None:
    engine = get_engine("tesseract")
    [reading] = engine.recognize([text_image("13912345678", size=48)], "digits")
    assert reading.text.replace(" ", "") == "13912345678"
    assert engine.version.startswith("tesseract 5")


def _probs(steps: list[dict[int, float]], classes: int) -> np.ndarray:
    pred = np.full((len(steps), classes), 0.0)
    for t, row in enumerate(steps):
        for c, p in row.items():
            pred[t, c] = p
    return pred


def test_ctc_decode_collapses_repeats_and_blanks() -> None:
    chars = ["blank", "1", "2", "a"]
    pred = _probs([{1: 0.9}, {1: 0.8}, {0: 0.9}, {1: 0.7}, {2: 0.6}], 4)
    text, score = ctc_decode(pred, np.ones(4, bool), chars)
    assert text == "112"
    assert score == pytest.approx((0.9 + 0.7 + 0.6) / 3)


def test_ctc_decode_takes_the_best_allowed_character() -> None:
    chars = ["blank", "1", "2", "l"]
    pred = _probs([{3: 0.6, 1: 0.3}, {0: 1.0}, {2: 0.9}], 4)
    allowed = np.array([True, True, True, False])  # a digit field: no letter l
    text, score = ctc_decode(pred, allowed, chars)
    assert text == "12"
    assert score == pytest.approx((0.3 + 0.9) / 2)


def test_ctc_decode_of_only_blanks_is_empty() -> None:
    text, score = ctc_decode(_probs([{0: 1.0}] * 3, 3), np.ones(3, bool), ["blank", "a", "b"])
    assert (text, score) == ("", 0.0)


def test_ctc_choices_give_each_character_read_its_likeliest_alternatives() -> None:
    chars = ["blank", "问", "侯", "候", " ", "l"]
    pred = _probs(
        [{4: 0.9}, {1: 0.95, 2: 0.04}, {0: 0.99}, {2: 0.7, 3: 0.2, 5: 0.05}, {2: 0.6}, {4: 0.8}],
        6,
    )
    allowed = np.array([True, True, True, True, True, False])  # no Latin letter in this field
    choices = ctc_choices(pred, allowed, chars)
    text, _ = ctc_decode(pred, allowed, chars)
    assert "".join(c[0][0] for c in choices) == text == "问侯"  # spaces at the ends left out
    assert choices[1][:2] == (("侯", 0.7), ("候", 0.2))
    assert all(c != "l" for options in choices for c, _ in options)
    assert all(p >= 1e-4 for options in choices for _, p in options)


def test_rapidocr_gives_choices_for_free_text_only() -> None:
    engine = get_engine("rapidocr")
    [text] = engine.recognize([text_image("了解情况")], "text")
    [digits] = engine.recognize([text_image("13912345678")], "digits")
    assert "".join(c[0][0] for c in text.choices) == text.text
    assert digits.choices == ()
