"""`cardscan export --format jsonl`: one record.schema.json object per page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from forms.spec import field_keys
from records import crud
from records.db import init_db, make_engine, session_scope
from records.export import page_record
from records.models import Field, PageStatus
from tests.conftest import RECORD_SCHEMA, Scans

runner = CliRunner()


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(RECORD_SCHEMA.read_text())
    return loaded


def test_export_of_an_ingested_batch_validates(
    settings: Settings, scans: Scans, tmp_path: Path, schema: dict[str, Any]
) -> None:
    assert runner.invoke(app, ["ingest", str(scans.folder)]).exit_code == 0
    out = tmp_path / "records.jsonl"
    result = runner.invoke(app, ["export", "--format", "jsonl", "--output", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == sum(scans.pages.values())
    for record in records:
        jsonschema.validate(record, schema)
        assert record["source"]["file"] in scans.pages
        assert len(record["source"]["sha256"]) == 64
        assert record["card_code"] is None


def test_export_to_stdout(settings: Settings, scans: Scans) -> None:
    runner.invoke(app, ["ingest", str(scans.path("card-single.png"))])
    result = runner.invoke(app, ["export"])
    assert result.exit_code == 0
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["source"] == {
        "file": "card-single.png",
        "page": 1,
        "sha256": json.loads(line)["source"]["sha256"],
    }


def test_unknown_format_is_refused(settings: Settings) -> None:
    result = runner.invoke(app, ["export", "--format", "xml"])
    assert result.exit_code == 2
    assert "jsonl" in result.output


@pytest.mark.parametrize(
    ("form", "rows_key", "count"), [("service_card", "rows", 8), ("registration", "contacts", 6)]
)
def test_form_pages_carry_every_cell_with_its_box(
    settings: Settings, schema: dict[str, Any], form: str, rows_key: str, count: int
) -> None:
    keys = field_keys(form)
    boxes = {key: (10 * i, 20, 30, 40) for i, key in enumerate(keys[:-1])}  # one cell not found
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        batch = crud.create_batch(session, name="b")
        assert batch.id is not None
        source = crud.add_source_file(
            session,
            batch_id=batch.id,
            original_name="card.png",
            sha256="cd" * 32,
            size=1,
            kind="png",
            status="ingested",
            pages=1,
            stored_path=None,
        )
        assert source.id is not None
        page = crud.record_page(
            session,
            batch_id=batch.id,
            file_id=source.id,
            page_no=1,
            status=PageStatus.needs_review,
            form=form,
            rotation=90,
            image_path=None,
            width=100,
            height=100,
            transform=None,
            notes=(),
            error=None,
            boxes=boxes,
        )
        session.flush()
        fields = list(session.exec(select(Field).where(Field.page_id == page.id)))
        record = page_record(page, source, fields)
    engine.dispose()
    jsonschema.validate(record, schema)
    assert record["form"] == form and record["rotation"] == 90
    assert len(record[rows_key]) == count
    assert [row["no"] for row in record[rows_key]] == list(range(1, count + 1))
    header = [k for k in keys if "." not in k]
    assert list(record["fields"]) == header
    first = record["fields"][header[0]]
    assert first == {
        "value": None,
        "raw": None,
        "confidence": 0.0,
        "needs_review": True,
        "bbox": [0.0, 20.0, 30.0, 40.0],
    }
    last_key = keys[-1].split(".")
    missing = record[rows_key][int(last_key[1]) - 1][last_key[2]]
    assert "bbox" not in missing and missing["needs_review"] is True
