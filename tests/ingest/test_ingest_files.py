"""Discovery, hashing and magic-byte sniffing of input files, and the coded errors of bad files."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from ingest.errors import IngestError
from ingest.files import discover_files, sha256_file, sniff_kind
from ingest.pages import count_pages
from tests.conftest import BAD_FILE_CODES, BAD_FILES_DIR, Scans


def test_discover_recurses_sorted_skips_hidden_and_repeats(scans: Scans) -> None:
    nested = scans.folder / "box 2"
    nested.mkdir()
    shutil.copy(scans.path("card-single.png"), nested / "a.png")
    (scans.folder / ".DS_Store").write_bytes(b"junk")
    found = discover_files([scans.folder, scans.path("card-photo.jpg")])
    names = [p.relative_to(scans.folder).as_posix() for p in found]
    assert names == [
        "box 2/a.png",
        "card-photo.jpg",
        "card-single.png",
        "cards-2pages.pdf",
        "cards-3pages.tiff",
    ]


def test_missing_path_is_kept_for_the_report(tmp_path: Path) -> None:
    assert discover_files([tmp_path / "nope.pdf"]) == [tmp_path / "nope.pdf"]


def test_sha256_is_chunked_sha256(scans: Scans) -> None:
    path = scans.path("cards-3pages.tiff")
    assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("card-single.png", "png"),
        ("card-photo.jpg", "jpeg"),
        ("cards-3pages.tiff", "tiff"),
        ("cards-2pages.pdf", "pdf"),
    ],
)
def test_sniff_ignores_the_extension(scans: Scans, tmp_path: Path, name: str, kind: str) -> None:
    misnamed = tmp_path / f"{name}.txt"
    shutil.copy(scans.path(name), misnamed)
    assert sniff_kind(misnamed) == kind


def test_count_pages_of_each_kind(scans: Scans) -> None:
    for name, pages in scans.pages.items():
        path = scans.path(name)
        assert count_pages(path, kind=sniff_kind(path), render_dpi=100, max_pixels=10**8) == pages


@pytest.mark.parametrize(("name", "code"), sorted(BAD_FILE_CODES.items()))
def test_bad_file_raises_its_code_naming_the_file(name: str, code: str) -> None:
    path = BAD_FILES_DIR / name
    with pytest.raises(IngestError) as caught:
        count_pages(path, kind=sniff_kind(path), render_dpi=300, max_pixels=120_000_000)
    assert caught.value.code == code
    assert caught.value.message.startswith(f"{name}: ")


def test_image_above_pixel_limit_is_refused(scans: Scans) -> None:
    path = scans.path("card-single.png")
    with pytest.raises(IngestError) as caught:
        count_pages(path, kind="png", render_dpi=100, max_pixels=100_000)
    assert caught.value.code == "too_many_pixels"


def test_pdf_page_above_pixel_limit_at_render_dpi_is_refused(scans: Scans) -> None:
    with pytest.raises(IngestError) as caught:
        count_pages(scans.path("cards-2pages.pdf"), kind="pdf", render_dpi=600, max_pixels=10**7)
    assert caught.value.code == "too_many_pixels"
