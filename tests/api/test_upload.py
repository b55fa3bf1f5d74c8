"""Uploading scans over HTTP: streamed to disk within limits, ingested in the background."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.conftest import BAD_FILE_CODES, BAD_FILES_DIR, TEST_PASSWORD, Scans, add_user

POLL_LIMIT_S = 60.0
Files = list[tuple[str, tuple[str, bytes, str]]]


def as_files(named: dict[str, bytes]) -> Files:
    return [("files", (name, data, "application/octet-stream")) for name, data in named.items()]


def scan_files(scans: Scans) -> dict[str, bytes]:
    return {name: scans.path(name).read_bytes() for name in scans.pages}


def wait_until_done(client: TestClient, batch_id: int) -> dict[str, Any]:
    """Poll the batch until it leaves `running` (bounded)."""
    deadline = time.monotonic() + POLL_LIMIT_S
    while True:
        batch: dict[str, Any] = client.get(f"/api/v1/batches/{batch_id}").json()
        if batch["status"] != "running":
            return batch
        assert time.monotonic() < deadline, f"batch {batch_id} still running: {batch}"
        time.sleep(0.2)


def leftovers(settings: Settings) -> list[Path]:
    uploads = settings.data_dir / "uploads"
    return sorted(uploads.rglob("*")) if uploads.exists() else []


def wait_for_cleanup(settings: Settings) -> list[Path]:
    """The uploaded copies go right after the batch is marked done (bounded wait)."""
    deadline = time.monotonic() + 10
    while (left := leftovers(settings)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture
def clerk(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=add_user(settings, "clerk1", "clerk")) as c:
        yield c


def test_good_scans_are_ingested_under_their_own_names(
    settings: Settings, scans: Scans, clerk: TestClient
) -> None:
    named = scan_files(scans)
    named["服务卡 第1张.png"] = named["card-single.png"]  # same content: a duplicate
    sent = clerk.post(
        "/api/v1/batches",
        files=as_files(named),
        data={"received_date": "2026-12-01", "name": "十二月 第一批"},
    )
    assert sent.status_code == 202, sent.text
    accepted = sent.json()
    assert accepted["files"] == 5
    assert accepted["bytes"] == sum(len(b) for b in named.values())
    batch_id = accepted["batch_id"]
    assert clerk.get(f"/api/v1/batches/{batch_id}").status_code == 200  # exists at once

    batch = wait_until_done(clerk, batch_id)
    assert batch["status"] == "done"
    assert batch["name"] == "十二月 第一批" and batch["received_date"] == "2026-12-01"
    assert (batch["files_ingested"], batch["files_duplicate"], batch["files_failed"]) == (4, 1, 0)
    assert batch["pages_done"] == batch["pages_total"] == sum(scans.pages.values())

    files = clerk.get(f"/api/v1/batches/{batch_id}/files").json()
    assert files["total"] == 5
    shown = {f["original_name"]: f for f in files["items"]}
    assert set(shown) == set(named)
    for name, pages in scans.pages.items():
        assert (shown[name]["status"], shown[name]["pages"]) == ("ingested", pages)
    assert shown["服务卡 第1张.png"]["status"] == "duplicate"
    assert all("stored_path" not in f for f in files["items"])
    assert wait_for_cleanup(settings) == []  # the uploaded copies go once ingested

    admin = add_user(settings, "admin1", "admin")
    pages = clerk.get("/api/v1/pages", headers=admin, params={"limit": 50}).json()["items"]
    assert {p["file_name"] for p in pages} == set(scans.pages)
    (event,) = clerk.get("/api/v1/audit", headers=admin, params={"action": "upload"}).json()[
        "items"
    ]
    assert event["actor"] == "clerk1"
    assert event["detail"] == {"batch_id": batch_id, "files": 5, "bytes": accepted["bytes"]}


def test_bad_file_fails_with_its_code_while_the_rest_ingests(
    settings: Settings, scans: Scans, clerk: TestClient
) -> None:
    named = scan_files(scans)
    named.update({name: (BAD_FILES_DIR / name).read_bytes() for name in BAD_FILE_CODES})
    sent = clerk.post("/api/v1/batches", files=as_files(named))
    assert sent.status_code == 202, sent.text
    batch = wait_until_done(clerk, sent.json()["batch_id"])
    assert batch["status"] == "done"
    files = clerk.get(f"/api/v1/batches/{batch['id']}/files").json()["items"]
    shown = {f["original_name"]: f for f in files}
    for name, code in BAD_FILE_CODES.items():
        assert (shown[name]["status"], shown[name]["error_code"]) == ("failed", code)
        assert shown[name]["error_message"].startswith(f"{name}: ")  # the user's name, not n.upload
    for name, pages in scans.pages.items():
        assert (shown[name]["status"], shown[name]["pages"]) == ("ingested", pages)
    assert batch["pages_done"] == sum(scans.pages.values())


def limited(monkeypatch: pytest.MonkeyPatch, **limits: int) -> Settings:
    for name, value in limits.items():
        monkeypatch.setenv(f"CARDSCAN_{name.upper()}", str(value))
    return Settings()


def test_file_over_the_limit_is_refused_and_nothing_stays(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = limited(monkeypatch, max_file_mb=1)
    with TestClient(create_app(small), headers=add_user(small, "clerk1", "clerk")) as client:
        named = {"a.png": b"\x89PNG" + b"0" * 1000, "big scan.pdf": b"%PDF-" + b"0" * 1_100_000}
        refused = client.post("/api/v1/batches", files=as_files(named))
        assert refused.status_code == 413
        error = refused.json()["error"]
        assert error["code"] == "file_too_large"
        assert "big scan.pdf" in error["message"] and "1 MB" in error["message"]
        assert "big scan.pdf" in error["message_en"] and "1 MB" in error["message_en"]
        assert leftovers(small) == []
        assert client.get("/api/v1/batches").json()["total"] == 0


def test_batch_over_the_limit_is_refused_and_nothing_stays(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = limited(monkeypatch, max_batch_mb=1)
    with TestClient(create_app(small), headers=add_user(small, "clerk1", "clerk")) as client:
        named = {f"part{i}.pdf": b"%PDF-" + bytes(600_000) for i in range(2)}
        refused = client.post("/api/v1/batches", files=as_files(named))
        assert refused.status_code == 413
        assert refused.json()["error"]["code"] == "batch_too_large"
        assert "part1.pdf" in refused.json()["error"]["message"]
        # Far over the limit: refused from Content-Length before any byte is written.
        named = {f"part{i}.pdf": bytes(1_500_000) for i in range(2)}
        assert client.post("/api/v1/batches", files=as_files(named)).status_code == 413
        assert leftovers(small) == []
        assert client.get("/api/v1/batches").json()["total"] == 0


@pytest.mark.parametrize(("role", "status"), [("reviewer", 403), ("office", 403), (None, 401)])
def test_only_clerks_and_admins_upload(
    settings: Settings, scans: Scans, role: str | None, status: int
) -> None:
    headers = add_user(settings, f"{role}1", role) if role else {}
    with TestClient(create_app(settings), headers=headers) as client:
        sent = client.post("/api/v1/batches", files=as_files(scan_files(scans)))
        assert sent.status_code == status
    assert leftovers(settings) == []


def test_admin_uploads_too(settings: Settings, scans: Scans) -> None:
    with TestClient(create_app(settings), headers=add_user(settings, "a1", "admin")) as client:
        named = {"card-single.png": scans.path("card-single.png").read_bytes()}
        sent = client.post("/api/v1/batches", files=as_files(named))
        assert sent.status_code == 202
        assert wait_until_done(client, sent.json()["batch_id"])["files_ingested"] == 1


def test_session_upload_with_the_csrf_token_in_the_form(settings: Settings, scans: Scans) -> None:
    """A browser form sends the CSRF token as a field: the body is parsed before the route."""
    add_user(settings, "clerk2", "clerk")
    with TestClient(create_app(settings)) as client:
        login = client.post(
            "/api/v1/auth/login", json={"name": "clerk2", "password": TEST_PASSWORD}
        )
        csrf = login.json()["csrf_token"]
        named = {"card-photo.jpg": scans.path("card-photo.jpg").read_bytes()}
        assert client.post("/api/v1/batches", files=as_files(named)).status_code == 403
        sent = client.post("/api/v1/batches", files=as_files(named), data={"csrf_token": csrf})
        assert sent.status_code == 202, sent.text
        batch = wait_until_done(client, sent.json()["batch_id"])
        assert batch["files_ingested"] == 1
        files = client.get(f"/api/v1/batches/{batch['id']}/files").json()["items"]
        assert files[0]["original_name"] == "card-photo.jpg"


def test_unusable_requests_are_refused(settings: Settings, scans: Scans, clerk: TestClient) -> None:
    assert clerk.post("/api/v1/batches", json={"files": []}).status_code == 415
    empty = clerk.post("/api/v1/batches", data={"name": "nothing"}, files={"other": ("x", b"")})
    assert (empty.status_code, empty.json()["error"]["code"]) == (422, "no_files")
    named = {"card-single.png": scans.path("card-single.png").read_bytes()}
    dated = clerk.post("/api/v1/batches", files=as_files(named), data={"received_date": "1 Dec"})
    assert dated.status_code == 422
    assert "2026-12-01" in dated.json()["error"]["message"]
    assert leftovers(settings) == []
    assert clerk.get("/api/v1/batches").json()["total"] == 0


def test_unknown_batch_is_404(clerk: TestClient) -> None:
    assert clerk.get("/api/v1/batches/999").status_code == 404
    assert clerk.get("/api/v1/batches/999/files").status_code == 404
