"""Card codes: QR codes found on a page in any orientation."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
import segno

from ocr.parse import parse_card_code
from ocr.qr import read_qr_texts


def page_with_code(text: str, *, module: int = 6, turns: int = 0, skew: float = 0.0) -> np.ndarray:
    """A white A5-ish page with a QR code top-right, turned and skewed like a scan."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=module, border=2)
    code = cv2.imdecode(np.frombuffer(buffer.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    page = np.full((1200, 1700), 245, np.uint8)
    h, w = code.shape
    page[40 : 40 + h, 1700 - 60 - w : 1700 - 60] = code
    cv2.putText(page, "SERVICE CARD", (200, 300), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 5)
    if skew:
        matrix = cv2.getRotationMatrix2D((850, 600), skew, 1.0)
        page = cv2.warpAffine(page, matrix, (1700, 1200), borderValue=245)
    return np.ascontiguousarray(np.rot90(page, turns))


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
def test_a_card_code_is_read_in_every_orientation(turns: int) -> None:
    texts = read_qr_texts(page_with_code("SC1|2026|JJ0123|4", turns=turns, skew=2.5))
    assert texts == ["SC1|2026|JJ0123|4"]
    code = parse_card_code(texts[0])
    assert code is not None and (code.member_code, code.contact_no) == ("JJ0123", 4)


def test_a_large_scan_is_searched_small_enough_to_be_quick_and_still_read() -> None:
    page = cv2.resize(page_with_code("RT1|2026|JJ0007", module=8), None, fx=2.5, fy=2.5)
    assert read_qr_texts(page) == ["RT1|2026|JJ0007"]


def test_a_page_without_a_code_has_none() -> None:
    assert read_qr_texts(np.full((800, 600), 250, np.uint8)) == []


def test_a_half_covered_code_is_not_read_as_something_else() -> None:
    page = page_with_code("SC1|2026|JJ0123|4")
    page[40:200, 1400:1560] = 245  # a sticker over half of the code
    assert read_qr_texts(page) in ([], ["SC1|2026|JJ0123|4"])
