"""Benchmark of distributed page analysis (issue 8): Dramatiq workers on Redis + PostgreSQL.

Generates a December batch (a seed the tests never use), then with real servers:

1. `cardscan ingest` with 1 and then 2 `cardscan worker` processes (each run in a fresh
   database and data dir, workers started and ready before the clock starts): pages/min of
   each and their ratio;
2. the same batch in-process (no Redis, 2 pool workers): the records must equal each queue
   run's, page by page and field by field;
3. a worker SIGKILLed (with everything it forked) a third of the way through, then started
   again: every page stored exactly once, records equal to the in-process run.

    .venv/bin/python benchmarks/bench_workers.py --members 16 [--seed N]

Servers: CARDSCAN_TEST_DATABASE_URL and CARDSCAN_TEST_REDIS_URL when set, else throwaway
ones from scripts/services.sh (stopped at the end).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.worker_runs import (
    PageKey,
    WorkerPool,
    cardscan_bin,
    page_count,
    page_records,
    pending_messages,
    unacknowledged,
)
from samples.batch import generate_batch
from tests.db.servers import fresh_database

ROOT = Path(__file__).resolve().parent.parent
READY = "Worker process is ready for action"
HEARTBEAT_S = 5


@contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """(PostgreSQL server URL, Redis URL): the environment's, or throwaway ones."""
    database, redis = (
        os.environ.get("CARDSCAN_TEST_DATABASE_URL"),
        os.environ.get("CARDSCAN_TEST_REDIS_URL"),
    )
    if database and redis:
        yield database, redis
        return
    started = subprocess.run(
        [
            "bash",
            "-c",
            "source scripts/services.sh && start_test_services >&2 && echo $TEST_SERVICES_DIR "
            "&& echo $CARDSCAN_TEST_DATABASE_URL && echo $CARDSCAN_TEST_REDIS_URL",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    folder, database, redis = started.stdout.split()
    os.environ["CARDSCAN_TEST_DATABASE_URL"] = database  # fresh_database reads it
    try:
        yield database, redis
    finally:
        subprocess.run(
            [
                "bash",
                "-c",
                f"source scripts/services.sh && TEST_SERVICES_DIR={folder} && stop_test_services",
            ],
            cwd=ROOT,
            check=False,
        )


def base_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARDSCAN_")}
    env.update(CARDSCAN_DATA_DIR=str(data_dir), CARDSCAN_DATABASE_URL=database_url)
    return env


def queue_env(data_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    env = base_env(data_dir, database_url)
    env.update(
        CARDSCAN_REDIS_URL=redis_url,
        CARDSCAN_QUEUE_NAME=f"bench-{uuid.uuid4().hex[:8]}",
        CARDSCAN_QUEUE_HEARTBEAT_TIMEOUT_S=str(HEARTBEAT_S),
        CARDSCAN_QUEUE_MAINTENANCE_PER_MILLION="1000000",
    )
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([cardscan_bin(), *args], env=env, capture_output=True, text=True)


def prepare(env: dict[str, str], batch: Path, year: int) -> None:
    done = cli(env, "roster", "import", str(batch / "roster.csv"), "--year", str(year))
    if done.returncode != 0:
        raise SystemExit(f"roster import failed: {done.stderr}")


def wait_ready(pool: WorkerPool, processes: int, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while pool.logs().count(READY) < processes:
        if time.monotonic() > deadline:
            raise SystemExit(f"workers did not start:\n{pool.logs()}")
        time.sleep(0.2)


def timed_ingest(env: dict[str, str], scans: Path) -> float:
    start = time.perf_counter()
    done = cli(env, "ingest", str(scans))
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    return seconds


def queue_run(
    workers: int, scans: Path, work: Path, redis_url: str, year: int
) -> tuple[float, dict[PageKey, tuple[object, ...]]]:
    """Seconds of the timed ingest and the records; prints the workers' CPU time per page and
    the machine's load, which tell a slow run from a busy machine."""
    data_dir = work / f"queue-{workers}"
    with fresh_database(data_dir) as database_url:
        env = queue_env(data_dir, database_url, redis_url)
        prepare(env, scans.parent, year)
        pool = WorkerPool(env=env, log_dir=data_dir / "logs")
        pool.start(processes=workers)
        try:
            wait_ready(pool, workers)
            idle_cpu = pool.cpu_seconds()
            seconds = timed_ingest(env, scans)
            cpu = pool.cpu_seconds() - idle_cpu
        finally:
            pool.stop()
        pages = page_count(database_url)
        print(
            f"  ({workers} worker(s): {cpu / max(1, pages):.2f} CPU s per page in the workers, "
            f"{cpu / seconds:.2f} cores busy on average; load average {os.getloadavg()[0]:.2f})"
        )
        assert pending_messages(redis_url, env["CARDSCAN_QUEUE_NAME"]) == 0
        return seconds, page_records(database_url)


def in_process_run(
    scans: Path, work: Path, year: int
) -> tuple[float, dict[PageKey, tuple[object, ...]]]:
    data_dir = work / "in-process"
    with fresh_database(data_dir) as database_url:
        env = base_env(data_dir, database_url) | {"CARDSCAN_WORKERS": "2"}
        prepare(env, scans.parent, year)
        seconds = timed_ingest(env, scans)
        return seconds, page_records(database_url)


def kill_run(
    scans: Path, work: Path, redis_url: str, year: int, total: int
) -> tuple[dict[PageKey, tuple[object, ...]], int, float]:
    """Ingest with one worker, SIGKILL it a third of the way, start another; returns the
    records, the pages stored at the kill, and the seconds the whole run took."""
    data_dir = work / "kill"
    with fresh_database(data_dir) as database_url:
        env = queue_env(data_dir, database_url, redis_url)
        prepare(env, scans.parent, year)
        pool = WorkerPool(env=env, log_dir=data_dir / "logs")
        first = pool.start(processes=2)
        start = time.perf_counter()
        producer = subprocess.Popen(
            [cardscan_bin(), "ingest", str(scans)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while page_count(database_url) < total // 3:
                time.sleep(0.2)
            while unacknowledged(redis_url, env["CARDSCAN_QUEUE_NAME"]) == 0:
                time.sleep(0.02)
            pool.kill(first)
            at_kill = page_count(database_url)
            print(
                f"  killed the worker (SIGKILL) with {at_kill} of {total} pages stored and "
                f"{unacknowledged(redis_url, env['CARDSCAN_QUEUE_NAME'])} in its hands"
            )
            pool.start(processes=2)
            if producer.wait(timeout=3600) != 0:
                raise SystemExit(f"ingest failed after the kill:\n{pool.logs()}")
        finally:
            pool.stop()
        seconds = time.perf_counter() - start
        return page_records(database_url), at_kill, seconds


def compare(
    name: str, got: dict[PageKey, tuple[object, ...]], want: dict[PageKey, tuple[object, ...]]
) -> bool:
    differing = [k for k in want if got.get(k) != want[k]]
    missing = set(want) - set(got)
    extra = set(got) - set(want)
    same = not differing and not missing and not extra
    print(
        f"  {name}: {len(got)} pages, "
        + (
            "records equal the in-process run"
            if same
            else f"DIFFER: {len(differing)} differing, {len(missing)} missing, {len(extra)} extra"
        )
    )
    for key in differing[:3]:
        print(f"    {key}: {got.get(key)} != {want[key]}")
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--work", type=Path, default=None, help="keep the run here")
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL run")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randint(10_000, 99_999)
    import tempfile

    work = args.work or Path(tempfile.mkdtemp(prefix="cardscan-bench-workers-"))
    load = os.getloadavg()
    print(
        f"seed {seed}, {args.members} members, work dir {work}; "
        f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} CPUs"
    )
    batch = generate_batch(work / "batch", seed=seed, members=args.members)
    scans = batch / "scans"
    import json

    year = int(json.loads((batch / "manifest.json").read_text(encoding="utf-8"))["year"])
    ok = True
    with servers() as (_, redis_url):
        one_s, one = queue_run(1, scans, work, redis_url, year)
        pages = len(one)
        print(f"  1 worker : {pages} pages in {one_s:6.1f} s = {pages / one_s * 60:6.1f} pages/min")
        two_s, two = queue_run(2, scans, work, redis_url, year)
        print(
            f"  2 workers: {len(two)} pages in {two_s:6.1f} s = "
            f"{len(two) / two_s * 60:6.1f} pages/min"
        )
        ratio = one_s / two_s
        print(f"  speed-up 2 vs 1 worker: {ratio:.2f}× (target ≥ 1.7×)")
        local_s, local = in_process_run(scans, work, year)
        print(
            f"  in-process (2 pool workers, no queue): {len(local)} pages in {local_s:6.1f} s"
            f" = {len(local) / local_s * 60:6.1f} pages/min"
        )
        ok &= compare("1 worker ", one, local)
        ok &= compare("2 workers", two, local)
        if not args.no_kill:
            killed, at_kill, kill_s = kill_run(scans, work, redis_url, year, pages)
            print(f"  SIGKILL run: done in {kill_s:.1f} s (heartbeat timeout {HEARTBEAT_S} s)")
            ok &= compare("after kill", killed, local)
            ok &= at_kill < pages
    load = os.getloadavg()
    print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
