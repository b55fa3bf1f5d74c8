"""Review over many pages at once, by keyboard in a real browser (Debian's chromium) against a
live server of the test's own installation: Ctrl+Enter in the field grid accepts every
uncertain value shown after saving what was typed; `c` then Enter on the queue confirms the
pages left with nothing to check, Esc leaves everything as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import Session, col, select

from api.app import create_app
from api.settings import Settings
from records import crud
from records.accounts import User
from records.db import init_db, make_engine, session_scope
from records.linking import link_pages
from records.models import Field, PageStatus
from records.models import Page as PageRow
from records.review import FieldEdit, correct_field
from tests.conftest import add_user
from tests.records.linking_data import Scans, add_roster, reading, registration, service_card
from tests.ui.pages_fixtures import serve_app
from tests.ui.test_queue import sign_in

REVIEWER = "shen"
SURE = 0.999  # above every kind's review threshold but the signature's (always checked)


@dataclass(frozen=True)
class Site:
    settings: Settings
    url: str
    pages: dict[str, int]
    batches: tuple[int, int]

    def fields(self) -> dict[tuple[int, str], Field]:
        engine = make_engine(self.settings.database_url)
        with Session(engine) as session:
            out = {(f.page_id, f.key): f for f in session.exec(select(Field))}
        engine.dispose()
        return out

    def statuses(self) -> dict[str, PageStatus]:
        engine = make_engine(self.settings.database_url)
        with Session(engine) as session:
            out = {n: session.get_one(PageRow, i).status for n, i in self.pages.items()}
        engine.dispose()
        return out

    def edits(self) -> list[tuple[int, str, Any, Any, str]]:
        engine = make_engine(self.settings.database_url)
        with Session(engine) as session:
            rows = session.exec(select(FieldEdit).order_by(col(FieldEdit.id))).all()
            out = [(e.page_id, e.key, e.old_value, e.new_value, e.user_name) for e in rows]
        engine.dispose()
        return out


def scanned(scans: Scans, form: str, cells: dict[str, str], unsure: dict[str, float]) -> PageRow:
    """A page as ingest stores it: every cell read confidently except ``unsure`` (key → OCR
    confidence)."""
    scans.page_no += 1
    return crud.record_page(
        scans.session,
        batch_id=scans.batch_id,
        file_id=scans.file_id,
        page_no=scans.page_no,
        status=PageStatus.needs_review,
        form=form,
        rotation=0,
        image_path=None,
        width=100,
        height=100,
        transform=None,
        notes=(),
        error=None,
        boxes={key: (0, 0, 10, 10) for key in cells},
        readings={k: reading(k, raw, ocr=unsure.get(k, SURE)) for k, raw in cells.items()},
    )


def card(contact: str, contact_phone: str, rows: dict[int, str], **member: str) -> dict[str, str]:
    cells = service_card(contact=contact, contact_phone=contact_phone, **member)
    for no, date in rows.items():
        cells |= {f"rows.{no}.date": date, f"rows.{no}.manner": "走访"}
    return cells


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    """孟波春's form R and four of his cards in batch 1 (陈静's and 王芳's with doubtful dates,
    刘洋's read surely, 周强's — not on his form R — checked by a reviewer), and in batch 2 a
    card of 张伟, who handed in no form R, with a doubtful date."""
    add_user(settings, REVIEWER, "reviewer")
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        add_roster(session)
        scans = Scans(session)
        chen = card("陈静", "13900000012", {1: "5.8", 2: "7.3", 3: "9.12"})
        wang = card("王芳", "13900000011", {1: "7"})
        pages = {
            "form_r": scanned(scans, "registration", registration(), {}),
            "chen": scanned(scans, "service_card", chen, {"rows.1.date": 0.5, "rows.3.date": 0.6}),
            "wang": scanned(scans, "service_card", wang, {"rows.1.date": 0.2}),
            "liu": scanned(scans, "service_card", card("刘洋", "13900000013", {1: "3.3"}), {}),
            "zhou": scanned(scans, "service_card", card("周强", "13900000019", {1: "4.4"}), {}),
        }
        first = scans.batch_id
        zhang = card("李四", "13900000020", {1: "12.1"}, name="张伟", phone="13800000002",
                     sector="民盟", committee="靖城街道")  # fmt: skip
        scans.new_batch()
        pages["zhang"] = scanned(scans, "service_card", zhang, {"rows.1.date": 0.3})
        link_pages(session, list(pages.values()))
        user = session.exec(select(User).where(User.name == REVIEWER)).one()
        correct_field(session, page=pages["zhou"], key="contact_name", value="周强", user=user)
        ids = {name: page.id or 0 for name, page in pages.items()}
        batches = (first, scans.batch_id)
    engine.dispose()
    app = create_app(settings)
    with serve_app(app) as url:
        yield Site(settings, url, ids, batches)
    app.state.engine.dispose()


def signed_in(site: Site, new_context: Callable[[], BrowserContext]) -> tuple[Page, list[str]]:
    """The reviewer's browser on the queue, and the API calls it makes from then on."""
    page = new_context().new_page()
    sign_in(page, site.url, REVIEWER)
    calls: list[str] = []
    page.on("request", lambda r: calls.append(f"{r.method} {r.url.split('/api/v1/')[-1]}"))
    return page, calls


def test_ctrl_enter_saves_the_typed_value_and_accepts_the_other_uncertain_ones(
    site: Site, new_context: Callable[[], BrowserContext]
) -> None:
    page, calls = signed_in(site, new_context)
    p = site.pages
    page.goto(f"{site.url}/fields?kind=date&batch_id={site.batches[0]}")
    cells = page.locator("#field-grid .cell")
    shown = [(c["pageId"], c["key"]) for c in cells.evaluate_all("cs => cs.map(c => c.dataset)")]
    worst = (p["wang"], "rows.1.date")  # read "7" at 0.2: first, and focused
    uncertain = [(p["wang"], "rows.1.date"), (p["chen"], "rows.1.date"), (p["chen"], "rows.3.date")]
    assert [(int(i), k) for i, k in shown[:3]] == uncertain
    assert len(shown) == 6  # and the sure dates 7.3, 3.3, 4.4 after them
    expect(page.locator("#field-grid .cell.uncertain")).to_have_count(3)
    before = site.fields()
    edits_before = len(site.edits())  # 周强 checked in the fixture

    expect(cells.nth(0)).to_be_focused()
    page.keyboard.type("7.7")  # typing on a cell starts editing it
    expect(cells.nth(0).locator("input")).to_be_focused()
    with page.expect_navigation():  # no date of batch 1 is left in doubt: the grid moves on
        page.keyboard.press("Control+Enter")
    # Nothing of batch 1 is left in doubt (the date of batch 2 was not shown): the queue.
    page.wait_for_url(f"{site.url}/?batch_id={site.batches[0]}")
    expect(page.locator("#queue")).to_be_visible()
    assert [c for c in calls if c.startswith(("PUT", "POST"))] == [
        f"PUT pages/{p['wang']}/fields/rows.1.date",
        "POST review/accept-fields",  # the other two in one request
    ]

    after = site.fields()
    typed = after[worst]
    assert (typed.value, typed.needs_review, typed.engine) == ("2026-07-07", False, "reviewer")
    accepted = {key: after[key] for key in uncertain[1:]}
    assert {k: (f.value, f.needs_review) for k, f in accepted.items()} == {
        (p["chen"], "rows.1.date"): ("2026-05-08", False),  # "5.8" read in the card's year
        (p["chen"], "rows.3.date"): ("2026-09-12", False),
    }
    assert [before[k].value for k in uncertain] == ["7", "5.8", "9.12"]
    for key, field in after.items():  # nothing else was touched: not the sure dates,
        if key not in uncertain:  # nor the doubtful date of batch 2, which was not shown
            assert (field.value, field.needs_review) == (
                before[key].value,
                before[key].needs_review,
            ), key
    assert after[(p["zhang"], "rows.1.date")].needs_review is True
    assert site.edits()[edits_before:] == [
        (p["wang"], "rows.1.date", "7", "2026-07-07", REVIEWER),
        (p["chen"], "rows.1.date", "5.8", "2026-05-08", REVIEWER),
        (p["chen"], "rows.3.date", "9.12", "2026-09-12", REVIEWER),
    ]


def test_alt_and_a_cells_corner_letter_goes_to_it_saving_the_value_typed(
    site: Site, new_context: Callable[[], BrowserContext]
) -> None:
    page, _ = signed_in(site, new_context)
    p = site.pages
    page.goto(f"{site.url}/fields?kind=date&batch_id={site.batches[0]}")
    cells = page.locator("#field-grid .cell")
    expect(cells).to_have_count(6)
    assert cells.locator(".jump").all_inner_texts() == list("abcdef")

    def at(index: int) -> tuple[int, str]:
        page_id, key = cells.nth(index).evaluate("c => [c.dataset.pageId, c.dataset.key]")
        return int(page_id), key

    expect(cells.nth(0)).to_be_focused()
    assert at(0) == (p["wang"], "rows.1.date")
    page.keyboard.type("7.7")
    page.keyboard.press("Alt+e")  # from the value being typed, straight to the fifth cell
    expect(cells.nth(4)).to_be_focused()
    expect(cells.nth(0).locator(".state")).to_have_text("已保存")
    page.keyboard.type("8.8")  # a sure date, wrong all the same
    page.keyboard.press("Alt+Shift+A")  # no 27th cell: nothing moves, nothing is typed
    expect(cells.nth(4).locator("input")).to_be_focused()
    expect(cells.nth(4).locator("input")).to_have_value("8.8")
    page.keyboard.press("Alt+b")
    expect(cells.nth(1)).to_be_focused()
    expect(cells.nth(4).locator(".state")).to_have_text("已保存")

    fields = site.fields()
    assert (fields[at(0)].value, fields[at(0)].engine) == ("2026-07-07", "reviewer")
    assert (fields[at(4)].value, fields[at(4)].engine) == ("2026-08-08", "reviewer")
    # Jumping over an uncertain value does not vouch for it, as Enter on it would.
    assert at(1) == (p["chen"], "rows.1.date")
    assert (fields[at(1)].value, fields[at(1)].needs_review) == ("5.8", True)


def test_capitals_reach_the_cells_past_the_26th_and_pagedown_the_cells_past_the_50th(
    site: Site, new_context: Callable[[], BrowserContext]
) -> None:
    engine = make_engine(site.settings.database_url)
    with session_scope(engine) as session:  # a batch of 7 cards of 8 dates each
        scans = Scans(session, batches_before=len(site.batches))
        dates = {no: f"{no}.{no + 1}" for no in range(1, 9)}
        for contact in ("陈静", "王芳", "刘洋", "周强", "李四", "赵六", "钱七"):
            scanned(scans, "service_card", card(contact, "13900000012", dates), {})
        batch = scans.batch_id
    engine.dispose()
    page, _ = signed_in(site, new_context)
    page.goto(f"{site.url}/fields?kind=date&order=page&batch_id={batch}")
    cells = page.locator("#field-grid .cell")
    expect(cells).to_have_count(50)
    letters = cells.locator(".jump").all_inner_texts()
    assert letters[24:28] == ["y", "z", "⇧A", "⇧B"] and letters[-1] == "⇧X"
    page.keyboard.press("Alt+Shift+B")
    expect(cells.nth(27)).to_be_focused()
    page.keyboard.press("Alt+z")
    expect(cells.nth(25)).to_be_focused()

    page.keyboard.press("Alt+Shift+X")  # the 50th: 钱七's second date
    page.keyboard.type("6.6")
    with page.expect_navigation():  # the value typed is saved before the page turns
        page.keyboard.press("PageDown")
    expect(cells).to_have_count(6)  # 钱七's last six dates
    assert "offset=50" in page.url
    typed = [f for f in site.fields().values() if f.engine == "reviewer" and "date" in f.key]
    assert [(f.key, f.value) for f in typed] == [("rows.2.date", "2026-06-06")]
    with page.expect_navigation():
        page.keyboard.press("PageUp")
    expect(cells).to_have_count(50)
    first = page.url
    page.keyboard.press("PageUp")  # no page before the first: nothing happens
    page.evaluate("() => new Promise(r => setTimeout(r, 200))")
    assert page.url == first and "offset=0" in first


def test_f_on_the_queue_opens_the_grid_and_ctrl_enter_leads_kind_by_kind_back_to_it(
    site: Site, new_context: Callable[[], BrowserContext]
) -> None:
    page, _ = signed_in(site, new_context)
    second, zhang = site.batches[1], site.pages["zhang"]
    uncertain = {k for (p, k), f in site.fields().items() if p == zhang and f.needs_review}
    assert "rows.1.date" in uncertain and any(k.endswith("name") for k in uncertain)
    page.goto(f"{site.url}/?batch_id={second}")
    with page.expect_navigation():
        page.keyboard.press("f")  # the first kind in doubt of the batch: 张伟's card's names
    page.wait_for_url(f"{site.url}/fields?kind=name&batch_id={second}")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{site.url}/fields?kind=date&batch_id={second}")  # on to its date
    expect(page.locator("#field-grid .cell.uncertain")).to_have_count(1)
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{site.url}/?batch_id={second}")  # nothing of the batch is left
    assert not any(f.needs_review for (p, _), f in site.fields().items() if p == zhang)


def test_a_refused_typed_value_stays_in_sight_while_the_others_are_accepted(
    site: Site, new_context: Callable[[], BrowserContext]
) -> None:
    page, calls = signed_in(site, new_context)
    p = site.pages
    page.goto(f"{site.url}/fields?kind=date&batch_id={site.batches[0]}")
    worst = page.locator("#field-grid .cell").nth(0)
    expect(worst).to_be_focused()
    shown = len(calls)
    page.keyboard.type("99")  # no such date
    page.keyboard.press("Control+Enter")
    expect(worst.locator(".state")).to_contain_text("保存失败：")
    expect(page.locator("#field-grid .cell.saved")).to_have_count(2)  # the other two
    fields = site.fields()
    assert (
        fields[(p["wang"], "rows.1.date")].value,
        fields[(p["wang"], "rows.1.date")].needs_review,
    ) == ("7", True)
    assert not fields[(p["chen"], "rows.1.date")].needs_review
    page.evaluate("() => new Promise(r => setTimeout(r, 100))")  # a reload would have begun
    assert [c for c in calls[shown:] if "/fields?" in c] == []  # not reloaded: the refusal
    expect(worst.locator(".state")).to_contain_text("保存失败：")  # is still in sight

    page.keyboard.press("Control+a")
    page.keyboard.type("7.7")  # put right, the grid moves on
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    expect(page.locator("#field-grid .cell.uncertain")).to_have_count(0)
    assert site.fields()[(p["wang"], "rows.1.date")].value == "2026-07-07"


def test_c_then_enter_confirms_the_checked_pages_and_escape_changes_nothing(
    site: Site, new_context: Callable[[], BrowserContext]
) -> None:
    page, calls = signed_in(site, new_context)
    p = site.pages
    preview = page.request.get(f"{site.url}/api/v1/review/checked").json()
    # Nothing left to check and linked: the form R and 刘洋's card. 周强 is not on the
    # form R (unlinked); the others still have uncertain values.
    assert sorted(preview["done"]) == sorted([p["form_r"], p["liu"]])
    assert preview["skipped"] == {"not_linked": [p["zhou"]]}
    expect(page.locator("#checked-ready")).to_have_text(str(len(preview["done"])))
    expect(page.locator("section.checked")).to_contain_text("另有 1 页未关联委员或联系对象")
    dialog = page.locator("#confirm-checked-dialog")
    before = site.statuses()
    assert set(before.values()) == {PageStatus.needs_review}

    page.keyboard.press("c")
    expect(dialog).to_be_visible()
    expect(dialog.locator("button[value=ok]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.evaluate("() => new Promise(r => setTimeout(r, 100))")  # a POST would have gone
    assert [c for c in calls if "confirm-checked" in c] == []
    expect(page.locator("#checked-status")).to_have_text("")
    assert site.statuses() == before

    page.keyboard.press("c")
    expect(dialog).to_be_visible()
    with page.expect_navigation():  # the result is shown, then the queue reloads
        page.keyboard.press("Enter")
        expect(page.locator("#checked-status")).to_contain_text(
            "已确认 2 页；未确认：1 页未关联委员或联系对象"
        )
    assert [c for c in calls if "confirm-checked" in c] == ["POST review/confirm-checked"]
    confirmed = {n for n, s in site.statuses().items() if s == PageStatus.confirmed}
    assert confirmed == {"form_r", "liu"}
    assert all(site.statuses()[n] == PageStatus.needs_review for n in before if n not in confirmed)
    expect(page.locator("#checked-ready")).to_have_text("0")
    expect(page.locator("#confirm-checked")).to_be_disabled()


def test_escape_after_a_failed_confirm_does_not_send_it_again(
    site: Site, new_context: Callable[[], BrowserContext]
) -> None:
    page, calls = signed_in(site, new_context)
    csrf = page.locator("main").get_attribute("data-csrf") or ""
    # The session ends while the queue is open (signed out elsewhere): confirming fails.
    out = page.request.post(f"{site.url}/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert out.status == 204
    page.keyboard.press("c")
    page.keyboard.press("Enter")
    expect(page.locator("#checked-status")).to_contain_text("确认失败：")
    page.keyboard.press("c")  # opened again, then cancelled
    expect(page.locator("#confirm-checked-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#confirm-checked-dialog")).to_be_hidden()
    page.evaluate("() => new Promise(r => setTimeout(r, 100))")
    assert [c for c in calls if "confirm-checked" in c] == ["POST review/confirm-checked"]
    assert set(site.statuses().values()) == {PageStatus.needs_review}
