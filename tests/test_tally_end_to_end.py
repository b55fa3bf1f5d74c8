"""End to end: the committed sample batch ingested, every form confirmed through the API
with its ground truth as a reviewer would, and the tally equal to the generator's truth."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.settings import Settings
from samples.review_replay import confirm_with_truth
from samples.tally_truth import compare, expected_tally
from tests.conftest import add_user

BATCH = Path(__file__).parent / "data" / "batch-small"


def test_confirmed_batch_tallies_to_the_ground_truth(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    year = int(json.loads((BATCH / "manifest.json").read_text(encoding="utf-8"))["year"])
    received = date(year, 11, 30)  # the cards' deadline day: on time
    # Form R came in with the cards, after 15 April: this year's rules do not fail that, so
    # the statuses turn on visits, contacts and missing cards (and the override is used).
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / f"{year}.json").write_text(
        json.dumps({"version": "e2e-1", "late_registration_fails": False}), encoding="utf-8"
    )
    monkeypatch.setenv("CARDSCAN_RULES_DIR", str(rules_dir))
    monkeypatch.setenv("CARDSCAN_DPI", "200")
    runner = CliRunner()
    roster = runner.invoke(
        app, ["roster", "import", str(BATCH / "roster.csv"), "--year", str(year)]
    )
    assert roster.exit_code == 0, roster.output
    ingest = runner.invoke(
        app, ["ingest", str(BATCH / "scans"), "--received-date", received.isoformat()]
    )
    assert ingest.exit_code == 0, ingest.output

    current = Settings()
    reviewer = TestClient(create_app(current), headers=add_user(current, "reviewer1", "reviewer"))
    office = TestClient(create_app(current), headers=add_user(current, "office1", "office"))
    before = office.get(f"/api/v1/tally/{year}/members").json()
    assert {m["status"] for m in before} == {"pending"}  # nothing confirmed: nobody fails

    replay = confirm_with_truth(reviewer, BATCH, year=year)
    assert replay.failures == []
    assert replay.confirmed == replay.forms_seen == 12  # 2 forms R, 10 cards (no copy)

    data = reviewer.get(f"/api/v1/tally/{year}.json")
    assert data.status_code == 403  # reviewers review; the office reads the tally
    tally = json.loads(office.get(f"/api/v1/tally/{year}.json").content)
    assert tally["rules"]["version"] == "e2e-1"
    expected = expected_tally(BATCH, year=year, received=received, rules=tally["rules"])
    assert compare(expected, tally["members"]) == []
    # The truth of this batch: a missing card and contacts visited twice.
    assert expected["JJ0100"].reasons[2] == "联系对象 4 服务卡未收到"
    assert expected["JJ0298"].reasons == ("联系对象 5 上门走访仅 2 次",)
    assert sum(m.total_visits for m in expected.values()) == tally["overall"]["total_visits"] > 0
