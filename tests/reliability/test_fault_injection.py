"""Fault injection: `cardscan ingest` killed (SIGKILL) at 10 points of a batch and run again
each time ends with exactly the records of a run that was never interrupted."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
from sqlmodel import Session, col, select

from records.db import make_engine
from records.models import Batch, BatchStatus, Field, Page
from tests.db.servers import fresh_database
from tests.reliability.records_snapshot import snapshot

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "batch-small"
SCANS = ("scan-002.pdf", "fax-20261206.tif", "scan_0001.png", "IMG_20261203_090659.jpg")
SEED = 409
# Where each of the ten runs is killed: a named point (see fault_launcher) and the pass at
# which it fires, or a delay in seconds drawn from the seed (start-up, checks, analysis).
# Each kill must land on a run with work left, however fast the machine: `file_stored` comes
# first (files are left to check), and before each page kill at most 7 of the 8 pages can
# have been stored (a delay kill stores at most two, `flushed:3` one, `page_stored:1` one).
# The last kill fires after every page is stored, before the batch is closed.
KILL_PLAN: tuple[tuple[str, int] | tuple[float, float], ...] = (
    ("file_stored", 2),
    (1.0, 2.5),
    ("flushed", 3),
    (1.5, 2.5),
    ("page_written", 1),
    ("page_stored", 1),
    ("flushed", 1),
    ("page_stored", 1),
    ("page_written", 1),
    ("finish", 1),
)
ATTEMPT_TIMEOUT_S = 240


def _scans(folder: Path) -> Path:
    """Five files, eight pages: a PDF (form R, blank, card), a 2-page TIFF, a PNG card, a
    phone photo and its byte-identical copy, and the PNG card re-encoded as JPEG (the
    same page in another file)."""
    folder.mkdir()
    for name in SCANS:
        shutil.copy(SAMPLE / "scans" / name, folder / name)
    shutil.copy(SAMPLE / "scans" / SCANS[3], folder / "IMG_copy.jpg")
    png = cv2.imread(str(folder / "scan_0001.png"), cv2.IMREAD_GRAYSCALE)
    assert png is not None
    cv2.imwrite(str(folder / "zz-rescan.jpg"), png, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return folder


@dataclass(frozen=True)
class Installation:
    data_dir: Path
    url: str  # SQLite in data_dir, or a PostgreSQL database of its own (tests/db/servers.py)


def _env(site: Installation, kill: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARDSCAN_")}
    env.update(
        CARDSCAN_DATA_DIR=str(site.data_dir),
        CARDSCAN_DATABASE_URL=site.url,
        CARDSCAN_DPI="100",
        CARDSCAN_WORKERS="2",
        PYTHONPATH=str(ROOT),
    )
    if kill:
        env["CARDSCAN_TEST_KILL"] = kill
    return env


def _cardscan(
    site: Installation, *args: str, kill: str | None = None, delay: float | None = None
) -> int:
    """Run the CLI (through the fault launcher); SIGKILL it after ``delay`` seconds if given."""
    command = [sys.executable, "-m", "tests.reliability.fault_launcher", *args]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_env(site, kill),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        return process.wait(timeout=delay if delay is not None else ATTEMPT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        if delay is None:
            raise
        os.killpg(process.pid, signal.SIGKILL)  # the run and its worker processes
        process.wait()
        return -signal.SIGKILL
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _batch_exists(site: Installation) -> bool:
    engine = make_engine(site.url)
    try:
        with Session(engine) as session:
            return session.exec(select(Batch)).first() is not None
    except Exception:  # killed before the schema was made
        return False
    finally:
        engine.dispose()


def _assert_nothing_half_written(site: Installation) -> None:
    """What a reviewer could open after a kill: every page whole (image on disk, its fields
    with it), no page twice."""
    engine = make_engine(site.url)
    try:
        with Session(engine) as session:
            try:
                pages = session.exec(select(Page)).all()
            except Exception:  # the kill came before the tables existed
                return
            keys = [(p.file_id, p.page_no) for p in pages]
            assert len(keys) == len(set(keys))
            for page in pages:
                if page.image_path:
                    assert (site.data_dir / page.image_path).is_file()
                if page.form in ("registration", "service_card"):
                    fields = session.exec(select(Field).where(col(Field.page_id) == page.id)).all()
                    assert fields, f"page {page.id} is stored without its fields"
    finally:
        engine.dispose()


def test_killed_ingest_resumes_to_the_records_of_an_uninterrupted_run(tmp_path: Path) -> None:
    with (
        fresh_database(tmp_path / "reference") as reference_url,
        fresh_database(tmp_path / "faulty") as faulty_url,
    ):
        _kill_and_resume(
            _scans(tmp_path / "scans"),
            Installation(tmp_path / "reference", reference_url),
            Installation(tmp_path / "faulty", faulty_url),
        )


def _kill_and_resume(scans: Path, reference: Installation, faulty: Installation) -> None:
    roster = ("roster", "import", str(SAMPLE / "roster.csv"), "--year", "2026")
    assert _cardscan(reference, *roster) == 0
    assert _cardscan(reference, "ingest", str(scans)) == 0
    expected = snapshot(reference.url, reference.data_dir)
    assert len(expected["pages"]) == 8
    rescan = expected["pages"][("zz-rescan.jpg", 1)]
    assert rescan["status"] == "duplicate", rescan["notes"]
    assert rescan["notes"][-1] == "duplicate_page:scan_0001.png#1"
    assert expected["batches"][0][0] == "done"

    assert _cardscan(faulty, *roster) == 0
    rng = random.Random(SEED)
    plan = [
        (kill[0], kill[1]) if isinstance(kill[0], str) else round(rng.uniform(*kill), 2)
        for kill in KILL_PLAN
    ]
    for attempt, kill in enumerate(plan):
        resume = attempt % 2 == 1 and _batch_exists(faulty)
        args = ("batch", "resume", "1") if resume else ("ingest", str(scans))
        if isinstance(kill, tuple):
            code = _cardscan(faulty, *args, kill=f"{kill[0]}:{kill[1]}")
        else:
            code = _cardscan(faulty, *args, delay=kill)
        assert code == -signal.SIGKILL, (attempt, kill, code)  # it died there, unfinished
        _assert_nothing_half_written(faulty)
    assert _cardscan(faulty, "ingest", str(scans)) == 0  # what a clerk types again

    got = snapshot(faulty.url, faulty.data_dir)
    assert got["batches"] == expected["batches"]
    assert got["files"] == expected["files"]
    assert got["pages"].keys() == expected["pages"].keys()
    for key, page in expected["pages"].items():
        assert got["pages"][key] == page, key
    engine = make_engine(faulty.url)
    with Session(engine) as session:
        (batch,) = session.exec(select(Batch)).all()
        assert batch.status == BatchStatus.done
    engine.dispose()
