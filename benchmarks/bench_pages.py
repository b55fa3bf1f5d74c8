"""Benchmark of ingest and page analysis (issue 2) on a freshly generated batch.

Generates a December batch with a seed the tests never use, runs the real
``cardscan ingest`` on it with N workers in a fresh data directory, and prints
pages per minute, peak memory of the whole process tree, and — against the
generator's ground truth — form classification, rotation and cell-found rates.

    .venv/bin/python benchmarks/bench_pages.py --members 10 --workers 2 [--seed N]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from benchmarks.batch_truth import read_batch_truth
from benchmarks.page_truth import load_stored_pages, score_stored
from samples.batch import generate_batch


def _peak_rss(pid: int, stop: threading.Event, peak: list[int]) -> None:
    """Poll the summed resident memory of a process and its children."""
    while not stop.is_set():
        try:
            proc = psutil.Process(pid)
            total = proc.memory_info().rss
            for child in proc.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            peak[0] = max(peak[0], total)
        except psutil.Error:
            pass
        time.sleep(0.05)


def run_ingest(scans: Path, data_dir: Path, workers: int) -> tuple[float, int, int]:
    """Run ``cardscan ingest``; returns wall seconds, peak RSS bytes and exit code."""
    env = dict(os.environ, CARDSCAN_DATA_DIR=str(data_dir), CARDSCAN_WORKERS=str(workers))
    env.pop("CARDSCAN_DATABASE_URL", None)
    cardscan = Path(sys.executable).with_name("cardscan")
    cmd = [str(cardscan), "ingest", str(scans), "--report", str(data_dir / "report.json")]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stop, peak = threading.Event(), [0]
    poller = threading.Thread(target=_peak_rss, args=(proc.pid, stop, peak), daemon=True)
    poller.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - start
    stop.set()
    poller.join()
    if proc.returncode not in (0, 1):
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return elapsed, peak[0], proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one ≥ 10000")
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="keep batch and data here")
    parser.add_argument("--batch", type=Path, default=None, help="reuse a generated batch")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10_000, 2**31)

    root = args.keep or Path(tempfile.mkdtemp(prefix="cardscan-bench-"))
    batch_dir = args.batch or root / "batch"
    if args.batch is None:
        t0 = time.perf_counter()
        generate_batch(batch_dir, seed=seed, members=args.members)
        print(f"generated seed={seed} members={args.members} in {time.perf_counter() - t0:.0f} s")
    data_dir = root / f"data-w{args.workers}"
    elapsed, peak, code = run_ingest(batch_dir / "scans", data_dir, args.workers)

    batch = read_batch_truth(batch_dir)
    truth = [t for t in batch.pages if t["source"]["file"] not in batch.duplicates]
    stored = load_stored_pages(f"sqlite:///{data_dir / 'cardscan.db'}", batch)

    forms_ok = rot_ok = rot_n = cells_pages = cell_pages_ok = cells_n = cells_ok = 0
    confusion: Counter[tuple[str, str]] = Counter()
    problems: list[str] = []
    for t in truth:
        key = batch.key(t)
        if key not in stored:
            problems.append(f"{key}: page missing from the database")
            continue
        page, boxes = stored[key]
        s = score_stored(t, page, boxes)
        forms_ok += s.form_ok
        confusion[(t["form"], page.form)] += 1
        if t["form"] in ("service_card", "registration"):
            rot_n += 1
            rot_ok += s.rotation_ok
            cells_pages += 1
            cell_pages_ok += s.all_cells and s.form_ok
            cells_n += s.cells_total
            cells_ok += s.cells_found
        if not (s.form_ok and s.rotation_ok and s.all_cells):
            problems.append(
                f"{key}: {t['form']}/{t['rotation']} -> {page.form}/{page.rotation} "
                f"cells {s.cells_found}/{s.cells_total} missed {s.missed[:4]}"
            )
    n = len(truth)
    print(
        f"pages: {n} (+{len(batch.duplicates)} duplicate file(s) skipped), ingest exit code {code}"
    )
    print(f"workers: {args.workers}   wall: {elapsed:.1f} s   pages/min: {60 * n / elapsed:.1f}")
    print(f"peak memory (process tree RSS): {peak / 2**20:.0f} MiB")
    print(f"form classification: {forms_ok}/{n} = {100 * forms_ok / n:.2f} %")
    print(f"rotation (form pages): {rot_ok}/{rot_n} = {100 * rot_ok / max(rot_n, 1):.2f} %")
    print(
        f"pages with every field cell found: {cell_pages_ok}/{cells_pages} = "
        f"{100 * cell_pages_ok / max(cells_pages, 1):.2f} %   "
        f"(cells {cells_ok}/{cells_n} = {100 * cells_ok / max(cells_n, 1):.2f} %)"
    )
    print("confusion (truth -> found):", dict(confusion))
    for line in problems:
        print("  !", line)
    print(f"batch and data kept in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
