"""The image decoders' entry point as ingest calls it, for fuzzing: check, sniff, count the
pages, load the first ones. Any outcome but pages or a named `IngestError` is a bug."""

from __future__ import annotations

import io
import random
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from ingest.errors import IngestError
from ingest.files import check_readable, sniff_kind
from ingest.pages import count_pages, load_page

MAX_PIXELS = 4_000_000
RENDER_DPI = 50
PAGES_LOADED = 2


def decode(data: bytes) -> str:
    """`pages:N` when the bytes are a scan ingest reads, else the error code it names."""
    with tempfile.TemporaryDirectory(prefix="cardscan-fuzz-") as folder:
        path = Path(folder) / "scan.bin"
        path.write_bytes(data)
        try:
            check_readable(path)
            kind = sniff_kind(path)
            pages = count_pages(
                path, kind=kind, render_dpi=RENDER_DPI, max_pixels=MAX_PIXELS, max_pdf_pages=50
            )
            for page_no in range(1, min(pages, PAGES_LOADED) + 1):
                gray = load_page(
                    path, kind=kind, page_no=page_no, render_dpi=RENDER_DPI, max_pixels=MAX_PIXELS
                )
                assert gray.dtype == np.uint8 and gray.ndim == 2 and gray.size > 0
        except IngestError as e:
            assert e.message.startswith("scan.bin: "), e.message
            return e.code
        return f"pages:{pages}"


def seed_files() -> dict[str, bytes]:
    """Small valid scans of every kind ingest reads (the mutations start from these)."""
    rng = np.random.default_rng(3)
    pixels = rng.integers(150, 255, size=(48, 64), dtype=np.uint8)
    pixels[10:14, 5:60] = 20
    image = Image.fromarray(pixels)
    out: dict[str, bytes] = {}
    for kind, options in (
        ("png", {}),
        ("jpeg", {"quality": 70}),
        ("tiff", {"save_all": True, "append_images": [image.rotate(90)]}),
        ("pdf", {"resolution": 50}),
    ):
        buffer = io.BytesIO()
        image.save(buffer, kind.upper() if kind != "jpeg" else "JPEG", **options)
        out[kind] = buffer.getvalue()
    return out


def mutate(data: bytes, rng: random.Random, edits: int) -> bytes:
    """Flip, insert, delete bytes and cut the tail: what a bad disk or transfer does."""
    buffer = bytearray(data)
    for _ in range(edits):
        if not buffer:
            break
        at = rng.randrange(len(buffer))
        action = rng.randrange(4)
        if action == 0:
            buffer[at] = rng.randrange(256)
        elif action == 1:
            buffer.insert(at, rng.randrange(256))
        elif action == 2:
            del buffer[at]
        else:
            del buffer[at:]
    return bytes(buffer)
