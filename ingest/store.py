"""The one door through which a batch run records its results (implemented over the database)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from ingest.types import BatchReport, FileRecord, FileReport, KnownFile, PageOutcome


class BatchStore(Protocol):
    """Where a batch writes; only the main process calls it, one page per transaction."""

    def start_batch(self, *, name: str, received_date: date | None) -> int: ...

    def ingested_file_id(self, *, sha256: str) -> int | None: ...

    def known_file(self, *, sha256: str) -> KnownFile | None:
        """The stored file with this content and which of its pages are not stored yet."""
        ...

    def batch_file(self, *, batch_id: int, name: str, sha256: str) -> FileReport | None:
        """What an earlier, interrupted run of this batch made of this file, if it got to it."""
        ...

    def add_file(self, record: FileRecord) -> int: ...

    def add_page(self, *, batch_id: int, outcome: PageOutcome) -> None:
        """Store a page and its fields in one transaction; a page already stored is kept."""
        ...

    def finish_batch(self, *, batch_id: int, report: BatchReport) -> None: ...
