"""A page recognition could not classify is declared a form by a reviewer, then typed in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from api.settings import Settings
from forms.spec import field_keys
from records.audit import AuditEvent
from records.db import init_db, make_engine, session_scope
from records.models import Field, PageStatus
from tests.conftest import add_user
from tests.records.linking_data import Scans, add_roster, service_card


def _pages(settings: Settings) -> tuple[int, int]:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        add_roster(session)
        scans = Scans(session)
        unknown = scans.page("unknown", {})
        card = scans.page("service_card", service_card())
        ids = (unknown.id or 0, card.id or 0)
    engine.dispose()
    return ids


def test_an_unknown_page_becomes_a_card_with_empty_fields_to_type(settings: Settings) -> None:
    unknown, _ = _pages(settings)
    client = TestClient(create_app(settings), headers=add_user(settings, "r", "reviewer"))
    version = client.get(f"/api/v1/pages/{unknown}").json()["version"]
    r = client.put(
        f"/api/v1/pages/{unknown}/form",
        json={"form": "service_card"},
        headers={"If-Match": str(version)},
    )
    assert r.status_code == 200, r.text
    detail = r.json()
    assert detail["form"] == "service_card" and detail["version"] == version + 1
    assert [f["key"] for f in detail["fields"]] == field_keys("service_card")
    assert all(f["value"] is None and f["needs_review"] for f in detail["fields"])
    # The typed values are checked like any correction, and the card can be confirmed.
    r = client.put(f"/api/v1/pages/{unknown}/fields/rows.1.date", json={"value": "2026-05-08"})
    assert r.status_code == 200 and r.json()["value"] == "2026-05-08"
    assert client.post(f"/api/v1/pages/{unknown}/confirm").json()["status"] == "confirmed"
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        keys = session.exec(select(Field.key).where(Field.page_id == unknown)).all()
        assert len(keys) == len(set(keys)) == len(field_keys("service_card"))
        events = session.exec(
            select(AuditEvent.action).where(AuditEvent.target_id == unknown)
        ).all()
        assert "page_form_set" in events
    engine.dispose()


def test_a_page_read_as_a_form_or_already_confirmed_keeps_its_form(settings: Settings) -> None:
    unknown, card = _pages(settings)
    client = TestClient(create_app(settings), headers=add_user(settings, "r", "reviewer"))
    r = client.put(f"/api/v1/pages/{card}/form", json={"form": "registration"})
    assert r.status_code == 409 and "退回" in r.json()["error"]["message"]
    r = client.put(f"/api/v1/pages/{unknown}/form", json={"form": "blank"})
    assert r.status_code == 422
    stale = client.put(
        f"/api/v1/pages/{unknown}/form", json={"form": "registration"}, headers={"If-Match": "7"}
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_write"
    office = TestClient(create_app(settings), headers=add_user(settings, "o", "office"))
    assert (
        office.put(f"/api/v1/pages/{unknown}/form", json={"form": "registration"}).status_code
        == 403
    )
    assert client.get(f"/api/v1/pages/{unknown}").json()["status"] == PageStatus.needs_review


def test_correcting_the_year_rereads_dates_written_without_one(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        add_roster(session)
        cells = {
            **service_card(),
            "year": "2025",
            "rows.1.date": "5.8",
            "rows.2.date": "2025-07-03",
            "rows.3.date": "9.12",
        }
        card = Scans(session).page("service_card", cells).id
    engine.dispose()
    client = TestClient(create_app(settings), headers=add_user(settings, "r", "reviewer"))
    own = client.put(f"/api/v1/pages/{card}/fields/rows.3.date", json={"value": "2025-09-13"})
    assert own.status_code == 200, own.text
    assert client.put(f"/api/v1/pages/{card}/fields/year", json={"value": 2026}).status_code == 200
    values = {f["key"]: f["value"] for f in client.get(f"/api/v1/pages/{card}").json()["fields"]}
    assert values["rows.1.date"] == "2026-05-08"  # read again in the corrected year
    assert values["rows.2.date"] == "2025-07-03"  # written with its year: as written
    assert values["rows.3.date"] == "2025-09-13"  # the reviewer's own value stays
    history = client.get(f"/api/v1/pages/{card}/history").json()
    assert [(h["key"], h["old_value"], h["new_value"]) for h in history][-2:] == [
        ("year", 2025, 2026),
        ("rows.1.date", "5.8", "2026-05-08"),
    ]
