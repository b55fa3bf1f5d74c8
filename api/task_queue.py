"""The page queue: Dramatiq over Redis, when `CARDSCAN_REDIS_URL` is set.

The producer (`cardscan ingest`, the server's upload thread) checks and stores the files as
always, then sends one message per page instead of analysing it; `cardscan worker` processes
(`api/page_actor.py`, on any machine that reaches Redis, the database and the storage)
analyse each page, store it and close the batch. Without a Redis URL nothing here is used.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy.engine import Engine

from api.settings import Settings
from ingest.queue import to_message
from ingest.types import BatchReport, PageJob
from records.models import BatchStatus, PageStatus
from records.page_jobs import BatchCounts, batch_state, finish_if_complete, pages_by_form

ANALYSE_ACTOR = "analyse_page"
GIVEN_UP_ACTOR = "page_given_up"
POLL_S = 0.5


def make_broker(settings: Settings) -> RedisBroker:
    """A broker on the configured Redis; dead workers' unacknowledged pages go back to the
    queue once their heartbeat is older than `queue_heartbeat_timeout_s`."""
    if not settings.redis_url:
        raise ValueError("CARDSCAN_REDIS_URL is not set")
    return RedisBroker(
        url=settings.redis_url,
        heartbeat_timeout=settings.queue_heartbeat_timeout_s * 1000,
        maintenance_chance=settings.queue_maintenance_per_million,
    )


def queue_in_use(settings: Settings) -> bool:
    """Whether pages go to queue workers (a Redis URL is set) or are analysed in-process."""
    return bool(settings.redis_url)


class RedisPageQueue:
    """`ingest.queue.PageQueue` over Dramatiq: one message per page, then the batches are
    closed here at once if nothing is left for the workers (every file a duplicate)."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine

    def submit(self, *, batch_id: int, jobs: Sequence[PageJob]) -> None:
        broker = make_broker(self.settings)
        try:
            for job in jobs:
                payload = to_message(job, storage_root=self.settings.storage_root).as_json()
                broker.enqueue(
                    dramatiq.Message(
                        queue_name=self.settings.queue_name,
                        actor_name=ANALYSE_ACTOR,
                        args=(payload,),
                        kwargs={},
                        options={},
                    )
                )
        finally:
            broker.close()
        for batch in sorted({batch_id, *(job.batch_id for job in jobs)}):
            finish_if_complete(self.engine, batch_id=batch)


def wait_for_batch(
    engine: Engine,
    *,
    batch_id: int,
    progress: Callable[[BatchCounts], None] | None = None,
    timeout_s: float | None = None,
) -> tuple[BatchStatus, BatchCounts]:
    """Poll until the workers have closed the batch (or `timeout_s` passed)."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        status, counts = batch_state(engine, batch_id=batch_id)
        if progress is not None:
            progress(counts)
        if status != BatchStatus.running:
            return status, counts
        if deadline is not None and time.monotonic() > deadline:
            return status, counts
        time.sleep(POLL_S)


def await_queued_batch(
    engine: Engine, report: BatchReport, show_stored: Callable[[int], None] | None = None
) -> None:
    """Wait for the workers to close the report's batch, then fill in its page counts."""
    status, counts = wait_for_batch(
        engine,
        batch_id=report.batch_id,
        progress=None if show_stored is None else lambda c: show_stored(c.pages_stored),
    )
    report.interrupted = status == BatchStatus.interrupted
    report.pages_by_form.update(pages_by_form(engine, batch_id=report.batch_id))
    report.pages_failed = counts.page_count(PageStatus.failed)
