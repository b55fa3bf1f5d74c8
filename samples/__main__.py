"""`python -m samples --seed 7 --members 10 --out DIR`: write a synthetic December batch."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from samples.batch import generate_batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m samples", description=__doc__)
    parser.add_argument("--seed", type=int, required=True,
                        help="random seed (same seed, same batch)")
    parser.add_argument("--members", type=int, default=10, help="members in the roster")
    parser.add_argument("--year", type=int, default=2026, help="year printed on the cards")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    out = generate_batch(args.out, seed=args.seed, members=args.members, year=args.year)
    pages = sum(1 for _ in (out / "truth.jsonl").open(encoding="utf-8"))
    took = time.perf_counter() - start
    print(f"wrote {pages} pages to {out} in {took:.1f} s ({took / max(pages, 1):.2f} s/page)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
