"""Engines side by side on the same handwritten cell crops (recognition only).

Takes a batch ingested by ``bench_fields.py --keep DIR`` (or ingests a fresh one),
cuts every written text cell of the form pages exactly as recognition does, and
runs each engine on the same crops: character error rate and exact rate against
what the generator wrote (spaces ignored), and milliseconds per field.

    .venv/bin/python benchmarks/bench_engines.py --keep DIR [--engines rapidocr,tesseract]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, select

from benchmarks.batch_truth import read_batch_truth
from benchmarks.field_truth import edit_distance
from forms.spec import field_kind
from ocr.crops import cut_cell, split_lines
from ocr.engines import get_engine
from ocr.parse import normalize_text, strip_label
from ocr.recognize import ENGINE_KIND, YEAR_LABELS
from ocr.types import Box
from records.db import make_engine
from records.models import Field, Page, SourceFile

TEXT_KINDS = ("name", "phone", "date", "text", "sector", "committee", "year")


def collect(batch_dir: Path, data_dir: Path) -> list[tuple[str, list[np.ndarray], str]]:
    """(kind, line crops, truth raw) for every written text cell of the stored form pages."""
    batch = read_batch_truth(batch_dir)
    truths = {batch.key(t): t for t in batch.pages}
    out = []
    with Session(make_engine(f"sqlite:///{data_dir / 'cardscan.db'}")) as session:
        for page, name in session.exec(select(Page, SourceFile.original_name).join(SourceFile)):
            truth = truths.get(batch.stored_key(name, page.page_no))
            if truth is None or page.form != truth["form"] or not page.image_path:
                continue
            raws = _truth_raws(truth)
            image = cv2.imread(str(data_dir / page.image_path), cv2.IMREAD_GRAYSCALE)
            if image is None:
                raise SystemExit(f"page {page.id}: stored image {page.image_path} unreadable")
            for field in session.exec(select(Field).where(Field.page_id == page.id)):
                kind = field_kind(field.key)
                raw = raws.get(field.key)
                if kind not in TEXT_KINDS or not raw or not field.bbox:
                    continue
                lines = split_lines(cut_cell(image, Box(*field.bbox)))
                if lines:
                    out.append((kind, lines, raw))
    return out


def _truth_raws(truth: dict[str, Any]) -> dict[str, str]:
    raws = {k: v.get("raw") for k, v in truth.get("fields", {}).items()}
    for group in ("rows", "contacts"):
        for row in truth.get(group) or []:
            for name, cell in row.items():
                if name != "no":
                    raws[f"{group}.{row['no']}.{name}"] = cell.get("raw")
    return {k: v for k, v in raws.items() if isinstance(v, str)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, required=True, help="a bench_fields.py --keep dir")
    parser.add_argument("--engines", default="rapidocr,tesseract")
    args = parser.parse_args()
    data_dir = min(args.keep.glob("data-*"))  # page analysis is the same in each
    cells = collect(args.keep / "batch", data_dir)
    print(f"{len(cells)} written text cells from {data_dir}")
    for name in args.engines.split(","):
        engine = get_engine(name)
        engine.recognize([cells[0][1][0]])  # load the model outside the timing
        per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        start = time.perf_counter()
        for kind, lines, raw in cells:
            readings = engine.recognize(lines, ENGINE_KIND.get(kind, "text"))
            read = _squash("".join(r.text for r in readings))
            if kind == "year":  # the year's crop holds its printed label too
                read = _squash(strip_label(read, YEAR_LABELS))
            want = _squash(raw)
            tally = per_kind[kind]
            tally[0] += 1
            tally[1] += read == want
            tally[2] += edit_distance(want, read)
            tally[3] += len(want)
        elapsed = time.perf_counter() - start
        total = [sum(t[i] for t in per_kind.values()) for i in range(4)]
        print(f"\n== {engine.version}: {1000 * elapsed / len(cells):.1f} ms/field")
        print(f"{'kind':<10} {'fields':>6} {'exact':>8} {'CER':>8}")
        for kind, (n, exact, edits, chars) in [*sorted(per_kind.items()), ("all", total)]:
            print(f"{kind:<10} {n:>6} {100 * exact / n:7.2f}% {100 * edits / max(chars, 1):7.2f}%")
    return 0


def _squash(text: str) -> str:
    return "".join(normalize_text(text).split())


if __name__ == "__main__":
    raise SystemExit(main())
