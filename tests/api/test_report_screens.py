"""The report screens on a small reviewed year: numbers, drill-down, scoping, masking, roles."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.settings import Settings
from records.accounts import User
from records.db import init_db, make_engine
from records.models import Page
from records.review import reopen_page
from tests.api.report_data import ReportYear, build_report_year
from tests.api.test_admin_screens import session_client
from tests.api.test_roster_screens import rows_of
from tests.conftest import add_user

YEAR = 2026


@pytest.fixture
def reviewed(settings: Settings) -> ReportYear:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with Session(engine) as session:
        built = build_report_year(session, YEAR)
    engine.dispose()
    return built


def links(page: str) -> list[str]:
    """Every link of the page, as the browser follows it."""
    return [unquote(html.unescape(h)) for h in re.findall(r'href="([^"]+)"', page)]


def member_rows(html: str) -> dict[str, str]:
    """Member code → the text of its row in the per-member table."""
    return {row.split()[0]: row for row in rows_of(html, "members") if row[:2] == "JJ"}


def test_the_office_sees_every_member_with_status_and_reasons(
    settings: Settings, reviewed: ReportYear
) -> None:
    add_user(settings, "office", "office")
    client, _ = session_client(settings, "office")
    page = client.get(f"/reports?year={YEAR}")
    assert page.status_code == 200
    rows = member_rows(page.text)
    assert rows["JJ0001"].endswith("5 5 15 4月1日收到 5 / 0 / 0 达标")
    assert rows["JJ0002"] == (
        "JJ0002 张伟 民盟 靖城街道 3 0 2 4月1日收到 1 / 2 / 0 未达标 仅登记 3 名联系对象 "
        "联系对象 1 上门走访仅 2 次 联系对象 2 服务卡未收到 联系对象 3 服务卡未收到"
    )
    assert rows["JJ0003"].endswith("待审核 联系对象 1 服务卡审核中")
    # Standing-committee members lead, as their own group.
    body = page.text.split('id="members"', 1)[1]
    assert body.index("常委（1 人）") < body.index("JJ0003") < body.index("其他委员（2 人）")
    assert body.index("其他委员（2 人）") < body.index("JJ0001")
    summary = rows_of(page.text, "summary")
    assert summary[0] == "全部委员 3 1 1 1 33% 13 9 29 10 2 1"
    assert summary[1] == "常委 1 0 0 1 0% 5 4 12 4 0 1"
    assert rows_of(page.text, "by-sector") == [
        "民革 1 1 0 0 100% 5 5 15 5 0 0",
        "民盟 1 0 1 0 0% 3 0 2 1 2 0",
        "九三学社 1 0 0 1 0% 5 4 12 4 0 1",
    ]
    assert rows_of(page.text, "by-committee") == [
        "靖城街道 1 0 1 0 0% 3 0 2 1 2 0",
        "新桥镇 2 1 0 1 50% 10 9 27 9 0 1",
    ]
    # Numbers lead to what is behind them: members of a group, a member's cards.
    hrefs = links(page.text)
    meng = reviewed.members["JJ0001"]
    assert f"/reports/members/{meng}#contacts" in hrefs
    assert f"/reports?year={YEAR}&committee=新桥镇&status=pending" in hrefs
    assert f"/pages/{reviewed.pages['JJ0001.R']}" in hrefs
    downloads = [h for h in hrefs if h.startswith("/api/v1/tally")]
    assert {h.rsplit(".", 1)[1] for h in downloads} == {"csv", "xlsx", "json"}
    for href in downloads:  # the buttons lead to the API's downloads
        got = client.get(href)
        assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    chase = [h for h in links(client.get(f"/reports/completeness?year={YEAR}").text) if ".csv" in h]
    missing_csv = client.get(chase[0]).content.decode("utf-8-sig")
    assert (
        chase[0].endswith("view=missing") and "郑丽" in missing_csv and "JJ0001" not in missing_csv
    )


def test_filters_narrow_the_member_table(settings: Settings, reviewed: ReportYear) -> None:
    add_user(settings, "office", "office")
    client, _ = session_client(settings, "office")
    for query, codes in (
        ("status=not_met", ["JJ0002"]),
        ("status=met", ["JJ0001"]),
        ("sector=民革", ["JJ0001"]),
        ("standing=1", ["JJ0003"]),
        ("committee=新桥镇", ["JJ0003", "JJ0001"]),
        ("committee=新桥镇&standing=0", ["JJ0001"]),
    ):
        page = client.get(f"/reports?year={YEAR}&{query}")
        assert list(member_rows(page.text)) == codes, query
    other = client.get(f"/reports?year={YEAR + 1}")
    assert "没有符合条件的委员" in other.text


def test_a_member_page_links_each_number_to_its_card(
    settings: Settings, reviewed: ReportYear
) -> None:
    add_user(settings, "boss", "admin")
    client, _ = session_client(settings, "boss")
    meng = reviewed.members["JJ0001"]
    page = client.get(f"/reports/members/{meng}")
    assert page.status_code == 200 and "孟波春（JJ0001）" in page.text
    contacts = rows_of(page.text, "contacts")
    assert len(contacts) == 5
    first = reviewed.pages["JJ0001.S1"]
    rescan = reviewed.pages["JJ0001.S1-rescan"]
    assert contacts[0].startswith("1 王芳 13900000011 已收到 3 0 0 是 11月20日")
    assert contacts[0].endswith(f"第 {first} 页 （计入） 第 {rescan} 页 （重复，未计）")
    assert "另有 1 张已确认服务卡（疑似重复或重扫，未重复计数）" in page.text
    visits_link = re.search(r'href="(/pages/\d+)" data-count="visits"', page.text)
    assert visits_link is not None and visits_link.group(1) == f"/pages/{first}"
    assert client.get(visits_link.group(1)).status_code == 200  # the card's document page

    li = client.get(f"/reports/members/{reviewed.members['JJ0003']}")
    pending = rows_of(li.text, "contacts")[0]
    assert "审核中" in pending and f"第 {reviewed.pages['JJ0003.S1']} 页 （审核中）" in pending
    assert "待审核" in li.text


def test_numbers_follow_a_reopened_card_at_once(settings: Settings, reviewed: ReportYear) -> None:
    add_user(settings, "office", "office")
    client, _ = session_client(settings, "office")
    before = member_rows(client.get(f"/reports?year={YEAR}").text)["JJ0001"]
    assert before.endswith("达标")
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        card = session.get_one(Page, reviewed.pages["JJ0001.S2"])
        user = session.get_one(User, 1)
        reopen_page(session, page=card, reason="日期看不清", user=user)
        session.commit()
    engine.dispose()
    after = member_rows(client.get(f"/reports?year={YEAR}").text)["JJ0001"]
    assert after.endswith("5 4 12 4月1日收到 4 / 0 / 1 待审核 联系对象 2 服务卡审核中")


def test_completeness_lists_each_contact_card_state(
    settings: Settings, reviewed: ReportYear
) -> None:
    add_user(settings, "office", "office")
    client, _ = session_client(settings, "office")
    page = client.get(f"/reports/completeness?year={YEAR}")
    assert page.status_code == 200
    rows = rows_of(page.text, "completeness")
    assert [r.split()[1] for r in rows] == ["JJ0001", "JJ0003", "JJ0002"]  # by committee
    assert rows[2] == "靖城街道 JJ0002 张伟 已收到 1 2 0 1 吴刚 已收到 2 郑丽 未收到 3 孙强 未收到"
    assert "1 王芳 审核中" in rows[1]
    assert "已收到 <strong>10</strong> 张" in page.text
    missing = client.get(f"/reports/completeness?year={YEAR}&only=missing")
    assert [r.split()[1] for r in rows_of(missing.text, "completeness")] == ["JJ0002"]
    in_review = client.get(f"/reports/completeness?year={YEAR}&only=in_review&committee=新桥镇")
    assert [r.split()[1] for r in rows_of(in_review.text, "completeness")] == ["JJ0003"]
    chip = re.search(r'data-contact="2" data-state="missing"', page.text)
    assert chip is not None


def test_the_dashboard_draws_its_charts_without_any_outside_resource(
    settings: Settings, reviewed: ReportYear
) -> None:
    add_user(settings, "office", "office")
    client, _ = session_client(settings, "office")
    page = client.get(f"/dashboard?year={YEAR}")
    assert page.status_code == 200
    kpis = dict(re.findall(r'data-kpi="(\w+)"[^>]*>(\d+)<', page.text))
    assert kpis == {
        "members": "3",
        "met": "1",
        "not_met": "1",
        "pending": "1",
        "visits": "29",
        "missing": "2",
    }
    assert page.text.count("<svg") == 3
    assert "<title>达标：1（33%）</title>" in page.text
    assert "<title>2月：10</title>" in page.text and "<title>8月：9</title>" in page.text
    assert "<title>靖城街道：2</title>" in page.text and "新桥镇：0" not in page.text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith(("/", "#")) for s in sources)  # nothing from a CDN
    assert "<script" not in page.text.split("<main", 1)[1]


def test_a_committee_user_sees_only_their_committee(
    settings: Settings, reviewed: ReportYear
) -> None:
    add_user(settings, "town", "office", committee="新桥镇")
    client, _ = session_client(settings, "town")
    page = client.get(f"/reports?year={YEAR}&committee=靖城街道")  # their committee wins
    assert list(member_rows(page.text)) == ["JJ0003", "JJ0001"]
    assert rows_of(page.text, "by-committee") == ["新桥镇 2 1 0 1 50% 10 9 27 9 0 1"]
    zhang = reviewed.members["JJ0002"]
    assert client.get(f"/reports/members/{zhang}").status_code == 404
    assert "张伟" not in client.get(f"/reports/completeness?year={YEAR}").text
    dashboard = client.get(f"/dashboard?year={YEAR}")
    assert 'data-kpi="members">2<' in dashboard.text
    downloads = [h for h in links(page.text) if h.startswith("/api/v1/tally")]
    assert len(downloads) == 3 and all("committee=新桥镇" in h for h in downloads)


def test_phones_are_masked_for_the_office_and_roles_without_reports_are_refused(
    settings: Settings, reviewed: ReportYear
) -> None:
    add_user(settings, "office", "office")
    add_user(settings, "rev", "reviewer")
    add_user(settings, "clerk", "clerk")
    office, _ = session_client(settings, "office")
    meng = reviewed.members["JJ0001"]
    shown = office.get(f"/reports/members/{meng}").text
    assert "139****0011" in shown and "13900000011" not in shown
    roster_page = office.get(f"/roster/members/{meng}").text
    registered = rows_of(roster_page, "contacts")
    assert registered[0] == "1 王芳 139****0011 靖江市***** 已确认" and len(registered) == 5
    assert f'href="/pages/{reviewed.pages["JJ0001.R"]}"' in roster_page
    nav = office.get("/batches").text
    assert all(f'href="{p}"' in nav for p in ("/reports", "/reports/completeness", "/dashboard"))
    for name in ("rev", "clerk"):
        client, _ = session_client(settings, name)
        for path in ("/reports", f"/reports/members/{meng}", "/reports/completeness", "/dashboard"):
            assert client.get(path).status_code == 403, (name, path)
        assert 'href="/reports"' not in client.get("/batches").text
    anonymous = TestClient(office.app, follow_redirects=False)
    assert anonymous.get("/dashboard").headers["location"].startswith("/login")
