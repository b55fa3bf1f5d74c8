"""The storage interface, a storage folder apart from the data dir, and `cardscan worker`
without a queue configured (no servers needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.cli_worker import worker_command
from api.settings import Settings
from ingest.storage import LocalStorage, StorageKeyError
from records.db import make_engine
from records.models import Page, SourceFile
from tests.conftest import Scans, add_user

runner = CliRunner()


def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    source = tmp_path / "a.png"
    source.write_bytes(b"png bytes")
    storage.put_file("pages/1/1-001.png", source)
    storage.put_bytes("files/ab/ab.pdf", b"%PDF-1.4")
    assert (
        storage.exists("pages/1/1-001.png") and storage.get_bytes("files/ab/ab.pdf") == b"%PDF-1.4"
    )
    with storage.open("pages/1/1-001.png") as stream:
        assert stream.read() == b"png bytes"
    with storage.local_path("files/ab/ab.pdf") as path:
        assert path.read_bytes() == b"%PDF-1.4"
    assert not list((tmp_path / "store").rglob("*.part"))  # written under a temp name
    storage.delete("pages/1/1-001.png")
    assert not storage.exists("pages/1/1-001.png")
    storage.delete("pages/1/1-001.png")  # deleting twice is fine
    with pytest.raises(FileNotFoundError), storage.local_path("pages/none.png"):
        pass


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../x", "pages/../../x", "a//b", "./a"])
def test_keys_cannot_leave_the_storage(tmp_path: Path, key: str) -> None:
    with pytest.raises(StorageKeyError):
        LocalStorage(tmp_path).path(key)


def test_a_storage_folder_apart_from_the_data_dir_holds_files_and_pages(
    settings: Settings, scans: Scans, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    monkeypatch.setenv("CARDSCAN_STORAGE_DIR", str(shared))
    ingested = runner.invoke(app, ["ingest", str(scans.path("card-single.png"))])
    assert ingested.exit_code == 0, ingested.output
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        source = session.exec(select(SourceFile)).one()
        page = session.exec(select(Page)).one()
    engine.dispose()
    assert source.stored_path and (shared / source.stored_path).is_file()
    assert page.image_path and (shared / page.image_path).is_file()
    assert not (settings.data_dir / "files").exists() and not (settings.data_dir / "pages").exists()
    headers = add_user(settings, "admin1", "admin")
    with TestClient(create_app(Settings()), headers=headers) as client:
        image = client.get(f"/api/v1/pages/{page.id}/image")
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_worker_needs_a_redis_url(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARDSCAN_REDIS_URL", raising=False)
    result = runner.invoke(app, ["worker"])
    assert result.exit_code == 2
    assert "CARDSCAN_REDIS_URL" in result.output


def test_worker_runs_dramatiq_over_the_actor_module() -> None:
    command = worker_command(3, 1, "cardscan-pages")
    assert command[1:4] == ["-m", "dramatiq", "api.page_actor"]
    assert command[command.index("--processes") + 1] == "3"
    assert command[command.index("--queues") + 1] == "cardscan-pages"


def test_scratch_of_a_dead_worker_is_removed_and_a_live_ones_kept() -> None:
    import os
    import subprocess
    import tempfile

    from ingest.storage import SCRATCH_PREFIX, remove_stale_scratch, scratch_dir

    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    stale = Path(tempfile.gettempdir()) / f"{SCRATCH_PREFIX}{dead_pid.pid}-test"
    stale.mkdir()
    (stale / "1-001.png").write_bytes(b"half a page")
    with scratch_dir() as mine:
        assert mine.name.startswith(f"{SCRATCH_PREFIX}{os.getpid()}-")
        assert remove_stale_scratch() >= 1
        assert not stale.exists() and mine.is_dir()
    assert not mine.exists()
