"""Scans of filled forms for the printed-card benchmark: how each sheet is captured and filed.

Every sheet gets a capture plan drawn from its own seed (device, dpi, grey or colour, quarter
turns with 180° among them, skew), so the printed cards and their uncoded twins are
scanned alike. Feeder and flatbed sheets go into PDFs of a few pages (one dpi per PDF),
phone photos into JPEGs of their own; the truth of each page says where it went.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from samples.export import write_jpeg, write_pdf
from samples.pages import FilledSheet
from samples.scanner import Capture, flatbed_scan, phone_photo

PAGES_PER_PDF = 6


@dataclass(frozen=True)
class CapturePlan:
    """How one sheet is captured."""

    device: str  # adf | flatbed | phone
    dpi: int  # scan dpi (and the dpi the printed PDF is rasterized at); phones: 300
    gray: bool
    k: int  # quarter turns counter-clockwise on the glass or in the hand
    skew: float


def plan_capture(rng: random.Random, index: int) -> CapturePlan:
    device = rng.choices(("adf", "flatbed", "phone"), (60, 25, 15))[0]
    weights = {"adf": (84, 4, 8, 4), "flatbed": (60, 15, 10, 15), "phone": (60, 17, 5, 18)}
    k = 2 if index % 7 == 3 else rng.choices((0, 1, 2, 3), weights[device])[0]
    limit = 2.0 if device == "adf" else 4.0
    return CapturePlan(
        device=device,
        dpi=300 if device == "phone" else rng.choice((200, 200, 300)),
        gray=rng.random() < 0.6,
        k=k,
        skew=max(-limit, min(limit, rng.gauss(0.0, limit / 2.5))),
    )


def capture(sheet: FilledSheet, plan: CapturePlan, sheet_dpi: int, rng: random.Random
            ) -> Capture:
    if plan.device == "phone":
        return phone_photo(sheet.image, rng, k=plan.k)
    return flatbed_scan(sheet.image, rng, dpi=plan.dpi, gray=plan.gray, k=plan.k,
                        crop_to_sheet=plan.device == "adf", skew=plan.skew, sheet_dpi=sheet_dpi)


@dataclass
class Captured:
    """A captured sheet with its truth (record.schema.json shape) and the sheet's dpi."""

    sheet: FilledSheet
    capture: Capture
    sheet_dpi: int
    truth: dict[str, Any]


def page_truth(sheet: FilledSheet) -> dict[str, Any]:
    truth: dict[str, Any] = {
        "form": sheet.form,
        "card_code": sheet.card_code,
        "member_code": sheet.member_code,
        "contact_no": sheet.contact_no,
        "fields": sheet.fields,
    }
    if sheet.rows is not None:
        truth["rows"] = sheet.rows
    if sheet.contacts is not None:
        truth["contacts"] = sheet.contacts
    return truth


def write_files(out: Path, captured: list[Captured], seed: int) -> dict[tuple[str, int], Captured]:
    """Shuffle the sheets as a clerk's pile, write PDFs and JPEGs; returns (file, page) → sheet."""
    rng = random.Random(f"{seed}/files")
    pile = list(captured)
    rng.shuffle(pile)
    out.mkdir(parents=True, exist_ok=True)
    where: dict[tuple[str, int], Captured] = {}
    when = time.gmtime(0)
    photos = [c for c in pile if c.capture.dpi == 72]
    for n, item in enumerate(photos, start=1):
        name = f"IMG_{n:04d}.jpg"
        write_jpeg(out / name, item.capture, quality=rng.randint(82, 92))
        where[(name, 1)] = item
    scans = [c for c in pile if c.capture.dpi != 72]
    n = 0
    for dpi in sorted({c.capture.dpi for c in scans}):
        same = [c for c in scans if c.capture.dpi == dpi]
        for start in range(0, len(same), PAGES_PER_PDF):
            chunk = same[start : start + PAGES_PER_PDF]
            n += 1
            name = f"scan-{n:03d}.pdf"
            write_pdf(out / name, [c.capture for c in chunk], quality=rng.randint(60, 80),
                      when=when)
            for page, item in enumerate(chunk, start=1):
                where[(name, page)] = item
    return where


def cell_error_mm(boxes: dict[str, list[int]], cells: dict[str, tuple[int, int, int, int]],
                  transform: list[list[float]], raw_size: tuple[int, int], item: Captured
                  ) -> float:
    """Largest distance on paper (mm) between a stored cell's corners and the truth's.

    ``boxes`` are stored boxes (output page px), ``cells`` the truth cells (sheet px);
    ``raw_size`` is the size of the scan as ingest analysed it (PDFs are re-rendered).
    """
    height, width = item.capture.image.shape[:2]
    raw_from_capture = np.diag([raw_size[0] / width, raw_size[1] / height, 1.0])
    page_from_sheet = np.array(transform) @ raw_from_capture @ item.capture.matrix
    sheet_from_page = np.linalg.inv(page_from_sheet)
    worst = 0.0
    for key, (x, y, w, h) in cells.items():
        box = boxes.get(key)
        if box is None:
            return float("inf")
        bx, by, bw, bh = box
        pts = np.array([[bx, by, 1.0], [bx + bw, by + bh, 1.0]]) @ sheet_from_page.T
        pts = pts[:, :2] / pts[:, 2:3]
        want = np.array([[x, y], [x + w, y + h]], dtype=float)
        worst = max(worst, float(np.abs(pts - want).max()) * 25.4 / item.sheet_dpi)
    return worst
