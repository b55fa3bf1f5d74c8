"""Counting and loading the pages of a scan file as 8-bit grayscale arrays, one page at a time."""

from __future__ import annotations

import re
import subprocess
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from ingest.errors import (
    CorruptPdf,
    EncryptedPdf,
    ImageDecodeError,
    IngestError,
    NoPages,
    RenderError,
    TooManyPages,
    TooManyPixels,
    UnsupportedType,
)

PDFINFO_TIMEOUT_S = 60
RENDER_TIMEOUT_S = 180
_PAGE_SIZE = re.compile(r"^Page\s+(\d+)\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", re.MULTILINE)
_PAGES = re.compile(r"^Pages:\s+(\d+)", re.MULTILINE)


@dataclass(frozen=True)
class PdfInfo:
    """Page count and page sizes in points, as `pdfinfo` reports them."""

    pages: int
    sizes_pt: tuple[tuple[float, float], ...]


def read_pdf_info(path: Path) -> PdfInfo:
    """Ask poppler's `pdfinfo` about a PDF; raises a coded error for the usual failures."""
    try:
        done = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "100000", str(path)],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=PDFINFO_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as e:
        raise CorruptPdf(path.name, "pdfinfo is missing (install poppler-utils)") from e
    except subprocess.TimeoutExpired as e:
        raise CorruptPdf(path.name, f"pdfinfo took longer than {PDFINFO_TIMEOUT_S} s") from e
    err = done.stderr
    if "password" in err.lower():
        raise EncryptedPdf(path.name, "the PDF is protected by a password")
    if "page count 0" in err or "Wrong page range" in err:
        raise NoPages(path.name, "the PDF has 0 pages")
    match = _PAGES.search(done.stdout)
    if done.returncode != 0 or not match:
        first_error = next((line for line in err.splitlines() if "Error" in line), "unreadable")
        raise CorruptPdf(path.name, f"pdfinfo cannot read it ({first_error.strip()})")
    pages = int(match.group(1))
    if pages == 0:
        raise NoPages(path.name, "the PDF has 0 pages")
    sizes = tuple((float(w), float(h)) for _, w, h in _PAGE_SIZE.findall(done.stdout))
    return PdfInfo(pages=pages, sizes_pt=sizes)


@contextmanager
def _pixel_guard(max_pixels: int) -> Iterator[None]:
    """Let Pillow refuse decompression bombs above our limit while the block runs."""
    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def _check_pixels(name: str, width: int, height: int, max_pixels: int, where: str) -> None:
    if width * height > max_pixels:
        raise TooManyPixels(
            name, f"{where} is {width}×{height} pixels, above the limit of {max_pixels:,}"
        )


def count_pages(
    path: Path, *, kind: str, render_dpi: int, max_pixels: int, max_pdf_pages: int | None = None
) -> int:
    """Pages in a file, checking each page's size and that images decode; raises coded errors.

    A PDF with more than ``max_pdf_pages`` pages is refused before any page is looked at.
    """
    if kind == "pdf":
        info = read_pdf_info(path)
        if max_pdf_pages is not None and info.pages > max_pdf_pages:
            raise TooManyPages(
                path.name, f"it has {info.pages} pages, above the limit of {max_pdf_pages}"
            )
        for number, (w_pt, h_pt) in enumerate(info.sizes_pt, start=1):
            width, height = round(w_pt / 72 * render_dpi), round(h_pt / 72 * render_dpi)
            _check_pixels(
                path.name, width, height, max_pixels, f"page {number} at {render_dpi} DPI"
            )
        return info.pages
    if kind not in ("jpeg", "png", "tiff"):
        raise UnsupportedType(path.name, f"no page reader for {kind}")
    with _pixel_guard(max_pixels):
        try:
            with Image.open(path) as image:
                frames = int(getattr(image, "n_frames", 1))
                for index in range(frames):
                    image.seek(index)
                    where = f"frame {index + 1}" if frames > 1 else "the image"
                    _check_pixels(path.name, image.width, image.height, max_pixels, where)
                    if image.format == "JPEG":
                        # Decoding at 1/8 scale still reads every byte: truncation shows here.
                        image.draft("L", (max(1, image.width // 8), max(1, image.height // 8)))
                    image.load()
        except IngestError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise TooManyPixels(
                path.name, f"Pillow refused it as a decompression bomb ({e})"
            ) from e
        except Exception as e:  # Pillow's decoders raise many kinds on damaged data
            raise ImageDecodeError(path.name, f"the image cannot be decoded ({e})") from e
    if frames < 1:
        raise NoPages(path.name, "the image has no frames")
    return frames


def to_gray8(image: Image.Image) -> np.ndarray:
    """8-bit grayscale array of any Pillow image; transparency is laid on white paper."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = float(values.max()) or 1.0
        return np.clip(values * (255.0 / top), 0, 255).astype(np.uint8)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    return np.asarray(image.convert("L"), dtype=np.uint8).copy()


def load_page(
    path: Path, *, kind: str, page_no: int, render_dpi: int, max_pixels: int
) -> np.ndarray:
    """Page `page_no` (1-based) of a file as an 8-bit grayscale array, EXIF orientation applied."""
    if kind == "pdf":
        return _render_pdf_page(path, page_no=page_no, dpi=render_dpi, max_pixels=max_pixels)
    with _pixel_guard(max_pixels):
        try:
            with Image.open(path) as image:
                image.seek(page_no - 1)
                _check_pixels(path.name, image.width, image.height, max_pixels, f"page {page_no}")
                upright = ImageOps.exif_transpose(image) or image
                return to_gray8(upright)
        except IngestError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
            raise TooManyPixels(path.name, f"Pillow refused page {page_no} ({e})") from e
        except EOFError as e:
            raise NoPages(path.name, f"there is no page {page_no}") from e
        except Exception as e:  # Pillow's decoders raise many kinds on damaged data
            raise ImageDecodeError(path.name, f"page {page_no} cannot be decoded ({e})") from e


def _render_pdf_page(path: Path, *, page_no: int, dpi: int, max_pixels: int) -> np.ndarray:
    from pdf2image import convert_from_path
    from pdf2image.exceptions import PDFInfoNotInstalledError, PDFPageCountError, PDFSyntaxError

    try:
        with _pixel_guard(max_pixels):
            images = convert_from_path(
                str(path),
                dpi=dpi,
                first_page=page_no,
                last_page=page_no,
                grayscale=True,
                timeout=RENDER_TIMEOUT_S,
            )
    except (PDFPageCountError, PDFSyntaxError, PDFInfoNotInstalledError) as e:
        raise RenderError(path.name, f"page {page_no} cannot be rendered ({e})") from e
    except subprocess.TimeoutExpired as e:
        raise RenderError(path.name, f"page {page_no} took over {RENDER_TIMEOUT_S} s") from e
    if not images:
        raise RenderError(path.name, f"page {page_no} rendered to nothing")
    return to_gray8(images[0])
