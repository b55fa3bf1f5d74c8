"""Shared fixtures: a private data dir and database per test, and small scans made on the fly."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from sqlmodel import Session

from api.settings import Settings
from records.db import init_db, make_engine
from tests.db.servers import drop_template, fresh_database, on_postgres

TESTS_DIR = Path(__file__).parent
BAD_FILES_DIR = TESTS_DIR / "data" / "bad"
RECORD_SCHEMA = TESTS_DIR / "data" / "record.schema.json"

# Each file in tests/data/bad and the error code it must be reported with.
BAD_FILE_CODES = {
    "bomb-60000x60000.png": "too_many_pixels",
    "empty.pdf": "empty_file",
    "encrypted.pdf": "encrypted_pdf",
    "huge-30000x30000.jpg": "too_many_pixels",
    "notes-named-as-photo.jpg": "unsupported_type",
    "notes-named-as-scan.pdf": "unsupported_type",
    "truncated.jpg": "image_decode_error",
    "truncated.pdf": "corrupt_pdf",
    "zero-pages.pdf": "no_pages",
}

_SETTINGS_ENV = (
    "CARDSCAN_DATA_DIR",
    "CARDSCAN_DATABASE_URL",
    "CARDSCAN_WORKERS",
    "CARDSCAN_DPI",
    "CARDSCAN_PAGE_DPI",
    "CARDSCAN_MAX_FILE_MB",
    "CARDSCAN_MAX_IMAGE_PIXELS",
)


def pytest_sessionfinish(session: pytest.Session) -> None:
    del session
    drop_template()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: a SQLite file under tmp_path, or a fresh PostgreSQL
    database when CARDSCAN_TEST_DATABASE_URL names a server (tests/db/servers.py)."""
    with fresh_database(tmp_path / "data") as url:
        yield url


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A session on this test's own migrated database."""
    engine = make_engine(database_url)
    init_db(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> Iterator[Settings]:
    """Settings of a fresh installation under tmp_path, also set in the environment for the CLI."""
    for name in _SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CARDSCAN_DATA_DIR", str(tmp_path / "data"))
    if on_postgres():
        monkeypatch.setenv("CARDSCAN_DATABASE_URL", database_url)
    monkeypatch.setenv("CARDSCAN_WORKERS", "2")
    monkeypatch.setenv("CARDSCAN_DPI", "100")  # small renders keep the suite fast
    yield Settings()


def form_like_page(label: int, *, width: int = 827, height: int = 583) -> np.ndarray:
    """A light gray page with a ruled table and a number, so every page's bytes differ."""
    page = np.full((height, width), 235, dtype=np.uint8)
    cv2.rectangle(page, (40, 60), (width - 40, height - 40), 20, 3)
    for y in range(120, height - 40, 55):
        cv2.line(page, (40, y), (width - 40, y), 20, 2)
    for x in (110, 260, 420, 640):
        cv2.line(page, (x, 120), (x, height - 40), 20, 2)
    cv2.putText(page, f"page {label}", (60, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    return page


@dataclass(frozen=True)
class Scans:
    """A folder of good scans made for one test, and how many pages each file holds."""

    folder: Path
    pages: dict[str, int]

    def path(self, name: str) -> Path:
        return self.folder / name


def make_scans(folder: Path, *, first_label: int = 1) -> Scans:
    """PNG, JPEG, a 3-frame TIFF and a 2-page PDF, all different, written into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    images = [Image.fromarray(form_like_page(first_label + i)) for i in range(7)]
    images[0].save(folder / "card-single.png")
    images[1].convert("RGB").save(folder / "card-photo.jpg", quality=90)
    images[2].save(folder / "cards-3pages.tiff", save_all=True, append_images=images[3:5])
    images[5].save(
        folder / "cards-2pages.pdf", save_all=True, append_images=[images[6]], resolution=100
    )
    return Scans(
        folder,
        {"card-photo.jpg": 1, "card-single.png": 1, "cards-2pages.pdf": 2, "cards-3pages.tiff": 3},
    )


@pytest.fixture
def scans(tmp_path: Path) -> Scans:
    return make_scans(tmp_path / "scans")


TEST_PASSWORD = "correct horse battery"


def add_user(
    settings: Settings, name: str, role: str, *, committee: str | None = None
) -> dict[str, str]:
    """Create a user in the installation's database; returns bearer-token headers for it."""
    from api.security import hash_password
    from records import accounts
    from records.accounts import Role
    from records.db import init_db, make_engine, session_scope

    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        user = accounts.add_user(
            session,
            name=name,
            role=Role(role),
            committee=committee,
            password_hash=hash_password(TEST_PASSWORD),
        )
        token, _ = accounts.create_api_token(session, user=user, label="test")
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}
