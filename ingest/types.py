"""Small picklable values that travel between the batch runner, its workers and the store."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ocr.recognize import FieldReading, RecognitionOptions
from ocr.types import AnalysisOptions

Bbox = tuple[int, int, int, int]


@dataclass(frozen=True)
class IngestOptions:
    """Everything a batch needs to know, passed down from the settings by the caller."""

    data_dir: Path
    workers: int = 1
    render_dpi: int = 300
    max_file_bytes: int = 200 * 1024 * 1024
    max_image_pixels: int = 120_000_000
    max_pdf_pages: int = 1000
    analysis: AnalysisOptions = field(default_factory=AnalysisOptions)
    recognition: RecognitionOptions = field(default_factory=RecognitionOptions)

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def pages_dir(self) -> Path:
        return self.data_dir / "pages"


@dataclass(frozen=True)
class PageJob:
    """One page for a worker: it loads the page itself from `source` and `page_no`."""

    batch_id: int
    file_id: int
    page_no: int
    file_name: str
    source: Path
    kind: str
    render_dpi: int
    max_image_pixels: int
    image_out: Path
    image_rel: str
    analysis: AnalysisOptions
    recognition: RecognitionOptions = field(default_factory=RecognitionOptions)


@dataclass(frozen=True)
class PageOutcome:
    """What a worker sends back: analysis results and where the straightened image lies."""

    file_id: int
    page_no: int
    ok: bool
    form: str = "unknown"
    rotation: int = 0
    transform: tuple[tuple[float, ...], ...] | None = None
    width: int | None = None
    height: int | None = None
    source_width: int | None = None
    source_height: int | None = None
    fields: dict[str, Bbox] = field(default_factory=dict)
    readings: dict[str, FieldReading] = field(default_factory=dict)
    card_code: str | None = None
    notes: tuple[str, ...] = ()
    image_rel: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    # Signature of the straightened page (`ocr.page_hash`), to find the same page elsewhere.
    image_hash: str | None = None


@dataclass(frozen=True)
class KnownFile:
    """A file whose content is already stored, and the pages of it not stored yet (an
    interrupted run stores the file first, then its pages one by one)."""

    file_id: int
    batch_id: int
    pages: int
    kind: str
    stored_path: str  # relative to the data dir
    missing_pages: tuple[int, ...] = ()


@dataclass(frozen=True)
class DuplicatePage:
    """A page found again: `same_page` (the same image, not counted) or `same_card` (a
    re-scan: same card code, or same member, contact and rows; a reviewer decides)."""

    kind: str
    page_id: int
    file_name: str
    page_no: int
    original_page_id: int
    original_file_name: str
    original_page_no: int
    original_batch_id: int

    def as_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class FileRecord:
    """What the store keeps of one input file, whatever became of it."""

    batch_id: int
    original_name: str
    sha256: str
    size: int
    status: str  # ingested | duplicate | failed
    kind: str | None = None
    pages: int = 0
    stored_path: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    duplicate_of: int | None = None


@dataclass
class FileReport:
    """The result for one input file, as `--report` writes it."""

    name: str
    status: str  # ingested | duplicate | failed | resumed (missing pages of an earlier run)
    pages: int = 0
    error_code: str | None = None
    message: str | None = None
    sha256: str | None = None
    file_id: int | None = None
    duplicate_of: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status,
            "pages": self.pages,
            "error_code": self.error_code,
            "message": self.message,
            "sha256": self.sha256,
        }


@dataclass
class BatchReport:
    """The result of one `ingest` run."""

    batch_id: int
    files: list[FileReport] = field(default_factory=list)
    pages_by_form: Counter[str] = field(default_factory=Counter)
    pages_failed: int = 0
    interrupted: bool = False
    # Pages found again (filled by the store when the batch finishes).
    duplicate_pages: list[DuplicatePage] = field(default_factory=list)
    # Other batches an interrupted run left incomplete, whose missing pages this run stored.
    resumed_batches: set[int] = field(default_factory=set)

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def any_failed(self) -> bool:
        return self.count("failed") > 0

    def as_json(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "interrupted": self.interrupted,
            "summary": {
                "files": len(self.files),
                "ingested": self.count("ingested"),
                "duplicate": self.count("duplicate"),
                "failed": self.count("failed"),
                "pages": sum(self.pages_by_form.values()) + self.pages_failed,
                "pages_failed": self.pages_failed,
                "pages_by_form": dict(sorted(self.pages_by_form.items())),
                "resumed": self.count("resumed"),
                "pages_duplicate": len(self.duplicate_pages),
            },
            "files": [f.as_json() for f in self.files],
            "duplicate_pages": [d.as_json() for d in self.duplicate_pages],
        }
