"""Print downloads: PDFs for the office, a committee's own members only, audited."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from api.settings import Settings
from records.audit import AuditEvent
from records.db import make_engine, session_scope
from tests.conftest import TEST_PASSWORD, add_user
from tests.forms.print_data import CONTACTS, YEAR, setup_database


@pytest.fixture
def app(settings: Settings) -> Iterator[TestClient]:
    setup_database(settings)
    client = TestClient(create_app(settings))
    yield client
    client.close()


def _pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "download.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(next(line.split()[-1] for line in info.stdout.splitlines()
                    if line.startswith("Pages:")))


def test_office_downloads_cards_and_registration(app: TestClient, settings: Settings,
                                                 tmp_path: Path) -> None:
    headers = add_user(settings, "office1", "office")
    cards = app.get("/api/v1/print/cards.pdf", params={"year": YEAR}, headers=headers)
    assert cards.status_code == 200
    assert cards.headers["content-type"] == "application/pdf"
    assert "service-card-2027.pdf" in cards.headers["content-disposition"]
    assert _pages(cards.content, tmp_path) == sum(len(c) for c in CONTACTS.values())
    forms = app.get("/api/v1/print/registration.pdf", params={"year": YEAR}, headers=headers)
    assert forms.status_code == 200 and _pages(forms.content, tmp_path) == 3
    blank = app.get("/api/v1/print/cards.pdf", params={"year": YEAR, "blank": True},
                    headers=headers)
    assert blank.status_code == 200 and _pages(blank.content, tmp_path) == 1
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "print_forms")).all()
        assert [(e.actor, e.detail["form"], e.detail["blank"]) for e in events] == [
            ("office1", "service_card", False),
            ("office1", "registration", False),
            ("office1", "service_card", True),
        ]
    engine.dispose()


def test_committee_user_prints_only_their_committee(app: TestClient, settings: Settings,
                                                    tmp_path: Path) -> None:
    headers = add_user(settings, "office2", "office", committee="靖城街道")
    own = app.get("/api/v1/print/cards.pdf", params={"year": YEAR}, headers=headers)
    assert own.status_code == 200
    assert _pages(own.content, tmp_path) == len(CONTACTS["JJ0102"])
    other = app.get("/api/v1/print/cards.pdf", params={"year": YEAR, "committee": "新桥镇"},
                    headers=headers)
    assert other.status_code == 403
    assert "本工委" in other.json()["error"]["message"]


def test_refusals_name_the_fix(app: TestClient, settings: Settings) -> None:
    headers = add_user(settings, "admin1", "admin")
    none = app.get("/api/v1/print/cards.pdf", params={"year": 2031}, headers=headers)
    assert none.status_code == 404
    assert none.json()["error"]["code"] == "no_roster"
    nobody = app.get("/api/v1/print/cards.pdf", params={"year": YEAR, "member": "JJ0103"},
                     headers=headers)
    assert nobody.status_code == 404
    assert nobody.json()["error"]["code"] == "nothing_to_print"
    reviewer = add_user(settings, "reviewer1", "reviewer")
    assert app.get("/api/v1/print/cards.pdf", params={"year": YEAR},
                   headers=reviewer).status_code == 403


def test_roster_screen_links_the_downloads_for_the_office(settings: Settings) -> None:
    setup_database(settings)
    links = {}
    for role in ("office", "reviewer"):
        add_user(settings, f"{role}9", role)
        client = TestClient(create_app(settings))
        login = client.post("/api/v1/auth/login", json={"name": f"{role}9",
                                                        "password": TEST_PASSWORD})
        assert login.status_code == 200
        page = client.get("/roster", params={"year": YEAR})
        assert page.status_code == 200
        links[role] = f"/api/v1/print/cards.pdf?year={YEAR}" in page.text
        if role == "office":  # the link works with the screen's own sign-in
            pdf = client.get(f"/api/v1/print/cards.pdf?year={YEAR}&blank=true")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        client.close()
    assert links == {"office": True, "reviewer": False}
