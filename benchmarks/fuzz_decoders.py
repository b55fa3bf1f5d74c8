"""A longer fuzzing run over the image decoders' entry point than the test suite's (which
keeps to 100 examples a property): random bytes behind each magic, and valid scans damaged
by random edits. Prints the outcomes, the slowest input and anything that is not pages or a
named ingest error (a bug: the run stops there and writes the input to --crash-dir).

    .venv/bin/python benchmarks/fuzz_decoders.py [--examples 3000] [--seed N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability.decoder_harness import decode, mutate, seed_files

MAGIC = (b"%PDF-1.4\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"II*\x00", b"MM\x00*", b"")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one ≥ 10000")
    parser.add_argument("--crash-dir", type=Path, default=Path("fuzz-crashes"))
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # Pillow warns about every damaged EXIF block
    seed = args.seed if args.seed is not None else random.randrange(10_000, 2**31)
    rng = random.Random(seed)
    seeds = seed_files()
    outcomes: Counter[str] = Counter()
    slowest = (0.0, "")
    started = time.perf_counter()
    for n in range(args.examples):
        if n % 3 == 0:
            data = rng.choice(MAGIC) + rng.randbytes(rng.randrange(0, 4000))
            what = "random"
        else:
            kind = rng.choice(sorted(seeds))
            data = mutate(seeds[kind], rng, rng.randrange(1, 16))
            what = f"damaged {kind}"
        t0 = time.perf_counter()
        try:
            result = decode(data)
        except Exception:
            args.crash_dir.mkdir(parents=True, exist_ok=True)
            crash = args.crash_dir / f"crash-{seed}-{n}.bin"
            crash.write_bytes(data)
            traceback.print_exc()
            print(f"CRASH on example {n} ({what}), input written to {crash}")
            return 1
        took = time.perf_counter() - t0
        slowest = max(slowest, (took, f"{what} → {result}"))
        outcomes[result if not result.startswith("pages:") else "pages"] += 1
    elapsed = time.perf_counter() - started
    print(f"seed {seed}: {args.examples} inputs in {elapsed:.1f} s, no crash, no hang")
    for outcome, count in outcomes.most_common():
        print(f"  {outcome:<20} {count}")
    print(f"slowest input: {slowest[0] * 1000:.0f} ms ({slowest[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
