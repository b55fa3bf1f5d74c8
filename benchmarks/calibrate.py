"""Calibrate the review thresholds per field kind on generated batches.

For every review class (a field kind, with form R's contact names apart:
``forms.spec.review_class``), the threshold is the lowest confidence above which
the fields read on the calibration batches were right at least ``--precision``
of the time; for a class with fewer than ``FEW_WRONG`` wrong reads, where one
read decides the precision, also the one under which at least ``--recall`` of
its wrong reads fall (nine in ten go to a person). Never below ``--floor``, so a
read that breaks its rule always goes to a person. The calibration seeds are fixed
and used nowhere else: the tests use seeds under 1000, the benchmarks fresh ones
from 10000 up.

    .venv/bin/python benchmarks/calibrate.py [--seeds 5001,5002,5003,5004] [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_fields import import_roster, score_run
from benchmarks.bench_pages import run_ingest
from ocr.confidence import CALIBRATION_FILE
from samples.batch import generate_batch

CALIBRATION_SEEDS = (5001, 5002, 5003, 5004, 5005, 5006)
FEW_WRONG = 20
"""Under this many wrong reads in a class, its precision rests on one or two of them."""


def threshold_for(
    samples: list[tuple[float, bool]], precision: float, floor: float, recall: float = 0.0
) -> float:
    """The lowest threshold whose accepted samples were right at least ``precision`` of the
    time and, when the wrong ones are few, left at most ``1 - recall`` of them unseen (and at
    least ``floor``): fields at or above it are not sent to a person."""
    ordered = sorted(samples, key=lambda s: -s[0])
    wrong_reads = sum(not right for _, right in samples)
    missable = (1 - recall) * wrong_reads if wrong_reads < FEW_WRONG else float(wrong_reads)
    best = 1.0
    wrong = 0
    for i, (confidence, right) in enumerate(ordered, start=1):
        wrong += not right
        if i < len(ordered) and ordered[i][0] == confidence:
            continue  # a threshold keeps or sends all reads of one confidence together
        if 1 - wrong / i >= precision and (wrong == 0 or wrong <= missable):
            best = confidence
    # Rounded up: rounding down could keep a wrong read just under the best threshold.
    return math.ceil(max(floor, best) * 10_000) / 10_000


def doubt_table(
    samples: list[tuple[float, bool]], threshold: float, *, per_bin: int = 25
) -> list[list[float]]:
    """Share of wrong reads among the samples under ``threshold`` (the ones sent to a person),
    by confidence: bins of at least ``per_bin`` samples, pooled until the share never grows
    with confidence (pool adjacent violators). Rows ``[upper_confidence, share_wrong]``,
    the last one open-ended up to the threshold."""
    flagged = sorted((c, r) for c, r in samples if c < threshold)
    if not flagged:
        return []
    bins: list[list[tuple[float, bool]]] = []
    for i in range(0, len(flagged), per_bin):
        bins.append(flagged[i : i + per_bin])
    if len(bins) > 1 and len(bins[-1]) < per_bin:
        bins[-2].extend(bins.pop())
    pooled: list[list[tuple[float, bool]]] = []
    for chunk in bins:
        pooled.append(chunk)
        while len(pooled) > 1 and _wrong(pooled[-1]) > _wrong(pooled[-2]):
            last = pooled.pop()
            pooled[-1] = pooled[-1] + last
    rows = []
    for i, chunk in enumerate(pooled):
        upper = pooled[i + 1][0][0] if i + 1 < len(pooled) else threshold
        rows.append([round(upper, 4), round(_wrong(chunk), 4)])
    return rows


def _wrong(chunk: list[tuple[float, bool]]) -> float:
    return sum(not r for _, r in chunk) / len(chunk)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default=",".join(map(str, CALIBRATION_SEEDS)))
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--precision", type=float, default=0.997)
    parser.add_argument("--floor", type=float, default=0.5)
    parser.add_argument("--recall", type=float, default=0.9)
    parser.add_argument("--samples", type=Path, default=None, help="reuse a samples file")
    parser.add_argument("--write", action="store_true", help=f"write {CALIBRATION_FILE.name}")
    args = parser.parse_args()

    by_kind: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.samples:
        for line in args.samples.read_text(encoding="utf-8").splitlines():
            sample = json.loads(line)
            by_kind[sample["kind"]].append((sample["confidence"], sample["right"]))
    else:
        root = Path(tempfile.mkdtemp(prefix="cardscan-calibrate-"))
        dump = root / "samples.jsonl"
        with dump.open("w", encoding="utf-8") as out:
            for seed in seeds:
                batch = root / f"batch-{seed}"
                generate_batch(batch, seed=seed, members=args.members)
                year = int(json.loads((batch / "manifest.json").read_text())["year"])
                data = root / f"data-{seed}"
                import_roster(batch, data, year)
                run_ingest(batch / "scans", data, args.workers)
                scores = score_run(batch, data)
                for sample in scores.samples:
                    by_kind[sample["kind"]].append((sample["confidence"], sample["right"]))
                    out.write(json.dumps({"seed": seed, **sample}) + "\n")
                shutil.rmtree(batch / "scans")
                print(f"seed {seed}: {len(scores.samples)} fields")
        print(f"samples in {dump}")

    thresholds = {}
    doubts = {}
    print(
        f"{'kind':<10} {'fields':>6} {'right':>8} {'threshold':>9} {'kept':>7} {'kept right':>10}"
    )
    for kind, samples in sorted(by_kind.items()):
        t = threshold_for(samples, args.precision, args.floor, args.recall)
        thresholds[kind] = t
        doubts[kind] = doubt_table(samples, t)
        kept = [r for c, r in samples if c >= t]
        right = sum(r for _, r in samples)
        print(
            f"{kind:<10} {len(samples):>6} {100 * right / len(samples):7.2f}% {t:>9.4f} "
            f"{100 * len(kept) / len(samples):6.1f}% "
            f"{100 * sum(kept) / max(1, len(kept)):9.2f}%"
        )
    print("share wrong among the fields sent to a person, by confidence (reviewers' order):")
    for kind, rows in sorted(doubts.items()):
        print(f"  {kind:<10} " + "  ".join(f"<{u:.3f}: {100 * w:.0f}%" for u, w in rows))
    if args.write:
        CALIBRATION_FILE.write_text(
            json.dumps(
                {
                    "thresholds": thresholds,
                    "doubt": doubts,
                    "precision": args.precision,
                    "recall": args.recall,
                    "floor": args.floor,
                    "seeds": seeds,
                    "members_per_seed": args.members,
                    "fields": {k: len(v) for k, v in sorted(by_kind.items())},
                    "date": date.today().isoformat(),
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"written {CALIBRATION_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
