"""Test data for the work screens: pages with fields and page images, stored as ingest and
review store them (no OCR), and a live server on loopback for the browser tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from PIL import Image, ImageDraw, ImageFont
from sqlmodel import Session

from api.settings import Settings
from ocr.recognize import FieldReading
from records import crud
from records.db import init_db, make_engine, session_scope
from records.models import BatchStatus, Member, PageStatus
from samples.fonts import hand_faces, load_font

YEAR = 2026
FIRST_BATCH = "十一月 第一批"
PAGE_SIZE = (900, 600)
CELL = (150, 50)  # width, height of every cell box on the test pages


@dataclass(frozen=True)
class Cell:
    """What recognition made of one cell: the read, the value, and whether it is sure."""

    raw: str
    value: Any
    confidence: float = 0.95
    review: bool = False

    def reading(self) -> FieldReading:
        return FieldReading(
            value=self.value,
            raw=self.raw,
            ocr_confidence=self.confidence,
            confidence=self.confidence,
            needs_review=self.review,
            engine="fake-hand-1",
        )


# Pages of the test installation: name → (batch, form, committee, status, cells).
CARDS: dict[str, tuple[int, str, str, PageStatus, dict[str, Cell]]] = {
    "meng": (
        1,
        "service_card",
        "新桥镇",
        PageStatus.needs_review,
        {
            "member_name": Cell("孟波春", "孟波春"),
            "rows.1.date": Cell("5.8", f"{YEAR}-05-08", 0.93),
            "rows.2.date": Cell("6.1?", f"{YEAR}-06-01", 0.45, review=True),
            "rows.3.date": Cell("", None, 0.99),
            "rows.1.manner": Cell("走访", "visit"),
            "rows.2.manner": Cell("", None, 0.3, review=True),
        },
    ),
    "zhang": (
        1,
        "service_card",
        "靖城街道",
        PageStatus.needs_review,
        {
            "member_name": Cell("张伟", "张伟"),
            "member_phone": Cell("1380000000", "1380000000", 0.4, review=True),
            "rows.1.date": Cell("7?", None, 0.2, review=True),
            "rows.2.date": Cell("8.15", f"{YEAR}-08-15", 0.5, review=True),
            "rows.3.date": Cell("9.2", f"{YEAR}-09-02", 0.91),
        },
    ),
    "form_r": (
        1,
        "registration",
        "新桥镇",
        PageStatus.needs_review,
        {
            "member_name": Cell("孟波春", "孟波春"),
            "member_phone": Cell("1380000001", "13800000001", 0.6, review=True),
        },
    ),
    "done": (
        1,
        "service_card",
        "新桥镇",
        PageStatus.confirmed,
        {"rows.1.date": Cell("3.3", f"{YEAR}-03-03"), "rows.2.date": Cell("?", None, review=True)},
    ),
    "december": (
        2,
        "service_card",
        "新桥镇",
        PageStatus.needs_review,
        {"rows.1.date": Cell("12.1", f"{YEAR}-12-01", 0.3, review=True)},
    ),
}


@dataclass(frozen=True)
class ReviewSite:
    """The installation the work-screen tests run on."""

    settings: Settings
    batches: dict[int, int]  # 1, 2 → batch id
    pages: dict[str, int]  # name in CARDS → page id


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    faces = hand_faces()
    return load_font(faces[0], size) if faces else ImageFont.load_default()


def _box(index: int) -> tuple[int, int, int, int]:
    """The cell box of the index-th field: a column of cells down the page."""
    return (40 + (index // 10) * 200, 40 + (index % 10) * 55, *CELL)


def write_page_image(path: Path, cells: dict[str, Cell]) -> None:
    """A straightened page: each cell's box ruled, its read written inside."""
    image = Image.new("L", PAGE_SIZE, 250)
    draw = ImageDraw.Draw(image)
    font = _font(30)
    for index, read in enumerate(cells.values()):
        x, y, w, h = _box(index)
        draw.rectangle((x, y, x + w, y + h), outline=30, width=2)
        draw.text((x + 10, y + 8), read.raw, fill=20, font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def build_site(settings: Settings) -> ReviewSite:
    """Two batches of pages with fields and images (see CARDS)."""
    engine = make_engine(settings.database_url)
    init_db(engine)
    pages: dict[str, int] = {}
    with session_scope(engine) as session:
        files = {n: _batch_with_file(session, n) for n in (1, 2)}
        members = _members(session)
        page_no = dict.fromkeys(files, 0)
        for name, (batch, form, committee, status, cells) in CARDS.items():
            batch_id, file_id = files[batch]
            page_no[batch] += 1
            image = Path("pages") / f"test-{name}.png"
            write_page_image(settings.data_dir / image, cells)
            page = crud.record_page(
                session,
                batch_id=batch_id,
                file_id=file_id,
                page_no=page_no[batch],
                status=status,
                form=form,
                rotation=0,
                image_path=str(image),
                width=PAGE_SIZE[0],
                height=PAGE_SIZE[1],
                transform=None,
                notes=(),
                error=None,
                boxes={key: _box(i) for i, key in enumerate(cells)},
                readings={key: read.reading() for key, read in cells.items()},
            )
            # As linking sets them: the member's committee and the card's year.
            page.committee, page.year = committee, YEAR
            page.member_id = members["张伟" if name == "zhang" else "孟波春"]
            session.add(page)
            session.flush()
            pages[name] = page.id or 0
        batches = {n: ids[0] for n, ids in files.items()}
        for number, batch_id in batches.items():
            done = sum(1 for c in CARDS.values() if c[0] == number)
            crud.finish_batch(
                session,
                batch_id=batch_id,
                status=BatchStatus.done,
                files_total=1,
                files_ingested=1,
                files_duplicate=0,
                files_failed=0,
                pages_total=done,
                pages_failed=0,
            )
    engine.dispose()
    return ReviewSite(settings, batches, pages)


def _members(session: Session) -> dict[str, int]:
    """The two roster members the cards belong to, by name."""
    ids: dict[str, int] = {}
    for code, name, committee in (("JJ0001", "孟波春", "新桥镇"), ("JJ0002", "张伟", "靖城街道")):
        member = Member(year=YEAR, code=code, name=name, sector="民革", committee=committee)
        session.add(member)
        session.flush()
        ids[name] = member.id or 0
    return ids


def _batch_with_file(session: Session, number: int) -> tuple[int, int]:
    name = FIRST_BATCH if number == 1 else "十二月"
    batch = crud.create_batch(session, name=name)
    assert batch.id is not None
    source = crud.add_source_file(
        session,
        batch_id=batch.id,
        original_name=f"cards-{number}.pdf",
        sha256=f"{number:064x}",
        size=1,
        kind="pdf",
        status="ingested",
        pages=sum(1 for c in CARDS.values() if c[0] == number),
        stored_path=None,
    )
    assert source.id is not None
    return batch.id, source.id


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the live server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
