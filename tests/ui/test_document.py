"""The document page in a real browser: a reviewer works a card from the keyboard alone,
and two reviewers on one card are told about each other instead of overwriting.

Set CARDSCAN_SCREENSHOTS=1 to write docs/review-document.png on the way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import Page, Response, expect
from sqlmodel import col, select

from api.app import create_app
from api.settings import Settings
from records.audit import AuditEvent
from records.db import init_db, make_engine, session_scope
from records.linking import link_pages
from records.models import Field, PageStatus
from records.review import FieldEdit
from tests.conftest import TEST_PASSWORD, add_user
from tests.records.linking_data import Scans, add_roster, registration
from tests.ui.conftest import (
    LiveServer,
    add_blank_page,
    add_card,
    fields_to_review,
    open_document,
    page_row,
)
from tests.ui.conftest import sign_in as sign_in_as

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "review-document.png"
STALE = "此卡片已被他人修改，请刷新后再改"


def focused_key(page: Page) -> str | None:
    key: str | None = page.evaluate(
        "document.activeElement.closest('.doc-field')?.dataset.key ?? null"
    )
    return key


def saving(page: Page, key: str) -> Any:
    """Expect the PUT of one field (use as a context manager around the key press)."""

    def is_put(response: Response) -> bool:
        return response.request.method == "PUT" and response.url.endswith(f"/fields/{key}")

    return page.expect_response(is_put)


def away_from(server: LiveServer, page_id: int) -> re.Pattern[str]:
    """Any screen but this page's: the next card, or the queue when none is left."""
    here = re.escape(f"{server.url}/pages/{page_id}")
    return re.compile(rf"^(?!{here}$).*")


def edits(server: LiveServer, page_id: int) -> list[tuple[Any, ...]]:
    with server.session() as session:
        rows = session.exec(
            select(FieldEdit).where(FieldEdit.page_id == page_id).order_by(col(FieldEdit.id))
        ).all()
        return [(e.key, e.ocr_value, e.old_value, e.new_value, e.user_name) for e in rows]


def value(server: LiveServer, page_id: int, key: str) -> Any:
    with server.session() as session:
        return session.exec(
            select(Field.value).where(Field.page_id == page_id, Field.key == key)
        ).one()


def test_a_reviewer_corrects_by_keyboard_and_confirms(
    live_server: LiveServer, new_context: Any
) -> None:
    card = add_card(
        live_server,
        doubtful={"rows.1.date": (None, "2026.5.B"), "rows.2.manner": ("other", "其他")},
    )
    assert fields_to_review(live_server, card) == ["rows.1.date", "rows.2.manner"]
    page = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{card}")
    open_document(page)
    keys = page.keyboard

    # Focus starts on the first field to review; Esc takes back what was typed.
    assert focused_key(page) == "rows.1.date"
    date = page.locator('[data-key="rows.1.date"]')
    keys.type("x")
    keys.press("Escape")
    expect(date.locator("input")).to_have_value("")
    keys.type("5.8")
    expect(date.locator(".doc-hint")).to_have_text("→ 2026-05-08")
    if os.environ.get("CARDSCAN_SCREENSHOTS"):
        page.screenshot(path=str(SCREENSHOT))
    with saving(page, "rows.1.date") as saved:
        keys.press("Enter")
    assert saved.value.status == 200
    expect(date.locator("input")).to_have_value("2026-05-08")

    # Enter moved on to the next field to review: the manner, set by one key.
    assert focused_key(page) == "rows.2.manner"
    with saving(page, "rows.2.manner") as saved:
        keys.press("1")
    assert saved.value.status == 200
    expect(page.locator('[data-key="rows.2.manner"] input')).to_have_value("走访")

    keys.press("Control+Enter")
    page.wait_for_url(away_from(live_server, card))

    assert (value(live_server, card, "rows.1.date"), value(live_server, card, "rows.2.manner")) == (
        "2026-05-08",
        "visit",
    )
    assert edits(live_server, card) == [
        ("rows.1.date", None, None, "2026-05-08", "甲"),
        ("rows.2.manner", "other", "other", "visit", "甲"),
    ]
    row = page_row(live_server, card)
    assert (row.status, row.version, row.claimed_by) == (PageStatus.confirmed, 3, None)
    with live_server.session() as session:
        trail = session.exec(
            select(AuditEvent.action, AuditEvent.actor)
            .where(AuditEvent.target_type == "page", AuditEvent.target_id == str(card))
            .order_by(col(AuditEvent.id))
        ).all()
    assert [tuple(t) for t in trail] == [
        ("field_change", "甲"),
        ("field_change", "甲"),
        ("page_confirmed", "甲"),
    ]


def test_a_card_with_nothing_to_review_is_confirmed_with_one_key(
    live_server: LiveServer, new_context: Any
) -> None:
    card = add_card(live_server, doubtful={})
    assert fields_to_review(live_server, card) == []
    page = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{card}")
    open_document(page)
    expect(page.locator("#doc-confirm")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(away_from(live_server, card))
    assert page_row(live_server, card).status == PageStatus.confirmed
    assert edits(live_server, card) == []


def test_ctrl_enter_takes_the_names_shown_as_right_and_links_the_card_by_them(
    live_server: LiveServer, new_context: Any
) -> None:
    # Read "陈" (the rest of the name too faint) and no phone: shown as 陈静, not linked.
    doubtful = {"contact_name": ("陈静", "陈"), "contact_phone": (None, None)}
    card = add_card(live_server, doubtful=doubtful)
    assert page_row(live_server, card).contact_no is None
    page = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{card}")
    open_document(page)
    page.keyboard.press("Control+Enter")  # every value shown is right: 陈静 it is
    page.wait_for_url(away_from(live_server, card))
    row = page_row(live_server, card)
    assert (row.status, row.contact_no) == (PageStatus.confirmed, 2)  # 陈静 of the form R
    assert [(key, new) for key, _, _, new, _ in edits(live_server, card)] == [
        ("contact_name", "陈静")  # the empty phone is left as it is
    ]


def test_a_sector_is_picked_from_suggestions_by_pinyin_initials(
    live_server: LiveServer, new_context: Any
) -> None:
    card = add_card(live_server, doubtful={"sector": ("民盟", "民盟")})
    page = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{card}")
    open_document(page)
    assert focused_key(page) == "sector"
    page.keyboard.type("mg")
    first = page.locator('[data-key="sector"] .doc-suggest li').first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(first).to_contain_text("民革")
    with saving(page, "sector") as saved:
        page.keyboard.press("Enter")
    assert saved.value.status == 200
    assert value(live_server, card, "sector") == "民革"


def test_two_reviewers_see_the_claim_and_the_stale_write_is_refused(
    live_server: LiveServer, new_context: Any
) -> None:
    card = add_card(live_server, doubtful={"rows.1.date": (None, "2026.5.B")})
    first = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{card}")
    open_document(first)
    second = sign_in_as(new_context(), live_server, "乙", next_path=f"/pages/{card}")
    open_document(second)
    expect(second.locator("#doc-claim")).to_be_visible()
    expect(second.locator("#doc-claim")).to_contain_text("甲")
    expect(first.locator("#doc-claim")).to_be_hidden()

    first.keyboard.type("5.8")
    with saving(first, "rows.1.date") as saved:
        first.keyboard.press("Enter")
    assert saved.value.status == 200

    second.keyboard.type("5.9")
    with saving(second, "rows.1.date") as refused:
        second.keyboard.press("Enter")
    assert refused.value.status == 409
    banner = second.locator("#doc-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(STALE)
    expect(banner).to_contain_text("第1行 日期 = 5.9")
    expect(second.locator("#doc-reload")).to_be_focused()

    assert value(live_server, card, "rows.1.date") == "2026-05-08"
    assert [e[-1] for e in edits(live_server, card)] == ["甲"]
    second.keyboard.press("Enter")  # reload: the other reviewer's value shows
    open_document(second)
    expect(second.locator('[data-key="rows.1.date"] input')).to_have_value("2026-05-08")


def test_a_card_is_rejected_and_reopened_with_a_reason(
    live_server: LiveServer, new_context: Any
) -> None:
    card = add_card(live_server, doubtful={})
    page = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{card}")
    open_document(page)
    keys = page.keyboard
    keys.press("l")
    expect(page.locator("#doc-link-member")).to_be_focused()
    keys.press("Alt+r")
    expect(page.locator("#doc-reason-dialog")).to_be_visible()
    keys.type("字迹无法辨认")
    keys.press("Enter")
    page.wait_for_url(away_from(live_server, card))
    assert page_row(live_server, card).status == PageStatus.rejected

    page.goto(f"{live_server.url}/pages/{card}")
    open_document(page)
    expect(page.locator("#doc-status")).to_have_text("已退回")
    expect(page.locator('[data-key="rows.1.date"] input')).to_be_disabled()
    keys.press("o")
    keys.type("可以辨认，重新核对")
    with page.expect_navigation():
        keys.press("Enter")
    open_document(page)
    expect(page.locator("#doc-status")).to_have_text("待复核")
    row = page_row(live_server, card)
    assert (row.status, row.notes) == (PageStatus.needs_review, ["reopened:可以辨认，重新核对"])
    with live_server.session() as session:
        reopened = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "page_reopened", AuditEvent.target_id == str(card)
            )
        ).one()
    assert reopened.detail["reason"] == "可以辨认，重新核对"


def test_a_page_read_as_blank_is_rejected_with_r_then_enter(
    live_server: LiveServer, new_context: Any
) -> None:
    page_id = add_blank_page(live_server)
    page = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{page_id}")
    open_document(page)
    page.keyboard.press("r")
    expect(page.locator("#doc-reason")).to_have_value("空白页")  # suggested, and selected:
    page.keyboard.press("Enter")  # typing would replace it
    page.wait_for_url(away_from(live_server, page_id))
    row = page_row(live_server, page_id)
    assert (row.status, row.notes) == (PageStatus.rejected, ["rejected:空白页"])


def test_the_page_lays_out_form_r_and_is_read_only_for_office(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        add_roster(session)
        form_r = Scans(session).page("registration", registration())
        link_pages(session, [form_r])
        session.flush()
        form_r_id = form_r.id
    engine.dispose()
    add_user(settings, "办公室", "office")
    client = TestClient(create_app(settings))
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token is not None
    client.post(
        "/login",
        data={"name": "办公室", "password": TEST_PASSWORD, "csrf_token": token[1]},
    )
    html = client.get(f"/pages/{form_r_id}").text
    keys = re.findall(r'class="doc-field[^"]*" data-key="([^"]+)"', html)
    assert keys[:4] == ["member_name", "sector", "member_phone", "committee"]
    assert keys[4:7] == ["contacts.1.name", "contacts.1.phone", "contacts.1.address"]
    assert len(keys) == 4 + 6 * 3
    assert html.count("disabled>") >= len(keys)  # office looks, does not edit
    assert "doc-confirm" not in html and "doc-reopen" not in html
    assert client.get("/pages/999999").status_code == 404


def test_arrows_move_through_the_card_like_a_spreadsheet(
    live_server: LiveServer, new_context: Any
) -> None:
    card = add_card(live_server, doubtful={})
    page = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{card}")
    open_document(page)
    keys = page.keyboard
    keys.press("ArrowDown")  # from the confirm button onto the first field
    assert focused_key(page) == "year"
    for _ in range(7):  # the header fields are one column
        keys.press("ArrowDown")
    assert focused_key(page) == "rows.1.date"
    keys.press("ArrowRight")
    keys.press("ArrowRight")
    assert focused_key(page) == "rows.1.content"
    keys.press("ArrowDown")  # the same column of the next row
    keys.press("ArrowDown")
    assert focused_key(page) == "rows.3.content"
    keys.press("ArrowUp")
    assert focused_key(page) == "rows.2.content"
    keys.press("End")  # editing inside the value: the caret moves, not the focus
    keys.press("ArrowLeft")
    assert focused_key(page) == "rows.2.content"
    keys.press("Escape")  # whole value selected again
    keys.press("ArrowLeft")
    assert focused_key(page) == "rows.2.manner"
    keys.press("ArrowUp")  # from the first record row up into the header's last field
    keys.press("ArrowUp")
    assert focused_key(page) == "committee"
    moves = page.evaluate("JSON.parse(document.getElementById('doc').dataset.moves)")
    assert "ArrowDown" not in moves["rows.8.signed"]  # nowhere below the last row
    assert moves["rows.4.date"]["ArrowUp"] == "rows.3.date"
    assert edits(live_server, card) == []


def test_alt_and_the_letter_beside_a_field_goes_to_it_saving_the_field_left(
    live_server: LiveServer, new_context: Any
) -> None:
    card = add_card(live_server, doubtful={"rows.1.date": (None, "2026.5.B")})
    page = sign_in_as(new_context(), live_server, "甲", next_path=f"/pages/{card}")
    open_document(page)
    letters: dict[str, str] = page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('.doc-field')]"
        ".map(e => [e.dataset.key, e.dataset.jump]))"
    )
    assert len(letters) == 39 and len(set(letters.values())) == 39  # one each, none twice
    assert not {c.lower() for c in letters.values()} & set("lor")  # the page's own chords
    assert [letters[k] for k in ("year", "rows.1.date", "rows.2.date")] == ["a", "h", "m"]
    assert letters["rows.8.signed"].isupper()

    assert focused_key(page) == "rows.1.date"
    page.keyboard.type("5.8")
    with saving(page, "rows.1.date") as saved:
        page.keyboard.press(f"Alt+{letters['rows.3.content']}")
    assert saved.value.status == 200
    assert focused_key(page) == "rows.3.content"
    page.keyboard.press(f"Alt+Shift+{letters['rows.8.signed']}")
    assert focused_key(page) == "rows.8.signed"
    page.keyboard.press("Alt+l")  # still the link panel's chord
    expect(page.locator("#doc-link-member")).to_be_focused()
    assert value(live_server, card, "rows.1.date") == "2026-05-08"
    assert [e[0] for e in edits(live_server, card)] == ["rows.1.date"]
