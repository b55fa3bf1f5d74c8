"""`cardscan worker`: a page-analysis worker on the Redis queue (Dramatiq's own process runner)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from api.cli_common import EXIT_USAGE, console, err_console
from api.settings import load_settings
from records.db import init_db, make_engine

# Dramatiq's default prefetch (2 messages per thread) keeps the next page in hand while one
# is analysed: with 1, a worker idled up to a second between pages (its consumer backs off).


def worker_command(processes: int, threads: int, queue_name: str) -> list[str]:
    """The Dramatiq command line that `cardscan worker` becomes."""
    return [
        sys.executable,
        "-m",
        "dramatiq",
        "api.page_actor",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
        "--queues",
        queue_name,
    ]


def worker(
    processes: Annotated[
        int | None, typer.Option(min=1, help="worker processes (default CARDSCAN_WORKERS)")
    ] = None,
    threads: Annotated[int, typer.Option(min=1, help="threads per process")] = 1,
) -> None:
    """Analyse pages from the Redis queue (CARDSCAN_REDIS_URL) until stopped (SIGTERM/Ctrl+C
    finish the pages in hand; a killed worker's pages go back to the queue)."""
    settings = load_settings()
    if not settings.redis_url:
        err_console.print("CARDSCAN_REDIS_URL is not set: without it, ingest runs in-process")
        raise typer.Exit(EXIT_USAGE)
    engine = make_engine(settings.database_url)
    init_db(engine)  # migrate once here, not in every worker process at once
    engine.dispose()
    count = processes or settings.workers
    console.print(f"worker: {count} process(es) × {threads} thread(s) on {settings.queue_name}")
    command = worker_command(count, threads, settings.queue_name)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)
