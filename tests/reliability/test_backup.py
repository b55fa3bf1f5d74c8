"""`cardscan backup` and `cardscan restore`: a batch with corrections comes back with the
same rows, history and images; a damaged backup or a non-empty target is refused; a backup
taken while writes go on is one consistent snapshot."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from records import accounts
from records.audit import AuditEvent, record_event
from records.db import init_db, make_engine, session_scope
from records.models import Page, PageStatus
from records.review import FieldEdit, confirm_page, correct_field
from tests.conftest import add_user
from tests.db.servers import fresh_database, on_postgres
from tests.reliability.records_snapshot import snapshot

SCANS = Path(__file__).resolve().parents[1] / "data" / "batch-small" / "scans"
runner = CliRunner()


def _cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _history(database_url: str) -> dict[str, Any]:
    """Corrections and the audit trail (without backup/restore events), and their count."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        edits = [
            (e.key, e.ocr_value, e.old_value, e.new_value, e.user_name, e.at)
            for e in session.exec(select(FieldEdit).order_by(col(FieldEdit.id))).all()
        ]
        events = [
            (e.action, e.actor, e.target_type, e.target_id, e.detail, e.at)
            for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
            if e.action not in ("backup", "restore")
        ]
    engine.dispose()
    return {"edits": edits, "events": events}


def _files(data_dir: Path) -> dict[str, str]:
    return {
        p.relative_to(data_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("files", "pages")
        for p in sorted((data_dir / folder).rglob("*"))
        if p.is_file()
    }


def _correct_and_confirm(settings: Settings) -> None:
    add_user(settings, "checker", "reviewer")
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        user = accounts.find_user(session, name="checker")
        assert user is not None
        cards = session.exec(
            select(Page).where(Page.form == "service_card").order_by(col(Page.id))
        ).all()
        first, second = cards[0], cards[1]
        correct_field(session, page=first, key="contact_phone", value="13912345678", user=user)
        correct_field(session, page=first, key="contact_phone", value="13912345679", user=user)
        correct_field(session, page=second, key="rows.1.date", value="2026-05-03", user=user)
        confirm_page(session, page=second, user=user)
    engine.dispose()


def _installation(settings: Settings) -> dict[str, Any]:
    return {
        "records": snapshot(settings.database_url, settings.data_dir),
        "history": _history(settings.database_url),
        "files": _files(settings.data_dir),
    }


def test_a_batch_with_corrections_round_trips(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("scan_0001.png", "fax-20261206.tif"):
        shutil.copy(SCANS / name, scans / name)
    assert _cli("ingest", scans)[0] == 0
    _correct_and_confirm(settings)
    before = _installation(settings)
    assert len(before["history"]["edits"]) == 3
    assert any(p["status"] == "confirmed" for p in before["records"]["pages"].values())

    folder, tar = tmp_path / "backups" / "december", tmp_path / "backups" / "december.tar.gz"
    code, output = _cli("backup", folder)
    assert code == 0, output
    assert "3 pages, 3 corrections" in output
    assert _cli("backup", tar)[0] == 0
    assert _cli("backup", tar)[0] == 2  # never overwrites a backup
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["rows"]["field_edit"] == 3
    assert set(manifest["files"]) == set(before["files"])
    assert manifest["missing"] == []
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "backup")).all()
        assert [(e.detail["pages"], e.detail["tar"]) for e in events] == [(3, False), (3, True)]
    engine.dispose()

    code, output = _cli("restore", tar)  # the installation still holds its data
    assert code == 2 and "--force" in output

    # Wipe: a new, empty installation (its own data dir and database), then restore the tar.
    with fresh_database(tmp_path / "other") as other_url:
        monkeypatch.setenv("CARDSCAN_DATA_DIR", str(tmp_path / "other"))
        if on_postgres():
            monkeypatch.setenv("CARDSCAN_DATABASE_URL", other_url)
        other = Settings()
        code, output = _cli("restore", tar)
        assert code == 0, output
        after = _installation(other)
        assert after == before
        engine = make_engine(other.database_url)
        with Session(engine) as session:
            assert [e.action for e in session.exec(select(AuditEvent)).all()][-1] == "restore"
        engine.dispose()

    # The first installation itself, replaced from the folder with --force.
    monkeypatch.setenv("CARDSCAN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CARDSCAN_DATABASE_URL", settings.database_url)
    (settings.data_dir / "pages").rename(tmp_path / "lost-pages")
    assert _cli("restore", folder, "--force")[0] == 0
    assert _installation(settings) == before


def test_a_damaged_backup_is_refused_and_nothing_is_replaced(
    settings: Settings, scans: Any, tmp_path: Path
) -> None:
    assert _cli("ingest", scans.path("card-single.png"))[0] == 0
    backup = tmp_path / "b"
    assert _cli("backup", backup)[0] == 0
    image = next((backup / "pages").rglob("*.png"))
    image.write_bytes(image.read_bytes()[:-1] + b"\x00")
    before = _files(settings.data_dir)
    code, output = _cli("restore", backup, "--force")
    assert code == 2 and "damaged" in output
    assert _files(settings.data_dir) == before


def test_a_backup_taken_while_writes_go_on_is_consistent(
    settings: Settings, scans: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _cli("ingest", scans.path("cards-2pages.pdf"))[0] == 0
    engine = make_engine(settings.database_url)
    init_db(engine)
    stop, first_written = threading.Event(), threading.Event()
    written = 0

    def write() -> None:  # what a busy server does meanwhile: one transaction after another
        nonlocal written
        while not stop.is_set():
            with session_scope(engine) as session:
                record_event(session, actor="load", action="load_test", detail={"n": written})
                page = session.exec(select(Page).order_by(col(Page.id))).first()
                assert page is not None
                page.notes = [*page.notes[-5:], f"n{written}"]
                session.add(page)
            written += 1
            first_written.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        # Every snapshot is taken after the first write, so each must hold some of them.
        assert first_written.wait(60)
        for n in range(3):
            assert _cli("backup", tmp_path / f"b{n}")[0] == 0
    finally:
        stop.set()
        writer.join()
    engine.dispose()
    assert written > 0
    for n in range(3):
        manifest = json.loads((tmp_path / f"b{n}" / "manifest.json").read_text())
        with fresh_database(tmp_path / f"r{n}") as url:
            monkeypatch.setenv("CARDSCAN_DATA_DIR", str(tmp_path / f"r{n}"))
            monkeypatch.setenv("CARDSCAN_DATABASE_URL", url)
            assert _cli("restore", tmp_path / f"b{n}")[0] == 0
            restored = make_engine(url)
            with restored.connect() as connection:
                for table in ("page", "field", "audit_event"):
                    count = connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar()
                    # the restore adds its own audit event
                    assert count == manifest["database"]["rows"][table] + (table == "audit_event")
                last = connection.execute(
                    text(
                        "SELECT detail FROM audit_event WHERE action = 'load_test' ORDER BY id DESC"
                    )
                ).first()
            with Session(restored) as session:
                pages = session.exec(select(Page)).all()
                assert all(p.status == PageStatus.needs_review for p in pages)
            restored.dispose()
            assert last is not None  # the snapshot holds whole transactions only
