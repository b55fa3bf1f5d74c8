"""Running `cardscan worker` processes and comparing what they stored (shared by
`benchmarks/bench_workers.py` and `tests/deploy/`).

Workers run in their own session (process group) so that one `killpg` ends a worker and the
processes Dramatiq forked for it — as when a machine dies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from records.db import make_engine
from records.models import Field, Member, Page, SourceFile

PageKey = tuple[str, int]  # (sha256 of the file, page number)
STOP_TIMEOUT_S = 60


def cardscan_bin() -> str:
    return str(Path(sys.executable).with_name("cardscan"))


@dataclass
class WorkerPool:
    """`cardscan worker` processes started with one environment; logs go to `log_dir`."""

    env: Mapping[str, str]
    log_dir: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, processes: int = 1) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"worker-{len(self.running)}.log").open("wb")
        proc = subprocess.Popen(
            [cardscan_bin(), "worker", "--processes", str(processes)],
            env=dict(self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.running.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the worker and everything it forked: no cleanup, no acknowledgement."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        """SIGTERM every worker (they finish the page in hand), then wait for them."""
        for proc in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in self.running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.running.clear()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the running workers and their children."""
        import psutil

        total = 0.0
        for proc in self.running:
            try:
                parent = psutil.Process(proc.pid)
                for each in [parent, *parent.children(recursive=True)]:
                    times = each.cpu_times()
                    total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("*.log")))


def pending_messages(redis_url: str, queue_name: str) -> int:
    """Messages Redis still holds for a queue (waiting, delayed for a retry, or in a
    worker's hands and not yet acknowledged)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        held = client.hlen(f"dramatiq:{queue_name}.msgs")
        delayed = client.hlen(f"dramatiq:{queue_name}.DQ.msgs")
        return int(held) + int(delayed)
    finally:
        client.close()


def unacknowledged(redis_url: str, queue_name: str) -> int:
    """Messages fetched by some worker and not acknowledged yet."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = client.keys(f"dramatiq:__acks__.*.{queue_name}")
        return sum(int(client.scard(k)) for k in keys)
    finally:
        client.close()


def page_records(database_url: str) -> dict[PageKey, tuple[Any, ...]]:
    """Every stored page by (file hash, page number): what analysis, recognition and linking
    made of it, without ids or times (which differ between two runs)."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(Page, SourceFile.sha256).join(
                    SourceFile, col(SourceFile.id) == col(Page.file_id)
                )
            ).all()
            members = {m.id: m.code for m in session.exec(select(Member))}
            fields: dict[int, list[tuple[Any, ...]]] = {}
            for f in session.exec(select(Field).order_by(col(Field.page_id), col(Field.key))):
                fields.setdefault(f.page_id, []).append(
                    (f.key, f.value, f.raw, f.needs_review, round(f.confidence, 4), f.note)
                )
            records: dict[PageKey, tuple[Any, ...]] = {}
            for page, sha256 in rows:
                key = (sha256, page.page_no)
                if key in records:
                    raise AssertionError(f"page {key} is stored twice")
                records[key] = (
                    page.status,
                    page.form,
                    page.rotation,
                    page.width,
                    page.height,
                    page.card_code,
                    page.year,
                    members.get(page.member_id),
                    page.contact_no,
                    page.link_source,
                    tuple(page.notes),
                    tuple(fields.get(page.id or 0, [])),
                )
            return records
    finally:
        engine.dispose()


def page_count(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return len(session.exec(select(Page.id)).all())
    finally:
        engine.dispose()
