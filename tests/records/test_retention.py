"""Retention: old years lose names, phones, addresses, contents and files; the tally stays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app as cli
from api.settings import Settings
from ocr.recognize import FieldReading
from records import crud
from records.audit import AuditEvent
from records.db import init_db, make_engine, session_scope
from records.models import Field, Member, Page, PageStatus, SourceFile
from records.retention import ANONYMIZED, RetentionResult, apply_retention

TODAY = date.today()
OLD, RECENT = TODAY.year - 10, TODAY.year
KEEP_YEARS = 5
CARD: dict[str, Any] = {
    "member_name": "王委员",
    "sector": "民盟",
    "member_phone": "13912345678",
    "contact_name": "张三",
    "contact_phone": "13800001111",
    "committee": "新桥镇",
    "rows.1.date": "03-01",
    "rows.1.manner": "visit",
    "rows.1.content": "了解生产情况",
    "rows.1.signed": True,
}
REGISTRATION = {
    "member_name": "王委员",
    "contacts.1.name": "李四",
    "contacts.1.phone": "13700002222",
    "contacts.1.address": "新桥镇东街5号",
}
REMOVED = {"member_name", "member_phone", "contact_name", "contact_phone", "rows.1.content"}
REMOVED |= {"contacts.1.name", "contacts.1.phone", "contacts.1.address"}
FIELD_EDIT_DDL = (
    "CREATE TABLE IF NOT EXISTS field_edit (id INTEGER PRIMARY KEY, field_id INTEGER NOT NULL, "
    "page_id INTEGER NOT NULL, key VARCHAR NOT NULL, ocr_value JSON, old_value JSON, "
    "new_value JSON, user_id INTEGER, user_name VARCHAR NOT NULL, at DATETIME NOT NULL)"
)


@dataclass(frozen=True)
class Seeded:
    old_card: int
    old_registration: int  # no year read: its batch's creation year decides
    mixed_old: int
    mixed_recent: int
    recent_card: int


def add_file(session: Session, data_dir: Path, *, batch_id: int, name: str) -> SourceFile:
    stored = f"files/{name[:2]}/{name}.png"
    (data_dir / stored).parent.mkdir(parents=True, exist_ok=True)
    (data_dir / stored).write_bytes(b"original")
    return crud.add_source_file(
        session,
        batch_id=batch_id,
        original_name=f"{name}.png",
        sha256=name.ljust(64, "0"),
        size=8,
        kind="png",
        status="ingested",
        pages=1,
        stored_path=stored,
    )


def add_page(
    session: Session,
    data_dir: Path,
    source: SourceFile,
    *,
    page_no: int,
    form: str,
    values: dict[str, Any],
    year: int | None,
    member_id: int | None = None,
) -> int:
    assert source.id is not None
    image = f"pages/{source.batch_id}/{source.id}-{page_no:03d}.png"
    (data_dir / image).parent.mkdir(parents=True, exist_ok=True)
    (data_dir / image).write_bytes(b"png")
    (data_dir / image.replace(".png", ".flat.png")).write_bytes(b"debug")
    page = crud.record_page(
        session,
        batch_id=source.batch_id,
        file_id=source.id,
        page_no=page_no,
        status=PageStatus.confirmed,
        form=form,
        rotation=0,
        image_path=image,
        width=10,
        height=10,
        transform=None,
        notes=(),
        error=None,
        boxes={key: (0, 0, 1, 1) for key in values},
        readings={k: FieldReading(v, str(v), 0.9, 0.9, False, "t") for k, v in values.items()},
    )
    page.year, page.member_id, page.contact_no = year, member_id, 2 if member_id else None
    session.add(page)
    session.flush()
    assert page.id is not None
    return page.id


def add_edit(session: Session, page_id: int, key: str) -> None:
    field_id = session.exec(
        select(Field.id).where(Field.page_id == page_id, Field.key == key)
    ).one()
    session.connection().execute(
        text(
            "INSERT INTO field_edit (field_id, page_id, key, ocr_value, old_value, new_value, "
            "user_name, at) VALUES (:f, :p, :k, '\"a\"', '\"b\"', '\"c\"', 'r1', :at)"
        ),
        {"f": field_id, "p": page_id, "k": key, "at": datetime.now(UTC)},
    )


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url)
    init_db(engine)
    with engine.begin() as connection:
        connection.execute(text(FIELD_EDIT_DDL))
    yield engine
    engine.dispose()


@pytest.fixture
def seeded(settings: Settings, engine: Engine) -> Seeded:
    data_dir = settings.data_dir
    with session_scope(engine) as session:
        old_member = Member(year=OLD, code="A1", name="王委员", phone="13912345678")
        new_member = Member(year=RECENT, code="A1", name="王委员", phone="13912345678")
        session.add_all([old_member, new_member])
        batch = crud.create_batch(session, name="now")
        long_ago = crud.create_batch(session, name="long ago")
        long_ago.created_at = datetime(OLD, 12, 1, tzinfo=UTC)
        session.flush()
        assert batch.id and long_ago.id
        card = add_file(session, data_dir, batch_id=batch.id, name="aa-old")
        registration = add_file(session, data_dir, batch_id=long_ago.id, name="bb-reg")
        mixed = add_file(session, data_dir, batch_id=batch.id, name="cc-mixed")
        recent = add_file(session, data_dir, batch_id=batch.id, name="dd-new")
        seeded = Seeded(
            old_card=add_page(
                session,
                data_dir,
                card,
                page_no=1,
                form="service_card",
                values={"year": OLD, **CARD},
                year=OLD,
                member_id=old_member.id,
            ),
            old_registration=add_page(
                session,
                data_dir,
                registration,
                page_no=1,
                form="registration",
                values=REGISTRATION,
                year=None,
            ),
            mixed_old=add_page(
                session, data_dir, mixed, page_no=1, form="service_card", values=CARD, year=OLD
            ),
            mixed_recent=add_page(
                session,
                data_dir,
                mixed,
                page_no=2,
                form="service_card",
                values=CARD,
                year=RECENT,
            ),
            recent_card=add_page(
                session,
                data_dir,
                recent,
                page_no=1,
                form="service_card",
                values={"year": RECENT, **CARD},
                year=RECENT,
                member_id=new_member.id,
            ),
        )
        add_edit(session, seeded.old_card, "member_phone")
        add_edit(session, seeded.old_card, "rows.1.date")
        add_edit(session, seeded.recent_card, "member_phone")
    return seeded


def snapshot(settings: Settings, engine: Engine) -> dict[str, Any]:
    """Everything retention may touch, in a comparable form."""
    with Session(engine) as session:
        fields = session.exec(select(Field).order_by(col(Field.id))).all()
        pages = session.exec(select(Page).order_by(col(Page.id))).all()
        return {
            "fields": [(f.page_id, f.key, json.dumps(f.value), f.raw, f.note) for f in fields],
            "pages": [(p.id, p.image_path, p.status, p.form, p.year, p.member_id) for p in pages],
            "sources": [(s.id, s.stored_path) for s in session.exec(select(SourceFile))],
            "members": [(m.id, m.phone) for m in session.exec(select(Member))],
            "edits": [
                tuple(r) for r in session.connection().execute(text("SELECT * FROM field_edit"))
            ],
            "files": sorted(
                p.relative_to(settings.data_dir).as_posix()
                for p in settings.data_dir.rglob("*")
                if p.is_file() and not p.name.startswith("cardscan.db")
            ),
        }


def apply(settings: Settings, engine: Engine, *, dry_run: bool = False) -> RetentionResult:
    with session_scope(engine) as session:
        return apply_retention(
            session, data_dir=settings.data_dir, keep_years=KEEP_YEARS, dry_run=dry_run
        )


def fields_of(engine: Engine, page_id: int) -> dict[str, Field]:
    with Session(engine) as session:
        return {f.key: f for f in session.exec(select(Field).where(Field.page_id == page_id))}


def test_old_pages_lose_personal_data_and_keep_the_tally(
    settings: Settings, engine: Engine, seeded: Seeded
) -> None:
    before = fields_of(engine, seeded.recent_card)
    result = apply(settings, engine)
    assert result.first_kept_year == RECENT - KEEP_YEARS
    assert (result.pages, result.images, result.originals, result.members) == (3, 3, 2, 1)
    assert result.fields == 5 + 4 + 5 and result.field_edits == 1

    for page_id in (seeded.old_card, seeded.old_registration, seeded.mixed_old):
        for key, field in fields_of(engine, page_id).items():
            if key in REMOVED:
                assert (field.value, field.raw, field.note) == (None, None, ANONYMIZED), key
            else:
                assert field.value is not None and field.note != ANONYMIZED, key
    kept = fields_of(engine, seeded.old_card)
    assert kept["rows.1.date"].value == "03-01" and kept["rows.1.manner"].value == "visit"
    assert kept["rows.1.signed"].value is True and kept["year"].value == OLD
    assert kept["sector"].value == "民盟" and kept["committee"].value == "新桥镇"
    assert {k: (f.value, f.raw) for k, f in fields_of(engine, seeded.recent_card).items()} == {
        k: (f.value, f.raw) for k, f in before.items()
    }

    files = snapshot(settings, engine)["files"]
    assert not any(name.startswith("files/aa") or name.startswith("files/bb") for name in files)
    assert "files/cc/cc-mixed.png" in files and "files/dd/dd-new.png" in files  # a recent page
    with Session(engine) as session:
        old = session.get_one(Page, seeded.old_card)
        assert (old.status, old.form, old.year, old.contact_no) == (
            PageStatus.confirmed,
            "service_card",
            OLD,
            2,
        )
        assert old.member_id is not None and old.image_path is None
        recent = session.get_one(Page, seeded.recent_card)
        assert recent.image_path and (settings.data_dir / recent.image_path).is_file()
        assert session.get_one(Page, seeded.mixed_old).image_path is None
        images = [p.as_posix() for p in (settings.data_dir / "pages").rglob("*.png")]
        assert len(images) == 4  # the two recent pages, each with its debug image
        phones = {m.year: m.phone for m in session.exec(select(Member))}
        assert phones == {OLD: None, RECENT: "13912345678"}
        edits = session.connection().execute(
            # As stored (JSON text): PostgreSQL's driver would decode a json column.
            text(
                "SELECT page_id, key, CAST(ocr_value AS TEXT), CAST(old_value AS TEXT), "
                "CAST(new_value AS TEXT) FROM field_edit"
            )
        )
        assert sorted(tuple(r) for r in edits) == sorted(
            [
                (seeded.old_card, "member_phone", None, None, None),
                (seeded.old_card, "rows.1.date", '"a"', '"b"', '"c"'),
                (seeded.recent_card, "member_phone", '"a"', '"b"', '"c"'),
            ]
        )
        (event,) = session.exec(
            select(AuditEvent).where(AuditEvent.action == "retention_applied")
        ).all()
        assert event.actor == "cli"
        assert event.detail["pages"] == 3 and event.detail["originals"] == 2


def test_dry_run_counts_and_changes_nothing(
    settings: Settings, engine: Engine, seeded: Seeded
) -> None:
    before = snapshot(settings, engine)
    dry = apply(settings, engine, dry_run=True)
    assert snapshot(settings, engine) == before
    with Session(engine) as session:
        assert session.exec(select(AuditEvent)).all() == []
    real = apply(settings, engine)
    assert dry.counts() == real.counts() and dry.dry_run and not real.dry_run


def test_twice_is_the_same_as_once(settings: Settings, engine: Engine, seeded: Seeded) -> None:
    apply(settings, engine)
    once = snapshot(settings, engine)
    again = apply(settings, engine)
    assert set(again.counts().values()) == {0}
    assert snapshot(settings, engine) == once


def test_without_a_field_edit_table(settings: Settings, seeded: Seeded, engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE field_edit"))
    assert apply(settings, engine).field_edits == 0


def test_cli_reports_counts(settings: Settings, seeded: Seeded, engine: Engine) -> None:
    runner = CliRunner()
    dry = runner.invoke(cli, ["retention", "apply", "--keep-years", "5", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove" in dry.output and "pages: 3" in dry.output
    assert (settings.data_dir / "files/aa/aa-old.png").is_file()
    done = runner.invoke(cli, ["retention", "apply"])  # default: CARDSCAN_RETENTION_YEARS = 5
    assert done.exit_code == 0, done.output
    assert "original files: 2" in done.output
    assert not (settings.data_dir / "files/aa/aa-old.png").exists()
