"""The work screens in a real browser (Debian's chromium, the `browser` of conftest) against
a live server of each test's own installation on loopback: the queue by keyboard, an upload
followed to the end, live batch progress, and the field grid saving fixes.

With CARDSCAN_SCREENSHOTS=1 the queue and the grid are saved as docs/review-*.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.app import create_app
from api.settings import Settings
from records import crud
from records.db import make_engine, session_scope
from records.models import Batch, BatchStatus, Field, PageStatus, SourceFile
from records.review import FieldEdit
from tests.conftest import TEST_PASSWORD, add_user, make_scans
from tests.ui.pages_fixtures import ReviewSite, build_site, serve_app

DOCS = Path(__file__).resolve().parents[2] / "docs"
WAIT_MS = 10_000
INGEST_WAIT_MS = 60_000  # two small scans take ~2 s; the bound only stops a hung batch


@pytest.fixture
def site(settings: Settings) -> ReviewSite:
    site = build_site(settings)
    for name, role in (("shen", "reviewer"), ("clerk", "clerk")):
        add_user(settings, name, role)
    return site


@pytest.fixture
def base_url(site: ReviewSite) -> Iterator[str]:
    app = create_app(site.settings)
    with serve_app(app) as url:
        yield url
    app.state.engine.dispose()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    yield context.new_page()
    context.close()


def sign_in(page: Page, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def site_engine(site: ReviewSite) -> Engine:
    return make_engine(site.settings.database_url)


def screenshot(page: Page, name: str) -> None:
    if os.environ.get("CARDSCAN_SCREENSHOTS") == "1":
        page.screenshot(path=str(DOCS / name), full_page=True)


def shown_rows(page: Page) -> list[int]:
    ids: list[str] = page.locator("#queue tbody tr[data-page-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.pageId)"
    )
    return [int(i) for i in ids]


def test_a_reviewer_filters_the_queue_and_opens_a_card_by_keyboard(
    site: ReviewSite, base_url: str, page: Page
) -> None:
    sign_in(page, base_url, "shen")
    p = site.pages
    assert page.url == f"{base_url}/"
    assert shown_rows(page) == [p["zhang"], p["meng"], p["form_r"], p["december"]]
    expect(page.locator("#left-fields")).to_have_text("7")
    screenshot(page, "review-queue.png")

    page.select_option("select[name=form]", "registration")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/?*form=registration*")
    assert shown_rows(page) == [p["form_r"]]

    page.goto(f"{base_url}/")
    rows = page.locator("#queue tbody tr")
    expect(rows.nth(0)).to_have_class("selected")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("selected")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/pages/{p['meng']}")


def test_a_clerk_uploads_two_scans_and_sees_the_batch_finish(
    site: ReviewSite, base_url: str, page: Page, tmp_path: Path
) -> None:
    scans = make_scans(tmp_path / "scans", first_label=50)
    sign_in(page, base_url, "clerk")
    assert page.url == f"{base_url}/batches"  # a clerk's start is the batches screen
    page.set_input_files(
        "input[name=files]", [scans.path("card-single.png"), scans.path("cards-2pages.pdf")]
    )
    page.fill("input[name=received_date]", "2026-12-01")
    page.fill("input[name=name]", "浏览器上传")
    page.click("#upload button[type=submit]")
    page.wait_for_url("**/batches/*")
    batch_id = int(page.url.rsplit("/", 1)[1])

    expect(page.locator("#batch-status")).to_have_text("已完成", timeout=INGEST_WAIT_MS)
    expect(page.locator("#pages-done")).to_have_text("3")
    expect(page.locator("#pages-planned")).to_have_text("3")
    expect(page.locator("#pages-failed")).to_have_text("0")
    expect(page.locator("#files-duplicate")).to_have_text("0")
    files = page.locator("#batch-files tr")
    expect(files).to_have_count(2)
    expect(files.filter(has_text="cards-2pages.pdf")).to_contain_text("已导入")
    assert page.locator('a[href^="/pages/"], a[href^="/fields"]').count() == 0
    engine = site_engine(site)
    with Session(engine) as session:
        batch = session.get_one(Batch, batch_id)
        assert (batch.name, str(batch.received_date), batch.pages_total) == (
            "浏览器上传",
            "2026-12-01",
            3,
        )
    engine.dispose()


def test_batch_progress_moves_on_screen_while_the_batch_runs(
    site: ReviewSite, base_url: str, page: Page
) -> None:
    engine = site_engine(site)
    with session_scope(engine) as session:
        batch = crud.create_batch(session, name="正在导入")
        running = batch.id or 0
    sign_in(page, base_url, "clerk")
    row = page.locator(f"tr[data-batch-id='{running}']")
    expect(row.locator("[data-field=status]")).to_have_text("进行中")
    with session_scope(engine) as session:  # ingest checks two files and stores one page
        add_file(session, running, "locked.pdf", pages=0, error_code="encrypted_pdf")
        add_page(session, running, add_file(session, running, "two.pdf", pages=2), 1)
    expect(row.locator("[data-field=pages]")).to_have_text("1 / 2")

    page.keyboard.press("Enter")  # the newest batch is selected first
    page.wait_for_url(f"{base_url}/batches/{running}")
    expect(page.locator("#batch-status")).to_have_text("进行中")
    expect(page.locator("#pages-done")).to_have_text("1")
    expect(page.locator("#batch-files")).to_contain_text("PDF 设有密码，请去掉密码")
    with session_scope(engine) as session:  # the second page fails, the batch ends
        file_id = session.exec(
            select(SourceFile.id).where(SourceFile.original_name == "two.pdf")
        ).one()
        add_page(session, running, file_id or 0, 2, failed=True)
        crud.finish_batch(
            session,
            batch_id=running,
            status=BatchStatus.done,
            files_total=2,
            files_ingested=1,
            files_duplicate=0,
            files_failed=1,
            pages_total=2,
            pages_failed=1,
        )
    expect(page.locator("#batch-status")).to_have_text("已完成")
    expect(page.locator("#pages-done")).to_have_text("2")
    expect(page.locator("#pages-failed")).to_have_text("1")
    expect(page.locator("#files-failed")).to_have_text("1")
    engine.dispose()


def add_file(
    session: Session, batch_id: int, name: str, *, pages: int, error_code: str | None = None
) -> int:
    source = crud.add_source_file(
        session,
        batch_id=batch_id,
        original_name=name,
        sha256=name.encode().hex().ljust(64, "0"),
        size=1,
        kind="pdf",
        status="failed" if error_code else "ingested",
        pages=pages,
        stored_path=None,
        error_code=error_code,
    )
    return source.id or 0


def add_page(
    session: Session, batch_id: int, file_id: int, page_no: int, *, failed: bool = False
) -> None:
    crud.record_page(
        session,
        batch_id=batch_id,
        file_id=file_id,
        page_no=page_no,
        status=PageStatus.failed if failed else PageStatus.needs_review,
        form="unknown",
        rotation=0,
        image_path=None,
        width=None,
        height=None,
        transform=None,
        notes=(),
        error="analysis_error" if failed else None,
        boxes={},
    )


def test_the_field_grid_shows_the_dates_and_saves_a_fix_typed_there(
    site: ReviewSite, base_url: str, page: Page
) -> None:
    batch = site.batches[1]
    sign_in(page, base_url, "shen")
    page.goto(f"{base_url}/fields?kind=date&batch_id={batch}")
    cells = page.locator("#field-grid .cell")
    expect(cells).to_have_count(5)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#field-grid .crop img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator("#field-grid .crop img").count() == 5
    screenshot(page, "review-fields.png")

    first, second, third = cells.nth(0), cells.nth(1), cells.nth(2)
    expect(first).to_be_focused()
    page.keyboard.type("7.7")  # typing replaces the value (the worst cell: read "7?")
    page.keyboard.press("Enter")  # saves and moves on
    expect(first.locator(".state")).to_have_text("已保存")
    expect(first.locator("input")).to_have_value("2026-07-07")
    expect(second).to_be_focused()
    page.keyboard.type("1.1")
    page.keyboard.press("Escape")  # restores
    expect(second.locator("input")).to_have_value("2026-06-01")
    page.keyboard.press("Enter")  # an uncertain value that is right: confirmed as it is
    expect(second.locator(".state")).to_have_text("已保存")
    expect(third).to_be_focused()
    page.keyboard.type("99")
    page.keyboard.press("Enter")
    expect(third.locator(".state")).to_contain_text("保存失败：")

    page.goto(f"{base_url}/fields?kind=manner&batch_id={batch}")
    manner = page.locator("#field-grid .cell").nth(0)  # 孟波春's second row: no tick read
    expect(manner.locator("input")).to_have_value("")
    page.keyboard.press("2")  # 1 走访, 2 电话, 3 其他
    page.keyboard.press("Enter")
    expect(manner.locator(".state")).to_have_text("已保存")
    expect(manner.locator("input")).to_have_value("电话")

    page.goto(f"{base_url}/fields?kind=date&batch_id={batch}")
    left = page.locator("#field-grid .cell.uncertain")
    expect(left).to_have_count(1)  # 8.15: its "99" was refused, so it still waits
    with page.expect_navigation():  # the rest looked right: confirm them all, move on
        page.click("#accept-rest")
    # No date of the batch is left in doubt: on, wrapping round, to its doubtful phone.
    page.wait_for_url(f"{base_url}/fields?kind=phone&batch_id={batch}")
    expect(page.locator("#field-grid .cell.uncertain")).not_to_have_count(0)
    page.goto(f"{base_url}/fields?kind=date&batch_id={batch}")
    expect(page.locator("#field-grid .cell.uncertain")).to_have_count(0)
    expect(page.locator("#field-grid .cell")).to_have_count(5)

    engine = site_engine(site)
    with Session(engine) as session:
        fields = {
            (f.page_id, f.key): f
            for f in session.exec(select(Field).where(col(Field.key).startswith("rows.")))
        }
        fixed = fields[(site.pages["zhang"], "rows.1.date")]
        assert (fixed.value, fixed.needs_review, fixed.engine) == ("2026-07-07", False, "reviewer")
        assert fields[(site.pages["meng"], "rows.2.date")].needs_review is False
        assert fields[(site.pages["zhang"], "rows.2.date")].value == "2026-08-15"
        assert fields[(site.pages["zhang"], "rows.2.date")].needs_review is False
        assert fields[(site.pages["meng"], "rows.2.manner")].value == "phone"
        edits = session.exec(select(FieldEdit).order_by(col(FieldEdit.id))).all()
        assert [(e.page_id, e.key, e.old_value, e.new_value, e.user_name) for e in edits] == [
            (site.pages["zhang"], "rows.1.date", None, "2026-07-07", "shen"),
            (site.pages["meng"], "rows.2.date", "2026-06-01", "2026-06-01", "shen"),
            (site.pages["meng"], "rows.2.manner", None, "phone", "shen"),
            (site.pages["zhang"], "rows.2.date", "2026-08-15", "2026-08-15", "shen"),
        ]
    engine.dispose()
