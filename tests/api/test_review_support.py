"""What the review screen asks besides the page: cell crops, suggestions, validation as one
types, claims between reviewers, the next page, and the version check on every change."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from api.app import create_app
from api.routes.review_support import CROP_MARGIN, MIN_CROP_MARGIN
from api.settings import Settings
from records.claims import CLAIM_LIFETIME
from records.db import init_db, make_engine, session_scope
from records.linking import link_pages
from records.models import Field, Page, utcnow
from tests.conftest import add_user
from tests.records.linking_data import Scans, add_roster, registration, service_card

BOX = (50, 40, 120, 30)  # x, y, w, h of the card's rows.1.date cell
STALE = "此卡片已被他人修改，请刷新后再改。"


@dataclass
class Site:
    settings: Settings
    card: int  # 孟波春's card for 陈静 (contact 2), with a page image
    other: int  # 张伟's card, 靖城街道
    image: np.ndarray
    clients: dict[str, TestClient] = field(default_factory=dict)

    def client(self, name: str, role: str = "reviewer") -> TestClient:
        if name not in self.clients:
            headers = add_user(self.settings, name, role)
            self.clients[name] = TestClient(create_app(self.settings), headers=headers)
        return self.clients[name]


@pytest.fixture
def site(settings: Settings) -> Site:
    image = (np.arange(300 * 200) % 251).astype(np.uint8).reshape(200, 300)
    (settings.data_dir / "pages").mkdir(parents=True, exist_ok=True)
    Image.fromarray(image).save(settings.data_dir / "pages" / "card.png")
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        add_roster(session)
        scans = Scans(session)
        scans.page("registration", registration())
        card = scans.page("service_card", {**service_card(), "rows.1.date": "5.8"})
        other = scans.page("service_card", {**service_card("张伟", "赵敏"), "committee": "靖城"})
        card.image_path = "pages/card.png"
        date = session.exec(
            select(Field).where(Field.page_id == card.id, Field.key == "rows.1.date")
        ).one()
        date.bbox = list(BOX)
        session.add_all([card, date])
        link_pages(session, session.exec(select(Page)).all())
        session.flush()
        ids = (card.id or 0, other.id or 0)
    engine.dispose()
    return Site(settings, *ids, image)


def version(client: TestClient, page_id: int) -> int:
    number: int = client.get(f"/api/v1/pages/{page_id}").json()["version"]
    return number


# --- crops -------------------------------------------------------------------------------


def test_the_crop_is_the_cell_with_a_small_margin_as_png(site: Site) -> None:
    reviewer = site.client("甲")
    response = reviewer.get(f"/api/v1/pages/{site.card}/fields/rows.1.date/crop.png")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    x, y, w, h = BOX
    m = max(MIN_CROP_MARGIN, round(CROP_MARGIN * min(w, h)))
    crop = np.asarray(Image.open(io.BytesIO(response.content)))
    assert crop.shape == (h + 2 * m, w + 2 * m)
    assert np.array_equal(crop, site.image[y - m : y + h + m, x - m : x + w + m])


def test_a_crop_needs_a_box_a_known_field_and_an_image(site: Site) -> None:
    reviewer = site.client("甲")
    base = f"/api/v1/pages/{site.card}/fields"
    for key, code in (("contacts.1.name", "unknown_field"), ("rows.8.content", "no_box")):
        response = reviewer.get(f"{base}/{key}/crop.png")
        assert (response.status_code, response.json()["error"]["code"]) == (404, code)
    no_image = reviewer.get(f"/api/v1/pages/{site.other}/fields/member_name/crop.png")
    assert no_image.status_code == 404


# --- suggestions -------------------------------------------------------------------------


def suggest(client: TestClient, page_id: int, key: str, q: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/pages/{page_id}/suggest/{key}", params={"q": q})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


@pytest.mark.parametrize("q", ["mbc", "MB", "meng", "孟", "孟波春", "孟春"])
def test_member_names_are_found_by_pinyin_initials_or_characters(site: Site, q: str) -> None:
    (first, *_) = suggest(site.client("甲"), site.card, "member_name", q)
    assert (first["value"], first["detail"]) == ("孟波春", "JJ0001 · 民革 · 新桥镇")
    assert first["member_id"] is not None and first["score"] > 0.5


def test_with_nothing_typed_the_member_the_page_names_comes_first(site: Site) -> None:
    names = [s["value"] for s in suggest(site.client("甲"), site.other, "member_name", "")]
    assert names[0] == "张伟" and set(names) == {"张伟", "孟波春", "李华"}
    assert suggest(site.client("甲"), site.card, "member_name", "xyz") == []


def test_contact_names_come_from_the_members_registration_table(site: Site) -> None:
    first = suggest(site.client("甲"), site.card, "contact_name", "cj")[0]
    assert (first["value"], first["contact_no"], first["phone"]) == ("陈静", 2, "13900000012")
    assert [s["value"] for s in suggest(site.client("甲"), site.card, "contact_name", "")] == [
        "陈静",
        "王芳",
        "刘洋",
    ]
    masked = suggest(site.client("办公室", "office"), site.card, "contact_name", "陈")
    assert masked[0]["phone"] == "139****0012"


def test_sector_and_committee_come_from_the_vocabulary(site: Site) -> None:
    reviewer = site.client("甲")
    assert suggest(reviewer, site.card, "sector", "mg")[0]["value"] == "民革"
    assert suggest(reviewer, site.card, "sector", "九三")[0]["value"] == "九三学社"
    assert suggest(reviewer, site.card, "committee", "xq")[0]["value"] == "新桥镇"
    assert suggest(reviewer, site.card, "committee", "工业园区")[0]["value"] == "江阴-靖江工业园区"
    assert suggest(reviewer, site.card, "rows.1.date", "5") == []
    unknown = reviewer.get(f"/api/v1/pages/{site.card}/suggest/contacts.1.name")
    assert unknown.status_code == 404


# --- validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "typed", "ok", "value"),
    [
        ("rows.1.date", "5.3", True, "2026-05-03"),
        ("rows.1.date", "2026年5月3日", True, "2026-05-03"),
        ("rows.1.date", "2025-05-03", False, None),
        ("rows.1.date", "昨天", False, None),
        ("contact_phone", "139 1234 5678", True, "13912345678"),
        ("member_phone", "84812345", True, "0523-84812345"),
        ("member_phone", "12345", False, None),
        ("rows.1.manner", "visit", True, "visit"),
        ("rows.1.signed", True, True, True),
        ("sector", "民革", True, "民革"),
        ("rows.1.date", "", True, None),
    ],
)
def test_validate_normalizes_without_writing(
    site: Site, key: str, typed: Any, ok: bool, value: Any
) -> None:
    reviewer = site.client("甲")
    response = reviewer.post(f"/api/v1/pages/{site.card}/validate/{key}", json={"value": typed})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["ok"], body["value"]) == (ok, value)
    assert (body["message"] is None) == ok
    assert reviewer.get(f"/api/v1/pages/{site.card}/history").json() == []


# --- claims and the next page ------------------------------------------------------------


def test_a_page_claimed_by_one_reviewer_is_refused_to_another_by_name(site: Site) -> None:
    first, second = site.client("甲"), site.client("乙")
    claim = f"/api/v1/pages/{site.card}/claim"
    held = first.post(claim)
    assert held.status_code == 200, held.text
    assert held.json()["user_name"] == "甲"
    refused = second.post(claim)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "claimed" and "甲" in error["message"]
    assert first.post(claim).status_code == 200  # renewing one's own claim
    assert second.delete(claim).status_code == 204  # not theirs: nothing happens
    assert second.post(claim).status_code == 409
    assert first.delete(claim).status_code == 204
    assert second.post(claim).json()["user_name"] == "乙"


def test_a_claim_lapses_after_its_lifetime(site: Site) -> None:
    claim = f"/api/v1/pages/{site.card}/claim"
    assert site.client("甲").post(claim).status_code == 200
    engine = make_engine(site.settings.database_url)
    with session_scope(engine) as session:
        page = session.get_one(Page, site.card)
        page.claimed_at = utcnow() - CLAIM_LIFETIME - timedelta(seconds=1)
        session.add(page)
    engine.dispose()
    assert site.client("乙").post(claim).status_code == 200


def test_next_skips_this_page_and_pages_others_hold(site: Site) -> None:
    first, second = site.client("甲"), site.client("乙")
    nxt = first.get(f"/api/v1/pages/{site.card}/next").json()["page_id"]
    assert nxt is not None and nxt != site.card
    assert second.post(f"/api/v1/pages/{nxt}/claim").status_code == 200
    after = first.get(f"/api/v1/pages/{site.card}/next").json()["page_id"]
    assert after not in (site.card, nxt)


# --- the version check -------------------------------------------------------------------


def test_a_change_made_on_an_old_version_is_refused_as_stale(site: Site) -> None:
    first, second = site.client("甲"), site.client("乙")
    base = f"/api/v1/pages/{site.card}"
    seen = version(first, site.card)
    assert version(second, site.card) == seen
    saved = first.put(
        f"{base}/fields/rows.1.date", json={"value": "5.3"}, headers={"If-Match": f'"{seen}"'}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["page_version"] == seen + 1
    stale = second.put(
        f"{base}/fields/rows.1.date", json={"value": "5.4"}, headers={"If-Match": str(seen)}
    )
    assert stale.status_code == 409
    assert stale.json()["error"] == {
        "code": "stale_write",
        "message": STALE,
        "message_en": stale.json()["error"]["message_en"],
    }
    history = first.get(f"{base}/history").json()
    assert [h["new_value"] for h in history] == ["2026-05-03"]
    for refused in (
        second.post(f"{base}/confirm", headers={"If-Match": str(seen)}),
        second.post(f"{base}/reject", json={"reason": "x"}, headers={"If-Match": str(seen)}),
        second.put(f"{base}/link", json={"member_id": None}, headers={"If-Match": str(seen)}),
    ):
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "stale_write")
    confirmed = second.post(f"{base}/confirm", headers={"If-Match": f'W/"{seen + 1}"'})
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["version"]) == ("confirmed", seen + 2)
    reopen = second.post(
        f"{base}/reopen", json={"reason": "日期再核"}, headers={"If-Match": str(seen + 1)}
    )
    assert reopen.json()["error"]["code"] == "stale_write"
    assert second.post(f"{base}/reopen", json={"reason": "日期再核"}).status_code == 200


def test_a_malformed_if_match_is_422(site: Site) -> None:
    response = site.client("甲").post(
        f"/api/v1/pages/{site.card}/confirm", headers={"If-Match": "abc"}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (422, "invalid_input")
    assert version(site.client("甲"), site.card) == 0
