"""Page jobs as queue messages: what `run_batch` hands to distributed workers instead of its
process pool (the queue itself, Dramatiq over Redis, lives in `api/task_queue.py`).

A message holds storage keys and options, never a path of the sending machine nor a file
name (names may be personal, and brokers log messages): the worker resolves the keys in its
own storage and reads the file's name from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ingest.types import PageJob
from ocr.recognize import RecognitionOptions
from ocr.types import AnalysisOptions


class PageQueue(Protocol):
    """Takes a batch's page jobs; its workers analyse and store them, and close the batch."""

    def submit(self, *, batch_id: int, jobs: Sequence[PageJob]) -> None: ...


@dataclass(frozen=True)
class PageMessage:
    """One page job in the form it travels in (JSON-friendly values only)."""

    batch_id: int
    file_id: int
    page_no: int
    source_key: str
    kind: str
    image_key: str
    render_dpi: int
    max_image_pixels: int
    analysis: dict[str, Any]
    recognition: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageMessage:
        return cls(**data)


def to_message(job: PageJob, *, storage_root: Path) -> PageMessage:
    """The message for a job planned over files under `storage_root`."""
    recognition = asdict(job.recognition)
    recognition["engine_by_kind"] = [list(pair) for pair in job.recognition.engine_by_kind]
    return PageMessage(
        batch_id=job.batch_id,
        file_id=job.file_id,
        page_no=job.page_no,
        source_key=job.source.resolve().relative_to(storage_root.resolve()).as_posix(),
        kind=job.kind,
        image_key=job.image_rel,
        render_dpi=job.render_dpi,
        max_image_pixels=job.max_image_pixels,
        analysis=asdict(job.analysis),
        recognition=recognition,
    )


def to_job(message: PageMessage, *, file_name: str, source: Path, image_out: Path) -> PageJob:
    """The job a worker runs: the source and the image at paths of its own machine."""
    recognition = dict(message.recognition)
    recognition["engine_by_kind"] = tuple(tuple(p) for p in recognition["engine_by_kind"])
    job = PageJob(
        batch_id=message.batch_id,
        file_id=message.file_id,
        page_no=message.page_no,
        file_name=file_name,
        source=source,
        kind=message.kind,
        render_dpi=message.render_dpi,
        max_image_pixels=message.max_image_pixels,
        image_out=image_out,
        image_rel=message.image_key,
        analysis=AnalysisOptions(**message.analysis),
    )
    return replace(job, recognition=RecognitionOptions(**recognition))
