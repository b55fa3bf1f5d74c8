"""A signature of a straightened page, to recognise the same page in another file (pure).

The upright page is reduced to a 24×24 grid of mean gray levels. Two scans of one sheet put
through the pipeline again (re-encoded, rescaled, turned) differ by a few levels per block;
two different cards of one form differ where their handwriting differs, by tens of levels in
dozens of blocks. Measured on 10 form pages of tests/data/batch-small, each also as JPEG
q60, scaled 85 % and turned 180°: the same sheet never had a block off by more than 20
levels, two different cards always had at least 37. Only pages of one form are compared.
"""

from __future__ import annotations

import cv2
import numpy as np

SIGNATURE_SIDE = 24
VERSION = "v1:"
BLOCK_TOLERANCE = 20
"""Gray levels by which one block may differ between two scans of one page."""
MAX_DIFFERENT_BLOCKS = 3
MAX_MEAN_DIFFERENCE = 3.0


def page_signature(image: np.ndarray) -> str:
    """`v1:` and the hex of the 24×24 block means of an 8-bit gray page."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.size == 0:
        raise ValueError("an empty image has no signature")
    small = cv2.resize(
        np.ascontiguousarray(image, dtype=np.uint8),
        (SIGNATURE_SIDE, SIGNATURE_SIDE),
        interpolation=cv2.INTER_AREA,
    )
    return VERSION + small.astype(np.uint8).tobytes().hex()


def decode_signature(signature: str) -> np.ndarray | None:
    """The block means of a signature (int16), or None for one this version cannot read."""
    if not signature.startswith(VERSION):
        return None
    try:
        raw = bytes.fromhex(signature[len(VERSION) :])
    except ValueError:
        return None
    if len(raw) != SIGNATURE_SIDE * SIGNATURE_SIDE:
        return None
    return np.frombuffer(raw, dtype=np.uint8).astype(np.int16)


def same_page_mask(candidates: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """For an (N, 576) matrix of decoded signatures, which rows are of the page ``blocks``
    (compared after taking away the overall brightness difference)."""
    difference = candidates - blocks[None, :]
    # A lighter or darker scan of the same sheet shifts every block alike: that is no change.
    difference = np.abs(difference - np.median(difference, axis=1, keepdims=True))
    return ((difference > BLOCK_TOLERANCE).sum(axis=1) <= MAX_DIFFERENT_BLOCKS) & (
        difference.mean(axis=1) <= MAX_MEAN_DIFFERENCE
    )


def same_page(a: str, b: str) -> bool:
    """True when two signatures are of one page (scanned or encoded differently at most)."""
    blocks_a, blocks_b = decode_signature(a), decode_signature(b)
    if blocks_a is None or blocks_b is None:
        return False
    return bool(same_page_mask(blocks_a[None, :], blocks_b)[0])
