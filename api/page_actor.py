"""What a `cardscan worker` process runs: the Dramatiq actors that analyse and store pages.

Importing this module binds Dramatiq to the configured Redis broker (the Dramatiq CLI imports
it in every worker process). A page message is acknowledged by Dramatiq only after the actor
returns, and the actor returns only after the page is committed — so a worker killed at any
point leaves the message unacknowledged, and Redis gives it to another worker once the dead
one's heartbeat lapses. A page already stored is not analysed again (a redelivery), and two
deliveries racing store it once (`records/page_jobs.py`).
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq

from api.page_work import (
    MAX_BACKOFF_MS,
    MIN_BACKOFF_MS,
    PAGE_TIME_LIMIT_MS,
    give_up_page,
    process_page,
    retry_when,
    worker_context,
)
from api.settings import Settings, load_settings
from api.task_queue import ANALYSE_ACTOR, GIVEN_UP_ACTOR, make_broker
from ingest.queue import PageMessage

log = logging.getLogger(__name__)


def _bind_broker() -> Settings:
    settings = load_settings()
    dramatiq.set_broker(make_broker(settings))
    return settings


_settings = _bind_broker()


@dramatiq.actor(
    actor_name=ANALYSE_ACTOR,
    queue_name=_settings.queue_name,
    retry_when=retry_when,
    min_backoff=MIN_BACKOFF_MS,
    max_backoff=MAX_BACKOFF_MS,
    time_limit=PAGE_TIME_LIMIT_MS,
    on_retry_exhausted=GIVEN_UP_ACTOR,
)
def analyse_page(payload: dict[str, Any]) -> None:
    context = worker_context()
    message = PageMessage.from_json(payload)
    stored = process_page(message, engine=context.engine, storage=context.storage)
    log.info(
        "batch %d file %d page %d: %s",
        message.batch_id,
        message.file_id,
        message.page_no,
        "stored" if stored else "already stored",
    )


@dramatiq.actor(actor_name=GIVEN_UP_ACTOR, queue_name=_settings.queue_name, max_retries=5)
def page_given_up(message_data: dict[str, Any], retry_info: dict[str, Any]) -> None:
    del retry_info
    (payload,) = message_data["args"]
    give_up_page(PageMessage.from_json(payload), engine=worker_context().engine)
    log.warning("page of file %d given up after retries", int(payload["file_id"]))
