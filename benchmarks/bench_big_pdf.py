"""Peak memory of ingesting one big PDF: memory must not grow with the page count.

Writes A4 PDFs of N ruled pages (vector, rendered at 300 DPI by ingest: 2480×3508 pixels a
page), ingests each with the real `cardscan ingest` in a fresh data dir, and prints wall
time, pages per minute and the peak resident memory of the whole process tree (main
process, forkserver, workers). With `--forms`, the pages are real filled forms instead
(tests/data/batch-small/scan-001.pdf repeated; slower: every page is read by OCR).

    .venv/bin/python benchmarks/bench_big_pdf.py [--pages 50,500] [--workers 2] [--forms]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_pages import run_ingest

SAMPLE = Path(__file__).resolve().parent.parent / "tests" / "data" / "batch-small" / "scans"


def ruled_pdf(path: Path, pages: int) -> Path:
    """A4 pages with a ruled table and a page number (vector: a few KB a page)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    width, height = A4
    for number in range(1, pages + 1):
        pdf.setLineWidth(1.2)
        pdf.rect(40, 80, width - 80, height - 200)
        for y in range(120, int(height - 120), 42):
            pdf.line(40, y, width - 40, y)
        for x in (110, 250, 380, 470):
            pdf.line(x, 80, x, height - 120)
        pdf.drawString(50, height - 90, f"page {number}")
        pdf.showPage()
    pdf.save()
    return path


def forms_pdf(path: Path, pages: int) -> Path:
    """scan-001.pdf (10 filled form pages) joined with itself up to ``pages`` pages."""
    copies = max(1, pages // 10)
    subprocess.run(["pdfunite", *[str(SAMPLE / "scan-001.pdf")] * copies, str(path)], check=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="50,500", help="page counts, comma-separated")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--forms", action="store_true", help="real filled forms (OCR)")
    args = parser.parse_args()
    print(f"{'pages':>6} {'MB':>7} {'seconds':>8} {'pages/min':>10} {'peak RSS':>10}  stored")
    for pages in (int(n) for n in args.pages.split(",")):
        with tempfile.TemporaryDirectory(prefix="cardscan-bigpdf-") as tmp:
            folder = Path(tmp) / "scans"
            folder.mkdir()
            make = forms_pdf if args.forms else ruled_pdf
            pdf = make(folder / f"big-{pages}.pdf", pages)
            seconds, peak, code = run_ingest(folder, Path(tmp) / "data", args.workers)
            report = json.loads((Path(tmp) / "data" / "report.json").read_text())
            stored = report["summary"]["pages"]
            print(
                f"{pages:>6} {pdf.stat().st_size / 1e6:>7.1f} {seconds:>8.1f} "
                f"{stored / seconds * 60:>10.1f} {peak / 2**20:>7.0f} MiB  {stored} (exit {code})"
            )


if __name__ == "__main__":
    main()
