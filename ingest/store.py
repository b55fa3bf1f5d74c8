"""The one door through which a batch run records its results (implemented over the database)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from ingest.types import BatchReport, FileRecord, PageOutcome


class BatchStore(Protocol):
    """Where a batch writes; only the main process calls it, one page per transaction."""

    def start_batch(self, *, name: str, received_date: date | None) -> int: ...

    def ingested_file_id(self, *, sha256: str) -> int | None: ...

    def add_file(self, record: FileRecord) -> int: ...

    def add_page(self, *, batch_id: int, outcome: PageOutcome) -> None: ...

    def finish_batch(self, *, batch_id: int, report: BatchReport) -> None: ...
