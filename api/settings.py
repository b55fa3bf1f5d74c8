"""All configuration of cardscan in one place, read from `CARDSCAN_*` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_workers() -> int:
    return max(1, os.cpu_count() or 1)


class Settings(BaseSettings):
    """One installation's settings; two installations with different data dirs share nothing."""

    model_config = SettingsConfigDict(env_prefix="CARDSCAN_", env_file=None, extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    workers: int = Field(default_factory=_default_workers, ge=1, le=64)
    dpi: int = Field(default=300, ge=72, le=600, description="PDF render resolution")
    page_dpi: int = Field(default=200, ge=72, le=600, description="straightened page resolution")
    max_file_mb: int = Field(default=200, ge=1, description="larger files are refused")
    max_image_pixels: int = Field(
        default=120_000_000, ge=1_000_000, description="decompression-bomb guard per page"
    )
    keep_debug_images: bool = False
    ocr_engine: Literal["rapidocr", "tesseract"] = Field(
        default="rapidocr", description="engine for every text field (measured: docs/ENGINES.md)"
    )
    ocr_engine_by_kind: dict[str, Literal["rapidocr", "tesseract"]] = Field(
        default_factory=dict, description='per field kind overrides, e.g. {"phone": "tesseract"}'
    )
    max_batch_mb: int = Field(default=2000, ge=1, description="an upload larger is refused")
    max_pdf_pages: int = Field(default=1000, ge=1, description="a PDF with more is refused")
    retention_years: int = Field(
        default=5, ge=1, description="years of personal data kept (a CPPCC term is 5)"
    )
    rules_dir: Path | None = Field(
        default=None, description="folder of per-year assessment rules (<year>.json)"
    )
    cookie_secure: bool | None = Field(
        default=None, description="Secure flag on cookies; default on in production"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # Distributed page analysis (api/task_queue.py): unset, pages are analysed in-process.
    redis_url: str = Field(default="", description="Redis broker of the page queue")
    queue_name: str = Field(default="cardscan-pages", pattern=r"^[A-Za-z0-9_.-]+$")
    queue_heartbeat_timeout_s: int = Field(
        default=60, ge=2, description="a worker silent this long is dead: its pages go back"
    )
    queue_maintenance_per_million: int = Field(
        default=10_000, ge=1, le=1_000_000, description="queue calls that look for dead workers"
    )
    storage_dir: Path | None = Field(
        default=None, description="stored originals and page images (default: data_dir)"
    )

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if self.cookie_secure is None:
            self.cookie_secure = self.environment == "production"
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'cardscan.db'}"
        return self

    @property
    def storage_root(self) -> Path:
        """Where `files/` and `pages/` live: a shared mount when workers run elsewhere."""
        return (self.storage_dir or self.data_dir).expanduser().resolve()

    @property
    def demo_dir(self) -> Path:
        """Where `cardscan demo` generates its sample batch."""
        return self.data_dir / "demo"


def load_settings() -> Settings:
    """Read the settings from the environment (a fresh read each call, no cache)."""
    return Settings()
