"""One ingest run: check every file (hash first), then analyse the pages across worker processes.

The main process alone talks to the store, one page at a time; workers only read their
page from disk and write its straightened image.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from datetime import date
from pathlib import Path
from typing import Protocol

from ingest.batch_lock import BatchInUse, batch_is_live, hold_batch_lock
from ingest.batch_plan import write_plan
from ingest.errors import FileTooLarge, IngestError
from ingest.files import check_readable, discover_files, sha256_file, sniff_kind, store_original
from ingest.orphans import exit_with
from ingest.pages import count_pages
from ingest.queue import PageQueue
from ingest.store import BatchStore
from ingest.types import (
    BatchReport,
    FileRecord,
    FileReport,
    IngestOptions,
    KnownFile,
    PageJob,
    PageOutcome,
)
from ingest.worker import run_page_job

log = logging.getLogger(__name__)

WORKER_CRASHED = "worker_crashed"


class BatchObserver(Protocol):
    """Progress hooks for a terminal or a UI; called from the main process only."""

    def file_checked(self, report: FileReport, *, done: int, total: int) -> None: ...

    def pages_planned(self, total: int) -> None: ...

    def page_done(self, outcome: PageOutcome) -> None: ...


class SilentObserver:
    """An observer that shows nothing (tests, scripts)."""

    def file_checked(self, report: FileReport, *, done: int, total: int) -> None:
        del report, done, total

    def pages_planned(self, total: int) -> None:
        del total

    def page_done(self, outcome: PageOutcome) -> None:
        del outcome


def run_batch(
    paths: Sequence[Path],
    *,
    options: IngestOptions,
    store: BatchStore,
    name: str,
    received_date: date | None = None,
    observer: BatchObserver | None = None,
    batch_id: int | None = None,
    display_names: Mapping[Path, str] | None = None,
    page_queue: PageQueue | None = None,
) -> BatchReport:
    """Ingest files and folders as one batch; bad files are reported and the rest goes on.

    ``batch_id`` continues a batch the caller already started (an upload shows it at once)
    or one an interrupted run left: files it already holds are not added again and only
    their missing pages are analysed. ``display_names`` gives the name a user knows a file
    by when its path is generated (or is a stored copy, named explicitly). With
    ``page_queue`` the pages go to queue workers, which store them and close the batch.
    """
    observer = observer or SilentObserver()
    names = display_names or {}
    named = set(paths)
    files = [f for f in discover_files(paths) if f in named or not _is_own_data(f, options)]
    if batch_id is None:
        batch_id = store.start_batch(name=name, received_date=received_date)
    lock = hold_batch_lock(options.data_dir, batch_id)
    if not lock.held:
        raise BatchInUse(batch_id)
    write_plan(options.data_dir, batch_id, files, names)
    report = BatchReport(batch_id=batch_id)
    log.info("batch %d started with %d files", batch_id, len(files))
    planned: set[int] = set()  # stored files whose missing pages this run analyses
    try:
        jobs: list[PageJob] = []
        for done, path in enumerate(files, start=1):
            file_report, file_jobs = _check_file(
                path,
                display=names.get(path, path.name),
                batch_id=batch_id,
                options=options,
                store=store,
                planned=planned,
            )
            report.files.append(file_report)
            report.resumed_batches.update(j.batch_id for j in file_jobs if j.batch_id != batch_id)
            jobs.extend(file_jobs)
            observer.file_checked(file_report, done=done, total=len(files))
        observer.pages_planned(len(jobs))
        if page_queue is not None:  # queue workers analyse, store and close the batch
            page_queue.submit(batch_id=batch_id, jobs=jobs)
            return report
        for outcome in _analyse_pages(jobs, workers=options.workers):
            store.add_page(batch_id=batch_id, outcome=outcome)
            if outcome.ok:
                report.pages_by_form[outcome.form] += 1
            else:
                report.pages_failed += 1
                log.warning(
                    "batch %d: file %d page %d failed: %s",
                    batch_id,
                    outcome.file_id,
                    outcome.page_no,
                    outcome.error_code,
                )
            observer.page_done(outcome)
    except KeyboardInterrupt:
        report.interrupted = True
        store.finish_batch(batch_id=batch_id, report=report)
        raise
    finally:
        lock.release()
    store.finish_batch(batch_id=batch_id, report=report)
    log.info("batch %d done", batch_id)
    return report


def _is_own_data(path: Path, options: IngestOptions) -> bool:
    """Our stored copies, page images and database files, met when a folder holds data_dir."""
    resolved = path.resolve()
    if resolved.parent == options.data_dir.resolve():
        return True
    return resolved.is_relative_to(options.files_dir.resolve()) or resolved.is_relative_to(
        options.pages_dir.resolve()
    )


def _check_file(
    path: Path,
    *,
    display: str,
    batch_id: int,
    options: IngestOptions,
    store: BatchStore,
    planned: set[int],
) -> tuple[FileReport, list[PageJob]]:
    """Hash, deduplicate, sniff and count one file; store it and plan its pages.

    Records and messages name the file ``display``, the name its user knows it by.
    """
    sha256, size, kind = "", 0, None
    try:
        size = check_readable(path)
        if size > options.max_file_bytes:
            limit_mb = options.max_file_bytes // (1024 * 1024)
            raise FileTooLarge(display, f"it is {size / 1e6:.0f} MB, above {limit_mb} MiB")
        sha256 = sha256_file(path)
        earlier = store.batch_file(batch_id=batch_id, name=display, sha256=sha256)
        if earlier is not None and earlier.status != "ingested":
            return earlier, []  # this batch reported it before it was interrupted
        stored_file = store.known_file(sha256=sha256)
        if stored_file is not None and (earlier is not None or stored_file.missing_pages):
            return _known_file(
                stored_file,
                own=earlier is not None,
                display=display,
                sha256=sha256,
                size=size,
                batch_id=batch_id,
                options=options,
                store=store,
                planned=planned,
            )
        known = stored_file.file_id if stored_file is not None else None
        if known is not None:
            store.add_file(
                FileRecord(
                    batch_id=batch_id,
                    original_name=display,
                    sha256=sha256,
                    size=size,
                    status="duplicate",
                    duplicate_of=known,
                )
            )
            message = f"{display}: already ingested (same content as file {known}); skipped"
            return FileReport(display, "duplicate", 0, None, message, sha256, None, known), []
        kind = sniff_kind(path)
        pages = count_pages(
            path,
            kind=kind,
            render_dpi=options.render_dpi,
            max_pixels=options.max_image_pixels,
            max_pdf_pages=options.max_pdf_pages,
        )
    except IngestError as raised:
        # The checks name the path they read; the user knows the file by `display`.
        e = type(raised)(display, raised.reason)
        if sha256 == "" and (
            earlier_failure := store.batch_file(batch_id=batch_id, name=display, sha256="")
        ):
            return earlier_failure, []  # reported before this batch was interrupted
        store.add_file(
            FileRecord(
                batch_id=batch_id,
                original_name=display,
                sha256=sha256,
                size=size,
                status="failed",
                kind=kind,
                error_code=e.code,
                error_message=e.message,
            )
        )
        log.warning("batch %d: a file failed: %s", batch_id, e.code)
        return FileReport(display, "failed", 0, e.code, e.message, sha256 or None), []
    stored = store_original(path, files_dir=options.files_dir, sha256=sha256, kind=kind)
    file_id = store.add_file(
        FileRecord(
            batch_id=batch_id,
            original_name=display,
            sha256=sha256,
            size=size,
            status="ingested",
            kind=kind,
            pages=pages,
            stored_path=stored.relative_to(options.data_dir).as_posix(),
        )
    )
    jobs = [
        _page_job(batch_id, file_id, page_no, display, stored, kind, options)
        for page_no in range(1, pages + 1)
    ]
    return FileReport(display, "ingested", pages, None, None, sha256, file_id), jobs


def _known_file(
    known: KnownFile,
    *,
    own: bool,
    display: str,
    sha256: str,
    size: int,
    batch_id: int,
    options: IngestOptions,
    store: BatchStore,
    planned: set[int],
) -> tuple[FileReport, list[PageJob]]:
    """A file already stored: this batch's own (``own``, met again when a batch is resumed),
    or another batch's that an interrupted run left with pages missing. Only the missing
    pages are analysed, into the batch and file they belong to; nothing is stored twice."""
    busy = not own and batch_is_live(options.data_dir, known.batch_id)
    missing = () if busy or known.file_id in planned else known.missing_pages
    planned.add(known.file_id)
    source = options.data_dir / known.stored_path
    jobs = [
        _page_job(known.batch_id, known.file_id, n, display, source, known.kind, options)
        for n in missing
    ]
    if own:
        return FileReport(display, "ingested", known.pages, None, None, sha256, known.file_id), jobs
    store.add_file(
        FileRecord(
            batch_id=batch_id,
            original_name=display,
            sha256=sha256,
            size=size,
            status="duplicate",
            duplicate_of=known.file_id,
        )
    )
    if not jobs:
        message = f"{display}: already ingested (same content as file {known.file_id}); skipped"
        return FileReport(display, "duplicate", 0, None, message, sha256, None, known.file_id), []
    message = (
        f"{display}: already ingested in batch {known.batch_id}, but {len(jobs)} of its "
        f"{known.pages} pages were missing (an interrupted run); they are stored now"
    )
    resumed = FileReport(display, "resumed", len(jobs), None, message, sha256, None, known.file_id)
    return resumed, jobs


def _page_job(
    batch_id: int,
    file_id: int,
    page_no: int,
    file_name: str,
    stored: Path,
    kind: str,
    options: IngestOptions,
) -> PageJob:
    image_rel = f"pages/{batch_id}/{file_id}-{page_no:03d}.png"
    return PageJob(
        batch_id=batch_id,
        file_id=file_id,
        page_no=page_no,
        file_name=file_name,
        source=stored,
        kind=kind,
        render_dpi=options.render_dpi,
        max_image_pixels=options.max_image_pixels,
        image_out=options.data_dir / image_rel,
        image_rel=image_rel,
        analysis=options.analysis,
        recognition=options.recognition,
    )


def _new_pool(workers: int) -> ProcessPoolExecutor:
    # forkserver: workers never inherit the main process's threads (progress bar, database).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["ingest.worker"])
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=exit_with,  # a killed ingest takes its workers with it
        initargs=(os.getpid(),),
    )


def _analyse_pages(jobs: Iterable[PageJob], *, workers: int) -> Iterator[PageOutcome]:
    """Outcomes in completion order, with at most two pages per worker in flight."""
    pending_jobs = list(jobs)
    if not pending_jobs:
        return
    workers = max(1, min(workers, len(pending_jobs)))
    queue = iter(pending_jobs)
    pool = _new_pool(workers)
    in_flight: dict[Future[PageOutcome], PageJob] = {}
    try:
        while True:
            while len(in_flight) < 2 * workers:
                job = next(queue, None)
                if job is None:
                    break
                in_flight[pool.submit(run_page_job, job)] = job
            if not in_flight:
                return
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished:
                job = in_flight.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    yield _crashed(job)
                    # The pool is unusable: start a fresh one and resubmit what was running.
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = _new_pool(workers)
                    requeued = list(in_flight.values())
                    in_flight.clear()
                    for other in requeued:
                        in_flight[pool.submit(run_page_job, other)] = other
                    break
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _crashed(job: PageJob) -> PageOutcome:
    return PageOutcome(
        file_id=job.file_id,
        page_no=job.page_no,
        ok=False,
        error_code=WORKER_CRASHED,
        error_message=f"{job.file_name}: page {job.page_no}: the worker process died "
        "(out of memory?); lower CARDSCAN_WORKERS and ingest the file again",
    )
