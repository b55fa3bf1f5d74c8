"""Write the bad-input corpus of `tests/data/bad/` (small files, each wrong in one way), and
the larger inputs that are made at test time (a 500-page PDF, a page without a form).

    .venv/bin/python -m tests.data.make_bad_corpus [FOLDER] [--all]

By default only files missing from FOLDER (tests/data/bad) are written, so the committed
files stay byte for byte as they are; `--all` rewrites every one. Each name maps to the
error code ingest must report for it (`BAD_FILE_CODES` in tests/conftest.py).
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

BAD_DIR = Path(__file__).parent / "bad"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``×``height`` gray pixels, with one tiny data chunk."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A gray JPEG whose frame header claims ``width``×``height``: a real 8×8 JPEG (a few
    hundred bytes) with its size fields rewritten."""
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 200).save(buffer, "JPEG", quality=50)
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def truncated_jpeg() -> bytes:
    """A photo-like JPEG cut in the middle of its image data."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 255, size=(64, 64), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=80)
    data = buffer.getvalue()
    return data[: len(data) // 3]


def encrypted_pdf() -> bytes:
    """A one-page PDF that opens only with a password."""
    from reportlab.lib.pagesizes import A6
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6, encrypt="secret", invariant=1)
    pdf.drawString(20, 100, "locked")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


ZERO_PAGES_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

CORPUS: dict[str, tuple[str, Callable[[], bytes]]] = {
    "bomb-60000x60000.png": ("too_many_pixels", lambda: png_claiming(60000, 60000)),
    "huge-30000x30000.jpg": ("too_many_pixels", lambda: jpeg_claiming(30000, 30000)),
    "empty.pdf": ("empty_file", lambda: b""),
    "encrypted.pdf": ("encrypted_pdf", encrypted_pdf),
    "notes-named-as-scan.pdf": ("unsupported_type", lambda: b"Meeting notes, not a scan.\n"),
    "notes-named-as-photo.jpg": ("unsupported_type", lambda: "会议记录，不是扫描件。\n".encode()),
    "truncated.jpg": ("image_decode_error", truncated_jpeg),
    "truncated.pdf": (
        "corrupt_pdf",
        lambda: b"%PDF-1.4\n% truncated in transit\n1 0 obj<</Type/Catalog",
    ),
    "zero-pages.pdf": ("no_pages", lambda: ZERO_PAGES_PDF),
}
"""Each bad file: the error code it must be reported with, and how it is made."""


def tiny_page_pdf(path: Path, pages: int) -> Path:
    """A PDF of ``pages`` small blank pages (about 0.4 × 0.3 inch, a few KB in all)."""
    blank = Image.new("L", (40, 30), 255)
    blank.save(path, "PDF", save_all=True, append_images=[blank] * (pages - 1), resolution=100)
    return path


def page_without_form(path: Path) -> Path:
    """A photo-like page with shapes and no ruled table: ingest calls it `unknown`."""
    rng = np.random.default_rng(11)
    page = np.full((700, 500), 230, dtype=np.uint8)
    for _ in range(12):
        y, x = rng.integers(0, 600), rng.integers(0, 400)
        page[y : y + rng.integers(20, 90), x : x + rng.integers(20, 90)] = rng.integers(0, 120)
    Image.fromarray(page).save(path)
    return path


def write_corpus(folder: Path, *, rewrite: bool = False) -> list[Path]:
    """Write the corpus files missing from ``folder`` (all of them with ``rewrite``)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (_, make) in CORPUS.items():
        target = folder / name
        if rewrite or not target.exists():
            target.write_bytes(make())
            written.append(target)
    return written


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--all"]
    out = Path(args[0]) if args else BAD_DIR
    for path in write_corpus(out, rewrite="--all" in sys.argv):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
