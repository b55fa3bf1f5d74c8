"""Card codes: the QR code that system-printed forms carry top-right (FORMS.md)."""

from __future__ import annotations

import numpy as np

from ocr.cleanup import resize_to_long_side

QR_SEARCH_LONG_SIDE = 2400
"""Scans are searched at most this large: a code's modules stay several pixels wide."""


def read_qr_texts(gray: np.ndarray) -> list[str]:
    """Texts of the QR codes on a page, in any orientation (empty when there are none)."""
    import zxingcpp

    small, _ = resize_to_long_side(gray, QR_SEARCH_LONG_SIDE)
    found = zxingcpp.read_barcodes(
        np.ascontiguousarray(small), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return [code.text for code in found if code.text]
