"""Browser tests: the app served by uvicorn on a loopback port, driven by Debian's Chromium.

One server and one browser serve the whole session (each test makes its own pages and
users, so tests stay independent); each test gets fresh browser contexts.
"""

from __future__ import annotations

import datetime as dt
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.app import create_app
from api.settings import Settings
from forms.spec import field_keys, field_kind
from ocr.recognize import FieldReading
from records import crud
from records.db import make_engine
from records.linking import link_pages
from records.models import Page as PageRow
from records.models import PageStatus
from samples.content import Contact, Visit
from samples.content import Member as SampleMember
from samples.pages import fill_service_card
from tests.conftest import TEST_PASSWORD, add_user
from tests.db.servers import fresh_database
from tests.records.linking_data import YEAR, Scans, add_roster, reading, registration

CHROMIUM = Path("/usr/bin/chromium")
IMAGE_SCALE = 0.5  # the sample sheet is 300 dpi; pages are stored near 150 dpi
TIMEOUT_MS = 10_000
ENGINE = "fake-hand-1"

# The card every test works on: 孟波春's card for 陈静 (contact 2 on his form R).
MEMBER = SampleMember("JJ0001", "孟波春", "民革", "新桥镇", "13800000001", False)
CONTACT = Contact(2, "陈静", "13900000012", "靖江市人民路1号")
VISITS = (
    Visit(dt.date(YEAR, 5, 8), "visit", "走访了解家庭情况", True),
    Visit(dt.date(YEAR, 7, 3), "phone", "电话询问就业进展", True),
    Visit(dt.date(YEAR, 9, 12), "visit", "上门宣传医保政策", False),
)


@dataclass(frozen=True)
class LiveServer:
    """The running app: its address, settings and database."""

    url: str
    settings: Settings
    engine: Engine

    def session(self) -> Session:
        return Session(self.engine)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("ui-data")
    database = ExitStack()  # SQLite, or a PostgreSQL database of its own (tests/db/servers.py)
    database_url = database.enter_context(fresh_database(data_dir))
    settings = Settings(data_dir=data_dir, database_url=database_url, workers=1)
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        add_roster(session)
        link_pages(session, [Scans(session).page("registration", registration())])
        session.commit()
    yield LiveServer(f"http://127.0.0.1:{port}", settings, engine)
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()
    database.close()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Any]:
    """Make browser contexts (one per signed-in person); all are closed after the test,
    which fails if a script of the page threw."""
    made: list[BrowserContext] = []
    errors: list[str] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            locale="zh-CN", viewport={"width": 1600, "height": 1000}, device_scale_factor=1
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.on("weberror", lambda e: errors.append(str(e.error)))
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    assert errors == [], "a script of the page threw"


_users: set[str] = set()


def sign_in(context: BrowserContext, server: LiveServer, name: str, *, next_path: str) -> Page:
    """Sign in as reviewer ``name`` (created on first use) through the real login form and
    land on ``next_path``."""
    if name not in _users:
        add_user(server.settings, name, "reviewer")
        _users.add(name)
    page = context.new_page()
    page.goto(f"{server.url}/login?next={next_path}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{server.url}{next_path}")
    return page


def open_document(page: Page) -> None:
    """Wait until the document page has loaded its values and placed the focus."""
    page.wait_for_selector("#doc[data-ready=true]")


# --- pages as ingest and linking store them ----------------------------------------------


@cache
def _sample_card() -> tuple[np.ndarray, dict[str, tuple[int, int, int, int]], dict[str, Any]]:
    """A filled, flat service card (image, cell boxes, truth), drawn once per session."""
    sheet = fill_service_card(random.Random(7), MEMBER, CONTACT, list(VISITS), YEAR,
                              with_code=False)  # fmt: skip
    gray = cv2.cvtColor(sheet.image, cv2.COLOR_RGB2GRAY)
    small = cv2.resize(gray, None, fx=IMAGE_SCALE, fy=IMAGE_SCALE, interpolation=cv2.INTER_AREA)
    boxes = {k: _scaled(box) for k, box in sheet.cells.items()}
    truth: dict[str, Any] = {k: (f["value"], f["raw"]) for k, f in sheet.fields.items()}
    for row in sheet.rows or []:
        for part in ("date", "manner", "content", "signed"):
            truth[f"rows.{row['no']}.{part}"] = (row[part]["value"], row[part]["raw"])
    return small, boxes, truth


def _scaled(box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x, y, w, h = (round(v * IMAGE_SCALE) for v in box)
    return x, y, w, h


def add_blank_page(server: LiveServer) -> int:
    """Store a page that ingest read as blank (the back of a card scanned on both sides)."""
    with server.session() as session:
        page = stored_page(session, "blank")
        session.commit()
        assert page.id is not None
        return page.id


def add_card(server: LiveServer, *, doubtful: dict[str, tuple[Any, str | None]]) -> int:
    """Store the sample card read confidently except the ``doubtful`` fields (value, raw),
    which need review; link it; return its id."""
    image, boxes, truth = _sample_card()
    path = server.settings.data_dir / "pages" / "sample-card.png"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), image)
    readings = {}
    for key in field_keys("service_card"):
        value, raw = doubtful.get(key, truth.get(key, (None, None)))
        if key in doubtful:
            readings[key] = FieldReading(value, raw, 0.4, 0.3, True, ENGINE, None)
        elif field_kind(key) in ("name", "phone", "sector", "committee", "year") and raw:
            readings[key] = reading(key, raw, ocr=0.99)
        else:
            readings[key] = FieldReading(value, raw, 0.99, 0.99, False, ENGINE, None)
    with server.session() as session:
        page = stored_page(
            session,
            "service_card",
            image_path="pages/sample-card.png",
            size=(int(image.shape[1]), int(image.shape[0])),
            boxes=boxes,
            readings=readings,
        )
        link_pages(session, [page])
        session.commit()
        assert page.id is not None
        return page.id


def stored_page(
    session: Session,
    form: str,
    *,
    image_path: str | None = None,
    size: tuple[int, int] = (100, 100),
    boxes: dict[str, tuple[int, int, int, int]] | None = None,
    readings: dict[str, FieldReading] | None = None,
) -> PageRow:
    """One page in review, as ingest stores it, in a batch and file of its own."""
    batch_id, file_id = _new_file(session)
    page = crud.record_page(
        session,
        batch_id=batch_id,
        file_id=file_id,
        page_no=1,
        status=PageStatus.needs_review,
        form=form,
        rotation=0,
        image_path=image_path,
        width=size[0],
        height=size[1],
        transform=None,
        notes=(),
        error=None,
        boxes=boxes or {},
        readings=readings or {},
    )
    session.flush()
    return page


def _new_file(session: Session) -> tuple[int, int]:
    """A batch of one scanned file, for one page."""
    batch = crud.create_batch(session, name="十二月")
    assert batch.id is not None
    source = crud.add_source_file(
        session,
        batch_id=batch.id,
        original_name="十二月-扫描.pdf",
        sha256=uuid.uuid4().hex * 2,
        size=1,
        kind="pdf",
        status="ingested",
        pages=1,
        stored_path=None,
    )
    assert source.id is not None
    return batch.id, source.id


def page_row(server: LiveServer, page_id: int) -> PageRow:
    with server.session() as session:
        return session.get_one(PageRow, page_id)


def fields_to_review(server: LiveServer, page_id: int) -> list[str]:
    from records.models import Field

    with server.session() as session:
        rows = session.exec(
            select(Field.key).where(Field.page_id == page_id, Field.needs_review == True)  # noqa: E712
        ).all()
        return sorted(rows)
