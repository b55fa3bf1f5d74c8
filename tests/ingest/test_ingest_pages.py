"""Loading one page as 8-bit gray: every kind, TIFF frames, EXIF orientation, odd pixel modes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ingest.errors import IngestError
from ingest.pages import load_page, to_gray8
from ingest.types import PageJob
from ingest.worker import run_page_job
from ocr.types import AnalysisOptions
from tests.conftest import Scans


@pytest.mark.parametrize(
    ("name", "kind", "page_no"),
    [
        ("card-single.png", "png", 1),
        ("card-photo.jpg", "jpeg", 1),
        ("cards-3pages.tiff", "tiff", 3),
        ("cards-2pages.pdf", "pdf", 2),
    ],
)
def test_load_page_gives_gray8(scans: Scans, name: str, kind: str, page_no: int) -> None:
    gray = load_page(scans.path(name), kind=kind, page_no=page_no, render_dpi=100, max_pixels=10**8)
    assert gray.dtype == np.uint8
    assert gray.ndim == 2
    assert gray.shape == (583, 827)


def test_tiff_frames_are_distinct_pages(scans: Scans) -> None:
    frames = [
        load_page(
            scans.path("cards-3pages.tiff"),
            kind="tiff",
            page_no=n,
            render_dpi=100,
            max_pixels=10**8,
        )
        for n in (1, 2, 3)
    ]
    assert not np.array_equal(frames[0], frames[1])
    assert not np.array_equal(frames[1], frames[2])


def test_missing_tiff_frame_is_no_pages(scans: Scans) -> None:
    with pytest.raises(IngestError) as caught:
        load_page(
            scans.path("cards-3pages.tiff"),
            kind="tiff",
            page_no=4,
            render_dpi=100,
            max_pixels=10**8,
        )
    assert caught.value.code == "no_pages"


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    image = Image.new("L", (300, 200), 255).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    path = tmp_path / "phone.jpg"
    image.save(path, exif=exif.tobytes())
    gray = load_page(path, kind="jpeg", page_no=1, render_dpi=100, max_pixels=10**8)
    assert gray.shape == (300, 200)


def test_sixteen_bit_and_transparent_images_become_gray8() -> None:
    deep = Image.fromarray(np.full((4, 4), 60000, dtype=np.uint16))
    assert to_gray8(deep).max() == 255
    clear = Image.new("RGBA", (4, 4), (0, 0, 0, 0))
    assert to_gray8(clear).min() == 255  # transparent means paper, not ink


def _job(scans: Scans, tmp_path: Path) -> PageJob:
    return PageJob(
        batch_id=1,
        file_id=1,
        page_no=1,
        file_name="card-single.png",
        source=scans.path("card-single.png"),
        kind="png",
        render_dpi=100,
        max_image_pixels=10**8,
        image_out=tmp_path / "pages" / "1-001.png",
        image_rel="pages/1-001.png",
        analysis=AnalysisOptions(),
    )


def test_worker_writes_the_straightened_page(scans: Scans, tmp_path: Path) -> None:
    outcome = run_page_job(_job(scans, tmp_path))
    assert outcome.ok, outcome.error_message
    assert (tmp_path / "pages" / "1-001.png").is_file()
    assert outcome.image_rel == "pages/1-001.png"
    assert (outcome.width, outcome.height) == (827, 583)
    assert not list((tmp_path / "pages").glob(".*part"))


def test_worker_turns_an_analysis_crash_into_a_failed_page(
    scans: Scans, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crashing_analyzer(gray: np.ndarray, options: AnalysisOptions) -> None:
        raise ZeroDivisionError("fake engine crash")

    monkeypatch.setattr("ingest.worker.analyze_page", crashing_analyzer)
    outcome = run_page_job(_job(scans, tmp_path))
    assert not outcome.ok
    assert outcome.error_code == "analysis_error"
    assert outcome.error_message is not None
    assert outcome.error_message.startswith("card-single.png: page 1: ZeroDivisionError")
