"""`cardscan export`: the CSV (one row per field, UTF-8 with BOM) and linked pages in JSONL."""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path
from typing import Any

import jsonschema
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from ocr.recognize import FieldReading
from records import crud
from records.db import init_db, make_engine, session_scope
from records.export import CSV_ENCODING, CSV_HEADER
from records.linking import link_pages
from records.models import PageStatus
from records.roster import import_roster_rows
from records.roster_file import RosterRow
from tests.conftest import RECORD_SCHEMA

runner = CliRunner()

# key -> (value, raw, confidence, needs_review, engine) as recognition stores them
CARD_FIELDS: dict[str, tuple[Any, str | None, float, bool, str | None]] = {
    "year": (2026, "2026年", 0.97, False, "hand"),
    "member_name": ("孟波春", "孟波春", 0.19, True, "hand"),
    "member_phone": ("13800000001", "138 0000 0001", 0.95, False, "hand"),
    "contact_name": ("刘洋", "刘洋", 0.19, True, "hand"),
    "rows.1.date": ("2026-05-03", "2026.5.3", 0.93, False, "hand"),
    "rows.1.manner": ("visit", None, 0.99, False, "omr"),
    "rows.1.signed": (True, None, 0.98, False, "ink"),
    "rows.2.signed": (False, None, 0.97, False, "ink"),
    "rows.2.content": (None, None, 0.0, True, "ink"),
}


def store_pages(settings: Settings, *, link: bool = False) -> None:
    """One service card with CARD_FIELDS (coded for JJ0001's contact 3) and one blank page."""
    engine = make_engine(settings.database_url)
    init_db(engine)
    with session_scope(engine) as session:
        batch = crud.create_batch(session, name="十二月")
        assert batch.id is not None
        source = crud.add_source_file(
            session,
            batch_id=batch.id,
            original_name="服务卡.pdf",
            sha256="ef" * 32,
            size=1,
            kind="pdf",
            status="ingested",
            pages=2,
            stored_path=None,
        )
        assert source.id is not None
        common: dict[str, Any] = dict(
            batch_id=batch.id,
            file_id=source.id,
            status=PageStatus.needs_review,
            rotation=0,
            image_path=None,
            width=100,
            height=100,
            transform=None,
            notes=(),
            error=None,
        )
        card = crud.record_page(
            session,
            page_no=1,
            form="service_card",
            boxes={key: (1, 2, 3, 4) for key in CARD_FIELDS},
            readings={
                key: FieldReading(value, raw, confidence, confidence, review, engine)
                for key, (value, raw, confidence, review, engine) in CARD_FIELDS.items()
            },
            card_code="SC1|2026|JJ0001|3",
            **common,
        )
        crud.record_page(session, page_no=2, form="blank", boxes={}, **common)
        if link:
            row = RosterRow(2, "JJ0001", "孟波春", "民革", "新桥镇", "13800000001", False)
            import_roster_rows(session, year=2026, rows=[row])
            assert link_pages(session, [card]) == 1
    engine.dispose()


def csv_text(value: Any) -> str:
    """A value as the CSV shows it: booleans in Chinese, a blank as an empty cell."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def test_csv_export_is_utf8_with_bom_and_one_row_per_field(
    settings: Settings, tmp_path: Path
) -> None:
    store_pages(settings)
    out = tmp_path / "out" / "fields.csv"
    result = runner.invoke(app, ["export", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    with out.open(encoding=CSV_ENCODING, newline="") as stream:
        header, *rows = list(csv.reader(stream))
    assert tuple(header) == CSV_HEADER
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    assert len(rows) == len(CARD_FIELDS)  # the blank page has no fields, so no rows
    by_key = {row[8]: row for row in rows}
    assert set(by_key) == set(CARD_FIELDS)
    first = by_key["member_name"]
    assert first[1:8] == [
        "服务卡.pdf",
        "1",
        "service_card",
        "needs_review",
        "SC1|2026|JJ0001|3",
        "",
        "",
    ]
    for key, (value, raw, confidence, review, engine) in CARD_FIELDS.items():
        row = by_key[key]
        assert row[9] == csv_text(value), key
        assert row[10] == (raw or "")
        assert float(row[11]) == confidence
        assert row[12] == ("是" if review else "否")
        assert row[13] == engine
    assert by_key["rows.1.signed"][9] == "是" and by_key["rows.2.signed"][9] == "否"
    assert by_key["member_phone"][10] == "138 0000 0001"


def test_csv_rows_follow_the_form_order(settings: Settings, tmp_path: Path) -> None:
    store_pages(settings)
    out = tmp_path / "fields.csv"
    assert runner.invoke(app, ["export", "--format", "csv", "--output", str(out)]).exit_code == 0
    with out.open(encoding=CSV_ENCODING, newline="") as stream:
        keys = [row[8] for row in list(csv.reader(stream))[1:]]
    assert keys[:4] == ["year", "member_name", "member_phone", "contact_name"]
    assert keys.index("rows.1.date") < keys.index("rows.1.signed") < keys.index("rows.2.content")


def test_csv_carries_the_member_code_and_contact_of_a_linked_page(
    settings: Settings, tmp_path: Path
) -> None:
    store_pages(settings, link=True)
    out = tmp_path / "fields.csv"
    assert runner.invoke(app, ["export", "--format", "csv", "--output", str(out)]).exit_code == 0
    with out.open(encoding=CSV_ENCODING, newline="") as stream:
        rows = list(csv.reader(stream))[1:]
    assert {(row[6], row[7]) for row in rows} == {("JJ0001", "3")}


def test_jsonl_of_a_linked_page_carries_its_codes_and_validates(
    settings: Settings, tmp_path: Path
) -> None:
    store_pages(settings, link=True)
    out = tmp_path / "records.jsonl"
    result = runner.invoke(app, ["export", "--format", "jsonl", "--output", str(out)])
    assert result.exit_code == 0, result.output
    schema = json.loads(RECORD_SCHEMA.read_text(encoding="utf-8"))
    card, blank = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    for record in (card, blank):
        jsonschema.validate(record, schema)
    assert (card["card_code"], card["member_code"], card["contact_no"]) == (
        "SC1|2026|JJ0001|3",
        "JJ0001",
        3,
    )
    assert (blank["card_code"], blank["member_code"], blank["contact_no"]) == (None, None, None)
    assert card["fields"]["member_name"]["value"] == "孟波春"
    assert card["fields"]["member_name"]["confidence"] == 1.0
    assert card["rows"][0]["signed"]["value"] is True
    assert card["rows"][0]["manner"]["value"] == "visit"
