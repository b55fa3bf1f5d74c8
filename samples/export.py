"""Writing captures to the file types a batch holds: multi-page PDF and TIFF, JPEG, PNG.

PDF pages embed the image as JPEG at the capture's dpi, so a page measures image px / dpi
inches and rendering at any dpi only scales it. Metadata dates are fixed for reproducible bytes.
"""

from __future__ import annotations

import time
from pathlib import Path

from PIL import Image

from samples.scanner import Capture


def _pil(capture: Capture) -> Image.Image:
    return Image.fromarray(capture.image)


def write_pdf(path: Path, pages: list[Capture], *, quality: int, when: time.struct_time) -> None:
    """A multi-page PDF, one JPEG image per page, sized by the pages' (common) dpi."""
    images = [_pil(c) for c in pages]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=pages[0].dpi,
                   quality=quality, creationDate=when, modDate=when, producer="ScanSnap Manager",
                   title=path.stem)


def write_tiff(path: Path, pages: list[Capture], *, threshold: int = 160) -> None:
    """A multi-page bilevel TIFF (CCITT G4), as office MFPs and fax software write by default."""
    lut = [0 if v < threshold else 255 for v in range(256)]
    images = [_pil(c).convert("L").point(lut).convert("1") for c in pages]
    images[0].save(path, "TIFF", save_all=True, append_images=images[1:], compression="group4",
                   dpi=(pages[0].dpi, pages[0].dpi))


def write_jpeg(path: Path, capture: Capture, *, quality: int) -> None:
    _pil(capture).save(path, "JPEG", quality=quality, dpi=(capture.dpi, capture.dpi))


def write_png(path: Path, capture: Capture) -> None:
    _pil(capture).save(path, "PNG", dpi=(capture.dpi, capture.dpi), optimize=False)
