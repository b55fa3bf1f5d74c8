"""The roster API: members listed and scoped by committee, phones masked by role, added and
changed by admins only, roster files imported with their row errors, every change audited."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from api.settings import Settings
from records.db import init_db, make_engine, session_scope
from records.linking import link_pages
from records.models import Page
from tests.conftest import add_user
from tests.records.linking_data import YEAR, Scans, add_roster, registration, service_card

ROSTER_DIR = Path(__file__).parents[1] / "data" / "roster"
MEMBERS = "/api/v1/roster/members"


class Site:
    """An installation with the test roster of YEAR and a form R and a card of 孟波春."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clients: dict[str, TestClient] = {}
        engine = make_engine(settings.database_url)
        init_db(engine)
        with session_scope(engine) as session:
            members = add_roster(session)
            scans = Scans(session)
            form_r = scans.page("registration", registration())
            self.unlinked_card = scans.page(
                "service_card", service_card("周杰伦", "陈静", phone="13700000000")
            ).id
            link_pages(session, session.exec(select(Page)).all())
            session.flush()
            self.form_r = form_r.id
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


@pytest.fixture
def site(settings: Settings) -> Site:
    return Site(settings)


NEW_MEMBER = {
    "year": YEAR,
    "code": "jj0100",
    "name": " 周杰伦 ",
    "sector": "教育",
    "committee": "东兴",
    "phone": "137 0000 0000",
}


def test_admin_adds_a_member_with_canonical_values_and_pages_link_to_it(site: Site) -> None:
    admin = site.client("admin")
    created = admin.post(MEMBERS, json=NEW_MEMBER)
    assert created.status_code == 201, created.text
    member = created.json()
    assert {k: member[k] for k in ("code", "name", "sector", "committee", "phone")} == {
        "code": "JJ0100",
        "name": "周杰伦",
        "sector": "教育界",
        "committee": "东兴镇",
        "phone": "13700000000",
    }
    assert member["standing"] is False
    # The card that named nobody on the roster now names the new member.
    card = admin.get(f"/api/v1/pages/{site.unlinked_card}").json()
    assert card["member_id"] == member["id"]
    (event,) = site.audit("member_created")
    assert event["detail"] == {"year": YEAR, "code": "JJ0100"}
    assert event["target_id"] == str(member["id"])


def test_a_duplicate_code_in_the_same_year_is_409(site: Site) -> None:
    admin = site.client("admin")
    duplicate = admin.post(MEMBERS, json={**NEW_MEMBER, "code": "jj0001"})
    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "duplicate_code")
    assert admin.post(MEMBERS, json={**NEW_MEMBER, "year": YEAR + 1}).status_code == 201
    renamed = admin.patch(f"{MEMBERS}/{site.members['JJ0002']}", json={"code": "JJ0001"})
    assert renamed.status_code == 409


@pytest.mark.parametrize(
    "change",
    [
        {"sector": "火星界"},
        {"committee": "月球镇"},
        {"phone": "1380000020"},
        {"code": "JJ 01|X"},
        {"name": ""},
        {"year": 1999},
    ],
)
def test_invalid_members_are_422(site: Site, change: dict[str, Any]) -> None:
    response = site.client("admin").post(MEMBERS, json={**NEW_MEMBER, **change})
    assert response.status_code == 422
    assert response.json()["error"]["code"] in ("invalid_value", "invalid_input")


def test_admin_changes_a_member_and_the_trail_names_only_the_columns(site: Site) -> None:
    admin = site.client("admin")
    member_id = site.members["JJ0002"]
    changed = admin.patch(
        f"{MEMBERS}/{member_id}", json={"phone": "84810002", "standing": True, "sector": None}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["phone"], body["standing"], body["sector"]) == ("0523-84810002", True, None)
    assert body["name"] == "张伟"
    (event,) = site.audit("member_changed")
    assert event["detail"] == {"changed": ["phone", "sector", "standing"]}
    assert "84810002" not in json.dumps(event)
    assert admin.patch(f"{MEMBERS}/{member_id}", json={"name": None}).status_code == 422
    assert admin.patch(f"{MEMBERS}/9999", json={"standing": True}).status_code == 404


def test_members_are_listed_filtered_and_searched(site: Site) -> None:
    reviewer = site.client("reviewer")
    everyone = reviewer.get(MEMBERS, params={"year": YEAR}).json()
    assert [m["code"] for m in everyone["items"]] == ["JJ0001", "JJ0002", "JJ0003"]
    assert everyone["items"][0]["phone"] == "13800000001"
    assert reviewer.get(MEMBERS, params={"year": YEAR + 1}).json()["total"] == 0
    by_committee = reviewer.get(MEMBERS, params={"committee": "新桥镇"}).json()
    assert [m["code"] for m in by_committee["items"]] == ["JJ0001", "JJ0003"]
    for q, codes in (("张", ["JJ0002"]), ("jj0003", ["JJ0003"]), ("%", []), ("孟波春", ["JJ0001"])):
        found = reviewer.get(MEMBERS, params={"q": q}).json()["items"]
        assert [m["code"] for m in found] == codes, q
    page = reviewer.get(MEMBERS, params={"limit": 2, "offset": 2}).json()
    assert (page["total"], len(page["items"])) == (3, 1)


def test_office_sees_masked_phones_and_may_not_edit(site: Site) -> None:
    office = site.client("office")
    member_id = site.members["JJ0001"]
    assert office.get(f"{MEMBERS}/{member_id}").json()["phone"] == "138****0001"
    assert all("****" in m["phone"] for m in office.get(MEMBERS).json()["items"])
    assert office.post(MEMBERS, json=NEW_MEMBER).status_code == 403
    assert office.patch(f"{MEMBERS}/{member_id}", json={"standing": True}).status_code == 403
    upload = {"file": ("roster.csv", b"x", "text/csv")}
    assert office.post(
        "/api/v1/roster/import", params={"year": YEAR}, files=upload
    ).status_code == (403)
    assert site.client("clerk").get(MEMBERS).status_code == 403


def test_a_committee_user_sees_only_their_committees_members(site: Site) -> None:
    client = site.client("reviewer", committee="靖城街道")
    listed = client.get(MEMBERS).json()
    assert [m["code"] for m in listed["items"]] == ["JJ0002"]
    assert client.get(MEMBERS, params={"committee": "新桥镇"}).json()["total"] == 0
    hidden = site.members["JJ0001"]
    assert client.get(f"{MEMBERS}/{hidden}").status_code == 404
    assert client.get(f"{MEMBERS}/{hidden}/contacts").status_code == 404


def test_contacts_come_from_the_members_form_r_masked_for_office(site: Site) -> None:
    member_id = site.members["JJ0001"]
    whole = site.client("reviewer").get(f"{MEMBERS}/{member_id}/contacts").json()
    assert whole["page_id"] == site.form_r
    assert [(c["no"], c["name"], c["phone"]) for c in whole["contacts"]] == [
        (1, "王芳", "13900000011"),
        (2, "陈静", "13900000012"),
        (3, "刘洋", "13900000013"),
    ]
    assert whole["contacts"][0]["address"] == "靖江市人民路1号"
    assert not any(c["confirmed"] for c in whole["contacts"])
    masked = site.client("office").get(f"{MEMBERS}/{member_id}/contacts").json()["contacts"][0]
    assert (masked["name"], masked["phone"], masked["address"]) == (
        "王芳",
        "139****0011",
        "靖江市*****",
    )
    nobody = site.client("reviewer").get(f"{MEMBERS}/{site.members['JJ0002']}/contacts").json()
    assert nobody == {"member_id": site.members["JJ0002"], "page_id": None, "contacts": []}


def test_a_roster_file_is_imported_with_its_row_errors(site: Site) -> None:
    admin = site.client("admin")
    data = (ROSTER_DIR / "roster-bad-rows.csv").read_bytes()
    response = admin.post(
        "/api/v1/roster/import",
        params={"year": YEAR},
        files={"file": ("名单.csv", data, "text/csv")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["year"], body["added"], body["updated"], body["unchanged"]) == (YEAR, 6, 0, 0)
    assert sorted(e["code"] for e in body["errors"]) == sorted(
        [
            "missing_code",
            "missing_name",
            "duplicate_code",
            "bad_phone",
            "unknown_sector",
            "unknown_committee",
            "bad_standing",
            "bad_code",
        ]
    )
    assert all(e["message"].startswith(f"第 {e['row_no']} 行") for e in body["errors"])
    codes = [
        m["code"] for m in admin.get(MEMBERS, params={"year": YEAR, "limit": 50}).json()["items"]
    ]
    assert "JJ0211" in codes and "JJ0001" in codes  # members missing from the file are kept
    (event,) = site.audit("roster_imported")
    assert event["detail"] == {
        "year": YEAR,
        "added": 6,
        "updated": 0,
        "unchanged": 0,
        "errors": 8,
        "relinked": body["relinked"],
    }


def test_a_file_that_is_no_roster_is_422_with_its_code(site: Site) -> None:
    admin = site.client("admin")
    for name, code in (
        ("roster-legacy-xls-renamed.txt", "legacy_xls"),
        ("roster-missing-name-column.csv", "missing_column"),
    ):
        data = (ROSTER_DIR / name).read_bytes()
        response = admin.post(
            "/api/v1/roster/import", params={"year": YEAR}, files={"file": (name, data)}
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == code
        assert name in error["message"] and name in error["message_en"]
        assert " / " not in error["message"]
    assert site.audit("roster_imported") == []
