"""The roster import and the reports in Chromium: a bad row named in the browser, and a
drill-down from a member's count to the card behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from sqlmodel import Session

from api.app import create_app
from api.settings import Settings
from records.db import init_db, make_engine
from tests.api.report_data import ReportYear, build_report_year
from tests.conftest import TEST_PASSWORD, add_user
from tests.ui.pages_fixtures import serve_app

YEAR = 2026


@pytest.fixture
def reviewed(settings: Settings) -> ReportYear:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with Session(engine) as session:
        built = build_report_year(session, YEAR)
    engine.dispose()
    add_user(settings, "boss", "admin")
    add_user(settings, "office", "office")
    return built


@pytest.fixture
def base_url(settings: Settings, reviewed: ReportYear) -> Iterator[str]:
    app = create_app(settings)
    with serve_app(app) as url:
        yield url
    app.state.engine.dispose()


def signed_in(context: BrowserContext, base_url: str, name: str, next_path: str) -> Page:
    page = context.new_page()
    page.goto(f"{base_url}/login?next={next_path}")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base_url}{next_path}")
    return page


def test_an_admin_imports_a_roster_and_sees_the_bad_row(
    base_url: str, new_context: Any, tmp_path: Path
) -> None:
    roster = tmp_path / "2027年委员名单.csv"
    roster.write_text(
        "委员编号,姓名,界别,政协工委,联系电话,是否常委\n"
        "JJ0501,钱学文,民进,东兴镇,13800000501,否\n"
        ",周无号,民盟,东兴镇,13800000502,否\n"
        "JJ0503,吴同,教育界,季市镇,13800000503,是\n",
        encoding="gbk",
    )
    page = signed_in(new_context(), base_url, "boss", "/roster?year=2027")
    assert page.locator("#roster tbody tr[data-member-id]").count() == 0
    form = page.locator("#import-roster")
    form.locator("input[name=year]").fill("2027")
    form.locator("input[type=file]").set_input_files(str(roster))
    form.get_by_role("button", name="导入").click()
    page.wait_for_selector("#import-errors")
    assert page.locator("[data-count=added]").inner_text() == "2"
    bad = page.locator("#import-errors tbody tr")
    assert bad.count() == 1
    assert bad.first.inner_text().split("\t") == ["3", "委员编号", "第 3 行：委员编号为空"]

    page.get_by_role("link", name="← 2027 年委员名单").click()
    page.wait_for_selector("#roster tbody tr[data-member-id]")
    codes = page.locator("#roster tbody tr").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert codes == ["JJ0501", "JJ0503"]


def test_the_office_drills_down_from_a_count_to_the_card(
    base_url: str, new_context: Any, reviewed: ReportYear
) -> None:
    page = signed_in(new_context(), base_url, "office", f"/reports?year={YEAR}")
    meng = page.locator("#members tr[data-code=JJ0001]")
    assert meng.locator("[data-count=visits]").inner_text() == "15"
    assert "达标" in meng.inner_text()
    assert "未达标" in page.locator("#members tr[data-code=JJ0002]").inner_text()
    meng.locator("[data-count=visits]").click()

    member_id = reviewed.members["JJ0001"]
    page.wait_for_url(f"{base_url}/reports/members/{member_id}#contacts")
    first = page.locator("#contacts tr[data-contact='1']")
    assert first.locator("td").nth(3).inner_text() == "已收到"
    assert "139****0011" in first.inner_text()  # the office sees phones masked
    first.locator("a[data-count=visits]").click()

    card = reviewed.pages["JJ0001.S1"]
    page.wait_for_url(f"{base_url}/pages/{card}")
    page.wait_for_selector("#doc[data-ready=true]")
    assert "服务卡" in page.locator("h1").inner_text()
    assert page.locator(".doc-input:not([disabled])").count() == 0  # the office only reads

    page.goto(f"{base_url}/dashboard?year={YEAR}")
    assert page.locator(".chart svg").count() == 3
    assert page.locator("[data-kpi=met]").inner_text() == "1"
