"""Review over many pages at once: the values checked in the field grid are accepted in one
request, and every page left with nothing to check is confirmed from the queue — never a
page that is unlinked, a possible re-scan, or open in another reviewer's hands."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from records.accounts import User
from records.claims import claim_page
from records.db import make_engine, session_scope
from records.models import Page
from tests.api.test_pages_review import Installation, audit, fields, put_field
from tests.conftest import add_user

pytest_plugins = ["tests.api.test_pages_review"]
CHECKED = "/api/v1/review/checked"


def uncertain(client: TestClient, page_id: int) -> list[str]:
    return [k for k, f in fields(client, page_id).items() if f["needs_review"]]


def accept(client: TestClient, page_id: int, keys: list[str]) -> Any:
    cells = [{"page_id": page_id, "key": k} for k in keys]
    response = client.post("/api/v1/review/accept-fields", json={"cells": cells})
    assert response.status_code == 200, response.text
    return response.json()


def test_accepting_checked_values_then_confirming_the_checked_pages(
    site: Installation, reviewer: TestClient
) -> None:
    keys = uncertain(reviewer, site.card)
    assert keys, "the fixture's card has an uncertain field"
    before = {k: fields(reviewer, site.card)[k]["value"] for k in keys}
    assert site.card not in reviewer.get(CHECKED).json()["done"]

    accepted = accept(reviewer, site.card, keys)
    assert accepted["done"] == [site.card] * len(keys) and accepted["skipped"] == {}
    after = fields(reviewer, site.card)
    # Accepted as they stood, normalized as if typed: "5.8" is read in the card's year.
    stood = {k: "2026-05-08" if before[k] == "5.8" else before[k] for k in keys}
    assert {k: after[k]["value"] for k in keys} == stood
    assert not any(after[k]["needs_review"] for k in keys)
    assert {after[k]["engine"] for k in keys} == {"reviewer"}
    history = reviewer.get(f"/api/v1/pages/{site.card}/history").json()
    assert [(h["key"], h["old_value"], h["new_value"]) for h in history] == [
        (k, before[k], stood[k]) for k in keys
    ]
    assert accept(reviewer, site.card, keys)["done"] == []  # already accepted: nothing to do

    preview = reviewer.get(CHECKED).json()
    assert site.card in preview["done"] and site.other not in preview["done"]
    done = reviewer.post("/api/v1/review/confirm-checked", json={}).json()
    assert done["done"] == preview["done"]
    assert reviewer.get(f"/api/v1/pages/{site.card}").json()["status"] == "confirmed"
    assert reviewer.get(f"/api/v1/pages/{site.other}").json()["status"] == "needs_review"
    confirmed = {e["detail"]["page_id"] for e in audit(site, "page_confirmed")}
    assert confirmed == set(done["done"])
    assert reviewer.post("/api/v1/review/confirm-checked", json={}).json()["done"] == []


def test_pages_held_back_are_named_with_the_reason(
    site: Installation, reviewer: TestClient
) -> None:
    accept(reviewer, site.card, uncertain(reviewer, site.card))
    engine = make_engine(site.settings.database_url)
    add_user(site.settings, "someone-else", "reviewer")
    with session_scope(engine) as session:
        page = session.get(Page, site.card)
        assert page is not None
        other = session.exec(select(User).where(User.name == "someone-else")).one()
        claim_page(session, page=page, user=other)
    preview = reviewer.get(CHECKED).json()
    assert site.card in preview["skipped"]["held"] and site.card not in preview["done"]
    assert preview["reasons"]["held"] == "正由其他审核员打开"
    result = reviewer.post("/api/v1/review/confirm-checked", json={}).json()
    assert site.card in result["skipped"]["held"]
    assert reviewer.get(f"/api/v1/pages/{site.card}").json()["status"] == "needs_review"

    with session_scope(engine) as session:
        page = session.get(Page, site.card)
        assert page is not None
        page.claimed_by, page.claimed_at = None, None
        page.notes = [*page.notes, f"possible_duplicate:{site.other}"]
        session.add(page)
    assert site.card in reviewer.get(CHECKED).json()["skipped"]["possible_duplicate"]

    with session_scope(engine) as session:
        page = session.get(Page, site.card)
        assert page is not None
        page.notes, page.contact_no = [], None
        session.add(page)
    assert site.card in reviewer.get(CHECKED).json()["skipped"]["not_linked"]
    engine.dispose()


def test_filters_committees_and_roles_limit_what_is_touched(
    site: Installation, reviewer: TestClient
) -> None:
    for page_id in (site.card, site.other, site.form_r):
        keys = uncertain(reviewer, page_id)
        for key in keys:  # values a person entered: nothing left to check
            value = fields(reviewer, page_id)[key]["value"]
            if put_field(reviewer, page_id, key, value).status_code != 200:
                put_field(reviewer, page_id, key, None)
    other_committee = site.client("reviewer", committee="靖城街道")
    # Cells of another committee's page are not touched (as if they did not exist).
    assert accept(other_committee, site.card, ["rows.1.date"])["skipped"] == {
        "not_in_review": [site.card]
    }
    scoped = other_committee.get(CHECKED).json()
    assert set(scoped["done"]) <= {site.other}
    cards_only = reviewer.get(CHECKED, params={"form": "registration"}).json()
    assert site.card not in cards_only["done"]
    viewer = site.client("office")  # sees the numbers, does not review
    assert viewer.post("/api/v1/review/confirm-checked", json={}).status_code == 403
    assert viewer.get(CHECKED).status_code == 403
    assert other_committee.post("/api/v1/review/confirm-checked", json={}).status_code == 200
    assert reviewer.get(f"/api/v1/pages/{site.card}").json()["status"] == "needs_review"


