"""A generated batch: files readable, truth consistent with files and drawing, reproducible."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from forms import spec
from forms.vocabulary import COMMITTEES, SECTORS
from samples.batch import ROSTER_HEADER, generate_batch
from samples.scanner import apply_matrix

TESTS_DIR = Path(__file__).parents[1]
FIXTURE = TESTS_DIR / "data" / "batch-small"
SCHEMA = TESTS_DIR / "data" / "record.schema.json"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_batch(tmp_path_factory.mktemp("batch"), seed=7, members=1)


@pytest.fixture(scope="module", params=["fresh", "fixture"])
def batch(request: pytest.FixtureRequest, fresh: Path) -> Path:
    if request.param == "fresh":
        return fresh
    if not (FIXTURE / "manifest.json").exists():
        pytest.skip("tests/data/batch-small not generated")
    return FIXTURE


def _truth(batch: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (batch / "truth.jsonl").read_text("utf-8").splitlines()]


def _manifest(batch: Path) -> dict[str, Any]:
    return json.loads((batch / "manifest.json").read_text("utf-8"))


def _page_images(path: Path, sizes: list[list[int]]) -> list[np.ndarray]:
    """Decode every page of a scan file as grey pixels on the stored image grid."""
    if path.suffix == ".pdf":
        if shutil.which("pdftoppm") is None:
            pytest.skip("poppler not installed")
        from pdf2image import convert_from_path

        return [np.asarray(convert_from_path(path, first_page=i + 1, last_page=i + 1,
                                             size=(w, h), grayscale=True)[0])
                for i, (w, h) in enumerate(sizes)]
    with Image.open(path) as im:
        frames = []
        for i in range(getattr(im, "n_frames", 1)):
            im.seek(i)
            frames.append(np.asarray(im.convert("L")))
        return frames


def test_manifest_files_and_truth_agree(batch: Path) -> None:
    manifest, truth = _manifest(batch), _truth(batch)
    files = {f["file"]: f for f in manifest["files"]}
    assert sorted(files) == sorted(p.name for p in (batch / "scans").iterdir())
    assert sum(f["pages"] for f in files.values()) == len(truth) == manifest["pages"]
    assert len({t["document_id"] for t in truth}) == len(truth)
    for name, entry in files.items():
        pages = [t for t in truth if t["source"]["file"] == name]
        assert [t["source"]["page"] for t in pages] == list(range(1, entry["pages"] + 1))
        images = _page_images(batch / "scans" / name, [t["geometry"]["image_size"] for t in pages])
        assert len(images) == entry["pages"]
        for t, img in zip(pages, images, strict=True):
            assert [img.shape[1], img.shape[0]] == t["geometry"]["image_size"]
    kinds = {f["format"] for f in files.values()}
    assert {"pdf", "jpeg", "png", "tiff"} <= kinds
    assert {"service_card", "registration", "unknown"} <= {t["form"] for t in truth}


def test_pdf_pages_measure_image_pixels_over_dpi(batch: Path) -> None:
    if shutil.which("pdfimages") is None:
        pytest.skip("poppler not installed")
    for pdf in sorted((batch / "scans").glob("*.pdf")):
        listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True,
                                 text=True, check=True).stdout.splitlines()[2:]
        info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True,
                              text=True, check=True).stdout
        sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)
        assert len(sizes) == len(listing)
        for row, (pw, ph) in zip(listing, sizes, strict=True):
            cols = row.split()
            w, h, xppi, yppi = int(cols[3]), int(cols[4]), int(cols[12]), int(cols[13])
            assert abs(float(pw) - w * 72 / xppi) < 0.05 and abs(float(ph) - h * 72 / yppi) < 0.05


def test_duplicate_is_byte_identical_with_identical_truth(batch: Path) -> None:
    truth = _truth(batch)
    dups = [f for f in _manifest(batch)["files"] if f["duplicate_of"]]
    assert len(dups) == 1
    dup, orig = dups[0]["file"], dups[0]["duplicate_of"]
    assert (batch / "scans" / dup).read_bytes() == (batch / "scans" / orig).read_bytes()
    strip = lambda t: {k: v for k, v in t.items() if k not in ("document_id", "source")}  # noqa: E731
    assert [strip(t) for t in truth if t["source"]["file"] == dup] == [
        strip(t) for t in truth if t["source"]["file"] == orig
    ]


def test_truth_matches_record_schema(batch: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.exists():
        pytest.skip("record.schema.json missing")
    schema = json.loads(SCHEMA.read_text("utf-8"))
    for t in _truth(batch):
        jsonschema.validate(t, schema)


def _check_field(f: dict[str, Any]) -> None:
    assert f["confidence"] == 1.0
    assert (f["value"] is None) == (f["raw"] is None)


def test_values_are_normalized_and_raws_are_written_forms(batch: Path) -> None:
    for t in _truth(batch):
        if t["form"] not in ("service_card", "registration"):
            assert t["fields"] == {} and not t["geometry"]["cells"]
            continue
        assert set(t["geometry"]["cells"]) == set(spec.field_keys(t["form"]))
        fields = t["fields"]
        for f in fields.values():
            _check_field(f)
        assert fields["sector"]["value"] in SECTORS
        sector = fields["sector"]["value"]
        assert fields["sector"]["raw"] in (sector, *SECTORS[sector])
        assert fields["committee"]["value"] in COMMITTEES
        phones = [fields["member_phone"]]
        if t["form"] == "service_card":
            assert fields["year"]["value"] == 2026
            phones.append(fields["contact_phone"])
            assert len(t["rows"]) == spec.S_RECORD_ROWS
            for row in t["rows"]:
                if row["date"]["value"] is None:
                    assert row["manner"]["value"] is None and row["signed"]["value"] is False
                    continue
                assert re.fullmatch(r"2026-\d\d-\d\d", row["date"]["value"])
                assert row["manner"]["value"] in spec.S_MANNER_VALUES
                assert row["signed"]["value"] == (row["signed"]["raw"] is not None)
            if t["card_code"]:
                assert t["card_code"] == f"SC1|2026|{t['member_code']}|{t['contact_no']}"
        else:
            assert len(t["contacts"]) == spec.R_CONTACT_ROWS
            phones += [c["phone"] for c in t["contacts"]]
            assert sum(c["name"]["value"] is not None for c in t["contacts"]) >= 5
        for p in phones:
            if p["value"] is None:
                continue
            assert re.fullmatch(r"1\d{10}|0523-8\d{7}", p["value"])
            digits = p["raw"].replace(" ", "").replace("-", "")
            assert p["value"].replace("-", "").endswith(digits)


def test_cells_map_onto_ruled_lines_in_the_scan(batch: Path) -> None:
    """The top border of each cell, mapped through form_to_image, is ink in the stored image."""
    truth = _truth(batch)
    by_file: dict[str, list[dict[str, Any]]] = {}
    for t in truth:
        by_file.setdefault(t["source"]["file"], []).append(t)
    for name, pages in by_file.items():
        images = _page_images(batch / "scans" / name, [t["geometry"]["image_size"] for t in pages])
        for t, img in zip(pages, images, strict=True):
            geometry = t["geometry"]
            cells = {k: v for k, v in geometry["cells"].items()
                     if k != "year" and not k.endswith(".manner")}
            if not cells:
                continue
            matrix = np.array(geometry["form_to_image"])
            points = np.array([[x + w * f, y - 1.0] for x, y, w, _ in cells.values()
                               for f in (0.3, 0.5, 0.7)])
            paper = np.percentile(img, 90)
            dark = [_min_near(img, p) < paper - 30 for p in apply_matrix(matrix, points)]
            assert np.mean(dark) > 0.97, (t["document_id"], np.mean(dark))


def _min_near(img: np.ndarray, point: np.ndarray) -> float:
    x, y = np.round(point).astype(int)
    return float(img[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2].min())


def test_roster_lists_every_member(batch: Path) -> None:
    with (batch / "roster.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == ROSTER_HEADER
    codes = {r[0] for r in rows[1:]}
    assert len(rows) - 1 == _manifest(batch)["members"]
    assert all(re.fullmatch(r"JJ\d{4}", c) for c in codes)
    assert {r[5] for r in rows[1:]} <= {"是", "否"}
    assert {t["member_code"] for t in _truth(batch) if t["member_code"]} <= codes


def test_same_seed_same_bytes(fresh: Path, tmp_path: Path) -> None:
    again = generate_batch(tmp_path / "again", seed=7, members=1)
    assert (again / "truth.jsonl").read_bytes() == (fresh / "truth.jsonl").read_bytes()
    for path in sorted((fresh / "scans").iterdir()):
        assert (again / "scans" / path.name).read_bytes() == path.read_bytes(), path.name
