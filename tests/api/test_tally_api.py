"""The tally API and downloads: numbers of confirmed cards, committee scope, masked phones,
audited downloads, the batch received date the clerk sets, and `cardscan tally`."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import Settings
from records.accounts import Role, User
from records.db import init_db, make_engine, session_scope
from records.linking import link_pages
from records.models import Batch, Page
from records.review import confirm_page
from tests.conftest import add_user
from tests.records.linking_data import YEAR, Scans, add_roster, registration, service_card

TALLY = f"/api/v1/tally/{YEAR}"
NAMES = ("王芳", "陈静", "刘洋", "赵敏", "孙丽")


class Site:
    """JJ0001 (新桥镇) with a confirmed form R of 5 contacts and 5 confirmed cards (3 visits
    each, contact 5 only 2), and JJ0002 (靖城街道) with nothing yet."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clients: dict[str, TestClient] = {}
        engine = make_engine(settings.database_url)
        init_db(engine)
        with session_scope(engine) as session:
            members = add_roster(session)
            reviewer = User(name="审核员", role=Role.reviewer, password_hash="x")
            session.add(reviewer)
            scans = Scans(session)
            self.batch_id = scans.batch_id  # form R, received 1 April
            received(session, scans.batch_id, date(YEAR, 4, 1))
            pages = [scans.page("registration", registration(contacts=NAMES))]
            received(session, scans.new_batch(), date(YEAR, 11, 20))
            for no in range(1, 6):
                cells = service_card(contact=NAMES[no - 1])
                for row in range(1, 4 if no < 5 else 3):
                    cells[f"rows.{row}.date"] = f"{YEAR}-0{row + 2}-1{no}"
                    cells[f"rows.{row}.manner"] = "visit"
                pages.append(scans.page("service_card", cells, card_code=f"SC1|{YEAR}|JJ0001|{no}"))
            link_pages(session, pages)
            for page in pages:
                confirm_page(session, page=page, user=reviewer)
            self.pages = [p.id for p in pages]
            self.members = {code: m.id or 0 for code, m in members.items()}
        engine.dispose()

    def client(self, role: str, *, committee: str | None = None) -> TestClient:
        name = f"{role}-{committee or 'all'}"
        if name not in self.clients:
            headers = add_user(self.settings, name, role, committee=committee)
            self.clients[name] = TestClient(create_app(self.settings), headers=headers)
        return self.clients[name]

    def audit(self, action: str) -> list[dict[str, Any]]:
        body = self.client("admin").get("/api/v1/audit", params={"action": action}).json()
        items: list[dict[str, Any]] = body["items"]
        return items


def received(session: Session, batch_id: int, day: date) -> None:
    batch = session.get_one(Batch, batch_id)
    batch.received_date = day
    session.add(batch)


@pytest.fixture
def site(settings: Settings) -> Site:
    return Site(settings)


def test_members_and_detail_trace_numbers_to_pages(site: Site) -> None:
    office = site.client("office")
    listed = office.get(f"{TALLY}/members").json()
    by_code = {m["code"]: m for m in listed}
    one = by_code["JJ0001"]
    assert one["status"] == "not_met" and one["status_label"] == "未达标"
    assert one["reasons"] == ["联系对象 5 上门走访仅 2 次"]
    assert one["total_visits"] == 14 and one["contacts_registered"] == 5
    assert set(one["page_ids"]) == set(site.pages)
    assert by_code["JJ0002"]["reasons"][0] == "登记表未收到"

    only = office.get(f"{TALLY}/members", params={"status": "not_met", "sector": "民革"}).json()
    assert [m["code"] for m in only] == ["JJ0001"]

    detail = office.get(f"{TALLY}/members/{site.members['JJ0001']}").json()
    five = detail["contacts"][4]
    assert five["visits"] == 2 and five["counted_page_id"] == site.pages[5]
    assert [r["counted"] for r in five["rows"]] == [True, True]
    assert five["phone"] == "139****0015"  # office: masked
    admin = site.client("admin").get(f"{TALLY}/members/{site.members['JJ0001']}").json()
    assert admin["contacts"][4]["phone"] == "13900000015"
    assert (
        office.get(f"/api/v1/tally/{YEAR + 1}/members/{site.members['JJ0001']}").status_code == 404
    )


def test_overview_groups_and_completeness(site: Site) -> None:
    office = site.client("office")
    body = office.get(TALLY).json()
    assert body["rules"]["version"] == "policy-2014"
    assert body["rules"]["card_deadline"] == f"{YEAR}-11-30"
    assert body["overall"]["members"] == 3 and body["overall"]["total_visits"] == 14
    assert body["standing"]["member_ids"] == [site.members["JJ0003"]]
    assert sum(body["visits_by_month"]) == 14 and body["visits_by_month"][2] == 5
    sectors = {g["key"]: g for g in office.get(f"{TALLY}/sectors").json()}
    assert sectors["民革"]["not_met"] == 1
    committees = {g["key"]: g for g in office.get(f"{TALLY}/committees").json()}
    assert set(committees) == {"新桥镇", "靖城街道"}
    complete = office.get(f"{TALLY}/completeness", params={"incomplete": True}).json()
    assert complete == []  # JJ0001 has every card; the others registered nobody
    assert office.get(f"{TALLY}/rules").json()["min_visits_per_contact"] == 3


def test_committee_users_see_their_committee_only(site: Site) -> None:
    scoped = site.client("office", committee="靖城街道")
    codes = [m["code"] for m in scoped.get(f"{TALLY}/members").json()]
    assert codes == ["JJ0002"]
    assert scoped.get(f"{TALLY}/members/{site.members['JJ0001']}").status_code == 404
    assert scoped.get(TALLY, params={"committee": "新桥镇"}).status_code == 403
    assert scoped.get(f"{TALLY}.csv").status_code == 200


def test_downloads_are_audited_masked_and_stamped(site: Site) -> None:
    office = site.client("office")
    csv_response = office.get(f"{TALLY}.csv")
    assert csv_response.headers["content-type"].startswith("text/csv")
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeff委员编号,姓名,界别")
    assert "联系对象 5 上门走访仅 2 次" in text and "policy-2014" in text
    contacts = office.get(f"{TALLY}.csv", params={"view": "contacts"}).content.decode()
    assert "139****0015" in contacts and "13900000015" not in contacts
    assert office.get(f"{TALLY}.csv", params={"view": "nope"}).status_code == 422

    book = load_workbook(io.BytesIO(office.get(f"{TALLY}.xlsx").content))
    assert book.sheetnames == ["委员", "联系对象", "界别", "政协工委", "常委", "缺卡清单", "说明"]
    members = book["委员"]
    assert members["A1"].value == "委员编号" and members.freeze_panes == "A2"
    assert members.page_setup.orientation == "landscape"
    assert members.print_title_rows == "$1:$1"
    headers = {c.value: c.column for c in members[1]}
    reasons = members.cell(2, headers["原因"])
    assert reasons.alignment.wrap_text and reasons.alignment.vertical == "top"
    received = members.cell(2, headers["登记表收到日期"])
    assert received.is_date and received.number_format == "yyyy-mm-dd"
    assert not members.cell(2, headers["姓名"]).alignment.wrap_text
    assert [c.value for c in book["说明"]["B"]][2] == "policy-2014"

    data = json.loads(office.get(f"{TALLY}.json").content)
    assert data["rules"]["version"] == "policy-2014"
    assert data["members"][0]["contacts"][0]["phone"].startswith("139****")

    events = site.audit("export")
    assert [e["detail"]["format"] for e in events] == ["json", "xlsx", "csv", "csv"]
    assert all(e["detail"]["kind"] == "tally" and e["detail"]["masked"] for e in events)
    assert events[-1]["detail"]["view"] == "members" and events[-2]["detail"]["view"] == "contacts"
    assert "王芳" not in json.dumps(events)  # ids and counts, never names


def test_clerk_sets_the_batch_received_date(site: Site) -> None:
    clerk = site.client("clerk")
    url = f"/api/v1/batches/{site.batch_id}"
    answer = clerk.patch(url, json={"received_date": f"{YEAR}-12-01"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["received_date"] == f"{YEAR}-12-01"
    one = {m["code"]: m for m in site.client("office").get(f"{TALLY}/members").json()}["JJ0001"]
    assert one["registration_late"] is True
    assert "登记表逾期（12月1日收到）" in one["reasons"]
    assert one["reasons"] == ["登记表逾期（12月1日收到）", "联系对象 5 上门走访仅 2 次"]
    contacts = site.client("admin").get(f"/api/v1/roster/members/{site.members['JJ0001']}")
    assert contacts.status_code == 200
    assert clerk.patch(url, json={"received_date": "12/01"}).status_code == 422
    assert site.client("office").patch(url, json={"received_date": None}).status_code == 403
    assert site.audit("batch_changed")[0]["detail"]["changed"] == ["received_date"]

    engine = make_engine(site.settings.database_url)
    with session_scope(engine) as session:
        from records.contacts import member_contacts

        rows = member_contacts(session, site.members["JJ0001"])
        assert {c.received_date for c in rows} == {date(YEAR, 12, 1)}
        assert session.exec(select(Page)).first() is not None
    engine.dispose()


def test_cardscan_tally_writes_every_format(site: Site, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "t.xlsx"
    result = runner.invoke(
        cli, ["tally", "--year", str(YEAR), "--format", "xlsx", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["委员"]["F2"].value == "未达标"
    result = runner.invoke(cli, ["tally", "--year", str(YEAR), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["members"][0]["contacts"][4]["phone"] == "13900000015"  # the CLI is unmasked
    result = runner.invoke(cli, ["tally", "--year", str(YEAR), "--committee", "靖城街道"])
    assert result.exit_code == 0 and "JJ0002" in result.stdout and "JJ0001" not in result.stdout
    assert runner.invoke(cli, ["tally", "--format", "pdf"]).exit_code == 2
    cli_events = [e for e in site.audit("export") if e["actor"] == "cli"]
    assert [e["detail"]["format"] for e in cli_events] == ["csv", "json", "xlsx"]
