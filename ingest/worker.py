"""The per-page job run in a worker process: load the page, analyse it, save the straight image."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import traceback
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ingest.errors import AnalysisError, ImageDecodeError, IngestError
from ingest.pages import load_page
from ingest.types import PageJob, PageOutcome
from ocr.page_hash import page_signature
from ocr.parse.codes import format_card_code, parse_card_code
from ocr.pipeline import analyze_page
from ocr.qr import read_qr_texts
from ocr.recognize import FieldReading, RecognitionOptions, recognize_page
from ocr.types import PageAnalysis

PNG_COMPRESSION = 3
log = logging.getLogger(__name__)


def run_page_job(job: PageJob) -> PageOutcome:
    """Never raises: any failure comes back as a failed outcome with a code and a reason."""
    try:
        return _run_page_job(job)
    finally:
        release_memory()


def _run_page_job(job: PageJob) -> PageOutcome:
    try:
        gray = load_page(
            job.source,
            kind=job.kind,
            page_no=job.page_no,
            render_dpi=job.render_dpi,
            max_pixels=job.max_image_pixels,
        )
    except IngestError as e:
        # The loader names the stored copy; tell the user the name they gave the file.
        named = type(e)(job.file_name, e.reason)
        return _failed(job, named.code, named.message)
    except Exception as e:  # a decoder bug flags this page, it never stops the batch
        named = ImageDecodeError(job.file_name, f"page {job.page_no}: {type(e).__name__}")
        return _failed(job, named.code, named.message)
    source_height, source_width = gray.shape[:2]
    try:
        card_code, code_notes = _card_code(gray)
        analysis = analyze_page(gray, job.analysis)
        del gray
        image = np.ascontiguousarray(analysis.image)
        write_png(image, job.image_out)
        for name, debug_image in analysis.debug.items():  # only with keep_debug_images
            write_png(debug_image, job.image_out.with_name(f"{job.image_out.stem}.{name}.png"))
    except Exception as e:  # analysis bugs must flag one page, never stop the batch
        where = traceback.extract_tb(e.__traceback__)[-1]
        reason = (
            f"page {job.page_no}: {type(e).__name__} in {Path(where.filename).name}:{where.lineno}"
        )
        message = f"{job.file_name}: {reason} — {AnalysisError.hint}"
        return _failed(job, AnalysisError.code, message)
    height, width = image.shape[:2]
    readings, reading_notes = _recognize(analysis, job.recognition, card_code)
    return PageOutcome(
        file_id=job.file_id,
        page_no=job.page_no,
        ok=True,
        form=analysis.form,
        rotation=int(analysis.rotation),
        transform=tuple(tuple(float(v) for v in row) for row in analysis.transform),
        width=int(width),
        height=int(height),
        source_width=int(source_width),
        source_height=int(source_height),
        fields={key: (box.x, box.y, box.w, box.h) for key, box in analysis.fields.items()},
        readings=readings,
        card_code=card_code,
        notes=(*analysis.notes, *code_notes, *reading_notes),
        image_rel=job.image_rel,
        image_hash=page_signature(image),
    )


def release_memory() -> None:
    """Hand freed heap back to the system after a page (glibc keeps it otherwise), so a
    worker's resident memory stays near one page's worth."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _card_code(gray: np.ndarray) -> tuple[str | None, tuple[str, ...]]:
    """The page's card code in canonical form, and a note when a QR code did not parse."""
    texts = read_qr_texts(gray)
    for text in texts:
        code = parse_card_code(text)
        if code is not None:
            return format_card_code(code), ()
    return None, ("unreadable_code",) if texts else ()


def _recognize(
    analysis: PageAnalysis, options: RecognitionOptions, card_code: str | None
) -> tuple[dict[str, FieldReading], tuple[str, ...]]:
    """Field readings; a recognition bug leaves the boxes for review instead of failing the page."""
    if not analysis.fields:
        return {}, ()
    code = parse_card_code(card_code) if card_code else None
    if code is not None:
        options = replace(options, default_year=code.year)
    try:
        return recognize_page(analysis.image, analysis.form, analysis.fields, options), ()
    except Exception as e:
        where = traceback.extract_tb(e.__traceback__)[-1]
        log.warning(
            "recognition failed: %s in %s:%s",
            type(e).__name__,
            Path(where.filename).name,
            where.lineno,
        )
        return {}, ("recognition_failed",)


def write_png(image: np.ndarray, target: Path) -> None:
    """Write a PNG under a temporary name, flushed to disk, then rename, so readers never see
    half a file (not even after a power cut)."""
    ok, encoded = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:
        raise OSError(f"PNG encoding failed for {target.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    with partial.open("wb") as stream:
        stream.write(encoded.tobytes())
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(target)


def _failed(job: PageJob, code: str, message: str) -> PageOutcome:
    return PageOutcome(
        file_id=job.file_id, page_no=job.page_no, ok=False, error_code=code, error_message=message
    )
