"""The JSON API and the review page list what was ingested, from this installation only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import Settings
from tests.conftest import Scans, add_user
from tests.db.servers import use_another_installation


@pytest.fixture
def client(settings: Settings, scans: Scans) -> Iterator[TestClient]:
    """A client signed in as an admin (bearer token) over an ingested batch."""
    assert CliRunner().invoke(cli, ["ingest", str(scans.folder)]).exit_code == 0
    headers = add_user(settings, "admin1", "admin")
    with TestClient(create_app(settings), headers=headers) as test_client:
        yield test_client


def test_health(client: TestClient) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_batches_are_listed(client: TestClient) -> None:
    body = client.get("/api/v1/batches").json()
    assert body["total"] == 1
    (batch,) = body["items"]
    assert batch["status"] == "done"
    assert batch["files_ingested"] == 4
    assert batch["pages_total"] == 7
    assert "stored_path" not in batch


def test_pages_are_listed_and_paginated(client: TestClient, scans: Scans) -> None:
    body = client.get("/api/v1/pages", params={"limit": 5}).json()
    assert body["total"] == sum(scans.pages.values())
    assert len(body["items"]) == 5
    rest = client.get("/api/v1/pages", params={"offset": 5, "limit": 5}).json()["items"]
    pages = body["items"] + rest
    assert {(p["file_name"], p["page_no"]) for p in pages} == {
        (name, n) for name, count in scans.pages.items() for n in range(1, count + 1)
    }
    assert all("image_path" not in p for p in pages)
    assert client.get("/api/v1/pages", params={"form": "service_card"}).json()["total"] == 0


def test_page_detail_and_image(client: TestClient) -> None:
    page = client.get("/api/v1/pages").json()["items"][0]
    detail = client.get(f"/api/v1/pages/{page['id']}").json()
    assert detail["fields"] == []
    image = client.get(f"/api/v1/pages/{page['id']}/image")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


def test_unknown_page_is_404(client: TestClient) -> None:
    assert client.get("/api/v1/pages/9999").status_code == 404
    assert client.get("/api/v1/pages/9999/image").status_code == 404
    assert client.get("/pages/9999").status_code == 404


def test_review_pages_render_in_chinese(client: TestClient) -> None:
    index = client.get("/")
    assert index.status_code == 200
    assert "扫描批次" in index.text and "card-single.png" in index.text
    page_id = client.get("/api/v1/pages").json()["items"][0]["id"]
    view = client.get(f"/pages/{page_id}")
    assert view.status_code == 200
    assert f"/api/v1/pages/{page_id}/image" in view.text


def test_another_data_dir_sees_nothing(
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    request: pytest.FixtureRequest,
) -> None:
    use_another_installation(monkeypatch, request, settings.data_dir.parent / "elsewhere")
    elsewhere = Settings()
    # The first installation's token means nothing here.
    with TestClient(create_app(elsewhere), headers=dict(client.headers)) as stranger:
        assert stranger.get("/api/v1/pages").status_code == 401
    headers = add_user(elsewhere, "admin2", "admin")
    with TestClient(create_app(elsewhere), headers=headers) as other:
        assert other.get("/api/v1/pages").json()["total"] == 0
        assert other.get("/api/v1/batches").json()["items"] == []
