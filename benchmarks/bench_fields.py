"""Accuracy benchmark of field recognition (issue 3) on a freshly generated batch.

Generates a batch with a seed the tests never use, loads its roster with the
real ``cardscan roster import``, ingests it with the real ``cardscan ingest``
once per engine (fresh data directory each), and prints per field kind the
exact-match rate, the character error rate of free text and names, the share
of fields not marked for review and how many of those are right, blank-row
detection, member links, card codes, whole service cards, and pages/min.

    .venv/bin/python benchmarks/bench_fields.py --members 10 [--seed N] \
        [--engines rapidocr,tesseract] [--dump samples.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, select

from benchmarks.batch_truth import read_batch_truth
from benchmarks.bench_pages import run_ingest
from benchmarks.field_truth import Scores, report, score_page
from forms.spec import FIELD_KINDS
from records.db import make_engine
from records.models import Field, Member, Page, SourceFile
from samples.batch import generate_batch


def import_roster(batch_dir: Path, data_dir: Path, year: int) -> None:
    env = dict(os.environ, CARDSCAN_DATA_DIR=str(data_dir))
    env.pop("CARDSCAN_DATABASE_URL", None)
    cardscan = Path(sys.executable).with_name("cardscan")
    subprocess.run(
        [str(cardscan), "roster", "import", str(batch_dir / "roster.csv"), "--year", str(year)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def score_run(batch_dir: Path, data_dir: Path, database_url: str | None = None) -> Scores:
    """Scores of the run stored in `database_url` (default: the data dir's SQLite file)."""
    batch = read_batch_truth(batch_dir)
    scores = Scores()
    engine = make_engine(database_url or f"sqlite:///{data_dir / 'cardscan.db'}")
    with Session(engine) as session:
        codes = {m.id: m.code for m in session.exec(select(Member))}
        pages: dict[tuple[str, int], Page] = {}
        for page, name in session.exec(select(Page, SourceFile.original_name).join(SourceFile)):
            pages[batch.stored_key(name, page.page_no)] = page
        for truth in batch.pages:
            if truth["source"]["file"] in batch.duplicates:
                continue
            if truth["form"] not in ("service_card", "registration"):
                continue
            label = f"{truth['source']['file']}#{truth['source']['page']}"
            found = pages.get(batch.key(truth))
            if found is None or found.form != truth["form"]:
                scores.wrong.append(f"{label}: page missing or form wrong")
                stored: dict[str, Any] = {}
                link: tuple[str | None, int | None] = (None, None)
                card_code = None
            else:
                stored = {
                    f.key: f for f in session.exec(select(Field).where(Field.page_id == found.id))
                }
                link = (codes.get(found.member_id or 0), found.contact_no)
                card_code = found.card_code
            score_page(scores, truth, stored, label=label, link=link, card_code=card_code)
    engine.dispose()
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one ≥ 10000")
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--engines", default="rapidocr", help="comma-separated engine names")
    parser.add_argument("--keep", type=Path, default=None, help="keep batch and data here")
    parser.add_argument("--batch", type=Path, default=None, help="reuse a generated batch")
    parser.add_argument("--dump", type=Path, default=None, help="append calibration samples")
    parser.add_argument("--wrong", type=int, default=30, help="list this many wrong fields")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10_000, 2**31)

    root = args.keep or Path(tempfile.mkdtemp(prefix="cardscan-fields-"))
    batch_dir = args.batch or root / "batch"
    if args.batch is None:
        t0 = time.perf_counter()
        generate_batch(batch_dir, seed=seed, members=args.members)
        print(f"generated seed={seed} members={args.members} in {time.perf_counter() - t0:.0f} s")
    manifest = json.loads((batch_dir / "manifest.json").read_text(encoding="utf-8"))
    year = int(manifest["year"])
    pages = sum(f["pages"] for f in manifest["files"] if not f.get("duplicate_of"))

    for name in args.engines.split(","):
        data_dir = root / f"data-{name}"
        shutil.rmtree(data_dir, ignore_errors=True)
        import_roster(batch_dir, data_dir, year)
        os.environ["CARDSCAN_OCR_ENGINE"] = name
        elapsed, peak, code = run_ingest(batch_dir / "scans", data_dir, args.workers)
        scores = score_run(batch_dir, data_dir)
        print(
            f"\n== engine {name}: {pages} pages, {args.workers} workers, "
            f"{elapsed:.1f} s, {60 * pages / elapsed:.1f} pages/min, "
            f"peak {peak / 2**20:.0f} MiB, exit {code}"
        )
        for line in report(scores, FIELD_KINDS):
            print(line)
        for line in scores.wrong[: args.wrong]:
            print("  !", line)
        if args.dump:
            with args.dump.open("a", encoding="utf-8") as out:
                for sample in scores.samples:
                    out.write(json.dumps({"engine": name, "seed": seed, **sample}) + "\n")
    print(f"\nbatch and data kept in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
