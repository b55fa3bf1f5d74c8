"""What resuming a batch takes: the files it was given (its plan) that are still on disk, the
stored copies of files whose original is gone, and the names of files lost before they were
read. `cardscan batch resume` uses it, and `cardscan serve` at start-up, to finish the
upload batches a stopped or killed server left (their uploaded files stay until ingest has
stored them)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.settings import Settings
from ingest.batch_lock import batch_is_live
from ingest.batch_plan import read_plan
from records.batch_resume import unfinished_batches
from records.db import session_scope
from records.models import FileStatus, SourceFile

log = logging.getLogger(__name__)
UPLOADS = "uploads"


@dataclass
class ResumeInputs:
    """The files to run a batch on again, the names to show for them, and what is lost."""

    paths: list[Path] = field(default_factory=list)
    names: dict[Path, str] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)


def resume_inputs(settings: Settings, engine: Engine, batch_id: int) -> ResumeInputs:
    """The plan's files where they still are; for a stored file whose original is gone (an
    upload's temporary copy), its stored copy; plan files gone and never read are lost."""
    with session_scope(engine) as session:
        rows = [
            (f.original_name, f.status, f.stored_path)
            for f in session.exec(
                select(SourceFile)
                .where(SourceFile.batch_id == batch_id)
                .order_by(col(SourceFile.id))
            ).all()
        ]
    plan = read_plan(settings.storage_root, batch_id)
    inputs = ResumeInputs()
    for entry in plan:
        if entry.path.is_file():
            inputs.paths.append(entry.path)
            inputs.names[entry.path] = entry.name
    on_disk = set(inputs.names.values())
    have_rows = {name for name, _, _ in rows}
    inputs.lost = [e.name for e in plan if not e.path.is_file() and e.name not in have_rows]
    for name, status, stored in rows:
        if status == FileStatus.ingested and name not in on_disk:
            copy = settings.storage_root / (stored or "")
            if copy.is_file():
                inputs.paths.append(copy)
                inputs.names[copy] = name
            else:
                inputs.lost.append(name)
    return inputs


def resume_interrupted_uploads(app: FastAPI) -> list[int]:
    """Queue again every upload batch left unfinished by a server that stopped; returns
    their ids. Batches from `cardscan ingest` are left to `cardscan batch resume`."""
    from api.background import IngestJob, runner_for
    from api.uploads import Upload, UploadedFile

    settings: Settings = app.state.settings
    engine: Engine = app.state.engine
    uploads = (settings.data_dir / UPLOADS).resolve()
    with session_scope(engine) as session:
        batches = [(b.id, b.name, b.received_date) for b in unfinished_batches(session)]
    resumed = []
    for batch_id, name, received in batches:
        assert batch_id is not None
        plan = read_plan(settings.storage_root, batch_id)
        if not plan or batch_is_live(settings.storage_root, batch_id):
            continue
        if not all(e.path.resolve().is_relative_to(uploads) for e in plan):
            continue
        inputs = resume_inputs(settings, engine, batch_id)
        folder = plan[0].path.parent
        files = [
            UploadedFile(name=inputs.names[p], path=p, size=p.stat().st_size) for p in inputs.paths
        ]
        # The upload folder is deleted once ingest has stored what it keeps.
        upload = Upload(folder=folder, files=files)
        runner_for(app).submit(
            IngestJob(batch_id=batch_id, name=name, received_date=received, upload=upload)
        )
        resumed.append(batch_id)
        log.warning("batch %d: an interrupted upload is ingested again", batch_id)
    return resumed
