"""Soak test (a script, not in CI): the real server under a bounded load from several client
processes on loopback — uploads, field corrections with If-Match, confirmations, tally and
page-list queries — then a check of the database for lost or doubled records.

Starts `cardscan serve` on 127.0.0.1 with a fresh data dir (roster and a sample batch of
tests/data/batch-small ingested first, for the reviewers), runs the clients for --minutes,
SIGKILLs the server half way and starts it again (requests fail while it is down; uploads
it had accepted are ingested when it is back), waits for the uploaded batches to finish,
stops the server and prints per operation the count, expected refusals (409), errors, 5xx
and p50/p99 latency; then checks that every accepted upload's page is stored exactly once
and every answered correction is in `field_edit` exactly once (one sent as the server died
may be stored once or not at all, never twice). Exit 1 on any 5xx, transport error outside
the restart, lost or doubled record.

    .venv/bin/python benchmarks/soak.py [--minutes 5] [--clients 4] [--seed N]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "data" / "batch-small"
YEAR = 2026
THINK_S = (0.05, 0.3)  # pause between a client's requests: the load stays bounded
UPLOAD_SHARE = 0.02  # ~0.3 uploads/s with 4 clients: what one server's ingest thread keeps up
WAIT_FOR_BATCHES_S = 1800
MAX_REQUESTS_PER_CLIENT = 20_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scan(client: int, n: int, rng: random.Random) -> bytes:
    """A small unique scan (PNG, a page with lines and text), about 20 KB."""
    page = Image.new("L", (620, 440), 235)
    draw = ImageDraw.Draw(page)
    draw.rectangle((30, 50, 590, 410), outline=20, width=3)
    for y in range(100, 410, 45):
        draw.line((30, y, 590, y), fill=20, width=2)
    draw.text((40, 15), f"soak client {client} upload {n} {rng.random():.6f}", fill=0)
    noise = np.asarray(page, dtype=np.int16) + np.random.default_rng(rng.randrange(2**32)).integers(
        -4, 4, size=(440, 620)
    )
    buffer = io.BytesIO()
    Image.fromarray(np.clip(noise, 0, 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _timed(
    log: dict[str, list[Any]], op: str, call: Any, *args: Any, **kwargs: Any
) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        response: httpx.Response = call(*args, **kwargs)
    except httpx.HTTPError as e:
        log["errors"].append((op, type(e).__name__, time.time()))
        return None
    log["latency"].append((op, time.perf_counter() - start, response.status_code))
    return response


def client_main(client: int, base: str, token: str, seconds: float, seed: int, out: Any) -> None:
    """One client: a random mix of operations until time is up; results go to ``out``."""
    rng = random.Random(seed * 100 + client)
    log: dict[str, list[Any]] = defaultdict(list)
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + seconds
    uploads = 0
    with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() > deadline:
                break
            roll = rng.random()
            if roll < UPLOAD_SHARE:
                uploads += 1
                data = _scan(client, uploads, rng)
                response = _timed(
                    log,
                    "upload",
                    http.post,
                    "/api/v1/batches",
                    files=[("files", (f"c{client}-{uploads}.png", data, "image/png"))],
                    data={"name": f"soak {client}-{uploads}"},
                )
                if response is not None and response.status_code == 202:
                    log["uploads"].append(
                        (response.json()["batch_id"], hashlib.sha256(data).hexdigest(), 1)
                    )
            elif roll < 0.5:
                _review(http, log, rng, client)
            elif roll < 0.8:
                path = rng.choice([f"/api/v1/tally/{YEAR}", f"/api/v1/tally/{YEAR}/members"])
                _timed(log, "tally", http.get, path)
            else:
                _timed(log, "page_list", http.get, "/api/v1/pages", params={"limit": 50})
            time.sleep(rng.uniform(*THINK_S))
    out.put((client, dict(log)))


def _review(http: httpx.Client, log: dict[str, list[Any]], rng: random.Random, me: int) -> None:
    """Open a card, correct a field with If-Match; sometimes confirm, or reopen a confirmed one."""
    listed = _timed(
        log, "page_list", http.get, "/api/v1/pages", params={"form": "service_card", "limit": 50}
    )
    if listed is None or listed.status_code != 200 or not listed.json()["items"]:
        return
    page_id = rng.choice(listed.json()["items"])["id"]
    got = _timed(log, "page_get", http.get, f"/api/v1/pages/{page_id}")
    if got is None or got.status_code != 200:
        return
    page = got.json()
    version = {"If-Match": str(page["version"])}
    if page["status"] == "confirmed":
        _timed(
            log,
            "reopen",
            http.post,
            f"/api/v1/pages/{page_id}/reopen",
            json={"reason": "soak"},
            headers=version,
        )
        return
    if page["status"] != "needs_review":
        return
    if rng.random() < 0.15:
        _timed(log, "confirm", http.post, f"/api/v1/pages/{page_id}/confirm", headers=version)
        return
    value = f"soak {me} {rng.randrange(10**9)}"
    key = f"rows.{rng.randint(1, 8)}.content"
    saved = _timed(
        log,
        "correct",
        http.put,
        f"/api/v1/pages/{page_id}/fields/{key}",
        json={"value": value},
        headers=version,
    )
    if saved is not None and saved.status_code == 200:
        log["corrections"].append((page_id, key, value))
    elif saved is None:  # no answer (the server was killed): it may or may not be stored
        log["unanswered"].append((page_id, key, value))


def _cardscan(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("cardscan")), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _wait_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("the server exited while starting")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not answer /api/v1/health")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _report(logs: list[dict[str, list[Any]]], outage: tuple[float, float]) -> tuple[int, int]:
    by_op: dict[str, list[tuple[float, int]]] = defaultdict(list)
    errors: list[Any] = []
    for log in logs:
        for op, seconds, status in log.get("latency", []):
            by_op[op].append((seconds, status))
        errors += log.get("errors", [])
    print(f"{'operation':<10} {'count':>6} {'2xx':>6} {'409':>5} {'other 4xx':>9} {'5xx':>4} "
          f"{'p50 ms':>7} {'p99 ms':>7}")  # fmt: skip
    server_errors = 0
    for op in sorted(by_op):
        rows = by_op[op]
        times = [s * 1000 for s, _ in rows]
        ok = sum(1 for _, c in rows if c < 300)
        conflict = sum(1 for _, c in rows if c == 409)
        five = sum(1 for _, c in rows if c >= 500)
        other = len(rows) - ok - conflict - five
        server_errors += five
        print(
            f"{op:<10} {len(rows):>6} {ok:>6} {conflict:>5} {other:>9} {five:>4} "
            f"{statistics.median(times):>7.0f} {_percentile(times, 0.99):>7.0f}"
        )
    during = [e for e in errors if outage[0] <= e[2] <= outage[1]]
    outside = [e[:2] for e in errors if not outage[0] <= e[2] <= outage[1]]
    print(f"transport errors while the server was down: {len(during)}; other: {outside[:5]}")
    return server_errors, len(outside)


def _check_database(database_url: str, logs: list[dict[str, list[Any]]]) -> int:
    """Lost or doubled records: every upload's pages once, every correction once."""
    sys.path.insert(0, str(ROOT))
    from sqlmodel import Session, select

    from records.db import make_engine
    from records.models import Batch, BatchStatus, FileStatus, Page, SourceFile
    from records.review import FieldEdit

    uploads = [u for log in logs for u in log.get("uploads", [])]
    corrections = [c for log in logs for c in log.get("corrections", [])]
    unanswered = {c for log in logs for c in log.get("unanswered", [])}
    problems = 0
    engine = make_engine(database_url)
    with Session(engine) as session:
        for batch_id, sha, pages in uploads:
            batch = session.get(Batch, batch_id)
            files = session.exec(select(SourceFile).where(SourceFile.sha256 == sha)).all()
            ingested = [f for f in files if f.status == FileStatus.ingested]
            stored = (
                session.exec(select(Page).where(Page.file_id == ingested[0].id)).all()
                if len(ingested) == 1
                else []
            )
            if (
                batch is None
                or batch.status != BatchStatus.done
                or len(ingested) != 1
                or sorted(p.page_no for p in stored) != list(range(1, pages + 1))
            ):
                problems += 1
                print(f"! upload to batch {batch_id}: {len(ingested)} files, {len(stored)} pages")
        edits = session.exec(select(FieldEdit)).all()
        seen: dict[tuple[int, str, str], int] = defaultdict(int)
        for edit in edits:
            seen[(edit.page_id, edit.key, str(edit.new_value))] += 1
        for correction in corrections:
            if seen.get(correction, 0) != 1:
                problems += 1
                print(f"! correction {correction[:2]} stored {seen.get(correction, 0)} times")
        known = set(corrections) | unanswered
        for key, count in seen.items():
            if key not in known or count > 1:
                problems += 1
                print(f"! field_edit row {key[:2]} stored {count} times, sent {key in known}")
        stored_unanswered = sum(1 for c in unanswered if seen.get(c))
        pages_total = len(session.exec(select(Page)).all())
    engine.dispose()
    print(
        f"database: {len(uploads)} uploads, all pages stored once: {problems == 0}; "
        f"{len(corrections)} corrections answered, {len(edits)} in field_edit "
        f"({stored_unanswered} of {len(unanswered)} sent without an answer were stored); "
        f"{pages_total} pages in all"
    )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one ≥ 10000")
    parser.add_argument("--keep", type=Path, default=None, help="data dir to keep")
    parser.add_argument(
        "--kill-server-after",
        type=float,
        default=None,
        help="SIGKILL the server this many seconds in and start it again (default: half "
        "way; 0: never)",
    )
    args = parser.parse_args()
    if args.kill_server_after is None:
        args.kill_server_after = args.minutes * 30
    seed = args.seed if args.seed is not None else random.randrange(10_000, 2**31)
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="cardscan-soak-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARDSCAN_")}
    env.update(CARDSCAN_DATA_DIR=str(data_dir), CARDSCAN_WORKERS="1", CARDSCAN_DPI="150")
    database_url = f"sqlite:///{data_dir / 'cardscan.db'}"
    print(f"soak: seed {seed}, {args.clients} clients, {args.minutes} min, data {data_dir}")
    _cardscan(env, "roster", "import", str(SAMPLE / "roster.csv"), "--year", str(YEAR))
    _cardscan(env, "ingest", str(SAMPLE / "scans"), "--received-date", "2026-12-01")
    password = "soak password 1"
    _cardscan(env, "user", "add", "soak", "--role", "admin", "--password-stdin", stdin=password)
    token = _cardscan(env, "user", "token", "soak").splitlines()[-1]
    server_log = (data_dir / "server.log").open("ab")
    server = _start_server(env, port, server_log)
    outage = (0.0, 0.0)
    try:
        _wait_healthy(base, server)
        started = time.monotonic()
        queue: multiprocessing.Queue[Any] = multiprocessing.Queue()
        clients = [
            multiprocessing.Process(
                target=client_main, args=(c, base, token, args.minutes * 60, seed, queue)
            )
            for c in range(args.clients)
        ]
        for process in clients:
            process.start()
        if args.kill_server_after > 0:
            time.sleep(args.kill_server_after)
            killed_at = time.time()
            os.killpg(server.pid, signal.SIGKILL)  # the server, its ingest thread and workers
            server.wait()
            server = _start_server(env, port, server_log)
            _wait_healthy(base, server)
            outage = (killed_at, time.time() + 1.0)
            print(f"server SIGKILLed at {args.kill_server_after:.0f} s, back after "
                  f"{outage[1] - 1.0 - killed_at:.1f} s")  # fmt: skip
        logs = [queue.get() for _ in clients]
        for process in clients:
            process.join()
        print(f"load ran {time.monotonic() - started:.0f} s")
        batches = {u[0] for _, log in logs for u in log.get("uploads", [])}
        _wait_batches(base, token, batches)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        server_log.close()
    server_errors, transport = _report([log for _, log in logs], outage)
    problems = _check_database(database_url, [log for _, log in logs])
    print(f"5xx: {server_errors}; transport errors outside the restart: {transport}; "
          f"lost or doubled: {problems}")  # fmt: skip
    return 1 if server_errors or transport or problems else 0


def _start_server(env: dict[str, str], port: int, log: Any) -> subprocess.Popen[bytes]:
    cardscan = str(Path(sys.executable).with_name("cardscan"))
    return subprocess.Popen(
        [cardscan, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )


def _wait_batches(
    base: str, token: str, batches: set[int], timeout_s: float = WAIT_FOR_BATCHES_S
) -> None:
    """Until every uploaded batch is done (the server ingests them one after another)."""
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + timeout_s
    pending = set(batches)
    while pending and time.monotonic() < deadline:
        for batch_id in sorted(pending):
            response = httpx.get(f"{base}/api/v1/batches/{batch_id}", headers=headers, timeout=30)
            if response.status_code == 200 and response.json()["status"] != "running":
                pending.discard(batch_id)
        time.sleep(1)
    print(f"uploaded batches: {len(batches)}, still running after the wait: {len(pending)}")


if __name__ == "__main__":
    sys.exit(main())
