"""Record downloads: CSV with BOM and JSONL, masked without personal-data access, scoped to
a user's committee, filtered, and audited (the CLI export too)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import Settings
from ocr.recognize import FieldReading
from records import crud
from records.audit import AuditEvent
from records.db import init_db, make_engine, session_scope
from records.models import PageStatus
from tests.conftest import add_user

REGISTRATION = {
    "member_name": "王委员",
    "member_phone": "13912345678",
    "committee": "新桥镇",
    "contacts.1.name": "张三",
    "contacts.1.phone": "13800001111",
    "contacts.1.address": "新桥镇东街5号",
}
SERVICE_CARD: dict[str, Any] = {
    "year": 2025,
    "member_name": "李委员",
    "member_phone": "13700002222",
    "contact_phone": "13600003333",
    "rows.1.date": "2025-03-01",
    "rows.1.manner": "visit",
    "rows.1.content": "了解生产情况",
    "rows.1.signed": True,
}
FULL_PHONES = ("13912345678", "13800001111", "13700002222", "13600003333")


def add_page(
    session: Session,
    *,
    batch_id: int,
    name: str,
    form: str,
    values: dict[str, Any],
    committee: str,
    year: int,
    status: PageStatus,
) -> None:
    source = crud.add_source_file(
        session,
        batch_id=batch_id,
        original_name=name,
        sha256=name.ljust(64, "0")[:64],
        size=1,
        kind="png",
        status="ingested",
        pages=1,
        stored_path=None,
    )
    assert source.id is not None
    readings = {
        key: FieldReading(value, str(value), 0.9, 0.9, False, "test")
        for key, value in values.items()
    }
    page = crud.record_page(
        session,
        batch_id=batch_id,
        file_id=source.id,
        page_no=1,
        status=status,
        form=form,
        rotation=0,
        image_path=None,
        width=10,
        height=10,
        transform=None,
        notes=(),
        error=None,
        boxes={key: (0, 0, 1, 1) for key in values},
        readings=readings,
    )
    page.committee, page.year = committee, year
    session.add(page)


@pytest.fixture
def app_with_pages(settings: Settings) -> Any:
    """Two pages: a registration table of 新桥镇 (2026, in review) and a service card of
    斜桥镇 (2025, confirmed)."""
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        batch = crud.create_batch(session, name="b")
        assert batch.id is not None
        add_page(
            session,
            batch_id=batch.id,
            name="r.png",
            form="registration",
            values=REGISTRATION,
            committee="新桥镇",
            year=2026,
            status=PageStatus.needs_review,
        )
        add_page(
            session,
            batch_id=batch.id,
            name="s.png",
            form="service_card",
            values=SERVICE_CARD,
            committee="斜桥镇",
            year=2025,
            status=PageStatus.confirmed,
        )
    engine.dispose()
    return create_app(settings)


@pytest.fixture
def client_as(settings: Settings, app_with_pages: Any) -> Iterator[Any]:
    clients: list[TestClient] = []

    def make(name: str, role: str, committee: str | None = None) -> TestClient:
        headers = add_user(settings, name, role, committee=committee)
        client = TestClient(app_with_pages, headers=headers)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def csv_rows(body: bytes) -> list[dict[str, str]]:
    text = body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def jsonl(body: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.splitlines()]


def test_office_gets_a_bom_csv_with_phones_and_addresses_masked(client_as: Any) -> None:
    got = client_as("office1", "office").get("/api/v1/exports/records.csv")
    assert got.status_code == 200
    assert got.content.startswith(b"\xef\xbb\xbf")
    assert got.headers["content-type"].startswith("text/csv")
    assert got.headers["content-disposition"] == 'attachment; filename="records.csv"'
    rows = {row["字段 field"]: row for row in csv_rows(got.content)}
    assert rows["contacts.1.phone"]["值 value"] == "138****1111"
    assert rows["contacts.1.phone"]["识别原文 raw"] == "138****1111"
    assert rows["contacts.1.address"]["值 value"] == "新桥镇****"
    assert rows["contacts.1.name"]["值 value"] == "张三"  # names stay (the office works with them)
    assert rows["rows.1.date"]["值 value"] == "2025-03-01"
    text = got.content.decode("utf-8-sig")
    assert not any(phone in text for phone in FULL_PHONES)
    assert "东街5号" not in text


def test_admin_sees_personal_data_whole(client_as: Any) -> None:
    got = client_as("admin1", "admin").get("/api/v1/exports/records.jsonl")
    assert got.status_code == 200
    records = {r["form"]: r for r in jsonl(got.text)}
    contact = records["registration"]["contacts"][0]
    assert contact["phone"]["value"] == contact["phone"]["raw"] == "13800001111"
    assert contact["address"]["value"] == "新桥镇东街5号"
    assert records["service_card"]["fields"]["member_phone"]["value"] == "13700002222"
    office = client_as("office1", "office").get("/api/v1/exports/records.jsonl").text
    masked = {r["form"]: r for r in jsonl(office)}
    assert masked["service_card"]["fields"]["member_phone"]["value"] == "137****2222"
    assert masked["service_card"]["rows"][0]["content"]["value"] == "了解生产情况"


def test_a_committee_user_gets_only_their_committees_pages(client_as: Any) -> None:
    client = client_as("office2", "office", committee="新桥镇")
    records = jsonl(client.get("/api/v1/exports/records.jsonl").text)
    assert [r["form"] for r in records] == ["registration"]
    rows = csv_rows(client.get("/api/v1/exports/records.csv").content)
    assert {row["文件 file"] for row in rows} == {"r.png"}
    other = client.get("/api/v1/exports/records.csv", params={"committee": "斜桥镇"})
    assert other.status_code == 403


def test_filters(client_as: Any) -> None:
    admin = client_as("admin1", "admin")

    def forms(**params: Any) -> list[str]:
        got = admin.get("/api/v1/exports/records.jsonl", params=params)
        assert got.status_code == 200
        return [r["form"] for r in jsonl(got.text)]

    assert forms(status="confirmed") == ["service_card"]
    assert forms(year=2026) == ["registration"]
    assert forms(committee="斜桥镇") == ["service_card"]
    assert forms(batch_id=999) == []
    assert sorted(forms()) == ["registration", "service_card"]


def test_export_is_audited_with_its_filter(client_as: Any) -> None:
    office = client_as("office2", "office", committee="新桥镇")
    assert office.get("/api/v1/exports/records.csv", params={"status": "needs_review"}).is_success
    admin = client_as("admin1", "admin")
    (event,) = admin.get("/api/v1/audit", params={"action": "export"}).json()["items"]
    assert event["actor"] == "office2"
    assert event["detail"] == {
        "format": "csv",
        "filters": {"status": "needs_review", "committee": "新桥镇"},
        "pages": 1,
        "masked": True,
    }


def test_clerk_and_reviewer_may_not_export(client_as: Any) -> None:
    for role in ("clerk", "reviewer"):
        client = client_as(f"{role}1", role)
        assert client.get("/api/v1/exports/records.csv").status_code == 403
        assert client.get("/api/v1/exports/records.jsonl").status_code == 403


def test_cli_export_is_audited(settings: Settings, app_with_pages: Any, tmp_path: Path) -> None:
    out = tmp_path / "records.csv"
    result = CliRunner().invoke(cli, ["export", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all()
        assert event.actor == "cli"
        assert event.detail == {"format": "csv", "filters": {}, "pages": 2, "masked": False}
    engine.dispose()
