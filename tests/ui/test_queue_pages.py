"""The work screens rendered on the server: the queue worst first and scoped to a committee,
its counts and filters, batches for clerks without page contents, and the field grid."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from api.settings import Settings
from forms.spec import FORM_KINDS, field_keys
from records import claims, crud
from records.accounts import User
from records.db import make_engine, session_scope
from records.models import Field, Page
from review_ui.jumps import DOCUMENT_JUMP_KEYS, GRID_JUMP_KEYS, jump_letters
from review_ui.queue import GRID_CELLS
from review_ui.worklist import next_grid_kind
from tests.conftest import add_user
from tests.ui.conftest import stored_page
from tests.ui.pages_fixtures import FIRST_BATCH, ReviewSite, build_site


@pytest.fixture
def site(settings: Settings) -> ReviewSite:
    return build_site(settings)


def client(site: ReviewSite, role: str, committee: str | None = None) -> TestClient:
    headers = add_user(site.settings, f"{role}-{committee or 'all'}", role, committee=committee)
    return TestClient(create_app(site.settings), headers=headers, follow_redirects=False)


def queue_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-href="/pages/(\d+)"', html)]


def cell_keys(html: str) -> list[tuple[int, str]]:
    found = re.findall(r'data-page-id="(\d+)" data-key="([^"]+)"', html)
    return [(int(page), key) for page, key in found]


def test_the_queue_puts_the_most_uncertain_documents_first(site: ReviewSite) -> None:
    reviewer = client(site, "reviewer")
    screen = reviewer.get("/")
    assert screen.status_code == 200
    p = site.pages
    # 3, 2, 1 and 1 fields to review; ties in file and page order; the confirmed page is done.
    assert queue_ids(screen.text) == [p["zhang"], p["meng"], p["form_r"], p["december"]]
    assert 'id="left-pages">4<' in screen.text and 'id="left-fields">7<' in screen.text
    counts = re.findall(r'<tr data-form="(\w+)">.*?<td>(\d+)</td><td>(\d+)</td>', screen.text, re.S)
    assert counts == [("service_card", "3", "6"), ("registration", "1", "1")]
    assert "待复核" in screen.text and "服务卡" in screen.text and "登记表" in screen.text


def test_of_pages_with_nothing_to_check_those_waiting_for_a_person_come_first(
    site: ReviewSite,
) -> None:
    engine = make_engine(site.settings.database_url)
    with session_scope(engine) as session:
        # Each in a file of its own, after the site's: the blank page first.
        added = {form: stored_page(session, form).id for form in ("blank", "unknown")}
    engine.dispose()
    shown = queue_ids(client(site, "reviewer").get("/").text)
    p = site.pages
    # The uncertain pages first; then the page that is no form of ours (to reject or type
    # in); the blank page last, as `c` rejects it with the checked ones.
    uncertain = [p["zhang"], p["meng"], p["form_r"], p["december"]]
    assert shown == [*uncertain, added["unknown"], added["blank"]]


def test_the_queue_filters_by_form_batch_committee_and_status(site: ReviewSite) -> None:
    reviewer = client(site, "reviewer")
    p = site.pages
    by_form = reviewer.get("/", params={"form": "registration", "batch_id": "", "committee": ""})
    assert queue_ids(by_form.text) == [p["form_r"]]
    by_batch = reviewer.get("/", params={"batch_id": site.batches[2]})
    assert queue_ids(by_batch.text) == [p["december"]]
    assert 'id="left-pages">1<' in by_batch.text  # the counts follow the batch
    by_committee = reviewer.get("/", params={"committee": "靖城街道"})
    assert queue_ids(by_committee.text) == [p["zhang"]]
    confirmed = reviewer.get("/", params={"status": "confirmed"})
    assert queue_ids(confirmed.text) == [p["done"]]
    every = reviewer.get("/", params={"status": ""})
    assert len(queue_ids(every.text)) == 5
    odd = reviewer.get("/", params={"batch_id": "x", "form": "nonsense", "status": "?"})
    assert odd.status_code == 200 and len(queue_ids(odd.text)) == 5  # odd filters: none


def test_the_queue_pages_through_its_rows(
    site: ReviewSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("review_ui.queue.QUEUE_PAGE", 3)
    reviewer = client(site, "reviewer")
    cards = reviewer.get("/", params={"form": "service_card"})
    assert len(queue_ids(cards.text)) == 3 and 'rel="next"' not in cards.text
    first = reviewer.get("/")
    assert len(queue_ids(first.text)) == 3
    (next_link,) = re.findall(r'rel="next" href="([^"]+)"', first.text)
    second = reviewer.get(next_link.replace("&amp;", "&"))
    assert queue_ids(second.text) == [site.pages["december"]]
    assert 'rel="prev"' in second.text


def test_a_committee_reviewer_sees_only_that_committee(site: ReviewSite) -> None:
    xinqiao = client(site, "reviewer", "新桥镇")
    p = site.pages
    screen = xinqiao.get("/")
    assert queue_ids(screen.text) == [p["meng"], p["form_r"], p["december"]]
    assert 'id="left-pages">3<' in screen.text and 'id="left-fields">4<' in screen.text
    widened = xinqiao.get("/", params={"committee": "靖城街道"})  # cannot look elsewhere
    assert queue_ids(widened.text) == queue_ids(screen.text)
    dates = xinqiao.get("/fields", params={"kind": "date", "batch_id": site.batches[1]})
    assert {page for page, _ in cell_keys(dates.text)} == {p["meng"]}
    assert "张伟" not in screen.text + dates.text


def test_a_clerk_gets_batches_and_no_page_contents(site: ReviewSite) -> None:
    engine = make_engine(site.settings.database_url)
    with session_scope(engine) as session:
        for name, status, code in (
            ("locked.pdf", "failed", "encrypted_pdf"),
            ("again.pdf", "duplicate", None),
        ):
            crud.add_source_file(
                session,
                batch_id=site.batches[1],
                original_name=name,
                sha256="f" * 64,
                size=1,
                kind="pdf",
                status=status,
                pages=0,
                stored_path=None,
                error_code=code,
            )
    engine.dispose()
    clerk = client(site, "clerk")
    assert clerk.get("/").headers["location"] == "/batches"
    batches = clerk.get("/batches")
    assert batches.status_code == 200
    assert FIRST_BATCH in batches.text and 'id="upload"' in batches.text
    one = clerk.get(f"/batches/{site.batches[1]}")
    assert one.status_code == 200
    assert "cards-1.pdf" in one.text and "locked.pdf" in one.text
    assert "PDF 设有密码，请去掉密码" in one.text and "与已导入的文件内容相同" in one.text
    for text in (batches.text, one.text):
        assert "/pages/" not in text and "/fields" not in text and "孟波春" not in text
    assert clerk.get("/fields").status_code == 403
    assert clerk.get(f"/pages/{site.pages['meng']}").status_code == 403
    assert clerk.get("/batches/999").status_code == 404


def test_reviewers_see_batches_without_an_upload_form(site: ReviewSite) -> None:
    reviewer = client(site, "reviewer")
    batches = reviewer.get("/batches")
    assert FIRST_BATCH in batches.text and 'id="upload"' not in batches.text
    one = reviewer.get(f"/batches/{site.batches[1]}")
    assert f'href="/?batch_id={site.batches[1]}"' in one.text  # on to its cards
    grids = f'href="/fields/next?batch_id={site.batches[1]}"'  # or to the kinds in doubt
    assert grids in one.text


def test_the_field_grid_shows_one_kind_worst_first(site: ReviewSite) -> None:
    reviewer = client(site, "reviewer")
    p = site.pages
    grid = reviewer.get("/fields", params={"kind": "date", "batch_id": site.batches[1]})
    assert grid.status_code == 200
    # Uncertain first, least confident first; the confirmed card and blank cells are left out.
    assert cell_keys(grid.text) == [
        (p["zhang"], "rows.1.date"),
        (p["meng"], "rows.2.date"),
        (p["zhang"], "rows.2.date"),
        (p["zhang"], "rows.3.date"),
        (p["meng"], "rows.1.date"),
    ]
    assert f"/api/v1/pages/{p['zhang']}/fields/rows.1.date/crop.png" in grid.text
    assert "识别：7?" in grid.text and 'value="2026-06-01"' in grid.text
    in_order = reviewer.get(
        "/fields", params={"kind": "date", "batch_id": site.batches[1], "order": "page"}
    )
    assert [page for page, _ in cell_keys(in_order.text)] == [p["meng"]] * 2 + [p["zhang"]] * 3
    with_blank = reviewer.get(
        "/fields", params={"kind": "date", "batch_id": site.batches[1], "blank": "1"}
    )
    assert (p["meng"], "rows.3.date") in cell_keys(with_blank.text)
    manners = reviewer.get("/fields", params={"kind": "manner"})
    assert 'value="走访"' in manners.text and "1 走访" in manners.text
    assert reviewer.get("/fields", params={"kind": "shoe_size"}).status_code == 422


def test_the_grid_leads_on_kind_by_kind_then_back_to_the_queue(site: ReviewSite) -> None:
    reviewer = client(site, "reviewer")
    first, second = site.batches[1], site.batches[2]

    def after(**params: object) -> str:
        moved = reviewer.get("/fields/next", params=params)
        assert moved.status_code == 303, moved.text
        return str(moved.headers["location"])

    assert after() == "/fields?kind=phone"  # `f` on the queue: the first kind in doubt
    assert after(kind="phone", batch_id=first) == f"/fields?kind=phone&batch_id={first}"
    assert after(kind="phone") == "/fields?kind=phone"  # while some are left: the same kind
    assert after(kind="text") == "/fields?kind=phone"  # none after it: round to the start
    assert after(kind="year", batch_id=second) == f"/fields?kind=date&batch_id={second}"
    engine = make_engine(site.settings.database_url)
    with session_scope(engine) as session:
        for field in session.exec(select(Field).join(Page).where(Page.batch_id == second)):
            field.needs_review = False
    engine.dispose()
    assert after(kind="date", batch_id=second) == f"/?batch_id={second}"  # all checked
    assert after(kind="date") == "/fields?kind=date"  # batch 1's dates are still in doubt
    assert client(site, "clerk").get("/fields/next").status_code == 403


def test_every_cell_of_a_grid_and_field_of_a_page_has_a_jump_letter_of_its_own() -> None:
    assert len(jump_letters(GRID_CELLS, GRID_JUMP_KEYS)) == GRID_CELLS
    widest = max(len(field_keys(form)) for form in FORM_KINDS)  # a service card: 39
    letters = jump_letters(widest, DOCUMENT_JUMP_KEYS)
    assert len(set(letters)) == widest and "l" not in letters and "R" not in letters
    with pytest.raises(ValueError, match="only 46 jump letters"):
        jump_letters(47, DOCUMENT_JUMP_KEYS)


def test_the_next_grid_kind_keeps_to_the_grid_order() -> None:
    assert next_grid_kind([], "date") is None
    assert next_grid_kind([], None) is None
    assert next_grid_kind(["date", "text"], "date") == "date"
    assert next_grid_kind(["name", "text"], "date") == "text"
    assert next_grid_kind(["name"], "date") == "name"
    assert next_grid_kind(["phone", "date"], None) == "phone"
    assert next_grid_kind(["phone", "date"], "not a kind") == "phone"


def test_the_office_sees_the_grid_read_only_with_phones_masked(site: ReviewSite) -> None:
    office = client(site, "office")
    phones = office.get("/fields", params={"kind": "phone"})
    assert phones.status_code == 200
    assert "138****0001" in phones.text and "13800000001" not in phones.text
    assert "readonly" in phones.text and 'id="accept-rest"' not in phones.text
    reviewer = client(site, "reviewer")
    assert "13800000001" in reviewer.get("/fields", params={"kind": "phone"}).text


def test_the_queue_shows_who_has_a_card_open(site: ReviewSite) -> None:
    add_user(site.settings, "wang", "reviewer")
    engine = make_engine(site.settings.database_url)
    with session_scope(engine) as session:
        wang = session.exec(select(User).where(User.name == "wang")).one()
        meng = session.get_one(Page, site.pages["meng"])
        claims.claim_page(session, page=meng, user=wang)
    engine.dispose()
    screen = client(site, "reviewer").get("/").text
    row = re.search(rf'data-page-id="{site.pages["meng"]}">(.*?)</tr>', screen, re.S)
    assert row is not None and '<td class="held">wang</td>' in row.group(1)
    assert screen.count('<td class="held"></td>') == 3
