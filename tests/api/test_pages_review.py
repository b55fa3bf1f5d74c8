"""The review API: lists and details scoped by committee and masked by role, corrections,
links and status changes, each audited without personal data."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from api.settings import Settings
from records.db import init_db, make_engine, session_scope
from records.linking import link_pages
from records.models import Page, PageStatus
from tests.conftest import add_user
from tests.records.linking_data import YEAR, Scans, add_roster, registration, service_card

CONTACT_PHONE = "13900000012"


@dataclass(frozen=True)
class Installation:
    """Pages of two committees stored as ingest and linking store them."""

    settings: Settings
    form_r: int  # 孟波春's form R, 新桥镇
    card: int  # 孟波春's card for 陈静, 新桥镇, one uncertain field
    other: int  # 张伟's card, 靖城街道, several uncertain fields
    failed: int
    members: dict[str, int]
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, role: str, *, committee: str | None = None) -> TestClient:
        """A client signed in as a user of this role (one user per role and committee)."""
        name = f"{role}-{committee or 'all'}"
        if name not in self.clients:
            headers = add_user(self.settings, name, role, committee=committee)
            self.clients[name] = TestClient(create_app(self.settings), headers=headers)
        return self.clients[name]


@pytest.fixture
def site(settings: Settings) -> Installation:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        members = add_roster(session)
        scans = Scans(session)
        form_r = scans.page("registration", registration())
        card = scans.page(
            "service_card",
            {**service_card(), "rows.1.date": "5.8", "rows.1.manner": "visit"},
        )
        other = scans.page(
            "service_card",
            {
                **service_card("张伟", "赵敏", phone="13800000002", sector="民盟"),
                "committee": "靖城街道",
                "rows.1.date": "??",
                "rows.2.date": "7?",
                "rows.3.date": "",
            },
        )
        failed = scans.page("unknown", {}, status=PageStatus.failed)
        link_pages(session, session.exec(select(Page)).all())
        session.flush()
        ids = {m.code: m.id or 0 for m in members.values()}
        result = Installation(
            settings, form_r.id or 0, card.id or 0, other.id or 0, failed.id or 0, ids
        )
    engine.dispose()
    return result


@pytest.fixture
def reviewer(site: Installation) -> TestClient:
    return site.client("reviewer")


def fields(client: TestClient, page_id: int) -> dict[str, dict[str, Any]]:
    detail = client.get(f"/api/v1/pages/{page_id}").json()
    return {f["key"]: f for f in detail["fields"]}


def audit(site: Installation, action: str) -> list[dict[str, Any]]:
    admin = site.client("admin")
    items: list[dict[str, Any]] = admin.get("/api/v1/audit", params={"action": action}).json()[
        "items"
    ]
    return items


def put_field(client: TestClient, page_id: int, key: str, value: Any) -> Any:
    return client.put(f"/api/v1/pages/{page_id}/fields/{key}", json={"value": value})


# --- corrections -------------------------------------------------------------------------


def test_a_date_is_corrected_to_iso_and_kept_in_history(
    site: Installation, reviewer: TestClient
) -> None:
    ocr_value = fields(reviewer, site.card)["rows.1.date"]["value"]
    response = put_field(reviewer, site.card, "rows.1.date", "2026年5月3日")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["value"], body["confidence"], body["needs_review"]) == ("2026-05-03", 1.0, False)
    assert (body["engine"], body["note"], body["raw"]) == ("reviewer", "corrected", "5.8")
    assert put_field(reviewer, site.card, "rows.1.date", "5.4").json()["value"] == "2026-05-04"
    history = reviewer.get(f"/api/v1/pages/{site.card}/history").json()
    assert [(h["ocr_value"], h["old_value"], h["new_value"]) for h in history] == [
        (ocr_value, ocr_value, "2026-05-03"),
        (ocr_value, "2026-05-03", "2026-05-04"),
    ]
    assert {h["user_name"] for h in history} == {"reviewer-all"}
    events = audit(site, "field_change")
    assert [e["detail"] for e in reversed(events)] == [
        {"page_id": site.card, "key": "rows.1.date", "edit_id": h["id"]} for h in history
    ]


@pytest.mark.parametrize("value", ["2026-02-30", "2025-05-03", "昨天", 20260503])
def test_an_invalid_date_is_422_with_both_messages(
    site: Installation, reviewer: TestClient, value: Any
) -> None:
    response = put_field(reviewer, site.card, "rows.1.date", value)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_value"
    assert error["message"] and error["message_en"]
    assert reviewer.get(f"/api/v1/pages/{site.card}/history").json() == []
    assert audit(site, "field_change") == []


def test_phone_and_manner_are_normalized_and_checked(
    site: Installation, reviewer: TestClient
) -> None:
    assert put_field(reviewer, site.card, "contact_phone", "139 1234 5678").json()["value"] == (
        "13912345678"
    )
    assert put_field(reviewer, site.card, "member_phone", "84812345").json()["value"] == (
        "0523-84812345"
    )
    assert put_field(reviewer, site.card, "contact_phone", "12345").status_code == 422
    assert put_field(reviewer, site.card, "rows.1.manner", "phone").json()["value"] == "phone"
    assert put_field(reviewer, site.card, "rows.1.manner", "walk").status_code == 422
    assert put_field(reviewer, site.card, "rows.1.manner", None).json()["value"] is None
    # Every audit entry names the field, never its value.
    for event in audit(site, "field_change"):
        assert set(event["detail"]) == {"page_id", "key", "edit_id"}
        text = json.dumps(event, ensure_ascii=False)
        assert "13912345678" not in text and "84812345" not in text
        assert ': "phone"' not in text  # the manner's new value


def test_unknown_field_is_404_and_a_missed_cell_can_be_filled(
    site: Installation, reviewer: TestClient
) -> None:
    missing = put_field(reviewer, site.card, "contacts.1.name", "王芳")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_field")
    created = put_field(reviewer, site.card, "rows.8.content", " 走访了解就业 ")
    assert created.status_code == 200
    assert (created.json()["value"], created.json()["bbox"]) == ("走访了解就业", None)


# --- status ------------------------------------------------------------------------------


def test_confirm_reject_reopen_and_refused_transitions(
    site: Installation, reviewer: TestClient
) -> None:
    base = f"/api/v1/pages/{site.card}"
    confirmed = reviewer.post(f"{base}/confirm")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert reviewer.post(f"{base}/confirm").status_code == 409
    again = reviewer.post(f"{base}/reject", json={"reason": "看不清"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")
    assert put_field(reviewer, site.card, "rows.1.manner", "visit").status_code == 409
    assert reviewer.post(f"{base}/reopen", json={}).status_code == 422  # a reason is required
    reopened = reviewer.post(f"{base}/reopen", json={"reason": "日期看错了"}).json()
    assert (reopened["status"], reopened["notes"]) == ("needs_review", ["reopened:日期看错了"])
    assert reviewer.post(f"{base}/reject", json={}).status_code == 422
    assert reviewer.post(f"{base}/reject", json={"reason": ""}).status_code == 422
    blank = reviewer.post(f"{base}/reject", json={"reason": "   "})
    assert (blank.status_code, blank.json()["error"]["code"]) == (422, "invalid_value")
    rejected = reviewer.post(f"{base}/reject", json={"reason": "不是本市的卡"}).json()
    assert rejected["status"] == "rejected"
    assert rejected["notes"] == ["reopened:日期看错了", "rejected:不是本市的卡"]
    assert reviewer.post(f"{base}/confirm").status_code == 409
    assert reviewer.post(f"{base}/reopen", json={"reason": "可以辨认"}).json()["status"] == (
        "needs_review"
    )
    assert reviewer.post(f"{base}/reopen", json={"reason": "再看"}).status_code == 409
    assert reviewer.post(f"/api/v1/pages/{site.failed}/confirm").status_code == 409
    assert [e["detail"] for e in audit(site, "page_rejected")] == [
        {"page_id": site.card, "reason": "不是本市的卡"}
    ]
    assert len(audit(site, "page_confirmed")) == 1
    assert [e["detail"]["reason"] for e in audit(site, "page_reopened")] == [
        "可以辨认",
        "日期看错了",
    ]


def test_a_reviewer_links_a_card_to_a_member_and_contact(
    site: Installation, reviewer: TestClient
) -> None:
    member = site.members["JJ0003"]
    linked = reviewer.put(
        f"/api/v1/pages/{site.other}/link", json={"member_id": member, "contact_no": 2}
    )
    assert linked.status_code == 200, linked.text
    body = linked.json()
    assert (body["member_id"], body["contact_no"], body["link_source"]) == (member, 2, "reviewer")
    assert body["committee"] == "新桥镇"  # the member's: the page now belongs to that committee
    bad = reviewer.put(f"/api/v1/pages/{site.other}/link", json={"member_id": 9999})
    assert bad.status_code == 404
    assert [e["detail"] for e in audit(site, "page_linked")] == [
        {"page_id": site.other, "member_id": member, "contact_no": 2}
    ]


# --- who sees what -----------------------------------------------------------------------


def test_a_committee_reviewer_sees_and_changes_only_their_committees_pages(
    site: Installation,
) -> None:
    client = site.client("reviewer", committee="靖城街道")
    listed = client.get("/api/v1/pages").json()
    assert [p["id"] for p in listed["items"]] == [site.other]
    assert listed["total"] == 1
    assert client.get("/api/v1/pages", params={"committee": "新桥镇"}).json()["total"] == 0
    hidden = f"/api/v1/pages/{site.card}"
    for response in (
        client.get(hidden),
        client.get(f"{hidden}/image"),
        client.get(f"{hidden}/history"),
        put_field(client, site.card, "rows.1.manner", "visit"),
        client.post(f"{hidden}/confirm"),
        client.post(f"{hidden}/reject", json={"reason": "x"}),
        client.post(f"{hidden}/reopen", json={"reason": "x"}),
        client.put(f"{hidden}/link", json={"member_id": None}),
    ):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/pages/{site.other}").status_code == 200
    # Nor may it link its page to another committee's member.
    other_member = client.put(
        f"/api/v1/pages/{site.other}/link", json={"member_id": site.members["JJ0001"]}
    )
    assert other_member.status_code == 404


def test_office_sees_phones_and_addresses_masked_reviewer_whole(
    site: Installation, reviewer: TestClient
) -> None:
    put_field(reviewer, site.card, "contact_phone", "13912345678")
    office = site.client("office")
    card = fields(office, site.card)["contact_phone"]
    assert (card["value"], card["raw"]) == ("139****5678", "139****0012")
    form_r = fields(office, site.form_r)
    assert form_r["contacts.1.phone"]["value"] == "139****0011"
    assert form_r["contacts.1.phone"]["raw"] == "139****0011"
    assert form_r["contacts.1.address"]["value"] == "靖江市*****"
    assert form_r["contacts.1.address"]["raw"] == "靖江市*****"
    assert form_r["contacts.1.name"]["value"] == "王芳"  # names stay
    (edit,) = office.get(f"/api/v1/pages/{site.card}/history").json()
    assert (edit["old_value"], edit["new_value"]) == ("139****0012", "139****5678")
    whole = fields(reviewer, site.form_r)["contacts.1.address"]
    assert (whole["value"], whole["raw"]) == ("靖江市人民路1号", "靖江市人民路1号")
    assert fields(reviewer, site.card)["contact_phone"]["raw"] == CONTACT_PHONE
    # Office may look, but not review.
    assert put_field(office, site.card, "rows.1.manner", "visit").status_code == 403
    assert office.post(f"/api/v1/pages/{site.card}/confirm").status_code == 403


def test_a_clerk_may_not_see_pages(site: Installation) -> None:
    clerk = site.client("clerk")
    for path in (
        "/api/v1/pages",
        f"/api/v1/pages/{site.card}",
        f"/api/v1/pages/{site.card}/history",
    ):
        response = clerk.get(path)
        assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")


def test_pages_list_filters_and_orders_most_uncertain_first(
    site: Installation, reviewer: TestClient
) -> None:
    plain = reviewer.get("/api/v1/pages").json()["items"]
    assert [p["id"] for p in plain] == sorted(p["id"] for p in plain)
    assert all("image_path" not in p and "transform" not in p for p in plain)
    worst = reviewer.get("/api/v1/pages", params={"order": "uncertain"}).json()["items"]
    counts = [p["fields_to_review"] for p in worst]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    by_doubt = sorted(plain, key=lambda p: (-p["fields_to_review"], p["id"]))
    assert [p["id"] for p in worst] == [p["id"] for p in by_doubt]
    # A correction takes its field out of review, and the count follows.
    doubtful = fields(reviewer, site.other)
    (key, *_) = [k for k, f in doubtful.items() if f["needs_review"] and k.startswith("rows.")]
    put_field(reviewer, site.other, key, None)
    after = reviewer.get("/api/v1/pages", params={"order": "uncertain"}).json()["items"]
    count_of = {p["id"]: p["fields_to_review"] for p in after}
    assert (
        count_of[site.other]
        == next(p for p in worst if p["id"] == site.other)["fields_to_review"] - 1
    )
    in_review = reviewer.get("/api/v1/pages", params={"needs_review": True}).json()
    assert {p["id"] for p in in_review["items"]} == {
        p["id"] for p in plain if p["fields_to_review"]
    }
    settled = reviewer.get("/api/v1/pages", params={"needs_review": False}).json()
    assert settled["total"] + in_review["total"] == len(plain)
    mine = reviewer.get("/api/v1/pages", params={"member_id": site.members["JJ0001"]}).json()
    assert {p["id"] for p in mine["items"]} == {site.form_r, site.card}
    cards = reviewer.get("/api/v1/pages", params={"form": "service_card", "limit": 1}).json()
    assert (cards["total"], len(cards["items"])) == (2, 1)
    failed = reviewer.get("/api/v1/pages", params={"status": "failed"}).json()["items"]
    assert [p["id"] for p in failed] == [site.failed]
    assert reviewer.get("/api/v1/pages", params={"order": "worst"}).status_code == 422


def test_the_card_year_is_the_one_dates_are_checked_against(
    site: Installation, reviewer: TestClient
) -> None:
    assert fields(reviewer, site.card)["year"]["value"] == YEAR
    assert put_field(reviewer, site.card, "rows.2.date", f"{YEAR}.11.30").status_code == 200
    assert put_field(reviewer, site.card, "rows.2.date", f"{YEAR + 1}.1.2").status_code == 422
