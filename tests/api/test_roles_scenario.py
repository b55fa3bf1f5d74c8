"""Each role, created by the CLI and signed in with a password, does its job and nothing more.

One December afternoon on the committed sample batch: the clerk uploads, the admin loads
the roster, a reviewer corrects and confirms, a committee reviewer sees only that
committee's cards, the office exports with phones masked — and the audit trail says who
did what.
"""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.settings import Settings
from tests.conftest import TEST_PASSWORD

BATCH = Path(__file__).parents[1] / "data" / "batch-small"


def signed_in(app: Any, name: str) -> TestClient:
    """A browser-like client: password sign-in, session cookie, CSRF header on changes."""
    client = TestClient(app)
    response = client.post("/api/v1/auth/login", json={"name": name, "password": TEST_PASSWORD})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def test_every_role_does_its_job_and_nothing_beyond(settings: Settings) -> None:
    year = json.loads((BATCH / "manifest.json").read_text(encoding="utf-8"))["year"]
    committee = next(csv.DictReader((BATCH / "roster.csv").open(encoding="utf-8")))["政协工委"]
    runner = CliRunner()
    for name, role, extra in (
        ("clerk", "clerk", []),
        ("reviewer", "reviewer", []),
        ("town", "reviewer", ["--committee", committee]),
        ("office", "office", []),
        ("admin", "admin", []),
    ):
        made = runner.invoke(
            cli,
            ["user", "add", name, "--role", role, *extra, "--password-stdin"],
            input=TEST_PASSWORD + "\n",
        )
        assert made.exit_code == 0, made.output
    app = create_app(settings)
    clerk, reviewer, town, office, admin = (
        signed_in(app, n) for n in ("clerk", "reviewer", "town", "office", "admin")
    )

    # The admin loads the roster; nobody else may.
    roster = {"file": ("roster.csv", (BATCH / "roster.csv").read_bytes(), "text/csv")}
    assert office.post(f"/api/v1/roster/import?year={year}", files=roster).status_code == 403
    assert admin.post(f"/api/v1/roster/import?year={year}", files=roster).status_code == 200

    # The clerk uploads the scans and follows the batch; card contents are not theirs.
    files = [
        ("files", (p.name, p.read_bytes(), "application/octet-stream"))
        for p in sorted((BATCH / "scans").iterdir())
    ]
    assert reviewer.post("/api/v1/batches", files=files).status_code == 403
    upload = clerk.post("/api/v1/batches", files=files)
    assert upload.status_code == 202, upload.text
    batch_id = upload.json()["batch_id"]
    deadline = time.monotonic() + 120
    while clerk.get(f"/api/v1/batches/{batch_id}").json()["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert clerk.get("/api/v1/pages").status_code == 403

    # The reviewer works the queue, worst first: corrects a field and confirms the card.
    queue = reviewer.get("/api/v1/pages", params={"order": "uncertain", "form": "service_card"})
    assert queue.status_code == 200
    pages = queue.json()["items"]
    assert pages and pages[0]["fields_to_review"] >= pages[-1]["fields_to_review"]
    page_id = pages[0]["id"]
    corrected = reviewer.put(
        f"/api/v1/pages/{page_id}/fields/rows.1.manner", json={"value": "visit"}
    )
    assert corrected.status_code == 200, corrected.text
    assert reviewer.post(f"/api/v1/pages/{page_id}/confirm").status_code == 200
    assert reviewer.get("/api/v1/exports/records.csv").status_code == 403
    assert reviewer.get("/api/v1/users").status_code == 403

    # The town's reviewer sees only cards of that committee.
    mine = town.get("/api/v1/pages", params={"limit": 500}).json()
    everything = reviewer.get("/api/v1/pages", params={"limit": 500}).json()
    assert 0 < mine["total"] < everything["total"]
    assert {p["committee"] for p in mine["items"]} == {committee}

    # The office exports with phones masked, and may not change a card.
    export = office.get("/api/v1/exports/records.csv")
    assert export.status_code == 200 and export.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    phones = [r[9] for r in rows[1:] if r[8].endswith("phone") and r[9]]
    assert phones and all("****" in p for p in phones)
    assert (
        office.put(
            f"/api/v1/pages/{page_id}/fields/rows.1.manner", json={"value": "phone"}
        ).status_code
        == 403
    )

    # The trail names each actor.
    events = admin.get("/api/v1/audit", params={"limit": 500}).json()["items"]
    done = {(e["actor"], e["action"]) for e in events}
    assert {
        ("clerk", "upload"),
        ("reviewer", "field_change"),
        ("reviewer", "page_confirmed"),
        ("office", "export"),
        ("admin", "roster_imported"),
    } <= done
    for client in (clerk, reviewer, town, office, admin):
        client.close()
